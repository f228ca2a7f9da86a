//! Borrowing numpy arrays as slices, with errors that say how to fix the array.
//!
//! The Python facade casts inputs to the right dtype and makes them C-contiguous and
//! aligned once; here we only borrow (zero copy) and refuse anything else with a clear
//! message. A misaligned array (a pickle-5 or `frombuffer` view at an odd offset) cannot
//! be borrowed as a slice at all: making one is undefined behaviour.

use numpy::{Element, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A ValueError unless the array's data pointer is aligned for `T`.
fn check_aligned<T>(data: *const T, what: &str) -> PyResult<()> {
    if data.align_offset(std::mem::align_of::<T>()) != 0 {
        return Err(PyValueError::new_err(format!(
            "{what} is not aligned in memory: pass numpy.require({what}, requirements='CA')"
        )));
    }
    Ok(())
}

/// The elements of a 1-D array, or a ValueError naming `what`.
pub fn slice1<'a, T: Element>(a: &'a PyReadonlyArray1<'_, T>, what: &str) -> PyResult<&'a [T]> {
    check_aligned(a.data(), what)?;
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
    check_aligned(a.data(), what)?;
    let s = a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        ))
    })?;
    Ok((s, rows, cols))
}
