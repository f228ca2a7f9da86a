//! How a fastrans stream is cut into chunks and lanes: the encoder's choice ([`Params`]),
//! and the header's layout fields read back and checked against the stream's size.

use crate::chunk::chunk_lanes;
use crate::coding::varint;
use crate::error::{Error, Result};
use crate::format::wire::{
    ENCODER_MAX_LANES, LANES_LOG2_BITS, MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS, ONE_CHUNK, VERSION_1,
};
use crate::lanes::MAX_LANES;

/// How a stream of `n` symbols is cut: chunk size and lanes per chunk.
///
/// The encoder picks them ([`Params::for_len`], then [`Params::within_budget`]); a
/// stream's [`Header`](crate::format::Header) says which it got.
///
/// # Examples
///
/// ```
/// use fastrans::format::{Params, MAX_CHUNK_SYMBOLS};
///
/// let n = 3 * MAX_CHUNK_SYMBOLS;
/// let params = Params::for_len(n);
/// assert_eq!(params, Params { lanes: 16, chunk_symbols: MAX_CHUNK_SYMBOLS });
/// assert_eq!(params.chunks(n), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Lanes per chunk (a power of two; a chunk shorter than this uses fewer).
    pub lanes: usize,
    /// Symbols per chunk (the last chunk takes the rest).
    pub chunk_symbols: usize,
}

impl Params {
    /// What the encoder uses for `n` symbols: chunks as equal as possible of at most
    /// [`MAX_CHUNK_SYMBOLS`], and the largest power-of-two lane count (at most
    /// [`ENCODER_MAX_LANES`]) that leaves every lane [`MIN_LANE_SYMBOLS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::{Params, ENCODER_MAX_LANES, MIN_LANE_SYMBOLS};
    ///
    /// // Short streams: one chunk of one lane.
    /// assert_eq!(Params::for_len(1000), Params { lanes: 1, chunk_symbols: 1000 });
    /// // Four lanes once each of them gets MIN_LANE_SYMBOLS.
    /// assert_eq!(Params::for_len(4 * MIN_LANE_SYMBOLS).lanes, 4);
    /// assert_eq!(Params::for_len(100_000_000).lanes, ENCODER_MAX_LANES);
    /// ```
    pub fn for_len(n: usize) -> Params {
        Params::for_len_within(n, MAX_CHUNK_SYMBOLS)
    }

    /// [`for_len`](Self::for_len) with chunks of at most `max_chunk` (at least 1) symbols.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::{Params, MAX_FLOAT_CDF_CHUNK_SYMBOLS};
    ///
    /// // 200 000 symbols: two chunks of 100 000, two lanes each.
    /// let p = Params::for_len_within(200_000, MAX_FLOAT_CDF_CHUNK_SYMBOLS);
    /// assert_eq!(p, Params { lanes: 2, chunk_symbols: 100_000 });
    /// ```
    pub fn for_len_within(n: usize, max_chunk: usize) -> Params {
        let chunks = n.div_ceil(max_chunk.max(1)).max(1);
        let chunk_symbols = n.div_ceil(chunks).max(1);
        let want = (chunk_symbols / MIN_LANE_SYMBOLS).clamp(1, ENCODER_MAX_LANES);
        let lanes = 1 << (usize::BITS - 1 - want.leading_zeros());
        Params {
            lanes,
            chunk_symbols,
        }
    }

    /// Chunks of a stream of `n > 0` symbols.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::Params;
    ///
    /// let params = Params { lanes: 8, chunk_symbols: 1000 };
    /// assert_eq!(params.chunks(1000), 1);
    /// assert_eq!(params.chunks(2001), 3); // the last chunk takes the one left
    /// ```
    pub fn chunks(&self, n: usize) -> usize {
        n.div_ceil(self.chunk_symbols)
    }

