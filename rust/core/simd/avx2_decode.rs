//! The lanes decoder with AVX2: eight lanes per instruction.
//!
//! The scalar decoder (`chunk/decode.rs`) spends about 100 instructions per symbol, and with
//! eight or more independent lanes it is bound by that count, not by latency. Here a
//! group of eight lanes goes through the decoding step together. The eight rows' records
//! ([`LaneRow`](crate::tables::cdf_table::LaneRow)) are fetched by 16-byte loads and a transpose, the
//! eight 8-byte buckets by 64-bit loads and two shuffles (gathers were slower on Zen 3).
//! The compares and selects run eight wide, and the 64-bit state update four wide. The
//! renormalisation reads the group's words with one unaligned load and one permute: the
//! lanes that need a word take consecutive words, in lane order, exactly as the scalar
//! decoder reads them.
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
use crate::simd::avx2_scale::Lookup8;
use crate::simd::prefetch;
use crate::tables::cdf_table::CdfTable;

/// Lanes per vector group.
const GROUP: usize = 8;

/// `true` when this CPU can run [`decode_rounds`] for `table` (bucket indexes are
/// computed in 32 bits).
pub(crate) fn usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("popcnt")
        && table.buckets().len() <= u32::MAX as usize
}

/// For each 8-bit mask of the lanes that need a word: lane `i` takes word number
/// "set bits of the mask below `i`" of the next eight (lanes that need none take any).
const WORD_PERMUTES: [[u8; 8]; 256] = {
    let mut t = [[0u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let mut i = 0;
        let mut below = 0u8;
        while i < 8 {
            t[m][i] = below;
            if m & (1 << i) != 0 {
                below += 1;
            }
            i += 1;
        }
        m += 1;
    }
    t
};

/// The low 32 bits of eight 64-bit values (`a` = values 0-3, `b` = 4-7), in order.
#[target_feature(enable = "avx2")]
#[inline]
fn low_halves(a: __m256i, b: __m256i) -> __m256i {
    let even = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    let (a, b) = (
        _mm256_permutevar8x32_epi32(a, even),
        _mm256_permutevar8x32_epi32(b, even),
    );
    _mm256_permute2x128_si256::<0x20>(a, b)
}

/// Eight 32-bit values as two vectors of four zero-extended 64-bit ones.
#[target_feature(enable = "avx2")]
#[inline]
fn widen(v: __m256i) -> (__m256i, __m256i) {
    (
        _mm256_cvtepu32_epi64(_mm256_castsi256_si128(v)),
        _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(v)),
    )
}

/// The 16-byte records `base[ix[k]]`, `k = 0..8`, transposed: element `k` of vector `j`
/// is 32-bit field `j` of record `k`. Eight loads and a 4x4 transpose per half, because
/// AVX2 gathers are slow on the CPUs this kernel is for (docs/PERFORMANCE.md, "The AVX2
/// decoder").
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
    // t_k = [record k | record k + 4].
    let (t0, t1, t2, t3) = (pair(0, 4), pair(1, 5), pair(2, 6), pair(3, 7));
    let (u0, u1) = (_mm256_unpacklo_epi32(t0, t1), _mm256_unpackhi_epi32(t0, t1));
    let (u2, u3) = (_mm256_unpacklo_epi32(t2, t3), _mm256_unpackhi_epi32(t2, t3));
    [
        _mm256_unpacklo_epi64(u0, u2),
        _mm256_unpackhi_epi64(u0, u2),
        _mm256_unpacklo_epi64(u1, u3),
        _mm256_unpackhi_epi64(u1, u3),
    ]
}

