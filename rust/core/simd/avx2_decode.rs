//! The lanes decoder with AVX2: eight lanes per instruction.
//!
//! The scalar decoder (`chunk/decode.rs`) spends about 100 instructions per symbol, and with
//! eight or more independent lanes it is bound by that count, not by latency. Here a
//! group of eight lanes goes through the decoding step together. The eight rows' records
//! ([`LaneRow`](crate::tables::cdf_table::LaneRow)) are fetched by 16-byte loads and a transpose, the
//! eight 8-byte buckets by a 16-byte load each and four shuffles (`load_halves`; gathers
//! were slower on Zen 3).
//! The compares and selects run eight wide, and the 64-bit state update four wide. The
//! renormalisation reads the group's words with one unaligned load and a permute per
//! four lanes: the lanes that need a word take consecutive words, in lane order, exactly
//! as the scalar decoder reads them.
//!
//! The eight-wide work runs in a shuffled lane order ([`ORDER`]), the one in which a
//! single-cycle shuffle moves 32-bit halves in and out of the four-wide 64-bit states, so
//! the state's dependency chain carries no cross-lane permute. A round's rows (for
//! `ScaleCoder`, a lookup of the scales: loads of their own) are found a round ahead,
//! so the state's chain does not wait for them.
//!
//! A group's step is split in two. [`Kernel::plan`] makes the step and its checks and
//! reads no words; [`Kernel::commit`] renormalises. So two groups can be in flight: the
//! two halves of a 16- or 32-lane round, or the same round of two chunks
//! ([`decode_rounds_pair`], for a thread with several chunks to do). With one group of
//! eight, the kernel waits on one round's latency.
//!
//! Only the common case is vectorised. A group falls back to the scalar round
//! ([`decode_round`]), from the same states, in several cases: a row out of range (a
//! broken target), a slot outside its bucket's pair of bins, an escape bin, a symbol that
//! would leave `i32`, or fewer than eight words left in the chunk. So the two decoders
//! agree by construction, and every error comes from the scalar code. The kernel is
//! chosen at run time: the wheel is built for baseline x86-64, and CPUs without AVX2
//! keep the scalar decoder.
//!
//! The AVX2 encoder is `simd/avx2_encode.rs`.

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use crate::coding::rans::{WordReader, RANS_L};
use crate::error::Result;
use crate::lanes::round::{decode_round, ChunkLanes};
use crate::lanes::traits::{put_values, DecodeTarget, MAX_LANES};
use crate::simd::avx2_scale::{load_halves, Lookup8};
use crate::simd::prefetch;
use crate::simd::reload::reload;
use crate::tables::cdf_table::CdfTable;

/// Lanes per vector group.
const GROUP: usize = 8;

/// `true` when this CPU can run [`decode_rounds`] for `table` (rows and bucket indexes are
/// compared and computed in 32 bits).
pub(crate) fn usable(table: &CdfTable) -> bool {
    let rows = table.lane_rows().len();
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("popcnt")
        && table.buckets().len() <= u32::MAX as usize
        && (1..=u32::MAX as usize).contains(&rows)
}

/// The order in which a group's eight lanes sit in its 32-bit vectors: position `k` holds
/// lane `ORDER[k]`. It is the order `vshufps` gives when it takes the low (or high) 32-bit
/// halves of two vectors of four 64-bit states, and `vpunpckldq` / `vpunpckhdq` with zero
/// turn it back into the two vectors of 64-bit lanes, zero-extended: one single-cycle
/// shuffle each way, where lane order took a cross-lane permute and `vpmovzxdq` with
/// `vextracti128` (3 to 6 cycles) on the state's dependency chain. The order is its own
/// inverse.
const ORDER: [usize; GROUP] = [0, 1, 4, 5, 2, 3, 6, 7];

