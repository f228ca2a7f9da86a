//! The fixed fields of a fastrans stream: version bytes, the layout byte's flags, the
//! limits an encoder keeps to, the header's table field and the CRC32C trailer. Everything
//! else in `format` reads and writes the stream through these, so the wire format is
//! spelled once.

use crate::error::{Error, Result};
use crate::tables::cdf_table::CdfTable;

/// The version this crate writes. It reads this one and [`VERSION_1`].
pub const VERSION: u8 = 2;
/// The first version, read still: its layout byte is `lanes_log2` alone, and every stream
/// writes `chunk_symbols` (docs/FORMAT.md §1).
pub const VERSION_1: u8 = 1;
/// The version byte of a stream coded with per-symbol parametric models
/// ([`ParametricCoder`](crate::ParametricCoder)): the high bit marks a model-coded stream,
/// the low bits name the layout rules it follows (version 2's). Its 12-byte model field
/// stands where a table stream has its fingerprint (docs/FORMAT.md §9).
pub const VERSION_MODEL: u8 = 0x80 | VERSION;
/// The layout byte's flag (version 2): the stream is one chunk, and `chunk_symbols`
/// (which would equal `n`) is not written. It saves `varint(n)` bytes, up to 4 below 2^28
/// symbols: what keeps a stream of nearly certain symbols, where only the 16 bytes of
/// the size bound are left for the header, within it (docs/FORMAT.md §5).
pub const ONE_CHUNK: u8 = 0x08;
/// The layout byte's bits for the lane count.
pub(crate) const LANES_LOG2_BITS: u8 = 0x07;
/// Chunks hold at most this many symbols (so a 10^8-symbol stream has ~190 chunks).
pub const MAX_CHUNK_SYMBOLS: usize = 1 << 19;
/// Chunks of float-CDF streams hold at most this many symbols: each symbol reads a
/// whole row (516 bytes at L = 128), so 2^17 symbols are milliseconds of work, and a
/// stream of 10^5 symbols or more is shared among cores (docs/FORMAT.md §10).
pub const MAX_FLOAT_CDF_CHUNK_SYMBOLS: usize = 1 << 17;
/// A lane gets at least this many symbols before the chunk gets more lanes: 30 K
/// (15 · 2^11) rather than 2^15, so that chunks of 480 K symbols and more (W1's two
/// chunks) get 16 lanes, two groups of eight for the vector decoder. One 8-lane chunk
/// alone keeps a core waiting on its round's latency (docs/PERFORMANCE.md, "Layout: 64-bit
/// states, 32-bit words, 16 lanes a chunk"); docs/FORMAT.md §5 gives what the extra lanes
/// cost.
pub const MIN_LANE_SYMBOLS: usize = 30 * 1024;
/// Lanes the encoder uses at most (the format allows up to 32).
pub const ENCODER_MAX_LANES: usize = 16;
/// Bytes of the CRC32C trailer.
pub(crate) const CRC_BYTES: usize = 4;

/// The low 32 bits of the table fingerprint, as stored in the header.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{format, CdfTable};
///
/// // Symbols -1, 0, 1 and the escape bin, precision 16.
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let bytes = format::encode(&table, &[0, 1], &[0, 0], 1)?;
/// assert_eq!(format::header(&bytes)?.fingerprint32, format::fp32(&table));
/// assert_eq!(format::fp32(&table), table.fingerprint() as u32);
/// # Ok(()) }
/// ```
pub fn fp32(table: &CdfTable) -> u32 {
    table.fingerprint() as u32
}

/// The stream without its CRC, and the CRC it stores (`None` when it is too short to
/// hold one).
pub(crate) fn split_crc(data: &[u8]) -> Option<(&[u8], u32)> {
    let (body, stored) = data.split_last_chunk::<CRC_BYTES>()?;
    Some((body, u32::from_le_bytes(*stored)))
}

pub(crate) fn crc_mismatch() -> Error {
    Error::corrupt(
        "CRC32C mismatch (flipped bits, truncated or trailing data, or not a fastrans stream)",
    )
}

/// `e`, unless the stream's CRC does not hold: a damaged stream is reported as damaged,
/// whatever else went wrong with it (check 1 of docs/FORMAT.md comes first). The cold path
/// of [`decode_with`](crate::format::decode_with), which checks the CRC chunk by chunk on success only.
#[cold]
pub(crate) fn unless_damaged(data: &[u8], e: Error) -> Error {
    match split_crc(data) {
        Some((body, stored)) if crc32c::crc32c(body) != stored => crc_mismatch(),
        _ => e,
    }
}

/// The stream without its CRC and the version and fingerprint fields, checked for length
/// and version (the first checks of `parse` and [`header`](crate::format::header), in this order).
pub(crate) fn version_and_fp(data: &[u8]) -> Result<(&[u8], u8, u32)> {
    if data.len() < 1 + 4 + 1 + CRC_BYTES {
        return Err(Error::corrupt(format!(
            "{} bytes is shorter than any fastrans stream (truncated?)",
            data.len()
        )));
    }
    let Some((body, _)) = split_crc(data) else {
        return Err(Error::corrupt("shorter than a CRC"));
    };
    let version = body[0];
    if version == VERSION_MODEL {
        return Err(Error::TableMismatch(
            "the stream was coded with per-symbol parametric models (ParametricCoder), \
             not with tables: decode it with the ParametricCoder that encoded it"
                .into(),
        ));
    }
    if version != VERSION && version != VERSION_1 {
        return Err(Error::corrupt(format!(
            "stream version {version} is not supported (this build reads versions \
             {VERSION_1} and {VERSION})"
        )));
    }
    let fp = u32::from_le_bytes([body[1], body[2], body[3], body[4]]);
    Ok((body, version, fp))
}

/// Where the symbol count ends: the header's fields before it are version and fingerprint.
pub(crate) const COUNT_AT: usize = 5;

/// The model field (`field_len` bytes after the version byte) of a model-coded stream,
/// after the checks every model coder makes in this order: a stream too short for a CRC
/// or a version byte is corrupt; a table stream is `TableMismatch` (`coded_with` names
/// what the caller decodes, e.g. "per-symbol float CDFs"); any other version, or a stream
/// too short for the field and a symbol count, is corrupt.
pub(crate) fn model_field<'a>(
    data: &'a [u8],
    field_len: usize,
    coded_with: &str,
) -> Result<&'a [u8]> {
    let Some((body, _)) = split_crc(data) else {
        return Err(Error::corrupt("shorter than a CRC"));
    };
    let Some(&version) = body.first() else {
        return Err(Error::corrupt(format!(
            "{} bytes is shorter than any fastrans stream (truncated?)",
            data.len()
        )));
    };
    if version == VERSION || version == VERSION_1 {
        return Err(Error::TableMismatch(format!(
            "the stream was coded with tables (version {version}), not with {coded_with}: \
             decode it with the tables that encoded it"
        )));
    }
    if version != VERSION_MODEL {
        return Err(Error::corrupt(format!(
            "stream version {version:#04x} is not supported (this build reads model-coded \
             streams of version {VERSION_MODEL:#04x})"
        )));
    }
    if data.len() < 1 + field_len + 1 + CRC_BYTES {
        return Err(Error::corrupt(format!(
            "{} bytes is shorter than any model-coded stream (truncated?)",
            data.len()
        )));
    }
    Ok(&body[1..1 + field_len])
}
