//! The lanes encoder with AVX2: eight lanes a group, four 64-bit states a vector.
//!
//! For CPUs with AVX2 and no AVX-512 (Intel client cores since Alder Lake, AMD Zen 2 and 3,
//! many cloud instances), and for every CPU under `FASTRANS_SIMD=avx2`. It makes the scalar
//! encoder's step (`rans::enc_put`) bit for bit, so the bytes are the scalar encoder's
//! whichever encoder runs (tests/encode_simd.rs and the fuzz target `encode_agree` hold the
//! three encoders to the same bytes and errors).
//!
//! What AVX2 lacks, and what the kernel does instead (the AVX-512 kernel,
//! `encode_avx512.rs`, has all of these in hardware):
//! - **No 64x64-bit multiply.** The reciprocal division takes the high half of `x · rcp`
//!   from four `vpmuludq` (32x32 → 64 bits) and a dozen adds, shifts and masks ([`mulhi`]),
//!   and `q · cmpl_freq` (`q < 2^47`, `cmpl_freq < 2^16`) from two more: 12 multiplies a
//!   group of eight.
//! - **No unsigned 64-bit compare.** Every value compared is below `2^63`: a state is in
//!   `[1, 2^63)`, and `x_max = freq << (63 - p)` is below `2^63` for every bin that codes a
//!   symbol directly (a row with a direct bin has at least two bins, so `freq < 2^p`).
//!   So the signed `vpcmpgtq` is exact.
//! - **No compress.** The words of the lanes that renormalise are packed, lane 7's first as
//!   the scalar encoder pushes them, by one `vpermd` whose indexes come from a 256-entry
//!   table ([`WORDS_OUT`]) indexed by the lanes' mask; the same permute undoes the in-lane
//!   shuffle that gathered the eight low words ([`LOW_WORD_AT`]).
//! - **Slow gathers** (Zen 2/3: `vpgatherdq` measured slower than scalar loads in the
//!   decoder). The bins' 16-byte `EncSymbol`s come from eight 16-byte loads and four
//!   unpacks; a lane's bin index comes from its row's fields by scalar code
//!   ([`Kernel::prepare`]), the same unsigned compare as `escape::direct_bin`.
//!
//! `ScaleCoder`'s floats are read here (`EncodeSource::arrays`): differences rounded by
//! `vcvtps2dq` (nearest in MXCSR's mode, as the scalar magic-number rounding), scales
//! clamped and bucketed eight wide, each bucket's `OneEntry` read by a scalar load (the
//! row is `(scale bits - entry) >> 32`, `scale_coder::OneEntry`). As in the AVX-512 kernel
//! the floats get no check pass of their own: a group holding a NaN scale or a symbol of
//! `i32::MIN` (what `vcvtps2dq` makes of NaN and of any value outside `i32`) flags its
//! block, which gets the source's check after it is coded, its bytes dropped if the check
//! fails; meanwhile a NaN scale codes as row 0 (an existing row), and every other row the
//! lookup gives exists.
//!
//! A group takes the scalar step (`encode_avx512::scalar_group`) from the same states,
//! lane by lane, when a symbol is escaped or a row is out of range (a source breaking its
//! contract meets the scalar path's bounds check, never an unchecked load). Each round's
//! bins are loaded a round ahead of its state update, so their loads are off the states'
//! dependency chain.

use std::arch::x86_64::*;

use crate::encode_avx512::scalar_group;
use crate::error::Result;
use crate::lanes::{Arrays, EncodeSource, LaneWords, ScaleRows, SourceArrays, MAX_LANES};
use crate::prefetch;
use crate::table::{CdfTable, EncSymbol, Row};

/// Lanes per group (two vectors of four states).
const GROUP: usize = 8;
/// Most groups a round has.
const MAX_GROUPS: usize = MAX_LANES / GROUP;

/// `true` when this CPU can run [`encode_rounds`] for `table` (bin indexes are 32-bit in
/// the table: fewer than 2^32 CDF entries, checked when it is built).
pub(crate) fn usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("popcnt")
        && table.enc_symbols().len() <= u32::MAX as usize
}

/// Where lane `k`'s low word sits after [`Kernel::commit`]'s `vshufps` of the two state
/// vectors (lanes 0-3 and 4-7): `[l0 l1 l4 l5 | l2 l3 l6 l7]`.
const LOW_WORD_AT: [u8; GROUP] = [0, 1, 4, 5, 2, 3, 6, 7];

