//! The decoder's bin search for one-component laws over a bounded support, a round of
//! lanes at a time: every lane's slot is known when the round starts (it is the low bits
//! of the lane's state), so the guess and the CDF around it run across lanes in vector
//! registers (eight a vector with AVX-512, four with AVX2), and only the state updates and
//! refills stay in lane order. The steps repeat `ModelSpec::find`'s in the same order
//! (guess from the inverse table, `mean + t * scale`, the bin below it clamped into the
//! bins), then take `cdf` at the guess, below and above it: a lane whose slot lies in
//! those two bins gets its `(bin, start, freq)`, any other `freq = 0`, and the caller runs
//! the scalar search for it, so the results are `find`'s exactly.

use std::arch::x86_64::*;

use super::steps::Found;
use super::steps_x86::{inner4, inner8, inner8_avx2, Bounded};
use crate::models::{SCALE_MAX, SCALE_MIN};

/// The lanes `0 .. 4 * (n / 4)` of `slots` (each below `2^P`) with the laws
/// `(means[k], scales[k])`; returns how many it did. REQUIRES: the CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn finds_avx2(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    slots: &[u32],
    mut out: Found<'_>,
) -> usize {
    let n = slots.len().min(means.len()).min(scales.len());
    let n = n
        .min(out.bin.len())
        .min(out.start.len())
        .min(out.freq.len())
        / 4
        * 4;
    let (smin, smax) = (_mm256_set1_pd(SCALE_MIN), _mm256_set1_pd(SCALE_MAX));
    let edge0 = _mm256_set1_pd(k.lower as f64 - 0.5);
    let center = _mm256_set1_pd(k.center);
    let last_f = _mm256_set1_pd((k.bins - 1) as f64);
    let bins = _mm_set1_epi32(k.bins as i32);
    let one = _mm_set1_epi32(k.one as i32);
    let top_slot = _mm_set1_epi32((k.one - 1) as i32);
    let up_shift = _mm_cvtsi32_si128(31 - k.precision as i32);
    let inv_shift = _mm_cvtsi32_si128(k.inv_shift as i32);
    let inv_last = _mm_set1_epi32((k.inv.len() - 1) as i32);
    let inv_table = k.inv.as_ptr() as *const i32;
    let ones = _mm_set1_epi32(1);
    let zero = _mm_setzero_si128();
    let flat = |kk: __m128i, m: __m256d, inv: __m256d| {
        let c = inner4(k, kk, m, inv);
        let c = _mm_blendv_epi8(c, one, _mm_cmpeq_epi32(kk, bins));
        _mm_andnot_si128(_mm_cmpeq_epi32(kk, zero), c)
    };
    let mut c = finds_avx2_by_8(k, means, scales, slots, n / 8 * 8, &mut out);
    while c < n {
        // SAFETY: `c + 4 <= n`: four elements of every slice, read unaligned.
        let (m, s, slot) = unsafe {
            (
                _mm_loadu_ps(means.as_ptr().add(c)),
                _mm_loadu_ps(scales.as_ptr().add(c)),
                _mm_loadu_si128(slots.as_ptr().add(c) as *const __m128i),
            )
        };
        let (m, s) = (_mm256_cvtps_pd(m), _mm256_cvtps_pd(s));
        let s = _mm256_min_pd(_mm256_max_pd(s, smin), smax);
        let inv = _mm256_div_pd(_mm256_set1_pd(1.0), s);
        let slot = _mm_min_epu32(slot, top_slot);
        // u = slot 2^(31 - P) < 2^31: no clamp to ONE needed.
        let u = _mm_sll_epi32(slot, up_shift);
        let j = _mm_min_epu32(_mm_srl_epi32(u, inv_shift), inv_last);
        // SAFETY: `j <= inv.len() - 1`.
        let i = unsafe { _mm_i32gather_epi32::<4>(inv_table, j) };
        let q = _mm256_mul_pd(
            _mm256_sub_pd(_mm256_cvtepi32_pd(i), center),
            _mm256_set1_pd(1.0 / 64.0),
        );
        let x = _mm256_add_pd(m, _mm256_mul_pd(q, s));
        let rel = _mm256_sub_pd(x, edge0);
        let positive = _mm256_cmp_pd::<_CMP_GT_OQ>(rel, _mm256_setzero_pd());
        let rel = _mm256_and_pd(_mm256_min_pd(rel, last_f), positive);
        let g = _mm256_cvttpd_epi32(rel);
        let below = _mm_sub_epi32(g, _mm_andnot_si128(_mm_cmpeq_epi32(g, zero), ones));
        let c_below = flat(below, m, inv);
        let c_g = flat(g, m, inv);
        let c_above = flat(_mm_add_epi32(g, ones), m, inv);
        // Every value here is below 2^31, so signed compares order them.
        // A miss: cdf(below) > slot, or cdf(g + 1) <= slot.
        let above_ok = _mm_cmpgt_epi32(c_above, slot);
        let miss = _mm_or_si128(
            _mm_cmpgt_epi32(c_below, slot),
            _mm_xor_si128(above_ok, _mm_set1_epi32(-1)),
        );
        let down = _mm_cmpgt_epi32(c_g, slot);
        let bin = _mm_blendv_epi8(g, below, down);
        let start = _mm_blendv_epi8(c_g, c_below, down);
        let end = _mm_blendv_epi8(c_above, c_g, down);
        let freq = _mm_andnot_si128(miss, _mm_sub_epi32(end, start));
        // SAFETY: `c + 4 <= n`: four `u32` of each output, written unaligned.
        unsafe {
            _mm_storeu_si128(out.bin.as_mut_ptr().add(c) as *mut __m128i, bin);
            _mm_storeu_si128(out.start.as_mut_ptr().add(c) as *mut __m128i, start);
            _mm_storeu_si128(out.freq.as_mut_ptr().add(c) as *mut __m128i, freq);
        }
        c += 4;
    }
    n
}

