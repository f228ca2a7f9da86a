//! `CdfTable` and `pmf_to_quantized_cdf` (the core's `tables`), with the table's one-shot
//! coders in both stream formats as its methods, GIL released.

use std::sync::Arc;

use fastrans::{compressai, format, CdfTable};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{shared_i32, slice1, slice2, threads_arg, with_indexes};
use crate::errors::{detached, guarded};

/// Many validated CDFs (see `fastrans.CdfTable`).
#[pyclass(frozen, module = "fastrans._native", name = "CdfTable")]
pub struct PyCdfTable {
    pub inner: Arc<CdfTable>,
}

#[pymethods]
impl PyCdfTable {
    #[new]
    #[pyo3(signature = (cdfs, cdf_lengths, offsets, precision=16))]
    fn new(
        py: Python<'_>,
        cdfs: PyReadonlyArray2<'_, i32>,
        cdf_lengths: PyReadonlyArray1<'_, i32>,
        offsets: PyReadonlyArray1<'_, i32>,
        precision: u32,
    ) -> PyResult<Self> {
        let (c, _, width) = slice2(&cdfs, "cdfs")?;
        let l = slice1(&cdf_lengths, "cdf_lengths")?;
        let o = slice1(&offsets, "offsets")?;
        let table = detached(py, || CdfTable::new(c, width, l, o, precision))?;
        Ok(PyCdfTable {
            inner: Arc::new(table),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (pmfs, pmf_lengths, tail_masses, offsets, precision=16))]
    fn from_pmfs(
        py: Python<'_>,
        pmfs: PyReadonlyArray2<'_, f32>,
        pmf_lengths: PyReadonlyArray1<'_, i32>,
        tail_masses: PyReadonlyArray1<'_, f32>,
        offsets: PyReadonlyArray1<'_, i32>,
        precision: u32,
    ) -> PyResult<Self> {
        let (p, _, width) = slice2(&pmfs, "pmfs")?;
        let l = slice1(&pmf_lengths, "pmf_lengths")?;
        let t = slice1(&tail_masses, "tail_masses")?;
        let o = slice1(&offsets, "offsets")?;
        let table = detached(py, || CdfTable::from_pmfs(p, width, l, t, o, precision))?;
        Ok(PyCdfTable {
            inner: Arc::new(table),
        })
    }

    #[getter]
    fn num_tables(&self) -> usize {
        self.inner.num_tables()
    }

    #[getter]
    fn precision(&self) -> u32 {
        self.inner.precision()
    }

    #[getter]
    fn fingerprint(&self) -> u64 {
        self.inner.fingerprint()
    }

    /// The CDFs, CompressAI layout (rows zero padded to the longest).
    fn cdfs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<i32>>> {
        let width = self.inner.width();
        let flat = self.inner.padded_cdfs();
        let rows = self.inner.num_tables();
        flat.into_pyarray(py).reshape([rows, width])
    }

    fn cdf_lengths<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i32>> {
        self.inner.lengths().into_pyarray(py)
    }

    fn offsets<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i32>> {
        self.inner.offsets().into_pyarray(py)
    }

    fn encode_compressai<'py>(
        &self,
        py: Python<'py>,
        symbols: PyReadonlyArray1<'_, i32>,
        indexes: PyReadonlyArray1<'_, i32>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let s = slice1(&symbols, "symbols")?;
        let i = shared_i32(&indexes, "indexes")?;
        let table = &self.inner;
        let bytes = detached(py, || with_indexes(i, |i| compressai::encode(table, s, i)))?;
        Ok(PyBytes::new(py, &bytes))
    }

    fn decode_compressai<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        indexes: PyReadonlyArray1<'_, i32>,
    ) -> PyResult<Bound<'py, PyArray1<i32>>> {
        let i = shared_i32(&indexes, "indexes")?;
        let table = &self.inner;
        let out = detached(py, || {
            with_indexes(i, |i| compressai::decode(table, data, i))
        })?;
        Ok(out.into_pyarray(py))
    }

    /// Encode `symbols[i]` with row `indexes[i]` into a fastrans stream.
    fn encode_fastrans<'py>(
        &self,
        py: Python<'py>,
        symbols: PyReadonlyArray1<'_, i32>,
        indexes: PyReadonlyArray1<'_, i32>,
        threads: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let s = slice1(&symbols, "symbols")?;
        let i = shared_i32(&indexes, "indexes")?;
        let threads = threads_arg(threads)?;
        let table = &self.inner;
        // Each chunk's indexes are copied on the thread that codes it (`encode_shared`).
        let bytes = detached(py, || format::encode_shared(table, s, i, threads))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Decode a fastrans stream, one symbol per index.
    fn decode_fastrans<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        indexes: PyReadonlyArray1<'_, i32>,
        threads: i64,
    ) -> PyResult<Bound<'py, PyArray1<i32>>> {
        let i = shared_i32(&indexes, "indexes")?;
        let threads = threads_arg(threads)?;
        let table = &self.inner;
        let out = detached(py, || format::decode_shared(table, data, i, threads))?;
        Ok(out.into_pyarray(py))
    }
}

/// CompressAI-exact pmf → quantized CDF (int32, length `len(pmf) + 1`).
#[pyfunction]
#[pyo3(signature = (pmf, precision=16))]
pub fn pmf_to_quantized_cdf<'py>(
    py: Python<'py>,
    pmf: PyReadonlyArray1<'_, f32>,
    precision: u32,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let p = slice1(&pmf, "pmf")?;
    let cdf = guarded(|| fastrans::pmf_to_quantized_cdf(p, precision))?;
    Ok(cdf
        .into_iter()
        .map(|c| c as i32)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}
