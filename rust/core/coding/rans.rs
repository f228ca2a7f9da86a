//! rANS with a 64-bit state and 32-bit words: the arithmetic every stream format shares.
//!
//! Read me first — the three surprises of rANS:
//! 1. The encoder is a stack: symbols are encoded in reverse order so the decoder reads
//!    them forward.
//! 2. Output is produced backwards: words are pushed in the order the encoder emits them
//!    and the whole buffer is reversed once at the end.
//! 3. Several states can be interleaved over one word buffer (the fastrans format does);
//!    each state is a plain `u64` here, so a caller can keep as many as it likes.
//!
//! Constants: the state `x` lives in `[L, 2^63)` with `L = 2^31` between operations; a word
//! is 32 bits, so one renormalisation step per symbol is always enough for precisions up
//! to 16 (`x >> p >= 2^15` after a decode step, `x << 32 >= L`). This is ryg_rans'
//! `rans64.h`, which CompressAI uses, so the bits agree with CompressAI's.

use crate::error::{Error, Result};
use crate::tables::enc_symbol::EncSymbol;

/// Lower bound of the normalised state interval.
pub const RANS_L: u64 = 1 << 31;

/// Where an encoder's words go. `Vec<u32>` is the ordinary sink; the fastrans format also
/// watches each step (`step_done`) while a lane's state is still small (see `chunk/mod.rs`).
pub trait WordSink {
    /// Append one emitted word.
    fn push_word(&mut self, w: u32);
    /// Called after every encoding step with the new state; a no-op by default.
    #[inline(always)]
    fn step_done(&mut self, _x: u64) {}
    /// Before a step: when `x >= x_max`, push the low word of `x` and shift it out. The
    /// default branches (good for one serial state, where a predicted branch takes the
    /// test off the state's dependency chain); `lanes/words.rs` overrides it branch-free.
    #[inline(always)]
    fn renorm(&mut self, x: &mut u64, x_max: u64) {
        if *x >= x_max {
            self.push_word(*x as u32);
            *x >>= 32;
        }
    }
}

impl WordSink for Vec<u32> {
    #[inline(always)]
    fn push_word(&mut self, w: u32) {
        self.push(w);
    }
}

/// `x = C(s, x)`: encode one bin, emitting a word first when `x` would overflow.
#[inline(always)]
pub fn enc_put<S: WordSink>(x: &mut u64, out: &mut S, sym: &EncSymbol, precision: u32) {
    // x_max = ((L >> p) << 32) * freq: the largest state that stays below 2^63 after coding.
    let x_max = (sym.freq(precision) as u64) << (63 - precision);
    out.renorm(x, x_max);
    // x / freq by multiplication (see EncSymbol's invariant), then
    // x = (x / freq) << p + x % freq + start == x + bias + q * (2^p - freq).
    let q = (((*x as u128) * (sym.rcp as u128)) >> 64) as u64 >> sym.shift;
    *x = x
        .wrapping_add(sym.bias as u64)
        .wrapping_add(q.wrapping_mul(sym.cmpl_freq as u64));
    out.step_done(*x);
}

/// `x = C(s, x)` for the bin `[start, start + freq)` by a division: for per-symbol models,
/// whose intervals change with every symbol, so no reciprocal is precomputed. The same
/// state as [`enc_put`] for the same interval. REQUIRES `1 <= freq`, `start + freq <= 2^p`.
#[inline(always)]
pub fn enc_put_div<S: WordSink>(x: &mut u64, out: &mut S, start: u32, freq: u32, precision: u32) {
    let freq = freq.max(1) as u64;
    out.renorm(x, freq << (63 - precision));
    *x = ((*x / freq) << precision) + *x % freq + start as u64;
    out.step_done(*x);
}

/// Push `nbits` (<= 16) raw bits: `x = x * 2^nbits + val`, CompressAI's bypass primitive.
#[inline(always)]
pub fn enc_put_bits<S: WordSink>(x: &mut u64, out: &mut S, val: u32, nbits: u32) {
    debug_assert!(nbits <= 16 && val < (1 << nbits));
    out.renorm(x, 1u64 << (63 - nbits));
    *x = (*x << nbits) | val as u64;
    out.step_done(*x);
}

/// Write the final state: after the reversal the low word comes first.
#[inline]
pub fn enc_flush(x: u64, out: &mut Vec<u32>) {
    out.push((x >> 32) as u32);
    out.push(x as u32);
}