/// For each mask of the lanes that need a word, bit `k` for lane `ORDER[k]` (as
/// [`need_mask`] gives it): 16 bytes, lane `i`'s word index at byte `2 i` and zero at
/// byte `2 i + 1`. Lane `i` takes word number "lanes below `i` that need one" of the next
/// eight (lanes that need none take any). Bytes 0-7 widened to 32 bits permute the words
/// into the low halves of lanes 0-3's 64-bit elements, bytes 8-15 into those of lanes 4-7.
const WORD_SPREAD: [[u8; 16]; 256] = {
    let mut t = [[0u8; 16]; 256];
    let mut m = 0;
    while m < 256 {
        let mut needs = [false; GROUP];
        let mut k = 0;
        while k < GROUP {
            needs[ORDER[k]] = m & (1 << k) != 0;
            k += 1;
        }
        let mut i = 0;
        let mut below = 0u8;
        while i < GROUP {
            t[m][2 * i] = below;
            if needs[i] {
                below += 1;
            }
            i += 1;
        }
        m += 1;
    }
    t
};

/// The low 32 bits of eight 64-bit values (`a` = lanes 0-3, `b` = 4-7), in [`ORDER`].
#[target_feature(enable = "avx2")]
#[inline]
fn low_halves(a: __m256i, b: __m256i) -> __m256i {
    let (a, b) = (_mm256_castsi256_ps(a), _mm256_castsi256_ps(b));
    _mm256_castps_si256(_mm256_shuffle_ps::<0b10_00_10_00>(a, b))
}

/// Eight 32-bit values in [`ORDER`] as two vectors of four zero-extended 64-bit ones
/// (lanes 0-3, lanes 4-7).
#[target_feature(enable = "avx2")]
#[inline]
fn widen(v: __m256i) -> (__m256i, __m256i) {
    let zero = _mm256_setzero_si256();
    (
        _mm256_unpacklo_epi32(v, zero),
        _mm256_unpackhi_epi32(v, zero),
    )
}

/// The lanes whose 64-bit states `na`, `nb` (lanes 0-3, 4-7) are below `L`, as a mask
/// with bit `k` for lane `ORDER[k]`, and `n - L` for each vector: its sign is the same
/// set of lanes, for `vblendvpd`. (States are below 2^63.)
#[target_feature(enable = "avx2")]
#[inline]
fn need_mask(na: __m256i, nb: __m256i, l: __m256i) -> (usize, __m256d, __m256d) {
    let (ta, tb) = (
        _mm256_castsi256_ps(_mm256_sub_epi64(na, l)),
        _mm256_castsi256_ps(_mm256_sub_epi64(nb, l)),
    );
    let signs = _mm256_shuffle_ps::<0b11_01_11_01>(ta, tb);
    (
        _mm256_movemask_ps(signs) as usize,
        _mm256_castps_pd(ta),
        _mm256_castps_pd(tb),
    )
}

/// The 16-byte records `base[ix[i]]`, `i = 0..8`, transposed into [`ORDER`]: element `k`
/// of vector `j` is 32-bit field `j` of record `ix[ORDER[k]]`. Eight loads and a 4x4
/// transpose per half, because AVX2 gathers are slow on the CPUs this kernel is for
/// (docs/PERFORMANCE.md, "The AVX2 decoder").
///
/// # Safety
/// Every `base.add(ix[k])` is a readable, 16-byte aligned record.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_records(base: *const __m128i, ix: &[usize; GROUP]) -> [__m256i; 4] {
    // SAFETY: the caller's contract.
    let pair = |a: usize, b: usize| unsafe {
        _mm256_inserti128_si256::<1>(
            _mm256_castsi128_si256(_mm_load_si128(base.add(ix[a]))),
            _mm_load_si128(base.add(ix[b])),
        )
    };
    // [records 0 1 4 5 | 2 3 6 7], field by field, is `ORDER`.
    let (t0, t1, t2, t3) = (pair(0, 2), pair(1, 3), pair(4, 6), pair(5, 7));
    let (u0, u1) = (_mm256_unpacklo_epi32(t0, t1), _mm256_unpackhi_epi32(t0, t1));
    let (u2, u3) = (_mm256_unpacklo_epi32(t2, t3), _mm256_unpackhi_epi32(t2, t3));
    [
        _mm256_unpacklo_epi64(u0, u2),
        _mm256_unpackhi_epi64(u0, u2),
        _mm256_unpacklo_epi64(u1, u3),
        _mm256_unpackhi_epi64(u1, u3),
    ]
}