/// For each 8-bit mask of the lanes that renormalise: the positions (in the shuffled
/// words, [`LOW_WORD_AT`]) of their low words, lane 7's first, packed at the front. The
/// other entries are 0 (their words are written past the round's count and never kept).
const WORDS_OUT: [[u8; GROUP]; 256] = {
    let mut t = [[0u8; GROUP]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut j, mut k) = (0, GROUP);
        while k > 0 {
            k -= 1;
            if m & (1 << k) != 0 {
                t[m][j] = LOW_WORD_AT[k];
                j += 1;
            }
        }
        m += 1;
    }
    t
};

/// A group's eight bins as their 8-byte halves, four lanes a vector: the reciprocals and
/// the rest of each `EncSymbol` (`bias | cmpl_freq << 32 | tag << 48 | shift << 56`).
#[derive(Clone, Copy)]
struct Bins {
    rcp: [__m256i; 2],
    meta: [__m256i; 2],
}

/// One group of a round, prepared ahead of its state update: its inputs (kept for the
/// scalar step) and its bins when the vector step applies.
#[derive(Clone, Copy)]
struct Prepared {
    syms: [i32; GROUP],
    rows: [u32; GROUP],
    bins: Option<Bins>,
}

const EMPTY: Prepared = Prepared {
    syms: [0; GROUP],
    rows: [0; GROUP],
    bins: None,
};

/// One table's constants for the kernel.
struct Kernel<'t> {
    rows: &'t [Row],
    /// `table.enc_symbols()`, 16-byte aligned records.
    bins: *const __m128i,
    /// `2^p`, four times.
    one: __m256i,
    /// `63 - p`: `x_max = freq << (63 - p)`.
    shl_max: __m128i,
}

