//! Decoding one chunk: the lane records, the hot rounds (handed to a vector decoder where
//! one runs), the rounds around the crossings, and the checks that the chunk ends where
//! it should.

use std::mem::MaybeUninit;

use crate::coding::rans::{WordReader, RANS_L};
use crate::coding::varint;
use crate::error::{Error, Result};
use crate::lanes::model::{SymbolGet, TableGet};
use crate::lanes::round::{self, decode_round};
use crate::lanes::traits::{put_values, DecodeTarget, CHECK_BLOCK, LANE_START};
use crate::lanes::words::Limited;
#[cfg(target_arch = "x86_64")]
use crate::simd::vector_kernel;
use crate::simd::Simd;
use crate::tables::cdf_table::CdfTable;

use super::{block, chunk_error, chunk_lanes, lane_len, slots};

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
pub(super) struct OpenChunk<'d, const N: usize> {
    pub(super) x: [u64; N],
    /// Lane-local index of each lane's crossing symbol, and its renormalising steps.
    tail_q: [usize; N],
    tail_e: [u32; N],
    pub(super) r: WordReader<'d>,
    /// Whole rounds before any lane's crossing symbol: the hot loop's share.
    pub(super) fast: usize,
}

/// Reads the lane records of a chunk of `m` symbols and checks the target's positions
/// `start .. start + m`.
pub(super) fn open_chunk<'d, T: DecodeTarget, const N: usize>(
    tgt: &T,
    start: usize,
    data: &'d [u8],
    m: usize,
) -> Result<OpenChunk<'d, N>> {
    open_lanes::<N>(|at, len| tgt.check(at, len), start, data, m)
}

/// [`open_chunk`] for any model: `check` reports the first bad input of positions
/// `at .. at + len`.
pub(super) fn open_lanes<const N: usize>(
    check: impl Fn(usize, usize) -> Result<()>,
    start: usize,
    data: &[u8],
    m: usize,
) -> Result<OpenChunk<'_, N>> {
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
    let r = WordReader::new(&data[pos..]).map_err(|e| chunk_error(check, start, m, e))?;
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
pub(super) fn finish_chunk<T: DecodeTarget, const N: usize, const P: u32>(
    table: &CdfTable,
    tgt: &T,
    start: usize,
    c: &mut OpenChunk<'_, N>,
    out: &mut [MaybeUninit<T::Out>],
) -> Result<()> {
    let p = if P == 0 { table.precision() } else { P };
    let model = TableGet { table, tgt, p };
    finish_lanes(&model, start, c, out, |i, s| tgt.value(i, s))
}

/// [`finish_chunk`] for any model, `value` making each output from its position and
/// symbol.
pub(super) fn finish_lanes<M: SymbolGet, O, const N: usize>(
    model: &M,
    start: usize,
    c: &mut OpenChunk<'_, N>,
    out: &mut [MaybeUninit<O>],
    value: impl Fn(usize, i32) -> O,
) -> Result<()> {
    let (x, r) = (&mut c.x, &mut c.r);
    for (j, o) in out.iter_mut().enumerate().skip(c.fast * N) {
        let (k, q) = (j % N, j / N);
        let s = if q < c.tail_q[k] {
            model.get(&mut x[k], r, start + j)?
        } else {
            let left = if q == c.tail_q[k] { c.tail_e[k] } else { 0 };
            let mut lim = Limited { r: r.clone(), left };
            let s = model.get(&mut x[k], &mut lim, start + j)?;
            *r = lim.r;
            s
        };
        o.write(value(start + j, s));
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
