//! One symbol through a table row, with CompressAI's escape rule: the coding step both
//! stream formats share.
//!
//! A symbol `s` with row `t` codes bin `v = s - offsets[t]` when `0 <= v < max` (`max` =
//! the escape bin). Otherwise it codes the escape bin followed, in decode order, by the
//! count `n` of 4-bit chunks of `raw` (`-2v-1` for `v < 0`, `2(v-max)` above) as a run of
//! 15s plus a remainder, then the `n` chunks least significant first. `v` and `raw` are
//! computed in 64 bits, so every `i32` symbol is codable whatever the offset (CompressAI's
//! 32-bit arithmetic overflows near ±2^31; up to 9 chunks here).
//!
//! The functions are generic over where words go ([`WordSink`]) and how the decoder
//! renormalises ([`Refill`]), so the CompressAI stream (one state) and the fastrans lanes
//! (many states, some not renormalising yet) run the same code.

use crate::coding::rans::{dec_get_bits, enc_put, enc_put_bits, Refill, WordSink};
use crate::error::{Error, Result};
use crate::tables::cdf_table::{CdfTable, Row};

/// Bits per bypass chunk.
pub const CHUNK_BITS: u32 = 4;
const CHUNK_MAX: u32 = (1 << CHUNK_BITS) - 1;
/// Most chunks any `i32` symbol needs: `raw < 2^34`.
pub const MAX_CHUNKS: u32 = 9;

/// Encode one symbol (callers go in reverse order). REQUIRES: `index < table.num_tables()`
/// and `precision == table.precision()`.
#[inline(always)]
pub fn put_symbol<S: WordSink>(
    x: &mut u64,
    out: &mut S,
    table: &CdfTable,
    symbol: i32,
    index: usize,
    precision: u32,
) {
    let row = table.row(index);
    match direct_bin(row, symbol) {
        Some(bin) => enc_put(x, out, table.enc_symbol(row, bin), precision),
        None => {
            cold();
            put_escape(
                x,
                out,
                table,
                row,
                symbol as i64 - row.offset as i64,
                precision,
            );
        }
    }
}

/// The bin of `row` that codes `symbol` directly, or `None` when it is escaped.
#[inline(always)]
pub fn direct_bin(row: &Row, symbol: i32) -> Option<u32> {
    let value = symbol as i64 - row.offset as i64;
    // 0 <= value < max_value in one unsigned compare (max_value >= 0).
    ((value as u64) < row.max_value as u64).then_some(value as u32)
}

/// Inlined (behind a cold branch) rather than called: a call would take the address of the
/// caller's state and word sink and pin them in memory for the whole coding loop.
#[inline(always)]
fn put_escape<S: WordSink>(
    x: &mut u64,
    out: &mut S,
    table: &CdfTable,
    row: &Row,
    value: i64,
    precision: u32,
) {
    put_escape_bits(x, out, value, row.max_value as i64);
    enc_put(
        x,
        out,
        table.enc_symbol(row, row.max_value as u32),
        precision,
    );
}

/// The escaped value's bits (the part of an escape coded after its escape bin, so put
/// before it): `value` outside `0..max`, relative to the first direct symbol. Shared by
/// the table rows and the per-symbol models, whose escape bin's interval the caller puts.
#[inline(always)]
pub fn put_escape_bits<S: WordSink>(x: &mut u64, out: &mut S, value: i64, max: i64) {
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
}

/// Marks the branch that calls it as unlikely.
#[cold]
#[inline(never)]
fn cold() {}

/// Decode one symbol. REQUIRES: `index < table.num_tables()` and
/// `precision == table.precision()`.
#[inline(always)]
pub fn get_symbol<R: Refill + Clone>(
    x: &mut u64,
    r: &mut R,
    table: &CdfTable,
    index: usize,
    precision: u32,
) -> Result<i32> {
    let row = table.row(index);
    let (bin, next) = table.decode_step(row, *x, precision);
    *x = next;
    r.refill(x)?;
    finish_symbol(x, r, row, bin)
}

/// The symbol of `bin` in `row`, after its decoding step and renormalisation: the bin's
/// own symbol, or the escaped value read next. Split from [`get_symbol`] so that the lanes
/// decoder can make the steps of all lanes first (they read no words), then renormalise
/// and finish each lane in stream order.
#[inline(always)]
pub fn finish_symbol<R: Refill + Clone>(
    x: &mut u64,
    r: &mut R,
    row: &Row,
    bin: u32,
) -> Result<i32> {
    if (bin as i32) < row.max_value {
        row.offset
            .checked_add(bin as i32)
            .ok_or_else(|| Error::corrupt("decoded symbol is outside the int32 range"))
    } else {
        // The cold path works on copies: handing the caller's own state and reader to a
        // non-inlined function would pin them in memory for the whole loop, putting a
        // store-to-load round trip on every step's dependency chain (docs/PERFORMANCE.md,
        // "The scalar lanes").
        let (mut xe, mut re) = (*x, r.clone());
        let s = get_escape(&mut xe, &mut re, row);
        (*x, *r) = (xe, re);
        s
    }
}

#[cold]
#[inline(never)]
fn get_escape<R: Refill>(x: &mut u64, r: &mut R, row: &Row) -> Result<i32> {
    get_escape_value(x, r, row.offset, row.max_value as i64)
}

/// The symbol an escape codes, read after its escape bin: the inverse of
/// [`put_escape_bits`] for a support of `max` direct symbols from `offset`.
#[inline(always)]
pub fn get_escape_value<R: Refill>(x: &mut u64, r: &mut R, offset: i32, max: i64) -> Result<i32> {
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
        return Err(Error::corrupt(
            "escape code with a zero top chunk (not minimal)",
        ));
    }
    let half = (raw >> 1) as i64;
    let value = if raw & 1 == 1 { -half - 1 } else { half + max };
    i32::try_from(value + offset as i64)
        .map_err(|_| Error::corrupt("escape code decodes to a symbol outside the int32 range"))
}
