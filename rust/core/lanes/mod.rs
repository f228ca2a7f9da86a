//! Interleaved rANS lanes: one chunk of the fastrans stream.
//!
//! A chunk of `m` symbols is coded by `N` independent rANS states ("lanes", `N` a power of
//! two, at most `m`): symbol `j` of the chunk goes to lane `j % N`. All lanes push their
//! words onto one shared stack, so the decoder, which visits the symbols in order, reads
//! them in order from one stream. The independent dependency chains let the CPU overlap
//! `N` symbols at once.
//!
//! What a lane costs is its final state, written in front of the words. To keep that small
//! a lane starts from state [`LANE_START`] = 1 rather than CompressAI's `L = 2^31` (those 31
//! bits are pure overhead otherwise) and its final state is a varint, so a lane costs about
//! the information its state holds plus a byte or two. The price: while a lane's state is
//! still below `L` its steps never emit words (the emission thresholds are >= 2^47), but the
//! decoder, seeing `x < L` after the matching steps, could not tell them from steps that
//! did. So each lane records where its state first reached `L` (the "crossing"): the decoder
//! renormalises as usual before that point and never after it. The crossing is recorded as
//! `t` = how many of the lane's symbols, counted from its last, were coded before and at the
//! crossing, and `e` = how many coding steps of the crossing symbol came after the crossing
//! step (non-zero only when an escaped symbol crosses part-way); the decoder renormalises
//! normally during the first `e` steps of the crossing symbol and not after. A lane that
//! never reaches `L` (very low-entropy data) renormalises never, and needs no record.
//!
//! Chunk layout (see docs/FORMAT.md): for each lane `k` in order, `varint(x_k)` and, when
//! `x_k >= 2^31`, `varint(2 t_k + [e_k > 0])` followed by one byte `e_k` when non-zero; then
//! the words, little-endian, in decode order.

use std::mem::MaybeUninit;

use crate::coding::escape::{direct_bin, get_symbol, put_symbol};
use crate::coding::rans::{enc_put, WordReader, RANS_L};
use crate::coding::varint;
use crate::error::{Error, Result};
use crate::simd::Simd;
#[cfg(target_arch = "x86_64")]
use crate::simd::{vector_encoder, vector_kernel};
use crate::tables::cdf_table::CdfTable;

pub(crate) mod round;
pub(crate) mod traits;
pub(crate) mod words;

use round::{decode_round, put_escaped};
pub(crate) use traits::{put_values, Arrays};
pub use traits::{
    DecodeTarget, EncodeSource, ScaleRows, SourceArrays, CHECK_BLOCK, LANE_START, MAX_LANES,
};
use words::{LaneWords, Limited, Probe, RoundWords};

/// The error to report for a chunk (positions `start .. start + m`) that failed with `e`:
/// the chunk's first bad input if it has one, else `e`. A failed block check, or any error
/// while decoding, goes through here (a cold path), so which error a bad input gets does not
/// depend on the block size or the coding order, and a bad input outranks damage to the
/// stream in its chunk, as when each chunk was checked whole before coding.
fn chunk_error(
    check: impl Fn(usize, usize) -> Result<()>,
    start: usize,
    m: usize,
    e: Error,
) -> Error {
    check(start, m).err().unwrap_or(e)
}

/// Positions `lo .. lo + CHECK_BLOCK` clipped to `..end`: a block of a chunk's hot rounds.
#[inline]
fn block(lo: usize, end: usize) -> (usize, usize) {
    (lo.min(end), (lo + CHECK_BLOCK).min(end))
}

