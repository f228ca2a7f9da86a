//! The lanes encoder with AVX-512: eight lanes per instruction.
//!
//! The scalar encoder (`chunk/encode.rs`) spends about 70 instructions per symbol, and its step is
//! a chain the CPU cannot shorten: the `EncSymbol` load, a 64x64 → 128-bit multiply for the
//! division by the frequency, a shift, a multiply and an add. AVX-512 has what AVX2 lacks
//! for doing eight of those at once: unsigned 64-bit compares into mask registers,
//! `vpcompressd` for the words, and enough 32x32 → 64-bit multiplies per cycle to build
//! the high half of the 64x64 product from four of them (or, where the CPU has IFMA and
//! the table's precision is 14 to 16, the quotient from two 52-bit multiplies:
//! `simd/ifma_bins.rs`, [`Kernel::commit_ifma`]). So a group of eight lanes makes
//! its step together: each bin's index comes from its row's `base - offset` permuted from
//! registers (tables of at most 64 rows, checked by the bin's row tag, see
//! `Kernel::small`) or from the rows' fields gathered, the bins' `EncSymbol`s are gathered
//! a round ahead, the renormalising
//! lanes' low words are packed in the scalar encoder's order (lane 7 first) into the
//! round's word window, and the state update `x + bias + (mulhi(x, rcp) >> shift) ·
//! cmpl_freq` is the scalar one, bit for bit. The bytes are therefore the scalar encoder's,
//! whichever encoder runs (tests/encode_simd.rs and the fuzz target `encode_agree` check
//! this).
//!
//! A group takes the scalar step instead, lane by lane and from the same states, when a
//! symbol is escaped or a row is out of range (a source breaking its contract meets the
//! scalar path's bounds check, never an unchecked gather). `ScaleCoder`'s floats are not
//! checked in a pass of their own before they are coded: the kernel notes every group
//! holding a NaN scale or a symbol of `i32::MIN` (what `vcvtps2dq` makes of NaN and of
//! any value outside `i32`), two compares a group, and a block with such a group gets the
//! source's check afterwards, its bytes dropped if the check fails. (The bad inputs code
//! as some symbol of some row meanwhile: every row the scale lookup gives exists, and an
//! `i32::MIN` symbol is an escape.) The kernel is chosen at run time
//! (the wheel is built for baseline x86-64): CPUs without AVX-512 keep the scalar encoder,
//! and `FASTRANS_SIMD=0` / `testing::with_scalar_lanes` turn it off.

use std::arch::x86_64::*;
use std::mem::{offset_of, size_of};

use crate::coding::escape::direct_bin;
use crate::coding::rans::enc_put;
use crate::error::Result;
use crate::lanes::round::put_escaped;
use crate::lanes::traits::{Arrays, EncodeSource, SourceArrays, MAX_LANES};
use crate::lanes::words::{LaneWords, RoundWords};
use crate::simd::avx512_scale::Scales;
use crate::simd::ifma_bins::{self, IfmaBin};
use crate::simd::prefetch;
use crate::tables::cdf_table::{CdfTable, Row};
use crate::tables::enc_symbol::{EncSymbol, NO_ROW_TAG};

mod input;
use input::{ByRound, Floats, GroupInput, Ints};

/// Lanes per vector group.
const GROUP: usize = 8;
/// Most groups a round has.
const MAX_GROUPS: usize = MAX_LANES / GROUP;
/// A [`Row`] in 32-bit words: the stride of the row gathers.
const ROW_WORDS: usize = size_of::<Row>() / 4;
const _: () = assert!(size_of::<Row>().is_multiple_of(4) && size_of::<EncSymbol>() == 16);

/// `true` when this CPU can run [`encode_rounds`] for `table`: gather indexes are signed
/// 32-bit (`row * ROW_WORDS` and `2 * symbol index` must fit).
pub(crate) fn usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("popcnt")
        && table.num_tables() <= i32::MAX as usize / ROW_WORDS
        && table.enc_symbols().len() <= i32::MAX as usize / 2
}