/// [`finds_avx2`]'s lanes `0 .. n` (REQUIRES: within every slice) eight at a time:
/// the `f64` steps in two halves, the table reads and integer steps eight wide. Returns `n`.
#[target_feature(enable = "avx2")]
fn finds_avx2_by_8(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    slots: &[u32],
    n: usize,
    out: &mut Found<'_>,
) -> usize {
    let (smin, smax) = (_mm256_set1_pd(SCALE_MIN), _mm256_set1_pd(SCALE_MAX));
    let edge0 = _mm256_set1_pd(k.lower as f64 - 0.5);
    let center = _mm256_set1_pd(k.center);
    let last_f = _mm256_set1_pd((k.bins - 1) as f64);
    let bins = _mm256_set1_epi32(k.bins as i32);
    let one = _mm256_set1_epi32(k.one as i32);
    let top_slot = _mm256_set1_epi32((k.one - 1) as i32);
    let up_shift = _mm_cvtsi32_si128(31 - k.precision as i32);
    let inv_shift = _mm_cvtsi32_si128(k.inv_shift as i32);
    let inv_last = _mm256_set1_epi32((k.inv.len() - 1) as i32);
    let inv_table = k.inv.as_ptr() as *const i32;
    let ones = _mm256_set1_epi32(1);
    let zero = _mm256_setzero_si256();
    let flat = |kk: __m256i, m: [__m256d; 2], inv: [__m256d; 2]| {
        let c = inner8_avx2(k, kk, m, inv);
        let c = _mm256_blendv_epi8(c, one, _mm256_cmpeq_epi32(kk, bins));
        _mm256_andnot_si256(_mm256_cmpeq_epi32(kk, zero), c)
    };
    let widen = |v: __m256| {
        [
            _mm256_cvtps_pd(_mm256_castps256_ps128(v)),
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)),
        ]
    };
    let mut c = 0;
    while c + 8 <= n {
        // SAFETY: `c + 8 <= n`: eight elements of every slice, read unaligned.
        let (m, s, slot) = unsafe {
            (
                _mm256_loadu_ps(means.as_ptr().add(c)),
                _mm256_loadu_ps(scales.as_ptr().add(c)),
                _mm256_loadu_si256(slots.as_ptr().add(c) as *const __m256i),
            )
        };
        let (m, s) = (widen(m), widen(s));
        let s = s.map(|s| _mm256_min_pd(_mm256_max_pd(s, smin), smax));
        let inv = s.map(|s| _mm256_div_pd(_mm256_set1_pd(1.0), s));
        let slot = _mm256_min_epu32(slot, top_slot);
        // u = slot 2^(31 - P) < 2^31: no clamp to ONE needed.
        let u = _mm256_sll_epi32(slot, up_shift);
        let j = _mm256_min_epu32(_mm256_srl_epi32(u, inv_shift), inv_last);
        // SAFETY: `j <= inv.len() - 1`.
        let i = unsafe { _mm256_i32gather_epi32::<4>(inv_table, j) };
        let guess = |i: __m128i, m: __m256d, s: __m256d| {
            let q = _mm256_mul_pd(
                _mm256_sub_pd(_mm256_cvtepi32_pd(i), center),
                _mm256_set1_pd(1.0 / 64.0),
            );
            let rel = _mm256_sub_pd(_mm256_add_pd(m, _mm256_mul_pd(q, s)), edge0);
            let positive = _mm256_cmp_pd::<_CMP_GT_OQ>(rel, _mm256_setzero_pd());
            _mm256_cvttpd_epi32(_mm256_and_pd(_mm256_min_pd(rel, last_f), positive))
        };
        let g_lo = guess(_mm256_castsi256_si128(i), m[0], s[0]);
        let g_hi = guess(_mm256_extracti128_si256::<1>(i), m[1], s[1]);
        let g = _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(g_lo), g_hi);
        let below = _mm256_sub_epi32(g, _mm256_andnot_si256(_mm256_cmpeq_epi32(g, zero), ones));
        let c_below = flat(below, m, inv);
        let c_g = flat(g, m, inv);
        let c_above = flat(_mm256_add_epi32(g, ones), m, inv);
        // Every value here is below 2^31, so signed compares order them. A miss:
        // cdf(below) > slot, or cdf(g + 1) <= slot.
        let miss = _mm256_or_si256(
            _mm256_cmpgt_epi32(c_below, slot),
            _mm256_xor_si256(_mm256_cmpgt_epi32(c_above, slot), _mm256_set1_epi32(-1)),
        );
        let down = _mm256_cmpgt_epi32(c_g, slot);
        let bin = _mm256_blendv_epi8(g, below, down);
        let start = _mm256_blendv_epi8(c_g, c_below, down);
        let end = _mm256_blendv_epi8(c_above, c_g, down);
        let freq = _mm256_andnot_si256(miss, _mm256_sub_epi32(end, start));
        // SAFETY: `c + 8 <= n`, within every output: eight `u32` each, unaligned.
        unsafe {
            _mm256_storeu_si256(out.bin.as_mut_ptr().add(c) as *mut __m256i, bin);
            _mm256_storeu_si256(out.start.as_mut_ptr().add(c) as *mut __m256i, start);
            _mm256_storeu_si256(out.freq.as_mut_ptr().add(c) as *mut __m256i, freq);
        }
        c += 8;
    }
    c
}

