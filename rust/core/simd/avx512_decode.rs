//! The lanes decoder with AVX-512: eight lanes per instruction, in 64-bit elements.
//!
//! The AVX2 kernel (`simd/avx2_decode.rs`) is built for CPUs whose gathers are slow: it
//! fetches the rows' and buckets' records with eight loads and a transpose, does
//! its compares eight wide in 32 bits, and moves to four-wide 64-bit vectors for the state
//! update, with blends and movemasks between the two. On Intel cores with AVX-512 (and
//! gathers without the GDS microcode penalty) a whole group of eight lanes fits one zmm
//! register of 64-bit elements, so this kernel works in 64 bits throughout:
//!
//! - the eight row indexes are one load, checked against the row count by one compare;
//! - each row's record, packed in 64 bits ([`PackedRow`](crate::tables::cdf_table::PackedRow)), is
//!   fetched by one `vpgatherqq`, each bucket's 8-byte record by one more, and their
//!   fields are split by shifts and masks, with no transpose;
//! - compares give mask registers, and the selects are masked moves;
//! - the renormalisation takes the lanes below `L` as a mask and feeds them consecutive
//!   words with `vpexpandq`, in lane order: exactly the words, in the order, that the
//!   scalar decoder reads (no 256-entry permute table);
//! - a target whose rows are `ScaleCoder`'s scale lookup hands it over
//!   ([`DecodeTarget::scale_rows`]) and the kernel runs it eight at a time (one more
//!   gather), fetching each round's rows and records a round ahead, since they do not
//!   depend on the states.
//!
//! Loads and transposes instead of the gathers, and IFMA for the state update, are slower
//! on the CPUs this kernel runs on; the numbers are in docs/PERFORMANCE.md, "The AVX-512
//! decoder".
//!
//! The structure is the AVX2 kernel's: a group's step is split into [`Kernel::plan`] (the
//! step and its checks, no words read) and [`Kernel::commit`] (the renormalisation), so two
//! groups can be in flight (the halves of a 16- or 32-lane round, or the same round of two
//! chunks, [`decode_rounds_pair`]). A lane whose slot is outside its bucket's pair of bins
//! gets its step from the table's scalar step (`Kernel::patch_lanes`). A group that is
//! otherwise not entirely ordinary (a row out of range, an escape, a symbol leaving `i32`,
//! fewer than eight words left) takes the scalar round ([`decode_round`]) from the same
//! states, so this decoder agrees with the scalar one by construction and every error comes
//! from the scalar code. Chosen at run time before the AVX2 kernel (`simd::vector_kernel`).

use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use crate::coding::rans::{WordReader, RANS_L};
use crate::error::{Error, Result};
use crate::lanes::round::decode_round;
use crate::lanes::traits::{put_values, DecodeTarget, MAX_LANES};
use crate::tables::cdf_table::{CdfTable, PackedRow};

use crate::lanes::round::ChunkLanes;
use crate::simd::avx512_scale::Scales;
use crate::simd::prefetch;

/// Lanes per vector group.
const GROUP: usize = 8;

/// `true` when this CPU can run [`decode_rounds`] for `table` (bucket indexes come from
/// 32-bit fields).
pub(crate) fn usable(table: &CdfTable) -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("popcnt")
        && table.buckets().len() <= u32::MAX as usize
}

/// One table's (and target's) constants for the kernel.
#[derive(Clone, Copy)]
struct Kernel<'t> {
    table: &'t CdfTable,
    p: u32,
    /// The `PackedRow`s and the `Bucket`s (8 bytes each).
    packed_rows: *const i64,
    buckets: *const u8,
    num_rows: __m512i,
    slot_mask: __m512i,
    /// `PackedRow`'s `lookup_base` field.
    base_mask: __m512i,
    low16: __m512i,
    shift_p: __m128i,
    below_l: __m512i,
    /// The target's rows as a scale lookup run here, when it has one.
    scales: Option<Scales<'t>>,
}

