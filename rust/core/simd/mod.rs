//! # SIMD: the one dispatch point and the vector kernels
//!
//! Every kernel codes exactly the bytes the scalar lanes code (the byte-vector tests pin
//! this); a kernel only changes how fast. Each one is x86-64 only, compiled always and
//! chosen at run time from the CPU's features.
//!
//! The policy lives here and nowhere else: [`simd_allowed`] reads the one switch,
//! `FASTRANS_SIMD` (`0`, `avx2`, `avx512`), capped per thread by [`with_scalar_lanes`] and
//! its siblings; [`vector_kernel`] picks the decoder for a table and lane count,
//! [`vector_encoder`] the encoder, and [`avx512_allowed`] / [`avx2_allowed`] gate the
//! vector paths outside the lanes (the scale lookup, the exp-Golomb length pass). A kernel
//! says whether it can take a table (`usable`); the lanes call the kernel these pick.
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
//! direction. Depends on: `lanes` (what the kernels fill), `coding`, `tables`; never on
//! `chunk`, which calls into this module.

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

use crate::tables::cdf_table::CdfTable;

/// A lanes kernel family, in the order they are preferred where the CPU has them (the
/// decoders and the encoders have all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Simd {
    Scalar,
    /// `simd/avx2_decode.rs` and `simd/avx2_encode.rs`.
    Avx2,
    /// `simd/avx512_decode.rs`, and `simd/avx512_encode.rs` without its IFMA step.
    Avx512,
    /// All of AVX-512's kernels, the encoder's IFMA step too (`simd/ifma_bins.rs`).
    Avx512Ifma,
}

/// The best lanes kernels allowed, where the CPU has them: all of them unless the
/// environment variable `FASTRANS_SIMD` is `0` (scalar only), `avx2` (no AVX-512) or
/// `avx512` (no IFMA), read once, or the calling thread is inside [`with_scalar_lanes`],
/// [`with_avx2_lanes`] or [`with_avx512_lanes`].
/// The decoders give the same results and the encoders the same bytes; the switches exist
/// to compare them.
pub(crate) fn simd_allowed() -> Simd {
    static FROM_ENV: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    let env = *FROM_ENV.get_or_init(|| match std::env::var("FASTRANS_SIMD").as_deref() {
        Ok("0") => Simd::Scalar,
        Ok("avx2") => Simd::Avx2,
        Ok("avx512") => Simd::Avx512,
        _ => Simd::Avx512Ifma,
    });
    env.min(SIMD_CAP.with(|c| c.get()))
}

/// Whether this thread may run AVX-512 kernels outside the lanes (the batch scale lookup,
/// `avx512_scale::rows_into`): the CPU has AVX-512 F and VL and `FASTRANS_SIMD` allows it.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_allowed() -> bool {
    simd_allowed() >= Simd::Avx512
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
}

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

thread_local! {
    static SIMD_CAP: std::cell::Cell<Simd> = const { std::cell::Cell::new(Simd::Avx512Ifma) };
}

/// Runs `f` with the calling thread's lane coding capped at `cap`; the cap before is back
/// when `f` returns or unwinds (a test that catches a panic goes on uncapped).
fn with_simd_cap<R>(cap: Simd, f: impl FnOnce() -> R) -> R {
    struct Restore(Simd);
    impl Drop for Restore {
        fn drop(&mut self) {
            SIMD_CAP.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(SIMD_CAP.with(|c| c.replace(cap.min(c.get()))));
    f()
}

/// Runs `f` with the calling thread's lane encoding and decoding forced scalar (for tests
/// and benchmarks that compare the kernels; chunks coded on other threads are not
/// affected).
pub fn with_scalar_lanes<R>(f: impl FnOnce() -> R) -> R {
    with_simd_cap(Simd::Scalar, f)
}

/// Runs `f` with the calling thread's lane coding at most AVX2 (no AVX-512 kernel: the
/// AVX2 decoder and the scalar encoder), for tests and benchmarks, as
/// [`with_scalar_lanes`].
#[doc(hidden)]
pub fn with_avx2_lanes<R>(f: impl FnOnce() -> R) -> R {
    with_simd_cap(Simd::Avx2, f)
}

/// Runs `f` with the calling thread's lane coding at most plain AVX-512 (the encoder without
/// its IFMA step), for tests and benchmarks, as [`with_scalar_lanes`].
#[doc(hidden)]
pub fn with_avx512_lanes<R>(f: impl FnOnce() -> R) -> R {
    with_simd_cap(Simd::Avx512, f)
}

/// Whether this thread may run AVX2 code outside the lanes (the exp-Golomb length pass):
/// the CPU has AVX2 and `FASTRANS_SIMD` allows it.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_allowed() -> bool {
    simd_allowed() >= Simd::Avx2 && is_x86_feature_detected!("avx2")
}