/// Lanes a chunk of `m` symbols actually uses: the largest power of two `<= min(lanes, m)`.
pub fn chunk_lanes(lanes: usize, m: usize) -> usize {
    let n = lanes.min(m).clamp(1, MAX_LANES);
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// Symbols of lane `k` in a chunk of `m` symbols and `n` lanes.
#[inline]
fn lane_len(m: usize, n: usize, k: usize) -> usize {
    m / n + usize::from(k < m % n)
}

/// Encode positions `start .. start + m` of `src` as one chunk, appended to `out`.
pub fn encode_chunk<S: EncodeSource>(
    table: &CdfTable,
    src: &S,
    start: usize,
    m: usize,
    lanes: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    match chunk_lanes(lanes, m) {
        1 => encode_p::<S, 1>(table, src, start, m, out),
        2 => encode_p::<S, 2>(table, src, start, m, out),
        4 => encode_p::<S, 4>(table, src, start, m, out),
        8 => encode_p::<S, 8>(table, src, start, m, out),
        16 => encode_p::<S, 16>(table, src, start, m, out),
        _ => encode_p::<S, 32>(table, src, start, m, out),
    }
}

/// Where a lane's state first reached `L` (see the module doc).
#[derive(Debug, Clone, Copy, Default)]
struct Crossing {
    crossed: bool,
    /// Lane symbols coded before and at the crossing, `1 ..= lane_len`.
    t: usize,
    /// Steps of the crossing symbol after the crossing step.
    e: u32,
}

/// Precision 16 (CompressAI's, and every table built with the defaults) gets its own
/// instantiation so shifts and masks are immediates; other precisions are read at run time.
fn encode_p<S: EncodeSource, const N: usize>(
    table: &CdfTable,
    src: &S,
    start: usize,
    m: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    if table.precision() == 16 {
        encode_n::<S, N, 16>(table, src, start, m, out)
    } else {
        encode_n::<S, N, 0>(table, src, start, m, out)
    }
}

/// `P` is the precision when known at compile time, 0 when it is read from the table.
/// Encoding fails only on a bad input, reported as the chunk's first (`chunk_error`).
fn encode_n<S: EncodeSource, const N: usize, const P: u32>(
    table: &CdfTable,
    src: &S,
    start: usize,
    m: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    encode_lanes::<S, N, P>(table, src, start, m, out)
        .map_err(|e| chunk_error(|at, len| src.check(at, len), start, m, e))
}

/// [`encode_n`], its errors not yet ranked. Appends to `out` only on success.
fn encode_lanes<S: EncodeSource, const N: usize, const P: u32>(
    table: &CdfTable,
    src: &S,
    start: usize,
    m: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    let p = if P == 0 { table.precision() } else { P };
    let mut x = [LANE_START; N];
    let mut cross = [Crossing::default(); N];
    // Positions `checked .. m` are checked. `cover(pos)` checks the rest of the aligned
    // block holding `pos` (the encoder goes from the last position to the first).
    let mut checked = m;
    let mut cover = |pos: usize| -> Result<()> {
        if pos < checked {
            let lo = pos - pos % CHECK_BLOCK;
            src.check(start + lo, checked - lo)?;
            checked = lo;
        }
        Ok(())
    };
    // Room for 16 bits a symbol before the stack grows (W1 takes about 3.1).
    let mut words = LaneWords::with_capacity(m / 2 + 16);
    let mut uncrossed = N;
    let mut j = m;
    // Encoder order is last symbol first; lanes start small, so watch for crossings.
    while j > 0 && uncrossed > 0 {
        j -= 1;
        cover(j)?;
        let k = j % N;
        let (s, row) = src.get(start + j);
        if cross[k].crossed {
            put_symbol(&mut x[k], &mut words, table, s, row, p);
        } else {
            let mut probe = Probe {
                out: &mut words,
                steps: 0,
                crossed_at: None,
            };
            put_symbol(&mut x[k], &mut probe, table, s, row, p);
            if let Some(at) = probe.crossed_at {
                cross[k] = Crossing {
                    crossed: true,
                    t: lane_len(m, N, k) - j / N,
                    e: probe.steps - at,
                };
                uncrossed -= 1;
            }
        }
    }
    // Every lane is in the ordinary regime now: finish the partial round (checked with the
    // crossing's block: CHECK_BLOCK is a multiple of N), then whole rounds, block by block.
    // Each block is checked first, unless the kernel checks its inputs itself (then it
    // never calls `cover`, so `checked` stays where the crossings left it).
    while !j.is_multiple_of(N) {
        j -= 1;
        let (s, row) = src.get(start + j);
        put_symbol(&mut x[j % N], &mut words, table, s, row, p);
    }
    while j > 0 {
        let lo = (j - 1) - (j - 1) % CHECK_BLOCK;
        let (x, w) = (&mut x, &mut words);
        encode_rounds::<S, N, P>(table, src, start + lo, (j - lo) / N, x, w, || cover(lo))?;
        j = lo;
    }
    let stack = words;
    let words = stack.words();
    out.reserve(N * 10 + words.len() * 4);
    for k in 0..N {
        varint::put(out, x[k]);
        if cross[k].crossed {
            let c = cross[k];
            varint::put(out, 2 * c.t as u64 + u64::from(c.e > 0));
            if c.e > 0 {
                out.push(c.e as u8);
            }
        }
    }
    // Sized once, then filled: a push per word re-checks the capacity every time.
    let at = out.len();
    out.resize(at + 4 * words.len(), 0);
    for (dst, w) in out[at..].chunks_exact_mut(4).zip(words.iter().rev()) {
        dst.copy_from_slice(&w.to_le_bytes());
    }
    stack.recycle();
    Ok(())
}

/// The hot loop of [`encode_n`]: rounds `rounds - 1` down to 0, every lane in the
/// ordinary regime, after `check` has passed for their positions. Each round first gets
/// its `N` (symbol, row) pairs, which are independent (the float work of a fused source
/// overlaps freely), then makes the `N` state updates. A function of its own so its state
/// and stack live in registers. Where the CPU has AVX-512, the rounds go to
/// `simd/avx512_encode.rs` instead, else where it has AVX2 to `simd/avx2_encode.rs` (as
/// `decode_rounds` hands its rounds to the vector decoders); both skip `check` for the
/// sources they check themselves ([`ScaleRows`]).
#[inline(never)]
fn encode_rounds<S: EncodeSource, const N: usize, const P: u32>(
    table: &CdfTable,
    src: &S,
    start: usize,
    rounds: usize,
    x: &mut [u64; N],
    words: &mut LaneWords,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if let Some(ifma) = vector_encoder::<N>(table) {
        // SAFETY: `vector_encoder` checked the CPU and the table.
        return unsafe {
            crate::simd::avx512_encode::encode_rounds::<S, N>(
                table, src, start, rounds, x, words, check, ifma,
            )
        };
    }
    #[cfg(target_arch = "x86_64")]
    if crate::simd::avx2_encoder::<N>(table) {
        // SAFETY: `avx2_encoder` checked the CPU and the table.
        return unsafe {
            crate::simd::avx2_encode::encode_rounds::<S, N>(
                table, src, start, rounds, x, words, check,
            )
        };
    }
    check()?;
    let p = if P == 0 { table.precision() } else { P };
    let (mut lx, mut lw) = (*x, std::mem::take(words));
    for r in (0..rounds).rev() {
        let base = start + r * N;
        let mut syms = [0i32; N];
        let mut rows = [0usize; N];
        src.get_round(base, &mut syms, &mut rows);
        let mut sink = RoundWords {
            win: lw.window::<N>(),
            count: 0,
        };
        for k in (0..N).rev() {
            let row = table.row(rows[k]);
            match direct_bin(row, syms[k]) {
                Some(bin) => enc_put(&mut lx[k], &mut sink, table.enc_symbol(row, bin), p),
                None => {
                    lw.len += sink.count;
                    (lx[k], lw) = put_escaped(lx[k], lw, table, syms[k], rows[k], p);
                    sink = RoundWords {
                        win: lw.window::<N>(),
                        count: 0,
                    };
                }
            }
        }
        lw.len += sink.count;
    }
    (*x, *words) = (lx, lw);
    Ok(())
}

/// The hot loop of [`decode_n`]: whole rounds (`out.len()` a multiple of `N`) with every
/// lane in the ordinary regime, after `check` has passed for their positions. Each round
/// looks up its `N` rows, makes the `N` decoding steps (independent, and they read no
/// words, so their table loads overlap), then renormalises and finishes the lanes in
/// stream order. A function of its own so its state and reader live in registers. The
/// AVX-512 kernel skips `check` for a target whose rows are a [`ScaleRows`], which it
/// checks itself.
#[inline(never)]
fn decode_rounds<T: DecodeTarget, const N: usize, const P: u32>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    x: &mut [u64; N],
    r: &mut WordReader<'_>,
    out: &mut [MaybeUninit<T::Out>],
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    match vector_kernel::<N>(table) {
        Simd::Avx512 | Simd::Avx512Ifma => {
            let c = round::ChunkLanes { start, x, r, out };
            // SAFETY: `vector_kernel` checked the CPU and the table.
            return unsafe {
                crate::simd::avx512_decode::decode_rounds::<T, N>(table, tgt, c, check)
            };
        }
        Simd::Avx2 => {
            check()?;
            let c = round::ChunkLanes { start, x, r, out };
            // SAFETY: `vector_kernel` checked the CPU and the table.
            return unsafe { crate::simd::avx2_decode::decode_rounds::<T, N>(table, tgt, c) };
        }
        Simd::Scalar => {}
    }
    check()?;
    let p = if P == 0 { table.precision() } else { P };
    let (mut lx, mut lr) = (*x, r.clone());
    for (q, dst) in out.chunks_exact_mut(N).enumerate() {
        let base = start + q * N;
        let mut rows = [0usize; N];
        tgt.rows(base, &mut rows);
        let syms = decode_round(table, &rows, &mut lx, &mut lr, p)?;
        put_values(dst, tgt.values(base, &syms));
    }
    (*x, *r) = (lx, lr);
    Ok(())
}