/// A group's rows and their `PackedRow`s (see [`Kernel::prepare`]).
#[derive(Clone, Copy)]
struct Prep {
    rows: __m512i,
    packed: __m512i,
    /// Every row is in range (else the records are not fetched).
    ok: bool,
}

/// What a group's vector step computed before renormalising (see [`Kernel::plan`]).
#[derive(Clone, Copy)]
struct Plan {
    /// The eight states after the decoding step, before renormalisation.
    next: __m512i,
    /// The eight symbols.
    symbols: __m256i,
}

/// The rows of positions `base .. base + 8` from [`DecodeTarget::rows`], as 64-bit
/// elements.
#[target_feature(enable = "avx512f")]
#[inline]
fn target_rows<T: DecodeTarget>(tgt: &T, base: usize) -> __m512i {
    let mut rows = [0usize; GROUP];
    tgt.rows(base, &mut rows);
    // SAFETY: `rows` is 8 usize (64 bytes).
    unsafe { _mm512_loadu_si512(rows.as_ptr() as *const __m512i) }
}

impl Kernel<'_> {
    /// The part of a group's step that does not depend on its states: its rows' records
    /// (none when a row is out of range).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn prepare(&self, rows: __m512i) -> Prep {
        if _mm512_cmplt_epu64_mask(rows, self.num_rows) != 0xff {
            return Prep {
                rows,
                packed: _mm512_setzero_si512(),
                ok: false,
            };
        }
        // SAFETY: every row is below the number of `PackedRow`s (just checked).
        let packed = unsafe { _mm512_i64gather_epi64::<8>(rows, self.packed_rows) };
        Prep {
            rows,
            packed,
            ok: true,
        }
    }

    /// The decoding step of eight lanes, or `None` when the group must take the scalar
    /// round (as `lanes_avx2::Kernel::plan`: a row out of range meets the scalar path's
    /// bounds check, not an unchecked gather). Reads no words.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    fn plan(&self, x: __m512i, prep: &Prep) -> Option<Plan> {
        if !prep.ok {
            return None;
        }
        let packed = prep.packed;
        let slot = _mm512_and_si512(x, self.slot_mask);
        let lookup_base = _mm512_and_si512(packed, self.base_mask);
        // The shift is the top 5 bits of the low half. Shifting 32-bit elements keeps it
        // there, and the slot's high half (zero) stays zero whatever the high count is.
        let lookup_shift = _mm512_srli_epi32::<{ PackedRow::BASE_BITS }>(packed);
        let bucket = _mm512_add_epi64(lookup_base, _mm512_srlv_epi32(slot, lookup_shift));
        // SAFETY: `slot < 2^p`, so `slot >> lookup_shift` is below the row's bucket count
        // and every bucket index is inside `buckets` (8 bytes each; `PackedRow::SCALAR`'s
        // index is 0).
        let bk = unsafe { _mm512_i64gather_epi64::<8>(bucket, self.buckets as *const i64) };
        // The bucket's 16-bit fields: start, freq_lo - 1, freq_hi, bin (`table::Bucket`).
        let start = _mm512_and_si512(bk, self.low16);
        let freq_lo = _mm512_add_epi64(
            _mm512_and_si512(_mm512_srli_epi64::<16>(bk), self.low16),
            _mm512_set1_epi64(1),
        );
        let freq_hi = _mm512_and_si512(_mm512_srli_epi64::<32>(bk), self.low16);
        let pair = _mm512_srli_epi64::<48>(bk);
        // Unsigned: a slot below `start` wraps and is outside the pair.
        let from_start = _mm512_sub_epi64(slot, start);
        let in_pair = _mm512_cmplt_epu64_mask(from_start, _mm512_add_epi64(freq_lo, freq_hi));
        let upper = _mm512_cmpge_epu64_mask(from_start, freq_lo);
        let bin = _mm512_mask_sub_epi64(pair, upper, pair, _mm512_set1_epi64(-1));
        let fast_max = _mm512_and_si512(_mm512_srli_epi64::<32>(packed), self.low16);
        let fast = _mm512_mask_cmplt_epu64_mask(in_pair, bin, fast_max);
        let freq = _mm512_mask_mov_epi64(freq_lo, upper, freq_hi);
        let rest = _mm512_mask_sub_epi64(from_start, upper, from_start, freq_lo);
        let h = _mm512_srl_epi64(x, self.shift_p);
        // `freq * h + rest`: `freq < 2^17`, so two 32x32 multiplies (h may exceed 32 bits).
        let lo = _mm512_mul_epu32(freq, h);
        let hi = _mm512_slli_epi64::<32>(_mm512_mul_epu32(freq, _mm512_srli_epi64::<32>(h)));
        let mut next = _mm512_add_epi64(_mm512_add_epi64(lo, hi), rest);
        let mut bin = bin;
        if fast != 0xff {
            // A lane in its pair but not fast is an escape (or leaves `i32`): the scalar
            // round. Lanes outside their bucket's pair take the scalar step alone.
            if in_pair & !fast != 0 {
                return None;
            }
            (next, bin) = self.patch_lanes(x, prep.rows, fast_max, !in_pair, next, bin)?;
        }
        // The offset is the top 16 bits, signed; `offset + bin` fits `i32` (`PackedRow`).
        let offset = _mm512_srai_epi64::<48>(packed);
        let symbols = _mm512_cvtepi64_epi32(_mm512_add_epi64(offset, bin));
        Some(Plan { next, symbols })
    }

    /// The lanes of `lanes` (those whose slot is outside their bucket's pair of bins)
    /// through the scalar decoding step ([`CdfTable::decode_step`], which scans from the
    /// pair): their states before renormalising and their bins put into `next` and `bin`.
    /// `None` when one of them is not fast either (an escape, or a symbol leaving `i32`):
    /// the group then takes the scalar round. Out of line: about 1% of W1's groups have
    /// such a lane, and each used to send its whole group to the scalar round.
    #[cold]
    #[inline(never)]
    #[target_feature(enable = "avx512f")]
    fn patch_lanes(
        &self,
        x: __m512i,
        rows: __m512i,
        fast_max: __m512i,
        lanes: __mmask8,
        next: __m512i,
        bin: __m512i,
    ) -> Option<(__m512i, __m512i)> {
        let ([mut xs, mut rs, mut fm], [mut nx, mut bs]) = ([[0u64; GROUP]; 3], [[0u64; GROUP]; 2]);
        for (v, a) in [x, rows, fast_max]
            .into_iter()
            .zip([&mut xs, &mut rs, &mut fm])
        {
            store8(v, a);
        }
        store8(next, &mut nx);
        store8(bin, &mut bs);
        for k in (0..GROUP).filter(|&k| lanes >> k & 1 != 0) {
            // The row is in range (`prepare` checked every row of the group).
            let (b, state) = self
                .table
                .decode_step(self.table.row(rs[k] as usize), xs[k], self.p);
            if b as u64 >= fm[k] {
                return None;
            }
            (nx[k], bs[k]) = (state, b as u64);
        }
        Some((load8(&nx), load8(&bs)))
    }

    /// Finish a group: renormalise a planned step (the lanes below L take the next
    /// words, in lane order), or run the scalar round from the group's states `x` when
    /// there is no plan or fewer than eight words are left. Returns the eight symbols and
    /// the new states.
    #[target_feature(enable = "avx512f,avx512vl,popcnt")]
    #[inline]
    fn commit(
        &self,
        plan: Option<Plan>,
        x: __m512i,
        rows: __m512i,
        r: &mut WordReader<'_>,
    ) -> Result<([i32; GROUP], __m512i)> {
        let Some(plan) = plan.filter(|_| r.remaining_words() >= GROUP) else {
            // The reader goes by value: its address never escapes, so it stays in
            // registers in the hot loop.
            let (syms, x, after) = scalar_group(self.table, self.p, x, rows, r.clone())?;
            *r = after;
            return Ok((syms, x));
        };
        let next = plan.next;
        let need = _mm512_cmplt_epu64_mask(next, self.below_l);
        let words = r.rest();
        let mut syms = [0i32; GROUP];
        // SAFETY: at least 8 words (32 bytes) are left (checked above); `syms` is 8 i32
        // (32 bytes).
        let words = unsafe {
            _mm256_storeu_si256(syms.as_mut_ptr() as *mut __m256i, plan.symbols);
            _mm256_loadu_si256(words.as_ptr() as *const __m256i)
        };
        // Lane k takes word "set bits of `need` below k".
        // (Widened before the expand, which is the only step that waits on `need`.)
        let w = _mm512_maskz_expand_epi64(need, _mm512_cvtepu32_epi64(words));
        let x = _mm512_mask_or_epi64(next, need, _mm512_slli_epi64::<32>(next), w);
        r.advance(need.count_ones() as usize);
        Ok((syms, x))
    }
}

