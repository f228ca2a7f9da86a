//! Tables from a distribution family (the core's `tables::parametric`): discretized
//! Gaussian and Laplace tables per scale, and CompressAI's exact `GaussianConditional`
//! table from CDF values torch evaluated (the native half of `update()`), GIL released.

use std::sync::Arc;

use fastrans::parametric;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::arrays::slice1;
use crate::errors::detached;
use crate::table::PyCdfTable;

/// A parametric table built with the GIL released.
fn parametric_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    build: fn(&[f64], u32, f64) -> fastrans::Result<fastrans::CdfTable>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    let s = slice1(&scale_table, "scale_table")?;
    let table = detached(py, || build(s, precision, tail_mass))?;
    Ok(PyCdfTable {
        inner: Arc::new(table),
    })
}

/// Discretized zero-mean Gaussian per scale, CompressAI's `GaussianConditional` layout.
#[pyfunction]
pub fn gaussian_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    parametric_table(
        py,
        scale_table,
        parametric::gaussian_table,
        precision,
        tail_mass,
    )
}

/// Discretized zero-mean Laplace per scale, same layout as `gaussian_table`.
#[pyfunction]
pub fn laplace_table(
    py: Python<'_>,
    scale_table: PyReadonlyArray1<'_, f64>,
    precision: u32,
    tail_mass: f64,
) -> PyResult<PyCdfTable> {
    parametric_table(
        py,
        scale_table,
        parametric::laplace_table,
        precision,
        tail_mass,
    )
}

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