/// Decode one chunk (`data`, exactly its bytes) into `out` (one entry per position
/// `start .. start + out.len()`).
pub fn decode_chunk<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    data: &[u8],
    lanes: usize,
    out: &mut [T::Out],
) -> Result<()> {
    decode_chunk_into(table, tgt, start, data, lanes, slots(out))
}

/// [`decode_chunk`] into memory that need not be initialised: when it returns `Ok`, every
/// element of `out` has been written (each output position is written by the path that
/// decodes it, in this module, `simd/avx2_decode.rs` and `simd/avx512_decode.rs`, never by the
/// target: the hot rounds cover `..fast * N` through [`put_values`], `finish_chunk` the
/// rest); on an error, any
/// part of `out` may be unwritten. `format::decode_with` relies on this to skip
/// zero-filling its output.
pub(crate) fn decode_chunk_into<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    data: &[u8],
    lanes: usize,
    out: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    match chunk_lanes(lanes, out.len()) {
        1 => decode_p::<T, 1>(table, tgt, start, data, out),
        2 => decode_p::<T, 2>(table, tgt, start, data, out),
        4 => decode_p::<T, 4>(table, tgt, start, data, out),
        8 => decode_p::<T, 8>(table, tgt, start, data, out),
        16 => decode_p::<T, 16>(table, tgt, start, data, out),
        _ => decode_p::<T, 32>(table, tgt, start, data, out),
    }
}