    /// What the lanes and chunks of these parameters cost a stream of `n` symbols beyond
    /// one chunk of one lane, in quarter bytes: 21 (5.25 bytes) an extra lane, 32 (8 bytes)
    /// an extra chunk, and the `chunk_symbols` varint once there is more than one chunk
    /// (a single chunk does without it, docs/FORMAT.md §1). Measured on Gaussian data from
    /// 0.01 to 3.6 bits a symbol: 3.5 to 5.1 bytes a lane, about 7 a chunk.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::Params;
    ///
    /// let n = 100_000;
    /// assert_eq!(Params { lanes: 1, chunk_symbols: n }.extra_cost(n), 0);
    /// assert_eq!(Params { lanes: 2, chunk_symbols: n }.extra_cost(n), 21); // a lane more
    /// // Two chunks of one lane: a chunk more, and the chunk size written (a 3-byte varint).
    /// assert_eq!(Params { lanes: 1, chunk_symbols: n / 2 }.extra_cost(n), 32 + 4 * 3);
    /// ```
    pub fn extra_cost(self, n: usize) -> usize {
        let chunks = self.chunks(n);
        let last = n - (chunks - 1) * self.chunk_symbols;
        let all = (chunks - 1) * chunk_lanes(self.lanes, self.chunk_symbols)
            + chunk_lanes(self.lanes, last);
        let chunk_size = if chunks > 1 {
            4 * varint::len(self.chunk_symbols as u64)
        } else {
            0
        };
        21 * (all - chunks) + 32 * (chunks - 1) + chunk_size
    }

    /// Fewer lanes or chunks when these parameters would cost more than the size bound
    /// allows a stream of `n` symbols whose chunks came to `body` bytes (docs/FORMAT.md §5:
    /// at most `0.0005 · len(compressai) + 16` over CompressAI's stream; one chunk of one
    /// lane, header and CRC included, stays within the 16 bytes). The extra lanes and
    /// chunks ([`Params::extra_cost`]) must fit in a 2000th of what one chunk of one lane
    /// would take, reckoned as `body` less what these parameters' extras cost. (The whole
    /// `body` would let the extras pay for themselves: at nearly certain symbols they are
    /// most of it.) Returns `None` when these
    /// parameters fit already, else the first that fits of, in this order:
    /// 1. the same chunks with half the lanes, down to 8 (the vector kernels' width);
    /// 2. chunks of those lanes (at most 8), fewer of them down to one: the most that fit;
    /// 3. one chunk of half the lanes, down to one lane.
    ///
    /// Lanes go first down to 8 because eight lanes still run the vector kernels at most
    /// of their speed, while each chunk less is a core less; below 8 a lane count halves
    /// the kernels' speed, so chunks go before. Only low-entropy streams are cut: W1
    /// (3.1 bits a symbol) keeps its 32 lanes (two chunks of 16) with about 13% to spare.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::format::Params;
    ///
    /// let n = 1 << 20;
    /// let params = Params::for_len(n); // two chunks of 16 lanes
    /// // 1 MB of chunks: the extra lanes and chunks (169 bytes) are within the bound.
    /// assert_eq!(params.extra_cost(n).div_ceil(4), 169);
    /// assert_eq!(params.within_budget(n, 1_000_000), None);
    /// // Nearly certain symbols, 2 KB in all: fewer lanes and chunks.
    /// let fewer = params.within_budget(n, 2_000).unwrap();
    /// assert!(fewer.extra_cost(n) < params.extra_cost(n));
    /// ```
    pub fn within_budget(self, n: usize, body: usize) -> Option<Params> {
        if n == 0 {
            return None;
        }
        // What one chunk of one lane would come to, about CompressAI's stream: `body` less
        // what these lanes and chunks cost, which at nearly certain symbols is most of
        // `body` (10^8 symbols of about 10^-4 bits each in 191 chunks of 16 lanes: about 2.5
        // times the bytes of one chunk of one lane). The cost model is generous, so this
        // errs low.
        let single = body.saturating_sub(self.extra_cost(n).div_ceil(4));
        let fits = |p: Params| p.extra_cost(n).saturating_mul(500) <= single;
        if fits(self) {
            return None;
        }
        let mut p = self;
        while p.lanes > 8 {
            p.lanes /= 2;
            if fits(p) {
                return Some(p);
            }
        }
        for chunks in (1..self.chunks(n)).rev() {
            p.chunk_symbols = n.div_ceil(chunks);
            if fits(p) {
                return Some(p);
            }
        }
        p.chunk_symbols = n;
        while p.lanes > 1 {
            p.lanes /= 2;
            if fits(p) {
                break;
            }
        }
        (p != self).then_some(p)
    }

