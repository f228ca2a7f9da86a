//! How one symbol at a stream position is put and got, for the scalar lane rounds: the
//! table rows implement them with the escape rule of `coding::escape`, the per-symbol
//! parametric models with their quantized CDFs. The chunk layout (lanes, crossings, word
//! stack, lane records) is written once over these traits, so both kinds of model share it.

use crate::coding::escape::{get_symbol, put_symbol};
use crate::coding::rans::{Refill, WordSink};
use crate::error::Result;
use crate::lanes::traits::{DecodeTarget, EncodeSource};
use crate::tables::cdf_table::CdfTable;

/// One symbol's encoding step at a stream position, escapes included.
pub(crate) trait SymbolPut {
    /// Encode position `pos`'s symbol onto `x` (callers go from the last position to the
    /// first). REQUIRES: the position's inputs were checked.
    fn put<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize);
}

/// One symbol's decoding step at a stream position, escapes included.
pub(crate) trait SymbolGet {
    /// Decode position `pos`'s symbol from `x`, renormalising through `r` after every
    /// step. Damage is a `CorruptStream` error, never a panic.
    fn get<R: Refill + Clone>(&self, x: &mut u64, r: &mut R, pos: usize) -> Result<i32>;
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
}
