//! `fastrans._native`: thin PyO3 wrappers over the `fastrans` core crate, one file per
//! exposed area. Inputs are borrowed numpy slices (the Python facade casts them once),
//! work runs with the GIL released, and errors map to exceptions in `errors.rs`.

use pyo3::prelude::*;

mod arrays;
mod entropy_models;
mod errors;
mod fastrans_format;
mod golomb;
mod scale;
mod scale_coder;
mod stream;
mod table;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<table::PyCdfTable>()?;
    m.add_function(wrap_pyfunction!(table::pmf_to_quantized_cdf, m)?)?;
    m.add_class::<stream::PyBufferedEncoder>()?;
    m.add_class::<stream::PyStreamDecoder>()?;
    m.add_function(wrap_pyfunction!(scale::scale_indexes, m)?)?;
    m.add_function(wrap_pyfunction!(fastrans_format::encode_fastrans, m)?)?;
    m.add_function(wrap_pyfunction!(fastrans_format::decode_fastrans, m)?)?;
    m.add_function(wrap_pyfunction!(fastrans_format::fastrans_header, m)?)?;
    m.add_function(wrap_pyfunction!(fastrans_format::gaussian_table, m)?)?;
    m.add_function(wrap_pyfunction!(fastrans_format::laplace_table, m)?)?;
    m.add_function(wrap_pyfunction!(entropy_models::table_from_edges, m)?)?;
    m.add_class::<scale_coder::PyScaleCoder>()?;
    m.add_function(wrap_pyfunction!(golomb::golomb_encode, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_decode, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_encode_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_decode_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_best_k, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits_i32, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_best_k_i32, m)?)?;
    Ok(())
}
