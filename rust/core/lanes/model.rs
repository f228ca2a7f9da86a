//! How one symbol at a stream position is put and got, for the scalar lane rounds: the
//! table rows implement them with the escape rule of `coding::escape`, the per-symbol
//! parametric models with their quantized CDFs. The chunk layout (lanes, crossings, word
//! stack, lane records) is written once over these traits, so both kinds of model share it.

use std::mem::MaybeUninit;

use crate::coding::escape::{get_symbol, put_symbol};
use crate::coding::rans::{Refill, WordSink};
use crate::error::Result;
use crate::lanes::traits::{DecodeTarget, EncodeSource};
use crate::tables::cdf_table::CdfTable;

/// A position's encoding step worked out ahead of the state: its bin's interval
/// `[start, start + freq)`, with [`Step::ESCAPE`] or'ed into `freq` when the symbol's
/// escape bits go first (two plain `u32`, so a vector loop stores them directly).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Step {
    pub(crate) start: u32,
    pub(crate) freq: u32,
}

impl Step {
    /// The flag bit of `freq` (frequencies are at most `2^16`).
    pub(crate) const ESCAPE: u32 = 1 << 31;
}

/// One symbol's encoding step at a stream position, escapes included.
pub(crate) trait SymbolPut {
    /// Encode position `pos`'s symbol onto `x` (callers go from the last position to the
    /// first). REQUIRES: the position's inputs were checked.
    fn put<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize);

    /// Fill `steps[i]` with position `base + i`'s step, none depending on the state, and
    /// return `true`; or return `false` (the default) when this model has no such pass and
    /// codes through [`put`](Self::put) only. REQUIRES: the positions' inputs were checked.
    fn steps(&self, _base: usize, _steps: &mut [Step]) -> bool {
        false
    }

    /// Encode position `pos` from its step as [`steps`](Self::steps) filled it: the same
    /// state and words as [`put`](Self::put).
    #[inline(always)]
    fn put_step<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize, _step: Step) {
        self.put(x, out, pos);
    }
}

/// One symbol's decoding step at a stream position, escapes included.
pub(crate) trait SymbolGet {
    /// Decode position `pos`'s symbol from `x`, renormalising through `r` after every
    /// step. Damage is a `CorruptStream` error, never a panic.
    fn get<R: Refill + Clone>(&self, x: &mut u64, r: &mut R, pos: usize) -> Result<i32>;

    /// What [`get_round`](Self::get_round) works with, decided once per chunk on the
    /// thread that decodes it (such as which kernel runs).
    type Rounds;

    /// [`Rounds`](Self::Rounds) for a chunk of `lanes` lanes.
    fn rounds(&self, lanes: usize) -> Self::Rounds;

    /// Decode one round: position `base + k` from lane `k` into `out[k]`, lanes in order
    /// (their refills read the words in that order). The default is [`get`](Self::get)
    /// on each lane in turn; a model may work on all the lanes' slots at once first, with
    /// the same states, symbols and errors.
    #[inline(always)]
    fn get_round<R: Refill + Clone, const N: usize>(
        &self,
        x: &mut [u64; N],
        r: &mut R,
        base: usize,
        out: &mut [MaybeUninit<i32>],
        _rounds: &Self::Rounds,
    ) -> Result<()> {
        for (k, o) in out.iter_mut().enumerate().take(N) {
            o.write(self.get(&mut x[k], r, base + k)?);
        }
        Ok(())
    }
}

/// A table and an encoding source: rows looked up per position. `P` as in the chunk
/// coders (0: the precision is read from the table).
pub(crate) struct TablePut<'a, S> {
    pub(crate) table: &'a CdfTable,
    pub(crate) src: &'a S,
    pub(crate) p: u32,
}

impl<S: EncodeSource> SymbolPut for TablePut<'_, S> {
    #[inline(always)]
    fn put<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize) {
        let (s, row) = self.src.get(pos);
        put_symbol(x, out, self.table, s, row, self.p);
    }
}

/// A table and a decoding target: rows looked up per position.
pub(crate) struct TableGet<'a, T> {
    pub(crate) table: &'a CdfTable,
    pub(crate) tgt: &'a T,
    pub(crate) p: u32,
}

impl<T: DecodeTarget> SymbolGet for TableGet<'_, T> {
    #[inline(always)]
    fn get<R: Refill + Clone>(&self, x: &mut u64, r: &mut R, pos: usize) -> Result<i32> {
        get_symbol(x, r, self.table, self.tgt.row(pos), self.p)
    }

    type Rounds = ();
    fn rounds(&self, _lanes: usize) {}
}