    /// These parameters made valid for `n` symbols: a power-of-two lane count in
    /// `1..=MAX_LANES` (rounded down), a chunk size in `1..=n`.
    pub(crate) fn fitted(self, n: usize) -> Params {
        Params {
            lanes: chunk_lanes(self.lanes, MAX_LANES),
            chunk_symbols: self.chunk_symbols.clamp(1, n.max(1)),
        }
    }
}

/// A parsed, checked header: where each chunk's bytes are.
pub(crate) struct Layout {
    pub(crate) params: Params,
    /// Byte ranges of the chunks inside the stream.
    pub(crate) chunks: Vec<(usize, usize)>,
}

/// The layout byte, chunk size and chunk lengths of a stream of `n` symbols (its header
/// from `pos`, just after the count), checked against the body's size.
pub(crate) fn parse_layout(body: &[u8], version: u8, n: usize, mut pos: usize) -> Result<Layout> {
    if n == 0 {
        if pos != body.len() {
            return Err(Error::corrupt("bytes after the header of an empty stream"));
        }
        return Ok(Layout {
            params: Params::for_len(0),
            chunks: Vec::new(),
        });
    }
    let Some(&layout_byte) = body.get(pos) else {
        return Err(Error::corrupt("stream ends inside the header"));
    };
    pos += 1;
    // Version 1's byte is `lanes_log2` alone, so a set flag bit there reads as too many
    // lanes, as it did before version 2.
    let (lanes_log2, one_chunk) = if version == VERSION_1 {
        (layout_byte, false)
    } else if layout_byte & !(LANES_LOG2_BITS | ONE_CHUNK) != 0 {
        return Err(Error::corrupt(format!(
            "layout byte {layout_byte:#04x} sets bits this version does not define"
        )));
    } else {
        (layout_byte & LANES_LOG2_BITS, layout_byte & ONE_CHUNK != 0)
    };
    if (1usize << lanes_log2.min(31)) > MAX_LANES {
        return Err(Error::corrupt(format!(
            "2^{lanes_log2} lanes is more than the format allows ({MAX_LANES})"
        )));
    }
    let chunk_symbols = if one_chunk {
        n as u64
    } else {
        varint::get(body, &mut pos, "chunk size")?
    };
    if chunk_symbols == 0 || chunk_symbols > n as u64 {
        return Err(Error::corrupt(format!(
            "chunk size {chunk_symbols} is outside 1..={n}"
        )));
    }
    // One encoding a stream: from version 2 a single chunk is written with the flag.
    if version != VERSION_1 && !one_chunk && chunk_symbols == n as u64 {
        return Err(Error::corrupt(
            "a chunk size of n without the one-chunk flag (not written by any encoder)",
        ));
    }
    let params = Params {
        lanes: 1 << lanes_log2,
        chunk_symbols: chunk_symbols as usize,
    };
    let chunks = params.chunks(n);
    // Every chunk takes at least one byte per length field and one per lane state, so a
    // count beyond the bytes left is corrupt; checked before allocating.
    if chunks > body.len() - pos {
        return Err(Error::corrupt(format!(
            "{chunks} chunks cannot fit in {} bytes",
            body.len() - pos
        )));
    }
    let mut lens = Vec::with_capacity(chunks);
    for _ in 0..chunks - 1 {
        let len = varint::get(body, &mut pos, "chunk length")?;
        lens.push(len);
    }
    let mut ranges = Vec::with_capacity(chunks);
    let mut at = pos;
    for len in lens {
        let end = (at as u64)
            .checked_add(len)
            .filter(|&e| e <= body.len() as u64)
            .ok_or_else(|| Error::corrupt("a chunk length points past the end of the stream"))?;
        ranges.push((at, end as usize));
        at = end as usize;
    }
    ranges.push((at, body.len()));
    Ok(Layout {
        params,
        chunks: ranges,
    })
}
