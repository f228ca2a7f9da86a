//! Where the AVX2 encoder's groups come from: the source's rounds ([`ByRound`]), plain
//! symbol and row arrays ([`Ints`]) or `ScaleCoder`'s floats, with the scale lookup done
//! four 64-bit lanes a vector ([`Floats`]) or, with the coder's records, the rows and bin
//! indexes eight 32-bit lanes a vector ([`FloatBins`]).

use std::arch::x86_64::*;

use super::GROUP;
use crate::lanes::traits::{EncodeSource, ScaleRows};
use crate::simd::avx2_scale::OneCompare8;
use crate::simd::reload::reload;
use crate::tables::scale_bins::{ScaleBin, ScaleBins};

/// Where a group's eight symbols and rows come from: positions `pos .. pos + 8`.
pub(super) trait GroupInput {
    /// Whether [`GroupInput::group`] finds the bins too ([`FloatBins`]).
    const FINDS_BINS: bool = false;

    /// Fills `syms` and `rows` (a row that does not fit `u32` as `u32::MAX`, out of range
    /// like any other) and returns the rows as two vectors of four, and the mask of the
    /// positions that might be bad: always 0 for an input whose positions passed the
    /// source's check before they are coded; an input that is not checked first
    /// ([`Floats`]) flags every position the check would refuse. An input that finds
    /// the bins fills `bins` with each lane's `EncSymbol` byte offset, 16 times the index
    /// the kernel's small-table rule gives (`symbol + base - offset`, clamped to the
    /// table's last record): its tag still decides; the others leave `bins` alone.
    ///
    /// # Safety
    /// The CPU has AVX2; `pos + 8` is within the source's length and, unless the input
    /// flags bad positions itself, its positions passed the source's check.
    unsafe fn group(
        &self,
        pos: usize,
        syms: &mut [i32; GROUP],
        rows: &mut [u64; GROUP],
        bins: &mut [u32; GROUP],
    ) -> ([__m256i; 2], u8);
}

/// Eight rows as two vectors of four, from `rows`.
///
/// # Safety
/// The CPU has AVX2.
#[inline(always)]
pub(super) unsafe fn row_vectors(rows: &[u64; GROUP]) -> [__m256i; 2] {
    // SAFETY: 8 u64 (64 bytes); the caller has AVX2.
    unsafe {
        [
            _mm256_loadu_si256(rows.as_ptr() as *const __m256i),
            _mm256_loadu_si256(rows[4..].as_ptr() as *const __m256i),
        ]
    }
}

/// Any source, through [`EncodeSource::get_round`].
pub(super) struct ByRound<'a, S>(pub(super) &'a S);

impl<S: EncodeSource> GroupInput for ByRound<'_, S> {
    #[inline(always)]
    unsafe fn group(
        &self,
        pos: usize,
        syms: &mut [i32; GROUP],
        rows: &mut [u64; GROUP],
        _bins: &mut [u32; GROUP],
    ) -> ([__m256i; 2], u8) {
        let mut wide = [0usize; GROUP];
        self.0.get_round(pos, syms, &mut wide);
        for k in 0..GROUP {
            rows[k] = u64::from(u32::try_from(wide[k]).unwrap_or(u32::MAX));
        }
        // SAFETY: the caller has AVX2.
        (unsafe { row_vectors(rows) }, 0)
    }
}

/// Checked symbol and row arrays (`format::encode`).
pub(super) struct Ints<'a> {
    pub(super) symbols: &'a [i32],
    pub(super) rows: &'a [i32],
}

impl GroupInput for Ints<'_> {
    #[inline(always)]
    unsafe fn group(
        &self,
        pos: usize,
        syms: &mut [i32; GROUP],
        rows: &mut [u64; GROUP],
        _bins: &mut [u32; GROUP],
    ) -> ([__m256i; 2], u8) {
        let (s, r) = (
            &self.symbols[pos..pos + GROUP],
            &self.rows[pos..pos + GROUP],
        );
        // SAFETY: 8 i32 each, 8 i32 and 8 u64 outputs; the caller has AVX2. (A negative
        // row, zero-extended, is out of range.)
        unsafe {
            let sv = _mm256_loadu_si256(s.as_ptr() as *const __m256i);
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, sv);
            let r = _mm256_loadu_si256(r.as_ptr() as *const __m256i);
            (widen_rows(r, rows), 0)
        }
    }
}

/// `ScaleCoder`'s floats: symbols `values - means` rounded, rows from the scale lookup.
#[derive(Clone, Copy)]
pub(super) struct Floats<'a> {
    values: &'a [f32],
    means: Option<&'a [f32]>,
    scales: &'a [f32],
    one: OneCompare8<'a>,
}

