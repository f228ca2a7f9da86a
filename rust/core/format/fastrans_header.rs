//! What a fastrans stream's header says, read without its tables, indexes or model
//! inputs (`fastrans info`, and callers sizing their arrays), through the decoders' own
//! parsers: table streams and model-coded ones (parametric laws, float CDFs) alike.

use crate::coding::varint;
use crate::error::{Error, Result};
use crate::format::layout::parse_layout;
use crate::format::wire::{
    crc_mismatch, model_field, split_crc, version_and_fp, COUNT_AT, CRC_BYTES, VERSION,
    VERSION_MODEL,
};
use crate::models::{
    levels_from_header, ModelSpec, FLOAT_CDF_DEFINITION, FLOAT_CDF_PRECISION, HEADER_LEN,
};

/// Where a model-coded stream's symbol count starts: after its version byte and its
/// model field.
const MODEL_COUNT_AT: usize = 1 + HEADER_LEN;

/// The number of symbols a fastrans stream says it holds (header only, after its CRC is
/// checked), so callers can size their index arrays.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let bytes = format::encode(&table, &[1, 0, -1], &[0; 3], 1)?;
/// let n = format::symbol_count(&bytes)?;
/// assert_eq!(n, 3);
/// assert_eq!(format::decode(&table, &bytes, &vec![0; n as usize], 1)?, [1, 0, -1]);
///
/// let err = format::symbol_count(&bytes[..bytes.len() - 1]).unwrap_err(); // truncated
/// assert!(matches!(err, fastrans::Error::CorruptStream(_)));
/// # Ok(()) }
/// ```
pub fn symbol_count(data: &[u8]) -> Result<u64> {
    let count_at = match data.first() {
        Some(&VERSION_MODEL) => MODEL_COUNT_AT,
        _ => COUNT_AT,
    };
    if data.len() < count_at + 1 + CRC_BYTES {
        return Err(Error::corrupt("too short for a fastrans stream"));
    }
    let Some((body, stored)) = split_crc(data) else {
        return Err(Error::corrupt("too short for a fastrans stream"));
    };
    if crc32c::crc32c(body) != stored {
        return Err(crc_mismatch());
    }
    let mut pos = count_at;
    varint::get(body, &mut pos, "symbol count")
}

/// The model a model-coded stream names in its header (docs/FORMAT.md §9 and §10): what
/// its decoder must be configured with.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::format::{self, ModelHeader};
/// use fastrans::ParametricCoder;
///
/// let coder = ParametricCoder::new("laplace", 16, Some(-64), Some(63))?;
/// let bytes = coder.encode(&[3, -2], &[2.5, -1.0], &[1.5, 0.5], None, 1)?;
/// let header = format::header(&bytes)?;
/// assert_eq!(header.version, format::VERSION_MODEL);
/// assert_eq!(
///     header.model,
///     Some(ModelHeader::Parametric { family: "laplace", precision: 16, bounds: Some((-64, 63)) })
/// );
/// assert_eq!(format::symbol_count(&bytes)?, 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelHeader {
    /// Per-symbol parametric laws ([`ParametricCoder`](crate::ParametricCoder)).
    Parametric {
        /// `"gaussian"`, `"laplace"` or `"logistic"`.
        family: &'static str,
        /// Bits of the quantized CDFs.
        precision: u32,
        /// `Some((lower, upper))` for a bounded support, `None` for a window around each
        /// law with escapes beyond it.
        bounds: Option<(i32, i32)>,
    },
    /// Per-symbol float CDFs ([`float_cdf`](crate::float_cdf)).
    FloatCdf {
        /// Levels `L` of every row (symbols `0..L`).
        levels: u32,
        /// Bits of the quantized CDFs.
        precision: u32,
    },
}

/// The model field of a model-coded stream, read as its decoders read it.
fn model_header(field: &[u8]) -> Result<ModelHeader> {
    if field.first() == Some(&FLOAT_CDF_DEFINITION) {
        let levels = levels_from_header(field)?;
        return Ok(ModelHeader::FloatCdf {
            levels: levels as u32,
            precision: FLOAT_CDF_PRECISION,
        });
    }
    let spec = ModelSpec::from_header_bytes(field)?;
    Ok(ModelHeader::Parametric {
        family: spec.family().name(),
        precision: spec.precision(),
        bounds: spec.bounds(),
    })
}

