//! The interval pass for one-component laws over a bounded support with explicit vector
//! instructions: eight positions an iteration (AVX-512, `f64` in 64-bit lanes) or four
//! (AVX2). Each step repeats [`ModelSpec::single_step`]'s arithmetic in the same order,
//! so the intervals are the scalar ones exactly: the scale clamped by `max` then `min`
//! (a NaN becomes the lower clamp, as `f64::max` makes it), one IEEE division for the
//! reciprocal, `(edge - mean) * inv_scale`, the table position by one multiply and one
//! add, two gathered table entries interpolated in 64-bit integers, the spare slots
//! shared out, and the first and last bin's outer edges replaced by selects.

use std::arch::x86_64::*;

use crate::lanes::model::Step;
use crate::models::{ModelSpec, SCALE_MAX, SCALE_MIN};

/// A bounded spec's constants, as the kernels broadcast them.
#[derive(Clone, Copy)]
pub(super) struct Bounded {
    pub(super) cdf: &'static [u32],
    pub(super) mul: f64,
    pub(super) base: f64,
    pub(super) magic: f64,
    pub(super) top: f64,
    pub(super) inv: &'static [u32],
    pub(super) inv_shift: u32,
    pub(super) center: f64,
    pub(super) lower: i32,
    pub(super) upper: i32,
    pub(super) bins: u32,
    pub(super) spare: u32,
    pub(super) precision: u32,
    pub(super) one: u32,
}

impl Bounded {
    /// The constants of a bounded `spec`, or `None` for windows (or a table whose grid
    /// the kernels do not assume: 16 fraction bits).
    pub(super) fn new(spec: &ModelSpec) -> Option<Bounded> {
        let (lower, upper) = spec.bounds()?;
        let (cdf, mul, base, magic, top) = spec.table().eval_consts();
        let (inv, inv_shift, center) = spec.table().guess_consts();
        if mul != (64u32 << 16) as f64 || cdf.len() < 2 || inv.is_empty() || inv_shift > 31 {
            return None;
        }
        let one = 1u32 << spec.precision();
        // At most 2^P bins: checked when the spec was made.
        let bins = (upper as i64 - lower as i64 + 1) as u32;
        Some(Bounded {
            cdf,
            mul,
            base,
            magic,
            top,
            inv,
            inv_shift,
            center,
            lower,
            upper,
            bins,
            spare: one - bins,
            precision: spec.precision(),
            one,
        })
    }
}

/// `(a * b) >> shift` of four `u32` lanes (`a * b < 2^64`), as `u32`.
#[target_feature(enable = "avx2")]
#[inline]
fn mul_shr_128<const SHIFT: i32>(a: __m128i, b: __m128i) -> __m128i {
    let even = _mm_srli_epi64::<SHIFT>(_mm_mul_epu32(a, b));
    let odd = _mm_mul_epu32(_mm_srli_epi64::<32>(a), _mm_srli_epi64::<32>(b));
    let odd = _mm_slli_epi64::<32>(_mm_srli_epi64::<SHIFT>(odd));
    _mm_blend_epi32::<0b1010>(even, odd)
}

/// `cdf(kk)` of four lanes for `0 < kk <= bins` (`ModelSpec::inner_cdf`, no escape so
/// `F0 = 0`): the law `(m, inv)` at edge `lower - 0.5 + kk`, `F` from the table,
/// `kk + floor(F * spare / 2^31)`.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn inner4(k: &Bounded, kk: __m128i, m: __m256d, inv: __m256d) -> __m128i {
    let edge0 = _mm256_set1_pd(k.lower as f64 - 0.5);
    let e = _mm256_add_pd(edge0, _mm256_cvtepi32_pd(kk));
    let t = _mm256_mul_pd(_mm256_sub_pd(e, m), inv);
    let y = _mm256_add_pd(
        _mm256_mul_pd(t, _mm256_set1_pd(k.mul)),
        _mm256_set1_pd(k.base),
    );
    let y = _mm256_min_pd(
        _mm256_max_pd(y, _mm256_set1_pd(k.magic)),
        _mm256_set1_pd(k.top),
    );
    // The low 32 bits of each 64-bit lane: the fixed-point table position.
    let pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let fixed = _mm256_permutevar8x32_epi32(_mm256_castpd_si256(y), pick);
    let fixed = _mm256_castsi256_si128(fixed);
    let imax = _mm_set1_epi32((k.cdf.len() - 2) as i32);
    let i = _mm_min_epu32(_mm_srli_epi32::<16>(fixed), imax);
    let frac = _mm_and_si128(fixed, _mm_set1_epi32(0xffff));
    let table = k.cdf.as_ptr() as *const i32;
    // SAFETY: `i <= len - 2`, so entries `i` and `i + 1` are in the table.
    let (lo, hi) = unsafe {
        (
            _mm_i32gather_epi32::<4>(table, i),
            _mm_i32gather_epi32::<4>(table.add(1), i),
        )
    };
    let f = _mm_add_epi32(lo, mul_shr_128::<16>(_mm_sub_epi32(hi, lo), frac));
    _mm_add_epi32(kk, mul_shr_128::<31>(f, _mm_set1_epi32(k.spare as i32)))
}

