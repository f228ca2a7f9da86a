//! Per-symbol parametric laws in the serial CompressAI stream: a batch pushed to a
//! `BufferedEncoder` or decoded from a `StreamDecoder` with a `ParametricCoder` (see the
//! core's `BufferedEncoder::push_parametric`), GIL released for decoding.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::slice1;
use crate::errors::{detached, guarded};
use crate::format::{poisoned, PyBufferedEncoder, PyStreamDecoder};
use crate::parametric_coder::PyParametricCoder;

/// Queue `symbols` on `encoder`, each with its own law under `coder`.
#[pyfunction]
#[pyo3(signature = (encoder, coder, symbols, means, scales, weights))]
pub fn serial_encode_parametric(
    encoder: &PyBufferedEncoder,
    coder: &PyParametricCoder,
    symbols: PyReadonlyArray1<'_, i32>,
    means: PyReadonlyArray1<'_, f32>,
    scales: PyReadonlyArray1<'_, f32>,
    weights: Option<PyReadonlyArray1<'_, f32>>,
) -> PyResult<()> {
    let s = slice1(&symbols, "symbols")?;
    let m = slice1(&means, "means")?;
    let sc = slice1(&scales, "scales")?;
    let w = weights.as_ref().map(|a| slice1(a, "weights")).transpose()?;
    let mut enc = encoder.inner.lock().map_err(|_| poisoned())?;
    guarded(|| enc.push_parametric(&coder.inner, s, m, sc, w))
}

/// Decode `n` symbols from `decoder`, each with its own law under `coder`.
#[pyfunction]
#[pyo3(signature = (decoder, coder, n, means, scales, weights))]
pub fn serial_decode_parametric<'py>(
    py: Python<'py>,
    decoder: &PyStreamDecoder,
    coder: &PyParametricCoder,
    n: usize,
    means: PyReadonlyArray1<'_, f32>,
    scales: PyReadonlyArray1<'_, f32>,
    weights: Option<PyReadonlyArray1<'_, f32>>,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let m = slice1(&means, "means")?;
    let sc = slice1(&scales, "scales")?;
    let w = weights.as_ref().map(|a| slice1(a, "weights")).transpose()?;
    let (coder, inner) = (&coder.inner, &decoder.inner);
    let out = detached(py, || {
        let mut out = vec![0i32; n];
        match inner.lock() {
            Ok(mut dec) => dec.decode_parametric_into(coder, m, sc, w, &mut out)?,
            Err(_) => return Err(fastrans::Error::InvalidArgument("decoder poisoned".into())),
        }
        Ok(out)
    })?;
    Ok(out.into_pyarray(py))
}