/// A chunk argument of the pair decoders (start, bytes, outputs) with its outputs as slots.
#[inline]
fn chunk_slots<'a, O>(
    c: (usize, &'a [u8], &'a mut [O]),
) -> (usize, &'a [u8], &'a mut [MaybeUninit<O>]) {
    (c.0, c.1, slots(c.2))
}

/// An initialised slice seen as output slots, for the public entry points.
#[inline]
fn slots<O>(out: &mut [O]) -> &mut [MaybeUninit<O>] {
    // SAFETY: `MaybeUninit<O>` has the layout of `O`, and the decoders only ever store
    // initialised values through the slots (`MaybeUninit::write` in `put_values` and
    // `finish_chunk`; targets never see the slots), never `uninit()`, so `out` is still
    // initialised whatever happens.
    unsafe { &mut *(out as *mut [O] as *mut [MaybeUninit<O>]) }
}

/// See [`encode_p`].
fn decode_p<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    data: &[u8],
    out: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    if table.precision() == 16 {
        decode_n::<T, N, 16>(table, tgt, start, data, out)
    } else {
        decode_n::<T, N, 0>(table, tgt, start, data, out)
    }
}

/// A chunk whose lane records are read and whose target positions are checked.
struct OpenChunk<'d, const N: usize> {
    x: [u64; N],
    /// Lane-local index of each lane's crossing symbol, and its renormalising steps.
    tail_q: [usize; N],
    tail_e: [u32; N],
    r: WordReader<'d>,
    /// Whole rounds before any lane's crossing symbol: the hot loop's share.
    fast: usize,
}

