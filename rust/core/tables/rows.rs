//! A table's rows in the forms the coders read: [`Row`] (bounds, offset, where its bins
//! and decode buckets start), the decode [`Bucket`]s, and the vector decoders' compact
//! copies ([`LaneRow`], [`PackedRow`]). `CdfTable` builds them once; nothing here
//! validates, everything here is read per symbol.

/// Decode buckets per row: about `BUCKETS_PER_BIN` per bin (a power of two, at most
/// `2^MAX_LOOKUP_BITS` and at most one per slot). Sizing by the bin count keeps a typical
/// hyperprior's lookups (mostly narrow rows) small, and the decoder's time is mostly the
/// latency of the bucket load, so a smaller table is a faster one. With each bucket
/// holding its best pair of bins (see [`Bucket`]), one bucket per bin leaves 0.4% of W1's
/// symbols to the slow path and two leave 0.15%. A vector group of eight takes the scalar
/// round when any of its symbols needs the slow path, so that difference is 3.2% against
/// 1.2% of W1's groups; four buckets a bin double the table again for little more (the
/// timings: docs/PERFORMANCE.md, "Memory and working set").
pub(crate) const BUCKETS_PER_BIN: usize = 2;
pub(crate) const MAX_LOOKUP_BITS: u32 = 12;

/// A decode bucket: the adjacent pair of bins that covers most of its slots, in 8 bytes.
///
/// The pair is bin `bin`, starting at `start` with `freq_lo` slots, and bin `bin + 1`,
/// starting at `split = start + freq_lo` with `freq_hi` slots (`freq_hi = 0` when the
/// bucket lies inside one bin). The frequencies are stored rather than the bins' ends so
/// the decoder can compute both candidate states while the compare
/// `slot - start >= freq_lo` resolves, then pick one with a conditional move: the state's
/// dependency chain is load, multiply, add, select. A slot outside the pair (only in
/// buckets spanning three or more bins, i.e. the far tails, where bins are narrower than a
/// bucket) is found by a short scan down or up the CDF from the pair.
///
/// Every field fits 16 bits (precision <= 16, every frequency >= 1): `start < 2^16`;
/// `1 <= freq_lo <= 2^16`, stored minus one; `freq_hi < 2^16`, since a second bin starts at
/// `split >= 1`; `bin < 2^16`, since a row has at most `2^16` bins. So a bucket is one
/// 64-bit load (one gather for eight lanes), and W1's buckets take half the memory of the
/// 16-byte layout: 80 KB at two per bin (`BUCKETS_PER_BIN`), what one per bin took then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(8))]
pub(crate) struct Bucket {
    pub(crate) start: u16,
    pub(crate) freq_lo_minus_1: u16,
    pub(crate) freq_hi: u16,
    pub(crate) bin: u16,
}

// The vector decoders load a bucket as one 64-bit element.
const _: () = assert!(std::mem::size_of::<Bucket>() == 8);

impl Bucket {
    /// The bucket past the last row's ([`CdfTable`](crate::tables::cdf_table::CdfTable)'s
    /// padding): never looked up, only read beside the last real one.
    pub(crate) const PADDING: Bucket = Bucket {
        start: 0,
        freq_lo_minus_1: 0,
        freq_hi: 0,
        bin: 0,
    };

    /// The bucket of the pair `bin`, `bin + 1` with CDF entries `start <= split <= end`
    /// (`split == end` when the bucket lies inside bin `bin`).
    /// REQUIRES: the bounds in the type's doc (`start < split <= 2^16`, `bin < 2^16`).
    pub(crate) fn new(bin: usize, start: u32, split: u32, end: u32) -> Self {
        debug_assert!(start < split && split <= end && end <= 1 << 16 && bin < 1 << 16);
        Bucket {
            start: start as u16,
            freq_lo_minus_1: (split - start - 1) as u16,
            freq_hi: (end - split) as u16,
            bin: bin as u16,
        }
    }
    #[inline(always)]
    pub(crate) fn freq_lo(self) -> u32 {
        self.freq_lo_minus_1 as u32 + 1
    }
}

/// Per-row facts the coders need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Row {
    /// Index of this row's first entry in the flattened `cdf` / `symbols` arrays.
    pub base: u32,
    /// The escape bin, `lengths[i] - 2`; bins `0 .. max_value` code symbols directly.
    pub max_value: i32,
    /// Symbol coded by bin 0.
    pub offset: i32,
    /// Index of this row's first decode bucket.
    pub(crate) lookup_base: u32,
    /// `precision - log2(bucket count)`: `slot >> lookup_shift` is the bucket.
    pub(crate) lookup_shift: u32,
}

/// What the vectorised lanes decoder (`simd/avx2_decode.rs`) gathers per row: one 16-byte
/// record, read a field at a time for 8 lanes by one gather each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct LaneRow {
    /// [`Row`]'s `lookup_base`.
    pub lookup_base: u32,
    /// [`Row`]'s `lookup_shift`.
    pub lookup_shift: u32,
    /// Bins below this decode to `offset + bin` without an escape and without leaving
    /// `i32`: `min(max_value, i32::MAX - offset + 1)`, at least 0. Others take the
    /// scalar path.
    pub fast_max: i32,
    /// [`Row`]'s `offset`.
    pub offset: i32,
}

/// [`LaneRow`] in one 64-bit word, for the AVX-512 lanes decoder (`simd/avx512_decode.rs`):
/// eight lanes' rows are then one gather where the 16-byte record took two.
///
/// Bits 0-26 are `lookup_base`, bits 27-31 `lookup_shift`, bits 32-47 `fast_max` and bits
/// 48-63 `offset` as an `i16`. Those widths hold every row whose offset fits `i16` and whose
/// buckets start below `2^27` (134M buckets): then `offset + bin` fits `i32` for every bin
/// (`bin < 2^16`), so `fast_max` is the escape bin `max_value < 2^16`. Any other row gets
/// [`PackedRow::SCALAR`]: `fast_max = 0` sends every group that meets it to the scalar round,
/// and its bucket index (`0 + (slot >> 16)`, since `slot < 2^precision <= 2^16`) is bucket 0,
/// so the kernel's unchecked bucket gather stays inside the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct PackedRow(pub(crate) u64);

// The vector decoder loads a packed row as one 64-bit element.
const _: () = assert!(std::mem::size_of::<PackedRow>() == 8);

impl PackedRow {
    /// Bits of `lookup_base`; `lookup_shift` sits above them.
    pub(crate) const BASE_BITS: u32 = 27;
    /// The row every group meeting it decodes through the scalar round.
    pub(crate) const SCALAR: PackedRow = PackedRow(16 << Self::BASE_BITS);

    pub(crate) fn new(row: &Row) -> Self {
        // Every row has `max_value < 2^16` (at most 2^16 bins) and `lookup_shift <= 16`.
        debug_assert!((0..1 << 16).contains(&row.max_value) && row.lookup_shift <= 16);
        if row.lookup_base >= 1 << Self::BASE_BITS || i16::try_from(row.offset).is_err() {
            return Self::SCALAR;
        }
        PackedRow(
            row.lookup_base as u64
                | (row.lookup_shift as u64) << Self::BASE_BITS
                | (row.max_value as u64) << 32
                | (row.offset as i16 as u16 as u64) << 48,
        )
    }
}
