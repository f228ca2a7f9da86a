//! Where the AVX-512 encoder's groups of eight symbols and rows come from: any source by
//! rounds, checked integer arrays, or `ScaleCoder`'s floats with the scale lookup fused.

use std::arch::x86_64::*;

use super::GROUP;
use crate::lanes::traits::EncodeSource;
use crate::simd::avx512_scale::Scales;

/// Where a group's eight symbols and rows come from: positions `pos .. pos + 8`.
/// Rows are `u32`; one that does not fit is `u32::MAX`, which fails the kernel's range
/// check like any other row out of range.
pub(super) trait GroupInput {
    /// The symbols and rows, and the mask of the positions that might be bad: always 0 for
    /// an input whose positions passed the source's check before they are coded; an input
    /// that is not checked first ([`Floats`]) flags every position the check would refuse.
    ///
    /// # Safety
    /// The CPU has the kernel's features; `pos + 8` is within the source's length and,
    /// unless the input flags bad positions itself, its positions passed the source's
    /// check.
    unsafe fn group(&self, pos: usize) -> (__m256i, __m256i, __mmask8);
}

/// Any source, through [`EncodeSource::get_round`].
pub(super) struct ByRound<'a, S>(pub(super) &'a S);

impl<S: EncodeSource> GroupInput for ByRound<'_, S> {
    #[inline(always)]
    unsafe fn group(&self, pos: usize) -> (__m256i, __m256i, __mmask8) {
        let (mut syms, mut rows) = ([0i32; GROUP], [0usize; GROUP]);
        self.0.get_round(pos, &mut syms, &mut rows);
        // SAFETY: 8 i32 and 8 usize (u64 on x86-64); the caller has the features.
        unsafe {
            (
                _mm256_loadu_si256(syms.as_ptr() as *const __m256i),
                _mm512_cvtusepi64_epi32(_mm512_loadu_si512(rows.as_ptr() as *const __m512i)),
                0,
            )
        }
    }
}

/// Checked symbol and row arrays (`format::encode`).
pub(super) struct Ints<'a> {
    pub(super) symbols: &'a [i32],
    pub(super) rows: &'a [i32],
}

impl GroupInput for Ints<'_> {
    #[inline(always)]
    unsafe fn group(&self, pos: usize) -> (__m256i, __m256i, __mmask8) {
        let (s, r) = (
            &self.symbols[pos..pos + GROUP],
            &self.rows[pos..pos + GROUP],
        );
        // SAFETY: 8 i32 each; the caller has the features. (Negative rows read as
        // unsigned fail the range check.)
        unsafe {
            (
                _mm256_loadu_si256(s.as_ptr() as *const __m256i),
                _mm256_loadu_si256(r.as_ptr() as *const __m256i),
                0,
            )
        }
    }
}

/// `ScaleCoder`'s floats: symbols `values - means` rounded, rows from the scale lookup,
/// eight at a time.
pub(super) struct Floats<'a> {
    pub(super) values: &'a [f32],
    pub(super) means: Option<&'a [f32]>,
    pub(super) rows: Scales<'a>,
    /// The indexes of the odd 32-bit elements, through `black_box` so that the permute
    /// stays one `vpermd` (see `Kernel::reverse_words`).
    pub(super) odd: __m512i,
}

impl GroupInput for Floats<'_> {
    /// Flags every position the source's check refuses: a NaN scale by the lookup, a NaN
    /// or an out-of-range difference by its symbol, `i32::MIN` (also the symbol of a
    /// valid difference of exactly `-2^31`, which the check then passes).
    #[inline(always)]
    unsafe fn group(&self, pos: usize) -> (__m256i, __m256i, __mmask8) {
        let v = &self.values[pos..pos + GROUP];
        let m = self.means.map(|m| &m[pos..pos + GROUP]);
        // SAFETY: 8 f32 each; the caller has the features (avx512f, avx512vl).
        unsafe {
            let mut d = _mm256_loadu_ps(v.as_ptr());
            if let Some(m) = m {
                d = _mm256_sub_ps(d, _mm256_loadu_ps(m.as_ptr()));
            }
            // Round to nearest in MXCSR's mode (half to even unless a caller changed it),
            // like the scalar encoder's magic-number rounding; exact for every `d` inside
            // `i32`, and `i32::MIN` for the others.
            let syms = _mm256_cvtps_epi32(d);
            let (rows, nan) = self.rows.rows32_and_nans(pos, self.odd);
            let bad = nan | _mm256_cmpeq_epi32_mask(syms, _mm256_set1_epi32(i32::MIN));
            (syms, rows, bad)
        }
    }
}
