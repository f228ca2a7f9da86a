//! What the lanes coders read and write, shared by the scalar lanes and every vector
//! kernel: the source and target traits, their check block, and the lane limits.

use std::mem::MaybeUninit;

use crate::error::Result;

/// Positions checked at a time ([`EncodeSource::check`], [`DecodeTarget::check`]) just
/// before they are coded: 2048 floats of each input stay in L1/L2 between the check and
/// the coding, so the check is no second pass over memory (the one resource two coding
/// threads contend for). A multiple of every lane count. Why 2048 and not a whole chunk,
/// 512 or 8192: docs/PERFORMANCE.md, "Float checks".
pub const CHECK_BLOCK: usize = 2048;

/// Most lanes a chunk may have.
pub const MAX_LANES: usize = 32;
/// The state every lane starts from when encoding, and must end in when decoding.
pub const LANE_START: u64 = 1;

/// Where an encoder gets its symbols: position `i` of the stream → (symbol, table row).
///
/// Inputs are checked a block of [`CHECK_BLOCK`] positions at a time, in a pass of their
/// own (it vectorises) just before the block is coded, so the coding loop carries no
/// per-element validity flags and reads the block again while it is still in cache. (The
/// AVX-512 encoder checks `ScaleCoder`'s floats itself, `ScaleRows`, and calls `check`
/// only for a block where it flagged a position.)
///
/// Implement it to encode symbols that are not in arrays (made on the fly, or derived
/// from other data) with [`format::encode_with`](crate::format::encode_with): `check`
/// reports the first unusable position of a block, `get` returns a checked position's
/// symbol and row (which must name a row of the table).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::format::{self, EncodeSource};
/// use fastrans::{CdfTable, Error};
///
/// /// Symbols and rows from pairs, the rows checked a block at a time.
/// struct Pairs<'a> { pairs: &'a [(i32, i32)], rows: usize }
/// impl EncodeSource for Pairs<'_> {
///     fn check(&self, start: usize, len: usize) -> fastrans::Result<()> {
///         match self.pairs[start..start + len].iter().position(|p| p.1 as usize >= self.rows) {
///             Some(i) => Err(Error::InvalidArgument(format!("bad row at {}", start + i))),
///             None => Ok(()),
///         }
///     }
///     fn get(&self, i: usize) -> (i32, usize) { (self.pairs[i].0, self.pairs[i].1 as usize) }
/// }
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let good = Pairs { pairs: &[(1, 0), (-1, 0)], rows: 1 };
/// let bytes = format::encode_with(&table, &good, 2, 1)?;
/// assert_eq!(format::decode(&table, &bytes, &[0, 0], 1)?, [1, -1]);
///
/// let bad = Pairs { pairs: &[(1, 0), (0, 2)], rows: 1 };
/// assert!(matches!(format::encode_with(&table, &bad, 2, 1), Err(Error::InvalidArgument(_))));
/// # Ok(()) }
/// ```
pub trait EncodeSource: Sync {
    /// The error for the first unusable position in `start..start + len`, if any. Called
    /// before those positions are coded.
    fn check(&self, start: usize, len: usize) -> Result<()>;
    /// Symbol and row of position `i`. REQUIRES: `check` passed for `i`.
    fn get(&self, i: usize) -> (i32, usize);
    /// [`EncodeSource::get`] for positions `base .. base + N`, the hot loop's batch (a
    /// source can hoist its bounds checks and fields out of the per-element work).
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::EncodeSource;
    ///
    /// struct Squares;
    /// impl EncodeSource for Squares {
    ///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
    ///     fn get(&self, i: usize) -> (i32, usize) { ((i * i) as i32, i % 2) }
    /// }
    /// // The default calls `get` for each position of the batch.
    /// let (mut symbols, mut rows) = ([0; 4], [0; 4]);
    /// Squares.get_round(2, &mut symbols, &mut rows);
    /// assert_eq!((symbols, rows), ([4, 9, 16, 25], [0, 1, 0, 1]));
    /// ```
    #[inline(always)]
    fn get_round<const N: usize>(&self, base: usize, syms: &mut [i32; N], rows: &mut [usize; N]) {
        for k in 0..N {
            (syms[k], rows[k]) = self.get(base + k);
        }
    }
    /// The source's inputs as plain arrays, when it has them: the vectorised encoder
    /// (`simd/avx512_encode.rs`) then reads them itself instead of calling
    /// [`EncodeSource::get_round`]. Only this crate's sources can make a [`SourceArrays`];
    /// others keep the default, `None`.
    #[doc(hidden)]
    fn arrays(&self) -> Option<SourceArrays<'_>> {
        None
    }
    /// Asks for the inputs of position `pos` (if it exists) to be brought toward the cache,
    /// reading nothing: the vector encoder calls it a check block ahead (`simd/prefetch.rs`), as
    /// the vector decoders call [`DecodeTarget::prefetch`].
    #[doc(hidden)]
    #[inline(always)]
    fn prefetch(&self, _pos: usize) {}
}

