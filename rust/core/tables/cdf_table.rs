//! `CdfTable`: many quantized CDFs, validated once, laid out for coding.
//!
//! Input layout is CompressAI's: row `i` of a 2-D array is valid up to `lengths[i]`; its
//! last valid entry is `2^precision`, bin `lengths[i] - 2` is the escape bin, and symbol
//! `s` of that row codes bin `s - offsets[i]`. Construction checks every row once
//! (first entry 0, strictly increasing, terminated by `2^precision`), so the coders never
//! re-check or assert.
//!
//! For encoding each bin gets an [`EncSymbol`] with a precomputed reciprocal, so the
//! encoder's hot loop has no division. For decoding each row gets a small bucket index
//! (`2^LOOKUP_BITS` buckets over the slot range) naming the first bin that can hold a slot
//! in the bucket; a short forward scan finishes the search. No decode ever scans from
//! symbol 0, so wide CDFs cost no more than narrow ones.

use crate::error::{Error, Result};
use crate::tables::enc_symbol::{EncSymbol, NO_ROW_TAG};
use crate::tables::pmf::{check_precision, pmf_to_quantized_cdf};
pub(crate) use crate::tables::rows::{Bucket, LaneRow, PackedRow, Row};
use crate::tables::rows::{BUCKETS_PER_BIN, MAX_LOOKUP_BITS};