/// `f * h + c` for four lanes: `f < 2^17` and `c` zero-extended 32-bit, `h < 2^47`
/// (a state shifted right by the precision), the result below 2^63 as in the scalar step.
#[target_feature(enable = "avx2")]
#[inline]
fn mul_add(f: __m256i, h: __m256i, c: __m256i) -> __m256i {
    let lo = _mm256_mul_epu32(f, h);
    let hi = _mm256_slli_epi64::<32>(_mm256_mul_epu32(f, _mm256_srli_epi64::<32>(h)));
    _mm256_add_epi64(_mm256_add_epi64(lo, hi), c)
}

/// One table's constants for the kernel.
#[derive(Clone, Copy)]
struct Kernel<'t> {
    table: &'t CdfTable,
    p: u32,
    lane_rows: *const __m128i,
    buckets: *const u64,
    /// The last row, and the same in every 32-bit lane.
    last: usize,
    last_row: __m256i,
    slot_mask: __m256i,
    shift_p: __m128i,
    /// `RANS_L` in every 64-bit lane.
    l: __m256i,
}

/// What a group's vector step computed before renormalising (see [`Kernel::plan`]).
#[derive(Clone, Copy)]
struct Plan {
    /// The eight states after the decoding step, before renormalisation.
    next: States,
    /// The eight symbols.
    symbols: __m256i,
}

/// Two vectors of four states: eight lanes.
type States = (__m256i, __m256i);

/// Eight `u32` in lane order.
#[target_feature(enable = "avx2")]
#[inline]
fn to_array(v: __m256i) -> [u32; GROUP] {
    let mut a = [0u32; GROUP];
    // SAFETY: `a` is 8 u32 (32 bytes).
    unsafe { _mm256_storeu_si256(a.as_mut_ptr() as *mut __m256i, v) };
    a
}

/// A group's rows in the form their source gives them: a scale lookup's eight `u32` in a
/// vector ([`Lookup8`]), or a target's own eight `usize` (`DecodeTarget::rows`). Each
/// form is checked and indexed without a round trip through the other (a target's rows
/// moved into a vector cost 3-5% of a decode to symbols).
trait GroupRows: Copy {
    /// Every row at most `last` (`last_row` holds it in every 32-bit lane).
    ///
    /// # Safety
    /// The CPU has AVX2.
    unsafe fn in_range(&self, last: usize, last_row: __m256i) -> bool;
    /// The rows as indexes.
    ///
    /// # Safety
    /// The CPU has AVX2.
    unsafe fn indexes(&self) -> [usize; GROUP];
}

impl GroupRows for __m256i {
    #[inline(always)]
    unsafe fn in_range(&self, _last: usize, last_row: __m256i) -> bool {
        // SAFETY: the caller's contract. Unsigned: a vector compare where a branch per
        // row took about 30 instructions a group.
        unsafe {
            let at_most = _mm256_cmpeq_epi32(_mm256_max_epu32(*self, last_row), last_row);
            _mm256_movemask_ps(_mm256_castsi256_ps(at_most)) == 0xff
        }
    }
    #[inline(always)]
    unsafe fn indexes(&self) -> [usize; GROUP] {
        // SAFETY: the caller's contract. Read back from memory, not extracted
        // (`simd/reload.rs`): these indexes are not on the state's chain.
        unsafe { reload(&to_array(*self)).map(|r| r as usize) }
    }
}

impl GroupRows for [usize; GROUP] {
    #[inline(always)]
    unsafe fn in_range(&self, last: usize, _last_row: __m256i) -> bool {
        self.iter().fold(true, |ok, &r| ok & (r <= last))
    }
    #[inline(always)]
    unsafe fn indexes(&self) -> [usize; GROUP] {
        *self
    }
}