/// The 8-byte [`Bucket`](crate::tables::cdf_table::Bucket)s `base[ix[k]]`, `k = 0..8`, as their low
/// and high 32 bits in lane order: eight 64-bit loads (two per 128-bit half) and two
/// shuffles.
///
/// # Safety
/// Every `base.add(ix[k])` is a readable, 8-byte aligned record.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_buckets(base: *const i64, ix: &[usize; GROUP]) -> (__m256i, __m256i) {
    // SAFETY: the caller's contract.
    let two = |a: usize, b: usize| unsafe { _mm_set_epi64x(*base.add(ix[b]), *base.add(ix[a])) };
    // [records 0 1 | 4 5] and [records 2 3 | 6 7], as 32-bit halves.
    let t = _mm256_castsi256_ps(_mm256_inserti128_si256::<1>(
        _mm256_castsi128_si256(two(0, 1)),
        two(4, 5),
    ));
    let u = _mm256_castsi256_ps(_mm256_inserti128_si256::<1>(
        _mm256_castsi128_si256(two(2, 3)),
        two(6, 7),
    ));
    (
        _mm256_castps_si256(_mm256_shuffle_ps::<0b10_00_10_00>(t, u)),
        _mm256_castps_si256(_mm256_shuffle_ps::<0b11_01_11_01>(t, u)),
    )
}

/// `true` when every row is below `num_rows`, without a branch per row.
#[inline(always)]
fn rows_in_range(rows: &[usize; GROUP], num_rows: usize) -> bool {
    rows.iter().fold(true, |ok, &r| ok & (r < num_rows))
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
    buckets: *const i64,
    num_rows: usize,
    slot_mask: __m256i,
    shift_p: __m128i,
    below_l: __m256i,
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

impl Kernel<'_> {
    /// The decoding step of eight lanes, or `None` when the group must take the scalar
    /// round: a row out of range (a target breaking its contract meets the scalar
    /// path's bounds check, not an unchecked load), a slot outside its bucket's pair of
    /// bins, an escape, or a symbol leaving `i32`. Reads no words, so the steps of
    /// several groups can be planned before any of them renormalises.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn plan(&self, (xa, xb): States, rows: &[usize; GROUP]) -> Option<Plan> {
        if !rows_in_range(rows, self.num_rows) {
            return None;
        }
        let slot = _mm256_and_si256(low_halves(xa, xb), self.slot_mask);
        // SAFETY: every row is below `num_tables()` (just checked).
        let [lookup_base, lookup_shift, fast_max, offset] =
            unsafe { load_records(self.lane_rows, rows) };
        let bucket = _mm256_add_epi32(lookup_base, _mm256_srlv_epi32(slot, lookup_shift));
        let mut bucket_ix = [0u32; GROUP];
        // SAFETY: `bucket_ix` is 8 u32 (32 bytes).
        unsafe { _mm256_storeu_si256(bucket_ix.as_mut_ptr() as *mut __m256i, bucket) };
        // SAFETY: `slot < 2^p`, so `slot >> lookup_shift` is below the row's bucket count
        // and every `bucket_ix` is inside `buckets`.
        let (lo, hi) = unsafe { load_buckets(self.buckets, &bucket_ix.map(|b| b as usize)) };
        // The bucket's 16-bit fields: start, freq_lo - 1 | freq_hi, bin (`table::Bucket`).
        let low16 = _mm256_set1_epi32(0xffff);
        let freq_lo = _mm256_add_epi32(_mm256_srli_epi32::<16>(lo), _mm256_set1_epi32(1));
        let freq_hi = _mm256_and_si256(hi, low16);
        // All of these are below 2^17, so signed compares are exact.
        let from_start = _mm256_sub_epi32(slot, _mm256_and_si256(lo, low16));
        let in_pair = _mm256_andnot_si256(
            _mm256_cmpgt_epi32(_mm256_setzero_si256(), from_start),
            _mm256_cmpgt_epi32(_mm256_add_epi32(freq_lo, freq_hi), from_start),
        );
        let upper = _mm256_xor_si256(
            _mm256_cmpgt_epi32(freq_lo, from_start),
            _mm256_set1_epi32(-1),
        );
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
            symbols: _mm256_add_epi32(offset, bin),
        })
    }

    /// Finish a group: renormalise a planned step (the lanes below L take the next
    /// words, in lane order), or run the scalar round from the group's states `x` when
    /// there is no plan or fewer than eight words are left. Returns the eight symbols and
    /// the new states. (States go in and out by value: references to them would keep
    /// them in memory.)
    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    fn commit(
        &self,
        plan: Option<Plan>,
        x: States,
        rows: &[usize; GROUP],
        r: &mut WordReader<'_>,
    ) -> Result<([i32; GROUP], States)> {
        let Some(plan) = plan.filter(|_| r.remaining_words() >= GROUP) else {
            return scalar_group(self.table, self.p, x, rows, r);
        };
        let (na, nb) = plan.next;
        let (need_a, need_b) = (
            _mm256_cmpgt_epi64(self.below_l, na),
            _mm256_cmpgt_epi64(self.below_l, nb),
        );
        let need = (_mm256_movemask_pd(_mm256_castsi256_pd(need_a))
            | (_mm256_movemask_pd(_mm256_castsi256_pd(need_b)) << 4)) as usize;
        let words = r.rest();
        let mut syms = [0i32; GROUP];
        // SAFETY: at least 8 words (32 bytes) are left (checked above); the permute
        // table row is 8 bytes; `syms` is 8 i32 (32 bytes).
        let (words, perm) = unsafe {
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, plan.symbols);
            (
                _mm256_loadu_si256(words.as_ptr() as *const __m256i),
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                    WORD_PERMUTES[need].as_ptr() as *const __m128i
                )),
            )
        };
        let (wa, wb) = widen(_mm256_permutevar8x32_epi32(words, perm));
        let xa = _mm256_blendv_epi8(na, _mm256_or_si256(_mm256_slli_epi64::<32>(na), wa), need_a);
        let xb = _mm256_blendv_epi8(nb, _mm256_or_si256(_mm256_slli_epi64::<32>(nb), wb), need_b);
        r.advance(need.count_ones() as usize);
        Ok((syms, (xa, xb)))
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
        buckets: table.buckets().as_ptr() as *const i64,
        num_rows: table.lane_rows().len(),
        slot_mask: _mm256_set1_epi32(((1u64 << p) - 1) as i32),
        shift_p: _mm_cvtsi32_si128(p as i32),
        below_l: _mm256_set1_epi64x(RANS_L as i64),
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

