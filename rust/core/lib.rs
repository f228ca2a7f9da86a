//! fastrans: the exact integer work of learned compression — rANS coding, pmf → quantized
//! CDF, exp-Golomb — validated at the edge and fast inside.
//!
//! Modules, one idea each:
//! - [`cdf`]: pmf → quantized CDF, bit-exact with CompressAI.
//! - [`table`]: [`CdfTable`], many CDFs validated once and laid out for coding.
//! - [`rans`]: the 64-bit-state rANS arithmetic every format shares.
//! - [`compressai`]: CompressAI's stream, byte for byte.
//! - `crc_combine`: the CRC32C of two strings end to end from their own (the stream's
//!   checksum from its chunks').
//! - [`scale`]: CompressAI's `build_indexes`, scales → table rows.
//! - [`error`]: the crate's one error type.
//! - `encode_avx2`: the lanes encoder eight lanes a group (x86-64 with AVX2, no AVX-512).
//! - `encode_avx512`: the lanes encoder eight lanes at a time (x86-64 with AVX-512).
//! - `ifma_bins`: the encoder's bins for AVX-512 IFMA (the division in two 52-bit
//!   multiplies).
//! - [`escape`]: one symbol through a row with CompressAI's escape rule (both formats).
//! - [`lanes`]: interleaved rANS lanes, one chunk of the fastrans stream.
//! - `lanes_avx2`: the lanes decoder eight lanes at a time (x86-64 with AVX2).
//! - `lanes_avx512`: the same with AVX-512, in 64-bit elements, gathers and masks (chosen
//!   before `lanes_avx2` where the CPU has it).
//! - [`format`]: the fastrans stream: header, chunks, CRC32C (see docs/FORMAT.md).
//! - [`gaussian`]: discretized Gaussian / Laplace tables, portable.
//! - `prefetch`: the vector kernels' software prefetch of the caller's arrays.
//! - `scale_avx512`: `ScaleCoder`'s scale → row lookup eight at a time (both AVX-512 coders).
//! - `scale_avx2`: `scale_indexes`' batch lookup eight at a time with AVX2.
//! - [`scale_coder`]: floats → symbols and rows fused into the coding pass.
//! - `spare_buffers`: the encoded chunks' byte buffers, kept between calls.
//! - `test_rng`: the unit tests' seeded random numbers.
//! - [`threads`]: `threads=` → who codes the chunks (the calling thread and a rayon pool).
//! - [`varint`]: strict LEB128 for the fastrans header and lane states.
//! - [`bits`]: MSB-first bit writer and bounds-checked bit reader.
//! - [`golomb`]: order-k exp-Golomb codes (unsigned, sign-magnitude, zigzag, Cool-Chic 5.x).

pub mod bits;
pub mod cdf;
pub mod compressai;
mod crc_combine;
#[cfg(target_arch = "x86_64")]
mod encode_avx2;
#[cfg(target_arch = "x86_64")]
mod encode_avx512;
pub mod error;
pub mod escape;
pub mod format;
pub mod gaussian;
pub mod golomb;
#[cfg(target_arch = "x86_64")]
mod ifma_bins;
pub mod lanes;
#[cfg(target_arch = "x86_64")]
mod lanes_avx2;
#[cfg(target_arch = "x86_64")]
mod lanes_avx512;
mod prefetch;
pub mod rans;
pub mod scale;
#[cfg(target_arch = "x86_64")]
mod scale_avx2;
#[cfg(target_arch = "x86_64")]
mod scale_avx512;
pub mod scale_coder;
mod spare_buffers;
pub mod table;
#[cfg(test)]
mod test_rng;
pub mod threads;
pub mod varint;

pub use cdf::pmf_to_quantized_cdf;
pub use error::{Error, Result};
pub use table::CdfTable;
