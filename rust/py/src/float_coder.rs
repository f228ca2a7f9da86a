//! Floats → bytes → floats with the rows given (see `fastrans::encode_floats`), GIL
//! released: by an index per position (`encode_floats`, `decode_floats`) or by channel
//! (`encode_channels`, `decode_channels`).

use fastrans::{decode_floats_into, encode_floats, Offsets, Rows, StreamFormat};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{shared_i32, slice1, slice1_mut, threads_arg, with_indexes};
use crate::errors::{detached, guarded};
use crate::table::PyCdfTable;

/// Encode `round(values - means)` with row `indexes[i]` for position `i`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn encode_floats_with_indexes<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    values: PyReadonlyArray1<'_, f32>,
    indexes: PyReadonlyArray1<'_, i32>,
    means: Option<PyReadonlyArray1<'_, f32>>,
    max_symbol: u32,
    format: &str,
    threads: i64,
) -> PyResult<Bound<'py, PyBytes>> {
    let v = slice1(&values, "values")?;
    let i = shared_i32(&indexes, "indexes")?;
    let m = means.as_ref().map(|a| slice1(a, "means")).transpose()?;
    let (fmt, threads) = (stream_format(format)?, threads_arg(threads)?);
    let t = &table.inner;
    let bytes = detached(py, || {
        with_indexes(i, |i| {
            let offsets = m.map_or(Offsets::None, Offsets::Means);
            encode_floats(t, v, Rows::Indexes(i), offsets, max_symbol, fmt, threads)
        })
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decode `symbol + means` (float32) into `out`, one per index; returns `out`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn decode_floats_with_indexes<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    data: &[u8],
    indexes: PyReadonlyArray1<'_, i32>,
    means: Option<PyReadonlyArray1<'_, f32>>,
    format: &str,
    threads: i64,
    out: Bound<'py, PyArray1<f32>>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let i = shared_i32(&indexes, "indexes")?;
    let m = means.as_ref().map(|a| slice1(a, "means")).transpose()?;
    let (fmt, threads) = (stream_format(format)?, threads_arg(threads)?);
    let t = &table.inner;
    {
        let mut rw = writeable(&out)?;
        let o = slice1_mut(&mut rw, "out")?;
        detached(py, || {
            with_indexes(i, |i| {
                let offsets = m.map_or(Offsets::None, Offsets::Means);
                decode_floats_into(t, data, Rows::Indexes(i), offsets, fmt, threads, o)
            })
        })?;
    }
    Ok(out)
}

/// Encode `round(values - medians[c])` with row `c`, the channel of each position, for
/// items laid out `(channels, plane)`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn encode_floats_by_channel<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    values: PyReadonlyArray1<'_, f32>,
    channels: usize,
    plane: usize,
    medians: Option<PyReadonlyArray1<'_, f32>>,
    max_symbol: u32,
    format: &str,
    threads: i64,
) -> PyResult<Bound<'py, PyBytes>> {
    let v = slice1(&values, "values")?;
    let m = medians.as_ref().map(|a| slice1(a, "medians")).transpose()?;
    let (fmt, threads) = (stream_format(format)?, threads_arg(threads)?);
    let t = &table.inner;
    let bytes = detached(py, || {
        let offsets = m.map_or(Offsets::None, Offsets::Medians);
        let rows = Rows::Channels { channels, plane };
        encode_floats(t, v, rows, offsets, max_symbol, fmt, threads)
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decode `symbol + medians[c]` (float32) into `out`, rows by channel; returns `out`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn decode_floats_by_channel<'py>(
    py: Python<'py>,
    table: &PyCdfTable,
    data: &[u8],
    channels: usize,
    plane: usize,
    medians: Option<PyReadonlyArray1<'_, f32>>,
    format: &str,
    threads: i64,
    out: Bound<'py, PyArray1<f32>>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let m = medians.as_ref().map(|a| slice1(a, "medians")).transpose()?;
    let (fmt, threads) = (stream_format(format)?, threads_arg(threads)?);
    let t = &table.inner;
    {
        let mut rw = writeable(&out)?;
        let o = slice1_mut(&mut rw, "out")?;
        detached(py, || {
            let offsets = m.map_or(Offsets::None, Offsets::Medians);
            let rows = Rows::Channels { channels, plane };
            decode_floats_into(t, data, rows, offsets, fmt, threads, o)
        })?;
    }
    Ok(out)
}

fn stream_format(format: &str) -> PyResult<StreamFormat> {
    guarded(|| StreamFormat::parse(format))
}

/// `out` borrowed for writing, or a ValueError saying why it cannot be.
fn writeable<'py>(out: &Bound<'py, PyArray1<f32>>) -> PyResult<numpy::PyReadwriteArray1<'py, f32>> {
    out.try_readwrite().map_err(|e| {
        PyValueError::new_err(format!(
            "out must be a writeable array no other call uses: {e}"
        ))
    })
}
