//! # SIMD: the vector kernels
//!
//! Every kernel codes exactly the bytes the scalar lanes code (the byte-vector tests pin
//! this); a kernel only changes how fast. Each one is x86-64 only, compiled always and
//! chosen at run time from the CPU's features.
//!
//! - `avx2_decode`: the lanes decoder, eight lanes per instruction (AVX2).
//! - `avx512_decode`: the same in 64-bit elements with gathers and masks (AVX-512).
//! - `avx512_encode`: the lanes encoder, eight lanes per instruction (AVX-512), with
//!   `ifma_bins` (the division by a frequency as two 52-bit multiplies, AVX-512 IFMA).
//! - `avx512_scale`: `ScaleCoder`'s scale → row lookup eight positions at a time.
//! - `prefetch`: software prefetch of the caller's arrays a check block ahead.
//!
//! Depends on: `lanes` (the traits and word stack the kernels fill), `coding`, `tables`.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2_decode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_decode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_encode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_scale;
#[cfg(target_arch = "x86_64")]
pub(crate) mod ifma_bins;
pub(crate) mod prefetch;
