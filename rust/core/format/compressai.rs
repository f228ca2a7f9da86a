//! CompressAI's stream (`format="compressai"`), byte-identical to `compressai.ans`.
//!
//! One rANS state (see `coding/rans.rs`), precision 16, symbols encoded in reverse. A symbol `s`
//! with row `t` codes bin `v = s - offsets[t]` when `0 <= v < max` (`max` = the escape
//! bin); otherwise it codes the escape bin followed, in decode order, by the count `n` of
//! 4-bit chunks of `raw` (`-2v-1` for `v < 0`, `2(v-max)` above) as a run of 15s plus a
//! remainder, then the `n` chunks least significant first.
//!
//! Where CompressAI's 32-bit arithmetic would overflow (symbols near ±2^31 with a non-zero
//! offset) we compute `v` and `raw` in 64 bits and write up to 9 chunks: the same rule,
//! extended; CompressAI can neither encode nor decode those symbols.
//!
//! Besides table rows, a run of symbols may be coded with per-symbol parametric models
//! (`BufferedEncoder::push_parametric`, `StreamDecoder::decode_parametric_into`): each
//! symbol's interval comes from its own law (`models`, docs/FORMAT.md §8) at the model's
//! precision, escapes by the same rule, on the same single state. The stream has no header,
//! so nothing records which runs were coded how: the decoder must repeat the encoder's
//! calls, models and parameters.
//!
//! The decoder validates instead of asserting: a run of chunks longer than any symbol needs,
//! a non-minimal chunk count, a decoded symbol outside `i32`, a stream that ends early, or
//! (for one-shot decoding) words left over or a final state other than the encoder's
//! initial one all raise `CorruptStream`.

use std::sync::Arc;

use crate::coding::escape;
use crate::coding::rans::{dec_init, enc_flush, WordReader, RANS_L};
use crate::error::{Error, Result};
use crate::lanes::model::SymbolGet;
use crate::tables::cdf_table::CdfTable;

/// CompressAI codes at precision 16 only.
pub const PRECISION: u32 = 16;

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
    escape::put_symbol(x, out, table, symbol, index as usize, PRECISION);
}

/// Decode one symbol. REQUIRES: `index` is a valid row.
#[inline(always)]
fn get_symbol(x: &mut u64, r: &mut WordReader<'_>, table: &CdfTable, index: i32) -> Result<i32> {
    escape::get_symbol(x, r, table, index as usize, PRECISION)
}

