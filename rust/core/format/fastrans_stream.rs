//! The fastrans stream (`format="fastrans"`): framed, checksummed, parallel.
//!
//! ```text
//! stream  = version:u8 (2)  fp32:u32le  n:varint
//!           [ if n > 0: layout:u8 (lanes_log2 | ONE_CHUNK)
//!                       [ unless ONE_CHUNK: chunk_symbols:varint ]  chunk_len:varint × (chunks-1) ]
//!           chunk × chunks  crc:u32le
//! ```
//! `chunks = ceil(n / chunk_symbols)` (one when the layout byte says so); each chunk is an
//! independent set of interleaved lanes (see `chunk/mod.rs`), so chunks encode and decode in
//! parallel. The lane count and chunk size follow from `n` ([`Params::for_len`]) and, for
//! low-entropy streams, from the size of the chunks ([`Params::within_budget`]), never from
//! the thread count, so the bytes do not depend on how many threads made them. `fp32` is
//! the low 32 bits of the tables' fingerprint; `crc` is CRC32C over every byte before it.
//! The decoder ranks the CRC first (any flipped bit, truncation or trailing byte →
//! `CorruptStream`, whatever else the damage broke), then `fp32` (other tables →
//! `TableMismatch`), and bounds every size before allocating. It takes the CRC chunk by
//! chunk, on the threads that decode the chunks, and the encoder likewise on the threads
//! that encode them; the stream's CRC is the header's with the chunks' appended
//! (`crc_combine`). docs/FORMAT.md is the full specification.

use std::cell::Cell;
use std::mem::MaybeUninit;

use crate::chunk::{chunk_lanes, slots};
use crate::coding::varint;
use crate::error::{Error, Result};
use crate::format::crc_combine::crc32c_combine;
pub use crate::format::layout::Params;
use crate::format::layout::{parse_layout, Layout};
use crate::format::spare_buffers;
use crate::format::stream_model::{
    ChunkDecoder, ChunkEncoder, StreamModel, TableDecoder, TableEncoder,
};
use crate::format::wire::{crc_mismatch, split_crc, unless_damaged, ONE_CHUNK};
use crate::lanes::{self, DecodeTarget, EncodeSource, SourceArrays};
use crate::tables::cdf_table::CdfTable;
use crate::threads;

fn check_lengths(symbols: usize, indexes: usize) -> Result<()> {
    if symbols != indexes {
        return Err(Error::invalid(format!(
            "symbols has {symbols} elements but indexes has {indexes}: give one index per symbol"
        )));
    }
    Ok(())
}

/// Plain arrays as an [`EncodeSource`]. REQUIRES: indexes checked.
pub(crate) struct Arrays<'a> {
    pub(crate) symbols: &'a [i32],
    pub(crate) indexes: &'a [i32],
}

impl EncodeSource for Arrays<'_> {
    fn check(&self, _start: usize, _len: usize) -> Result<()> {
        Ok(()) // the indexes were checked whole before coding
    }
    #[inline(always)]
    fn get(&self, i: usize) -> (i32, usize) {
        (self.symbols[i], self.indexes[i] as usize)
    }
    fn arrays(&self) -> Option<SourceArrays<'_>> {
        Some(SourceArrays(lanes::Arrays::Ints {
            symbols: self.symbols,
            rows: self.indexes,
        }))
    }
    #[inline(always)]
    fn prefetch(&self, pos: usize) {
        crate::simd::prefetch::line(self.symbols, pos);
        crate::simd::prefetch::line(self.indexes, pos);
    }
}

/// Plain indexes as a [`DecodeTarget`]. REQUIRES: indexes checked.
pub(crate) struct Indexes<'a>(pub(crate) &'a [i32]);