/// A group through the scalar round, from its states (out of line: it is rare). A row out
/// of range fails: from a scale lookup it marks a NaN input, whose own error the chunk's
/// check then finds (`chunk::chunk_error`, which ranks every decoding error).
#[cold]
#[inline(never)]
#[target_feature(enable = "avx512f")]
fn scalar_group<'d>(
    table: &CdfTable,
    p: u32,
    x: __m512i,
    rows: __m512i,
    mut r: WordReader<'d>,
) -> Result<([i32; GROUP], __m512i, WordReader<'d>)> {
    let mut lanes = [0u64; GROUP];
    store8(x, &mut lanes);
    let mut rows_out = [0u64; GROUP];
    store8(rows, &mut rows_out);
    if let Some(&row) = rows_out.iter().find(|&&v| v >= table.num_tables() as u64) {
        return Err(Error::invalid(format!(
            "row {row} is out of range: the table has {} rows",
            table.num_tables()
        )));
    }
    let syms = decode_round(table, &rows_out.map(|v| v as usize), &mut lanes, &mut r, p)?;
    Ok((syms, load8(&lanes), r))
}

/// The kernel's constants for `table` and `tgt`.
#[target_feature(enable = "avx512f")]
#[inline]
fn kernel<'t, T: DecodeTarget>(table: &'t CdfTable, tgt: &'t T) -> Kernel<'t> {
    let p = table.precision();
    let scales = tgt.scale_rows().and_then(Scales::new);
    Kernel {
        table,
        p,
        packed_rows: table.packed_rows().as_ptr() as *const i64,
        buckets: table.buckets().as_ptr() as *const u8,
        num_rows: _mm512_set1_epi64(table.packed_rows().len() as i64),
        slot_mask: _mm512_set1_epi64(((1u64 << p) - 1) as i64),
        base_mask: _mm512_set1_epi64((1i64 << PackedRow::BASE_BITS) - 1),
        low16: _mm512_set1_epi64(u16::MAX as i64),
        shift_p: _mm_cvtsi32_si128(p as i32),
        below_l: _mm512_set1_epi64(RANS_L as i64),
        scales,
    }
}

