//! # Tables: quantized CDFs, validated once and laid out for coding
//!
//! A [`CdfTable`] is the one object every coder reads. This layer turns what a caller has
//! (pmfs, scales, a parametric family) into one, and checks it at the edge so nothing
//! below re-validates per symbol.
//!
//! - [`pmf`]: pmf → quantized CDF, bit-exact with CompressAI.
//! - [`cdf_table`]: [`CdfTable`]: validation, the coding layout, the fingerprint the
//!   fastrans header carries, and the parallel build.
//! - [`parametric`]: discretized Gaussian and Laplace tables, one row per scale.
//! - [`scale_index`]: scales → row indexes, bit-exact with CompressAI's
//!   `build_indexes`.
//!
//! Depends on: `error`, `threads` (the parallel build) and `simd` (each kernel's private
//! view of a row, built with the table).

pub mod cdf_table;
pub mod parametric;
pub mod pmf;
pub mod scale_index;

pub use cdf_table::CdfTable;