/// `true` when this CPU can also run the IFMA form of the kernel for `table` (its
/// precision at least `ifma_bins::MIN_PRECISION`; `usable` must hold too).
pub(crate) fn ifma_usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx512ifma") && table.precision() >= ifma_bins::MIN_PRECISION
}

/// Tables with at most this many rows keep their rows' `base - offset` in registers.
const SMALL_ROWS: usize = 64;
const _: () = assert!(SMALL_ROWS < NO_ROW_TAG as usize);

/// For each 8-bit mask, the mask with its bits in reverse order (lane 7 ↔ lane 0).
const REVERSED: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut m = 0;
    while m < 256 {
        t[m] = (m as u8).reverse_bits();
        m += 1;
    }
    t
};

/// One table's constants for the kernel.
struct Kernel {
    /// Field pointers into `table.rows()`, one per gathered field.
    row_base: *const i32,
    row_max: *const i32,
    row_offset: *const i32,
    /// For tables of at most [`SMALL_ROWS`] rows whose symbols cannot wrap (see
    /// [`Kernel::new`]), every row's `base - offset` in registers (16 rows a vector): a
    /// bin's index is then `symbol + base - offset`, and the bin's [`EncSymbol::tag`] tells
    /// whether it codes that symbol of that row directly (one permute instead of three
    /// gathers, and no bounds from the row).
    small: Option<[__m512i; 4]>,
    /// The number of `EncSymbol`s, eight times (the small path's bounds check).
    num_syms: __m256i,
    /// `table.enc_symbols()`: the reciprocals, and the 8 bytes after each.
    rcp: *const i64,
    meta: *const i64,
    num_rows: __m256i,
    /// `2^p`, eight times.
    one: __m512i,
    /// `63 - p`: `x_max = freq << (63 - p)`.
    shl_max: __m128i,
    /// `p`, for the IFMA step's `q << p`.
    shl_p: __m128i,
    /// The permute that takes the states' low halves, lane 7's first, to the low eight
    /// 32-bit elements. Passed through `black_box` once, here: given the constant, LLVM
    /// lowered the one `vpermd` to an extract, a `vshufps` and a `vpermpd` (three uops on
    /// the two ports that take 512-bit work, which bound this kernel).
    reverse_words: __m512i,
}

impl Kernel {
    /// The kernel's constants; with `ifma`, its bins are `ifma_bins::bins(table)` (the same
    /// 16-byte stride and indexes as the `EncSymbol`s, so the gathers do not change).
    #[target_feature(enable = "avx512f")]
    fn new(table: &CdfTable, ifma: bool) -> Kernel {
        let rows = table.rows().as_ptr();
        // The IFMA bins are made (on the table's first IFMA encode) only for the IFMA step.
        let (rcp, meta) = match ifma.then(|| ifma_bins::bins(table)) {
            Some(Some(bins)) => {
                let at = |off: usize| bins.as_ptr().wrapping_byte_add(off) as *const i64;
                (at(offset_of!(IfmaBin, div)), at(offset_of!(IfmaBin, meta)))
            }
            Some(None) => unreachable!("`ifma_usable` holds the table to the IFMA precisions"),
            None => {
                let syms = table.enc_symbols().as_ptr();
                let at = |off: usize| syms.wrapping_byte_add(off) as *const i64;
                (
                    at(offset_of!(EncSymbol, rcp)),
                    at(offset_of!(EncSymbol, bias)),
                )
            }
        };
        let p = table.precision();
        // `wrapping_byte_add`: field addresses inside the first row (or one past an empty
        // table's end: never dereferenced then, every row index is checked first).
        let field = |off: usize| rows.wrapping_byte_add(off) as *const i32;
        // `symbol + (base - offset)` in 32 bits lands on one of the row's direct bins
        // only for the symbol `offset + bin` when no row has `offset + max_value > 2^31`:
        // otherwise a symbol 2^32 below one of its direct symbols would wrap onto it.
        let no_wrap = table
            .rows()
            .iter()
            .all(|r| r.offset as i64 + r.max_value as i64 <= 1 << 31);
        let small = (table.num_tables() <= SMALL_ROWS && no_wrap).then(|| {
            let mut v = [0i32; SMALL_ROWS];
            for (d, r) in v.iter_mut().zip(table.rows()) {
                *d = (r.base as i32).wrapping_sub(r.offset);
            }
            // SAFETY: 16 i32 from each quarter of `v`.
            std::array::from_fn(|q| unsafe {
                _mm512_loadu_si512(v[16 * q..].as_ptr() as *const __m512i)
            })
        });
        Kernel {
            small,
            row_base: field(offset_of!(Row, base)),
            row_max: field(offset_of!(Row, max_value)),
            row_offset: field(offset_of!(Row, offset)),
            rcp,
            meta,
            num_rows: _mm256_set1_epi32(table.num_tables() as i32),
            num_syms: _mm256_set1_epi32(table.enc_symbols().len() as i32),
            one: _mm512_set1_epi64(1i64 << p),
            shl_max: _mm_set_epi64x(0, 63 - p as i64),
            shl_p: _mm_set_epi64x(0, p as i64),
            reverse_words: std::hint::black_box(_mm512_setr_epi32(
                14, 12, 10, 8, 6, 4, 2, 0, 14, 12, 10, 8, 6, 4, 2, 0,
            )),
        }
    }