/// Eight states from `lanes`.
#[target_feature(enable = "avx512f")]
#[inline]
fn load8(lanes: &[u64; GROUP]) -> __m512i {
    // SAFETY: `lanes` is 8 u64 (64 bytes).
    unsafe { _mm512_loadu_si512(lanes.as_ptr() as *const __m512i) }
}

/// Eight states into `lanes`.
#[target_feature(enable = "avx512f")]
#[inline]
fn store8(v: __m512i, lanes: &mut [u64; GROUP]) {
    // SAFETY: `lanes` is 8 u64 (64 bytes).
    unsafe { _mm512_storeu_si512(lanes.as_mut_ptr() as *mut __m512i, v) }
}

/// `N` lanes' states as vectors of eight (at most 32 lanes), and back.
#[target_feature(enable = "avx512f")]
#[inline]
fn load_states<const N: usize>(x: &[u64; N]) -> [__m512i; MAX_LANES / GROUP] {
    let mut xv = [_mm512_setzero_si512(); MAX_LANES / GROUP];
    for (v, lanes) in xv.iter_mut().zip(x.as_chunks::<GROUP>().0) {
        *v = load8(lanes);
    }
    xv
}

/// See [`load_states`].
#[target_feature(enable = "avx512f")]
#[inline]
fn store_states<const N: usize>(xv: &[__m512i; MAX_LANES / GROUP], x: &mut [u64; N]) {
    for (v, lanes) in xv.iter().zip(x.as_chunks_mut::<GROUP>().0) {
        store8(*v, lanes);
    }
}

