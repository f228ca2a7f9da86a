//! CompressAI's stream (`format="compressai"`), byte-identical to `compressai.ans`.
//!
//! One rANS state (see `rans.rs`), precision 16, symbols encoded in reverse. A symbol `s`
//! with row `t` codes bin `v = s - offsets[t]` when `0 <= v < max` (`max` = the escape
//! bin); otherwise it codes the escape bin followed, in decode order, by the count `n` of
//! 4-bit chunks of `raw` (`-2v-1` for `v < 0`, `2(v-max)` above) as a run of 15s plus a
//! remainder, then the `n` chunks least significant first.
//!
//! Where CompressAI's 32-bit arithmetic would overflow (symbols near ±2^31 with a non-zero
//! offset) we compute `v` and `raw` in 64 bits and write up to 9 chunks: the same rule,
//! extended; CompressAI can neither encode nor decode those symbols.
//!
//! The decoder validates instead of asserting: a run of chunks longer than any symbol needs,
//! a non-minimal chunk count, a decoded symbol outside `i32`, a stream that ends early, or
//! (for one-shot decoding) words left over or a final state other than the encoder's
//! initial one all raise `CorruptStream`.

use crate::error::{Error, Result};
use crate::rans::{
    dec_advance, dec_get_bits, dec_init, enc_flush, enc_put, enc_put_bits, WordReader, RANS_L,
};
use crate::table::CdfTable;

/// CompressAI codes at precision 16 only.
pub const PRECISION: u32 = 16;
/// Bits per bypass chunk.
const CHUNK_BITS: u32 = 4;
const CHUNK_MAX: u32 = (1 << CHUNK_BITS) - 1;
/// Most chunks any `i32` symbol needs: `raw < 2^34`.
const MAX_CHUNKS: u32 = 9;

fn check_table(table: &CdfTable) -> Result<()> {
    if table.precision() != PRECISION {
        return Err(Error::invalid(format!(
            "format=\"compressai\" codes at precision 16 but the table has precision {}: \
             build the table with precision=16 or use format=\"fastrans\"",
            table.precision()
        )));
    }
    Ok(())
}

fn check_lengths(symbols: &[i32], indexes: &[i32]) -> Result<()> {
    if symbols.len() != indexes.len() {
        return Err(Error::invalid(format!(
            "symbols has {} elements but indexes has {}: give one index per symbol",
            symbols.len(),
            indexes.len()
        )));
    }
    Ok(())
}

/// Encode one symbol (the caller goes in reverse order). REQUIRES: `index` is a valid row.
#[inline(always)]
fn put_symbol(x: &mut u64, out: &mut Vec<u32>, table: &CdfTable, symbol: i32, index: i32) {
    let row = table.row(index as usize);
    let value = symbol as i64 - row.offset as i64;
    let max = row.max_value as i64;
    let bin = if (0..max).contains(&value) {
        value as u32
    } else {
        let raw: u64 = if value < 0 {
            (-2 * value - 1) as u64
        } else {
            (2 * (value - max)) as u64
        };
        let mut n = 0u32;
        while n < 16 && raw >> (n * CHUNK_BITS) != 0 {
            n += 1;
        }
        for j in (0..n).rev() {
            let chunk = (raw >> (j * CHUNK_BITS)) as u32 & CHUNK_MAX;
            enc_put_bits(x, out, chunk, CHUNK_BITS);
        }
        let mut rest = n;
        while rest >= CHUNK_MAX {
            rest -= CHUNK_MAX;
            enc_put_bits(x, out, CHUNK_MAX, CHUNK_BITS);
        }
        enc_put_bits(x, out, rest, CHUNK_BITS);
        row.max_value as u32
    };
    enc_put(x, out, table.enc_symbol(row, bin), PRECISION);
}

/// Decode one symbol. REQUIRES: `index` is a valid row.
#[inline(always)]
fn get_symbol(x: &mut u64, r: &mut WordReader<'_>, table: &CdfTable, index: i32) -> Result<i32> {
    let row = table.row(index as usize);
    let slot = (*x & ((1 << PRECISION) - 1)) as u32;
    let (bin, start, freq) = table.find_bin(index as usize, row, slot);
    dec_advance(x, r, start, freq, PRECISION)?;
    if (bin as i32) < row.max_value {
        return Ok(bin as i32 + row.offset);
    }
    let mut n = 0u32;
    loop {
        let c = dec_get_bits(x, r, CHUNK_BITS)?;
        n += c;
        if n > MAX_CHUNKS {
            return Err(Error::corrupt(
                "escape code announces more 4-bit chunks than any 32-bit symbol needs",
            ));
        }
        if c != CHUNK_MAX {
            break;
        }
    }
    let mut raw = 0u64;
    let mut last = 0;
    for j in 0..n {
        last = dec_get_bits(x, r, CHUNK_BITS)?;
        raw |= (last as u64) << (j * CHUNK_BITS);
    }
    if n > 0 && last == 0 {
        return Err(Error::corrupt("escape code with a zero top chunk (not minimal)"));
    }
    let half = (raw >> 1) as i64;
    let value = if raw & 1 == 1 {
        -half - 1
    } else {
        half + row.max_value as i64
    };
    i32::try_from(value + row.offset as i64)
        .map_err(|_| Error::corrupt("escape code decodes to a symbol outside the int32 range"))
}