    /// The state-free half of a group's step: the eight bins' `EncSymbol`s for `syms`
    /// with `rows`, or `None` when the group must take the scalar step (a row out of
    /// range, or an escape). Nothing here waits on the states, so the encoder prepares
    /// the next round while this one's states update.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw")]
    #[inline]
    fn prepare<const IFMA: bool>(&self, syms: __m256i, rows: __m256i) -> Option<Bins> {
        if _mm256_cmpge_epu32_mask(rows, self.num_rows) != 0 {
            return None;
        }
        match &self.small {
            Some(bo) => self.prepare_small::<IFMA>(syms, rows, bo),
            None => self.prepare_gathered(syms, rows),
        }
    }

    /// [`Kernel::prepare`] for a small table, rows in range: each bin fetched at
    /// `symbol + base - offset` (when inside the table) and kept when its tag names the
    /// lane's row (`Kernel::small`).
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw")]
    #[inline]
    fn prepare_small<const IFMA: bool>(
        &self,
        syms: __m256i,
        rows: __m256i,
        bo: &[__m512i; 4],
    ) -> Option<Bins> {
        let ix = _mm512_castsi256_si512(rows);
        let upper = _mm512_test_epi32_mask(ix, _mm512_set1_epi32(32));
        let lo = _mm512_permutex2var_epi32(bo[0], ix, bo[1]);
        let hi = _mm512_permutex2var_epi32(bo[2], ix, bo[3]);
        let bo = _mm512_castsi512_si256(_mm512_mask_mov_epi32(lo, upper, hi));
        let ix = _mm256_add_epi32(syms, bo);
        if _mm256_cmplt_epu32_mask(ix, self.num_syms) != 0xff {
            return None;
        }
        // Below enc_symbols().len() (just checked), and twice that fits i32 (`usable`).
        let ix2 = _mm256_add_epi32(ix, ix);
        // SAFETY: each index names an existing 16-byte `EncSymbol`; `rcp` and `meta` point
        // at its two 8-byte halves (no padding: its last two bytes are `tag` and `shift`).
        let bins = unsafe { self.gather_bins(ix2) };
        // The tag is byte 6 of an `EncSymbol`'s `meta`, byte 3 of an `IfmaBin`'s: compare it
        // with the row, eight bytes at once.
        let wide = _mm512_cvtepu32_epi64(rows);
        let (want, tag_bytes) = if IFMA {
            const _: () = assert!(ifma_bins::TAG_SHIFT == 24);
            (_mm512_slli_epi64::<24>(wide), 0x0808_0808_0808_0808)
        } else {
            (_mm512_slli_epi64::<48>(wide), 0x4040_4040_4040_4040)
        };
        let tags = _mm512_mask_cmpeq_epi8_mask(tag_bytes, bins.meta, want);
        (tags == tag_bytes).then_some(bins)
    }

