//! # SIMD: the one dispatch point and the vector kernels
//!
//! Every kernel codes exactly the bytes the scalar lanes code (the byte-vector tests pin
//! this); a kernel only changes how fast. Each one is x86-64 only, compiled always and
//! chosen at run time from the CPU's features.
//!
//! What may run is `simd_policy`'s (the CPU, `FASTRANS_SIMD`, a limit per thread),
//! re-exported here for the kernels' callers; what runs is chosen here: [`vector_kernel`] picks the
//! decoder for a table and lane count, [`vector_encoder`] and [`avx2_encoder`] the
//! encoder, and [`avx512_allowed`] / [`avx2_allowed`] gate the vector paths outside the
//! lanes (the scale lookup, the exp-Golomb length pass). A kernel says whether it can take
//! a table (`usable`); the lanes call the kernel these pick.
//!
//! - `avx2_decode`: the lanes decoder, eight lanes per instruction (AVX2).
//! - `avx2_encode`: the lanes encoder, eight lanes a group of two vectors (AVX2, no
//!   AVX-512).
//! - `avx2_scale`: `scale_indexes`' batch scale → row lookup eight at a time (AVX2).
//! - `avx512_decode`: the same in 64-bit elements with gathers and masks (AVX-512).
//! - `avx512_encode`: the lanes encoder, eight lanes per instruction (AVX-512), with
//!   `ifma_bins` (the division by a frequency as two 52-bit multiplies, AVX-512 IFMA).
//! - `avx512_scale`: `ScaleCoder`'s scale → row lookup eight positions at a time.
//! - `prefetch`: software prefetch of the caller's arrays a check block ahead.
//! - `reload`: stored indexes read back by loads, not extracted from their vector.
//!
//! A new kernel is one file here, declared below, with a branch in the picker for its
//! direction. Depends on: `simd_policy`, `lanes` (what the kernels fill), `coding`,
//! `tables`; never on `chunk`, which calls into this module.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2_decode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2_encode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2_scale;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_decode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_encode;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512_scale;
#[cfg(target_arch = "x86_64")]
pub(crate) mod ifma_bins;
pub(crate) mod prefetch;
pub(crate) mod reload;

#[cfg(target_arch = "x86_64")]
pub(crate) use crate::simd_policy::{avx2_allowed, avx512_allowed};
pub(crate) use crate::simd_policy::{simd_allowed, Simd};
pub use crate::simd_policy::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
use crate::tables::cdf_table::CdfTable;

/// Which kernel decodes chunks of `N` lanes.
#[cfg(target_arch = "x86_64")]
pub(crate) fn vector_kernel<const N: usize>(table: &CdfTable) -> Simd {
    if !N.is_multiple_of(8) {
        return Simd::Scalar;
    }
    let allowed = simd_allowed();
    if allowed >= Simd::Avx512 && avx512_decode::usable(table) {
        Simd::Avx512
    } else if allowed >= Simd::Avx2 && avx2_decode::usable(table) {
        Simd::Avx2
    } else {
        Simd::Scalar
    }
}

/// Whether chunks of `N` lanes encode with the AVX-512 kernel (`simd/avx512_encode.rs`):
/// `Some(ifma)`, `ifma` when it takes its IFMA step.
#[cfg(target_arch = "x86_64")]
pub(crate) fn vector_encoder<const N: usize>(table: &CdfTable) -> Option<bool> {
    let allowed = simd_allowed();
    let vector = N.is_multiple_of(8) && allowed >= Simd::Avx512 && avx512_encode::usable(table);
    vector.then(|| allowed >= Simd::Avx512Ifma && avx512_encode::ifma_usable(table))
}

/// Whether chunks of `N` lanes encode with the AVX2 kernel (`simd/avx2_encode.rs`), where the
/// AVX-512 one does not run: a CPU without AVX-512, or `FASTRANS_SIMD=avx2`.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_encoder<const N: usize>(table: &CdfTable) -> bool {
    N.is_multiple_of(8) && simd_allowed() >= Simd::Avx2 && avx2_encode::usable(table)
}
