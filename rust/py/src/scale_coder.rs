//! `ScaleCoder`: floats → bytes → floats with the scale → row mapping fused into the coding
//! pass (see `fastrans::ScaleCoder`), GIL released.

use fastrans::{ScaleCoder, StreamFormat};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{slice1, slice1_mut, threads_arg};
use crate::errors::{detached, guarded};
use crate::table::PyCdfTable;

/// A table whose rows stand for the scales of a scale table.
#[pyclass(frozen, module = "fastrans._native", name = "ScaleCoder")]
pub struct PyScaleCoder {
    inner: ScaleCoder,
}

#[pymethods]
impl PyScaleCoder {
    #[new]
    fn new(
        py: Python<'_>,
        table: &PyCdfTable,
        scale_table: PyReadonlyArray1<'_, f32>,
        scale_bound: f64,
    ) -> PyResult<Self> {
        let st = slice1(&scale_table, "scale_table")?;
        let t = table.inner.clone();
        let inner = detached(py, || ScaleCoder::new(t, st, scale_bound as f32))?;
        Ok(PyScaleCoder { inner })
    }

    /// Encode `round(values - means)` with the rows of `scales`.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        values: PyReadonlyArray1<'_, f32>,
        scales: PyReadonlyArray1<'_, f32>,
        means: Option<PyReadonlyArray1<'_, f32>>,
        format: &str,
        threads: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let v = slice1(&values, "values")?;
        let s = slice1(&scales, "scales")?;
        let (m, fmt, threads) = shared_args(&means, format, threads)?;
        let coder = &self.inner;
        let bytes = detached(py, || coder.encode(v, s, m, fmt, threads))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Decode to `symbol + mean` (float32), one per scale; into `out` when given (a
    /// writeable float32 array of as many elements), which is returned.
    #[pyo3(signature = (data, scales, means, format, threads, out=None))]
    #[allow(clippy::too_many_arguments)]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        scales: PyReadonlyArray1<'_, f32>,
        means: Option<PyReadonlyArray1<'_, f32>>,
        format: &str,
        threads: i64,
        out: Option<Bound<'py, PyArray1<f32>>>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let s = slice1(&scales, "scales")?;
        let (m, fmt, threads) = shared_args(&means, format, threads)?;
        let coder = &self.inner;
        let Some(out) = out else {
            let out = detached(py, || coder.decode(data, s, m, fmt, threads))?;
            return Ok(out.into_pyarray(py));
        };
        {
            let mut rw = out.try_readwrite().map_err(|e| {
                PyValueError::new_err(format!(
                    "out must be a writeable array no other call uses: {e}"
                ))
            })?;
            let o = slice1_mut(&mut rw, "out")?;
            detached(py, || coder.decode_into(data, s, m, fmt, threads, o))?;
        }
        Ok(out)
    }

    /// Number of table rows (= scale table entries).
    #[getter]
    fn num_tables(&self) -> usize {
        self.inner.table().num_tables()
    }
}

/// The arguments `encode` and `decode` share: optional means, stream format, thread count.
fn shared_args<'a>(
    means: &'a Option<PyReadonlyArray1<'_, f32>>,
    format: &str,
    threads: i64,
) -> PyResult<(Option<&'a [f32]>, StreamFormat, usize)> {
    let m = means.as_ref().map(|a| slice1(a, "means")).transpose()?;
    Ok((
        m,
        guarded(|| StreamFormat::parse(format))?,
        threads_arg(threads)?,
    ))
}
