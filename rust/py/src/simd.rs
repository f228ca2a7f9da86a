//! The kernel families: what the CPU has and what this thread may run, by name, for
//! `fastrans.simd_info` and `fastrans.simd_limit` (`python/fastrans/_simd.py`).

use fastrans::{cpu_simd, set_thread_simd_limit, simd_in_use, Simd};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `(cpu, in_use)`: the best family this CPU can run, and the one this thread's calls use
/// now (the CPU's within `FASTRANS_SIMD` and the thread's limit). Names as `Simd::name`.
#[pyfunction]
pub fn simd_families() -> (&'static str, &'static str) {
    (cpu_simd().name(), simd_in_use().name())
}

/// Sets this thread's kernel limit to the family `name` (exactly: the caller keeps a
/// nested limit below the outer one) and returns the limit before, to be set back.
#[pyfunction]
pub fn set_simd_limit(name: &str) -> PyResult<&'static str> {
    let limit = Simd::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown kernel family {name:?}: use one of {}",
            family_names().join(", ")
        ))
    })?;
    Ok(set_thread_simd_limit(limit).name())
}

/// Every family's name, fewest features first (the module's `SIMD_FAMILIES`, which the
/// Python layer orders and checks limits by).
pub fn family_names() -> Vec<&'static str> {
    Simd::ALL.iter().map(|s| s.name()).collect()
}
