//! The decoder's row scan in vector registers: one pass over a row both checks it (finite,
//! nondecreasing: `FloatCdfs::row_ok`) and finds the symbol, sixteen floats a vector with
//! AVX-512, eight with AVX2, in place of the check followed by a bisection of dependent
//! probes.
//!
//! The check: every value at least the one before it (false for NaN), the first and the
//! last finite, so that all are. The symbol is the number of `k` in `1..L` with
//! `cdf(k) <= slot`: `cdf` rises by at least one a level along a checked row and
//! `cdf(0) = 0 <= slot < 2^P = cdf(L)`. For `0 < k < L`, `cdf(k) = k + floor(c * spare)
//! <= slot` exactly when `c * spare - (slot + 1 - k) < 0` (`c` clamped into `[0, 1]`; the
//! kernels clamp into `[2^-126, 1]`, which gives the same answers, see [`clamp_avx512`]),
//! and one fused multiply-add gives that difference's sign exactly: the difference is a
//! multiple of `c`'s ulp (at least 2^-40 once `c * spare` is near an integer of at least 1),
//! so its single rounding to `f32` neither reaches zero nor flips its sign. So the symbols
//! are the scalar `FloatCdfs::find`'s bit for bit.

use std::arch::x86_64::*;

use super::{block_steps, round_finds, Found};
use crate::lanes::model::Step;
use crate::models::FloatCdfs;

/// The symbol of `slot` in `row` (`L + 1` floats, `L = row.len() - 1 >= 1`), `None` when
/// the row is not finite and nondecreasing. `spare = 2^P - L`. REQUIRES: the CPU has
/// AVX-512 F, FMA and POPCNT.
#[inline]
#[target_feature(enable = "avx512f,avx2,fma,popcnt")]
pub(super) fn scan_avx512(row: &[f32], spare: f32, slot: u32) -> Option<usize> {
    let (&first, _) = row.split_first()?;
    let (&end, _) = row.split_last()?;
    let last = row.len() - 1;
    let zero = _mm512_setzero_ps();
    let spare = _mm512_set1_ps(spare);
    let sixteen = _mm512_set1_ps(16.0);
    let iota = _mm512_setr_ps(
        0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
    );
    // `k - 1` for the vector's elements `k .. k + 16` (free of the slot, so it runs ahead
    // of the state) and `-slot`: their sum `-(slot + 1 - k)` is an integer of at most 17
    // bits, exact in f32.
    let neg_slot = _mm512_set1_ps(-(slot as f32));
    let mut k_less_one = iota;
    // Each vector's count of levels at or below the slot, by its mask's popcount: a
    // shorter chain from the slot to the symbol than a vector of counts reduced at the end.
    let mut count = 0u32;
    let mut ok: __mmask16 = 0xffff;
    let ptr = row.as_ptr();
    let mut k = 1usize;
    // Whole vectors of levels below `L`.
    while k + 16 <= last {
        // SAFETY: `k + 16 <= L < row.len()`: sixteen floats from `k - 1` and from `k`.
        let (b, a) = unsafe { (_mm512_loadu_ps(ptr.add(k)), _mm512_loadu_ps(ptr.add(k - 1))) };
        // False for NaN on either side.
        ok = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(ok, b, a);
        let c = clamp_avx512(b);
        let d = _mm512_fmadd_ps(c, spare, _mm512_add_ps(k_less_one, neg_slot));
        count += (_mm512_cmp_ps_mask::<_CMP_LT_OQ>(d, zero) as u32).count_ones();
        k_less_one = _mm512_add_ps(k_less_one, sixteen);
        k += 16;
    }
    // The rest, `k ..= L` (1 to 16 values): element `L` is checked but not counted (its
    // cdf is 2^P whatever its value).
    let n = last + 1 - k;
    let m: __mmask16 = ((1u32 << n) - 1) as u16;
    // SAFETY: the mask covers `k .. k + n = row.len()` and `k - 1 .. k - 1 + n`;
    // masked-off elements are not read (no fault).
    let (b, a) = unsafe {
        (
            _mm512_maskz_loadu_ps(m, ptr.add(k)),
            _mm512_maskz_loadu_ps(m, ptr.add(k - 1)),
        )
    };
    let tail_ok = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(m, b, a) == m;
    let c = clamp_avx512(b);
    let d = _mm512_fmadd_ps(c, spare, _mm512_add_ps(k_less_one, neg_slot));
    let below = _mm512_mask_cmp_ps_mask::<_CMP_LT_OQ>(m >> 1, d, zero);
    let count = count + (below as u32).count_ones();
    let good = ok == 0xffff && tail_ok && first.is_finite() && end.is_finite();
    good.then_some(count as usize)
}