/// As [`finds_avx2`], eight lanes a vector. REQUIRES: the CPU has AVX-512 F, VL and DQ.
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2")]
pub(super) fn finds_avx512(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    slots: &[u32],
    out: Found<'_>,
) -> usize {
    let n = slots.len().min(means.len()).min(scales.len());
    let n = n
        .min(out.bin.len())
        .min(out.start.len())
        .min(out.freq.len())
        / 8
        * 8;
    let (smin, smax) = (_mm512_set1_pd(SCALE_MIN), _mm512_set1_pd(SCALE_MAX));
    let edge0 = _mm512_set1_pd(k.lower as f64 - 0.5);
    let center = _mm512_set1_pd(k.center);
    let last_f = _mm512_set1_pd((k.bins - 1) as f64);
    let bins = _mm256_set1_epi32(k.bins as i32);
    let one = _mm256_set1_epi32(k.one as i32);
    let top_slot = _mm256_set1_epi32((k.one - 1) as i32);
    let up_shift = _mm_cvtsi32_si128(31 - k.precision as i32);
    let inv_shift = _mm_cvtsi32_si128(k.inv_shift as i32);
    let inv_last = _mm256_set1_epi32((k.inv.len() - 1) as i32);
    let inv_table = k.inv.as_ptr() as *const i32;
    let ones = _mm256_set1_epi32(1);
    let zero = _mm256_setzero_si256();
    let flat = |kk: __m256i, m: __m512d, inv: __m512d| {
        let c = inner8(k, kk, m, inv);
        let c = _mm256_mask_blend_epi32(_mm256_cmpeq_epi32_mask(kk, bins), c, one);
        _mm256_maskz_mov_epi32(_mm256_cmpneq_epi32_mask(kk, zero), c)
    };
    let mut c = 0;
    while c < n {
        // SAFETY: `c + 8 <= n`: eight elements of every slice, read unaligned.
        let (m, s, slot) = unsafe {
            (
                _mm256_loadu_ps(means.as_ptr().add(c)),
                _mm256_loadu_ps(scales.as_ptr().add(c)),
                _mm256_loadu_si256(slots.as_ptr().add(c) as *const __m256i),
            )
        };
        let (m, s) = (_mm512_cvtps_pd(m), _mm512_cvtps_pd(s));
        let s = _mm512_min_pd(_mm512_max_pd(s, smin), smax);
        let inv = _mm512_div_pd(_mm512_set1_pd(1.0), s);
        let slot = _mm256_min_epu32(slot, top_slot);
        // u = slot 2^(31 - P) < 2^31: no clamp to ONE needed.
        let u = _mm256_sll_epi32(slot, up_shift);
        let j = _mm256_min_epu32(_mm256_srl_epi32(u, inv_shift), inv_last);
        // SAFETY: `j <= inv.len() - 1`.
        let i = unsafe { _mm256_i32gather_epi32::<4>(inv_table, j) };
        let q = _mm512_mul_pd(
            _mm512_sub_pd(_mm512_cvtepi32_pd(i), center),
            _mm512_set1_pd(1.0 / 64.0),
        );
        let x = _mm512_add_pd(m, _mm512_mul_pd(q, s));
        let rel = _mm512_sub_pd(x, edge0);
        let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(rel, _mm512_setzero_pd());
        let rel = _mm512_maskz_mov_pd(positive, _mm512_min_pd(rel, last_f));
        let g = _mm512_cvttpd_epi32(rel);
        let below = _mm256_mask_sub_epi32(g, _mm256_cmpneq_epi32_mask(g, zero), g, ones);
        let c_below = flat(below, m, inv);
        let c_g = flat(g, m, inv);
        let c_above = flat(_mm256_add_epi32(g, ones), m, inv);
        let hit = _mm256_cmple_epu32_mask(c_below, slot) & _mm256_cmpgt_epu32_mask(c_above, slot);
        let down = _mm256_cmpgt_epu32_mask(c_g, slot);
        let bin = _mm256_mask_blend_epi32(down, g, below);
        let start = _mm256_mask_blend_epi32(down, c_g, c_below);
        let end = _mm256_mask_blend_epi32(down, c_above, c_g);
        let freq = _mm256_maskz_sub_epi32(hit, end, start);
        // SAFETY: `c + 8 <= n`: eight `u32` of each output, written unaligned.
        unsafe {
            _mm256_storeu_si256(out.bin.as_mut_ptr().add(c) as *mut __m256i, bin);
            _mm256_storeu_si256(out.start.as_mut_ptr().add(c) as *mut __m256i, start);
            _mm256_storeu_si256(out.freq.as_mut_ptr().add(c) as *mut __m256i, freq);
        }
        c += 8;
    }
    n
}
