//! # Chunk: one chunk of the fastrans stream, coded by interleaved rANS lanes
//!
//! The layer that picks the kernel: the scalar rounds live here, and each round loop
//! hands its work to a vector kernel (`simd`) when [`crate::simd::vector_encoder`] or
//! [`crate::simd::vector_kernel`] says one runs. The kernels speak `lanes`' vocabulary and
//! never call back up here.
//!
//! - `encode`: a chunk's lanes from last symbol to first, crossings, the lane records.
//! - `decode`: the records, the hot rounds and the tail, and the end-of-chunk checks.
//! - `pair`: two 8-lane chunks decoded with interleaved hot loops.
//! - `model`: the same chunks coded through any per-position model (the per-symbol
//!   parametric laws), scalar throughout; `encode` and `decode` share their lane records
//!   and crossing rounds with it.
//!
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

use crate::error::{Error, Result};
use crate::lanes::traits::{CHECK_BLOCK, MAX_LANES};

mod decode;
mod encode;
mod model;
mod pair;

pub(crate) use model::{decode_model_chunk, encode_model_chunk};

pub use decode::decode_chunk;
pub(crate) use decode::decode_chunk_into;
pub use encode::encode_chunk;
pub(crate) use pair::decode_chunk_pair_into;
pub use pair::{decode_chunk_pair, decode_chunks_interleaved};

/// The error to report for a chunk (positions `start .. start + m`) that failed with `e`:
/// the chunk's first bad input if it has one, else `e`. A failed block check, or any error
/// while decoding, goes through here (a cold path), so which error a bad input gets does not
/// depend on the block size or the coding order, and a bad input outranks damage to the
/// stream in its chunk, as when each chunk was checked whole before coding.
pub(crate) fn chunk_error(
    check: impl Fn(usize, usize) -> Result<()>,
    start: usize,
    m: usize,
    e: Error,
) -> Error {
    check(start, m).err().unwrap_or(e)
}

/// Positions `lo .. lo + CHECK_BLOCK` clipped to `..end`: a block of a chunk's hot rounds.
#[inline]
pub(crate) fn block(lo: usize, end: usize) -> (usize, usize) {
    (lo.min(end), (lo + CHECK_BLOCK).min(end))
}

/// Lanes a chunk of `m` symbols actually uses: the largest power of two `<= min(lanes, m)`.
pub fn chunk_lanes(lanes: usize, m: usize) -> usize {
    let n = lanes.min(m).clamp(1, MAX_LANES);
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// Symbols of lane `k` in a chunk of `m` symbols and `n` lanes.
#[inline]
pub(crate) fn lane_len(m: usize, n: usize, k: usize) -> usize {
    m / n + usize::from(k < m % n)
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

/// A chunk argument of the pair decoders (start, bytes, outputs) with its outputs as slots.
#[inline]
fn chunk_slots<'a, O>(
    c: (usize, &'a [u8], &'a mut [O]),
) -> (usize, &'a [u8], &'a mut [MaybeUninit<O>]) {
    (c.0, c.1, slots(c.2))
}

/// An initialised slice seen as output slots, for the public entry points.
#[inline]
pub(crate) fn slots<O>(out: &mut [O]) -> &mut [MaybeUninit<O>] {
    // SAFETY: `MaybeUninit<O>` has the layout of `O`, and the decoders only ever store
    // initialised values through the slots (`MaybeUninit::write` in `put_values` and
    // `finish_chunk`; targets never see the slots), never `uninit()`, so `out` is still
    // initialised whatever happens.
    unsafe { &mut *(out as *mut [O] as *mut [MaybeUninit<O>]) }
}