/// Encode `symbols[i]` with row `indexes[i]` into CompressAI's stream.
pub fn encode(table: &CdfTable, symbols: &[i32], indexes: &[i32]) -> Result<Vec<u8>> {
    check_table(table)?;
    check_lengths(symbols, indexes)?;
    table.check_indexes(indexes)?;
    let mut out: Vec<u32> = Vec::with_capacity(symbols.len() / 2 + 16);
    let mut x = RANS_L;
    for (&s, &i) in symbols.iter().zip(indexes).rev() {
        put_symbol(&mut x, &mut out, table, s, i);
    }
    enc_flush(x, &mut out);
    Ok(words_to_bytes_reversed(&out))
}

fn words_to_bytes_reversed(words: &[u32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(words.len() * 4);
    for w in words.iter().rev() {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    bytes
}

/// Decode one symbol per index from a whole stream. The stream must end exactly where the
/// last symbol does, in the encoder's initial state.
pub fn decode(table: &CdfTable, data: &[u8], indexes: &[i32]) -> Result<Vec<i32>> {
    let mut out = vec![0i32; indexes.len()];
    decode_into(table, data, indexes, &mut out)?;
    Ok(out)
}

/// [`decode`] into a caller's buffer (`out.len() == indexes.len()`).
pub fn decode_into(table: &CdfTable, data: &[u8], indexes: &[i32], out: &mut [i32]) -> Result<()> {
    check_table(table)?;
    check_lengths(out, indexes)?;
    table.check_indexes(indexes)?;
    let mut dec = StreamDecoder::new(data)?;
    dec.decode_into(table, indexes, out)?;
    dec.finish()
}

/// CompressAI's `BufferedRansEncoder`: collects (symbol, index) pairs over many calls and
/// codes them all, in reverse, at `flush`.
#[derive(Debug, Default, Clone)]
pub struct BufferedEncoder {
    symbols: Vec<i32>,
    indexes: Vec<i32>,
}

impl BufferedEncoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue symbols; all-or-nothing: on error nothing is queued.
    pub fn push(&mut self, table: &CdfTable, symbols: &[i32], indexes: &[i32]) -> Result<()> {
        check_table(table)?;
        check_lengths(symbols, indexes)?;
        table.check_indexes(indexes)?;
        self.symbols.extend_from_slice(symbols);
        self.indexes.extend_from_slice(indexes);
        Ok(())
    }

    /// Number of queued symbols.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// Code everything queued and reset the encoder.
    pub fn flush(&mut self, table: &CdfTable) -> Result<Vec<u8>> {
        let bytes = encode(table, &self.symbols, &self.indexes)?;
        self.symbols.clear();
        self.indexes.clear();
        Ok(bytes)
    }
}

/// CompressAI's `RansDecoder.set_stream` + `decode_stream`: one stream decoded over many
/// calls. Holds its own copy of the bytes.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    data: Vec<u8>,
    /// Byte position of the next word.
    pos: usize,
    state: u64,
}

impl StreamDecoder {
    /// Start decoding `data` (its first two words are the initial state).
    pub fn new(data: &[u8]) -> Result<Self> {
        let mut r = WordReader::new(data)?;
        if data.is_empty() {
            return Err(Error::corrupt("empty stream: even zero symbols take 8 bytes"));
        }
        let state = dec_init(&mut r)?;
        Ok(StreamDecoder {
            data: data.to_vec(),
            pos: 8,
            state,
        })
    }

    /// Decode one symbol per index into `out`. On error the decoder is left unchanged.
    pub fn decode_into(&mut self, table: &CdfTable, indexes: &[i32], out: &mut [i32]) -> Result<()> {
        check_table(table)?;
        check_lengths(out, indexes)?;
        table.check_indexes(indexes)?;
        let mut r = WordReader::new(&self.data)?;
        r.skip_words(self.pos / 4);
        let mut x = self.state;
        for (o, &i) in out.iter_mut().zip(indexes) {
            *o = get_symbol(&mut x, &mut r, table, i)?;
        }
        self.pos = self.data.len() - 4 * r.remaining_words();
        self.state = x;
        Ok(())
    }

    /// Words not consumed yet.
    pub fn remaining_words(&self) -> usize {
        (self.data.len() - self.pos) / 4
    }

    /// Succeeds when the stream was consumed exactly and ended in the encoder's initial
    /// state, which every complete, uncorrupted stream does.
    pub fn finish(&self) -> Result<()> {
        if self.remaining_words() != 0 {
            return Err(Error::corrupt(format!(
                "{} bytes left after the last symbol (trailing data, or fewer indexes than symbols encoded)",
                self.data.len() - self.pos
            )));
        }
        if self.state != RANS_L {
            return Err(Error::corrupt(
                "final state differs from the encoder's initial state (corrupt stream or wrong indexes/tables)",
            ));
        }
        Ok(())
    }
}
