//! The encoder's interval pass for one-component laws: every position of a block gets its
//! bin's `(start, freq)` before any rANS step runs, in one loop over the means, scales and
//! symbols with no branch and no dependence on the state. Over a bounded support the
//! vector kernels of `steps_x86` run it (AVX-512 or AVX2, picked by the crate's one SIMD
//! switch, `simd::simd_allowed`); windows, the last few positions and other CPUs take
//! [`ModelSpec::single_step`], the arithmetic the kernels repeat exactly.

#[cfg(target_arch = "x86_64")]
use super::finds_x86 as finds;
#[cfg(target_arch = "x86_64")]
use super::steps_x86 as x86;
use crate::lanes::model::Step;
use crate::models::ModelSpec;

/// `out[i]` = the step of symbol `symbols[i]` under `(means[i], scales[i])`, for slices of
/// one length (the shortest bounds the loop).
pub(super) fn single_steps(
    spec: &ModelSpec,
    means: &[f32],
    scales: &[f32],
    symbols: &[i32],
    out: &mut [Step],
) {
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = x86::Bounded::new(spec) {
        use crate::simd::{simd_allowed, Simd};
        let allowed = simd_allowed();
        if allowed >= Simd::Avx512
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: the CPU has the features the kernel is compiled for.
            done = unsafe { x86::bounded_avx512(&k, means, scales, symbols, out) };
        } else if allowed >= Simd::Avx2 && is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            done = unsafe { x86::bounded_avx2(&k, means, scales, symbols, out) };
        }
    }
    // `done` is at most every slice's length (the kernels stop at the shortest).
    let (means, scales) = (
        &means[done.min(means.len())..],
        &scales[done.min(scales.len())..],
    );
    let symbols = &symbols[done.min(symbols.len())..];
    let len = out.len();
    let out = &mut out[done.min(len)..];
    steps_any(spec, means, scales, symbols, out);
}

/// One round's bins as the decoder's kernels find them, lane by lane: `(bin, start,
/// freq)` of the lane's slot, or `freq = 0` where the scalar search must run.
pub(super) struct Found<'a> {
    pub(super) bin: &'a mut [u32],
    pub(super) start: &'a mut [u32],
    pub(super) freq: &'a mut [u32],
}

/// The decoder's vector search a chunk's rounds use, chosen once per chunk.
#[derive(Clone, Copy)]
pub(super) struct RoundKernel {
    #[cfg(target_arch = "x86_64")]
    k: x86::Bounded,
    #[cfg(target_arch = "x86_64")]
    avx512: bool,
    /// Not made on other targets (no kernel there).
    #[cfg(not(target_arch = "x86_64"))]
    _none: std::convert::Infallible,
}

/// The kernel for rounds of `lanes` lanes under `spec` on this thread, or `None` when
/// none takes this spec, lane count or CPU (or the SIMD switch forbids it).
pub(super) fn round_kernel(spec: &ModelSpec, lanes: usize) -> Option<RoundKernel> {
    #[cfg(target_arch = "x86_64")]
    if let Some(k) = x86::Bounded::new(spec) {
        use crate::simd::{simd_allowed, Simd};
        let allowed = simd_allowed();
        if lanes.is_multiple_of(8)
            && allowed >= Simd::Avx512
            && is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512dq")
        {
            return Some(RoundKernel { k, avx512: true });
        }
        if lanes.is_multiple_of(4) && allowed >= Simd::Avx2 && is_x86_feature_detected!("avx2") {
            return Some(RoundKernel { k, avx512: false });
        }
    }
    let _ = (spec, lanes);
    None
}

/// The decoder's bins for one round by `kernel` (from [`round_kernel`] for this many
/// lanes): lane `k`'s slot `slots[k]` (below `2^P`) under `(means[k], scales[k])`.
/// Returns whether it did every lane (the caller then searches any it did not).
pub(super) fn single_finds(
    kernel: &RoundKernel,
    means: &[f32],
    scales: &[f32],
    slots: &[u32],
    out: Found<'_>,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let n = slots.len();
        if kernel.avx512 {
            // SAFETY: `round_kernel` found the features the kernel is compiled for.
            unsafe { finds::finds_avx512(&kernel.k, means, scales, slots, out) == n }
        } else {
            // SAFETY: as above.
            unsafe { finds::finds_avx2(&kernel.k, means, scales, slots, out) == n }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (means, scales, slots, out);
        match kernel._none {}
    }
}

/// The pass in scalar code, for what the vector kernels leave.
fn steps_any(spec: &ModelSpec, means: &[f32], scales: &[f32], symbols: &[i32], out: &mut [Step]) {
    match spec.bounds() {
        Some(bounds) => steps_loop::<false>(spec, bounds, means, scales, symbols, out),
        None => steps_loop::<true>(spec, (0, 0), means, scales, symbols, out),
    }
}

#[inline(always)]
fn steps_loop<const WINDOW: bool>(
    spec: &ModelSpec,
    bounds: (i32, i32),
    means: &[f32],
    scales: &[f32],
    symbols: &[i32],
    out: &mut [Step],
) {
    let n = out
        .len()
        .min(means.len())
        .min(scales.len())
        .min(symbols.len());
    let (means, scales, symbols, out) = (&means[..n], &scales[..n], &symbols[..n], &mut out[..n]);
    for i in 0..n {
        let (start, freq, escape) =
            spec.single_step::<WINDOW>(bounds, means[i], scales[i], symbols[i]);
        out[i] = Step {
            start,
            freq: freq | if escape { Step::ESCAPE } else { 0 },
        };
    }
}