/// What a fastrans stream's header says about it ([`header`]).
///
/// # Examples
///
/// The header, the chunks and the 4-byte CRC make up the whole stream:
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let symbols: Vec<i32> = (0..100_000).map(|i| i % 3 - 1).collect();
/// let bytes = format::encode(&table, &symbols, &vec![0; symbols.len()], 1)?;
/// let header = format::header(&bytes)?;
/// assert_eq!((header.symbols, header.chunk_symbols), (100_000, 100_000)); // one chunk
/// assert_eq!(header.lanes_log2, 1); // 2 lanes of 50 000 symbols
/// let chunks: usize = header.chunk_bytes.iter().sum();
/// assert_eq!(header.header_bytes + chunks + 4, bytes.len());
/// assert_eq!(header.crc.to_le_bytes(), bytes[bytes.len() - 4..]);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The stream version: 1 or 2 for table streams, [`VERSION_MODEL`] for model-coded
    /// ones.
    pub version: u8,
    /// The low 32 bits of the fingerprint of the tables that made it (0 for a model-coded
    /// stream, which names its model instead).
    pub fingerprint32: u32,
    /// The model of a model-coded stream, `None` for a table stream.
    pub model: Option<ModelHeader>,
    /// The number of symbols.
    pub symbols: u64,
    /// Lanes per chunk, as a power of two (0 for an empty stream).
    pub lanes_log2: u32,
    /// Symbols per chunk, the last chunk taking the rest (0 for an empty stream).
    pub chunk_symbols: u64,
    /// Bytes of each chunk, in stream order.
    pub chunk_bytes: Vec<usize>,
    /// Bytes of the header (the chunks start there).
    pub header_bytes: usize,
    /// The stored CRC32C (it holds: [`header`] checked it).
    pub crc: u32,
}

/// The header of a fastrans stream, read without its tables, indexes or model inputs: the
/// CRC is checked over the whole stream first, then the header by the decoders' own parser
/// (everything [`decode`](crate::format::decode) checks before it decodes the chunks but
/// the table fingerprint and the caller's symbol count, which it only reports; for a
/// model-coded stream, its model field as its decoder reads it), and a chunk of no bytes,
/// which cannot hold its lanes' states, is refused too. `fastrans info` prints this.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// # use fastrans::{format, CdfTable};
/// # let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let bytes = format::encode(&table, &[1, 0, -1], &[0; 3], 1)?;
/// let header = format::header(&bytes)?;
/// assert_eq!(header.version, format::VERSION);
/// assert_eq!(header.fingerprint32, format::fp32(&table));
/// assert_eq!((header.symbols, header.chunk_bytes.len()), (3, 1));
///
/// let mut damaged = bytes.clone();
/// damaged[0] ^= 0x80;
/// let err = format::header(&damaged).unwrap_err();
/// assert!(matches!(err, fastrans::Error::CorruptStream(_)));
/// # Ok(()) }
/// ```
pub fn header(data: &[u8]) -> Result<Header> {
    // The CRC ranks first, as in the decoder (`unless_damaged`), even for bytes too short
    // to be a stream.
    if let Some((body, stored)) = split_crc(data) {
        if crc32c::crc32c(body) != stored {
            return Err(crc_mismatch());
        }
    }
    let (body, version, fingerprint32, model, count_at) = if data.first() == Some(&VERSION_MODEL) {
        let field = model_field(data, HEADER_LEN, "a model")?;
        let model = model_header(field)?;
        let (body, _) = split_crc(data).ok_or_else(crc_mismatch)?;
        (body, VERSION_MODEL, 0, Some(model), MODEL_COUNT_AT)
    } else {
        let (body, version, fingerprint32) = version_and_fp(data)?;
        (body, version, fingerprint32, None, COUNT_AT)
    };
    let crc = u32::from_le_bytes(data[body.len()..].try_into().map_err(|_| crc_mismatch())?);
    // Model-coded streams follow version 2's layout rules.
    let layout_version = if model.is_some() { VERSION } else { version };
    let mut pos = count_at;
    let symbols = varint::get(body, &mut pos, "symbol count")?;
    let n = usize::try_from(symbols).map_err(|_| {
        Error::corrupt(format!(
            "{symbols} symbols is more than this platform can address"
        ))
    })?;
    let layout = parse_layout(body, layout_version, n, pos)?;
    if let Some(c) = layout.chunks.iter().position(|&(a, b)| a == b) {
        return Err(Error::corrupt(format!(
            "chunk {c} has no bytes: a chunk holds at least its lanes' states"
        )));
    }
    let empty = n == 0;
    Ok(Header {
        version,
        fingerprint32,
        model,
        symbols,
        lanes_log2: if empty {
            0
        } else {
            layout.params.lanes.trailing_zeros()
        },
        chunk_symbols: if empty {
            0
        } else {
            layout.params.chunk_symbols as u64
        },
        chunk_bytes: layout.chunks.iter().map(|&(a, b)| b - a).collect(),
        header_bytes: layout.chunks.first().map_or(body.len(), |c| c.0),
        crc,
    })
}
