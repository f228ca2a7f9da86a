//! `fastrans._native`: thin PyO3 wrappers over the `fastrans` core crate, one file per
//! area of the core: `table` and `parametric` and `scale` (tables), `format` (streams),
//! `scale_coder`, `parametric_coder` (and `serial_parametric`: its laws in the serial
//! stream), `float_cdf`, `golomb`, `simd` (the kernel families). Inputs are borrowed numpy slices (`arrays`; the Python facade
//! casts them once), work runs with the GIL released, and errors map to exceptions in
//! `errors`.

use pyo3::prelude::*;

mod arrays;
mod errors;
mod float_cdf;
mod float_coder;
mod format;
mod golomb;
mod parametric;
mod parametric_coder;
mod scale;
mod scale_coder;
mod serial_parametric;
mod simd;
mod table;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    // tables
    m.add_class::<table::PyCdfTable>()?;
    m.add_function(wrap_pyfunction!(table::pmf_to_quantized_cdf, m)?)?;
    m.add_function(wrap_pyfunction!(parametric::gaussian_table, m)?)?;
    m.add_function(wrap_pyfunction!(parametric::laplace_table, m)?)?;
    m.add_function(wrap_pyfunction!(parametric::table_from_edges, m)?)?;
    m.add_function(wrap_pyfunction!(scale::scale_indexes, m)?)?;
    // streams
    m.add_function(wrap_pyfunction!(format::fastrans_header, m)?)?;
    m.add_class::<format::PyBufferedEncoder>()?;
    m.add_class::<format::PyStreamDecoder>()?;
    m.add_function(wrap_pyfunction!(
        serial_parametric::serial_encode_parametric,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(
        serial_parametric::serial_decode_parametric,
        m
    )?)?;
    // floats -> symbols and rows, fused with coding
    m.add_class::<scale_coder::PyScaleCoder>()?;
    // floats -> symbols with the rows given, fused with coding
    m.add_function(wrap_pyfunction!(
        float_coder::encode_floats_with_indexes,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(
        float_coder::decode_floats_with_indexes,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(float_coder::encode_floats_by_channel, m)?)?;
    m.add_function(wrap_pyfunction!(float_coder::decode_floats_by_channel, m)?)?;
    // per-symbol parametric laws
    m.add_class::<parametric_coder::PyParametricCoder>()?;
    // per-symbol float CDFs (torchac's interface)
    m.add_function(wrap_pyfunction!(float_cdf::float_cdf_encode, m)?)?;
    m.add_function(wrap_pyfunction!(float_cdf::float_cdf_decode, m)?)?;
    // exp-Golomb
    m.add_function(wrap_pyfunction!(golomb::golomb_encode, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_decode, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_encode_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_decode_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits_each, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_best_k, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_nbits_i32, m)?)?;
    m.add_function(wrap_pyfunction!(golomb::golomb_best_k_i32, m)?)?;
    // the kernel families
    m.add_function(wrap_pyfunction!(simd::simd_families, m)?)?;
    m.add_function(wrap_pyfunction!(simd::set_simd_limit, m)?)?;
    m.add("SIMD_FAMILIES", simd::family_names())?;
    Ok(())
}