impl Kernel<'_> {
    /// The decoding step of eight lanes, or `None` when the group must take the scalar
    /// round: a row out of range (a target breaking its contract meets the scalar
    /// path's bounds check, not an unchecked load), a slot outside its bucket's pair of
    /// bins, an escape, or a symbol leaving `i32`. Reads no words, so the steps of
    /// several groups can be planned before any of them renormalises.
    ///
    /// Always inlined, so not a `target_feature` function (as one, LLVM made it a call,
    /// its vectors through memory: 8% more instructions a symbol).
    ///
    /// # Safety
    /// The CPU has AVX2.
    #[inline(always)]
    unsafe fn plan(&self, (xa, xb): States, rows: &impl GroupRows) -> Option<Plan> {
        // SAFETY: the CPU has AVX2 (the caller's contract), all the intrinsics below need;
        // the loads' bounds are given where they are made.
        unsafe {
            if !rows.in_range(self.last, self.last_row) {
                return None;
            }
            let slot = _mm256_and_si256(low_halves(xa, xb), self.slot_mask);
            // Every row is below `num_tables()` (just checked).
            let [lookup_base, lookup_shift, fast_max, offset] =
                load_records(self.lane_rows, &rows.indexes());
            let bucket = _mm256_add_epi32(lookup_base, _mm256_srlv_epi32(slot, lookup_shift));
            // `slot < 2^p`, so `slot >> lookup_shift` is below the row's bucket count and
            // every bucket index is below the table's, which ends with a bucket of padding
            // (`CdfTable::pad_buckets`), so 16 bytes are readable at each. Extracted
            // (`vpextrd`), not read back as the rows are: they are on the state's chain,
            // and a store forward is no shorter (measured the same; on this core the
            // reads back measured slower in the scale lookup too).
            let (lo, hi) = load_halves(self.buckets, &to_array(bucket));
            // The bucket's 16-bit fields: start, freq_lo - 1 | freq_hi, bin (`table::Bucket`).
            let low16 = _mm256_set1_epi32(0xffff);
            let freq_lo_minus_1 = _mm256_srli_epi32::<16>(lo);
            let freq_lo = _mm256_add_epi32(freq_lo_minus_1, _mm256_set1_epi32(1));
            let freq_hi = _mm256_and_si256(hi, low16);
            // All of these are below 2^17, so signed compares are exact.
            let from_start = _mm256_sub_epi32(slot, _mm256_and_si256(lo, low16));
            let in_pair = _mm256_andnot_si256(
                _mm256_cmpgt_epi32(_mm256_setzero_si256(), from_start),
                _mm256_cmpgt_epi32(_mm256_add_epi32(freq_lo, freq_hi), from_start),
            );
            // The slot is in the pair's upper bin: `from_start >= freq_lo`, one compare
            // with the stored `freq_lo - 1`.
            let upper = _mm256_cmpgt_epi32(from_start, freq_lo_minus_1);
            let bin = _mm256_sub_epi32(_mm256_srli_epi32::<16>(hi), upper);
            let fast = _mm256_and_si256(in_pair, _mm256_cmpgt_epi32(fast_max, bin));
            if _mm256_movemask_ps(_mm256_castsi256_ps(fast)) != 0xff {
                return None;
            }
            let freq = _mm256_blendv_epi8(freq_lo, freq_hi, upper);
            let rest = _mm256_blendv_epi8(from_start, _mm256_sub_epi32(from_start, freq_lo), upper);
            let (fa, fb) = widen(freq);
            let (ca, cb) = widen(rest);
            Some(Plan {
                next: (
                    mul_add(fa, _mm256_srl_epi64(xa, self.shift_p), ca),
                    mul_add(fb, _mm256_srl_epi64(xb, self.shift_p), cb),
                ),
                // `ORDER` is its own inverse.
                symbols: _mm256_permutevar8x32_epi32(
                    _mm256_add_epi32(offset, bin),
                    _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7),
                ),
            })
        }
    }

    /// Finish a group: renormalise a planned step (see [`Kernel::refill`]), or run the
    /// scalar round from the group's states `x` when there is no plan or fewer than eight
    /// words are left. Returns the eight symbols and the new states. (States go in and
    /// out by value: references to them would keep them in memory.)
    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    fn commit(
        &self,
        plan: Option<Plan>,
        x: States,
        rows: &impl GroupRows,
        r: &mut WordReader<'_>,
    ) -> Result<([i32; GROUP], States)> {
        match plan.filter(|_| r.remaining_words() >= GROUP) {
            // SAFETY: at least eight words are left.
            Some(plan) => Ok(unsafe { self.refill(plan, r) }),
            None => {
                // SAFETY: we have AVX2.
                let rows = unsafe { rows.indexes() };
                scalar_group(self.table, self.p, x, &rows, r)
            }
        }
    }

    /// [`Kernel::commit`] for two groups, the words left counted once for both. Always
    /// inlined, so not a `target_feature` function (as one, LLVM made it a call).
    ///
    /// # Safety
    /// The CPU has AVX2 and POPCNT.
    #[inline(always)]
    #[allow(clippy::type_complexity)]
    unsafe fn commit_two(
        &self,
        (p1, p2): (Option<Plan>, Option<Plan>),
        (x1, x2): (States, States),
        (rows1, rows2): (&impl GroupRows, &impl GroupRows),
        r: &mut WordReader<'_>,
    ) -> Result<(([i32; GROUP], States), ([i32; GROUP], States))> {
        // SAFETY: we have AVX2 and POPCNT (the caller's contract).
        unsafe {
            if let (Some(a), Some(b)) = (p1, p2) {
                if r.remaining_words() >= 2 * GROUP {
                    // Sixteen words are left, and the first group takes at most eight.
                    return Ok((self.refill(a, r), self.refill(b, r)));
                }
            }
            Ok((
                self.commit(p1, x1, rows1, r)?,
                self.commit(p2, x2, rows2, r)?,
            ))
        }
    }

    /// Renormalise a planned step: the lanes below L take the next words, in lane order.
    ///
    /// # Safety
    /// At least eight words are left in `r`.
    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    unsafe fn refill(&self, plan: Plan, r: &mut WordReader<'_>) -> ([i32; GROUP], States) {
        let (na, nb) = plan.next;
        let (need, need_a, need_b) = need_mask(na, nb, self.l);
        let words = r.rest();
        let mut syms = [0i32; GROUP];
        let spread = WORD_SPREAD[need].as_ptr();
        // SAFETY: at least 8 words (32 bytes) are left (the caller's contract); the spread
        // table row is 16 bytes; `syms` is 8 i32 (32 bytes).
        let (words, perm_a, perm_b) = unsafe {
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, plan.symbols);
            (
                _mm256_loadu_si256(words.as_ptr() as *const __m256i),
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(spread as *const __m128i)),
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(spread.add(8) as *const __m128i)),
            )
        };
        // Each lane's word in the low half of its 64-bit element, `n << 32` above it.
        let refill = |n: __m256i, perm: __m256i, need: __m256d| {
            let w = _mm256_permutevar8x32_epi32(words, perm);
            let x = _mm256_blend_epi32::<0b0101_0101>(_mm256_slli_epi64::<32>(n), w);
            let (n, x) = (_mm256_castsi256_pd(n), _mm256_castsi256_pd(x));
            _mm256_castpd_si256(_mm256_blendv_pd(n, x, need))
        };
        let (xa, xb) = (refill(na, perm_a, need_a), refill(nb, perm_b, need_b));
        r.advance(need.count_ones() as usize);
        (syms, (xa, xb))
    }
}