impl Kernel<'_> {
    #[target_feature(enable = "avx2")]
    fn new(table: &CdfTable) -> Kernel<'_> {
        let p = table.precision();
        Kernel {
            rows: table.rows(),
            bins: table.enc_symbols().as_ptr() as *const __m128i,
            one: _mm256_set1_epi64x(1i64 << p),
            shl_max: _mm_set_epi64x(0, 63 - p as i64),
        }
    }

    /// The state-free half of a group's step: the eight bins' `EncSymbol`s for `syms`
    /// with `rows`, or `None` when the group must take the scalar step (a row out of
    /// range, or an escape). Each lane's bin index is `escape::direct_bin`'s, in scalar
    /// code (branch-free but for the row's bounds check, which a source keeping its
    /// contract always passes).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn prepare(&self, syms: &[i32; GROUP], rows: &[u32; GROUP]) -> Option<Bins> {
        let mut ix = [0usize; GROUP];
        let mut direct = true;
        for k in 0..GROUP {
            let row = self.rows.get(rows[k] as usize)?;
            // As `direct_bin`: the value in 64 bits, `0 <= value < max_value` as one
            // unsigned compare.
            let value = syms[k] as i64 - row.offset as i64;
            let ok = (value as u64) < row.max_value as u64;
            ix[k] = if ok {
                row.base as usize + value as usize
            } else {
                0
            };
            direct &= ok;
        }
        if !direct {
            return None;
        }
        // SAFETY: each `ix[k]` is `row.base + bin` for a bin below the row's `max_value`,
        // an `EncSymbol` of that row (`CdfTable::enc_symbol`'s indexing); the records are
        // 16-byte aligned (`EncSymbol` is `align(16)`).
        Some(unsafe { self.load_bins(&ix) })
    }

    /// The `EncSymbol`s at `ix`: eight 16-byte loads, two to a vector, and four unpacks.
    ///
    /// # Safety
    /// Every `ix[k]` is below `enc_symbols().len()`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn load_bins(&self, ix: &[usize; GROUP]) -> Bins {
        // SAFETY: the caller's contract; each record is 16 aligned bytes.
        let pair = |a: usize, b: usize| unsafe {
            _mm256_inserti128_si256::<1>(
                _mm256_castsi128_si256(_mm_load_si128(self.bins.add(ix[a]))),
                _mm_load_si128(self.bins.add(ix[b])),
            )
        };
        // [record 0 | record 2] and [record 1 | record 3]: unpacking their 8-byte halves
        // gives lanes 0, 1, 2, 3 in order.
        let (a0, a1, b0, b1) = (pair(0, 2), pair(1, 3), pair(4, 6), pair(5, 7));
        Bins {
            rcp: [_mm256_unpacklo_epi64(a0, a1), _mm256_unpacklo_epi64(b0, b1)],
            meta: [_mm256_unpackhi_epi64(a0, a1), _mm256_unpackhi_epi64(b0, b1)],
        }
    }

    /// The other half: lanes `0..8` of `x` (two vectors of four) code `bins`. The words of
    /// the lanes that renormalise go to `dst[..count]`, lane 7's first, as the scalar
    /// encoder pushes them; then `x + bias + (mulhi(x, rcp) >> shift) · cmpl_freq`, as
    /// `rans::enc_put`. Returns the new states and `count`.
    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    fn commit(
        &self,
        x: [__m256i; 2],
        bins: &Bins,
        dst: &mut [u32; GROUP],
    ) -> ([__m256i; 2], usize) {
        let low16 = _mm256_set1_epi64x(0xffff);
        let mut cmpl = [_mm256_setzero_si256(); 2];
        let mut keep = [_mm256_setzero_si256(); 2];
        for h in 0..2 {
            cmpl[h] = _mm256_and_si256(_mm256_srli_epi64::<32>(bins.meta[h]), low16);
            let x_max = _mm256_sll_epi64(_mm256_sub_epi64(self.one, cmpl[h]), self.shl_max);
            // Lanes below x_max keep their state (signed compare: both below 2^63).
            keep[h] = _mm256_cmpgt_epi64(x_max, x[h]);
        }
        let kept = _mm256_movemask_pd(_mm256_castsi256_pd(keep[0]))
            | _mm256_movemask_pd(_mm256_castsi256_pd(keep[1])) << 4;
        let emit = !kept as usize & 0xff;
        // The eight low words in one vector (`LOW_WORD_AT`), then the emitting lanes'
        // packed, lane 7's first.
        let lows = _mm256_castps_si256(_mm256_shuffle_ps::<0b10_00_10_00>(
            _mm256_castsi256_ps(x[0]),
            _mm256_castsi256_ps(x[1]),
        ));
        // SAFETY: a table row is 8 bytes; `dst` is 8 u32 (32 bytes).
        unsafe {
            let perm =
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(WORDS_OUT[emit].as_ptr() as *const __m128i));
            let packed = _mm256_permutevar8x32_epi32(lows, perm);
            _mm256_storeu_si256(dst.as_mut_ptr() as *mut __m256i, packed);
        }
        let low32 = _mm256_set1_epi64x(0xffff_ffff);
        let mut out = [_mm256_setzero_si256(); 2];
        for h in 0..2 {
            let meta = bins.meta[h];
            let x = _mm256_blendv_epi8(_mm256_srli_epi64::<32>(x[h]), x[h], keep[h]);
            let q = _mm256_srlv_epi64(mulhi(x, bins.rcp[h]), _mm256_srli_epi64::<56>(meta));
            // q < 2^47 and cmpl < 2^16: q * cmpl from two 32x32 products.
            let c = cmpl[h];
            let qc = _mm256_add_epi64(
                _mm256_mul_epu32(q, c),
                _mm256_slli_epi64::<32>(_mm256_mul_epu32(_mm256_srli_epi64::<32>(q), c)),
            );
            let bias = _mm256_and_si256(meta, low32);
            out[h] = _mm256_add_epi64(_mm256_add_epi64(x, bias), qc);
        }
        (out, emit.count_ones() as usize)
    }
}

