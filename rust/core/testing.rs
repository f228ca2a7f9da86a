//! Hooks for the crate's own tests, benchmarks, examples and fuzz targets: forcing a
//! kernel, crafting a header, reaching one chunk. Not part of the supported API; anything
//! here may change in any release.

pub use crate::chunk::{
    chunk_lanes, decode_chunk, decode_chunk_pair, decode_chunks_interleaved, encode_chunk,
};
pub use crate::coding::varint;
pub use crate::format::fastrans_stream::{with_params, with_poisoned_output};
pub use crate::lanes::{DecodeTarget, EncodeSource, CHECK_BLOCK};
pub use crate::scale_coder::round_half_even;
pub use crate::simd::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
pub use crate::tables::enc_symbol::EncSymbol;

/// The precision check the models share with the tables (for the models bench, which
/// compiles the crate-private models itself).
pub use crate::tables::pmf::check_precision;
