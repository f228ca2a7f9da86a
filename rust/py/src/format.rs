//! The byte streams (the core's `format`): the fastrans header as the decoder parses it,
//! and the autoregressive path in CompressAI's format, `BufferedEncoder` (many pushes, one
//! flush) and `StreamDecoder` (one stream, many decode calls).

use std::sync::Mutex;

use fastrans::{compressai, format};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrays::{shared_i32, slice1, with_indexes};
use crate::errors::{detached, guarded};
use crate::table::PyCdfTable;

/// A model-coded stream's model as `fastrans_header` reports it: `(kind, family,
/// precision, lower, upper, levels)`, `kind` being `"parametric"` or `"float_cdf"`.
type ModelFields = (
    &'static str,
    Option<&'static str>,
    u32,
    Option<i32>,
    Option<i32>,
    Option<u32>,
);

/// The fields of a fastrans stream's header, read by the decoders' own parser
/// (`fastrans::format::header`): `(version, fingerprint32, symbols, lanes_log2,
/// chunk_symbols, chunk_bytes, header_bytes, crc, model)`, `model` being `None` for a table
/// stream. `CorruptStreamError` when the CRC or the header does not hold.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn fastrans_header(
    data: &[u8],
) -> PyResult<(
    u8,
    u32,
    u64,
    u32,
    u64,
    Vec<usize>,
    usize,
    u32,
    Option<ModelFields>,
)> {
    let h = guarded(|| format::header(data))?;
    let model = h.model.map(|m| match m {
        format::ModelHeader::Parametric {
            family,
            precision,
            bounds,
        } => {
            let (lower, upper) = bounds.unzip();
            ("parametric", Some(family), precision, lower, upper, None)
        }
        format::ModelHeader::FloatCdf { levels, precision } => {
            ("float_cdf", None, precision, None, None, Some(levels))
        }
    });
    Ok((
        h.version,
        h.fingerprint32,
        h.symbols,
        h.lanes_log2,
        h.chunk_symbols,
        h.chunk_bytes,
        h.header_bytes,
        h.crc,
        model,
    ))
}

pub(crate) fn poisoned() -> PyErr {
    PyRuntimeError::new_err("a previous call on this coder failed mid-way; create a new one")
}

/// Collects symbols over many calls (each with its own table); `flush` codes them all.
#[pyclass(frozen, module = "fastrans._native", name = "BufferedEncoder")]
pub struct PyBufferedEncoder {
    pub(crate) inner: Mutex<compressai::BufferedEncoder>,
}

#[pymethods]
impl PyBufferedEncoder {
    #[new]
    fn new() -> Self {
        PyBufferedEncoder {
            inner: Mutex::new(compressai::BufferedEncoder::new()),
        }
    }

    fn encode(
        &self,
        table: &PyCdfTable,
        symbols: PyReadonlyArray1<'_, i32>,
        indexes: PyReadonlyArray1<'_, i32>,
    ) -> PyResult<()> {
        let s = slice1(&symbols, "symbols")?;
        let i = shared_i32(&indexes, "indexes")?;
        let mut enc = self.inner.lock().map_err(|_| poisoned())?;
        with_indexes(i, |i| guarded(|| enc.push(&table.inner, s, i)))
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.inner.lock().map_err(|_| poisoned())?.len())
    }

    fn flush<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let inner = &self.inner;
        let bytes = py.detach(|| {
            let mut enc = inner.lock().map_err(|_| poisoned())?;
            guarded(|| Ok(enc.flush()))
        })?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// Decodes one stream over many calls (each with its own table).
#[pyclass(frozen, module = "fastrans._native", name = "StreamDecoder")]
pub struct PyStreamDecoder {
    pub(crate) inner: Mutex<compressai::StreamDecoder>,
}

#[pymethods]
impl PyStreamDecoder {
    #[new]
    fn new(data: &[u8]) -> PyResult<Self> {
        let dec = guarded(|| compressai::StreamDecoder::new(data))?;
        Ok(PyStreamDecoder {
            inner: Mutex::new(dec),
        })
    }

    fn decode<'py>(
        &self,
        py: Python<'py>,
        table: &PyCdfTable,
        indexes: PyReadonlyArray1<'_, i32>,
    ) -> PyResult<Bound<'py, PyArray1<i32>>> {
        let i = shared_i32(&indexes, "indexes")?;
        let table = &table.inner;
        let inner = &self.inner;
        let out = detached(py, || {
            with_indexes(i, |i| {
                let mut out = vec![0i32; i.len()];
                match inner.lock() {
                    Ok(mut dec) => dec.decode_into(table, i, &mut out)?,
                    Err(_) => {
                        return Err(fastrans::Error::InvalidArgument("decoder poisoned".into()))
                    }
                }
                Ok(out)
            })
        })?;
        Ok(out.into_pyarray(py))
    }

    #[getter]
    fn remaining_bytes(&self) -> PyResult<usize> {
        Ok(self.inner.lock().map_err(|_| poisoned())?.remaining_words() * 4)
    }

    fn finish(&self) -> PyResult<()> {
        let dec = self.inner.lock().map_err(|_| poisoned())?;
        guarded(|| dec.finish())
    }
}