/// The rows of positions `base .. base + 8`: eight at a time by `lookup` when the
/// target's rows are a scale lookup (`DecodeTarget::scale_rows`; its positions were
/// checked, so no scale is NaN and the rows are the target's), else the target's own.
/// (W1's floats: the kernel's 37.1 → 32.5 instructions a symbol, callgrind.) Always
/// inlined: as a `target_feature` function LLVM kept it a call, a group's rows through
/// memory.
///
/// # Safety
/// The CPU has AVX2.
#[inline(always)]
unsafe fn group_rows<T: DecodeTarget>(
    tgt: &T,
    lookup: Option<&Lookup8<'_>>,
    base: usize,
    rows: &mut [usize; GROUP],
) {
    match lookup {
        // SAFETY: the caller's contract.
        Some(l) => unsafe { l.rows(base, rows) },
        None => tgt.rows(base, rows),
    }
}

/// Decodes round `q` of a chunk, group pair by group pair: the steps of two groups are
/// planned before either renormalises, so their load latencies overlap.
#[target_feature(enable = "avx2,popcnt")]
#[inline]
#[allow(clippy::too_many_arguments)]
fn round<T: DecodeTarget, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    lookup: Option<&Lookup8<'_>>,
    start: usize,
    q: usize,
    xv: &mut [__m256i; MAX_LANES / 4],
    r: &mut WordReader<'_>,
    dst: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    // The caller's arrays a check block ahead, as the AVX-512 decoder asks (`prefetch.rs`).
    tgt.prefetch(start + q * N + prefetch::AHEAD);
    let mut g = 0;
    while g < N {
        let (i, base) = (g / 4, start + q * N + g);
        let mut rows = [0usize; GROUP];
        // SAFETY: we have AVX2.
        unsafe { group_rows(tgt, lookup, base, &mut rows) };
        if g + GROUP < N {
            let mut rows2 = [0usize; GROUP];
            // SAFETY: as above.
            unsafe { group_rows(tgt, lookup, base + GROUP, &mut rows2) };
            let (x1, x2) = ((xv[i], xv[i + 1]), (xv[i + 2], xv[i + 3]));
            let (p1, p2) = (k.plan(x1, &rows), k.plan(x2, &rows2));
            let (s1, x1) = k.commit(p1, x1, &rows, r)?;
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            let (s2, x2) = k.commit(p2, x2, &rows2, r)?;
            put_values(
                &mut dst[g + GROUP..g + 2 * GROUP],
                tgt.values(base + GROUP, &s2),
            );
            (xv[i], xv[i + 1], xv[i + 2], xv[i + 3]) = (x1.0, x1.1, x2.0, x2.1);
            g += 2 * GROUP;
        } else {
            let x1 = (xv[i], xv[i + 1]);
            let (s1, x1) = k.commit(k.plan(x1, &rows), x1, &rows, r)?;
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            (xv[i], xv[i + 1]) = x1;
            g += GROUP;
        }
    }
    Ok(())
}