/// As [`scan_avx512`], eight floats a vector. REQUIRES: the CPU has AVX2, FMA and POPCNT.
#[inline]
#[target_feature(enable = "avx2,fma,popcnt")]
pub(super) fn scan_avx2(row: &[f32], spare: f32, slot: u32) -> Option<usize> {
    let (&first, _) = row.split_first()?;
    let (&end, _) = row.split_last()?;
    let last = row.len() - 1;
    let zero = _mm256_setzero_ps();
    let spare = _mm256_set1_ps(spare);
    let eight = _mm256_set1_ps(8.0);
    let iota = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    // As in `scan_avx512`.
    let neg_slot = _mm256_set1_ps(-(slot as f32));
    let mut k_less_one = iota;
    // The counts (a true comparison is -1, subtracted: eight wide, fewer instructions than
    // a popcount a vector), and all ones while the row is good.
    let mut counts = _mm256_setzero_si256();
    let mut ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    let ptr = row.as_ptr();
    let mut k = 1usize;
    // Whole vectors of levels below `L`.
    while k + 8 <= last {
        // SAFETY: `k + 8 <= L < row.len()`: eight floats from `k - 1` and from `k`.
        let (b, a) = unsafe { (_mm256_loadu_ps(ptr.add(k)), _mm256_loadu_ps(ptr.add(k - 1))) };
        // False for NaN on either side.
        ok = _mm256_and_ps(ok, _mm256_cmp_ps::<_CMP_GE_OQ>(b, a));
        let c = clamp_avx2(b);
        let d = _mm256_fmadd_ps(c, spare, _mm256_add_ps(k_less_one, neg_slot));
        let below = _mm256_cmp_ps::<_CMP_LT_OQ>(d, zero);
        counts = _mm256_sub_epi32(counts, _mm256_castps_si256(below));
        k_less_one = _mm256_add_ps(k_less_one, eight);
        k += 8;
    }
    // The rest, `k ..= L` (1 to 8 values), as in `scan_avx512`.
    let n = last + 1 - k;
    let mask = _mm256_cmpgt_epi32(
        _mm256_set1_epi32(n as i32),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    );
    // SAFETY: the mask covers `k .. k + n = row.len()` and `k - 1 .. k - 1 + n`;
    // masked-off elements are not read (no fault).
    let (b, a) = unsafe {
        (
            _mm256_maskload_ps(ptr.add(k), mask),
            _mm256_maskload_ps(ptr.add(k - 1), mask),
        )
    };
    let mm = (1i32 << n) - 1;
    let tail_ok = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(b, a)) & mm == mm;
    let c = clamp_avx2(b);
    let d = _mm256_fmadd_ps(c, spare, _mm256_add_ps(k_less_one, neg_slot));
    let below = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(d, zero)) & (mm >> 1);
    // The eight counts' sum.
    let s = _mm_add_epi32(
        _mm256_castsi256_si128(counts),
        _mm256_extracti128_si256::<1>(counts),
    );
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    let count = _mm_cvtsi128_si32(s) as u32 + below.count_ones();
    let good = _mm256_movemask_ps(ok) == 0xff && tail_ok && first.is_finite() && end.is_finite();
    good.then_some(count as usize)
}

/// `b` clamped into `[2^-126, 1]` by integer min and max on its bits (for floats of
/// either sign, the bits of the nonnegative ones order as their values, the negative ones
/// read as negative integers). The rule clamps into `[0, 1]`; the smallest normal float in
/// place of zero and of the subnormals changes nothing, since `c * spare < 1` for both and
/// the test `c * spare < t` for an integer `t` comes out the same for `c = 0` and
/// `c = 2^-126` (true exactly when `t >= 1`). So no floating-point operation sees a
/// subnormal float: each would cost the FMA a microcode assist, several times the scan
/// (rows of discretized Laplace laws hold one or two in their far tails). REQUIRES: the
/// CPU has AVX-512 F.
#[inline]
#[target_feature(enable = "avx512f,avx2")]
fn clamp_avx512(b: __m512) -> __m512 {
    let bits = _mm512_castps_si512(b);
    let bits = _mm512_min_epi32(bits, _mm512_set1_epi32(ONE_BITS));
    _mm512_castsi512_ps(_mm512_max_epi32(bits, _mm512_set1_epi32(MIN_NORMAL_BITS)))
}

/// As [`clamp_avx512`], eight wide. REQUIRES: the CPU has AVX2.
#[inline]
#[target_feature(enable = "avx2")]
fn clamp_avx2(b: __m256) -> __m256 {
    let bits = _mm256_castps_si256(b);
    let bits = _mm256_min_epi32(bits, _mm256_set1_epi32(ONE_BITS));
    _mm256_castsi256_ps(_mm256_max_epi32(bits, _mm256_set1_epi32(MIN_NORMAL_BITS)))
}