/// Encode `symbols[i]` with row `indexes[i]` into CompressAI's stream.
///
/// The table must have precision 16 ([`PRECISION`]) and every index name a row
/// ([`Error::InvalidArgument`] otherwise); any `i32` symbol codes, those outside its row
/// through the escape bin.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{compressai, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let symbols = [0, 1, -1, 0, 40_000];
/// let bytes = compressai::encode(&table, &symbols, &[0; 5])?;
/// assert_eq!(bytes.len() % 4, 0); // 32-bit words
/// assert_eq!(compressai::decode(&table, &bytes, &[0; 5])?, symbols);
///
/// let err = compressai::encode(&table, &symbols, &[0; 4]).unwrap_err();
/// assert!(matches!(err, fastrans::Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
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
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{compressai, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let bytes = compressai::encode(&table, &[1, 0, -1], &[0; 3])?;
/// assert_eq!(compressai::decode(&table, &bytes, &[0; 3])?, [1, 0, -1]);
///
/// // Bytes after the last symbol (or too few indexes) are refused.
/// let err = compressai::decode(&table, &bytes, &[0; 2]).unwrap_err();
/// assert!(matches!(err, fastrans::Error::CorruptStream(_)));
/// # Ok(()) }
/// ```
pub fn decode(table: &CdfTable, data: &[u8], indexes: &[i32]) -> Result<Vec<i32>> {
    let mut out = vec![0i32; indexes.len()];
    decode_into(table, data, indexes, &mut out)?;
    Ok(out)
}

/// [`decode`] into a caller's buffer (`out.len() == indexes.len()`). Reads `data` in
/// place (no copy, unlike [`StreamDecoder`]).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{compressai, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let bytes = compressai::encode(&table, &[1, 0, -1], &[0; 3])?;
/// let mut out = [0; 3];
/// compressai::decode_into(&table, &bytes, &[0; 3], &mut out)?;
/// assert_eq!(out, [1, 0, -1]);
/// # Ok(()) }
/// ```
pub fn decode_into(table: &CdfTable, data: &[u8], indexes: &[i32], out: &mut [i32]) -> Result<()> {
    check_table(table)?;
    check_lengths(out, indexes)?;
    table.check_indexes(indexes)?;
    let (mut r, mut x) = open_stream(data)?;
    decode_symbols(table, &mut r, &mut x, indexes, out)?;
    check_end(r.remaining_words(), x)
}

/// A reader past the initial state, and that state.
fn open_stream(data: &[u8]) -> Result<(WordReader<'_>, u64)> {
    let mut r = WordReader::new(data)?;
    if data.is_empty() {
        return Err(Error::corrupt(
            "empty stream: even zero symbols take 8 bytes",
        ));
    }
    let x = dec_init(&mut r)?;
    Ok((r, x))
}

/// The decoding loop. REQUIRES: checked table and indexes, `out.len() == indexes.len()`.
/// The state and reader are copied into locals so they live in registers.
fn decode_symbols(
    table: &CdfTable,
    r: &mut WordReader<'_>,
    x: &mut u64,
    indexes: &[i32],
    out: &mut [i32],
) -> Result<()> {
    let (mut lx, mut lr) = (*x, r.clone());
    for (o, &i) in out.iter_mut().zip(indexes) {
        *o = get_symbol(&mut lx, &mut lr, table, i)?;
    }
    (*x, *r) = (lx, lr);
    Ok(())
}

/// A complete, uncorrupted stream is consumed exactly and ends in the encoder's initial
/// state.
fn check_end(remaining_words: usize, x: u64) -> Result<()> {
    if remaining_words != 0 {
        return Err(Error::corrupt(format!(
            "{} bytes left after the last symbol (trailing data, or fewer indexes than symbols encoded)",
            4 * remaining_words
        )));
    }
    if x != RANS_L {
        return Err(Error::corrupt(
            "final state differs from the encoder's initial state (corrupt stream or wrong indexes/tables)",
        ));
    }
    Ok(())
}

/// CompressAI's `BufferedRansEncoder`: collects (symbol, index) pairs over many calls,
/// each call with its own tables if need be, and codes them all, in reverse, at `flush`.
///
/// [`BufferedEncoder::len`] and [`BufferedEncoder::is_empty`] tell what is queued.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use std::sync::Arc;
/// use fastrans::compressai::{self, BufferedEncoder};
/// use fastrans::CdfTable;
///
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let table = Arc::new(table);
/// let mut encoder = BufferedEncoder::new();
/// assert!(encoder.is_empty());
/// encoder.push(&table, &[1, 0], &[0, 0])?;
/// encoder.push(&table, &[-1], &[0])?;
/// assert_eq!(encoder.len(), 3);
/// let bytes = encoder.flush();
/// assert!(encoder.is_empty());
/// // One stream, as if encoded in one call.
/// assert_eq!(bytes, compressai::encode(&table, &[1, 0, -1], &[0; 3])?);
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
pub struct BufferedEncoder {
    symbols: Vec<i32>,
    /// One a symbol; unused (zero) for symbols of a model run.
    indexes: Vec<i32>,
    /// `(end, coder)`: symbols `previous end .. end` use `coder`. Invariant: ends increase.
    segments: Vec<(usize, Segment)>,
}

/// What codes one run of queued symbols.
#[derive(Debug, Clone)]
enum Segment {
    /// The rows of a table named by the run's indexes.
    Table(Arc<CdfTable>),
    /// Each symbol its own model, held by the run.
    Run(Arc<dyn SymbolRun>),
}

/// A queued run whose symbols code each with its own model, owning what it needs: the
/// layer above (`parametric_coder`) implements it, so this stream needs no knowledge of
/// the models.
pub(crate) trait SymbolRun: std::fmt::Debug + Send + Sync {
    /// Encode the run's `symbols` onto `x`, the last first. REQUIRES: `symbols` are the
    /// ones queued with the run, checked then.
    fn put_run(&self, x: &mut u64, out: &mut Vec<u32>, symbols: &[i32]);
}

impl BufferedEncoder {
    /// An empty encoder.
    ///
    /// # Examples
    ///
    /// ```
    /// let encoder = fastrans::compressai::BufferedEncoder::new();
    /// assert_eq!(encoder.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue symbols coded with `table`; all-or-nothing: on error nothing is queued.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use std::sync::Arc;
    /// use fastrans::{compressai::BufferedEncoder, CdfTable, Error};
    ///
    /// let narrow = CdfTable::from_rows(&[[0, 32768, 65535, 65536]], &[4], &[0], 16)?;
    /// let wide = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
    /// let (narrow, wide) = (Arc::new(narrow), Arc::new(wide));
    /// let mut encoder = BufferedEncoder::new();
    /// encoder.push(&narrow, &[0, 1], &[0, 0])?; // each call may use other tables
    /// encoder.push(&wide, &[-1], &[0])?;
    ///
    /// let err = encoder.push(&wide, &[0, 0], &[0, 1]).unwrap_err(); // no row 1
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// assert_eq!(encoder.len(), 3); // nothing of the failed call was queued
    /// # Ok(()) }
    /// ```
    pub fn push(&mut self, table: &Arc<CdfTable>, symbols: &[i32], indexes: &[i32]) -> Result<()> {
        check_table(table)?;
        check_lengths(symbols, indexes)?;
        table.check_indexes(indexes)?;
        self.symbols.extend_from_slice(symbols);
        self.indexes.extend_from_slice(indexes);
        let end = self.symbols.len();
        match self.segments.last_mut() {
            Some((last_end, Segment::Table(last))) if Arc::ptr_eq(last, table) => *last_end = end,
            _ => self.segments.push((end, Segment::Table(table.clone()))),
        }
        Ok(())
    }

    /// Queue `symbols` coded by `run`. REQUIRES: `run` checked them and its parameters.
    pub(crate) fn push_run(&mut self, symbols: &[i32], run: Arc<dyn SymbolRun>) {
        self.symbols.extend_from_slice(symbols);
        self.indexes.resize(self.symbols.len(), 0);
        self.segments.push((self.symbols.len(), Segment::Run(run)));
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
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use std::sync::Arc;
    /// use fastrans::compressai::{self, BufferedEncoder};
    /// use fastrans::CdfTable;
    ///
    /// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
    /// let table = Arc::new(table);
    /// let mut encoder = BufferedEncoder::new();
    /// encoder.push(&table, &[1, -1, 7], &[0; 3])?;
    /// let bytes = encoder.flush();
    /// assert_eq!(compressai::decode(&table, &bytes, &[0; 3])?, [1, -1, 7]);
    /// assert_eq!(encoder.flush().len(), 8); // nothing queued: the initial state alone
    /// # Ok(()) }
    /// ```
    pub fn flush(&mut self) -> Vec<u8> {
        let mut out: Vec<u32> = Vec::with_capacity(self.symbols.len() / 2 + 16);
        let mut x = RANS_L;
        let mut end = self.symbols.len();
        for k in (0..self.segments.len()).rev() {
            let start = if k == 0 { 0 } else { self.segments[k - 1].0 };
            match &self.segments[k].1 {
                Segment::Table(table) => {
                    for j in (start..end).rev() {
                        put_symbol(&mut x, &mut out, table, self.symbols[j], self.indexes[j]);
                    }
                }
                Segment::Run(run) => run.put_run(&mut x, &mut out, &self.symbols[start..end]),
            }
            end = start;
        }
        enc_flush(x, &mut out);
        self.symbols.clear();
        self.indexes.clear();
        self.segments.clear();
        words_to_bytes_reversed(&out)
    }
}

/// CompressAI's `RansDecoder.set_stream` + `decode_stream`: one stream decoded over many
/// calls. Holds its own copy of the bytes.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{compressai, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// use fastrans::compressai::StreamDecoder;
///
/// let bytes = compressai::encode(&table, &[1, 0, -1, 5], &[0; 4])?;
/// let mut decoder = StreamDecoder::new(&bytes)?;
/// let (mut head, mut tail) = ([0; 1], [0; 3]);
/// decoder.decode_into(&table, &[0], &mut head)?;
/// decoder.decode_into(&table, &[0; 3], &mut tail)?;
/// assert_eq!((head, tail), ([1], [0, -1, 5]));
/// decoder.finish()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    data: Vec<u8>,
    /// Byte position of the next word.
    pos: usize,
    state: u64,
}

impl StreamDecoder {
    /// Start decoding `data` (its first two words are the initial state).
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::compressai::StreamDecoder;
    ///
    /// // Even zero symbols take 8 bytes.
    /// let err = StreamDecoder::new(&[]).unwrap_err();
    /// assert!(matches!(err, fastrans::Error::CorruptStream(_)));
    /// ```
    pub fn new(data: &[u8]) -> Result<Self> {
        let (_, state) = open_stream(data)?;
        Ok(StreamDecoder {
            data: data.to_vec(),
            pos: 8,
            state,
        })
    }

    /// Decode one symbol per index into `out`. On error the decoder is left unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{compressai, CdfTable};
    ///
    /// // Symbols -1, 0, 1 and the escape bin, precision 16.
    /// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
    /// use fastrans::compressai::StreamDecoder;
    ///
    /// let bytes = compressai::encode(&table, &[1, 0], &[0, 0])?;
    /// let mut decoder = StreamDecoder::new(&bytes)?;
    /// let mut out = [0; 1];
    /// let err = decoder.decode_into(&table, &[3], &mut out).unwrap_err(); // no row 3
    /// assert!(matches!(err, fastrans::Error::InvalidArgument(_)));
    /// decoder.decode_into(&table, &[0], &mut out)?; // unchanged: still at the first symbol
    /// assert_eq!(out, [1]);
    /// # Ok(()) }
    /// ```
    pub fn decode_into(
        &mut self,
        table: &CdfTable,
        indexes: &[i32],
        out: &mut [i32],
    ) -> Result<()> {
        check_table(table)?;
        check_lengths(out, indexes)?;
        table.check_indexes(indexes)?;
        let mut r = WordReader::new(&self.data)?;
        r.skip_words(self.pos / 4);
        let mut x = self.state;
        decode_symbols(table, &mut r, &mut x, indexes, out)?;
        self.pos = self.data.len() - 4 * r.remaining_words();
        self.state = x;
        Ok(())
    }

    /// Decode `out.len()` symbols through `get` (positions `0..out.len()`); on error the
    /// decoder is left unchanged. REQUIRES: `get`'s inputs were checked for that many.
    pub(crate) fn decode_steps<G: SymbolGet>(&mut self, get: &G, out: &mut [i32]) -> Result<()> {
        let mut r = WordReader::new(&self.data)?;
        r.skip_words(self.pos / 4);
        let mut x = self.state;
        for (pos, o) in out.iter_mut().enumerate() {
            *o = get.get(&mut x, &mut r, pos)?;
        }
        self.pos = self.data.len() - 4 * r.remaining_words();
        self.state = x;
        Ok(())
    }

    /// Words not consumed yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use fastrans::{compressai, CdfTable};
    /// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
    /// use fastrans::compressai::StreamDecoder;
    ///
    /// let bytes = compressai::encode(&table, &[1, 40_000], &[0, 0])?;
    /// let mut decoder = StreamDecoder::new(&bytes)?;
    /// assert_eq!(decoder.remaining_words(), bytes.len() / 4 - 2); // past the initial state
    /// decoder.decode_into(&table, &[0, 0], &mut [0; 2])?;
    /// assert_eq!(decoder.remaining_words(), 0);
    /// # Ok(()) }
    /// ```
    pub fn remaining_words(&self) -> usize {
        (self.data.len() - self.pos) / 4
    }

    /// Succeeds when the stream was consumed exactly and ended in the encoder's initial
    /// state, which every complete, uncorrupted stream does.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{compressai, CdfTable};
    ///
    /// // Symbols -1, 0, 1 and the escape bin, precision 16.
    /// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
    /// use fastrans::compressai::StreamDecoder;
    ///
    /// let bytes = compressai::encode(&table, &[1, 0], &[0, 0])?;
    /// let mut decoder = StreamDecoder::new(&bytes)?;
    /// let mut out = [0; 1];
    /// decoder.decode_into(&table, &[0], &mut out)?;
    /// // One symbol still to decode: the stream is not over.
    /// assert!(matches!(decoder.finish(), Err(fastrans::Error::CorruptStream(_))));
    /// decoder.decode_into(&table, &[0], &mut out)?;
    /// decoder.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn finish(&self) -> Result<()> {
        check_end(self.remaining_words(), self.state)
    }
}
