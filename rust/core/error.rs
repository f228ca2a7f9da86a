//! The one error type of the core crate.
//!
//! Every fallible entry point returns [`Error`]; nothing in the crate panics on data that a
//! caller hands in. The Python bindings map the variants to exception classes in one place
//! (`rust/py/src/errors.rs`).

use std::fmt;

/// What went wrong. Messages name the argument, the value and, where there is one, the fix.
///
/// The enum is `#[non_exhaustive]`: a `match` on it needs a wildcard arm.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{format, CdfTable, Error};
///
/// let table = CdfTable::new(&[0, 8, 16], 3, &[3], &[0], 4)?;
/// let mut bytes = format::encode(&table, &[0, 0, 0], &[0, 0, 0], 1)?;
/// bytes[6] ^= 1; // a flipped bit fails the stream's CRC
/// match format::decode(&table, &bytes, &[0, 0, 0], 1) {
///     Err(Error::CorruptStream(msg)) => assert!(msg.contains("CRC32C")),
///     other => panic!("expected a corrupt stream, got {other:?}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An argument is malformed (bad CDF, index out of range, length mismatch ...).
    InvalidArgument(String),
    /// The bytes are not a valid stream: truncated, trailing data, checksum mismatch,
    /// impossible symbol or a final state that proves the stream wrong.
    CorruptStream(String),
    /// The stream was made with other tables than the ones it is decoded with.
    TableMismatch(String),
}

/// Result alias used across the crate.
///
/// # Examples
///
/// ```
/// use fastrans::pmf_to_quantized_cdf;
///
/// fn uniform_cdf(symbols: usize) -> fastrans::Result<Vec<u32>> {
///     pmf_to_quantized_cdf(&vec![1.0; symbols], 16)
/// }
/// assert_eq!(uniform_cdf(4).unwrap(), [0, 16384, 32768, 49152, 65536]);
/// assert!(uniform_cdf(0).is_err()); // an empty pmf
/// ```
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
    pub(crate) fn corrupt(msg: impl Into<String>) -> Self {
        Error::CorruptStream(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) => write!(f, "{m}"),
            Error::CorruptStream(m) => write!(f, "corrupt stream: {m}"),
            Error::TableMismatch(m) => write!(f, "table mismatch: {m}"),
        }
    }
}

impl std::error::Error for Error {}
