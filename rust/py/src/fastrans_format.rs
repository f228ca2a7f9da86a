//! The fastrans stream (`encode_fastrans` / `decode_fastrans`) and the parametric tables
//! (`gaussian_table` / `laplace_table`), GIL released.

use std::sync::Arc;

use fastrans::format;
use fastrans::parametric;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{shared_i32, slice1, with_indexes};
use crate::errors::{detached, guarded};
use crate::table::PyCdfTable;

/// `threads` as the core wants it: 0 = every core, n >= 1 = n threads.
pub fn threads_arg(threads: i64) -> PyResult<usize> {
    usize::try_from(threads).map_err(|_| {
        PyValueError::new_err(format!(
            "threads={threads} is negative: use None (every core) or a count >= 1"
        ))
    })
}

/// Encode `symbols[i]` with row `indexes[i]` into a fastrans stream.
#[pyfunction]
pub fn encode_fastrans<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    symbols: PyReadonlyArray1<'_, i32>,
    indexes: PyReadonlyArray1<'_, i32>,
    threads: i64,
) -> PyResult<Bound<'py, PyBytes>> {
    let s = slice1(&symbols, "symbols")?;
    let i = shared_i32(&indexes, "indexes")?;
    let threads = threads_arg(threads)?;
    let t = &table.inner;
    let bytes = detached(py, || with_indexes(i, |i| format::encode(t, s, i, threads)))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decode a fastrans stream, one symbol per index.
#[pyfunction]
pub fn decode_fastrans<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    data: &[u8],
    indexes: PyReadonlyArray1<'_, i32>,
    threads: i64,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let i = shared_i32(&indexes, "indexes")?;
    let threads = threads_arg(threads)?;
    let t = &table.inner;
    let out = detached(py, || {
        with_indexes(i, |i| format::decode(t, data, i, threads))
    })?;
    Ok(out.into_pyarray(py))
}

/// The fields of a fastrans stream's header, read by the decoder's own parser
/// (`fastrans::format::header`): `(version, fingerprint32, symbols, lanes_log2,
/// chunk_symbols, chunk_bytes, header_bytes, crc)`. `CorruptStreamError` when the CRC or
/// the header does not hold.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn fastrans_header(data: &[u8]) -> PyResult<(u8, u32, u64, u32, u64, Vec<usize>, usize, u32)> {
    let h = guarded(|| format::header(data))?;
    Ok((
        h.version,
        h.fingerprint32,
        h.symbols,
        h.lanes_log2,
        h.chunk_symbols,
        h.chunk_bytes,
        h.header_bytes,
        h.crc,
    ))
}

/// A parametric table built with the GIL released.
fn parametric_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    build: fn(&[f64], u32, f64) -> fastrans::Result<fastrans::CdfTable>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    let s = slice1(&scale_table, "scale_table")?;
    let table = detached(py, || build(s, precision, tail_mass))?;
    Ok(PyCdfTable {
        inner: Arc::new(table),
    })
}

/// Discretized zero-mean Gaussian per scale, CompressAI's `GaussianConditional` layout.
#[pyfunction]
pub fn gaussian_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    parametric_table(
        py,
        scale_table,
        parametric::gaussian_table,
        precision,
        tail_mass,
    )
}

/// Discretized zero-mean Laplace per scale, same layout as `gaussian_table`.
#[pyfunction]
pub fn laplace_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    parametric_table(
        py,
        scale_table,
        parametric::laplace_table,
        precision,
        tail_mass,
    )
}