/// Decodes the round of a chunk at positions `at .. at + N`, group pair by group pair (see
/// `lanes_avx2::round`).
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
#[inline]
fn round<T: DecodeTarget, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> __m512i,
    at: usize,
    xv: &mut [__m512i; MAX_LANES / GROUP],
    r: &mut WordReader<'_>,
    dst: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    tgt.prefetch(at + prefetch::AHEAD);
    let mut g = 0;
    while g < N {
        let (i, base) = (g / GROUP, at + g);
        let rows = k.prepare(rows_of(base));
        if g + GROUP < N {
            let rows2 = k.prepare(rows_of(base + GROUP));
            let (x1, x2) = (xv[i], xv[i + 1]);
            let (p1, p2) = (k.plan(x1, &rows), k.plan(x2, &rows2));
            let (s1, x1) = k.commit(p1, x1, rows.rows, r)?;
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            let (s2, x2) = k.commit(p2, x2, rows2.rows, r)?;
            put_values(
                &mut dst[g + GROUP..g + 2 * GROUP],
                tgt.values(base + GROUP, &s2),
            );
            (xv[i], xv[i + 1]) = (x1, x2);
            g += 2 * GROUP;
        } else {
            let x1 = xv[i];
            let (s1, x1) = k.commit(k.plan(x1, &rows), x1, rows.rows, r)?;
            put_values(&mut dst[g..g + GROUP], tgt.values(base, &s1));
            xv[i] = x1;
            g += GROUP;
        }
    }
    Ok(())
}

/// The hot loop of the lanes decoder for `N` a multiple of 8 (see `chunk::decode_rounds`
/// for the contract: whole rounds, every lane in the ordinary regime). `check` is the
/// positions' check: called first, unless the rows are a scale lookup, which checks the
/// inputs itself (`simd/avx512_scale.rs`: a NaN gives a row out of range, and the scalar round
/// reports it).
///
/// # Safety
/// The CPU has AVX-512 F and VL and POPCNT, and [`usable`] returned `true` for `table`.
/// (Rows are checked here: a row out of range takes the scalar round, which fails.)
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
pub(crate) unsafe fn decode_rounds<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    c: ChunkLanes<'_, '_, T, N>,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let k = kernel(table, tgt);
    // One loop per source of rows, so that neither carries the other's code.
    match k.scales {
        Some(s) => chunk_loop::<T, N, true>(&k, tgt, &|base| s.rows(base), c),
        None => {
            check()?;
            chunk_loop::<T, N, false>(&k, tgt, &|base| target_rows(tgt, base), c)
        }
    }
}

