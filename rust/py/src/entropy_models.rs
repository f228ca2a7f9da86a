//! Native half of `fastrans.entropy_models`' `update()`: the CompressAI-exact scale table
//! built from CDF values that torch evaluated, GIL released.

use std::sync::Arc;

use fastrans::parametric;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::arrays::slice1;
use crate::errors::detached;
use crate::table::PyCdfTable;

/// CompressAI's `GaussianConditional` table from the CDF at the upper bin edges, `center + 2`
/// values per row (see `fastrans::parametric::table_from_edges`).
#[pyfunction]
#[pyo3(signature = (edges, centers, precision=16))]
pub fn table_from_edges(
    py: Python<'_>,
    edges: PyReadonlyArray1<'_, f32>,
    centers: PyReadonlyArray1<'_, i32>,
    precision: u32,
) -> PyResult<PyCdfTable> {
    let e = slice1(&edges, "edges")?;
    let c = slice1(&centers, "centers")?;
    let table = detached(py, || parametric::table_from_edges(e, c, precision))?;
    Ok(PyCdfTable {
        inner: Arc::new(table),
    })
}
