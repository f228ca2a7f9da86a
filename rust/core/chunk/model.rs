//! One chunk coded through any [`SymbolPut`] / [`SymbolGet`]: the same lanes, crossings and
//! lane records as the table coder (`encode`, `decode`), with scalar rounds throughout.
//! The per-symbol parametric models code here; their CDF work dominates each step, so the
//! encoder takes it out of the state's way: a model may work out a block's intervals in
//! one pass ([`SymbolPut::steps`], which the parametric coder vectorises) before the rANS
//! steps code them.

use std::mem::MaybeUninit;

use crate::error::Result;
use crate::lanes::model::{Step, SymbolGet, SymbolPut};

use super::chunk_lanes;
use super::decode::{finish_lanes, open_lanes};
use super::encode::{cross_lanes, write_lanes};

/// Positions whose steps are worked out in one pass before they are coded (12 KiB).
const STEP_BLOCK: usize = 1024;

/// Encode positions `start .. start + m` of `model` as one chunk of at most `lanes`
/// lanes, appended to `out` (only on success). REQUIRES: the inputs were checked.
pub(crate) fn encode_model_chunk<M: SymbolPut>(
    model: &M,
    start: usize,
    m: usize,
    lanes: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    match chunk_lanes(lanes, m) {
        1 => encode_n::<M, 1>(model, start, m, out),
        2 => encode_n::<M, 2>(model, start, m, out),
        4 => encode_n::<M, 4>(model, start, m, out),
        8 => encode_n::<M, 8>(model, start, m, out),
        16 => encode_n::<M, 16>(model, start, m, out),
        _ => encode_n::<M, 32>(model, start, m, out),
    }
}

fn encode_n<M: SymbolPut, const N: usize>(
    model: &M,
    start: usize,
    m: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut lanes = cross_lanes::<M, N>(model, start, m, |_| Ok(()))?;
    let (mut x, mut words) = (lanes.x, std::mem::take(&mut lanes.words));
    // A block of rounds at a time, last first: the intervals in one pass over the block
    // (no state involved, so it runs at the arithmetic's throughput), then the rANS steps.
    let mut steps = [Step::default(); STEP_BLOCK];
    let block = STEP_BLOCK / N;
    let mut hi = lanes.j / N;
    while hi > 0 {
        let lo = hi.saturating_sub(block);
        let base = start + lo * N;
        let steps = &mut steps[..(hi - lo) * N];
        if model.steps(base, steps) {
            for (q, round) in steps.chunks_exact(N).enumerate().rev() {
                for k in (0..N).rev() {
                    model.put_step(&mut x[k], &mut words, base + q * N + k, round[k]);
                }
            }
        } else {
            for r in (lo..hi).rev() {
                for k in (0..N).rev() {
                    model.put(&mut x[k], &mut words, start + r * N + k);
                }
            }
        }
        hi = lo;
    }
    (lanes.x, lanes.words, lanes.j) = (x, words, 0);
    write_lanes(lanes, out);
    Ok(())
}

/// Decode one chunk (`data`, exactly its bytes) into `out`, one symbol per position
/// `start .. start + out.len()`: when it returns `Ok`, every element has been written.
pub(crate) fn decode_model_chunk<M: SymbolGet>(
    model: &M,
    start: usize,
    data: &[u8],
    lanes: usize,
    out: &mut [MaybeUninit<i32>],
) -> Result<()> {
    match chunk_lanes(lanes, out.len()) {
        1 => decode_n::<M, 1>(model, start, data, out),
        2 => decode_n::<M, 2>(model, start, data, out),
        4 => decode_n::<M, 4>(model, start, data, out),
        8 => decode_n::<M, 8>(model, start, data, out),
        16 => decode_n::<M, 16>(model, start, data, out),
        _ => decode_n::<M, 32>(model, start, data, out),
    }
}

fn decode_n<M: SymbolGet, const N: usize>(
    model: &M,
    start: usize,
    data: &[u8],
    out: &mut [MaybeUninit<i32>],
) -> Result<()> {
    let m = out.len();
    let mut c = open_lanes::<N>(|_, _| Ok(()), start, data, m)?;
    // The hot rounds: every lane renormalises as usual.
    let (mut x, mut r) = (c.x, c.r.clone());
    let rounds = model.rounds(N);
    for (q, dst) in out[..c.fast * N].chunks_exact_mut(N).enumerate() {
        model.get_round(&mut x, &mut r, start + q * N, dst, &rounds)?;
    }
    (c.x, c.r) = (x, r);
    finish_lanes(model, start, &mut c, out, |_, s| s)
}
