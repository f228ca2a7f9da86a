//! Which vector kernel families may run: the one policy every kernel choice asks.
//!
//! Three things decide it: what the CPU has ([`cpu_simd`]), the environment variable
//! `FASTRANS_SIMD` (`0`, `avx2`, `avx512`), read once, and a limit per thread
//! ([`with_scalar_lanes`] and its siblings, [`set_thread_simd_limit`] for the bindings).
//! The kernels code the same bytes whichever runs; the switches exist to compare them
//! and to measure, on one machine, what a CPU with fewer features gets.
//!
//! It sits below `threads` so that the helpers of a parallel call take the limit of the
//! thread that made the call ([`thread_limit`], [`with_simd_cap`]): a limit set around a
//! call holds for all of its chunks, wherever they run. Depends on nothing in the crate.

/// A lanes kernel family, in the order they are preferred where the CPU has them (the
/// decoders and the encoders have all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Simd {
    /// The scalar lanes, on every CPU.
    Scalar,
    /// AVX2 (with POPCNT): `simd/avx2_decode.rs` and `simd/avx2_encode.rs`.
    Avx2,
    /// AVX-512 F, VL, DQ and BW: `simd/avx512_decode.rs`, and `simd/avx512_encode.rs`
    /// without its IFMA step.
    Avx512,
    /// All of AVX-512's kernels, the encoder's IFMA step too (`simd/ifma_bins.rs`).
    Avx512Ifma,
}

impl Simd {
    /// Every family, scalar first.
    pub const ALL: [Simd; 4] = [Simd::Scalar, Simd::Avx2, Simd::Avx512, Simd::Avx512Ifma];

    /// The family's name: `scalar`, `avx2`, `avx512` or `avx512-ifma`.
    pub fn name(self) -> &'static str {
        match self {
            Simd::Scalar => "scalar",
            Simd::Avx2 => "avx2",
            Simd::Avx512 => "avx512",
            Simd::Avx512Ifma => "avx512-ifma",
        }
    }

    /// The family named `name` (as [`Simd::name`] gives it), if any.
    pub fn from_name(name: &str) -> Option<Simd> {
        Simd::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The best family this CPU can run (the features each kernel checks before it runs).
pub fn cpu_simd() -> Simd {
    #[cfg(target_arch = "x86_64")]
    {
        let avx512 = is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("popcnt");
        if avx512 && is_x86_feature_detected!("avx512ifma") {
            return Simd::Avx512Ifma;
        }
        if avx512 {
            return Simd::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("popcnt") {
            return Simd::Avx2;
        }
    }
    Simd::Scalar
}

/// The family the calling thread's lane coding uses for a table the kernels take: the
/// CPU's best ([`cpu_simd`]) within what [`simd_allowed`] allows.
pub fn simd_in_use() -> Simd {
    cpu_simd().min(simd_allowed())
}

/// The best lanes kernels allowed, where the CPU has them: all of them unless the
/// environment variable `FASTRANS_SIMD` is `0` (scalar only), `avx2` (no AVX-512) or
/// `avx512` (no IFMA), read once, or the calling thread has a lower limit
/// ([`with_scalar_lanes`], [`set_thread_simd_limit`]).
pub(crate) fn simd_allowed() -> Simd {
    static FROM_ENV: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    let env = *FROM_ENV.get_or_init(|| match std::env::var("FASTRANS_SIMD").as_deref() {
        Ok("0") => Simd::Scalar,
        Ok("avx2") => Simd::Avx2,
        Ok("avx512") => Simd::Avx512,
        _ => Simd::Avx512Ifma,
    });
    env.min(thread_limit())
}

thread_local! {
    static SIMD_CAP: std::cell::Cell<Simd> = const { std::cell::Cell::new(Simd::Avx512Ifma) };
}

/// The calling thread's own limit (`Avx512Ifma`, no limit, unless one was set).
pub(crate) fn thread_limit() -> Simd {
    SIMD_CAP.with(|c| c.get())
}

/// Sets the calling thread's limit to `limit` and returns the one before, to be set back
/// when done. A binding's scope (Python's `fastrans.simd_limit`) holds the limit across
/// calls; Rust code has [`with_scalar_lanes`] and its siblings, which set it back by
/// themselves. Parallel calls made by this thread carry the limit to their helper threads.
pub fn set_thread_simd_limit(limit: Simd) -> Simd {
    SIMD_CAP.with(|c| c.replace(limit))
}

/// Runs `f` with the calling thread's lane coding capped at `cap` (and below any cap it
/// had); the cap before is back when `f` returns or unwinds (a test that catches a panic
/// goes on uncapped).
pub(crate) fn with_simd_cap<R>(cap: Simd, f: impl FnOnce() -> R) -> R {
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
/// and benchmarks that compare the kernels; parallel calls inside carry it to their
/// helpers).
pub fn with_scalar_lanes<R>(f: impl FnOnce() -> R) -> R {
    with_simd_cap(Simd::Scalar, f)
}

/// Runs `f` with the calling thread's lane coding at most AVX2 (no AVX-512 kernel: the
/// AVX2 encoder and decoder), for tests and benchmarks, as [`with_scalar_lanes`].
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

/// Whether this thread may run AVX-512 kernels outside the lanes (the batch scale lookup,
/// `avx512_scale::rows_into`): the CPU has AVX-512 F and VL and `FASTRANS_SIMD` allows it.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx512_allowed() -> bool {
    simd_allowed() >= Simd::Avx512
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
}

/// Whether this thread may run AVX2 code outside the lanes (the exp-Golomb length pass):
/// the CPU has AVX2 and `FASTRANS_SIMD` allows it.
#[cfg(target_arch = "x86_64")]
pub(crate) fn avx2_allowed() -> bool {
    simd_allowed() >= Simd::Avx2 && is_x86_feature_detected!("avx2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways_and_unknown_names_are_none() {
        for s in Simd::ALL {
            assert_eq!(Simd::from_name(s.name()), Some(s));
        }
        for bad in ["", "AVX2", "avx", "sse2", "0", "avx512ifma"] {
            assert_eq!(Simd::from_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_thread_limit_lowers_what_is_in_use_and_is_set_back() {
        let before = simd_in_use();
        let outer = set_thread_simd_limit(Simd::Avx2);
        assert_eq!(simd_in_use(), before.min(Simd::Avx2));
        with_scalar_lanes(|| assert_eq!(simd_in_use(), Simd::Scalar));
        // A nested cap never raises the limit it sits in.
        with_avx512_lanes(|| assert!(simd_allowed() <= Simd::Avx2));
        assert_eq!(set_thread_simd_limit(outer), Simd::Avx2);
        assert_eq!(simd_in_use(), before);
    }

    #[test]
    fn what_is_in_use_is_never_more_than_the_cpu_has() {
        assert!(simd_in_use() <= cpu_simd());
        #[cfg(target_arch = "x86_64")]
        if cpu_simd() >= Simd::Avx2 {
            assert!(is_x86_feature_detected!("avx2"));
        }
    }
}
