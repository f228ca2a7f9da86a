//! `ScaleCoder`'s scale → row lookup eight positions at a time, with AVX-512, for both
//! vectorised lanes coders (`simd/avx512_encode.rs`, `simd/avx512_decode.rs`).
//!
//! The lookup is `scale::OneCompare::get`, bit for bit: clamp the scale to the bound,
//! take the bucket `bits >> shift` of the clamped float, and step to the next row when the
//! scale is above the bucket's limit. Here the eight buckets are fetched by one 64-bit
//! gather of the `OneEntry`s, and the clamp and the step run eight wide: the step is the
//! entry's integer rule (`OneEntry::row_of`: the scale's bits, widened, minus the entry,
//! shifted down), three uops where a float compare took eight.
//!
//! The lookup also checks its inputs, so that neither coder needs a pass of its own over
//! them: a position whose scale (or, for the decoder, mean) is NaN gets the row `u64::MAX`,
//! which every kernel's row range check sends to its scalar path, and that path asks the
//! source or target for the position's error (see `ScaleRows`). The compare is one
//! instruction a group; the check pass it replaces was 6% of a W1 decode and 8% of an
//! encode.

use std::arch::x86_64::*;

use crate::lanes::traits::ScaleRows;

/// Positions per lookup.
const GROUP: usize = 8;

/// A [`ScaleRows`] checked for the unchecked gather.
#[derive(Clone, Copy)]
pub(crate) struct Scales<'t> {
    scales: &'t [f32],
    /// Means whose NaNs also mark their positions (`ScaleRows::means`).
    means: Option<&'t [f32]>,
    /// The lookup's `OneEntry`s, 8 bytes each.
    entries: *const i64,
    bound: f32,
    shift: u32,
}

impl<'t> Scales<'t> {
    /// `rows`, when every `bits >> shift` of an `f32` names one of its entries and fits a
    /// positive `i32` (always, for a lookup `ScaleCoder` built: `15 <= shift <= 20`;
    /// checked here because the gather is not).
    pub(crate) fn new(rows: ScaleRows<'t>) -> Option<Scales<'t>> {
        let (one, shift) = (rows.lookup.one, rows.lookup.shift);
        ((1..32).contains(&shift) && one.len() >= 1usize << (32 - shift)).then_some(Scales {
            scales: rows.scales,
            means: rows.means,
            entries: one.as_ptr() as *const i64,
            bound: rows.lookup.bound,
            shift,
        })
    }

    /// The rows of positions `base .. base + 8` as 64-bit elements, `u64::MAX` where the
    /// scale or the mean is NaN (the decoder's form: its row range check then sends the
    /// group to the scalar round, which fails).
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    pub(crate) fn rows(&self, base: usize) -> __m512i {
        match self.means {
            Some(m) => self.rows_checking::<true>(base, m),
            None => self.rows_checking::<false>(base, &[]),
        }
    }

    /// [`Scales::rows`], the means checked when `MEANS`: a const parameter, so no group
    /// pays a `match` on the means.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    fn rows_checking<const MEANS: bool>(&self, base: usize, means: &[f32]) -> __m512i {
        let v = self.load(base);
        let other = if MEANS {
            // SAFETY: 8 f32 (32 bytes).
            unsafe { _mm256_loadu_ps(means[base..base + GROUP].as_ptr()) }
        } else {
            v
        };
        // Unordered: either is NaN.
        let nan = _mm256_cmp_ps_mask::<_CMP_UNORD_Q>(v, other);
        let rows = _mm512_srli_epi64::<32>(self.step(v));
        _mm512_mask_mov_epi64(rows, nan, _mm512_set1_epi64(-1))
    }

    /// The rows of positions `base .. base + 8` as 32-bit elements (the encoder's width),
    /// row 0 where the scale is NaN, and the mask of those. `odd` holds the indexes of the
    /// odd 32-bit elements (the rows are the high halves of [`Scales::step`]): one `vpermd`
    /// where narrowing the shifted rows took three uops.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    pub(crate) fn rows32_and_nans(&self, base: usize, odd: __m512i) -> (__m256i, __mmask8) {
        let v = self.load(base);
        let nan = _mm256_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
        // The NaNs' rows zeroed by the permute's own mask (a separate masked move cost
        // about 2% of a W1 encode).
        let keep = __mmask16::from(!nan);
        let d = self.step(v);
        let rows = _mm512_castsi512_si256(_mm512_maskz_permutexvar_epi32(keep, odd, d));
        (rows, nan)
    }

    /// The scales of positions `base .. base + 8`.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    fn load(&self, base: usize) -> __m256 {
        let sc = &self.scales[base..base + GROUP];
        // SAFETY: `sc` is 8 f32 (32 bytes).
        unsafe { _mm256_loadu_ps(sc.as_ptr()) }
    }

    /// The lookup of eight scales `v` up to its last shift: each 64-bit element's high
    /// half is the row (`OneEntry::row_of`; for a NaN, a row of the table or one past the
    /// last).
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    fn step(&self, v: __m256) -> __m512i {
        let v = _mm256_max_ps(_mm256_set1_ps(self.bound), v);
        let shift = _mm_cvtsi32_si128(self.shift as i32);
        let ix = _mm256_srl_epi32(_mm256_castps_si256(v), shift);
        // SAFETY: every index is below `2^(32 - shift)`: at most the number of entries,
        // and at most 2^31, so positive as the gather's signed 32-bit indexes (both
        // checked in `new`).
        let e = unsafe { _mm512_i32gather_epi64::<8>(ix, self.entries) };
        _mm512_sub_epi64(_mm512_cvtepu32_epi64(_mm256_castps_si256(v)), e)
    }
}

/// `ScaleIndex::rows_into` eight scales at a time: the rows of `rows.scales` into `out`
/// (the same length), and whether any scale was NaN, or with `finite` any scale NaN or
/// infinite (the caller then refuses the call, and locates it). `None` when the lookup does
/// not fit the gather ([`Scales::new`]). REQUIRES: the CPU has AVX-512 F and VL.
#[target_feature(enable = "avx512f,avx512vl")]
pub(crate) fn rows_into(rows: ScaleRows<'_>, out: &mut [i32], finite: bool) -> Option<bool> {
    let lookup = rows.lookup;
    let scales = Scales::new(rows)?;
    let n = out.len().min(rows.scales.len());
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
    let mut nans: __mmask8 = 0;
    let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let inf = _mm256_set1_ps(f32::INFINITY);
    let mut base = 0;
    while base + GROUP <= n {
        let (r, nan) = scales.rows32_and_nans(base, odd);
        nans |= nan;
        if finite {
            // |v| not below +inf: infinite, or NaN (unordered).
            let v = _mm256_and_ps(scales.load(base), magnitude);
            nans |= _mm256_cmp_ps_mask::<_CMP_NLT_UQ>(v, inf);
        }
        let dst = &mut out[base..base + GROUP];
        // SAFETY: `dst` is 8 i32 (32 bytes), written unaligned.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr() as *mut __m256i, r) };
        base += GROUP;
    }
    let nan_tail = lookup.rows_into(&rows.scales[base..n], &mut out[base..n], finite);
    Some(nans != 0 || nan_tail)
}
