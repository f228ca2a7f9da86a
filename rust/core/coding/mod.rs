//! # Coding: the rANS arithmetic every stream shares
//!
//! Above the tables, below everything that codes. Nothing here knows about streams,
//! chunks or CPUs; everything above builds on these three pieces:
//!
//! - [`rans`]: one 64-bit rANS state with 32-bit words: put, get, flush, the word sink and
//!   the bounds-checked word reader. Every format renormalises the same way, so a bug here
//!   is a bug everywhere and the arithmetic lives once.
//! - [`escape`]: one symbol through one table row with CompressAI's escape rule (a
//!   symbol outside the row goes out as an escape bin followed by Elias-gamma-like 4-bit
//!   groups). Both stream formats and every lanes kernel call it for the rare path.
//! - [`varint`]: strict LEB128, the one spelling of sizes and lane states in the fastrans
//!   stream; strict decoding gives every value exactly one encoding.
//!
//! Depends on: `error`, `tables` (a row's bins and their encoder form).

pub(crate) mod escape;
pub(crate) mod rans;
pub mod varint;