    /// [`Kernel::prepare`] with the rows' fields gathered, rows in range.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq")]
    #[inline]
    fn prepare_gathered(&self, syms: __m256i, rows: __m256i) -> Option<Bins> {
        // Below num_tables() <= i32::MAX / ROW_WORDS (`usable`): the gather offsets fit.
        // SAFETY: every row index is below `num_tables()` (checked by `prepare`), so each
        // gather reads an `i32` field of an existing `Row`.
        let (base, max_value, offset) = unsafe {
            let rix = _mm256_mullo_epi32(rows, _mm256_set1_epi32(ROW_WORDS as i32));
            (
                _mm256_i32gather_epi32::<4>(self.row_base, rix),
                _mm256_i32gather_epi32::<4>(self.row_max, rix),
                _mm256_i32gather_epi32::<4>(self.row_offset, rix),
            )
        };
        // value = symbol - offset, direct when 0 <= value < max_value as in `direct_bin`
        // (which subtracts in 64 bits): in 32 bits a subtraction that overflows is never
        // direct. Overflow of s - o = v: (s ^ o) & (s ^ v) has its sign bit set.
        let value = _mm256_sub_epi32(syms, offset);
        let overflow = _mm256_movepi32_mask(_mm256_ternarylogic_epi32::<0x18>(syms, offset, value));
        let direct = _mm256_cmplt_epu32_mask(value, max_value) & !overflow;
        if direct != 0xff {
            return None;
        }
        // `base + value` indexes a bin of an existing row: below enc_symbols().len(), and
        // twice that fits i32 (`usable`).
        let ix = _mm256_add_epi32(base, value);
        // SAFETY: each index names an existing 16-byte `EncSymbol`.
        Some(unsafe { self.gather_bins(_mm256_add_epi32(ix, ix)) })
    }

    /// The `EncSymbol`s at `ix2 / 2`, as their two 8-byte halves.
    ///
    /// # Safety
    /// Every `ix2[k] / 2` is below `enc_symbols().len()` (and `ix2[k]` is even).
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn gather_bins(&self, ix2: __m256i) -> Bins {
        // SAFETY: the caller's contract; a record is two 8-byte words, `rcp` and `meta`
        // point at its halves.
        unsafe {
            Bins {
                rcp: _mm512_i32gather_epi64::<8>(ix2, self.rcp),
                meta: _mm512_i32gather_epi64::<8>(ix2, self.meta),
            }
        }
    }

    /// The other half: lanes `0..8` of `x` code `bins`. The words of the lanes that
    /// renormalise go to `dst[..count]`, lane 7's first, as the scalar encoder pushes them.
    /// Returns the new states and `count`.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,popcnt")]
    #[inline]
    fn commit(&self, x: __m512i, bins: Bins, dst: &mut [u32; GROUP]) -> (__m512i, usize) {
        let Bins { rcp, meta } = bins;
        let low32 = _mm512_set1_epi64(0xffff_ffff);
        let bias = _mm512_and_si512(meta, low32);
        let cmpl = _mm512_and_si512(_mm512_srli_epi64::<32>(meta), _mm512_set1_epi64(0xffff));
        let shift = _mm512_srli_epi64::<56>(meta);
        let (x, count) = self.renormalise(x, _mm512_sub_epi64(self.one, cmpl), dst);
        // x = x + bias + (mulhi(x, rcp) >> shift) * cmpl_freq, as `rans::enc_put`.
        let q = _mm512_srlv_epi64(mulhi(x, rcp), shift);
        // q < 2^47 and cmpl < 2^16: q * cmpl from two 32x32 products.
        let qc = _mm512_add_epi64(
            _mm512_mul_epu32(q, cmpl),
            _mm512_slli_epi64::<32>(_mm512_mul_epu32(_mm512_srli_epi64::<32>(q), cmpl)),
        );
        let x = _mm512_add_epi64(_mm512_add_epi64(x, bias), qc);
        (x, count)
    }

