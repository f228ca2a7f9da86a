//! # Lanes: the vocabulary every lane kernel speaks
//!
//! A chunk of the fastrans stream is coded by `N` interleaved rANS states, its "lanes"
//! (the layout and the crossing rule: `chunk`). What the scalar rounds and every vector
//! kernel share lives here, below both, so the kernels never import the layer that
//! dispatches to them:
//!
//! - [`traits`]: where an encoder gets symbols and rows ([`EncodeSource`]), where a
//!   decoder puts them ([`DecodeTarget`]), the check block and lane limits.
//! - `words`: the lanes' shared word stack and its round windows.
//! - `model`: one symbol's put and get at a position ([`model::SymbolPut`],
//!   [`model::SymbolGet`]), what the scalar rounds are written over.
//! - `round`: one decoding round of `N` lanes, and the escape path of an encoding round.
//!
//! Depends on: `error`, `tables`, `coding`.

pub(crate) mod model;
pub(crate) mod round;
pub(crate) mod traits;
pub(crate) mod words;

pub(crate) use traits::Arrays;
pub use traits::{DecodeTarget, EncodeSource, SourceArrays, CHECK_BLOCK, MAX_LANES};
