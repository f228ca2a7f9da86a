//! `OneCompare`, the scale lookup, eight scales at a time with AVX2, for CPUs without
//! AVX-512 (and `FASTRANS_SIMD=avx2`): `scale_indexes`' batch lookup ([`rows_into`]), the
//! AVX2 decoder's rows ([`Lookup8`]) and the AVX2 encoder's ([`OneCompare8`] itself).
//!
//! The lookup is `scale::OneCompare::get`, bit for bit: clamp the scale to the bound
//! (`vmaxps` with the bound first keeps a NaN scale NaN), take the bucket `bits >> shift`,
//! and subtract the bucket's `OneEntry` from the scale's bits: the borrow out of the low
//! half decides between the entry's two rows. The eight entries are loaded one by one, 16
//! bytes each ([`load_halves`]; AVX2's gathers are slower than scalar loads on AMD Zen 2
//! and 3), and the arithmetic runs in 32-bit lanes. NaN scales (and with `finite`,
//! infinite ones) are noted with one compare a group; the caller then locates the first
//! and refuses the call.

use std::arch::x86_64::*;

use crate::lanes::traits::ScaleRows;
use crate::tables::scale_index::OneCompare;

/// Positions per group.
const GROUP: usize = 8;

const _: () = assert!(std::mem::size_of::<usize>() == 8);

/// A [`OneCompare`] lookup made ready for eight scales at a time.
#[derive(Clone, Copy)]
pub(crate) struct OneCompare8<'a> {
    /// The lookup's `OneEntry`s as integers, one for every `bits >> shift`.
    entries: &'a [u64],
    pub(crate) bound: f32,
    pub(crate) shift: u32,
}

impl<'a> OneCompare8<'a> {
    /// `None` unless the lookup has an entry for every `bits >> shift` and one past them
    /// (always, for a lookup `ScaleCoder` built): [`load_halves`] reads 16 bytes.
    pub(crate) fn new(lookup: OneCompare<'a>) -> Option<Self> {
        let (one, shift) = (lookup.one, lookup.shift);
        if !(1..32).contains(&shift) || one.len() <= 1usize << (32 - shift) {
            return None;
        }
        // SAFETY: `OneEntry` is a `repr(transparent)` `u64`: the same memory, as integers.
        let entries = unsafe { std::slice::from_raw_parts(one.as_ptr() as *const u64, one.len()) };
        Some(OneCompare8 {
            entries,
            bound: lookup.bound,
            shift,
        })
    }

    /// The bits of eight scales raised to the bound (a NaN stays NaN).
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn clamp(&self, scales: __m256) -> __m256i {
        _mm256_castps_si256(_mm256_max_ps(_mm256_set1_ps(self.bound), scales))
    }

    /// The lookup's buckets of eight clamped scales ([`OneCompare8::clamp`]), `bits >>
    /// shift`: each below `2^(32 - shift)`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn buckets(&self, clamped: __m256i) -> __m256i {
        _mm256_srl_epi32(clamped, _mm_cvtsi32_si128(self.shift as i32))
    }

    /// The rows of eight clamped scales ([`OneCompare8::clamp`]), eight `u32`; for a NaN
    /// the row is unspecified (a caller masks it, refuses the call, or bounds-checks the
    /// rows). For a scale `s >= bound > 0` the entry's low half `limit + 1` and `s`'s bits
    /// are both below 2^31, so a signed compare is the borrow, and the row is
    /// `-high - borrow` (`OneEntry::row_of`). Four 64-bit lanes a vector took two
    /// subtractions, two shifts and the rows' packing more.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn rows(&self, clamped: __m256i) -> __m256i {
        let mut ix = [0u32; GROUP];
        // SAFETY: `ix` is 8 u32; every bucket is below `2^(32 - shift)`, and
        // `entries.len()` is more than that (`OneCompare8::new`).
        unsafe {
            _mm256_storeu_si256(ix.as_mut_ptr() as *mut __m256i, self.buckets(clamped));
            let (lo, hi) = load_halves(self.entries.as_ptr(), &ix);
            let borrow = _mm256_cmpgt_epi32(lo, clamped);
            _mm256_add_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), hi), borrow)
        }
    }
}