/// The high 64 bits of `a * b` for four unsigned 64-bit lanes, from four 32x32 → 64-bit
/// products: `a b = hh 2^64 + (lh + hl) 2^32 + ll`. (The high halves by `vpshufd`, not a
/// shift: LLVM turns `vpmuludq` of two shifted operands into a 64x64 → 128-bit multiply,
/// four scalar `mul`s here; see `encode_avx512::mulhi`.)
#[target_feature(enable = "avx2")]
#[inline]
fn mulhi(a: __m256i, b: __m256i) -> __m256i {
    let (ah, bh) = (
        _mm256_shuffle_epi32::<0b10_11_00_01>(a),
        _mm256_shuffle_epi32::<0b10_11_00_01>(b),
    );
    let ll = _mm256_mul_epu32(a, b);
    let lh = _mm256_mul_epu32(a, bh);
    let hl = _mm256_mul_epu32(ah, b);
    let hh = _mm256_mul_epu32(ah, bh);
    let low32 = _mm256_set1_epi64x(0xffff_ffff);
    // The carry out of the low 64 bits: ll's high half plus the low halves of lh and hl
    // (below 3 * 2^32, no overflow).
    let mid = _mm256_add_epi64(
        _mm256_srli_epi64::<32>(ll),
        _mm256_add_epi64(_mm256_and_si256(lh, low32), _mm256_and_si256(hl, low32)),
    );
    _mm256_add_epi64(
        _mm256_add_epi64(hh, _mm256_srli_epi64::<32>(mid)),
        _mm256_add_epi64(_mm256_srli_epi64::<32>(lh), _mm256_srli_epi64::<32>(hl)),
    )
}

/// Where a group's eight symbols and rows come from: positions `pos .. pos + 8`. Rows are
/// `u32`; one that does not fit is `u32::MAX`, out of range like any other.
trait GroupInput {
    /// Fills `syms` and `rows`, and returns the mask of the positions that might be bad:
    /// always 0 for an input whose positions passed the source's check before they are
    /// coded; an input that is not checked first ([`Floats`]) flags every position the
    /// check would refuse.
    ///
    /// # Safety
    /// The CPU has AVX2; `pos + 8` is within the source's length and, unless the input
    /// flags bad positions itself, its positions passed the source's check.
    unsafe fn group(&self, pos: usize, syms: &mut [i32; GROUP], rows: &mut [u32; GROUP]) -> u8;
}

/// Any source, through [`EncodeSource::get_round`].
struct ByRound<'a, S>(&'a S);

impl<S: EncodeSource> GroupInput for ByRound<'_, S> {
    #[inline(always)]
    unsafe fn group(&self, pos: usize, syms: &mut [i32; GROUP], rows: &mut [u32; GROUP]) -> u8 {
        let mut wide = [0usize; GROUP];
        self.0.get_round(pos, syms, &mut wide);
        for k in 0..GROUP {
            rows[k] = u32::try_from(wide[k]).unwrap_or(u32::MAX);
        }
        0
    }
}

/// Checked symbol and row arrays (`format::encode`).
struct Ints<'a> {
    symbols: &'a [i32],
    rows: &'a [i32],
}

impl GroupInput for Ints<'_> {
    #[inline(always)]
    unsafe fn group(&self, pos: usize, syms: &mut [i32; GROUP], rows: &mut [u32; GROUP]) -> u8 {
        let (s, r) = (
            &self.symbols[pos..pos + GROUP],
            &self.rows[pos..pos + GROUP],
        );
        for k in 0..GROUP {
            // A negative row read as unsigned is out of range.
            (syms[k], rows[k]) = (s[k], r[k] as u32);
        }
        0
    }
}

/// `ScaleCoder`'s floats: symbols `values - means` rounded, rows from the scale lookup.
struct Floats<'a> {
    values: &'a [f32],
    means: Option<&'a [f32]>,
    scales: &'a [f32],
    /// The lookup's `OneEntry`s as integers: every `bits >> shift` of an `f32` names one.
    entries: &'a [u64],
    bound: f32,
    shift: u32,
}

impl<'a> Floats<'a> {
    /// `None` unless the lookup has an entry for every `bits >> shift` (always, for a
    /// lookup `ScaleCoder` built).
    fn new(values: &'a [f32], means: Option<&'a [f32]>, rows: ScaleRows<'a>) -> Option<Self> {
        let (one, shift) = (rows.lookup.one, rows.lookup.shift);
        if !(1..32).contains(&shift) || one.len() < 1usize << (32 - shift) {
            return None;
        }
        // SAFETY: `OneEntry` is a `repr(transparent)` `u64`: the same memory, as integers.
        let entries = unsafe { std::slice::from_raw_parts(one.as_ptr() as *const u64, one.len()) };
        Some(Floats {
            values,
            means,
            scales: rows.scales,
            entries,
            bound: rows.lookup.bound,
            shift,
        })
    }
}

