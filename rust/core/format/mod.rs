//! # Formats: the two byte streams
//!
//! The top of the coding stack: what goes on the wire. Both formats code the same symbols
//! through the same [`CdfTable`](crate::CdfTable); they differ in framing.
//!
//! - `fastrans_stream` (re-exported here): the fastrans stream: header, chunks of
//!   interleaved lanes coded in parallel, CRC32C (see docs/FORMAT.md).
//! - [`compressai`]: CompressAI's serial stream, byte for byte.
//! - `fastrans_header`: the header read alone (`fastrans info`), by the decoder's parser.
//! - `crc_combine`: the stream's checksum from its chunks' checksums, so each thread
//!   checksums the bytes it just wrote.
//! - `spare_buffers`: the chunks' byte buffers, kept between calls.
//!
//! Depends on: `chunk` (one chunk), `lanes`, `coding`, `tables`, `threads`.

pub mod compressai;
mod crc_combine;
mod fastrans_header;
pub(crate) mod fastrans_stream;
mod spare_buffers;

pub use crate::lanes::{DecodeTarget, EncodeSource, CHECK_BLOCK};
pub use fastrans_header::{header, symbol_count, Header};
pub use fastrans_stream::{
    decode, decode_into, decode_with, encode, encode_with, fp32, Params, ENCODER_MAX_LANES,
    MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS, ONE_CHUNK, VERSION, VERSION_1,
};