/// `(a * b) >> shift` of eight `u32` lanes (`a * b < 2^64`), as `u32`.
#[target_feature(enable = "avx2")]
#[inline]
fn mul_shr_256<const SHIFT: i32>(a: __m256i, b: __m256i) -> __m256i {
    let even = _mm256_srli_epi64::<SHIFT>(_mm256_mul_epu32(a, b));
    let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), _mm256_srli_epi64::<32>(b));
    let odd = _mm256_slli_epi64::<32>(_mm256_srli_epi64::<SHIFT>(odd));
    _mm256_blend_epi32::<0b1010_1010>(even, odd)
}

/// [`inner4`] for eight lanes with AVX2: the `f64` steps in two halves (`m[0]`, `inv[0]`
/// for lanes 0-3), the table reads and integer steps eight wide.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) fn inner8_avx2(k: &Bounded, kk: __m256i, m: [__m256d; 2], inv: [__m256d; 2]) -> __m256i {
    let edge0 = _mm256_set1_pd(k.lower as f64 - 0.5);
    let (mul, base) = (_mm256_set1_pd(k.mul), _mm256_set1_pd(k.base));
    let (magic, top) = (_mm256_set1_pd(k.magic), _mm256_set1_pd(k.top));
    // The low 32 bits of each 64-bit lane: the fixed-point table positions.
    let pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let half = |kk: __m128i, m: __m256d, inv: __m256d| {
        let e = _mm256_add_pd(edge0, _mm256_cvtepi32_pd(kk));
        let t = _mm256_mul_pd(_mm256_sub_pd(e, m), inv);
        let y = _mm256_add_pd(_mm256_mul_pd(t, mul), base);
        let y = _mm256_min_pd(_mm256_max_pd(y, magic), top);
        _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(y), pick))
    };
    let lo = half(_mm256_castsi256_si128(kk), m[0], inv[0]);
    let hi = half(_mm256_extracti128_si256::<1>(kk), m[1], inv[1]);
    let fixed = _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(lo), hi);
    let imax = _mm256_set1_epi32((k.cdf.len() - 2) as i32);
    let i = _mm256_min_epu32(_mm256_srli_epi32::<16>(fixed), imax);
    let frac = _mm256_and_si256(fixed, _mm256_set1_epi32(0xffff));
    let table = k.cdf.as_ptr() as *const i32;
    // SAFETY: `i <= len - 2`, so entries `i` and `i + 1` are in the table.
    let (lo, hi) = unsafe {
        (
            _mm256_i32gather_epi32::<4>(table, i),
            _mm256_i32gather_epi32::<4>(table.add(1), i),
        )
    };
    let f = _mm256_add_epi32(lo, mul_shr_256::<16>(_mm256_sub_epi32(hi, lo), frac));
    _mm256_add_epi32(kk, mul_shr_256::<31>(f, _mm256_set1_epi32(k.spare as i32)))
}

/// [`inner4`] for eight lanes (`f64` in 64-bit lanes, the integers widened to 64 bits).
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2")]
#[inline]
pub(super) fn inner8(k: &Bounded, kk: __m256i, m: __m512d, inv: __m512d) -> __m256i {
    let edge0 = _mm512_set1_pd(k.lower as f64 - 0.5);
    let e = _mm512_add_pd(edge0, _mm512_cvtepi32_pd(kk));
    let t = _mm512_mul_pd(_mm512_sub_pd(e, m), inv);
    let y = _mm512_add_pd(
        _mm512_mul_pd(t, _mm512_set1_pd(k.mul)),
        _mm512_set1_pd(k.base),
    );
    let y = _mm512_min_pd(
        _mm512_max_pd(y, _mm512_set1_pd(k.magic)),
        _mm512_set1_pd(k.top),
    );
    let fixed = _mm512_cvtepi64_epi32(_mm512_castpd_si512(y));
    let imax = _mm256_set1_epi32((k.cdf.len() - 2) as i32);
    let i = _mm256_min_epu32(_mm256_srli_epi32::<16>(fixed), imax);
    let frac = _mm512_cvtepu32_epi64(_mm256_and_si256(fixed, _mm256_set1_epi32(0xffff)));
    let table = k.cdf.as_ptr() as *const i32;
    // SAFETY: `i <= len - 2`, so entries `i` and `i + 1` are in the table.
    let (lo, hi) = unsafe {
        (
            _mm256_i32gather_epi32::<4>(table, i),
            _mm256_i32gather_epi32::<4>(table.add(1), i),
        )
    };
    let d = _mm512_cvtepu32_epi64(_mm256_sub_epi32(hi, lo));
    let f = _mm512_add_epi64(
        _mm512_cvtepu32_epi64(lo),
        _mm512_srli_epi64::<16>(_mm512_mul_epu32(d, frac)),
    );
    let spare = _mm512_set1_epi64(k.spare as i64);
    let share = _mm512_cvtepi64_epi32(_mm512_srli_epi64::<31>(_mm512_mul_epu32(f, spare)));
    _mm256_add_epi32(kk, share)
}