/// A group through the scalar round, from its states (out of line: it is rare, and
/// inlined it would keep [`Kernel::commit`] from being inlined).
#[cold]
#[inline(never)]
#[target_feature(enable = "avx2")]
fn scalar_group(
    table: &CdfTable,
    p: u32,
    x: States,
    rows: &[usize; GROUP],
    r: &mut WordReader<'_>,
) -> Result<([i32; GROUP], States)> {
    let mut lanes = [0u64; GROUP];
    store4(x.0, &mut lanes[..4]);
    store4(x.1, &mut lanes[4..]);
    let syms = decode_round(table, rows, &mut lanes, r, p)?;
    Ok((syms, (load4(&lanes[..4]), load4(&lanes[4..]))))
}

/// The kernel's constants for `table`.
#[target_feature(enable = "avx2")]
#[inline]
fn kernel(table: &CdfTable) -> Kernel<'_> {
    let p = table.precision();
    Kernel {
        table,
        p,
        lane_rows: table.lane_rows().as_ptr() as *const __m128i,
        buckets: table.buckets().as_ptr() as *const u64,
        // `usable` holds the row count to `1..=u32::MAX`.
        last: table.lane_rows().len().saturating_sub(1),
        last_row: _mm256_set1_epi32(table.lane_rows().len().saturating_sub(1) as u32 as i32),
        slot_mask: _mm256_set1_epi32(((1u64 << p) - 1) as i32),
        shift_p: _mm_cvtsi32_si128(p as i32),
        l: _mm256_set1_epi64x(RANS_L as i64),
    }
}