impl<'a> Floats<'a> {
    /// `None` unless the lookup has an entry for every `bits >> shift` (always, for a
    /// lookup `ScaleCoder` built).
    pub(super) fn new(
        values: &'a [f32],
        means: Option<&'a [f32]>,
        rows: ScaleRows<'a>,
    ) -> Option<Self> {
        Some(Floats {
            values,
            means,
            scales: rows.scales,
            one: OneCompare8::new(rows.lookup)?,
        })
    }
}

/// A group's floats, read: the rounded differences (also stored in `syms`), the scales
/// raised to the bound as integers (a NaN stays NaN), the NaN scales' lanes and the lanes
/// whose symbol is `i32::MIN`, all eight lanes a vector.
struct Read {
    syms: __m256i,
    clamped: __m256i,
    nan: __m256i,
    min: __m256i,
}

impl Floats<'_> {
    /// The symbols of positions `pos .. pos + 8` into `syms`, and their scales.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[inline(always)]
    unsafe fn read(&self, pos: usize, syms: &mut [i32; GROUP]) -> Read {
        let v = &self.values[pos..pos + GROUP];
        let m = self.means.map(|m| &m[pos..pos + GROUP]);
        let sc = &self.scales[pos..pos + GROUP];
        // SAFETY: 8 f32 each, 8 i32 out; the caller has AVX2.
        unsafe {
            let mut d = _mm256_loadu_ps(v.as_ptr());
            if let Some(m) = m {
                d = _mm256_sub_ps(d, _mm256_loadu_ps(m.as_ptr()));
            }
            // Round to nearest in MXCSR's mode (half to even unless a caller changed it),
            // like the scalar encoder's magic-number rounding; exact for every `d` inside
            // `i32`, and `i32::MIN` for the others.
            let s = _mm256_cvtps_epi32(d);
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, s);
            let scales = _mm256_loadu_ps(sc.as_ptr());
            Read {
                syms: s,
                // `OneCompare::get`'s clamp (`vmaxps` keeps a NaN).
                clamped: self.one.clamp(scales),
                nan: _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(scales, scales)),
                min: _mm256_cmpeq_epi32(s, _mm256_set1_epi32(i32::MIN)),
            }
        }
    }
}

/// Stores eight 32-bit rows as `u64`s into `rows` and returns them as two vectors of four.
///
/// # Safety
/// The CPU has AVX2.
#[inline(always)]
unsafe fn widen_rows(rows32: __m256i, rows: &mut [u64; GROUP]) -> [__m256i; 2] {
    // SAFETY: 8 u64 out; the caller has AVX2.
    unsafe {
        let rv = [
            _mm256_cvtepu32_epi64(_mm256_castsi256_si128(rows32)),
            _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(rows32)),
        ];
        _mm256_storeu_si256(rows.as_mut_ptr() as *mut __m256i, rv[0]);
        _mm256_storeu_si256(rows[4..].as_mut_ptr() as *mut __m256i, rv[1]);
        rv
    }
}

impl GroupInput for Floats<'_> {
    /// Flags every position the source's check refuses: a NaN scale, and a NaN or an
    /// out-of-range difference by its symbol, `i32::MIN` (also the symbol of a valid
    /// difference of exactly `-2^31`, which the check then passes).
    #[inline(always)]
    unsafe fn group(
        &self,
        pos: usize,
        syms: &mut [i32; GROUP],
        rows: &mut [u64; GROUP],
        _bins: &mut [u32; GROUP],
    ) -> ([__m256i; 2], u8) {
        // SAFETY: 8 u32 / u64 outputs; the caller has AVX2.
        unsafe {
            let Read {
                clamped, nan, min, ..
            } = self.read(pos, syms);
            // A NaN scale takes row 0.
            let row = _mm256_andnot_si256(nan, self.one.rows(clamped));
            let flags = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_or_si256(nan, min)));
            (widen_rows(row, rows), flags as u8)
        }
    }
}

/// [`Floats`] with the lookup's records over the table ([`ScaleBins`]): each position's
/// row and `EncSymbol` index from one 16-byte record, eight lanes a vector, where
/// [`Floats`] takes the rows out of their vectors for the kernel's scalar index code.
pub(super) struct FloatBins<'a> {
    floats: Floats<'a>,
    records: &'a [ScaleBin],
    /// The bucket of record 0.
    first: u32,
    /// The last `EncSymbol`'s index (`Kernel::last`).
    last: u32,
}