    /// Both steps' renormalisation: with `x_max = freq << (63 - p)`, the lanes at or above
    /// it emit their low word to `dst` (lane 7's first, packed) and shift it out. Returns
    /// the states and the number of words.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,popcnt")]
    #[inline]
    fn renormalise(&self, x: __m512i, freq: __m512i, dst: &mut [u32; GROUP]) -> (__m512i, usize) {
        let x_max = _mm512_sll_epi64(freq, self.shl_max);
        let emit = _mm512_cmpge_epu64_mask(x, x_max);
        // The eight low words, lane 7's first: one permute of the states' 32-bit halves.
        let reversed = _mm512_castsi512_si256(_mm512_permutexvar_epi32(self.reverse_words, x));
        let packed = _mm256_maskz_compress_epi32(REVERSED[emit as usize], reversed);
        // SAFETY: `dst` is 8 u32 (32 bytes).
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr() as *mut __m256i, packed) };
        (
            _mm512_mask_srli_epi64::<32>(x, emit, x),
            emit.count_ones() as usize,
        )
    }

    /// [`Kernel::commit`] for [`IfmaBin`]s: the same renormalisation, then `q = x / freq`
    /// and `r = x mod freq` by two 52-bit multiplies and one correction
    /// (`simd/ifma_bins.rs` shows why it is exact), and `x = q << p + r + start`. Eleven vector
    /// instructions where `commit` takes 25 for the division and update.
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx512ifma,popcnt")]
    #[inline]
    fn commit_ifma(&self, x: __m512i, bins: Bins, dst: &mut [u32; GROUP]) -> (__m512i, usize) {
        let Bins { rcp: div, meta } = bins;
        let freq = _mm512_and_si512(meta, _mm512_set1_epi64(ifma_bins::FREQ_MASK as i64));
        let (x, count) = self.renormalise(x, freq, dst);
        // xs = x >> s (s in div's bits 52..58); q = (xs * R) >> 52 reads R from div's low
        // 52 bits alone.
        let xs = _mm512_srlv_epi64(x, _mm512_srli_epi64::<52>(div));
        let zero = _mm512_setzero_si512();
        let q = _mm512_madd52hi_epu64(zero, xs, div);
        let mask52 = _mm512_set1_epi64(ifma_bins::MASK52 as i64);
        let qf = _mm512_madd52lo_epu64(zero, q, freq);
        let r = _mm512_and_si512(_mm512_sub_epi64(x, qf), mask52);
        let low = _mm512_cmpge_epu64_mask(r, freq);
        let q = _mm512_mask_sub_epi64(q, low, q, _mm512_set1_epi64(-1));
        let r = _mm512_mask_sub_epi64(r, low, r, freq);
        let start = _mm512_srli_epi64::<{ ifma_bins::START_SHIFT }>(meta);
        let x = _mm512_add_epi64(_mm512_add_epi64(_mm512_sll_epi64(q, self.shl_p), r), start);
        (x, count)
    }
}

/// A group's eight bins, ready for the state update: each one's `EncSymbol` as its two
/// 8-byte halves (the reciprocal; bias, complement frequency and shift).
#[derive(Clone, Copy)]
struct Bins {
    rcp: __m512i,
    meta: __m512i,
}

/// One group of a round, prepared ahead of its state update: its inputs (kept for the
/// scalar step) and its bins when the vector step applies.
#[derive(Clone, Copy)]
struct Prepared {
    syms: __m256i,
    rows: __m256i,
    bins: Option<Bins>,
}