impl GroupInput for Floats<'_> {
    /// Flags every position the source's check refuses: a NaN scale, and a NaN or an
    /// out-of-range difference by its symbol, `i32::MIN` (also the symbol of a valid
    /// difference of exactly `-2^31`, which the check then passes).
    #[inline(always)]
    unsafe fn group(&self, pos: usize, syms: &mut [i32; GROUP], rows: &mut [u32; GROUP]) -> u8 {
        let v = &self.values[pos..pos + GROUP];
        let m = self.means.map(|m| &m[pos..pos + GROUP]);
        let sc = &self.scales[pos..pos + GROUP];
        let (mut bits, mut ix) = ([0u32; GROUP], [0u32; GROUP]);
        // SAFETY: 8 f32 each, 8 i32 / u32 outputs; the caller has AVX2.
        let (nan, min) = unsafe {
            let mut d = _mm256_loadu_ps(v.as_ptr());
            if let Some(m) = m {
                d = _mm256_sub_ps(d, _mm256_loadu_ps(m.as_ptr()));
            }
            // Round to nearest in MXCSR's mode (half to even unless a caller changed it),
            // like the scalar encoder's magic-number rounding; exact for every `d` inside
            // `i32`, and `i32::MIN` for the others.
            let s = _mm256_cvtps_epi32(d);
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, s);
            let min = _mm256_cmpeq_epi32(s, _mm256_set1_epi32(i32::MIN));
            let scales = _mm256_loadu_ps(sc.as_ptr());
            let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(scales, scales);
            // `OneCompare::get`: the scale clamped to the bound (`vmaxps` keeps a NaN),
            // its bucket `bits >> shift`.
            let clamped = _mm256_castps_si256(_mm256_max_ps(_mm256_set1_ps(self.bound), scales));
            let bucket = _mm256_srl_epi32(clamped, _mm_cvtsi32_si128(self.shift as i32));
            _mm256_storeu_si256(bits.as_mut_ptr() as *mut __m256i, clamped);
            _mm256_storeu_si256(ix.as_mut_ptr() as *mut __m256i, bucket);
            (
                _mm256_movemask_ps(nan) as u8,
                _mm256_movemask_ps(_mm256_castsi256_ps(min)) as u8,
            )
        };
        for k in 0..GROUP {
            // `OneEntry::row_of`; a NaN scale takes row 0.
            let row = (u64::from(bits[k]).wrapping_sub(self.entries[ix[k] as usize]) >> 32) as u32;
            rows[k] = if nan >> k & 1 != 0 { 0 } else { row };
        }
        nan | min
    }
}

/// Whole rounds `rounds - 1` down to 0 of positions `start ..`, every lane in the ordinary
/// regime: `lanes::encode_rounds` eight lanes a group. `N` is 8, 16 or 32. `check` is the
/// positions' check: called first, unless the kernel checks them itself (the floats of
/// [`Arrays::Floats`]). On an error the states and words hold garbage.
///
/// # Safety
/// [`usable`] returned `true` for `table`.
#[target_feature(enable = "avx2,popcnt")]
pub(crate) unsafe fn encode_rounds<S: EncodeSource, const N: usize>(
    table: &CdfTable,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    match src.arrays() {
        Some(SourceArrays(Arrays::Ints { symbols, rows })) => {
            check()?;
            let input = Ints { symbols, rows };
            rounds_from::<_, _, N>(table, &input, src, start, rounds, x, words);
            return Ok(());
        }
        Some(SourceArrays(Arrays::Floats {
            values,
            means,
            rows,
        })) => {
            if let Some(input) = Floats::new(values, means, rows) {
                if rounds_from::<_, _, N>(table, &input, src, start, rounds, x, words) {
                    // Some position was flagged: the check decides (and the block's first
                    // bad input, if any, is its error).
                    src.check(start, rounds * N)?;
                }
                return Ok(());
            }
        }
        None => {}
    }
    check()?;
    rounds_from::<_, _, N>(table, &ByRound(src), src, start, rounds, x, words);
    Ok(())
}