/// Reads the lane records of a chunk of `m` symbols and checks the target's positions
/// `start .. start + m`.
fn open_chunk<'d, T: DecodeTarget, const N: usize>(
    tgt: &T,
    start: usize,
    data: &'d [u8],
    m: usize,
) -> Result<OpenChunk<'d, N>> {
    let mut pos = 0usize;
    let mut x = [0u64; N];
    // Lane-local index of the crossing symbol (0 and e = 0 for a lane that never crossed:
    // then no step of the lane renormalises).
    let mut tail_q = [0usize; N];
    let mut tail_e = [0u32; N];
    for k in 0..N {
        let v = varint::get(data, &mut pos, "lane state")?;
        if !(LANE_START..1 << 63).contains(&v) {
            return Err(Error::corrupt(format!(
                "lane state {v:#x} is outside [1, 2^63)"
            )));
        }
        x[k] = v;
        if v >= RANS_L {
            let nk = lane_len(m, N, k);
            let te = varint::get(data, &mut pos, "lane crossing")?;
            let t = te >> 1;
            if t == 0 || t > nk as u64 {
                return Err(Error::corrupt(format!(
                    "lane crossing {t} is outside 1..={nk} (the lane's symbol count)"
                )));
            }
            tail_q[k] = nk - t as usize;
            if te & 1 == 1 {
                let Some(&e) = data.get(pos) else {
                    return Err(Error::corrupt("stream ends inside a lane record"));
                };
                pos += 1;
                if e == 0 || e > 15 {
                    return Err(Error::corrupt(format!(
                        "lane crossing step count {e} is invalid"
                    )));
                }
                tail_e[k] = e as u32;
            }
        }
    }
    // The target's positions are checked block by block as they are decoded (see
    // CHECK_BLOCK); a bad input still comes before the stream errors found after the lane
    // records, as when the whole chunk was checked here.
    let r = WordReader::new(&data[pos..])
        .map_err(|e| chunk_error(|at, len| tgt.check(at, len), start, m, e))?;
    let fast = tail_q.iter().copied().min().unwrap_or(0).min(m / N);
    Ok(OpenChunk {
        x,
        tail_q,
        tail_e,
        r,
        fast,
    })
}

/// Decodes the rounds after the hot loop's (`c.fast` of them are done), then checks that
/// the chunk ends where it should.
fn finish_chunk<T: DecodeTarget, const N: usize, const P: u32>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    c: &mut OpenChunk<'_, N>,
    out: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    let p = if P == 0 { table.precision() } else { P };
    let (x, r) = (&mut c.x, &mut c.r);
    for (j, o) in out.iter_mut().enumerate().skip(c.fast * N) {
        let (k, q) = (j % N, j / N);
        let row = tgt.row(start + j);
        let s = if q < c.tail_q[k] {
            get_symbol(&mut x[k], r, table, row, p)?
        } else {
            let left = if q == c.tail_q[k] { c.tail_e[k] } else { 0 };
            let mut lim = Limited { r: r.clone(), left };
            let s = get_symbol(&mut x[k], &mut lim, table, row, p)?;
            *r = lim.r;
            s
        };
        o.write(tgt.value(start + j, s));
    }
    if r.remaining_words() != 0 {
        return Err(Error::corrupt(format!(
            "{} words left in a chunk after its last symbol",
            r.remaining_words()
        )));
    }
    if x.iter().any(|&v| v != LANE_START) {
        return Err(Error::corrupt(
            "a lane did not end in its start state (corrupt stream or wrong indexes)",
        ));
    }
    Ok(())
}

/// `P` as in [`encode_n`].
fn decode_n<T: DecodeTarget, const N: usize, const P: u32>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    data: &[u8],
    out: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    let m = out.len();
    let mut c = open_chunk::<T, N>(tgt, start, data, m)?;
    let mut decode = || -> Result<()> {
        let hot = c.fast * N;
        for lo in (0..hot).step_by(CHECK_BLOCK) {
            let (lo, hi) = block(lo, hot);
            let (x, r, dst) = (&mut c.x, &mut c.r, &mut out[lo..hi]);
            let check = || tgt.check(start + lo, hi - lo);
            decode_rounds::<T, N, P>(table, tgt, start + lo, x, r, dst, check)?;
        }
        tgt.check(start + hot, m - hot)?;
        finish_chunk::<T, N, P>(table, tgt, start, &mut c, out)
    };
    decode().map_err(|e| chunk_error(|at, len| tgt.check(at, len), start, m, e))
}

/// Decodes two chunks (`a` then `b` in stream order), interleaving their hot loops when
/// both have 8 lanes and the vector kernel runs: one 8-lane chunk alone leaves the kernel
/// waiting on one round's latency. Chunks of 16 or more lanes keep it busy alone, and
/// pairing them only adds register pressure, so they are decoded one after the other
/// (docs/PERFORMANCE.md, "The AVX-512 decoder").
/// The result is exactly that of [`decode_chunk`] on `a`, then on `b` (the first error in
/// stream order).
pub fn decode_chunk_pair<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [T::Out]),
    b: (usize, &[u8], &mut [T::Out]),
    lanes: usize,
) -> Result<()> {
    decode_chunk_pair_into(table, tgt, chunk_slots(a), chunk_slots(b), lanes)
}

