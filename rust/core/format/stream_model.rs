//! What the fastrans framing (header, chunks on threads, CRC32C) needs from the model that
//! codes a stream's chunks, so one framing serves the table coder and the per-symbol
//! parametric models: the header's model field, and the chunk coder; and the table
//! coder's implementation.

use std::mem::MaybeUninit;

use crate::chunk::{decode_chunk_into, decode_chunk_pair_into, encode_chunk};
use crate::error::{Error, Result};
use crate::format::wire::{fp32, version_and_fp, COUNT_AT, MAX_CHUNK_SYMBOLS, VERSION};
use crate::lanes::{DecodeTarget, EncodeSource};
use crate::tables::cdf_table::CdfTable;

/// A stream's model as its header names it.
pub(crate) trait StreamModel: Sync {
    /// Appends the header's version byte and model field.
    fn put_id(&self, out: &mut Vec<u8>);
    /// Checks a stream's version and model field against this model (`data` is the whole
    /// stream; `TableMismatch` for another model, `CorruptStream` for bytes no encoder
    /// writes); returns the layout rules' version and where the symbol count starts.
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)>;
    /// What the caller's per-position inputs are called in a count mismatch.
    fn inputs(&self) -> &'static str {
        "indexes"
    }
}

/// Encodes one chunk of positions `start .. start + m` with at most `lanes` lanes,
/// appended to `out` only on success.
pub(crate) trait ChunkEncoder: StreamModel {
    fn encode_chunk(&self, start: usize, m: usize, lanes: usize, out: &mut Vec<u8>) -> Result<()>;

    /// The most symbols the encoder puts in a chunk, the unit of parallel work.
    fn max_chunk_symbols(&self) -> usize {
        MAX_CHUNK_SYMBOLS
    }
}

/// Decodes one chunk; `Ok` means every element of `out` was written.
pub(crate) trait ChunkDecoder: StreamModel {
    type Out: Send;
    fn decode_chunk(
        &self,
        start: usize,
        data: &[u8],
        lanes: usize,
        out: &mut [MaybeUninit<Self::Out>],
    ) -> Result<()>;
    /// Two chunks, `a` then `b` in stream order: the result of decoding them one after
    /// the other (the first error in stream order).
    fn decode_pair(
        &self,
        a: (usize, &[u8], &mut [MaybeUninit<Self::Out>]),
        b: (usize, &[u8], &mut [MaybeUninit<Self::Out>]),
        lanes: usize,
    ) -> Result<()> {
        self.decode_chunk(a.0, a.1, lanes, a.2)?;
        self.decode_chunk(b.0, b.1, lanes, b.2)
    }
    /// Whether [`decode_pair`](Self::decode_pair) interleaves two 8-lane chunks (then
    /// the decoder hands them out in pairs).
    fn pairs(&self) -> bool {
        false
    }
}

/// A table and an encoding source: the table stream's chunk encoder.
pub(crate) struct TableEncoder<'a, S> {
    pub(crate) table: &'a CdfTable,
    pub(crate) src: &'a S,
}

impl<S: EncodeSource> StreamModel for TableEncoder<'_, S> {
    fn put_id(&self, out: &mut Vec<u8>) {
        put_table_id(self.table, out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        check_table_id(self.table, data)
    }
}

impl<S: EncodeSource> ChunkEncoder for TableEncoder<'_, S> {
    fn encode_chunk(&self, start: usize, m: usize, lanes: usize, out: &mut Vec<u8>) -> Result<()> {
        encode_chunk(self.table, self.src, start, m, lanes, out)
    }
}

/// A table and a decoding target: the table stream's chunk decoder.
pub(crate) struct TableDecoder<'a, T> {
    pub(crate) table: &'a CdfTable,
    pub(crate) tgt: &'a T,
}

impl<T: DecodeTarget> StreamModel for TableDecoder<'_, T> {
    fn put_id(&self, out: &mut Vec<u8>) {
        put_table_id(self.table, out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        check_table_id(self.table, data)
    }
}

impl<T: DecodeTarget> ChunkDecoder for TableDecoder<'_, T> {
    type Out = T::Out;
    fn decode_chunk(
        &self,
        start: usize,
        data: &[u8],
        lanes: usize,
        out: &mut [MaybeUninit<T::Out>],
    ) -> Result<()> {
        decode_chunk_into(self.table, self.tgt, start, data, lanes, out)
    }
    fn decode_pair(
        &self,
        a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
        b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
        lanes: usize,
    ) -> Result<()> {
        decode_chunk_pair_into(self.table, self.tgt, a, b, lanes)
    }
    fn pairs(&self) -> bool {
        true
    }
}

/// A table stream's version byte and fingerprint field.
pub(crate) fn put_table_id(table: &CdfTable, out: &mut Vec<u8>) {
    out.push(VERSION);
    out.extend_from_slice(&fp32(table).to_le_bytes());
}

/// Checks a table stream's version and fingerprint (`TableMismatch` for other tables or a
/// model-coded stream); its layout version and where its symbol count starts.
pub(crate) fn check_table_id(table: &CdfTable, data: &[u8]) -> Result<(u8, usize)> {
    let (_, version, fp) = version_and_fp(data)?;
    if fp != fp32(table) {
        return Err(Error::TableMismatch(format!(
            "the stream was made with tables of fingerprint {fp:#010x}..., these have {:#010x}: \
             decode with the tables that encoded it",
            fp32(table)
        )));
    }
    Ok((version, COUNT_AT))
}