/// [`decode_rounds`] with the rows of positions `base .. base + 8` from `rows_of(base)`.
/// Each round's rows and records are fetched a round ahead ([`ahead_rounds`]) for 16
/// lanes, and for 8 lanes with `AHEAD` (the scale lookup, whose rows come from a gather,
/// so that a group's records wait on two gathers in a row). With 8 lanes and a target's
/// rows, one round's latency is short enough that fetching ahead only adds work; with 16
/// it hides the second chunk's loads (docs/PERFORMANCE.md, "The AVX-512 decoder"). Other
/// lane counts take [`round`] after [`round`].
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
#[inline]
fn chunk_loop<T: DecodeTarget, const N: usize, const AHEAD: bool>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> __m512i,
    c: ChunkLanes<'_, '_, T, N>,
) -> Result<()> {
    let mut xv = load_states(c.x);
    // A local reader (written back at the end) stays in registers.
    let mut r = c.r.clone();
    if AHEAD && N == GROUP {
        ahead_rounds::<T, N, 1>(k, tgt, rows_of, c.start, c.out, &mut xv, &mut r)?;
    } else if N == 2 * GROUP {
        ahead_rounds::<T, N, 2>(k, tgt, rows_of, c.start, c.out, &mut xv, &mut r)?;
    } else {
        plain_rounds::<T, N>(k, tgt, rows_of, c.start, c.out, &mut xv, &mut r)?;
    }
    store_states(&xv, c.x);
    *c.r = r;
    Ok(())
}

/// The `G` groups' records of the round at `base`.
#[target_feature(enable = "avx512f,avx512vl")]
#[inline]
fn prepare_round<const G: usize>(
    k: &Kernel<'_>,
    rows_of: &impl Fn(usize) -> __m512i,
    base: usize,
) -> [Prep; G] {
    let zero = _mm512_setzero_si512();
    let mut preps = [Prep {
        rows: zero,
        packed: zero,
        ok: false,
    }; G];
    for (g, p) in preps.iter_mut().enumerate() {
        *p = k.prepare(rows_of(base + g * GROUP));
    }
    preps
}

/// Whole rounds of one chunk of `N = G * 8` lanes, each round's rows and records fetched
/// a round ahead (the last round fetches its own again): plan the `G` groups, then
/// renormalise each in lane order.
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
#[inline]
fn ahead_rounds<T: DecodeTarget, const N: usize, const G: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> __m512i,
    start: usize,
    out: &mut [MaybeUninit<T::Out>],
    xv: &mut [__m512i; MAX_LANES / GROUP],
    r: &mut WordReader<'_>,
) -> Result<()> {
    let rounds = out.len() / N;
    if rounds == 0 {
        return Ok(());
    }
    let mut ahead = prepare_round::<G>(k, rows_of, start);
    for (q, dst) in out.chunks_exact_mut(N).enumerate() {
        let base = start + q * N;
        tgt.prefetch(base + prefetch::AHEAD);
        let next = start + (q + 1).min(rounds - 1) * N;
        let preps = std::mem::replace(&mut ahead, prepare_round::<G>(k, rows_of, next));
        let mut plans = [None; G];
        for g in 0..G {
            plans[g] = k.plan(xv[g], &preps[g]);
        }
        for g in 0..G {
            let (s, x) = k.commit(plans[g], xv[g], preps[g].rows, r)?;
            let at = g * GROUP;
            put_values(&mut dst[at..at + GROUP], tgt.values(base + at, &s));
            xv[g] = x;
        }
    }
    Ok(())
}

/// Whole rounds of one chunk from position `start` into `out` (a multiple of `N`), one
/// [`round`] after another.
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
#[inline]
fn plain_rounds<T: DecodeTarget, const N: usize>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> __m512i,
    start: usize,
    out: &mut [MaybeUninit<T::Out>],
    xv: &mut [__m512i; MAX_LANES / GROUP],
    r: &mut WordReader<'_>,
) -> Result<()> {
    for (q, dst) in out.chunks_exact_mut(N).enumerate() {
        round::<T, N>(k, tgt, rows_of, start + q * N, xv, r, dst)?;
    }
    Ok(())
}

/// The groups at positions `a` and `b` (one of each chunk of a pair), prepared. A function
/// rather than a closure called from both branches of the loop: the closure form was
/// slower (docs/PERFORMANCE.md, "The AVX-512 decoder").
#[target_feature(enable = "avx512f,avx512vl")]
#[inline]
fn prepare_pair(
    k: &Kernel<'_>,
    rows_of: &impl Fn(usize) -> __m512i,
    a: usize,
    b: usize,
) -> (Prep, Prep) {
    (k.prepare(rows_of(a)), k.prepare(rows_of(b)))
}