/// [`decode_chunk_pair`] into output slots, with [`decode_chunk_into`]'s guarantee for
/// both chunks' slots.
pub(crate) fn decode_chunk_pair_into<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    lanes: usize,
) -> Result<()> {
    let paired = decode_chunks_interleaved_into(
        table,
        tgt,
        (a.0, a.1, &mut *a.2),
        (b.0, b.1, &mut *b.2),
        lanes,
    );
    // Any error: decode the chunks one by one, so the first error in stream order is the
    // one reported, exactly as without pairing.
    if let Some(Ok(())) = paired {
        return Ok(());
    }
    decode_chunk_into(table, tgt, a.0, a.1, lanes, a.2)?;
    decode_chunk_into(table, tgt, b.0, b.1, lanes, b.2)
}

/// The interleaved decode behind [`decode_chunk_pair`], without its fallback: `None` when
/// it does not apply (the chunks' lane counts are not both 8, or the vector kernel cannot
/// run); an error may come from either chunk. Public for the tests, which must
/// see the interleaved path itself succeed.
#[doc(hidden)]
pub fn decode_chunks_interleaved<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [T::Out]),
    b: (usize, &[u8], &mut [T::Out]),
    lanes: usize,
) -> Option<Result<()>> {
    decode_chunks_interleaved_into(table, tgt, chunk_slots(a), chunk_slots(b), lanes)
}

fn decode_chunks_interleaved_into<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    lanes: usize,
) -> Option<Result<()>> {
    let n = chunk_lanes(lanes, a.2.len());
    if n != chunk_lanes(lanes, b.2.len()) {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    match n {
        8 => decode_pair_n::<T, 8>(table, tgt, a, b),
        _ => None,
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (table, tgt, a, b);
        None
    }
}

/// The interleaved decode of [`decode_chunk_pair`], or `None` when the kernel cannot run.
#[cfg(target_arch = "x86_64")]
fn decode_pair_n<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
) -> Option<Result<()>> {
    let kernel = vector_kernel::<N>(table);
    if kernel == Simd::Scalar {
        return None;
    }
    let mut run = || -> Result<()> {
        let mut ca = open_chunk::<T, N>(tgt, a.0, a.1, a.2.len())?;
        let mut cb = open_chunk::<T, N>(tgt, b.0, b.1, b.2.len())?;
        let (hot_a, hot_b) = (ca.fast * N, cb.fast * N);
        // Block by block, as `decode_n` (the errors need no care here: any error sends
        // the pair to the one-by-one decode).
        for lo in (0..hot_a.max(hot_b)).step_by(CHECK_BLOCK) {
            let ((la, ha), (lb, hb)) = (block(lo, hot_a), block(lo, hot_b));
            let check = || {
                tgt.check(a.0 + la, ha - la)?;
                tgt.check(b.0 + lb, hb - lb)
            };
            let lanes_a = round::ChunkLanes {
                start: a.0 + la,
                x: &mut ca.x,
                r: &mut ca.r,
                out: &mut a.2[la..ha],
            };
            let lanes_b = round::ChunkLanes {
                start: b.0 + lb,
                x: &mut cb.x,
                r: &mut cb.r,
                out: &mut b.2[lb..hb],
            };
            if kernel == Simd::Avx512 {
                // SAFETY: `vector_kernel` checked the CPU and the table.
                unsafe {
                    crate::simd::avx512_decode::decode_rounds_pair::<T, N>(
                        table, tgt, lanes_a, lanes_b, check,
                    )?
                };
            } else {
                check()?;
                // SAFETY: `vector_kernel` checked the CPU and the table.
                unsafe {
                    crate::simd::avx2_decode::decode_rounds_pair::<T, N>(
                        table, tgt, lanes_a, lanes_b,
                    )?
                };
            }
        }
        tgt.check(a.0 + hot_a, a.2.len() - hot_a)?;
        tgt.check(b.0 + hot_b, b.2.len() - hot_b)?;
        finish_chunk::<T, N, 0>(table, tgt, a.0, &mut ca, a.2)?;
        finish_chunk::<T, N, 0>(table, tgt, b.0, &mut cb, b.2)
    };
    Some(run())
}
