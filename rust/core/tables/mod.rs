//! # Tables: quantized CDFs, validated once and laid out for coding
//!
//! A [`CdfTable`] is the one object every coder reads. This layer turns what a caller has
//! (pmfs, scales, a parametric family) into one, and checks it at the edge so nothing
//! below re-validates per symbol.
//!
//! - [`pmf`]: pmf → quantized CDF, bit-exact with CompressAI.
//! - [`cdf_table`]: [`CdfTable`]: validation, the coding layout, the fingerprint the
//!   fastrans header carries, and the parallel build.
//! - `enc_symbol`: one bin in the division-free form the rANS encoder consumes.
//! - `rows`: the row layouts the scalar coder and the vector decoders read.
//! - [`parametric`]: discretized Gaussian and Laplace tables, one row per scale.
//! - [`scale_index`]: scales → row indexes, bit-exact with CompressAI's
//!   `build_indexes`.
//! - `scale_bins`: scales → where their rows' bins start, for encoders that go from a
//!   scale to a bin without the row table.
//!
//! Depends on: `error` and `threads` (the parallel build) only. A vector kernel that
//! wants its own layout of a table builds it itself and parks it in the table
//! ([`CdfTable`] keeps it without knowing its type).

pub(crate) mod cdf_table;
pub(crate) mod enc_symbol;
pub mod parametric;
pub(crate) mod pmf;
pub(crate) mod rows;
pub(crate) mod scale_bins;
pub(crate) mod scale_index;

pub use cdf_table::CdfTable;