/// [`decode_rounds`] for two 8-lane chunks at once, round by round (see
/// `lanes_avx2::decode_rounds_pair`); `check` as there, for both chunks' positions.
///
/// # Safety
/// As [`decode_rounds`].
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
pub(crate) unsafe fn decode_rounds_pair<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    a: ChunkLanes<'_, '_, T, N>,
    b: ChunkLanes<'_, '_, T, N>,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let k = kernel(table, tgt);
    match k.scales {
        Some(s) => pair_loop::<T, N, true>(&k, tgt, &|base| s.rows(base), a, b),
        None => {
            check()?;
            pair_loop::<T, N, false>(&k, tgt, &|base| target_rows(tgt, base), a, b)
        }
    }
}

/// [`decode_rounds_pair`] with the rows from `rows_of` (`AHEAD` as in [`chunk_loop`]).
#[target_feature(enable = "avx512f,avx512vl,popcnt")]
#[inline]
fn pair_loop<T: DecodeTarget, const N: usize, const AHEAD: bool>(
    k: &Kernel<'_>,
    tgt: &T,
    rows_of: &impl Fn(usize) -> __m512i,
    a: ChunkLanes<'_, '_, T, N>,
    b: ChunkLanes<'_, '_, T, N>,
) -> Result<()> {
    let (mut xa, mut xb) = (load_states(a.x), load_states(b.x));
    let (mut ra, mut rb) = (a.r.clone(), b.r.clone());
    let rounds = a.out.len().min(b.out.len()) / N;
    let (a_out, a_rest) = a.out.split_at_mut(rounds * N);
    let (b_out, b_rest) = b.out.split_at_mut(rounds * N);
    let pairs = a_out.chunks_exact_mut(N).zip(b_out.chunks_exact_mut(N));
    // Only 8-lane chunks pair (`chunk::decode_chunk_pair`): one group per chunk.
    const { assert!(N == GROUP) };
    if rounds > 0 {
        // One group per chunk: plan both chunks' steps, then renormalise each. With
        // `AHEAD`, each round's rows and records are fetched a round ahead (see
        // `chunk_loop`; the last round fetches its own again).
        let mut ahead = prepare_pair(k, rows_of, a.start, b.start);
        for (q, (da, db)) in pairs.enumerate() {
            let (base_a, base_b) = (a.start + q * N, b.start + q * N);
            tgt.prefetch(base_a + prefetch::AHEAD);
            tgt.prefetch(base_b + prefetch::AHEAD);
            let (rows_a, rows_b) = if AHEAD {
                let next = (q + 1).min(rounds - 1) * N;
                let fetched = prepare_pair(k, rows_of, a.start + next, b.start + next);
                std::mem::replace(&mut ahead, fetched)
            } else {
                prepare_pair(k, rows_of, base_a, base_b)
            };
            let (pa, pb) = (k.plan(xa[0], &rows_a), k.plan(xb[0], &rows_b));
            let (sa, x1) = k.commit(pa, xa[0], rows_a.rows, &mut ra)?;
            put_values(da, tgt.values(base_a, &sa));
            let (sb, x2) = k.commit(pb, xb[0], rows_b.rows, &mut rb)?;
            put_values(db, tgt.values(base_b, &sb));
            (xa[0], xb[0]) = (x1, x2);
        }
    }
    let (a_from, b_from) = (a.start + rounds * N, b.start + rounds * N);
    plain_rounds::<T, N>(k, tgt, rows_of, a_from, a_rest, &mut xa, &mut ra)?;
    plain_rounds::<T, N>(k, tgt, rows_of, b_from, b_rest, &mut xb, &mut rb)?;
    store_states(&xa, a.x);
    store_states(&xb, b.x);
    (*a.r, *b.r) = (ra, rb);
    Ok(())
}
