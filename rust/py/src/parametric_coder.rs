//! `ParametricCoder`: symbols each coded with its own law (see `fastrans::ParametricCoder`),
//! GIL released.

use fastrans::ParametricCoder;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{slice1, threads_arg};
use crate::errors::{detached, guarded};

/// A coder of symbols each with its own Gaussian, Laplace or logistic law (or mixture).
#[pyclass(frozen, module = "fastrans._native", name = "ParametricCoder")]
pub struct PyParametricCoder {
    pub(crate) inner: ParametricCoder,
}

#[pymethods]
impl PyParametricCoder {
    #[new]
    #[pyo3(signature = (family, precision, lower=None, upper=None))]
    fn new(family: &str, precision: u32, lower: Option<i32>, upper: Option<i32>) -> PyResult<Self> {
        let inner = guarded(|| ParametricCoder::new(family, precision, lower, upper))?;
        Ok(PyParametricCoder { inner })
    }

    /// Encode `symbols` with the `(K, n)` components `means`, `scales` (and `weights`).
    #[pyo3(signature = (symbols, means, scales, weights, threads))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        symbols: PyReadonlyArray1<'_, i32>,
        means: PyReadonlyArray1<'_, f32>,
        scales: PyReadonlyArray1<'_, f32>,
        weights: Option<PyReadonlyArray1<'_, f32>>,
        threads: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let s = slice1(&symbols, "symbols")?;
        let m = slice1(&means, "means")?;
        let sc = slice1(&scales, "scales")?;
        let w = weights.as_ref().map(|a| slice1(a, "weights")).transpose()?;
        let threads = threads_arg(threads)?;
        let coder = &self.inner;
        let bytes = detached(py, || coder.encode(s, m, sc, w, threads))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Decode the symbols (int32, flat) of a stream from `encode` with the same parameters.
    #[pyo3(signature = (data, means, scales, weights, threads))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        means: PyReadonlyArray1<'_, f32>,
        scales: PyReadonlyArray1<'_, f32>,
        weights: Option<PyReadonlyArray1<'_, f32>>,
        threads: i64,
    ) -> PyResult<Bound<'py, PyArray1<i32>>> {
        let m = slice1(&means, "means")?;
        let sc = slice1(&scales, "scales")?;
        let w = weights.as_ref().map(|a| slice1(a, "weights")).transpose()?;
        let threads = threads_arg(threads)?;
        let coder = &self.inner;
        let out = detached(py, || coder.decode(data, m, sc, w, threads))?;
        Ok(out.into_pyarray(py))
    }

    /// The family's name.
    #[getter]
    fn family(&self) -> &'static str {
        self.inner.family()
    }

    /// The precision in bits.
    #[getter]
    fn precision(&self) -> u32 {
        self.inner.precision()
    }

    /// The lowest symbol of a bounded support (None: windows with escapes).
    #[getter]
    fn lower(&self) -> Option<i32> {
        self.inner.bounds().map(|b| b.0)
    }

    /// The highest symbol of a bounded support (None: windows with escapes).
    #[getter]
    fn upper(&self) -> Option<i32> {
        self.inner.bounds().map(|b| b.1)
    }
}