impl DecodeTarget for Indexes<'_> {
    type Out = i32;
    fn check(&self, _start: usize, _len: usize) -> Result<()> {
        Ok(()) // checked whole before decoding
    }
    #[inline(always)]
    fn row(&self, i: usize) -> usize {
        self.0[i] as usize
    }
    #[inline(always)]
    fn index_rows(&self) -> Option<&[i32]> {
        Some(self.0)
    }
    #[inline(always)]
    fn prefetch(&self, pos: usize) {
        crate::simd::prefetch::line(self.0, pos);
    }
    #[inline(always)]
    fn value(&self, _i: usize, symbol: i32) -> i32 {
        symbol
    }
}

/// Encode `symbols[i]` with row `indexes[i]` into a fastrans stream. `threads`: 0 = every
/// core, 1 = this thread, n = n threads; the bytes are the same for every value.
///
/// Every index must name a row of `table` ([`Error::InvalidArgument`] otherwise); any
/// `i32` symbol codes, those outside its row through the escape bin.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{format, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let symbols: Vec<i32> = (0..10_000).map(|i| [0, 1, 0, -1, 300][i % 5]).collect();
/// let indexes = vec![0; symbols.len()];
/// let bytes = format::encode(&table, &symbols, &indexes, 0)?;
/// assert_eq!(bytes, format::encode(&table, &symbols, &indexes, 1)?); // any thread count
/// assert_eq!(format::decode(&table, &bytes, &indexes, 0)?, symbols);
/// # Ok(()) }
/// ```
pub fn encode(
    table: &CdfTable,
    symbols: &[i32],
    indexes: &[i32],
    threads: usize,
) -> Result<Vec<u8>> {
    check_lengths(symbols.len(), indexes.len())?;
    table.check_indexes(indexes)?;
    encode_with(table, &Arrays { symbols, indexes }, symbols.len(), threads)
}

/// Decode a fastrans stream made with `table`, one symbol per index.
///
/// Damaged bytes are a [`Error::CorruptStream`], other tables a
/// [`Error::TableMismatch`], another number of indexes than the stream's symbols an
/// [`Error::InvalidArgument`].
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{format, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// use fastrans::Error;
///
/// let bytes = format::encode(&table, &[1, 0, -1], &[0; 3], 1)?;
/// assert_eq!(format::decode(&table, &bytes, &[0; 3], 1)?, [1, 0, -1]);
///
/// let other = CdfTable::from_rows(&[[0, 32768, 65535, 65536]], &[4], &[-1], 16)?;
/// let err = format::decode(&other, &bytes, &[0; 3], 1).unwrap_err();
/// assert!(matches!(err, Error::TableMismatch(_)));
/// let err = format::decode(&table, &bytes, &[0; 4], 1).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn decode(table: &CdfTable, data: &[u8], indexes: &[i32], threads: usize) -> Result<Vec<i32>> {
    table.check_indexes(indexes)?;
    decode_with(table, data, &Indexes(indexes), indexes.len(), threads)
}

/// One chunk's bytes (in a buffer from `spare_buffers`) and their CRC32C, computed by the
/// thread that encoded them while they are in its cache.
struct Body {
    bytes: Vec<u8>,
    crc: u32,
}

/// Each chunk's bytes for `params` (every chunk runs to completion and the first error in
/// chunk order is reported, so the error, like the bytes, never depends on the thread
/// count).
fn encode_bodies<C: ChunkEncoder>(
    coder: &C,
    n: usize,
    params: Params,
    threads: usize,
) -> Result<Vec<Body>> {
    let chunks = if n == 0 { 0 } else { params.chunks(n) };
    let encode_one = |c: usize| -> Result<Body> {
        let start = c * params.chunk_symbols;
        let m = params.chunk_symbols.min(n - start);
        let mut bytes = spare_buffers::take();
        if let Err(e) = coder.encode_chunk(start, m, params.lanes, &mut bytes) {
            spare_buffers::give(bytes);
            return Err(e);
        }
        let crc = crc32c::crc32c(&bytes);
        Ok(Body { bytes, crc })
    };
    let each: Vec<Result<Body>> = if threads == 1 || chunks <= 1 {
        (0..chunks).map(encode_one).collect()
    } else {
        threads::map_items(threads, (0..chunks).collect(), |_, c| encode_one(c))?
    };
    // All or nothing: on an error, every chunk's buffer goes back.
    let mut bodies = Vec::with_capacity(each.len());
    let mut failed = None;
    for r in each {
        match r {
            Ok(b) => bodies.push(b),
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) => {
            give_back(bodies);
            Err(e)
        }
        None => Ok(bodies),
    }
}

