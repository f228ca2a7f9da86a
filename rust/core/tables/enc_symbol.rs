//! One bin of a table in the form the rANS encoder consumes: the reciprocal, bias and
//! shift that replace a division by the bin's frequency. Built once per bin with the
//! table, read per symbol by the scalar coder and every vector encoder.

/// One bin ready for the division-free rANS encoder, in 16 bytes.
///
/// Invariant: `freq >= 1`; `rcp`/`shift`/`bias` satisfy, for every state `x < 2^63`,
/// `bias + x + (mulhi(x, rcp) >> shift) * cmpl_freq == ((x / freq) << p) + x % freq + start`.
///
/// The frequency itself is not stored: it is `2^p - cmpl_freq` ([`EncSymbol::freq`]). At 16
/// bytes, aligned, a record never straddles a cache line and the encoder's working set on
/// W1 (the bins near each row's centre) is a third smaller than with the 24-byte layout
/// that also stored `freq`; that working set is what the encoder's L1 misses come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct EncSymbol {
    /// Reciprocal of `freq` (Alverson's method), or `2^64 - 1` when `freq == 1`.
    pub rcp: u64,
    /// `start`, or `start + 2^p - 1` when `freq == 1` (see the invariant).
    pub bias: u32,
    /// `2^p - freq` (below `2^16`, since `p <= 16` and `freq >= 1`).
    pub cmpl_freq: u16,
    /// The row whose directly coded bin this is ([`EncSymbol::tag`]), so that the
    /// vectorised encoder can check a bin it fetched by `symbol + base - offset` without
    /// the row's bounds (`simd/avx512_encode.rs`). Also makes the record free of padding: the
    /// encoder loads its last eight bytes whole.
    pub(crate) tag: u8,
    /// Right shift applied to `mulhi(x, rcp)` (the record's top byte, so the vectorised
    /// encoder gets it with one shift).
    pub shift: u8,
}

// `simd/avx512_encode.rs` reads the second half as `bias | cmpl_freq << 32 | tag << 48 |
// shift << 56`.
const _: () = assert!(
    std::mem::offset_of!(EncSymbol, bias) == 8
        && std::mem::offset_of!(EncSymbol, cmpl_freq) == 12
        && std::mem::offset_of!(EncSymbol, tag) == 14
        && std::mem::offset_of!(EncSymbol, shift) == 15
);

/// [`EncSymbol::tag`] of a bin that codes no symbol directly (an escape bin, a row's
/// padding record) and of the bins of rows numbered `NO_ROW_TAG` and above.
pub(crate) const NO_ROW_TAG: u8 = u8::MAX;

impl EncSymbol {
    /// Precomputes the division-free form of bin `[start, start + freq)` at `precision`.
    pub fn new(start: u32, freq: u32, precision: u32) -> Self {
        debug_assert!(freq >= 1 && precision <= 16 && freq <= 1 << precision);
        let one = 1u32 << precision;
        // `one - freq < 2^16` for `1 <= freq <= 2^p <= 2^16`.
        let cmpl_freq = (one - freq) as u16;
        if freq == 1 {
            // mulhi(x, 2^64 - 1) = x - 1 for x >= 1, so the update becomes x * 2^p + start.
            return EncSymbol {
                rcp: u64::MAX,
                bias: start + one - 1,
                cmpl_freq,
                tag: NO_ROW_TAG,
                shift: 0,
            };
        }
        // shift = ceil(log2 freq); rcp = ceil(2^(63 + shift) / freq) < 2^64 because
        // freq > 2^(shift - 1). Then floor(x / freq) = mulhi(x, rcp) >> (shift - 1) for all
        // x < 2^63: the rounding error of rcp adds less than 1/freq to x / freq.
        let shift = 32 - (freq - 1).leading_zeros();
        let rcp = reciprocal(freq as u64, shift);
        EncSymbol {
            rcp,
            bias: start,
            cmpl_freq,
            tag: NO_ROW_TAG,
            shift: (shift - 1) as u8,
        }
    }

    /// This record as a directly coded bin of row `row` (its [`EncSymbol::tag`]).
    pub(crate) fn of_row(self, row: usize) -> Self {
        EncSymbol {
            tag: row.min(NO_ROW_TAG as usize) as u8,
            ..self
        }
    }

    /// The row number (below [`NO_ROW_TAG`]) when this bin of that row codes a symbol
    /// directly, else [`NO_ROW_TAG`]. (The vectorised encoder reads it as byte 6 of the
    /// record's second half.)
    pub(crate) fn tag(&self) -> u8 {
        self.tag
    }

    /// The bin's `start` (undoing the `freq == 1` form of `bias`).
    pub fn start(&self, precision: u32) -> u32 {
        if self.freq(precision) == 1 {
            self.bias - ((1 << precision) - 1)
        } else {
            self.bias
        }
    }

    /// The bin's frequency, `1 ..= 2^precision`.
    #[inline(always)]
    pub fn freq(&self, precision: u32) -> u32 {
        (1u32 << precision) - self.cmpl_freq as u32
    }
}

/// `ceil(2^(63 + shift) / freq)` for `2 <= freq <= 2^16` and `shift = ceil(log2 freq)`,
/// without a 128-bit division (a software `__udivti3` call): with `2^63 = q freq + r`,
/// `2^(63 + shift) = (q << shift) freq + (r << shift)`, and `r << shift < 2^32` is divided
/// exactly. Checked against the 128-bit formula for every such `freq` in the tests.
#[inline]
pub(crate) fn reciprocal(freq: u64, shift: u32) -> u64 {
    let q = (1u64 << 63) / freq;
    let r = (1u64 << 63) - q * freq;
    (q << shift) + (r << shift).div_ceil(freq)
}