impl<'a> FloatBins<'a> {
    /// For a table of at most 255 rows whose symbols cannot wrap (the kernel's small-table
    /// rule, [`super::Kernel::small`]); `last` is its last `EncSymbol`'s index. `None`
    /// when `bins` are not the records of `floats`' lookup.
    pub(super) fn new(floats: Floats<'a>, bins: &'a ScaleBins, last: u32) -> Option<Self> {
        // The byte offsets must fit `u32`. Both bounds hold already (`ScaleBins` keeps a
        // few thousand records, `usable` caps the table); checked here so that the loads'
        // soundness does not rest on code elsewhere.
        (bins.fits(floats.one.shift, floats.one.bound)
            && bins.records().len() <= super::MAX_RECORDS
            && (last as usize) < super::MAX_RECORDS)
            .then(|| FloatBins {
                floats,
                records: bins.records(),
                first: bins.first(),
                last,
            })
    }
}

impl GroupInput for FloatBins<'_> {
    const FINDS_BINS: bool = true;

    /// Flags as [`Floats`] does. A NaN scale's lane reads some record and takes row 0.
    #[inline(always)]
    unsafe fn group(
        &self,
        pos: usize,
        syms: &mut [i32; GROUP],
        rows: &mut [u64; GROUP],
        bins: &mut [u32; GROUP],
    ) -> ([__m256i; 2], u8) {
        let f = &self.floats;
        let mut at = [0u32; GROUP];
        // SAFETY: 8 u32 / u64 outputs; the caller has AVX2.
        unsafe {
            let Read {
                syms: s,
                clamped,
                nan,
                min,
            } = f.read(pos, syms);
            // The record of bucket `bits >> shift`, clamped into the records: scales at
            // or above the bound lie at or above record 0, and buckets past the last
            // record are the last row's (`tables/scale_bins.rs`). A NaN's bucket lands
            // anywhere in range.
            let bucket = f.one.buckets(clamped);
            let top = _mm256_set1_epi32(self.records.len() as i32 - 1);
            let idx = _mm256_min_epu32(
                _mm256_sub_epi32(bucket, _mm256_set1_epi32(self.first as i32)),
                top,
            );
            // Byte offsets (fewer than `MAX_RECORDS` records: they fit), one vector shift
            // where eight scalar ones scaled the indexes.
            _mm256_storeu_si256(at.as_mut_ptr() as *mut __m256i, _mm256_slli_epi32::<4>(idx));
            let base = self.records.as_ptr() as *const __m128i;
            // SAFETY: every offset is 16 times an index at most `records.len() - 1`;
            // records are 16 aligned bytes.
            let at = reload(&at);
            let pair = |a: usize, b: usize| {
                _mm256_inserti128_si256::<1>(
                    _mm256_castsi128_si256(_mm_load_si128(base.byte_add(at[a] as usize))),
                    _mm_load_si128(base.byte_add(at[b] as usize)),
                )
            };
            // Records 0-3 and 4-7 in the two halves; a 4x4 transpose of each half gives
            // the fields, lanes in order.
            let (r0, r1, r2, r3) = (pair(0, 4), pair(1, 5), pair(2, 6), pair(3, 7));
            let (t0, t1) = (_mm256_unpacklo_epi32(r0, r1), _mm256_unpackhi_epi32(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_epi32(r2, r3), _mm256_unpackhi_epi32(r2, r3));
            let limit = _mm256_unpacklo_epi64(t0, t2);
            let row = _mm256_unpackhi_epi64(t0, t2);
            let bin = _mm256_unpacklo_epi64(t1, t3);
            let step = _mm256_unpackhi_epi64(t1, t3);
            // The next row when the scale's bits pass the limit (both below 2^31 for a
            // scale that is not NaN: the signed compare is exact).
            let next = _mm256_cmpgt_epi32(clamped, limit);
            // A NaN scale takes row 0.
            let row = _mm256_andnot_si256(nan, _mm256_sub_epi32(row, next));
            let bin = _mm256_add_epi32(bin, _mm256_and_si256(next, step));
            let ix = _mm256_min_epu32(
                _mm256_add_epi32(s, bin),
                _mm256_set1_epi32(self.last as i32),
            );
            // `last` is below `MAX_RECORDS`: the byte offsets fit.
            _mm256_storeu_si256(
                bins.as_mut_ptr() as *mut __m256i,
                _mm256_slli_epi32::<4>(ix),
            );
            let flags = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_or_si256(nan, min)));
            (widen_rows(row, rows), flags as u8)
        }
    }
}
