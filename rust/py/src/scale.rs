//! `scale_indexes`: CompressAI's `build_indexes`, bit-exact, GIL released.

use fastrans::scale::ScaleIndexer;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::slice1;
use crate::errors::detached;

/// Row index for every scale (int32, same length).
#[pyfunction]
#[pyo3(signature = (scales, scale_table, scale_bound=0.11))]
pub fn scale_indexes<'py>(
    py: Python<'py>,
    scales: PyReadonlyArray1<'_, f32>,
    scale_table: PyReadonlyArray1<'_, f32>,
    scale_bound: f32,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let s = slice1(&scales, "scales")?;
    let t = slice1(&scale_table, "scale_table")?;
    let out = detached(py, || {
        let ix = ScaleIndexer::new(t, scale_bound)?;
        let mut out = vec![0i32; s.len()];
        ix.indexes_into(s, &mut out)?;
        Ok(out)
    })?;
    Ok(out.into_pyarray(py))
}
