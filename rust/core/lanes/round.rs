//! The per-round steps the scalar lanes and the vector kernels share: an escape put out of
//! line, and one decoding round of `M` lanes.

use std::mem::MaybeUninit;

use crate::coding::escape::{finish_symbol, put_symbol};
use crate::coding::rans::{Refill, WordReader};
use crate::error::Result;
use crate::lanes::traits::DecodeTarget;
use crate::lanes::words::LaneWords;
use crate::tables::cdf_table::CdfTable;

/// [`put_symbol`] out of line for the hot loop's escapes. State and word stack go in and
/// out by value: passing references would pin the loop's states and stack top in memory,
/// and inlined, the escape code keeps the compiler from unrolling the loop over lanes.
#[cold]
#[inline(never)]
pub(crate) fn put_escaped(
    mut x: u64,
    mut words: LaneWords,
    table: &CdfTable,
    symbol: i32,
    row: usize,
    p: u32,
) -> (u64, LaneWords) {
    put_symbol(&mut x, &mut words, table, symbol, row, p);
    (x, words)
}

/// One round of `M` lanes in the ordinary regime, rows given: the `M` decoding steps
/// (independent, and they read no words, so their table loads overlap), then the
/// renormalisations and escapes in stream order.
#[inline(always)]
pub(crate) fn decode_round<const M: usize>(
    table: &CdfTable,
    rows: &[usize; M],
    x: &mut [u64; M],
    r: &mut WordReader<'_>,
    p: u32,
) -> Result<[i32; M]> {
    let mut bins = [0u32; M];
    for k in 0..M {
        (bins[k], x[k]) = table.decode_step(table.row(rows[k]), x[k], p);
    }
    let mut syms = [0i32; M];
    for k in 0..M {
        r.refill(&mut x[k])?;
        syms[k] = finish_symbol(&mut x[k], r, table.row(rows[k]), bins[k])?;
    }
    Ok(syms)
}

#[cfg(target_arch = "x86_64")]
/// One chunk's part in the decoder: its target positions, states, reader and outputs.
pub(crate) struct ChunkLanes<'c, 'd, T: DecodeTarget, const N: usize> {
    /// Stream position of `out[0]`.
    pub start: usize,
    pub x: &'c mut [u64; N],
    pub r: &'c mut WordReader<'d>,
    /// Whole rounds to decode.
    pub out: &'c mut [MaybeUninit<T::Out>],
}