/// The high 64 bits of `a * b` for eight unsigned 64-bit lanes, from four 32x32 → 64-bit
/// products: `a b = hh 2^64 + (lh + hl) 2^32 + ll`.
#[target_feature(enable = "avx512f")]
#[inline]
fn mulhi(a: __m512i, b: __m512i) -> __m512i {
    // The high halves by swapping each element's two 32-bit halves (`vpshufd`), not by a
    // shift: LLVM recognises the shift form as a 128-bit multiply and turns it into eight
    // scalar `mul`s, which lengthen the whole step (docs/PERFORMANCE.md, "The AVX-512
    // encoder").
    let (ah, bh) = (
        _mm512_shuffle_epi32::<_MM_PERM_CDAB>(a),
        _mm512_shuffle_epi32::<_MM_PERM_CDAB>(b),
    );
    let ll = _mm512_mul_epu32(a, b);
    let lh = _mm512_mul_epu32(a, bh);
    let hl = _mm512_mul_epu32(ah, b);
    let hh = _mm512_mul_epu32(ah, bh);
    let low32 = _mm512_set1_epi64(0xffff_ffff);
    // The carry out of the low 64 bits: ll's high half plus the low halves of lh and hl
    // (below 3 * 2^32, no overflow).
    let mid = _mm512_add_epi64(
        _mm512_srli_epi64::<32>(ll),
        _mm512_add_epi64(_mm512_and_si512(lh, low32), _mm512_and_si512(hl, low32)),
    );
    _mm512_add_epi64(
        _mm512_add_epi64(hh, _mm512_srli_epi64::<32>(mid)),
        _mm512_add_epi64(_mm512_srli_epi64::<32>(lh), _mm512_srli_epi64::<32>(hl)),
    )
}

