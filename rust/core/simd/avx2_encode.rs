//! The lanes encoder with AVX2: eight lanes a group, four 64-bit states a vector.
//!
//! For CPUs with AVX2 and no AVX-512 (Intel client cores since Alder Lake, AMD Zen 2 and 3,
//! many cloud instances), and for every CPU under `FASTRANS_SIMD=avx2`. It makes the scalar
//! encoder's step (`rans::enc_put`) bit for bit, so the bytes are the scalar encoder's
//! whichever encoder runs (tests/encode_simd.rs and the fuzz target `encode_agree` hold the
//! three encoders to the same bytes and errors).
//!
//! What AVX2 lacks, and what the kernel does instead (the AVX-512 kernel,
//! `simd/avx512_encode.rs`, has all of these in hardware):
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
//! - **Slow gathers** (Zen 3: `vpgatherdd` measured slower than scalar loads in the
//!   decoder). The bins' 16-byte `EncSymbol`s come from eight 16-byte loads and four
//!   unpacks. For tables of at most 255 rows a bin is fetched at `symbol + base - offset`
//!   and kept when its row tag names the lane's row, as in the AVX-512 kernel; for others
//!   a lane's bin index is the row's fields and `escape::direct_bin`'s compare in scalar
//!   code ([`Kernel::prepare`]).
//!
//! `ScaleCoder`'s floats are read here (`EncodeSource::arrays`): differences rounded by
//! `vcvtps2dq` (nearest in MXCSR's mode, as the scalar magic-number rounding), scales
//! clamped and bucketed eight wide. With the coder's records (`tables/scale_bins.rs`,
//! small tables) each bucket's 16-byte record gives the row and `base - offset` of both
//! candidate rows, so the row and the bin index are found eight lanes a vector
//! (`input::FloatBins`; the stored indexes are read back by loads, `simd/reload.rs`);
//! otherwise each bucket's `OneEntry` is a scalar load, the row
//! `(scale bits - entry) >> 32` four lanes a vector, and the bin index scalar code as for
//! integer inputs.
//!
//! Records are addressed by byte offsets, eight made by one vector shift. On W1 the loop
//! takes about 31 instructions a symbol against the scalar lanes' 65; what that buys is in
//! docs/PERFORMANCE.md, "The AVX2 encoder". As in the AVX-512 kernel
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
use std::mem::size_of;

use crate::error::Result;
use crate::lanes::traits::{Arrays, EncodeSource, SourceArrays, MAX_LANES};
use crate::lanes::words::LaneWords;
use crate::simd::avx512_encode::scalar_group;
use crate::simd::prefetch;
use crate::simd::reload::reload;
use crate::tables::cdf_table::{CdfTable, Row};
use crate::tables::enc_symbol::{EncSymbol, NO_ROW_TAG};

mod input;
use input::{ByRound, FloatBins, Floats, GroupInput, Ints};

/// Lanes per group (two vectors of four states).
const GROUP: usize = 8;
/// Most groups a round has.
const MAX_GROUPS: usize = MAX_LANES / GROUP;

/// `true` when this CPU can run [`encode_rounds`] for `table`: the byte offsets of its
/// `EncSymbol`s fit 32 bits (at most 2^28 of them, 4 GiB).
pub(crate) fn usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("popcnt")
        && table.enc_symbols().len() <= MAX_RECORDS
}

/// The most 16-byte records whose byte offsets fit `u32`. The kernel addresses records
/// by byte offset: a vector shift for eight lanes where each index took a scalar one.
pub(super) const MAX_RECORDS: usize = 1 << 28;

/// Where lane `k`'s low word sits after [`Kernel::commit`]'s `vshufps` of the two state
/// vectors (lanes 0-3 and 4-7): `[l0 l1 l4 l5 | l2 l3 l6 l7]`.
const LOW_WORD_AT: [u8; GROUP] = [0, 1, 4, 5, 2, 3, 6, 7];

