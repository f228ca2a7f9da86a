//! # Formats: the two byte streams
//!
//! The top of the coding stack: what goes on the wire. Both formats code the same symbols
//! through the same [`CdfTable`](crate::CdfTable); they differ in framing.
//!
//! - `fastrans_stream` (re-exported here): the fastrans stream: header, chunks of
//!   interleaved lanes coded in parallel, CRC32C (see docs/FORMAT.md).
//! - [`compressai`]: CompressAI's serial stream, byte for byte.
//! - `layout`: how a stream is cut into chunks and lanes ([`Params`]), and the header's
//!   layout fields read back.
//! - `fastrans_header`: the header read alone (`fastrans info`), by the decoder's parser.
//! - `crc_combine`: the stream's checksum from its chunks' checksums, so each thread
//!   checksums the bytes it just wrote.
//! - `stream_model`: what the framing needs from the model coding the chunks (the table
//!   coder's or the per-symbol parametric models').
//! - `shared_indexes`: the table stream from indexes another thread may write meanwhile,
//!   each chunk's copied and checked on the thread that codes it.
//! - `spare_buffers`: the chunks' byte buffers, kept between calls.
//! - `wire`: the stream's fixed fields (versions, flags, limits, the table field, the CRC
//!   trailer), spelled once.
//!
//! Depends on: `chunk` (one chunk), `lanes`, `coding`, `tables`, `models` (a model-coded
//! stream's header field, read by `fastrans_header`), `threads`.

pub mod compressai;
mod crc_combine;
mod fastrans_header;
pub(crate) mod fastrans_stream;
mod layout;
mod shared_indexes;
mod spare_buffers;
pub(crate) mod stream_model;
pub(crate) mod wire;

pub use crate::lanes::{DecodeTarget, EncodeSource, CHECK_BLOCK};
pub use fastrans_header::{header, symbol_count, Header, ModelHeader};
pub use fastrans_stream::{decode, decode_into, decode_with, encode, encode_with, Params};
pub use shared_indexes::{decode_shared, encode_shared};
pub use wire::{
    fp32, ENCODER_MAX_LANES, MAX_CHUNK_SYMBOLS, MAX_FLOAT_CDF_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS,
    ONE_CHUNK, VERSION, VERSION_1, VERSION_MODEL,
};