/// The rows of `rows.scales` into `out` (the same length), and whether any scale was NaN
/// or, with `finite`, infinite. `None` when the lookup does not have an entry for every
/// `bits >> shift`. REQUIRES: the CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(crate) fn rows_into(rows: ScaleRows<'_>, out: &mut [i32], finite: bool) -> Option<bool> {
    let lookup = OneCompare8::new(rows.lookup)?;
    let n = out.len().min(rows.scales.len());
    let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let inf = _mm256_set1_ps(f32::INFINITY);
    let mut bad = _mm256_setzero_ps();
    let mut base = 0;
    while base + GROUP <= n {
        let sc = &rows.scales[base..base + GROUP];
        // SAFETY: `sc` is 8 f32 (32 bytes).
        let v = unsafe { _mm256_loadu_ps(sc.as_ptr()) };
        bad = if finite {
            // |v| not below +inf: infinite, or NaN (unordered).
            _mm256_or_ps(
                bad,
                _mm256_cmp_ps::<_CMP_NLT_UQ>(_mm256_and_ps(v, magnitude), inf),
            )
        } else {
            _mm256_or_ps(bad, _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v))
        };
        let r = lookup.rows(lookup.clamp(v));
        let dst = &mut out[base..base + GROUP];
        // SAFETY: `dst` is 8 i32 (32 bytes), written unaligned.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr() as *mut __m256i, r) };
        base += GROUP;
    }
    let bad_tail = rows
        .lookup
        .rows_into(&rows.scales[base..n], &mut out[base..n], finite);
    Some(_mm256_movemask_ps(bad) != 0 || bad_tail)
}

/// A [`ScaleRows`] lookup made ready for eight positions at a time, for the AVX2 decoder:
/// the rows of a target's checked positions (no NaN scale), as `OneCompare::get` gives
/// them.
pub(crate) struct Lookup8<'a> {
    scales: &'a [f32],
    one: OneCompare8<'a>,
}

impl<'a> Lookup8<'a> {
    /// `None` unless the lookup has an entry for every `bits >> shift` (always, for a
    /// lookup `ScaleCoder` built).
    pub(crate) fn new(rows: ScaleRows<'a>) -> Option<Self> {
        Some(Lookup8 {
            scales: rows.scales,
            one: OneCompare8::new(rows.lookup)?,
        })
    }

    /// The rows of positions `pos .. pos + 8`, eight `u32` ([`OneCompare8::rows`]).
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(crate) fn rows(&self, pos: usize) -> __m256i {
        let sc = &self.scales[pos..pos + GROUP];
        // SAFETY: `sc` is 8 f32 (32 bytes).
        let v = unsafe { _mm256_loadu_ps(sc.as_ptr()) };
        self.one.rows(self.one.clamp(v))
    }
}

/// The 8-byte records `base[ix[k]]`, `k = 0..8`, as their low and high 32 bits in lane
/// order. Each record comes by a 16-byte load, its successor's 8 bytes with it: lanes `k`
/// and `k + 4` share a vector (the second load folded into `vinserti128`), one unpack
/// puts four records side by side, and a shuffle splits their halves. Four shuffles where
/// eight 8-byte loads took eight (`vmovlhps` and `vinsertf128` to pair them), the loop's
/// busiest port; a gather is slower on AMD Zen 2 and 3.
///
/// # Safety
/// Every `base.add(ix[k])` is an 8-byte aligned record with 8 readable bytes after it
/// (tables that use this end with a record of padding).
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) unsafe fn load_halves(base: *const u64, ix: &[u32; GROUP]) -> (__m256i, __m256i) {
    // SAFETY: the caller's contract.
    let two = |a: usize, b: usize| unsafe {
        _mm256_inserti128_si256::<1>(
            _mm256_castsi128_si256(_mm_loadu_si128(base.add(ix[a] as usize) as *const __m128i)),
            _mm_loadu_si128(base.add(ix[b] as usize) as *const __m128i),
        )
    };
    // [record 0 _ | 4 _] unpacked with [1 _ | 5 _] is [records 0 1 | 4 5].
    let (v0, v1, v2, v3) = (two(0, 4), two(1, 5), two(2, 6), two(3, 7));
    let t = _mm256_castsi256_ps(_mm256_unpacklo_epi64(v0, v1));
    let u = _mm256_castsi256_ps(_mm256_unpacklo_epi64(v2, v3));
    (
        _mm256_castps_si256(_mm256_shuffle_ps::<0b10_00_10_00>(t, u)),
        _mm256_castps_si256(_mm256_shuffle_ps::<0b11_01_11_01>(t, u)),
    )
}