/// Four states from `lanes` (at least 4 long).
#[target_feature(enable = "avx2")]
#[inline]
fn load4(lanes: &[u64]) -> __m256i {
    assert!(lanes.len() >= 4);
    // SAFETY: `lanes` holds at least 4 u64 (32 bytes).
    unsafe { _mm256_loadu_si256(lanes.as_ptr() as *const __m256i) }
}

/// Four states into `lanes` (at least 4 long).
#[target_feature(enable = "avx2")]
#[inline]
fn store4(v: __m256i, lanes: &mut [u64]) {
    assert!(lanes.len() >= 4);
    // SAFETY: `lanes` holds at least 4 u64 (32 bytes).
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, v) }
}

/// `N` lanes' states as vectors of four (at most 32 lanes), and back.
#[target_feature(enable = "avx2")]
#[inline]
fn load_states<const N: usize>(x: &[u64; N]) -> [__m256i; MAX_LANES / 4] {
    let mut xv = [_mm256_setzero_si256(); MAX_LANES / 4];
    for (v, lanes) in xv.iter_mut().zip(x.chunks_exact(4)) {
        *v = load4(lanes);
    }
    xv
}

/// See [`load_states`].
#[target_feature(enable = "avx2")]
#[inline]
fn store_states<const N: usize>(xv: &[__m256i; MAX_LANES / 4], x: &mut [u64; N]) {
    for (v, lanes) in xv.iter().zip(x.chunks_exact_mut(4)) {
        store4(*v, lanes);
    }
}

/// The rows of the `N / 8` groups of the round at `base`, from `rows_of`.
#[inline(always)]
fn round_rows<R: GroupRows, const N: usize>(
    rows_of: &impl Fn(usize) -> R,
    base: usize,
) -> [R; MAX_LANES / GROUP] {
    let first = rows_of(base);
    let mut rows = [first; MAX_LANES / GROUP];
    for (g, v) in rows.iter_mut().enumerate().take(N / GROUP).skip(1) {
        *v = rows_of(base + g * GROUP);
    }
    rows
}

/// Decodes the round at `round_base` of a chunk, group pair by group pair: the steps of
/// two groups are planned before either renormalises, so their load latencies overlap.
#[target_feature(enable = "avx2,popcnt")]
#[inline]
fn round<T: DecodeTarget, R: GroupRows, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    round_base: usize,
    rows: &[R; MAX_LANES / GROUP],
    xv: &mut [__m256i; MAX_LANES / 4],
    r: &mut WordReader<'_>,
    dst: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    // The caller's arrays a check block ahead, as the AVX-512 decoder asks (`prefetch.rs`).
    tgt.prefetch(round_base + prefetch::AHEAD);
    let mut g = 0;
    while g < N {
        let (i, base) = (g / 4, round_base + g);
        let rows1 = &rows[g / GROUP];
        if g + GROUP < N {
            let rows2 = &rows[g / GROUP + 1];
            let (x1, x2) = ((xv[i], xv[i + 1]), (xv[i + 2], xv[i + 3]));
            // SAFETY: we have AVX2.
            let (p1, p2) = unsafe { (k.plan(x1, rows1), k.plan(x2, rows2)) };
            // SAFETY: we have AVX2 and POPCNT.
            let ((s1, x1), (s2, x2)) =
                unsafe { k.commit_two((p1, p2), (x1, x2), (rows1, rows2), r)? };
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            put_values(
                &mut dst[g + GROUP..g + 2 * GROUP],
                tgt.values(base + GROUP, &s2),
            );
            (xv[i], xv[i + 1], xv[i + 2], xv[i + 3]) = (x1.0, x1.1, x2.0, x2.1);
            g += 2 * GROUP;
        } else {
            let x1 = (xv[i], xv[i + 1]);
            // SAFETY: we have AVX2.
            let p1 = unsafe { k.plan(x1, rows1) };
            let (s1, x1) = k.commit(p1, x1, rows1, r)?;
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            (xv[i], xv[i + 1]) = x1;
            g += GROUP;
        }
    }
    Ok(())
}