/// The hot loop of the lanes decoder for `N` a multiple of 8 (see `chunk::decode_rounds`
/// for the contract: whole rounds, every lane in the ordinary regime).
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
    let lookup = tgt.scale_rows().and_then(Lookup8::new);
    let mut xv = load_states(c.x);
    for (q, dst) in c.out.chunks_exact_mut(N).enumerate() {
        round::<T, N>(&k, tgt, lookup.as_ref(), c.start, q, &mut xv, c.r, dst)?;
    }
    store_states(&xv, c.x);
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
    let lookup = tgt.scale_rows().and_then(Lookup8::new);
    let lookup = lookup.as_ref();
    let (mut xa, mut xb) = (load_states(a.x), load_states(b.x));
    let rounds = a.out.len().min(b.out.len()) / N;
    let (a_out, a_rest) = a.out.split_at_mut(rounds * N);
    let (b_out, b_rest) = b.out.split_at_mut(rounds * N);
    // One group per chunk: plan both chunks' steps, then renormalise each.
    const { assert!(N == GROUP) };
    for (q, (da, db)) in a_out
        .chunks_exact_mut(N)
        .zip(b_out.chunks_exact_mut(N))
        .enumerate()
    {
        let (base_a, base_b) = (a.start + q * N, b.start + q * N);
        tgt.prefetch(base_a + prefetch::AHEAD);
        tgt.prefetch(base_b + prefetch::AHEAD);
        let (mut rows_a, mut rows_b) = ([0usize; GROUP], [0usize; GROUP]);
        // SAFETY: we have AVX2.
        unsafe {
            group_rows(tgt, lookup, base_a, &mut rows_a);
            group_rows(tgt, lookup, base_b, &mut rows_b);
        }
        let (x1, x2) = ((xa[0], xa[1]), (xb[0], xb[1]));
        let (pa, pb) = (k.plan(x1, &rows_a), k.plan(x2, &rows_b));
        let (sa, x1) = k.commit(pa, x1, &rows_a, a.r)?;
        put_values(da, tgt.values(base_a, &sa));
        let (sb, x2) = k.commit(pb, x2, &rows_b, b.r)?;
        put_values(db, tgt.values(base_b, &sb));
        (xa[0], xa[1], xb[0], xb[1]) = (x1.0, x1.1, x2.0, x2.1);
    }
    for (q, dst) in a_rest.chunks_exact_mut(N).enumerate() {
        round::<T, N>(&k, tgt, lookup, a.start, rounds + q, &mut xa, a.r, dst)?;
    }
    for (q, dst) in b_rest.chunks_exact_mut(N).enumerate() {
        round::<T, N>(&k, tgt, lookup, b.start, rounds + q, &mut xb, b.r, dst)?;
    }
    store_states(&xa, a.x);
    store_states(&xb, b.x);
    Ok(())
}
