//! The decoder's row scan in vector registers: one pass over a row both checks it (finite,
//! nondecreasing: `FloatCdfs::row_ok`) and finds the symbol, sixteen floats a vector with
//! AVX-512, eight with AVX2, in place of the check followed by a bisection of dependent
//! probes.
//!
//! The symbol is the number of `k` in `1..L` with `cdf(k) <= slot`: `cdf` rises by at
//! least one a level along a checked row, `cdf(0) = 0 <= slot < 2^P = cdf(L)`. For
//! `0 < k < L`, `cdf(k) = k + floor(c * spare) <= slot` exactly when
//! `c * spare < slot + 1 - k` (an integer on the right), and `c * spare` is exact in
//! binary64 (a 24-bit mantissa times an integer below 2^16), so each comparison is one
//! binary64 multiply and compare with no rounding anywhere: the symbols are the scalar
//! `FloatCdfs::find`'s bit for bit.

use std::arch::x86_64::*;

/// The symbol of `slot` in `row` (`L + 1` floats, `L = row.len() - 1 >= 1`), `None` when
/// the row is not finite and nondecreasing. `spare = 2^P - L`. REQUIRES: the CPU has
/// AVX-512 F and DQ.
#[target_feature(enable = "avx512f,avx512dq,avx2,popcnt")]
pub(super) fn scan_avx512(row: &[f32], spare: f64, slot: u32) -> Option<usize> {
    let (&first, _) = row.split_first()?;
    let last = row.len() - 1;
    let (zero, one) = (_mm512_setzero_ps(), _mm512_set1_ps(1.0));
    let max = _mm512_set1_ps(f32::MAX);
    let spare = _mm512_set1_pd(spare);
    let iota_lo = _mm512_setr_pd(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let iota_hi = _mm512_add_pd(iota_lo, _mm512_set1_pd(8.0));
    let top = slot as f64 + 1.0;
    let mut bad: u32 = (first.abs() > f32::MAX || first.is_nan()) as u32;
    let mut count = 0u32;
    let mut k = 1usize;
    let ptr = row.as_ptr();
    while k <= last {
        let n = (last + 1 - k).min(16);
        let m: __mmask16 = ((1u32 << n) - 1) as u16;
        // SAFETY: the mask covers `k .. k + n <= row.len()` and `k - 1 .. k - 1 + n`;
        // masked-off elements are not read (no fault).
        let (b, a) = unsafe {
            (
                _mm512_maskz_loadu_ps(m, ptr.add(k)),
                _mm512_maskz_loadu_ps(m, ptr.add(k - 1)),
            )
        };
        // Both false for NaN, the second for infinities.
        let ge = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(m, b, a);
        let fin = _mm512_mask_cmp_ps_mask::<_CMP_LE_OQ>(m, _mm512_abs_ps(b), max);
        bad |= (m & !(ge & fin)) as u32;
        let c = _mm512_min_ps(_mm512_max_ps(b, zero), one);
        let lo = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(c)), spare);
        let hi = _mm512_mul_pd(
            _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                _mm512_castps_pd(c),
            ))),
            spare,
        );
        let t = _mm512_set1_pd(top - k as f64);
        let below_lo = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(lo, _mm512_sub_pd(t, iota_lo)) as u32;
        let below_hi = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(hi, _mm512_sub_pd(t, iota_hi)) as u32;
        // Element `L` is checked but not counted (its cdf is 2^P whatever its value).
        let counted = if k + n > last { m >> 1 } else { m } as u32;
        count += ((below_lo | below_hi << 8) & counted).count_ones();
        k += 16;
    }
    (bad == 0).then_some(count as usize)
}

/// As [`scan_avx512`], eight floats a vector. REQUIRES: the CPU has AVX2.
#[target_feature(enable = "avx2,popcnt")]
pub(super) fn scan_avx2(row: &[f32], spare: f64, slot: u32) -> Option<usize> {
    let (&first, _) = row.split_first()?;
    let last = row.len() - 1;
    let (zero, one) = (_mm256_setzero_ps(), _mm256_set1_ps(1.0));
    let max = _mm256_set1_ps(f32::MAX);
    let sign = _mm256_set1_ps(-0.0);
    let spare = _mm256_set1_pd(spare);
    let iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let iota_lo = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    let iota_hi = _mm256_setr_pd(4.0, 5.0, 6.0, 7.0);
    let top = slot as f64 + 1.0;
    let mut bad: i32 = (first.abs() > f32::MAX || first.is_nan()) as i32;
    let mut count = 0u32;
    let mut k = 1usize;
    let ptr = row.as_ptr();
    while k <= last {
        let n = (last + 1 - k).min(8);
        let (b, a, mm) = if n == 8 {
            // SAFETY: `k + 8 <= row.len()`: eight floats from `k - 1` and from `k`.
            let (b, a) = unsafe { (_mm256_loadu_ps(ptr.add(k)), _mm256_loadu_ps(ptr.add(k - 1))) };
            (b, a, 0xff)
        } else {
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), iota);
            // SAFETY: the mask covers `k .. k + n <= row.len()` and `k - 1 .. k - 1 + n`;
            // masked-off elements are not read (no fault).
            let (b, a) = unsafe {
                (
                    _mm256_maskload_ps(ptr.add(k), mask),
                    _mm256_maskload_ps(ptr.add(k - 1), mask),
                )
            };
            (b, a, (1i32 << n) - 1)
        };
        // Both false for NaN, the second for infinities.
        let ge = _mm256_cmp_ps::<_CMP_GE_OQ>(b, a);
        let fin = _mm256_cmp_ps::<_CMP_LE_OQ>(_mm256_andnot_ps(sign, b), max);
        bad |= mm & !_mm256_movemask_ps(_mm256_and_ps(ge, fin));
        let c = _mm256_min_ps(_mm256_max_ps(b, zero), one);
        let lo = _mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(c)), spare);
        let hi = _mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps::<1>(c)), spare);
        let t = _mm256_set1_pd(top - k as f64);
        let below_lo =
            _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(lo, _mm256_sub_pd(t, iota_lo)));
        let below_hi =
            _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(hi, _mm256_sub_pd(t, iota_hi)));
        // Element `L` is checked but not counted (its cdf is 2^P whatever its value).
        let counted = if k + n > last { mm >> 1 } else { mm };
        count += ((below_lo | below_hi << 4) & counted).count_ones();
        k += 8;
    }
    (bad == 0).then_some(count as usize)
}
