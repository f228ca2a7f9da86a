//! exp-Golomb for Python: `golomb_encode`, `golomb_decode`, `golomb_nbits`,
//! `golomb_best_k` over int64 arrays, and `golomb_*_each` with one order per value (uint8),
//! GIL released. The facade `fastrans.golomb` casts and
//! checks arguments first; the core re-checks everything (range, k, layout).

use fastrans::golomb::{self, Layout, Orders};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::slice1;
use crate::errors::{detached, guarded};

fn layout(signed: &str) -> PyResult<Layout> {
    guarded(|| Layout::from_name(signed))
}

/// EGk code of `values` (MSB-first, last byte zero-padded).
#[pyfunction]
#[pyo3(signature = (values, k, signed))]
pub fn golomb_encode<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'_, i64>,
    k: u32,
    signed: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let v = slice1(&values, "values")?;
    let l = layout(signed)?;
    let bytes = detached(py, || golomb::encode(v, k, l))?;
    Ok(PyBytes::new(py, &bytes))
}

/// EGk code of `values`, value `i` with order `ks[i]`.
#[pyfunction]
#[pyo3(signature = (values, ks, signed))]
pub fn golomb_encode_each<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'_, i64>,
    ks: PyReadonlyArray1<'_, u8>,
    signed: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let v = slice1(&values, "values")?;
    let o = slice1(&ks, "k")?;
    let l = layout(signed)?;
    let bytes = detached(py, || golomb::encode_with(v, Orders::Each(o), l))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Exactly `count` values decoded from `data`; `padding` leading zero bits for
/// `"coolchic5"`, `None` otherwise.
#[pyfunction]
#[pyo3(signature = (data, count, k, signed, padding=None))]
pub fn golomb_decode<'py>(
    py: Python<'py>,
    data: &[u8],
    count: usize,
    k: u32,
    signed: &str,
    padding: Option<u32>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let l = layout(signed)?;
    let out = detached(py, || {
        golomb::decode_with(data, count, Orders::One(k), l, padding)
    })?;
    Ok(out.into_pyarray(py))
}

/// `len(ks)` values decoded from `data`, value `i` with order `ks[i]`.
#[pyfunction]
#[pyo3(signature = (data, ks, signed, padding=None))]
pub fn golomb_decode_each<'py>(
    py: Python<'py>,
    data: &[u8],
    ks: PyReadonlyArray1<'_, u8>,
    signed: &str,
    padding: Option<u32>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let o = slice1(&ks, "k")?;
    let l = layout(signed)?;
    let out = detached(py, || {
        golomb::decode_with(data, o.len(), Orders::Each(o), l, padding)
    })?;
    Ok(out.into_pyarray(py))
}

/// Exact bit count of `golomb_encode(values, k, signed)` before padding.
#[pyfunction]
#[pyo3(signature = (values, k, signed))]
pub fn golomb_nbits(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
    k: u32,
    signed: &str,
) -> PyResult<u64> {
    let v = slice1(&values, "values")?;
    let l = layout(signed)?;
    detached(py, || golomb::nbits(v, k, l))
}

/// Exact bit count of `golomb_encode_each(values, ks, signed)` before padding.
#[pyfunction]
#[pyo3(signature = (values, ks, signed))]
pub fn golomb_nbits_each(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
    ks: PyReadonlyArray1<'_, u8>,
    signed: &str,
) -> PyResult<u64> {
    let v = slice1(&values, "values")?;
    let o = slice1(&ks, "k")?;
    let l = layout(signed)?;
    detached(py, || golomb::nbits_with(v, Orders::Each(o), l))
}

/// `(k, nbits)` for the order among `ks` with the fewest bits (first on ties).
#[pyfunction]
#[pyo3(signature = (values, ks, signed))]
pub fn golomb_best_k(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i64>,
    ks: Vec<u32>,
    signed: &str,
) -> PyResult<(u32, u64)> {
    let v = slice1(&values, "values")?;
    let l = layout(signed)?;
    detached(py, || golomb::best_k(v, &ks, l))
}

/// `golomb_nbits` for int32 arrays (a faster kernel, same result).
#[pyfunction]
#[pyo3(signature = (values, k, signed))]
pub fn golomb_nbits_i32(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i32>,
    k: u32,
    signed: &str,
) -> PyResult<u64> {
    let v = slice1(&values, "values")?;
    let l = layout(signed)?;
    detached(py, || golomb::nbits_i32(v, k, l))
}

/// `golomb_best_k` for int32 arrays.
#[pyfunction]
#[pyo3(signature = (values, ks, signed))]
pub fn golomb_best_k_i32(
    py: Python<'_>,
    values: PyReadonlyArray1<'_, i32>,
    ks: Vec<u32>,
    signed: &str,
) -> PyResult<(u32, u64)> {
    let v = slice1(&values, "values")?;
    let l = layout(signed)?;
    detached(py, || golomb::best_k_i32(v, &ks, l))
}
