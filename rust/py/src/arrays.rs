//! Borrowing numpy arrays as slices, with errors that say how to fix the array, and the
//! other arguments every binding converts the same way (`threads`).
//!
//! The Python facade casts inputs to the right dtype and makes them C-contiguous once; here
//! we only borrow (zero copy) and refuse anything else with a clear message. Index arrays
//! are the exception: [`shared_i32`] and [`read_once`] copy them (docs/ROBUSTNESS.md,
//! "Arrays changed during a call").

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use numpy::{
    Element, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyReadwriteArray1,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The elements of a 1-D array, or a ValueError naming `what`.
pub fn slice1<'a, T: Element>(a: &'a PyReadonlyArray1<'_, T>, what: &str) -> PyResult<&'a [T]> {
    check_aligned(a.len(), a.data(), what)?;
    a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        ))
    })
}

/// The elements of a writeable 1-D array, or a ValueError naming `what` (read-only,
/// borrowed elsewhere, not C-contiguous or misaligned).
pub fn slice1_mut<'a, T: Element>(
    a: &'a mut PyReadwriteArray1<'_, T>,
    what: &str,
) -> PyResult<&'a mut [T]> {
    check_aligned(a.len(), a.data(), what)?;
    a.as_slice_mut().map_err(|_| {
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
    check_aligned(a.len(), a.data(), what)?;
    let s = a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        ))
    })?;
    Ok((s, rows, cols))
}

/// A slice needs aligned elements: numpy allows unaligned arrays (`numpy.frombuffer` at
/// an odd offset), which a slice over them would read wrongly (a debug assertion aborts
/// the process). The Python facade aligns its arrays (`numpy.require`), so this is for
/// direct callers of the native module.
fn check_aligned<T>(len: usize, data: *mut T, what: &str) -> PyResult<()> {
    if len > 0 && !data.is_aligned() {
        return Err(PyValueError::new_err(format!(
            "{what} is not aligned to {} bytes: pass numpy.require({what}, requirements=\"CA\")",
            std::mem::align_of::<T>()
        )));
    }
    Ok(())
}

/// A C-contiguous int32 array as memory another thread may write while we read it (Python
/// threads and GIL-free native code can, during a call that released the GIL): a slice of
/// atomics, whose loads are defined whatever the writers do. Read it with [`read_once`].
pub fn shared_i32<'a>(a: &'a PyReadonlyArray1<'_, i32>, what: &str) -> PyResult<&'a [AtomicI32]> {
    if !a.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{what} must be C-contiguous: pass numpy.ascontiguousarray({what})"
        )));
    }
    let len = a.len();
    if len == 0 {
        return Ok(&[]);
    }
    check_aligned(len, a.data(), what)?;
    let data = a.data() as *const AtomicI32;
    // SAFETY: `data` points to `len` contiguous, aligned int32 elements (checked above)
    // owned by the array, which `a` keeps alive and un-resized (numpy refuses to resize
    // an array that others reference) for `'a`. `AtomicI32` has the layout of `i32`.
    // Other threads may write the elements meanwhile: every access through this slice is
    // an atomic load, so a racing write gives some value, never undefined behaviour.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// The elements of `shared`, each read exactly once (a relaxed load: on x86-64 a plain
/// `mov`), into memory of our own that nobody else can change, so what the core checks is
/// what it codes. The memory is a buffer kept from an earlier call when one is free
/// ([`KEPT`]); hand it back with [`give_back`].
pub fn read_once(shared: &[AtomicI32]) -> Vec<i32> {
    let mut buf = KEPT
        .lock()
        .ok()
        .and_then(|mut k| k.take())
        .unwrap_or_default();
    buf.clear();
    buf.extend(shared.iter().map(|a| a.load(Ordering::Relaxed)));
    buf
}

/// Most index memory kept between calls: 4 Mi indexes, four times W1's.
const MAX_KEPT_BYTES: usize = 16 << 20;

/// One index buffer kept between calls: fresh memory for every call is mapped page by page
/// as the copy writes it, which the kept buffer avoids; the loop stays one relaxed 32-bit
/// load an index, as pairing them in 64-bit loads was slower (docs/PERFORMANCE.md, "The
/// index copy"). One buffer for the whole process, so memory kept while idle is bounded whatever the
/// number of threads; a call that finds it taken allocates.
static KEPT: Mutex<Option<Vec<i32>>> = Mutex::new(None);

/// Keeps `buf` for the next [`read_once`] when it is not too large.
pub fn give_back(buf: Vec<i32>) {
    if buf.capacity() * std::mem::size_of::<i32>() <= MAX_KEPT_BYTES {
        if let Ok(mut k) = KEPT.lock() {
            let keep = k.as_ref().is_none_or(|old| old.capacity() < buf.capacity());
            if keep {
                *k = Some(buf);
            }
        }
    }
}

/// [`read_once`], `f` on the copy, and the copy handed back.
pub fn with_indexes<R>(shared: &[AtomicI32], f: impl FnOnce(&[i32]) -> R) -> R {
    let buf = read_once(shared);
    let out = f(&buf);
    give_back(buf);
    out
}

/// `threads` as the core wants it: 0 = every core, n >= 1 = n threads.
pub fn threads_arg(threads: i64) -> PyResult<usize> {
    usize::try_from(threads).map_err(|_| {
        PyValueError::new_err(format!(
            "threads={threads} is negative: use None (every core) or a count >= 1"
        ))
    })
}