/// A bounds-checked forward reader of little-endian 32-bit words.
#[derive(Debug, Clone)]
pub struct WordReader<'a> {
    data: &'a [u8],
    /// Byte position of the next word. Invariant: `pos <= data.len()`, `pos % 4 == 0`.
    pos: usize,
}

impl<'a> WordReader<'a> {
    /// A reader over `data`, which must hold a whole number of words.
    pub fn new(data: &'a [u8]) -> Result<Self> {
        if !data.len().is_multiple_of(4) {
            return Err(Error::corrupt(format!(
                "{} bytes is not a whole number of 32-bit words (truncated or padded stream?)",
                data.len()
            )));
        }
        Ok(WordReader { data, pos: 0 })
    }

    /// The next word, or `CorruptStream` at the end of the data.
    #[inline(always)]
    pub fn read_word(&mut self) -> Result<u32> {
        match self.data.get(self.pos..self.pos + 4) {
            Some(b) => {
                self.pos += 4;
                Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            None => Err(Error::corrupt(
                "the stream ended before all symbols were decoded (truncated stream or wrong indexes)",
            )),
        }
    }

    /// Renormalise after a decode step: shift a word in when `x < L`. Whether a word is
    /// needed is data dependent and unpredictable, so the update is branch-free (a
    /// conditional move picks between the two results); only running out of data branches.
    #[inline(always)]
    pub fn refill_word(&mut self, x: &mut u64) -> Result<()> {
        let need = *x < RANS_L;
        let word = match self.data.get(self.pos..self.pos + 4) {
            Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            None if need => {
                return Err(Error::corrupt(
                    "the stream ended before all symbols were decoded (truncated stream or wrong indexes)",
                ))
            }
            None => 0,
        };
        // A select (cmov) keeps the state's dependency chain at compare + move; a mask and
        // a variable shift would lengthen it (docs/PERFORMANCE.md, "The scalar lanes").
        let refilled = (*x << 32) | word as u64;
        *x = std::hint::select_unpredictable(need, refilled, *x);
        self.pos += 4 * need as usize;
        Ok(())
    }

    /// The bytes not read yet.
    #[inline(always)]
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// Move past `n` words the caller has read through [`WordReader::rest`].
    /// REQUIRES: `n <= remaining_words()`.
    #[inline(always)]
    pub(crate) fn advance(&mut self, n: usize) {
        debug_assert!(n <= self.remaining_words());
        self.pos += 4 * n;
    }

    /// Skip `n` words (clamped to the end of the data).
    pub fn skip_words(&mut self, n: usize) {
        self.pos = (self.pos + 4 * n).min(self.data.len() - self.data.len() % 4);
    }

    /// Words not read yet.
    pub fn remaining_words(&self) -> usize {
        (self.data.len() - self.pos) / 4
    }
}

/// Read the initial state (low word first). Every encoder leaves its state in
/// `[L, 2^63)`, so any other value proves the stream corrupt; inside that interval no
/// decoding step can overflow.
#[inline]
pub fn dec_init(r: &mut WordReader<'_>) -> Result<u64> {
    let lo = r.read_word()? as u64;
    let hi = r.read_word()? as u64;
    let x = lo | (hi << 32);
    if !(RANS_L..1 << 63).contains(&x) {
        return Err(Error::corrupt(format!(
            "initial state {x:#x} is outside [2^31, 2^63): not a rANS stream"
        )));
    }
    Ok(x)
}

/// What a decoder does after each step: the renormalisation policy.
///
/// [`WordReader`] is the ordinary one (read a word whenever `x < L`). The fastrans format
/// also needs "never read" (a lane's first symbols, coded while its state was still below
/// `L`, see `chunk/mod.rs`), hence a trait. Every decoding step calls `refill` exactly once.
pub trait Refill {
    /// Restore the state after one decoding step.
    fn refill(&mut self, x: &mut u64) -> Result<()>;
}

impl Refill for WordReader<'_> {
    #[inline(always)]
    fn refill(&mut self, x: &mut u64) -> Result<()> {
        self.refill_word(x)
    }
}

/// Pop `nbits` raw bits (the inverse of [`enc_put_bits`]).
#[inline(always)]
pub fn dec_get_bits<R: Refill>(x: &mut u64, r: &mut R, nbits: u32) -> Result<u32> {
    let val = (*x & ((1u64 << nbits) - 1)) as u32;
    *x >>= nbits;
    r.refill(x)?;
    Ok(val)
}