/// The bits of `1.0f32` and of the smallest normal `f32`, `2^-126`.
const ONE_BITS: i32 = 0x3f80_0000;
const MIN_NORMAL_BITS: i32 = 0x0080_0000;

/// Whether `row` is finite and nondecreasing (`FloatCdfs::row_ok`), sixteen floats a
/// vector: every value at least the one before it, the first and the last finite.
/// REQUIRES: the CPU has AVX-512 F.
#[inline]
#[target_feature(enable = "avx512f,avx2")]
pub(super) fn row_ok_avx512(row: &[f32]) -> bool {
    let (Some(&first), Some(&end)) = (row.first(), row.last()) else {
        return false;
    };
    let ptr = row.as_ptr();
    let mut ok: __mmask16 = 0xffff;
    let mut k = 1usize;
    while k + 16 <= row.len() {
        // SAFETY: `k + 16 <= row.len()`: sixteen floats from `k - 1` and from `k`.
        let (b, a) = unsafe { (_mm512_loadu_ps(ptr.add(k)), _mm512_loadu_ps(ptr.add(k - 1))) };
        // False for NaN on either side.
        ok = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(ok, b, a);
        k += 16;
    }
    let m: __mmask16 = ((1u32 << (row.len() - k)) - 1) as u16;
    // SAFETY: the mask covers `k .. row.len()` and `k - 1 .. row.len() - 1`; masked-off
    // elements are not read (no fault).
    let (b, a) = unsafe {
        (
            _mm512_maskz_loadu_ps(m, ptr.add(k)),
            _mm512_maskz_loadu_ps(m, ptr.add(k - 1)),
        )
    };
    let tail = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(m, b, a);
    ok == 0xffff && tail == m && first.is_finite() && end.is_finite()
}

/// As [`row_ok_avx512`], eight floats a vector. REQUIRES: the CPU has AVX2.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn row_ok_avx2(row: &[f32]) -> bool {
    let (Some(&first), Some(&end)) = (row.first(), row.last()) else {
        return false;
    };
    let ptr = row.as_ptr();
    let mut ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    let mut k = 1usize;
    while k + 8 <= row.len() {
        // SAFETY: `k + 8 <= row.len()`: eight floats from `k - 1` and from `k`.
        let (b, a) = unsafe { (_mm256_loadu_ps(ptr.add(k)), _mm256_loadu_ps(ptr.add(k - 1))) };
        // False for NaN on either side.
        ok = _mm256_and_ps(ok, _mm256_cmp_ps::<_CMP_GE_OQ>(b, a));
        k += 8;
    }
    let mut good = _mm256_movemask_ps(ok) == 0xff;
    for j in k..row.len() {
        // False for NaN on either side.
        good &= row[j] >= row[j - 1];
    }
    good && first.is_finite() && end.is_finite()
}

/// The encoder's steps of a block (`super::block_steps`) with [`row_ok_avx512`] inlined.
/// REQUIRES: the CPU has AVX-512 F.
#[target_feature(enable = "avx512f,avx2,fma,popcnt")]
pub(super) fn steps_avx512(
    rows: &FloatCdfs<'_>,
    base: usize,
    symbols: &[i32],
    steps: &mut [Step],
) -> bool {
    block_steps(rows, base, symbols, steps, |row| row_ok_avx512(row))
}

/// As [`steps_avx512`] with [`row_ok_avx2`]. REQUIRES: the CPU has AVX2.
#[target_feature(enable = "avx2,fma,popcnt")]
pub(super) fn steps_avx2(
    rows: &FloatCdfs<'_>,
    base: usize,
    symbols: &[i32],
    steps: &mut [Step],
) -> bool {
    block_steps(rows, base, symbols, steps, |row| row_ok_avx2(row))
}

/// A decoder round's finds (`super::round_finds`) with [`scan_avx512`] inlined.
/// REQUIRES: the CPU has AVX-512 F, FMA and POPCNT.
#[target_feature(enable = "avx512f,avx2,fma,popcnt")]
pub(super) fn round_avx512<const N: usize>(
    rows: &FloatCdfs<'_>,
    base: usize,
    slots: &[u32; N],
    found: &mut [Found; N],
) -> bool {
    let spare = rows.spare() as f32;
    round_finds(rows, base, slots, found, |row, slot| {
        scan_avx512(row, spare, slot)
    })
}

/// As [`round_avx512`] with [`scan_avx2`]. REQUIRES: the CPU has AVX2, FMA and POPCNT.
#[target_feature(enable = "avx2,fma,popcnt")]
pub(super) fn round_avx2<const N: usize>(
    rows: &FloatCdfs<'_>,
    base: usize,
    slots: &[u32; N],
    found: &mut [Found; N],
) -> bool {
    let spare = rows.spare() as f32;
    round_finds(rows, base, slots, found, |row, slot| {
        scan_avx2(row, spare, slot)
    })
}
