//! Borrowing numpy arrays as slices, with errors that say how to fix the array.
//!
//! The Python facade casts inputs to the right dtype and makes them C-contiguous once; here
//! we only borrow (zero copy) and refuse anything else with a clear message.

use numpy::{Element, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The elements of a 1-D array, or a ValueError naming `what`.
pub fn slice1<'a, T: Element>(a: &'a PyReadonlyArray1<'_, T>, what: &str) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        ))
    })
}

/// The elements (row-major) and shape of a 2-D array, or a ValueError naming `what`.
pub fn slice2<'a, T: Element>(
    a: &'a PyReadonlyArray2<'_, T>,
    what: &str,
) -> PyResult<(&'a [T], usize, usize)> {
    let shape = a.shape();
    let (rows, cols) = (shape[0], shape[1]);
    let s = a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        ))
    })?;
    Ok((s, rows, cols))
}