/// What [`EncodeSource::arrays`] returns: an opaque description of a source made in this
/// crate.
#[doc(hidden)]
pub struct SourceArrays<'a>(pub(crate) Arrays<'a>);

/// The inputs of this crate's sources, as the vectorised encoder reads them. REQUIRES (of
/// whoever makes one): the same symbols and rows as the source's
/// [`EncodeSource::get`], for every position that passed its check.
pub(crate) enum Arrays<'a> {
    /// Symbol `i` is `symbols[i]`, its row `rows[i]`.
    Ints { symbols: &'a [i32], rows: &'a [i32] },
    /// Symbol `i` is `values[i] - means[i]` rounded to nearest (half to even in MXCSR's
    /// default mode, as `scale_coder`'s magic-number rounding), its row is row `i` of
    /// `rows` (`ScaleCoder`'s fused source).
    Floats {
        values: &'a [f32],
        means: Option<&'a [f32]>,
        rows: ScaleRows<'a>,
        /// The records of `rows.lookup` over the table coded with, when the coder has
        /// them (`tables/scale_bins.rs`; the AVX2 encoder finds bins with them).
        bins: Option<&'a crate::tables::scale_bins::ScaleBins>,
    },
}

/// Where a decoder gets rows and puts its results. Positions are checked a block of
/// [`CHECK_BLOCK`] at a time, just before the block is decoded (except by the AVX-512
/// decoder for a target whose rows are a `ScaleRows`, which checks them itself).
///
/// Implement it to decode with rows that are not in an array, or into values other than
/// the symbols, with [`format::decode_with`](crate::format::decode_with): `check` reports
/// the first unusable position of a block, `row` gives a checked position's row and
/// `value` what its decoded symbol becomes.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::format::{self, DecodeTarget};
/// use fastrans::CdfTable;
///
/// /// Even positions with row 0, odd ones with row 1; symbols widened to i64.
/// struct Alternate;
/// impl DecodeTarget for Alternate {
///     type Out = i64;
///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
///     fn row(&self, i: usize) -> usize { i % 2 }
///     fn value(&self, _i: usize, symbol: i32) -> i64 { symbol.into() }
/// }
/// let rows = [&[0, 16384, 49152, 65535, 65536][..], &[0, 60000, 65535, 65536]];
/// let table = CdfTable::from_rows(&rows, &[5, 4], &[-1, 0], 16)?;
/// let bytes = format::encode(&table, &[-1, 0, 1, 1], &[0, 1, 0, 1], 1)?;
/// assert_eq!(format::decode_with(&table, &bytes, &Alternate, 4, 1)?, [-1, 0, 1, 1]);
/// # Ok(()) }
/// ```
pub trait DecodeTarget: Sync {
    /// What one decoded position becomes.
    type Out: Copy + Send + Sync + Default;
    /// The error for the first unusable position in `start..start + len`, if any. Called
    /// before those positions are decoded.
    fn check(&self, start: usize, len: usize) -> Result<()>;
    /// Row of position `i`. REQUIRES: `check` passed for `i`.
    fn row(&self, i: usize) -> usize;
    /// [`DecodeTarget::row`] for positions `base .. base + N` (see
    /// [`EncodeSource::get_round`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::DecodeTarget;
    ///
    /// struct Alternate;
    /// impl DecodeTarget for Alternate {
    ///     type Out = i32;
    ///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
    ///     fn row(&self, i: usize) -> usize { i % 2 }
    ///     fn value(&self, _i: usize, symbol: i32) -> i32 { symbol }
    /// }
    /// // The default calls `row` for each position of the batch.
    /// let mut rows = [0; 4];
    /// Alternate.rows(5, &mut rows);
    /// assert_eq!(rows, [1, 0, 1, 0]);
    /// ```
    #[inline(always)]
    fn rows<const N: usize>(&self, base: usize, rows: &mut [usize; N]) {
        for (k, row) in rows.iter_mut().enumerate() {
            *row = self.row(base + k);
        }
    }
    /// The target's rows as a scale lookup that a vector decoder can run eight positions at
    /// a time ([`ScaleRows`]), if they are one. REQUIRES: when `Some`, [`DecodeTarget::row`]
    /// of every checked position is that lookup's row. (A target that breaks this gets
    /// wrong rows, still bounds-checked, never an unchecked load.)
    #[doc(hidden)]
    #[inline(always)]
    fn scale_rows(&self) -> Option<ScaleRows<'_>> {
        None
    }
    /// The target's rows as an index per position, if they are one: the AVX2 decoder then
    /// loads eight at a time. REQUIRES: when `Some(ix)`, [`DecodeTarget::row`] of every
    /// checked position `i` is `ix[i] as usize`. (A target that breaks this gets wrong
    /// rows, still bounds-checked, never an unchecked load.)
    #[doc(hidden)]
    #[inline(always)]
    fn index_rows(&self) -> Option<&[i32]> {
        None
    }
    /// Asks for the inputs of position `pos` (if it exists) to be brought toward the cache,
    /// reading nothing: the vector decoders call it a check block ahead (`simd/prefetch.rs`).
    #[doc(hidden)]
    #[inline(always)]
    fn prefetch(&self, _pos: usize) {}
    /// The output for symbol `symbol` at position `i`.
    fn value(&self, i: usize, symbol: i32) -> Self::Out;
    /// [`DecodeTarget::value`] for positions `base .. base + N` (see
    /// [`EncodeSource::get_round`]). The decoder itself stores them: its output may be
    /// uninitialised memory, so which slots get written must not rest on a target.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::DecodeTarget;
    ///
    /// /// Symbols plus a per-position mean.
    /// struct PlusMean<'a>(&'a [f32]);
    /// impl DecodeTarget for PlusMean<'_> {
    ///     type Out = f32;
    ///     fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> { Ok(()) }
    ///     fn row(&self, _i: usize) -> usize { 0 }
    ///     fn value(&self, i: usize, symbol: i32) -> f32 { symbol as f32 + self.0[i] }
    /// }
    /// // The default calls `value` for each position of the batch.
    /// let target = PlusMean(&[0.5, 0.25, 0.0]);
    /// assert_eq!(target.values(1, &[2, -1]), [2.25, -1.0]);
    /// ```
    #[inline(always)]
    fn values<const N: usize>(&self, base: usize, symbols: &[i32; N]) -> [Self::Out; N] {
        std::array::from_fn(|k| self.value(base + k, symbols[k]))
    }
}