/// [`encode_rounds`] with the inputs from `input` (read from `src`, which also prefetches
/// them). Returns whether any position was flagged as possibly bad
/// ([`GroupInput::group`]); the loop itself never stops early (as in the AVX-512 kernel:
/// an early return kept more of the loop's values on the stack there).
#[target_feature(enable = "avx2,popcnt")]
fn rounds_from<I: GroupInput, S: EncodeSource, const N: usize>(
    table: &CdfTable,
    input: &I,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
) -> bool {
    if rounds == 0 {
        return false;
    }
    let groups = N / GROUP;
    let kernel = Kernel::new(table);
    let p = table.precision();
    let mut lx = [[_mm256_setzero_si256(); 2]; MAX_GROUPS];
    for (g, v) in lx.iter_mut().enumerate().take(groups) {
        for (h, half) in v.iter_mut().enumerate() {
            let lanes = &x[g * GROUP + 4 * h..g * GROUP + 4 * h + 4];
            // SAFETY: 4 u64 (32 bytes).
            *half = unsafe { _mm256_loadu_si256(lanes.as_ptr() as *const __m256i) };
        }
    }
    let mut lw = std::mem::take(words);
    // Round r's bins are loaded while round r + 1's states update.
    let mut next = [EMPTY; MAX_GROUPS];
    // SAFETY (every prepared round is below `rounds`): we have the features, and the
    // caller's positions were checked or the input flags them.
    let mut flagged =
        unsafe { prepare_round::<I, N>(&kernel, input, start + (rounds - 1) * N, &mut next) };
    for r in (0..rounds).rev() {
        let this = next;
        // The block checked next (the encoder goes down).
        if let Some(ahead) = (start + r * N).checked_sub(prefetch::AHEAD) {
            src.prefetch(ahead);
        }
        if r > 0 {
            // SAFETY: as above.
            flagged |=
                unsafe { prepare_round::<I, N>(&kernel, input, start + (r - 1) * N, &mut next) };
        }
        // Words of this round written above the stack's top, not yet counted in it.
        let mut count = 0;
        for g in (0..groups).rev() {
            // A group writes at most 8 words and the window holds N: the groups above
            // this one wrote at most 8 each since the window was last reserved.
            let Some(dst) = lw.window::<N>()[count..].first_chunk_mut::<GROUP>() else {
                unreachable!("a round's window holds 8 words per group")
            };
            let prep = &this[g];
            match &prep.bins {
                Some(bins) => {
                    let (nx, c) = kernel.commit(lx[g], bins, dst);
                    lx[g] = nx;
                    count += c;
                }
                None => {
                    let mut xs = [0u64; GROUP];
                    for (h, half) in lx[g].iter().enumerate() {
                        // SAFETY: 4 u64 (32 bytes).
                        unsafe {
                            _mm256_storeu_si256(xs[4 * h..].as_mut_ptr() as *mut __m256i, *half)
                        };
                    }
                    (xs, lw, count) =
                        scalar_group::<N>(table, p, &prep.syms, &prep.rows, xs, lw, count);
                    for (h, half) in lx[g].iter_mut().enumerate() {
                        // SAFETY: 4 u64 (32 bytes).
                        *half =
                            unsafe { _mm256_loadu_si256(xs[4 * h..].as_ptr() as *const __m256i) };
                    }
                }
            }
        }
        lw.len += count;
    }
    for (g, v) in lx.iter().enumerate().take(groups) {
        for (h, half) in v.iter().enumerate() {
            let lanes = &mut x[g * GROUP + 4 * h..g * GROUP + 4 * h + 4];
            // SAFETY: 4 u64 (32 bytes).
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, *half) };
        }
    }
    *words = lw;
    flagged != 0
}

/// The groups of the round at positions `base .. base + N`, prepared into `out`; returns
/// the union of their flags ([`GroupInput::group`]). (Inlined into [`rounds_from`], whose
/// features it then has; no closure goes through a std function, which would be compiled
/// without them: see the traps in docs/PERFORMANCE.md.)
///
/// # Safety
/// The CPU has AVX2; positions `base .. base + N` passed the source's check, or the input
/// checks itself.
#[inline(always)]
unsafe fn prepare_round<I: GroupInput, const N: usize>(
    kernel: &Kernel<'_>,
    input: &I,
    base: usize,
    out: &mut [Prepared; MAX_GROUPS],
) -> u8 {
    let mut flagged = 0;
    for (g, o) in out.iter_mut().enumerate().take(N / GROUP) {
        // SAFETY: the caller's contract.
        flagged |= unsafe { input.group(base + g * GROUP, &mut o.syms, &mut o.rows) };
        // SAFETY: the caller's contract (the CPU has AVX2).
        o.bins = unsafe { kernel.prepare(&o.syms, &o.rows) };
    }
    flagged
}

const _: () = assert!(std::mem::size_of::<EncSymbol>() == 16);
