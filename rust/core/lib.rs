//! fastrans: the exact integer work of learned compression — rANS coding, pmf → quantized
//! CDF, exp-Golomb — validated at the edge and fast inside.
//!
//! # Map
//!
//! The layers, bottom to top; each imports only the ones listed before it.
//!
//! ```text
//! error                 the crate's one error type
//! simd_policy           which kernel families may run: the CPU, FASTRANS_SIMD, a thread's limit
//! threads               threads= → who codes the chunks (the caller and a rayon pool)
//! tables/               CdfTable: pmf → CDF, validation, layout, fingerprint, parametric
//!                       tables, scales → rows, each bin's encoder form
//! models/               per-symbol Gaussian/Laplace/logistic laws → quantized CDF intervals
//! coding/               one rANS state, the escape rule, varints
//! lanes/                what lane kernels share: sources, targets, word stacks, rounds
//! simd/                 the SIMD policy (FASTRANS_SIMD) and the vector kernels
//! chunk/                one chunk of N interleaved lanes: scalar rounds, kernel choice
//! format/               the byte streams: fastrans (chunks, CRC32C) and CompressAI's
//! scale_coder/          floats → symbols and rows fused into either stream
//! float_coder           floats → symbols with rows given (indexes, channels), either stream
//! parametric_coder/     symbols each with its own law (models) in the fastrans stream
//! float_cdf/            symbols each with its own float CDF (models), torchac's input
//! golomb/               exp-Golomb codes over MSB-first bit I/O (uses only the SIMD policy)
//! ```
//!
//! Start with [`CdfTable`], then [`format`](mod@format) for the stream you need;
//! `examples/rust_api.rs` codes and decodes with both formats from Rust alone.

// Every unsafe operation sits in its own `unsafe` block with a `// SAFETY:` line saying why
// its preconditions hold, also inside `unsafe fn`s.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod error;
mod simd_policy;
pub(crate) mod threads;

pub(crate) mod tables;

pub(crate) mod models;

pub(crate) mod coding;

pub(crate) mod lanes;
pub(crate) mod simd;

pub(crate) mod chunk;

pub mod format;

pub mod float_cdf;
mod parametric_coder;
mod scale_coder;

mod float_coder;

pub mod golomb;

#[doc(hidden)]
pub mod testing;

#[cfg(test)]
mod test_rng;

pub use error::{Error, Result};
pub use float_coder::{decode_floats_into, encode_floats, Offsets, Rows};
pub use format::compressai;
pub use parametric_coder::ParametricCoder;
pub use scale_coder::{scale_rows_into, ScaleCoder, StreamFormat};
pub use simd_policy::{cpu_simd, set_thread_simd_limit, simd_in_use, Simd};
pub use tables::parametric;
pub use tables::pmf::pmf_to_quantized_cdf;
pub use tables::scale_index::ScaleIndex;
pub use tables::CdfTable;