/// Rows that are a function of one `f32` per position, in the form of `scale_coder`'s
/// one-comparison lookup: the row of position `i` is `e.row + (e.limit < s)`, where
/// `s = max(scales[i], bound)` and `e` is entry `s.to_bits() >> shift` of the lookup
/// (stored as one integer, `scale::OneEntry`).
/// Both AVX-512 coders evaluate it eight positions at a time (`simd/avx512_scale.rs`; see
/// [`DecodeTarget::scale_rows`] and [`Arrays::Floats`]).
///
/// Those kernels check their inputs themselves instead of calling the block check first
/// (`simd/avx512_scale.rs`). REQUIRES (of whoever makes one): the source's or target's `check`
/// fails for a position whose scale or mean (`means`) is NaN, and for an encoder's, for a
/// position whose symbol does not fit `i32`, and for no other.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ScaleRows<'a> {
    /// One scale per stream position.
    pub(crate) scales: &'a [f32],
    /// Means whose NaNs the lookup marks too (the decoder's target). An encoder's source
    /// leaves it `None`: a NaN mean already gives a symbol outside `i32`.
    pub(crate) means: Option<&'a [f32]>,
    pub(crate) lookup: crate::tables::scale_index::OneCompare<'a>,
}

/// Stores a round's outputs `vals` into its slots `dst` (the same length): every output
/// position is written here or in `finish_chunk`, by this module, never by a target.
#[inline(always)]
pub(crate) fn put_values<O: Copy, const N: usize>(dst: &mut [MaybeUninit<O>], vals: [O; N]) {
    for (o, v) in dst.iter_mut().zip(vals) {
        o.write(v);
    }
}
