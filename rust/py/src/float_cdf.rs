//! Symbols each with its own float CDF (the core's `float_cdf`, torchac's interface), GIL
//! released: the CDF arrives flat, `L + 1` floats a symbol.

use fastrans::float_cdf;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{slice1, threads_arg};
use crate::errors::detached;

/// Encode `symbols` (each in `0..levels`) with their rows of `cdf`.
#[pyfunction]
#[pyo3(signature = (cdf, levels, symbols, threads))]
pub fn float_cdf_encode<'py>(
    py: Python<'py>,
    cdf: PyReadonlyArray1<'_, f32>,
    levels: usize,
    symbols: PyReadonlyArray1<'_, i32>,
    threads: i64,
) -> PyResult<Bound<'py, PyBytes>> {
    let c = slice1(&cdf, "cdf")?;
    let s = slice1(&symbols, "symbols")?;
    let threads = threads_arg(threads)?;
    let bytes = detached(py, || float_cdf::encode(c, levels, s, threads))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decode the symbols (int32, flat) of a stream from `float_cdf_encode` with the same rows.
#[pyfunction]
#[pyo3(signature = (data, cdf, levels, threads))]
pub fn float_cdf_decode<'py>(
    py: Python<'py>,
    data: &[u8],
    cdf: PyReadonlyArray1<'_, f32>,
    levels: usize,
    threads: i64,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let c = slice1(&cdf, "cdf")?;
    let threads = threads_arg(threads)?;
    let out = detached(py, || float_cdf::decode(data, c, levels, threads))?;
    Ok(out.into_pyarray(py))
}