/// Steps of positions `0 .. 4 * (n / 4)` of the slices (one length `n`); returns how
/// many it filled. REQUIRES: the CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn bounded_avx2(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    symbols: &[i32],
    out: &mut [Step],
) -> usize {
    let n = out
        .len()
        .min(means.len())
        .min(scales.len())
        .min(symbols.len())
        / 4
        * 4;
    let (smin, smax) = (_mm256_set1_pd(SCALE_MIN), _mm256_set1_pd(SCALE_MAX));
    let (lower, upper) = (_mm_set1_epi32(k.lower), _mm_set1_epi32(k.upper));
    let last = _mm_set1_epi32((k.bins - 1) as i32);
    let bins = _mm_set1_epi32(k.bins as i32);
    let one = _mm_set1_epi32(k.one as i32);
    let mut c = bounded_avx2_by_8(k, means, scales, symbols, n / 8 * 8, out);
    while c < n {
        // SAFETY: `c + 4 <= n`: four elements of every slice, read unaligned.
        let (m, s, sym) = unsafe {
            (
                _mm_loadu_ps(means.as_ptr().add(c)),
                _mm_loadu_ps(scales.as_ptr().add(c)),
                _mm_loadu_si128(symbols.as_ptr().add(c) as *const __m128i),
            )
        };
        let (m, s) = (_mm256_cvtps_pd(m), _mm256_cvtps_pd(s));
        let s = _mm256_min_pd(_mm256_max_pd(s, smin), smax);
        let inv = _mm256_div_pd(_mm256_set1_pd(1.0), s);
        let outside = _mm_or_si128(_mm_cmpgt_epi32(lower, sym), _mm_cmpgt_epi32(sym, upper));
        let bin = _mm_blendv_epi8(_mm_sub_epi32(sym, lower), last, outside);
        let bin1 = _mm_add_epi32(bin, _mm_set1_epi32(1));
        let a = inner4(k, bin, m, inv);
        let b = inner4(k, bin1, m, inv);
        let start = _mm_andnot_si128(_mm_cmpeq_epi32(bin, _mm_setzero_si128()), a);
        // bin + 1 >= bins, as bin + 1 == bins (bin < bins).
        let end = _mm_blendv_epi8(b, one, _mm_cmpeq_epi32(bin1, bins));
        let freq = _mm_sub_epi32(end, start);
        // SAFETY: `c + 4 <= n`: four `Step`s (two `u32` each, `repr(C)`), 32 bytes.
        unsafe {
            let dst = out.as_mut_ptr().add(c) as *mut __m128i;
            _mm_storeu_si128(dst, _mm_unpacklo_epi32(start, freq));
            _mm_storeu_si128(dst.add(1), _mm_unpackhi_epi32(start, freq));
        }
        c += 4;
    }
    n
}