/// Whole rounds `rounds - 1` down to 0 of positions `start ..`, every lane in the ordinary
/// regime: `chunk::encode_rounds` eight lanes at a time. `N` is 8, 16 or 32. `check` is
/// the positions' check: called first, unless the kernel checks them itself (the floats of
/// [`Arrays::Floats`]). On an error the states and words hold garbage.
///
/// # Safety
/// [`usable`] returned `true` for `table`.
// `chunk::encode_rounds`'s arguments, and which step to take.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,popcnt")]
pub(crate) unsafe fn encode_rounds<S: EncodeSource, const N: usize>(
    table: &CdfTable,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
    check: impl FnOnce() -> Result<()>,
    ifma: bool,
) -> Result<()> {
    match src.arrays() {
        Some(SourceArrays(Arrays::Ints { symbols, rows })) => {
            check()?;
            let input = Ints { symbols, rows };
            // SAFETY: the caller checked `usable`, and `ifma_usable` for `ifma`.
            unsafe { run::<_, _, N>(ifma, table, &input, src, start, rounds, x, words) };
            return Ok(());
        }
        Some(SourceArrays(Arrays::Floats {
            values,
            means,
            rows,
            ..
        })) => {
            if let Some(rows) = Scales::new(rows) {
                let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
                let input = Floats {
                    values,
                    means,
                    rows,
                    odd: std::hint::black_box(odd),
                };
                // SAFETY: the caller checked `usable`, and `ifma_usable` for `ifma`.
                if unsafe { run::<_, _, N>(ifma, table, &input, src, start, rounds, x, words) } {
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
    // SAFETY: the caller checked `usable`, and `ifma_usable` for `ifma`.
    unsafe { run::<_, _, N>(ifma, table, &ByRound(src), src, start, rounds, x, words) };
    Ok(())
}

/// [`rounds_from_ifma`] when `ifma`, else [`rounds_from`].
///
/// # Safety
/// [`usable`] returned `true` for `table`, and [`ifma_usable`] too when `ifma`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn run<I: GroupInput, S: EncodeSource, const N: usize>(
    ifma: bool,
    table: &CdfTable,
    input: &I,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
) -> bool {
    // SAFETY: the caller's contract: the CPU has each function's features.
    unsafe {
        if ifma {
            rounds_from_ifma::<I, S, N>(table, input, src, start, rounds, x, words)
        } else {
            rounds_from::<I, S, N>(table, input, src, start, rounds, x, words)
        }
    }
}

/// [`encode_rounds`] with the inputs from `input` (read from `src`, which also prefetches
/// them). Returns whether any position was flagged as possibly bad (see
/// [`GroupInput::group`]); the loop itself never stops early: an early return or a
/// `Result` here makes LLVM keep more of the loop's values on the stack
/// (docs/PERFORMANCE.md, "The AVX-512 encoder").
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,popcnt")]
fn rounds_from<I: GroupInput, S: EncodeSource, const N: usize>(
    table: &CdfTable,
    input: &I,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
) -> bool {
    rounds_body::<I, S, N, false>(table, input, src, start, rounds, x, words)
}

/// [`rounds_from`] with the IFMA step ([`Kernel::commit_ifma`]): a function of its own, the
/// only one compiled with `avx512ifma`, so that no IFMA instruction can reach a CPU
/// without it.
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx512ifma,popcnt")]
fn rounds_from_ifma<I: GroupInput, S: EncodeSource, const N: usize>(
    table: &CdfTable,
    input: &I,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
) -> bool {
    rounds_body::<I, S, N, true>(table, input, src, start, rounds, x, words)
}

/// The loop of [`rounds_from`] and [`rounds_from_ifma`], inlined into each (one call
/// site each; `#[inline(always)]` is not allowed with target features).
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,popcnt")]
#[inline]
fn rounds_body<I: GroupInput, S: EncodeSource, const N: usize, const IFMA: bool>(
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
    let kernel = Kernel::new(table, IFMA);
    let p = table.precision();
    let mut lx = [_mm512_setzero_si512(); MAX_GROUPS];
    for (g, v) in lx.iter_mut().enumerate().take(groups) {
        // SAFETY: lanes 8g .. 8g + 8 exist (N is a multiple of 8).
        *v = unsafe { _mm512_loadu_si512(x[g * GROUP..].as_ptr() as *const __m512i) };
    }
    let mut lw = std::mem::take(words);
    // Round r's bins are gathered while round r + 1's states update: the gathers' latency
    // (rows, then bins) is off the states' path.
    // SAFETY: each prepared round is below `rounds`, we have the features, and the
    // caller's positions were checked.
    let (mut next, mut flagged) =
        unsafe { prepare_round::<I, N, IFMA>(&kernel, input, start + (rounds - 1) * N) };
    for r in (0..rounds).rev() {
        let this = next;
        // The block checked next (the encoder goes down).
        if let Some(ahead) = (start + r * N).checked_sub(prefetch::AHEAD) {
            src.prefetch(ahead);
        }
        if r > 0 {
            // SAFETY: as above.
            let (prepared, bad) =
                unsafe { prepare_round::<I, N, IFMA>(&kernel, input, start + (r - 1) * N) };
            (next, flagged) = (prepared, flagged | bad);
        }
        // Words of this round written above the stack's top, not yet counted in it.
        let mut count = 0;
        for g in (0..groups).rev() {
            // A group writes at most 8 words and the window holds N: the groups above
            // this one wrote at most 8 each since the window was last reserved.
            let Some(dst) = lw.window::<N>()[count..].first_chunk_mut::<GROUP>() else {
                unreachable!("a round's window holds 8 words per group")
            };
            let Prepared { syms, rows, bins } = this[g];
            match bins {
                Some(bins) => {
                    let (nx, c) = if IFMA {
                        // SAFETY: only `rounds_from_ifma` runs this, on a CPU with IFMA
                        // (`ifma_usable`).
                        unsafe { kernel.commit_ifma(lx[g], bins, dst) }
                    } else {
                        kernel.commit(lx[g], bins, dst)
                    };
                    lx[g] = nx;
                    count += c;
                }
                None => {
                    let (mut xs, mut sy, mut rw) = ([0u64; GROUP], [0i32; GROUP], [0u32; GROUP]);
                    // SAFETY: 8 u64, 8 i32 and 8 u32.
                    unsafe {
                        _mm512_storeu_si512(xs.as_mut_ptr() as *mut __m512i, lx[g]);
                        _mm256_storeu_si256(sy.as_mut_ptr() as *mut __m256i, syms);
                        _mm256_storeu_si256(rw.as_mut_ptr() as *mut __m256i, rows);
                    }
                    (xs, lw, count) = scalar_group::<N>(table, p, &sy, &rw, xs, lw, count);
                    // SAFETY: 8 u64.
                    lx[g] = unsafe { _mm512_loadu_si512(xs.as_ptr() as *const __m512i) };
                }
            }
        }
        lw.len += count;
    }
    for (g, v) in lx.iter().enumerate().take(groups) {
        // SAFETY: lanes 8g .. 8g + 8 exist.
        unsafe { _mm512_storeu_si512(x[g * GROUP..].as_mut_ptr() as *mut __m512i, *v) };
    }
    *words = lw;
    flagged != 0
}

/// The groups of the round at positions `base .. base + N`, prepared, and the union of
/// their flags ([`GroupInput::group`]). (Always inlined into
/// [`rounds_from`], whose features it then has. It was first a closure handed to
/// `std::array::from_fn`: `from_fn` is compiled without the features, so the closure
/// could not be inlined into it and each round became calls, the prepared round passing
/// through memory.)
///
/// # Safety
/// The CPU has the kernel's features; positions `base .. base + N` passed the source's
/// check, or the input checks itself.
#[inline(always)]
unsafe fn prepare_round<I: GroupInput, const N: usize, const IFMA: bool>(
    kernel: &Kernel,
    input: &I,
    base: usize,
) -> ([Prepared; MAX_GROUPS], __mmask8) {
    // SAFETY: the caller's contract (the CPU has AVX, which the kernel's features imply).
    let zero = unsafe { _mm256_setzero_si256() };
    let empty = Prepared {
        syms: zero,
        rows: zero,
        bins: None,
    };
    let mut out = [empty; MAX_GROUPS];
    let mut flagged = 0;
    for (g, o) in out.iter_mut().enumerate().take(N / GROUP) {
        // SAFETY: the caller's contract.
        let (syms, rows, bad) = unsafe { input.group(base + g * GROUP) };
        flagged |= bad;
        *o = Prepared {
            syms,
            rows,
            // SAFETY: the caller's contract (the CPU has the features).
            bins: unsafe { kernel.prepare::<IFMA>(syms, rows) },
        };
    }
    (out, flagged)
}

/// A group through the scalar step, lane 7 first, from states `x`, with `count` words of
/// the round already above the stack's top (escapes go out of line, as in
/// `chunk::encode_rounds`). Rare, so out of line. Returns the states, the stack and the
/// round's count of uncounted words. (The AVX2 encoder, `encode_avx2.rs`, shares it.)
#[cold]
#[inline(never)]
pub(crate) fn scalar_group<const N: usize>(
    table: &CdfTable,
    p: u32,
    syms: &[i32; GROUP],
    rows: &[u32; GROUP],
    mut x: [u64; GROUP],
    mut lw: LaneWords,
    mut count: usize,
) -> ([u64; GROUP], LaneWords, usize) {
    for i in (0..GROUP).rev() {
        // Out of range (a broken source): the bounds check here, as in the scalar encoder.
        let row = table.row(rows[i] as usize);
        match direct_bin(row, syms[i]) {
            Some(bin) => {
                let mut sink = RoundWords {
                    win: lw.window::<N>(),
                    count,
                };
                enc_put(&mut x[i], &mut sink, table.enc_symbol(row, bin), p);
                count = sink.count;
            }
            None => {
                lw.len += count;
                (x[i], lw) = put_escaped(x[i], lw, table, syms[i], rows[i] as usize, p);
                count = 0;
            }
        }
    }
    (x, lw, count)
}