/// Whole rounds of one chunk from position `start` into `out` (a multiple of `N`), the
/// rows of positions `base .. base + 8` from `rows_of(base)`, each round's found a round
/// ahead (the last round finds its own again): a scale lookup's rows come by a chain of
/// loads of their own, and the state's chain does not wait for them.
#[target_feature(enable = "avx2,popcnt")]
#[inline]
#[allow(clippy::too_many_arguments)]
fn rounds<T: DecodeTarget, R: GroupRows, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> R,
    start: usize,
    out: &mut [MaybeUninit<T::Out>],
    xv: &mut [__m256i; MAX_LANES / 4],
    r: &mut WordReader<'_>,
) -> Result<()> {
    let rounds = out.len() / N;
    if rounds == 0 {
        return Ok(());
    }
    let mut ahead = round_rows::<R, N>(rows_of, start);
    for (q, dst) in out.chunks_exact_mut(N).enumerate() {
        let rows = ahead;
        ahead = round_rows::<R, N>(rows_of, start + (q + 1).min(rounds - 1) * N);
        round::<T, R, N>(k, tgt, start + q * N, &rows, xv, r, dst)?;
    }
    Ok(())
}

/// The rows of positions `base .. base + 8` from a target's indexes
/// (`DecodeTarget::index_rows`): one load. A negative index reads as a row past 2^31, out
/// of range as the target's own `row` makes it.
#[target_feature(enable = "avx2")]
#[inline]
fn index_rows(ix: &[i32], base: usize) -> __m256i {
    let eight = &ix[base..base + GROUP];
    // SAFETY: `eight` is 8 i32 (32 bytes).
    unsafe { _mm256_loadu_si256(eight.as_ptr() as *const __m256i) }
}

/// A target's own rows of positions `base .. base + 8`.
#[inline(always)]
fn target_rows<T: DecodeTarget>(tgt: &T, base: usize) -> [usize; GROUP] {
    let mut rows = [0usize; GROUP];
    tgt.rows(base, &mut rows);
    rows
}

/// The hot loop of the lanes decoder for `N` a multiple of 8 (see `chunk::decode_rounds`
/// for the contract: whole rounds, every lane in the ordinary regime). The rows come
/// eight at a time from [`Lookup8`] when the target's rows are a scale lookup
/// (`DecodeTarget::scale_rows`; its positions were checked, so no scale is NaN and the
/// rows are the target's), else from the target; one loop for each, so that neither
/// carries the other's code.
///
/// # Safety
/// The CPU has AVX2 and POPCNT, and [`usable`] returned `true` for `table`. (Rows are
/// checked here: a target returning a row out of range gets the scalar path's panic.)
#[target_feature(enable = "avx2,popcnt")]
pub(crate) unsafe fn decode_rounds<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    c: ChunkLanes<'_, '_, T, N>,
) -> Result<()> {
    let k = kernel(table);
    let mut xv = load_states(c.x);
    // A local reader (written back at the end) stays in registers.
    let mut r = c.r.clone();
    match (tgt.scale_rows().and_then(Lookup8::new), tgt.index_rows()) {
        (Some(l), _) => {
            let rows_of = |base| l.rows(base);
            rounds::<T, __m256i, N>(&k, tgt, &rows_of, c.start, c.out, &mut xv, &mut r)?;
        }
        (None, Some(ix)) => {
            let rows_of = |base| index_rows(ix, base);
            rounds::<T, __m256i, N>(&k, tgt, &rows_of, c.start, c.out, &mut xv, &mut r)?;
        }
        (None, None) => {
            let rows_of = |base| target_rows(tgt, base);
            rounds::<T, _, N>(&k, tgt, &rows_of, c.start, c.out, &mut xv, &mut r)?;
        }
    }
    store_states(&xv, c.x);
    *c.r = r;
    Ok(())
}