/// Hands the bodies' buffers back to `spare_buffers`.
fn give_back(bodies: Vec<Body>) {
    bodies
        .into_iter()
        .for_each(|b| spare_buffers::give(b.bytes));
}

/// Encode positions `0..n` of any source (the fused float path uses this).
///
/// The same stream as [`encode`] of the source's symbols and rows; `threads` as there.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// use fastrans::format::EncodeSource;
///
/// // Symbols -1, 0, 1, -1, ... made on the fly, all with row 0.
/// struct Cycle;
/// impl EncodeSource for Cycle {
///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
///     fn get(&self, i: usize) -> (i32, usize) { (i as i32 % 3 - 1, 0) }
/// }
/// let bytes = format::encode_with(&table, &Cycle, 1000, 1)?;
/// let symbols: Vec<i32> = (0..1000).map(|i| i % 3 - 1).collect();
/// assert_eq!(bytes, format::encode(&table, &symbols, &[0; 1000], 1)?);
/// # Ok(()) }
/// ```
pub fn encode_with<S: EncodeSource>(
    table: &CdfTable,
    src: &S,
    n: usize,
    threads: usize,
) -> Result<Vec<u8>> {
    encode_framed(&TableEncoder { table, src }, n, threads)
}

/// [`encode_with`] for any chunk encoder: the framing, the chunks on `threads`.
pub(crate) fn encode_framed<C: ChunkEncoder>(
    coder: &C,
    n: usize,
    threads: usize,
) -> Result<Vec<u8>> {
    threads::check(threads)?;
    let forced = FORCED_PARAMS.with(Cell::get);
    let mut params = forced.map_or_else(
        || Params::for_len_within(n, coder.max_chunk_symbols()),
        |p| p.fitted(n),
    );
    let mut bodies = encode_bodies(coder, n, params, threads)?;
    if forced.is_none() {
        let body_len = bodies.iter().map(|b| b.bytes.len()).sum();
        if let Some(fewer) = params.within_budget(n, body_len) {
            params = fewer;
            give_back(std::mem::take(&mut bodies));
            bodies = encode_bodies(coder, n, params, threads)?;
        }
    }
    let chunks = bodies.len();
    let body_len: usize = bodies.iter().map(|b| b.bytes.len()).sum();
    let mut out = Vec::with_capacity(body_len + 24 + 4 * chunks);
    coder.put_id(&mut out);
    varint::put(&mut out, n as u64);
    if n > 0 {
        let lanes_log2 = params.lanes.trailing_zeros() as u8;
        if chunks == 1 {
            out.push(lanes_log2 | ONE_CHUNK);
        } else {
            out.push(lanes_log2);
            varint::put(&mut out, params.chunk_symbols as u64);
        }
        for b in &bodies[..chunks - 1] {
            varint::put(&mut out, b.bytes.len() as u64);
        }
    }
    // The checksum of the header, then of each chunk appended (`crc_combine`).
    let mut crc = crc32c::crc32c(&out);
    for b in &bodies {
        out.extend_from_slice(&b.bytes);
        crc = crc32c_combine(crc, b.crc, b.bytes.len() as u64);
    }
    give_back(bodies);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Check the version, tables and sizes (`n` is the caller's symbol count), everything but
/// the CRC: [`decode_with`] checks that as the chunks decode, and ranks it first.
fn parse<M: StreamModel>(model: &M, data: &[u8], n: usize) -> Result<Layout> {
    let (version, mut pos) = model.check_id(data)?;
    let Some((body, _)) = split_crc(data) else {
        return Err(Error::corrupt("shorter than a CRC"));
    };
    let count = varint::get(body, &mut pos, "symbol count")?;
    if count != n as u64 {
        return Err(Error::invalid(format!(
            "the stream holds {count} symbols but {} has {n}: pass the {} used to encode it",
            model.inputs(),
            model.inputs()
        )));
    }
    parse_layout(body, version, n, pos)
}

/// The symbol count of a stream for `model`, after its CRC, version and model field are
/// checked (in that order, as the decoder ranks them).
pub(crate) fn model_symbol_count<M: StreamModel>(model: &M, data: &[u8]) -> Result<u64> {
    let count = || -> Result<u64> {
        let (_, mut pos) = model.check_id(data)?;
        let Some((body, _)) = split_crc(data) else {
            return Err(Error::corrupt("shorter than a CRC"));
        };
        varint::get(body, &mut pos, "symbol count")
    };
    count().map_err(|e| unless_damaged(data, e))
}

/// Decode positions `0..n` of a fastrans stream into `tgt`'s outputs.
///
/// The checks and errors of [`decode`]; `threads` as there.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// use fastrans::format::DecodeTarget;
///
/// // Row 0 everywhere, each symbol scaled by a step.
/// struct Dequantize(f32);
/// impl DecodeTarget for Dequantize {
///     type Out = f32;
///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
///     fn row(&self, _i: usize) -> usize { 0 }
///     fn value(&self, _i: usize, symbol: i32) -> f32 { symbol as f32 * self.0 }
/// }
/// let bytes = format::encode(&table, &[1, 0, -1, 4], &[0; 4], 1)?;
/// let values = format::decode_with(&table, &bytes, &Dequantize(0.5), 4, 1)?;
/// assert_eq!(values, [0.5, 0.0, -0.5, 2.0]);
/// # Ok(()) }
/// ```
pub fn decode_with<T: DecodeTarget>(
    table: &CdfTable,
    data: &[u8],
    tgt: &T,
    n: usize,
    threads: usize,
) -> Result<Vec<T::Out>> {
    decode_fresh(&TableDecoder { table, tgt }, data, n, threads)
}

/// [`decode_with`] for any chunk decoder: the header checked, then the chunks decoded into
/// fresh memory of `n` outputs.
pub(crate) fn decode_fresh<C: ChunkDecoder>(
    coder: &C,
    data: &[u8],
    n: usize,
    threads: usize,
) -> Result<Vec<C::Out>> {
    // The header and chunk table are checked before the output is allocated, so a
    // hostile stream costs no memory beyond its own bytes. The output is then decoded
    // straight into fresh memory: zero-filling it first was a serial pass over the output
    // (and its page faults) before any chunk started, the serial part that held a
    // two-thread decode back.
    threads::check(threads)?;
    let layout = parse(coder, data, n).map_err(|e| unless_damaged(data, e))?;
    let mut out: Vec<C::Out> = Vec::with_capacity(n);
    let slots: &mut [MaybeUninit<C::Out>] = &mut out.spare_capacity_mut()[..n];
    if POISON_OUTPUT.with(Cell::get) {
        // SAFETY: `n` elements of `slots` are in bounds, and any bytes are a valid
        // `MaybeUninit`.
        unsafe { std::ptr::write_bytes(slots.as_mut_ptr(), 0xA5, n) };
    }
    decode_parsed(coder, data, &layout, slots, threads)?;
    // SAFETY: `slots` is `out`'s first `n` elements of capacity, and `decode_parsed`
    // returned `Ok`, so it wrote every one of them (an error returned above, dropping
    // `out` with length 0).
    unsafe { out.set_len(n) };
    Ok(out)
}

/// [`decode_with`] into `out` (one element per position, `out.len()` of them), for a
/// caller that owns the memory, e.g. one row of a batch.
///
/// On an error `out` holds unspecified values (some positions decoded, others as they
/// were).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// use fastrans::format::DecodeTarget;
///
/// struct Row0;
/// impl DecodeTarget for Row0 {
///     type Out = i32;
///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
///     fn row(&self, _i: usize) -> usize { 0 }
///     fn value(&self, _i: usize, symbol: i32) -> i32 { symbol }
/// }
/// // Two streams decoded into the two rows of one batch.
/// let a = format::encode(&table, &[1, 0, -1], &[0; 3], 1)?;
/// let b = format::encode(&table, &[0, 0, 9], &[0; 3], 1)?;
/// let mut batch = [0i32; 6];
/// let (first, second) = batch.split_at_mut(3);
/// format::decode_into(&table, &a, &Row0, first, 1)?;
/// format::decode_into(&table, &b, &Row0, second, 1)?;
/// assert_eq!(batch, [1, 0, -1, 0, 0, 9]);
///
/// let err = format::decode_into(&table, &a[..a.len() - 1], &Row0, &mut batch[..3], 1);
/// assert!(matches!(err, Err(fastrans::Error::CorruptStream(_))));
/// # Ok(()) }
/// ```
pub fn decode_into<T: DecodeTarget>(
    table: &CdfTable,
    data: &[u8],
    tgt: &T,
    out: &mut [T::Out],
    threads: usize,
) -> Result<()> {
    decode_framed(&TableDecoder { table, tgt }, data, slots(out), threads)
}

/// [`decode_into`] for any chunk decoder: when it returns `Ok`, every element of
/// `slots` has been written.
pub(crate) fn decode_framed<C: ChunkDecoder>(
    coder: &C,
    data: &[u8],
    slots: &mut [MaybeUninit<C::Out>],
    threads: usize,
) -> Result<()> {
    threads::check(threads)?;
    let layout = parse(coder, data, slots.len()).map_err(|e| unless_damaged(data, e))?;
    decode_parsed(coder, data, &layout, slots, threads)
}

/// The chunks of a stream whose header `parse` read into `layout`, into `slots`: when it
/// returns `Ok`, every element of `slots` has been written.
fn decode_parsed<C: ChunkDecoder>(
    coder: &C,
    data: &[u8],
    layout: &Layout,
    slots: &mut [MaybeUninit<C::Out>],
    threads: usize,
) -> Result<()> {
    let cs = layout.params.chunk_symbols;
    let lanes = layout.params.lanes;
    // Each chunk's CRC32C is taken by the thread that decodes it, just before (which also
    // brings its bytes into that core's cache); a serial pass over the whole stream first
    // would hold the other threads back (docs/PERFORMANCE.md, "CRCs on the coding
    // threads"). Where a chunk fails, its CRCs are not needed: `unless_damaged` checks the
    // whole stream.
    let bytes = |c: usize| {
        let (a, b) = layout.chunks[c];
        &data[a..b]
    };
    let decode_one = |(c, slice): (usize, &mut [MaybeUninit<C::Out>])| -> Result<Vec<u32>> {
        let crc = crc32c::crc32c(bytes(c));
        coder.decode_chunk(c * cs, bytes(c), lanes, slice)?;
        Ok(vec![crc])
    };
    // Chunks `2i` and `2i + 1` decode together when a thread has more than one chunk to
    // do (see `decode_chunk_pair`): `piece` is their slice of the output.
    let decode_two = |(i, piece): (usize, &mut [MaybeUninit<C::Out>])| -> Result<Vec<u32>> {
        if piece.len() <= cs {
            return decode_one((2 * i, piece));
        }
        let (c0, c1) = (2 * i, 2 * i + 1);
        let crcs = vec![crc32c::crc32c(bytes(c0)), crc32c::crc32c(bytes(c1))];
        let (a, b) = piece.split_at_mut(cs);
        coder.decode_pair((c0 * cs, bytes(c0), a), (c1 * cs, bytes(c1), b), lanes)?;
        Ok(crcs)
    };
    let crcs: Result<Vec<Vec<u32>>> = if threads == 1 || layout.chunks.len() <= 1 {
        slots
            .chunks_mut(2 * cs.max(1))
            .enumerate()
            .map(decode_two)
            .collect()
    } else {
        // As in `encode_with`: the first error in chunk order, whatever the thread count
        // (found by the fastrans_stream fuzz target: two corrupt chunks reported either).
        // Pairs only where the pair decoder interleaves them (8-lane chunks; it decodes
        // wider ones one after the other) and the pairs spread over the threads as evenly
        // as single chunks: two chunks on two threads run one each, and six 16-lane
        // chunks (a 2.9M-symbol stream) go out one by one, 3 + 3, not as three pairs,
        // 4 + 2 (two threads had decoded such a stream only 1.44-1.47x as fast as one).
        let (c, team) = (layout.chunks.len(), threads::team(threads));
        let even = 2 * c.div_ceil(2).div_ceil(team) <= c.div_ceil(team);
        let interleaved = coder.pairs() && chunk_lanes(lanes, cs) == 8;
        let each = if interleaved && even && c >= 2 * team {
            let pieces: Vec<_> = slots.chunks_mut(2 * cs).collect();
            threads::map_items(threads, pieces, |i, piece| decode_two((i, piece)))?
        } else {
            let pieces: Vec<_> = slots.chunks_mut(cs).collect();
            threads::map_items(threads, pieces, |c, piece| decode_one((c, piece)))?
        };
        each.into_iter().collect()
    };
    let crcs = crcs.map_err(|e| unless_damaged(data, e))?;
    // The header's CRC, then each chunk's appended (`crc_combine`). (`parse` checked the
    // length.)
    let Some((body, stored)) = split_crc(data) else {
        return Err(crc_mismatch());
    };
    let header_end = layout.chunks.first().map_or(body.len(), |c| c.0);
    let mut crc = crc32c::crc32c(&body[..header_end]);
    for (&c, &(a, b)) in crcs.iter().flatten().zip(&layout.chunks) {
        crc = crc32c_combine(crc, c, (b - a) as u64);
    }
    if crc != stored {
        return Err(crc_mismatch());
    }
    // Every element is written: the chunks partition `slots` (`parse` checked that their
    // sizes add up to `n`), every chunk's decode returned `Ok`, and a decode that returns
    // `Ok` has written every element of its slots (`decode_chunk_into`).
    Ok(())
}

thread_local! {
    static POISON_OUTPUT: Cell<bool> = const { Cell::new(false) };
    static FORCED_PARAMS: Cell<Option<Params>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's fastrans encodes cutting their streams by `params` (made
/// valid for each stream: lanes rounded down to a power of two in `1..=MAX_LANES`, chunks
/// of `1..=n` symbols) instead of [`Params::for_len`]. A test hook: the streams are valid
/// (a decoder accepts any such header), and small ones then reach the many-lane kernels
/// and the paired decoder, which `for_len` keeps for streams of more than 2^19 symbols.
#[doc(hidden)]
pub fn with_params<R>(params: Params, f: impl FnOnce() -> R) -> R {
    let before = FORCED_PARAMS.with(|p| p.replace(Some(params)));
    let out = f();
    FORCED_PARAMS.with(|p| p.set(before));
    out
}

/// Runs `f` with [`decode_with`] filling its fresh output with `0xA5` bytes before
/// decoding, on this thread: a position the decoder failed to write would then show up as
/// a wrong value rather than as whatever the allocator returned (often zeros, which look
/// like decoded symbols). A test hook: the tests decode under it.
#[doc(hidden)]
pub fn with_poisoned_output<R>(f: impl FnOnce() -> R) -> R {
    let before = POISON_OUTPUT.with(|p| p.replace(true));
    let out = f();
    POISON_OUTPUT.with(|p| p.set(before));
    out
}