/// What a kernel may park in a table: any plain data, so a table stays `Send`, `Sync` and
/// unwind-safe whatever it holds.
pub(crate) trait KernelLayout:
    std::any::Any + Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe + std::fmt::Debug
{
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T> KernelLayout for T
where
    T: std::any::Any
        + Send
        + Sync
        + std::panic::RefUnwindSafe
        + std::panic::UnwindSafe
        + std::fmt::Debug,
{
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Many CDFs, validated once, immutable and `Sync`.
///
/// Row `i` codes the symbols `offsets[i] ..` with its bins, the last bin being the escape
/// bin through which symbols outside the row's range go. Every coder reads one; build it
/// with [`CdfTable::new`], [`CdfTable::from_rows`], [`CdfTable::from_pmfs`] or the
/// [`parametric`](crate::parametric) tables.
///
/// # Examples
///
/// The getters ([`num_tables`](CdfTable::num_tables), [`precision`](CdfTable::precision),
/// [`lengths`](CdfTable::lengths), [`offsets`](CdfTable::offsets),
/// [`row_cdf`](CdfTable::row_cdf), [`width`](CdfTable::width)) give back what was built:
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::CdfTable;
///
/// // Two rows at precision 4 (each ends at 2^4 = 16): symbols -1, 0, 1 and 0.
/// let rows = [&[0, 4, 12, 15, 16][..], &[0, 8, 16]];
/// let table = CdfTable::from_rows(&rows, &[5, 3], &[-1, 0], 4)?;
/// assert_eq!(table.num_tables(), 2);
/// assert_eq!(table.precision(), 4);
/// assert_eq!(table.lengths(), [5, 3]);
/// assert_eq!(table.offsets(), [-1, 0]);
/// assert_eq!(table.row_cdf(1), [0, 8, 16]);
/// assert_eq!(table.width(), 5);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CdfTable {
    precision: u32,
    rows: Vec<Row>,
    /// `rows` again, in the vectorised decoders' layouts.
    lane_rows: Vec<LaneRow>,
    packed_rows: Vec<PackedRow>,
    /// Flattened CDF entries, `lengths[i]` per row starting at `rows[i].base`.
    cdf: Vec<u32>,
    /// Flattened encoder symbols, same indexing as `cdf` (last entry of a row unused).
    symbols: Vec<EncSymbol>,
    /// Decode buckets, a power of two per row starting at `rows[i].lookup_base`.
    lookup: Vec<Bucket>,
    fingerprint: u64,
    /// A vector kernel's own layout of this table (the IFMA encoder's bins), made by the
    /// first call that needs it. Held as `Any` so that this layer does not depend on the
    /// kernels: the kernel that owns the type builds and reads it.
    kernel_layout: std::sync::OnceLock<std::sync::Arc<dyn KernelLayout>>,
}

impl CdfTable {
    /// Validates and lays out `num_rows` CDF rows of `width` entries each (`cdfs` is the
    /// row-major 2-D array). REQUIRES: `lengths` and `offsets` have one entry per row,
    /// `2 <= lengths[i] <= width`, each row starts at 0, strictly increases, and ends with
    /// `2^precision` at `lengths[i] - 1`; `1 <= precision <= 16`. Anything else is an
    /// [`Error::InvalidArgument`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{CdfTable, Error};
    ///
    /// // Two rows of width 5, the second one zero padded after its 3 entries.
    /// let cdfs = [0, 4, 12, 15, 16, /**/ 0, 8, 16, 0, 0];
    /// let table = CdfTable::new(&cdfs, 5, &[5, 3], &[-1, 0], 4)?;
    /// assert_eq!(table.row_cdf(1), [0, 8, 16]);
    ///
    /// // A row must end at 2^precision.
    /// let err = CdfTable::new(&[0, 4, 15], 3, &[3], &[0], 4).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn new(
        cdfs: &[i32],
        width: usize,
        lengths: &[i32],
        offsets: &[i32],
        precision: u32,
    ) -> Result<Self> {
        check_precision(precision)?;
        let num_rows = lengths.len();
        if offsets.len() != num_rows {
            return Err(Error::invalid(format!(
                "offsets has {} entries but cdf_lengths has {num_rows}: give one offset per CDF row",
                offsets.len()
            )));
        }
        // Checked: a (0, 2^60) array with 16 lengths would wrap to 0 and pass.
        if num_rows.checked_mul(width) != Some(cdfs.len()) {
            return Err(Error::invalid(format!(
                "cdfs has {} rows but cdf_lengths has {num_rows} entries: give one length per row",
                cdfs.len().checked_div(width).unwrap_or(0)
            )));
        }
        if num_rows == 0 {
            return Err(Error::invalid("cdfs has no rows: give at least one CDF"));
        }
        if num_rows > i32::MAX as usize {
            return Err(Error::invalid("too many CDF rows"));
        }
        let rows_cdf: Vec<&[i32]> = (0..num_rows)
            .map(|i| &cdfs[i * width..(i + 1) * width])
            .collect();
        Self::from_rows(&rows_cdf, lengths, offsets, precision)
    }

    /// Like [`CdfTable::new`] with the rows given one slice each (each at least
    /// `lengths[i]` long).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{CdfTable, Error};
    ///
    /// let rows = vec![vec![0, 4, 12, 15, 16], vec![0, 8, 16]];
    /// let table = CdfTable::from_rows(&rows, &[5, 3], &[-1, 0], 4)?;
    /// assert_eq!(table.lengths(), [5, 3]);
    ///
    /// // Every bin needs a slot: a CDF must strictly increase.
    /// let err = CdfTable::from_rows(&[[0, 8, 8, 16]], &[4], &[0], 4).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn from_rows<R: AsRef<[i32]>>(
        rows_cdf: &[R],
        lengths: &[i32],
        offsets: &[i32],
        precision: u32,
    ) -> Result<Self> {
        check_precision(precision)?;
        if rows_cdf.len() != lengths.len() || offsets.len() != lengths.len() {
            return Err(Error::invalid(format!(
                "got {} CDF rows, {} cdf_lengths and {} offsets: give one of each per row",
                rows_cdf.len(),
                lengths.len(),
                offsets.len()
            )));
        }
        if lengths.is_empty() {
            return Err(Error::invalid("cdfs has no rows: give at least one CDF"));
        }
        let one = 1i64 << precision;
        // Every row is checked first, so the layout below cannot fail half way.
        let mut valid: Vec<&[i32]> = Vec::with_capacity(lengths.len());
        let mut total = 0usize;
        for (i, (row, &len)) in rows_cdf.iter().zip(lengths).enumerate() {
            let row = row.as_ref();
            if len < 2 || len as usize > row.len() {
                return Err(Error::invalid(format!(
                    "cdf_lengths[{i}] = {len}: must be in 2..={} (the row width)",
                    row.len()
                )));
            }
            let entries = &row[..len as usize];
            check_row(i, entries, one)?;
            total += entries.len();
            if total > u32::MAX as usize {
                return Err(Error::invalid(
                    "tables too large: more than 2^32 CDF entries",
                ));
            }
            valid.push(entries);
        }
        // Every vector gets its final size up front, on the calling thread (decode buckets:
        // push_row's count, BUCKETS_PER_BIN per bin rounded up to a power of two, is an
        // upper bound): no reallocation copies, and no large allocation on a worker thread,
        // whose arena hands its pages back to the kernel after each build, so every build
        // would fault them in again (docs/PERFORMANCE.md, "Table building").
        let buckets: usize = valid
            .iter()
            .map(|r| ((r.len() - 1) * BUCKETS_PER_BIN).next_power_of_two())
            .sum();
        let mut table = CdfTable {
            precision,
            rows: Vec::with_capacity(valid.len()),
            lane_rows: Vec::with_capacity(valid.len()),
            packed_rows: Vec::with_capacity(valid.len()),
            cdf: Vec::with_capacity(total),
            symbols: Vec::with_capacity(total),
            lookup: Vec::with_capacity(buckets + 1),
            fingerprint: 0,
            kernel_layout: std::sync::OnceLock::new(),
        };
        let lay_out = |mut table: CdfTable| {
            for (row, &offset) in valid.iter().zip(offsets) {
                table.push_row(row, offset);
            }
            table.pad_buckets();
            table
        };
        let fingerprint = || Self::compute_fingerprint(precision, &valid, offsets);
        // The fingerprint is a serial FNV chain (~15% of a 64-scale table's build): on
        // large tables it runs on a second thread beside the layout; on small ones the
        // hand-off would cost more than it saves.
        const PARALLEL_MIN_ENTRIES: usize = 8192;
        if total < PARALLEL_MIN_ENTRIES {
            table = lay_out(table);
            table.fingerprint = fingerprint();
        } else {
            let (laid_out, fp) = crate::threads::join(0, || lay_out(table), fingerprint)?;
            table = laid_out;
            table.fingerprint = fp;
        }
        Ok(table)
    }

    /// The batched form of CompressAI's `EntropyModel._pmf_to_cdf`: row `i` is
    /// `pmf_to_quantized_cdf(pmfs[i][..pmf_lengths[i]] ++ [tail_masses[i]])`, so it has
    /// `pmf_lengths[i] + 2` entries and its last bin (the tail mass) is the escape bin.
    /// `pmfs` is row-major with `width` columns. Rows are built in parallel.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{pmf_to_quantized_cdf, CdfTable};
    ///
    /// // Two rows of three symbols (-1, 0, 1), the second one only two wide.
    /// let pmfs = [0.25, 0.5, 0.25, /**/ 0.4, 0.6, 0.0];
    /// let table = CdfTable::from_pmfs(&pmfs, 3, &[3, 2], &[1e-3, 1e-3], &[-1, 0], 16)?;
    /// assert_eq!(table.lengths(), [5, 4]); // the pmf, the escape bin and the leading 0
    /// assert_eq!(table.row_cdf(0), pmf_to_quantized_cdf(&[0.25, 0.5, 0.25, 1e-3], 16)?);
    /// # Ok(()) }
    /// ```
    pub fn from_pmfs(
        pmfs: &[f32],
        width: usize,
        pmf_lengths: &[i32],
        tail_masses: &[f32],
        offsets: &[i32],
        precision: u32,
    ) -> Result<Self> {
        check_precision(precision)?;
        let n = pmf_lengths.len();
        if tail_masses.len() != n || offsets.len() != n || n.checked_mul(width) != Some(pmfs.len())
        {
            return Err(Error::invalid(format!(
                "got {} pmf rows, {n} pmf_lengths, {} tail_masses and {} offsets: \
                 give one of each per row",
                pmfs.len().checked_div(width).unwrap_or(0),
                tail_masses.len(),
                offsets.len()
            )));
        }
        Self::from_pmf_fn(n, offsets, precision, |i| {
            let len = pmf_lengths[i];
            if len < 1 || len as usize > width {
                return Err(Error::invalid(format!(
                    "pmf_lengths[{i}] = {len}: must be in 1..={width} (the pmf width)"
                )));
            }
            let mut pmf = Vec::with_capacity(len as usize + 1);
            pmf.extend_from_slice(&pmfs[i * width..i * width + len as usize]);
            pmf.push(tail_masses[i]);
            Ok(pmf)
        })
    }

    /// Rows built in parallel from pmfs made on demand: row `i` is
    /// `pmf_to_quantized_cdf(pmf(i))`, where `pmf(i)` already ends with the escape bin's
    /// mass (the tail). The shared core of [`CdfTable::from_pmfs`] and the parametric
    /// tables (`tables/parametric.rs`). The first error in row order is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::CdfTable;
    ///
    /// // Row i: uniform over the symbols 0..=i, then the escape bin's small mass.
    /// let table = CdfTable::from_pmf_fn(3, &[0, 0, 0], 8, |i| {
    ///     let mut pmf = vec![1.0 / (i + 1) as f32; i + 1];
    ///     pmf.push(0.01);
    ///     Ok(pmf)
    /// })?;
    /// assert_eq!(table.lengths(), [3, 4, 5]);
    /// assert!((0..3).all(|i| table.row_cdf(i).last() == Some(&256)));
    /// # Ok(()) }
    /// ```
    pub fn from_pmf_fn<F>(num_rows: usize, offsets: &[i32], precision: u32, pmf: F) -> Result<Self>
    where
        F: Fn(usize) -> Result<Vec<f32>> + Sync,
    {
        check_precision(precision)?;
        // `threads::map_items` rather than a rayon parallel iterator: the calling thread
        // builds rows too instead of sleeping until the pool's threads have woken and
        // finished, and the first bad row in row order is the one reported. With the
        // layout beside the fingerprint by `threads::join` too, a table is built in the
        // time of its rows split over the threads (docs/PERFORMANCE.md, "Table building").
        let rows: Vec<Vec<i32>> =
            crate::threads::map_items(0, (0..num_rows).collect(), |_, i| -> Result<Vec<i32>> {
                let pmf = pmf(i)?;
                let cdf = pmf_to_quantized_cdf(&pmf, precision)
                    .map_err(|e| Error::invalid(format!("pmf row {i}: {e}")))?;
                Ok(cdf.into_iter().map(|c| c as i32).collect())
            })?
            .into_iter()
            .collect::<Result<_>>()?;
        let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
        Self::from_rows(&rows, &lengths, offsets, precision)
    }

    /// The CDFs as CompressAI stores them: row-major, `width()` columns, zero padded.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::CdfTable;
    ///
    /// let rows = [&[0, 4, 12, 15, 16][..], &[0, 8, 16]];
    /// let table = CdfTable::from_rows(&rows, &[5, 3], &[-1, 0], 4)?;
    /// let padded = table.padded_cdfs();
    /// assert_eq!(padded, [0, 4, 12, 15, 16, /**/ 0, 8, 16, 0, 0]);
    ///
    /// // What `CdfTable::new` takes back: the same table, the same fingerprint.
    /// let again = CdfTable::new(&padded, table.width(), &table.lengths(), &table.offsets(), 4)?;
    /// assert_eq!(again.fingerprint(), table.fingerprint());
    /// # Ok(()) }
    /// ```
    pub fn padded_cdfs(&self) -> Vec<i32> {
        let width = self.width();
        let mut out = vec![0i32; self.rows.len() * width];
        for i in 0..self.rows.len() {
            for (o, &c) in out[i * width..].iter_mut().zip(self.row_cdf(i)) {
                *o = c as i32;
            }
        }
        out
    }

    /// The longest row length (the column count of [`CdfTable::padded_cdfs`]).
    pub fn width(&self) -> usize {
        self.rows
            .iter()
            .map(|r| r.max_value as usize + 2)
            .max()
            .unwrap_or(0)
    }

    /// One bucket past the last row's, which no slot looks up: the AVX2 decoder loads 16
    /// bytes at a bucket and keeps the first 8 (`simd/avx2_scale.rs`, `load_halves`), so
    /// the last bucket needs 8 readable bytes after it.
    fn pad_buckets(&mut self) {
        self.lookup.push(Bucket::PADDING);
    }

    fn push_row(&mut self, valid: &[i32], offset: i32) {
        let base = self.cdf.len() as u32;
        let bins = valid.len() - 1;
        let lookup_bits = (bins * BUCKETS_PER_BIN)
            .next_power_of_two()
            .trailing_zeros()
            .min(MAX_LOOKUP_BITS)
            .min(self.precision);
        let lookup_shift = self.precision - lookup_bits;
        let row = Row {
            base,
            max_value: bins as i32 - 1,
            offset,
            lookup_base: self.lookup.len() as u32,
            lookup_shift,
        };
        self.rows.push(row);
        let no_overflow = (i32::MAX as i64 - offset as i64 + 1).max(0);
        self.lane_rows.push(LaneRow {
            lookup_base: row.lookup_base,
            lookup_shift,
            fast_max: (row.max_value as i64).min(no_overflow) as i32,
            offset,
        });
        self.packed_rows.push(PackedRow::new(&row));
        self.cdf.extend(valid.iter().map(|&c| c as u32));
        let row_number = self.rows.len() - 1;
        let precision = self.precision;
        // `extend` from a range or a slice reserves once; a `push` per bin or bucket would
        // re-check the capacity and reload the vector each time, in a function that is a
        // quarter of a `gaussian_table` build (docs/PERFORMANCE.md, "Table building").
        self.symbols
            .extend(valid.windows(2).enumerate().map(|(bin, w)| {
                let (start, end) = (w[0] as u32, w[1] as u32);
                let sym = EncSymbol::new(start, end - start, precision);
                let direct = (bin as i64) < row.max_value as i64;
                if direct {
                    sym.of_row(row_number)
                } else {
                    sym
                }
            }));
        self.symbols.push(EncSymbol {
            tag: NO_ROW_TAG,
            ..EncSymbol::default()
        });
        // Bucket b covers slots first..=last with first = b << lookup_shift.
        let cdf = |j: usize| valid[j] as u32;
        let mut b0 = 0usize;
        self.lookup.extend((0..1u32 << lookup_bits).map(|b| {
            let first = b << lookup_shift;
            let last = first + (1 << lookup_shift) - 1;
            while cdf(b0 + 1) <= first {
                b0 += 1;
            }
            let mut b1 = b0;
            while cdf(b1 + 1) <= last {
                b1 += 1;
            }
            // The pair (j, j + 1) covering the most of first..=last; bins b0..=b1 do.
            let covered = |j: usize| cdf(j + 2).min(last + 1) - cdf(j).max(first);
            let pair = if b1 == b0 {
                b0
            } else {
                (b0..b1)
                    .max_by_key(|&j| (covered(j), usize::MAX - j))
                    .unwrap_or(b0)
            };
            let (start, split) = (cdf(pair), cdf(pair + 1));
            let end = if pair < b1 { cdf(pair + 2) } else { split };
            Bucket::new(pair, start, split, end)
        }));
    }

    /// FNV-1a (64-bit) over the little-endian bytes of precision, row count, and for every
    /// row its length, offset and valid CDF entries: the same value on every platform.
    /// Computed from the validated input rows (entries >= 0), so it can run beside the
    /// layout.
    fn compute_fingerprint(precision: u32, rows: &[&[i32]], offsets: &[i32]) -> u64 {
        let mut h = Fnv1a::new();
        h.word(precision);
        h.word(rows.len() as u32);
        for (entries, &offset) in rows.iter().zip(offsets) {
            h.word(entries.len() as u32);
            h.word(offset as u32);
            for &c in entries.iter() {
                h.word(c as u32);
            }
        }
        h.finish()
    }

    /// Number of CDF rows.
    pub fn num_tables(&self) -> usize {
        self.rows.len()
    }
    /// Probability precision in bits (each row ends at `2^precision`).
    pub fn precision(&self) -> u32 {
        self.precision
    }
    /// Platform-independent 64-bit identity of the tables (see `compute_fingerprint`): the
    /// precision, every row's entries and every offset. A fastrans stream carries its low
    /// 32 bits ([`format::fp32`](crate::format::fp32)), so decoding with other tables is a
    /// [`Error::TableMismatch`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{format, CdfTable};
    ///
    /// let a = CdfTable::new(&[0, 4, 12, 16], 4, &[4], &[0], 4)?;
    /// let b = CdfTable::new(&[0, 4, 12, 16], 4, &[4], &[-1], 4)?; // another offset
    /// assert_ne!(a.fingerprint(), b.fingerprint());
    /// assert_eq!(format::fp32(&a), a.fingerprint() as u32);
    /// # Ok(()) }
    /// ```
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
    /// Facts of row `i`. REQUIRES: `i < num_tables()` (use [`CdfTable::check_indexes`]).
    #[inline]
    pub(crate) fn row(&self, i: usize) -> &Row {
        &self.rows[i]
    }
    /// The rows in the vectorised decoder's layout (same indexing as [`CdfTable::row`]).
    pub(crate) fn lane_rows(&self) -> &[LaneRow] {
        &self.lane_rows
    }
    /// The rows in the AVX-512 decoder's layout (same indexing as [`CdfTable::row`]).
    pub(crate) fn packed_rows(&self) -> &[PackedRow] {
        &self.packed_rows
    }
    /// Every row's facts (indexed as [`CdfTable::row`]), for the vectorised encoder's
    /// gathers.
    pub(crate) fn rows(&self) -> &[Row] {
        &self.rows
    }
    /// Every bin's [`EncSymbol`] (`row.base + bin`, as [`CdfTable::enc_symbol`]).
    pub(crate) fn enc_symbols(&self) -> &[EncSymbol] {
        &self.symbols
    }
    /// The kernel layout made by `make` on the first call. One kernel owns the slot: `None`
    /// if a layout of another type is already there (the caller then codes without it).
    pub(crate) fn kernel_layout<T: KernelLayout>(
        &self,
        make: impl FnOnce(&Self) -> T,
    ) -> Option<&T> {
        let made = || std::sync::Arc::new(make(self)) as std::sync::Arc<dyn KernelLayout>;
        let layout: &dyn KernelLayout = &**self.kernel_layout.get_or_init(made);
        layout.as_any().downcast_ref()
    }
    /// The decode buckets, every row's (see [`Row`]'s `lookup_base`), and one of padding
    /// past them ([`CdfTable::pad_buckets`]).
    pub(crate) fn buckets(&self) -> &[Bucket] {
        &self.lookup
    }
    /// The valid CDF entries of row `i` (`lengths[i]` of them).
    pub fn row_cdf(&self, i: usize) -> &[u32] {
        let start = self.rows[i].base as usize;
        let len = self.rows[i].max_value as usize + 2;
        &self.cdf[start..start + len]
    }
    /// The row lengths (`cdf_lengths`).
    pub fn lengths(&self) -> Vec<i32> {
        self.rows.iter().map(|r| r.max_value + 2).collect()
    }
    /// The row offsets.
    pub fn offsets(&self) -> Vec<i32> {
        self.rows.iter().map(|r| r.offset).collect()
    }

    /// Encoder form of `bin` in `row`. REQUIRES: `bin <= row.max_value`.
    #[inline]
    pub(crate) fn enc_symbol(&self, row: &Row, bin: u32) -> &EncSymbol {
        &self.symbols[(row.base + bin) as usize]
    }

    /// One rANS decoding step before renormalisation: the bin of `row` holding the slot
    /// `x mod 2^precision`, and the state after removing that bin,
    /// `freq * (x >> precision) + slot - start`. One bucket load answers almost every
    /// slot, and both candidate states are computed while the bucket's compare resolves
    /// (see `Bucket`); a slot outside the bucket's pair of bins is found by a short scan.
    #[inline(always)]
    pub(crate) fn decode_step(&self, row: &Row, x: u64, precision: u32) -> (u32, u64) {
        let slot = (x & ((1u64 << precision) - 1)) as u32;
        let high = x >> precision;
        let bk = self.lookup[row.lookup_base as usize + (slot >> row.lookup_shift) as usize];
        let (freq_lo, freq_hi) = (bk.freq_lo(), bk.freq_hi as u32);
        // Wraps (and fails the test) for a slot below the pair.
        let from_start = slot.wrapping_sub(bk.start as u32);
        if from_start < freq_lo + freq_hi {
            let upper = from_start >= freq_lo;
            let x_lo = freq_lo as u64 * high + from_start as u64;
            let x_hi = (freq_hi as u64 * high + from_start as u64).wrapping_sub(freq_lo as u64);
            let x = std::hint::select_unpredictable(upper, x_hi, x_lo);
            return (bk.bin as u32 + upper as u32, x);
        }
        self.decode_step_scan(row, bk.bin as usize, slot, high)
    }

    /// [`CdfTable::decode_step`] for a slot outside its bucket's pair of bins `pair`,
    /// `pair + 1`: scan down or up from the pair.
    #[cold]
    #[inline(never)]
    fn decode_step_scan(&self, row: &Row, pair: usize, slot: u32, high: u64) -> (u32, u64) {
        let base = row.base as usize;
        let cdf = &self.cdf[base..base + row.max_value as usize + 2];
        let mut bin = pair;
        // Both scans terminate: cdf[0] = 0 <= slot < 2^precision = cdf[last].
        while cdf[bin] > slot {
            bin -= 1;
        }
        while cdf[bin + 1] <= slot {
            bin += 1;
        }
        let (start, freq) = (cdf[bin], cdf[bin + 1] - cdf[bin]);
        (bin as u32, freq as u64 * high + (slot - start) as u64)
    }

    /// Checks that every index names a row; the coders rely on it. Every coder calls it,
    /// so a caller needs it only to validate indexes ahead of time.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{CdfTable, Error};
    ///
    /// let table = CdfTable::new(&[0, 8, 16], 3, &[3], &[0], 4)?; // one row
    /// table.check_indexes(&[0, 0, 0])?;
    /// let err = table.check_indexes(&[0, 1]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn check_indexes(&self, indexes: &[i32]) -> Result<()> {
        let n = self.rows.len();
        // A branch-free pass first (it vectorises: about 0.1 cycle per index instead of 3);
        // the position is looked up only when there is something to report.
        let limit = n.min(u32::MAX as usize) as u32;
        if indexes
            .iter()
            .fold(false, |bad, &i| bad | (i as u32 >= limit))
        {
            let pos = indexes
                .iter()
                .position(|&i| i < 0 || i as usize >= n)
                .unwrap_or(0);
            return Err(Error::invalid(format!(
                "indexes[{pos}] = {} is out of range: the table has {n} rows (0..{n})",
                indexes[pos]
            )));
        }
        Ok(())
    }
}

fn check_row(i: usize, valid: &[i32], one: i64) -> Result<()> {
    if valid[0] != 0 {
        return Err(Error::invalid(format!(
            "cdfs[{i}][0] = {}: every CDF row must start at 0",
            valid[0]
        )));
    }
    let last = valid[valid.len() - 1];
    if last as i64 != one {
        return Err(Error::invalid(format!(
            "cdfs[{i}][{}] = {last}: the last valid entry must be 2^precision = {one} \
             (check cdf_lengths and precision)",
            valid.len() - 1
        )));
    }
    if let Some(j) = valid.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::invalid(format!(
            "cdfs[{i}] is not strictly increasing at entry {}: {} then {} \
             (every bin needs a frequency of at least 1)",
            j + 1,
            valid[j],
            valid[j + 1]
        )));
    }
    Ok(())
}

/// 64-bit FNV-1a over little-endian `u32` words.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
    fn word(&mut self, w: u32) {
        for b in w.to_le_bytes() {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests;