/// [`decode_rounds`] for two 8-lane chunks at once, round by round, for a thread that
/// has more than one chunk to decode: one 8-lane chunk alone leaves the decoder waiting on
/// one round's latency (chunks of more lanes do not pair, `chunk::decode_chunk_pair`).
///
/// # Safety
/// As [`decode_rounds`].
#[target_feature(enable = "avx2,popcnt")]
pub(crate) unsafe fn decode_rounds_pair<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    a: ChunkLanes<'_, '_, T, N>,
    b: ChunkLanes<'_, '_, T, N>,
) -> Result<()> {
    let k = kernel(table);
    match (tgt.scale_rows().and_then(Lookup8::new), tgt.index_rows()) {
        (Some(l), _) => pair_rounds::<T, __m256i, N>(&k, tgt, &|base| l.rows(base), a, b),
        (None, Some(ix)) => pair_rounds::<T, _, N>(&k, tgt, &|base| index_rows(ix, base), a, b),
        (None, None) => pair_rounds::<T, _, N>(&k, tgt, &|base| target_rows(tgt, base), a, b),
    }
}

/// [`decode_rounds_pair`] with the rows from `rows_of` (as in [`rounds`]).
#[target_feature(enable = "avx2,popcnt")]
#[inline]
fn pair_rounds<T: DecodeTarget, R: GroupRows, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> R,
    a: ChunkLanes<'_, '_, T, N>,
    b: ChunkLanes<'_, '_, T, N>,
) -> Result<()> {
    let (mut xa, mut xb) = (load_states(a.x), load_states(b.x));
    let both = a.out.len().min(b.out.len()) / N;
    let (a_out, a_rest) = a.out.split_at_mut(both * N);
    let (b_out, b_rest) = b.out.split_at_mut(both * N);
    // One group per chunk: plan both chunks' steps, then renormalise each; rows a round
    // ahead, as in `rounds`.
    const { assert!(N == GROUP) };
    if both > 0 {
        let pair_rows = |q: usize| {
            let q = q.min(both - 1);
            (rows_of(a.start + q * N), rows_of(b.start + q * N))
        };
        let mut ahead = pair_rows(0);
        for (q, (da, db)) in a_out
            .chunks_exact_mut(N)
            .zip(b_out.chunks_exact_mut(N))
            .enumerate()
        {
            let (base_a, base_b) = (a.start + q * N, b.start + q * N);
            tgt.prefetch(base_a + prefetch::AHEAD);
            tgt.prefetch(base_b + prefetch::AHEAD);
            let (rows_a, rows_b) = ahead;
            ahead = pair_rows(q + 1);
            let (x1, x2) = ((xa[0], xa[1]), (xb[0], xb[1]));
            // SAFETY: we have AVX2.
            let (pa, pb) = unsafe { (k.plan(x1, &rows_a), k.plan(x2, &rows_b)) };
            let (sa, x1) = k.commit(pa, x1, &rows_a, a.r)?;
            put_values(da, tgt.values(base_a, &sa));
            let (sb, x2) = k.commit(pb, x2, &rows_b, b.r)?;
            put_values(db, tgt.values(base_b, &sb));
            (xa[0], xa[1], xb[0], xb[1]) = (x1.0, x1.1, x2.0, x2.1);
        }
    }
    rounds::<T, R, N>(k, tgt, rows_of, a.start + both * N, a_rest, &mut xa, a.r)?;
    rounds::<T, R, N>(k, tgt, rows_of, b.start + both * N, b_rest, &mut xb, b.r)?;
    store_states(&xa, a.x);
    store_states(&xb, b.x);
    Ok(())
}