/// For each 8-bit mask of the lanes that renormalise, in the shuffled order (bit
/// `LOW_WORD_AT[k]` for lane `k`, the order the same `vshufps` of the compare results
/// gives): the positions of their low words, lane 7's first, packed at the front. The
/// other entries are 0 (their words are written past the round's count and never kept).
const WORDS_OUT: [[u8; GROUP]; 256] = {
    let mut t = [[0u8; GROUP]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut j, mut k) = (0, GROUP);
        while k > 0 {
            k -= 1;
            if m & (1 << LOW_WORD_AT[k]) != 0 {
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
    /// Rows zero-extended (one that does not fit `u32` is `u32::MAX`).
    rows: [u64; GROUP],
    bins: Option<Bins>,
}

const EMPTY: Prepared = Prepared {
    syms: [0; GROUP],
    rows: [0; GROUP],
    bins: None,
};

/// Tables with at most this many rows find a bin at `symbol + base - offset` and check it
/// by its tag ([`Kernel::prepare_small`]): every row number fits a tag below
/// `NO_ROW_TAG`.
const SMALL_ROWS: usize = NO_ROW_TAG as usize;

/// One table's constants for the kernel.
struct Kernel<'t> {
    rows: &'t [Row],
    /// For tables of at most [`SMALL_ROWS`] rows whose symbols cannot wrap (see
    /// [`Kernel::new`]): every row's `base - offset`, 0 past the last row.
    small: Option<[i32; 256]>,
    /// The last `EncSymbol`'s index: a row's padding record, tagged `NO_ROW_TAG`.
    last: u32,
    /// The row count, four times.
    num_rows: __m256i,
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
        let rows = table.rows();
        // `symbol + (base - offset)` in 32 bits lands on one of the row's direct bins only
        // for the symbol `offset + bin` when no row has `offset + max_value > 2^31`:
        // otherwise a symbol 2^32 below one of its direct symbols would wrap onto it.
        let no_wrap = || {
            rows.iter()
                .all(|r| r.offset as i64 + r.max_value as i64 <= 1 << 31)
        };
        let small = (rows.len() <= SMALL_ROWS && no_wrap()).then(|| {
            let mut bo = [0i32; 256];
            for (d, r) in bo.iter_mut().zip(rows) {
                *d = (r.base as i32).wrapping_sub(r.offset);
            }
            bo
        });
        Kernel {
            rows,
            small,
            // Every table has a row, and every row ends with its padding record.
            last: table.enc_symbols().len().saturating_sub(1) as u32,
            num_rows: _mm256_set1_epi64x(rows.len() as i64),
            bins: table.enc_symbols().as_ptr() as *const __m128i,
            one: _mm256_set1_epi64x(1i64 << p),
            shl_max: _mm_set_epi64x(0, 63 - p as i64),
        }
    }

    /// The state-free half of a group's step: the eight bins' `EncSymbol`s for `syms`
    /// with `rows` (`rv`: the rows as two vectors of four), or `None` when the group must
    /// take the scalar step (a row out of range, or an escape). Inlined into the loop
    /// (LLVM had kept it a call, its lanes' values on the stack).
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[inline(always)]
    unsafe fn prepare(
        &self,
        syms: &[i32; GROUP],
        rows: &[u64; GROUP],
        rv: [__m256i; 2],
    ) -> Option<Bins> {
        // SAFETY: the caller's contract.
        unsafe {
            match &self.small {
                Some(bo) => self.prepare_small(syms, rows, rv, bo),
                None => self.prepare_rows(syms, rows),
            }
        }
    }

    /// [`Kernel::prepare`] for a small table: each bin fetched at `symbol + base - offset`
    /// (clamped into the table) and kept when its tag names the lane's row and the row is
    /// in range. With no row wrapping (`Kernel::new`), the tag names the row exactly when
    /// the bin codes that symbol of that row directly; past the table the clamp gives the
    /// last row's padding record, tagged `NO_ROW_TAG`. Per lane, a load, an add and a
    /// `min` where the rows' fields take three loads and a 64-bit compare.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[inline(always)]
    unsafe fn prepare_small(
        &self,
        syms: &[i32; GROUP],
        rows: &[u64; GROUP],
        rv: [__m256i; 2],
        bo: &[i32; 256],
    ) -> Option<Bins> {
        let mut at = [0u32; GROUP];
        for k in 0..GROUP {
            let b = bo[(rows[k] & 0xff) as usize];
            // At most `last`, below `MAX_RECORDS` (`usable`): the offset fits.
            at[k] = (syms[k].wrapping_add(b) as u32).min(self.last) * 16;
        }
        // SAFETY: every offset is at most `last`'s; the caller has AVX2.
        unsafe { self.prepare_at(&at, rv) }
    }

    /// The bins at byte offsets `at` (each lane's index by the small-table rule, clamped
    /// to `last`, times 16), kept when every tag names its lane's row `rv` and the row is
    /// in range: see [`Kernel::prepare_small`].
    ///
    /// # Safety
    /// The CPU has AVX2, and every `at[k]` is at most `16 * last`, a multiple of 16.
    #[inline(always)]
    unsafe fn prepare_at(&self, at: &[u32; GROUP], rv: [__m256i; 2]) -> Option<Bins> {
        // SAFETY: the caller's contract.
        let bins = unsafe { self.load_bins(at) };
        // SAFETY: the caller has AVX2.
        let ok = unsafe {
            let good = |h: usize| {
                let tags = _mm256_and_si256(
                    _mm256_srli_epi64::<48>(bins.meta[h]),
                    _mm256_set1_epi64x(0xff),
                );
                // Rows are zero-extended 32-bit values: the signed compare is exact.
                _mm256_and_si256(
                    _mm256_cmpeq_epi64(tags, rv[h]),
                    _mm256_cmpgt_epi64(self.num_rows, rv[h]),
                )
            };
            _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_and_si256(good(0), good(1))))
        };
        (ok == 0xf).then_some(bins)
    }

    /// [`Kernel::prepare`] for any table: each lane's bin index is `escape::direct_bin`'s
    /// from its row's fields, in scalar code.
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[inline(always)]
    unsafe fn prepare_rows(&self, syms: &[i32; GROUP], rows: &[u64; GROUP]) -> Option<Bins> {
        let mut at = [0u32; GROUP];
        let mut direct = true;
        for k in 0..GROUP {
            let (i, ok) = match self.rows.get(rows[k] as usize) {
                Some(row) => {
                    // As `direct_bin`: the value in 64 bits, `0 <= value < max_value` as
                    // one unsigned compare.
                    let value = syms[k] as i64 - row.offset as i64;
                    let ok = (value as u64) < row.max_value as u64;
                    (
                        if ok {
                            // Below the table's length, which fits `u32` (`usable`).
                            row.base + value as u32
                        } else {
                            0
                        },
                        ok,
                    )
                }
                None => (0, false),
            };
            // Below the table's length, at most `MAX_RECORDS` (`usable`).
            at[k] = i * 16;
            direct &= ok;
        }
        // SAFETY: each `at[k]` is 16 times 0 or `row.base + bin` for a bin below the
        // row's `max_value`, an `EncSymbol` of that row (`CdfTable::enc_symbol`'s
        // indexing).
        direct.then(|| unsafe { self.load_bins(&at) })
    }

    /// The `EncSymbol`s at byte offsets `at`: eight 16-byte loads, two to a vector, and
    /// four unpacks.
    ///
    /// # Safety
    /// The CPU has AVX2, and every `at[k]` is 16 times an index below
    /// `enc_symbols().len()`.
    #[inline(always)]
    unsafe fn load_bins(&self, at: &[u32; GROUP]) -> Bins {
        // SAFETY: the caller's contract; each record is 16 aligned bytes (`EncSymbol` is
        // `align(16)`).
        let pair = |a: usize, b: usize| unsafe {
            _mm256_inserti128_si256::<1>(
                _mm256_castsi128_si256(_mm_load_si128(self.bins.byte_add(at[a] as usize))),
                _mm_load_si128(self.bins.byte_add(at[b] as usize)),
            )
        };
        // [record 0 | record 2] and [record 1 | record 3]: unpacking their 8-byte halves
        // gives lanes 0, 1, 2, 3 in order.
        let (a0, a1, b0, b1) = (pair(0, 2), pair(1, 3), pair(4, 6), pair(5, 7));
        // SAFETY: the caller has AVX2.
        unsafe {
            Bins {
                rcp: [_mm256_unpacklo_epi64(a0, a1), _mm256_unpacklo_epi64(b0, b1)],
                meta: [_mm256_unpackhi_epi64(a0, a1), _mm256_unpackhi_epi64(b0, b1)],
            }
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
        // The eight low words in one vector (`LOW_WORD_AT`), and the lanes that keep
        // their state in the same order, from the compares' low halves: one `vmovmskps`
        // (two `vmovmskpd` and a shift, LLVM merged into a chain of packs).
        let evens = |a: __m256i, b: __m256i| {
            _mm256_shuffle_ps::<0b10_00_10_00>(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b))
        };
        let lows = _mm256_castps_si256(evens(x[0], x[1]));
        let emit = !_mm256_movemask_ps(evens(keep[0], keep[1])) as usize & 0xff;
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
            // The shift is below 16; masked to 6 bits so that LLVM knows it is below 64
            // (else it guards `vpsrlvq` with a compare and a mask: 3 instructions).
            let shift = _mm256_and_si256(_mm256_srli_epi64::<56>(meta), _mm256_set1_epi64x(63));
            let q = _mm256_srlv_epi64(mulhi(x, bins.rcp[h]), shift);
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

/// Whole rounds `rounds - 1` down to 0 of positions `start ..`, every lane in the ordinary
/// regime: `chunk::encode_rounds` eight lanes a group. `N` is 8, 16 or 32. `check` is the
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
    let k = &Kernel::new(table);
    match src.arrays() {
        Some(SourceArrays(Arrays::Ints { symbols, rows })) => {
            check()?;
            let input = Ints { symbols, rows };
            rounds_from::<_, _, N>(k, table, &input, src, start, rounds, x, words);
            return Ok(());
        }
        Some(SourceArrays(Arrays::Floats {
            values,
            means,
            rows,
            bins,
        })) => {
            if let Some(floats) = Floats::new(values, means, rows) {
                // The records serve where the small-table rule does (`FloatBins::new`).
                let bins = bins.filter(|_| k.small.is_some());
                let flagged = match bins.and_then(|b| FloatBins::new(floats, b, k.last)) {
                    Some(input) => {
                        rounds_from::<_, _, N>(k, table, &input, src, start, rounds, x, words)
                    }
                    None => rounds_from::<_, _, N>(k, table, &floats, src, start, rounds, x, words),
                };
                if flagged {
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
    rounds_from::<_, _, N>(k, table, &ByRound(src), src, start, rounds, x, words);
    Ok(())
}

/// [`encode_rounds`] with the inputs from `input` (read from `src`, which also prefetches
/// them). Returns whether any position was flagged as possibly bad
/// ([`GroupInput::group`]); the loop itself never stops early (as in the AVX-512 kernel:
/// an early return kept more of the loop's values on the stack there).
#[target_feature(enable = "avx2,popcnt")]
#[allow(clippy::too_many_arguments)]
fn rounds_from<I: GroupInput, S: EncodeSource, const N: usize>(
    kernel: &Kernel<'_>,
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
    // Round r's bins are loaded while round r + 1's states update, into the other of two
    // buffers (a copy of the prepared round each round measured slower).
    // The two buffers change places each round by their references, which stay in
    // registers (picking one by the round's parity took index arithmetic a group).
    let (mut one, mut two) = ([EMPTY; MAX_GROUPS], [EMPTY; MAX_GROUPS]);
    let (mut this, mut next) = (&mut one, &mut two);
    // SAFETY: (every prepared round is below `rounds`) we have the features, and the
    // caller's positions were checked or the input flags them.
    let mut flagged =
        unsafe { prepare_round::<I, N>(kernel, input, start + (rounds - 1) * N, this) };
    for r in (0..rounds).rev() {
        // The block checked next (the encoder goes down).
        if let Some(ahead) = (start + r * N).checked_sub(prefetch::AHEAD) {
            src.prefetch(ahead);
        }
        if r > 0 {
            // SAFETY: as above.
            flagged |= unsafe { prepare_round::<I, N>(kernel, input, start + (r - 1) * N, next) };
        }
        // Words of this round written above the stack's top, not yet counted in it.
        let mut count = 0;
        let mut win = lw.window::<N>().as_mut_ptr();
        // Groups from the last, as the scalar encoder goes from lane N - 1 down. One call
        // per group with a constant index: looping over the groups kept their states in
        // memory.
        let [s0, s1, s2, s3] = &mut lx;
        // SAFETY: (each call) we have the features; `win` is this round's window, taken
        // again after any scalar step, and each group's `count` is at most 8 a group above.
        unsafe {
            if groups > 3 {
                step::<N>(
                    kernel, table, p, s3, &this[3], &mut lw, &mut count, &mut win,
                );
            }
            if groups > 2 {
                step::<N>(
                    kernel, table, p, s2, &this[2], &mut lw, &mut count, &mut win,
                );
            }
            if groups > 1 {
                step::<N>(
                    kernel, table, p, s1, &this[1], &mut lw, &mut count, &mut win,
                );
            }
            step::<N>(
                kernel, table, p, s0, &this[0], &mut lw, &mut count, &mut win,
            );
        }
        lw.len += count;
        std::mem::swap(&mut this, &mut next);
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

/// One group's state update: states `s` code the prepared group `prep`, its words going
/// above the stack's top after the `count` the round has written, into the window `win`.
/// (A function, always inlined: as a closure LLVM kept it a call.)
///
/// # Safety
/// The CPU has AVX2 and POPCNT; `win` is `lw.window::<N>()`'s first word, taken since `lw`
/// last changed, and `count + 8 <= N` (a group writes at most 8 words: the groups above
/// this one wrote at most 8 each since the window was taken).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn step<const N: usize>(
    kernel: &Kernel<'_>,
    table: &CdfTable,
    p: u32,
    s: &mut [__m256i; 2],
    prep: &Prepared,
    lw: &mut LaneWords,
    count: &mut usize,
    win: &mut *mut u32,
) {
    debug_assert!(*count + GROUP <= N);
    match &prep.bins {
        Some(bins) => {
            // SAFETY: the caller's contract: words `count .. count + 8` of the window are
            // free words of `lw`'s buffer, and nothing else refers to them meanwhile. (One
            // window a round instead of a checked one a group: 10 instructions a group.)
            let (nx, c) = unsafe {
                let dst = &mut *((*win).add(*count) as *mut [u32; GROUP]);
                kernel.commit(*s, bins, dst)
            };
            *s = nx;
            *count += c;
        }
        None => {
            let taken = std::mem::take(lw);
            (*s, *lw, *count) = scalar_step::<N>(table, p, prep, *s, taken, *count);
            // The buffer may have grown, and the top moved.
            *win = lw.window::<N>().as_mut_ptr();
        }
    }
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
        let mut at = [0u32; GROUP];
        // SAFETY: the caller's contract; an input that finds the bins clamps each index
        // to `last` (`GroupInput::group`) and gives its byte offset.
        unsafe {
            let (rv, bad) = input.group(base + g * GROUP, &mut o.syms, &mut o.rows, &mut at);
            flagged |= bad;
            o.bins = if I::FINDS_BINS {
                kernel.prepare_at(&reload(&at), rv)
            } else {
                kernel.prepare(&o.syms, &o.rows, rv)
            };
        }
    }
    flagged
}

/// A group through the scalar step (`encode_avx512::scalar_group`) from its states `x`,
/// with `count` words of the round above the stack's top. Out of line: rare.
#[cold]
#[inline(never)]
fn scalar_step<const N: usize>(
    table: &CdfTable,
    p: u32,
    prep: &Prepared,
    x: [__m256i; 2],
    lw: LaneWords,
    count: usize,
) -> ([__m256i; 2], LaneWords, usize) {
    let (mut xs, mut rows) = ([0u64; GROUP], [0u32; GROUP]);
    for (k, r) in rows.iter_mut().enumerate() {
        // Rows were zero-extended from `u32`.
        *r = prep.rows[k] as u32;
    }
    // SAFETY: `[__m256i; 2]` is 64 bytes (asserted below), eight u64 in lane order.
    unsafe {
        std::ptr::copy_nonoverlapping(x.as_ptr() as *const u64, xs.as_mut_ptr(), GROUP);
    }
    let (xs, lw, count) = scalar_group::<N>(table, p, &prep.syms, &rows, xs, lw, count);
    let mut out = x;
    // SAFETY: as above.
    unsafe {
        std::ptr::copy_nonoverlapping(xs.as_ptr(), out.as_mut_ptr() as *mut u64, GROUP);
    }
    (out, lw, count)
}

const _: () = assert!(std::mem::size_of::<EncSymbol>() == 16 && size_of::<[__m256i; 2]>() == 64);
