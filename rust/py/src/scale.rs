//! `scale_indexes`: CompressAI's `build_indexes`, bit-exact, GIL released.
//!
//! Building a [`ScaleIndex`] (its bucket table) costs as much as looking up about a
//! hundred thousand scales, so the index of the last scale table is kept: a model calling `build_indexes` on
//! every image pays the build once. The cache is taken with `try_lock`, so a thread
//! holding it (or holding it when the process forked) never makes a caller wait: that
//! caller builds its own index.

use std::sync::{Arc, Mutex};

use fastrans::scale_rows_into;
use fastrans::ScaleIndex;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::slice1;
use crate::errors::detached;

/// The scale table's bits and bound's bits, and the index built from them.
type Cached = (Vec<u32>, u32, Arc<ScaleIndex>);

static LAST: Mutex<Option<Cached>> = Mutex::new(None);

/// The index of `table` and `bound`: the cached one when it matches, else a new one
/// (which then replaces the cached one).
fn index_for(table: &[f32], bound: f32) -> fastrans::Result<Arc<ScaleIndex>> {
    let bits: Vec<u32> = table.iter().map(|t| t.to_bits()).collect();
    if let Ok(guard) = LAST.try_lock() {
        if let Some((t, b, ix)) = guard.as_ref() {
            if *t == bits && *b == bound.to_bits() {
                return Ok(ix.clone());
            }
        }
    }
    let ix = Arc::new(ScaleIndex::new(table, bound)?);
    if let Ok(mut guard) = LAST.try_lock() {
        *guard = Some((bits, bound.to_bits(), ix.clone()));
    }
    Ok(ix)
}

/// Row index for every scale (int32, same length); with `finite`, infinite scales are
/// refused as NaN ones are.
#[pyfunction]
#[pyo3(signature = (scales, scale_table, scale_bound=0.11, finite=false))]
pub fn scale_indexes<'py>(
    py: Python<'py>,
    scales: PyReadonlyArray1<'_, f32>,
    scale_table: PyReadonlyArray1<'_, f32>,
    scale_bound: f32,
    finite: bool,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let s = slice1(&scales, "scales")?;
    let t = slice1(&scale_table, "scale_table")?;
    let out = detached(py, || {
        let ix = index_for(t, scale_bound)?;
        let mut out = vec![0i32; s.len()];
        scale_rows_into(&ix, s, &mut out, finite)?;
        Ok(out)
    })?;
    Ok(out.into_pyarray(py))
}
