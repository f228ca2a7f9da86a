//! The one place where core errors and panics become Python exceptions.
//!
//! `InvalidArgument` → `ValueError`; `CorruptStream` → `CorruptStreamError`;
//! `TableMismatch` → `TableMismatchError` (both subclass `FastransError(ValueError)`).
//! Every call into the core runs under [`guarded`], so a Rust panic surfaces as a
//! `FastransError` naming it as a bug, never as pyo3's `PanicException`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use fastrans::Error;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    fastrans,
    FastransError,
    PyValueError,
    "Base class of fastrans errors (a ValueError)."
);
create_exception!(
    fastrans,
    CorruptStreamError,
    FastransError,
    "The bytes are not a valid stream: truncated, trailing data, checksum mismatch or impossible symbol."
);
create_exception!(
    fastrans,
    TableMismatchError,
    FastransError,
    "The stream was made with other tables than the ones used to decode it."
);

/// Converts a core error into the matching Python exception.
pub fn to_py(err: Error) -> PyErr {
    match err {
        Error::CorruptStream(_) => CorruptStreamError::new_err(err.to_string()),
        Error::TableMismatch(_) => TableMismatchError::new_err(err.to_string()),
        _ => PyValueError::new_err(err.to_string()),
    }
}

/// Runs `f`, turning its error and any panic into a Python exception.
pub fn guarded<T>(f: impl FnOnce() -> fastrans::Result<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(FastransError::new_err(format!(
                "internal error in fastrans (please report it): {what}"
            )))
        }
    }
}

/// Runs `f` with the GIL released, under [`guarded`].
pub fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> fastrans::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| guarded(f))
}

/// Registers the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FastransError", py.get_type::<FastransError>())?;
    m.add("CorruptStreamError", py.get_type::<CorruptStreamError>())?;
    m.add("TableMismatchError", py.get_type::<TableMismatchError>())?;
    Ok(())
}