/// [`bounded_avx2`]'s positions `0 .. n` (REQUIRES: within every slice) eight at a time:
/// the `f64` steps in two halves, the table reads and integer steps eight wide. Returns
/// `n`.
#[target_feature(enable = "avx2")]
fn bounded_avx2_by_8(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    symbols: &[i32],
    n: usize,
    out: &mut [Step],
) -> usize {
    let (smin, smax) = (_mm256_set1_pd(SCALE_MIN), _mm256_set1_pd(SCALE_MAX));
    let (lower, upper) = (_mm256_set1_epi32(k.lower), _mm256_set1_epi32(k.upper));
    let last = _mm256_set1_epi32((k.bins - 1) as i32);
    let bins = _mm256_set1_epi32(k.bins as i32);
    let one = _mm256_set1_epi32(k.one as i32);
    let widen = |v: __m256| {
        [
            _mm256_cvtps_pd(_mm256_castps256_ps128(v)),
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)),
        ]
    };
    let mut c = 0;
    while c + 8 <= n {
        // SAFETY: `c + 8 <= n`: eight elements of every slice, read unaligned.
        let (m, s, sym) = unsafe {
            (
                _mm256_loadu_ps(means.as_ptr().add(c)),
                _mm256_loadu_ps(scales.as_ptr().add(c)),
                _mm256_loadu_si256(symbols.as_ptr().add(c) as *const __m256i),
            )
        };
        let (m, s) = (widen(m), widen(s));
        let s = s.map(|s| _mm256_min_pd(_mm256_max_pd(s, smin), smax));
        let inv = s.map(|s| _mm256_div_pd(_mm256_set1_pd(1.0), s));
        let outside = _mm256_or_si256(
            _mm256_cmpgt_epi32(lower, sym),
            _mm256_cmpgt_epi32(sym, upper),
        );
        let bin = _mm256_blendv_epi8(_mm256_sub_epi32(sym, lower), last, outside);
        let bin1 = _mm256_add_epi32(bin, _mm256_set1_epi32(1));
        let a = inner8_avx2(k, bin, m, inv);
        let b = inner8_avx2(k, bin1, m, inv);
        let start = _mm256_andnot_si256(_mm256_cmpeq_epi32(bin, _mm256_setzero_si256()), a);
        // bin + 1 >= bins, as bin + 1 == bins (bin < bins).
        let end = _mm256_blendv_epi8(b, one, _mm256_cmpeq_epi32(bin1, bins));
        let freq = _mm256_sub_epi32(end, start);
        let lo = _mm256_unpacklo_epi32(start, freq);
        let hi = _mm256_unpackhi_epi32(start, freq);
        // SAFETY: `c + 8 <= n`: eight `Step`s (two `u32` each, `repr(C)`), 64 bytes.
        unsafe {
            let dst = out.as_mut_ptr().add(c) as *mut __m256i;
            _mm256_storeu_si256(dst, _mm256_permute2x128_si256::<0x20>(lo, hi));
            _mm256_storeu_si256(dst.add(1), _mm256_permute2x128_si256::<0x31>(lo, hi));
        }
        c += 8;
    }
    c
}

/// As [`bounded_avx2`], eight positions an iteration. REQUIRES: the CPU has AVX-512 F,
/// VL and DQ.
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2")]
pub(super) fn bounded_avx512(
    k: &Bounded,
    means: &[f32],
    scales: &[f32],
    symbols: &[i32],
    out: &mut [Step],
) -> usize {
    let n = out
        .len()
        .min(means.len())
        .min(scales.len())
        .min(symbols.len())
        / 8
        * 8;
    let (smin, smax) = (_mm512_set1_pd(SCALE_MIN), _mm512_set1_pd(SCALE_MAX));
    let (lower, upper) = (_mm256_set1_epi32(k.lower), _mm256_set1_epi32(k.upper));
    let last = _mm256_set1_epi32((k.bins - 1) as i32);
    let bins = _mm256_set1_epi32(k.bins as i32);
    let one = _mm256_set1_epi32(k.one as i32);
    let mut c = 0;
    while c < n {
        // SAFETY: `c + 8 <= n`: eight elements of every slice, read unaligned.
        let (m, s, sym) = unsafe {
            (
                _mm256_loadu_ps(means.as_ptr().add(c)),
                _mm256_loadu_ps(scales.as_ptr().add(c)),
                _mm256_loadu_si256(symbols.as_ptr().add(c) as *const __m256i),
            )
        };
        let (m, s) = (_mm512_cvtps_pd(m), _mm512_cvtps_pd(s));
        let s = _mm512_min_pd(_mm512_max_pd(s, smin), smax);
        let inv = _mm512_div_pd(_mm512_set1_pd(1.0), s);
        let inside = _mm256_cmpge_epi32_mask(sym, lower) & _mm256_cmple_epi32_mask(sym, upper);
        let bin = _mm256_mask_blend_epi32(inside, last, _mm256_sub_epi32(sym, lower));
        let bin1 = _mm256_add_epi32(bin, _mm256_set1_epi32(1));
        let a = inner8(k, bin, m, inv);
        let b = inner8(k, bin1, m, inv);
        let first = _mm256_cmpeq_epi32_mask(bin, _mm256_setzero_si256());
        let start = _mm256_maskz_mov_epi32(!first, a);
        let end = _mm256_mask_blend_epi32(_mm256_cmpeq_epi32_mask(bin1, bins), b, one);
        let freq = _mm256_sub_epi32(end, start);
        let lo = _mm256_unpacklo_epi32(start, freq);
        let hi = _mm256_unpackhi_epi32(start, freq);
        // SAFETY: `c + 8 <= n`: eight `Step`s (two `u32` each, `repr(C)`), 64 bytes.
        unsafe {
            let dst = out.as_mut_ptr().add(c) as *mut __m256i;
            _mm256_storeu_si256(dst, _mm256_permute2x128_si256::<0x20>(lo, hi));
            _mm256_storeu_si256(dst.add(1), _mm256_permute2x128_si256::<0x31>(lo, hi));
        }
        c += 8;
    }
    n
}
