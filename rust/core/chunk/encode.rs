//! Encoding one chunk: lanes from the last symbol to the first, each lane's crossing
//! recorded, the hot rounds handed to a vector encoder where one runs.

use crate::coding::escape::direct_bin;
use crate::coding::rans::enc_put;
use crate::coding::varint;
use crate::error::Result;
use crate::lanes::model::{SymbolPut, TablePut};
use crate::lanes::round::put_escaped;
use crate::lanes::traits::{EncodeSource, CHECK_BLOCK, LANE_START};
use crate::lanes::words::{LaneWords, Probe, RoundWords};
#[cfg(target_arch = "x86_64")]
use crate::simd::vector_encoder;
use crate::tables::cdf_table::CdfTable;

use super::{chunk_error, chunk_lanes, lane_len, Crossing};

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
    let model = TablePut { table, src, p };
    let mut lanes = cross_lanes::<_, N>(&model, start, m, &mut cover)?;
    // Whole rounds, block by block. Each block is checked first, unless the kernel checks
    // its inputs itself (then it never calls `cover`, so `checked` stays where the
    // crossings left it).
    let mut j = lanes.j;
    while j > 0 {
        let lo = (j - 1) - (j - 1) % CHECK_BLOCK;
        let (x, w) = (&mut lanes.x, &mut lanes.words);
        encode_rounds::<S, N, P>(table, src, start + lo, (j - lo) / N, x, w, || cover(lo))?;
        j = lo;
    }
    write_lanes(lanes, out);
    Ok(())
}

/// A chunk's lanes while encoding: states, crossings, the shared word stack, and `j`, the
/// positions `0..j` not coded yet.
pub(super) struct Lanes<const N: usize> {
    pub(super) x: [u64; N],
    cross: [Crossing; N],
    pub(super) words: LaneWords,
    pub(super) j: usize,
}

/// The lanes of a chunk of `m` symbols from `start` coded from the last position down
/// until every lane has crossed (see `chunk/mod.rs`), then to the end of that round, so
/// `j` is a multiple of `N` and every lane is in the ordinary regime after. `cover(j)` is
/// called before position `j` of the crossing phase (the partial round after it lies in
/// the crossing's check block: `CHECK_BLOCK` is a multiple of `N`).
pub(super) fn cross_lanes<M: SymbolPut, const N: usize>(
    model: &M,
    start: usize,
    m: usize,
    mut cover: impl FnMut(usize) -> Result<()>,
) -> Result<Lanes<N>> {
    let mut x = [LANE_START; N];
    let mut cross = [Crossing::default(); N];
    // Room for 16 bits a symbol before the stack grows (W1 takes about 3.1).
    let mut words = LaneWords::with_capacity(m / 2 + 16);
    let mut uncrossed = N;
    let mut j = m;
    // Encoder order is last symbol first; lanes start small, so watch for crossings.
    while j > 0 && uncrossed > 0 {
        j -= 1;
        cover(j)?;
        let k = j % N;
        if cross[k].crossed {
            model.put(&mut x[k], &mut words, start + j);
        } else {
            let mut probe = Probe {
                out: &mut words,
                steps: 0,
                crossed_at: None,
            };
            model.put(&mut x[k], &mut probe, start + j);
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
    while !j.is_multiple_of(N) {
        j -= 1;
        model.put(&mut x[j % N], &mut words, start + j);
    }
    Ok(Lanes { x, cross, words, j })
}

/// Appends the lane records and the words of a fully coded chunk (`lanes.j == 0`).
pub(super) fn write_lanes<const N: usize>(lanes: Lanes<N>, out: &mut Vec<u8>) {
    let (x, cross, stack) = (lanes.x, lanes.cross, lanes.words);
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
