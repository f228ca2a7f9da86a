//! Scales → table rows, bit-exact with CompressAI's `GaussianConditional.build_indexes`.
//!
//! CompressAI clamps each scale from below by `scale_bound` and then counts, in `f32`, the
//! entries of `scale_table[:-1]` that are `>=` the scale: `index = len - 1 - count`. For
//! an ascending table that is the position of the first entry `>= scale` (capped at the
//! last row). [`ScaleIndex`] finds it through a bucket table over the `f32` bit pattern
//! (positive floats order like their bits), then at most a few branch-free comparisons; for
//! every real scale table one, done as an integer subtraction (`OneEntry`). Tables it
//! cannot bucket (unsorted, a bound of 0) take the literal count (`Exact`).
//! `scale_indexes`, `ScaleCoder` and the AVX-512 scale lookup (`simd/avx512_scale.rs`) all use
//! this one index, so they agree bit for bit.

use crate::error::{Error, Result};

/// CompressAI's rule taken literally: a binary search for ascending tables, the count
/// otherwise. The reference [`ScaleIndex`] is held to, and its fallback.
#[derive(Debug, Clone)]
struct Exact {
    table: Vec<f32>,
    bound: f32,
    ascending: bool,
}

impl Exact {
    /// REQUIRES: a non-empty table of finite values and a finite bound.
    fn new(scale_table: &[f32], scale_bound: f32) -> Result<Self> {
        if scale_table.is_empty() {
            return Err(Error::invalid(
                "scale_table is empty: give at least one scale",
            ));
        }
        if let Some(i) = scale_table.iter().position(|s| !s.is_finite()) {
            return Err(Error::invalid(format!(
                "scale_table[{i}] = {} is not finite",
                scale_table[i]
            )));
        }
        if !scale_bound.is_finite() {
            return Err(Error::invalid(format!(
                "scale_bound = {scale_bound} is not finite"
            )));
        }
        let ascending = scale_table.windows(2).all(|w| w[0] <= w[1]);
        Ok(Exact {
            table: scale_table.to_vec(),
            bound: scale_bound,
            ascending,
        })
    }

    /// The row for one scale. REQUIRES: `scale` is not NaN (NaN maps to the last row).
    #[inline(always)]
    fn index(&self, scale: f32) -> i32 {
        let s = if scale < self.bound {
            self.bound
        } else {
            scale
        };
        let head = &self.table[..self.table.len() - 1];
        if self.ascending {
            head.partition_point(|&t| t < s) as i32
        } else {
            let count = head.iter().filter(|&&t| s <= t).count();
            head.len() as i32 - count as i32
        }
    }
}

/// Coarsest bucket width tried: `bits >> 20` keeps sign, exponent and 3 mantissa bits.
const COARSEST_SHIFT: u32 = 20;
/// Finest bucket width tried (2^17 buckets, 256 KiB; only the few hundred buckets real
/// scales fall in are ever touched).
const FINEST_SHIFT: u32 = 15;
/// A bucket may straddle at most this many table entries for the branch-free path.
const MAX_SPAN: usize = 4;

/// Scales → rows, bit-exact with CompressAI's `build_indexes` (`Exact`): fast for
/// ascending tables and `scale_bound > 0` (every real scale table), the literal rule
/// otherwise.
///
/// A scale's row is that of the first table entry at or above it (the last row past the
/// end), after scales below the bound are raised to it; [`ScaleIndex::rows`] counts the
/// rows.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::ScaleIndex;
///
/// let index = ScaleIndex::new(&[0.11, 0.5, 1.0, 4.0], 0.11)?;
/// assert_eq!(index.rows(), 4);
/// assert_eq!(index.get(0.05), 0); // below the bound: the bound's row
/// assert_eq!(index.get(0.5), 1);
/// assert_eq!(index.get(0.7), 2);
/// assert_eq!(index.get(100.0), 3); // past the end: the last row
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScaleIndex {
    exact: Exact,
    bound: f32,
    /// `scale_table[..len-1]` followed by `MAX_SPAN` copies of +inf.
    head: Vec<f32>,
    /// First candidate row per bucket; empty when the fast path does not apply.
    first: Vec<u16>,
    /// When every bucket spans at most one entry: per bucket, its first candidate row and
    /// that row's upper limit, side by side, so a lookup is one load and one compare; and
    /// one entry of padding.
    one: Vec<OneEntry>,
    /// Comparisons needed after `first` (the largest span of any bucket).
    span: usize,
    /// Bucket = `bits >> shift`.
    shift: u32,
}

/// First candidate row per bucket of `bits >> shift`, and the largest span of a bucket.
fn buckets(head: &[f32], shift: u32) -> (Vec<u16>, usize) {
    let pp = |v: f32| head.partition_point(|&t| t < v);
    let mut first = Vec::with_capacity(1 << (32 - shift));
    let mut span = 0usize;
    for b in 0u32..1 << (32 - shift) {
        let lo_bits = b << shift;
        let hi_bits = lo_bits | ((1 << shift) - 1);
        let (v_lo, v_hi) = (f32::from_bits(lo_bits), f32::from_bits(hi_bits));
        // The +inf bucket also holds NaNs (refused elsewhere): only +inf counts.
        let v_hi = if v_hi.is_nan() { v_lo } else { v_hi };
        let usable = v_lo.is_sign_positive() && !v_lo.is_nan();
        let lo = if usable { pp(v_lo) } else { 0 };
        let hi = if usable { pp(v_hi) } else { 0 };
        first.push(lo as u16);
        span = span.max(hi - lo);
    }
    (first, span)
}

impl ScaleIndex {
    /// An index over `scale_table` (one entry per table row) with scales below
    /// `scale_bound` taken as `scale_bound`. REQUIRES: a non-empty table of finite values
    /// and a finite bound (refused otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, ScaleIndex};
    ///
    /// let index = ScaleIndex::new(&[0.11, 0.2, 0.4], 0.11)?;
    /// assert_eq!(index.rows(), 3);
    ///
    /// let err = ScaleIndex::new(&[0.11, f32::NAN], 0.11).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn new(scale_table: &[f32], bound: f32) -> Result<Self> {
        let exact = Exact::new(scale_table, bound)?;
        let n = scale_table.len();
        let mut head: Vec<f32> = scale_table[..n - 1].to_vec();
        let ascending = head.windows(2).all(|w| w[0] <= w[1]);
        let mut first = Vec::new();
        let mut span = usize::MAX;
        let mut shift = COARSEST_SHIFT;
        if ascending && bound > 0.0 && n <= u16::MAX as usize {
            // The coarsest buckets where no bucket straddles more than one entry (one
            // comparison per lookup), else the finest tried.
            for sh in (FINEST_SHIFT..=COARSEST_SHIFT).rev() {
                let (f, sp) = buckets(&head, sh);
                (first, span, shift) = (f, sp, sh);
                if sp <= 1 {
                    break;
                }
            }
        }
        if span > MAX_SPAN {
            first.clear();
        }
        head.extend(std::iter::repeat_n(f32::INFINITY, MAX_SPAN));
        let one = if !first.is_empty() && span <= 1 {
            let mut one: Vec<OneEntry> = first
                .iter()
                .map(|&f| OneEntry::new(f as u32, head[f as usize]))
                .collect();
            // One entry of padding past the last bucket (a copy of it): the AVX2 lookup
            // loads 16 bytes at an entry and keeps the first 8 (`simd/avx2_scale.rs`).
            one.extend(one.last().copied());
            one
        } else {
            Vec::new()
        };
        Ok(ScaleIndex {
            exact,
            bound,
            head,
            first,
            one,
            span,
            shift,
        })
    }

    /// Number of rows the indexes point into (never 0).
    pub fn rows(&self) -> usize {
        self.head.len() - MAX_SPAN + 1
    }

    /// The row of every scale into `out` (same length), NaN refused. The lookup makes one
    /// branch-free pass that also notes a NaN; only then is the NaN located.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, ScaleIndex};
    ///
    /// let index = ScaleIndex::new(&[0.11, 0.5, 1.0, 4.0], 0.11)?;
    /// let mut rows = [0; 4];
    /// index.rows_into(&[0.05, 0.5, 0.7, f32::INFINITY], &mut rows)?;
    /// assert_eq!(rows, [0, 1, 2, 3]);
    ///
    /// let err = index.rows_into(&[1.0, f32::NAN, 1.0, 1.0], &mut rows).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn rows_into(&self, scales: &[f32], out: &mut [i32]) -> Result<()> {
        self.rows_into_checked(scales, out, false)
    }

    /// [`ScaleIndex::rows_into`], with `finite` refusing infinite scales too (CompressAI
    /// maps them to the last row; a model's scales are never meant to be infinite).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, ScaleIndex};
    ///
    /// let index = ScaleIndex::new(&[0.11, 0.5, 1.0, 4.0], 0.11)?;
    /// let (scales, mut rows) = ([0.3, f32::INFINITY], [0; 2]);
    /// index.rows_into_checked(&scales, &mut rows, false)?;
    /// assert_eq!(rows, [1, 3]);
    ///
    /// let err = index.rows_into_checked(&scales, &mut rows, true).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn rows_into_checked(&self, scales: &[f32], out: &mut [i32], finite: bool) -> Result<()> {
        if scales.len() != out.len() {
            return Err(Error::invalid(format!(
                "{} scales but room for {} rows",
                scales.len(),
                out.len()
            )));
        }
        let bad = match self.one_compare() {
            Some(ix) => ix.rows_into(scales, out, finite),
            None => fill_rows(scales, out, finite, |s| self.get(s)),
        };
        if bad {
            return Err(first_bad_scale(scales, finite));
        }
        Ok(())
    }

    /// The row of `scale`. REQUIRES: not NaN for a meaningful answer; always in range.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::ScaleIndex;
    ///
    /// let table = [0.11, 0.5, 1.0, 4.0];
    /// let index = ScaleIndex::new(&table, 0.11)?;
    /// // An entry of the table maps to its own row.
    /// assert!(table.iter().enumerate().all(|(row, &s)| index.get(s) == row));
    /// assert_eq!(index.get(0.0), 0);
    /// # Ok(()) }
    /// ```
    #[inline(always)]
    pub fn get(&self, scale: f32) -> usize {
        if self.first.is_empty() {
            return self.exact.index(scale) as usize;
        }
        if let Some(ix) = self.one_compare() {
            return ix.get(scale);
        }
        let s = if scale < self.bound {
            self.bound
        } else {
            scale
        };
        let base = self.first[(s.to_bits() >> self.shift) as usize] as usize;
        // Entries past the bucket's range compare false (sorted, +inf padded), so a fixed
        // number of comparisons is exact and branch-free.
        let mut idx = base;
        for j in 0..self.span {
            idx += usize::from(self.head[base + j] < s);
        }
        idx
    }

    /// The one-comparison fast path as a small `Copy` view, when it applies (every real
    /// scale table): a loop holding it keeps its fields in registers.
    #[inline(always)]
    pub(crate) fn one_compare(&self) -> Option<OneCompare<'_>> {
        (!self.one.is_empty()).then_some(OneCompare {
            one: &self.one,
            bound: self.bound,
            shift: self.shift,
        })
    }

    /// The rows of `scales` into `rows` (same length).
    #[inline(always)]
    pub(crate) fn get_all(&self, scales: &[f32], rows: &mut [usize]) {
        match self.one_compare() {
            Some(ix) => {
                for (r, &s) in rows.iter_mut().zip(scales) {
                    *r = ix.get(s);
                }
            }
            None => {
                for (r, &s) in rows.iter_mut().zip(scales) {
                    *r = self.get(s);
                }
            }
        }
    }
}

/// `out[i] = row(scales[i])` for the common length, in one branch-free pass; whether any
/// scale was NaN or, with `finite`, infinite (the caller then refuses the call).
#[inline(always)]
fn fill_rows(scales: &[f32], out: &mut [i32], finite: bool, row: impl Fn(f32) -> usize) -> bool {
    let mut bad = false;
    for (o, &s) in out.iter_mut().zip(scales) {
        bad |= s.is_nan() | (finite & s.is_infinite());
        *o = row(s) as i32;
    }
    bad
}

/// The error for the first NaN (or, with `finite`, infinite) scale.
#[cold]
pub(crate) fn first_bad_scale(scales: &[f32], finite: bool) -> Error {
    for (i, &s) in scales.iter().enumerate() {
        if s.is_nan() {
            return Error::invalid(format!("scales[{i}] is NaN: scales must be numbers"));
        }
        if finite && s.is_infinite() {
            return Error::invalid(format!("scales[{i}] = {s} is not finite"));
        }
    }
    Error::invalid("bad scale (location not found)")
}

/// A bucket of [`OneCompare`]: scales above `limit` take row `row + 1`, others `row`,
/// kept as one integer so that the lookup is a subtraction and a shift, with no float
/// compare (which the AVX-512 coders, gathering the entries as 64-bit words, would have to
/// follow by narrowing, a mask and a masked add: 5 vector uops more a group of eight, and
/// 5% of a W1 encode). The low half is `limit.to_bits() + 1`, the high half `-(row + 1)`
/// (mod 2^32). For a scale `s > 0`, whose bits order like its value, `s.to_bits() as u64 -
/// key` borrows from the high half exactly when `s.to_bits() <= limit.to_bits()`, i.e.
/// when `s <= limit`, so its high half is `row + 1 - [s <= limit] = row + [limit < s]`
/// ([`OneEntry::row_of`]). A limit of `-0.0` is stored as `+0.0`: the same for every
/// `s > 0`. (For a NaN `s` the result is some row or one past the last; the callers never
/// look a NaN up, or mask it, `simd/avx512_scale.rs`.)
#[derive(Debug, Clone, Copy)]
#[repr(transparent)]
pub(crate) struct OneEntry {
    key: u64,
}

impl OneEntry {
    /// `limit` is not NaN. The rule holds for `limit >= 0`, as is every limit of a bucket
    /// that a scale `>= bound > 0` can reach (the first table entry not below the
    /// bucket's smallest value, or the `+inf` padding); the buckets of negative and NaN
    /// bit patterns, which only a NaN reaches, may hold any.
    fn new(row: u32, limit: f32) -> OneEntry {
        let limit = if limit == 0.0 { 0.0f32 } else { limit };
        let lo = u64::from(limit.to_bits().wrapping_add(1));
        let hi = u64::from(row.wrapping_add(1).wrapping_neg());
        OneEntry { key: lo | hi << 32 }
    }

    /// The entry's row and its limit's bits, as given to [`OneEntry::new`] (a limit of
    /// `-0.0` as `+0.0`): [`OneEntry::row_of`] is `row + (limit < s)`.
    pub(crate) fn parts(self) -> (u32, u32) {
        let row = ((self.key >> 32) as u32).wrapping_neg().wrapping_sub(1);
        (row, (self.key as u32).wrapping_sub(1))
    }

    /// `row + (limit < s)` for a scale `s > 0` (see the type's doc).
    #[inline(always)]
    fn row_of(self, s: f32) -> usize {
        (u64::from(s.to_bits()).wrapping_sub(self.key) >> 32) as u32 as usize
    }
}

/// [`ScaleIndex::get`] when every bucket straddles at most one table entry.
#[derive(Clone, Copy)]
pub(crate) struct OneCompare<'a> {
    /// `2^(32 - shift)` buckets, every `bits >> shift` of an `f32` has one, and one entry
    /// of padding after them.
    pub(crate) one: &'a [OneEntry],
    pub(crate) bound: f32,
    pub(crate) shift: u32,
}

impl OneCompare<'_> {
    /// The rows of `scales` into `out` ([`ScaleIndex::rows_into_checked`]'s pass; the
    /// vector lookups' tails): whether any scale was NaN or, with `finite`, infinite.
    #[inline(always)]
    pub(crate) fn rows_into(self, scales: &[f32], out: &mut [i32], finite: bool) -> bool {
        fill_rows(scales, out, finite, |s| self.get(s))
    }

    #[inline(always)]
    pub(crate) fn get(self, scale: f32) -> usize {
        let s = if scale < self.bound {
            self.bound
        } else {
            scale
        };
        self.one[(s.to_bits() >> self.shift) as usize].row_of(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_compare_entries_end_with_one_of_padding() {
        // The AVX2 lookup loads 16 bytes at an entry: the last bucket needs one more.
        for table in [
            &[0.11f32][..],
            &[0.11, 0.5, 1.0, 4.0],
            &[0.11, 0.2, 0.4, 256.0],
        ] {
            let ix = ScaleIndex::new(table, 0.11).unwrap();
            let one = ix.one_compare().expect("one compare applies");
            assert_eq!(one.one.len(), (1 << (32 - one.shift)) + 1);
        }
    }

    #[test]
    fn matches_literal_count() {
        let table = [0.11f32, 0.2, 0.5, 1.0, 4.0];
        let ix = Exact::new(&table, 0.11).unwrap();
        for s in [
            -1.0f32,
            0.0,
            0.11,
            0.12,
            0.2,
            0.21,
            1.0,
            3.9,
            4.0,
            100.0,
            f32::INFINITY,
        ] {
            let s2 = s.max(0.11);
            let count = table[..4].iter().filter(|&&t| s2 <= t).count() as i32;
            assert_eq!(ix.index(s), 4 - count, "scale {s}");
        }
    }

    #[test]
    fn batch_rows_match_single_rows() {
        let ascending: Vec<f32> = (0..64).map(|i| 0.11 * 1.13f32.powi(i)).collect();
        let mut descending = ascending.clone();
        descending.reverse();
        let probes: Vec<f32> = (0..4096).map(|i| i as f32 * 0.01 - 1.0).collect();
        // One comparison (the fast view), bound 0 (the exact fallback), unsorted.
        for (table, bound) in [(&ascending, 0.11), (&ascending, 0.0), (&descending, 0.11)] {
            let ix = ScaleIndex::new(table, bound).unwrap();
            let mut rows = vec![0usize; probes.len()];
            ix.get_all(&probes, &mut rows);
            for (&s, &r) in probes.iter().zip(&rows) {
                assert_eq!(r, ix.get(s), "scale {s}");
            }
        }
        let ix = ScaleIndex::new(&ascending, 0.11).unwrap();
        assert!(ix.one_compare().is_some());
        assert!(ScaleIndex::new(&ascending, 0.0)
            .unwrap()
            .one_compare()
            .is_none());
    }

    /// `OneEntry`'s integer rule is the float compare `row + (limit < s)` for every scale
    /// `s > 0` (subnormals, `f32::MAX`, `+inf`) and every limit `>= 0` (`±0.0`, `+inf`).
    #[test]
    fn one_entry_rule_matches_the_float_compare() {
        let mut x = 0x2545_f491u32;
        let mut rand = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut limits = vec![0.0f32, -0.0, f32::MIN_POSITIVE, 1e-40, 0.11, 1.0, f32::MAX];
        limits.push(f32::INFINITY);
        let mut scales = vec![1e-45f32, 1e-40, f32::MIN_POSITIVE, 0.11, 1.0, f32::MAX];
        scales.push(f32::INFINITY);
        for _ in 0..2000 {
            limits.push(f32::from_bits(rand() & 0x7fff_ffff).min(f32::INFINITY));
            scales.push(f32::from_bits(1 + rand() % 0x7f80_0000));
        }
        let (limits, scales): (Vec<f32>, Vec<f32>) = (
            limits.into_iter().filter(|l| !l.is_nan()).collect(),
            scales.into_iter().filter(|s| !s.is_nan()).collect(),
        );
        for &limit in &limits {
            for row in [0u32, 1, 63, 65_534] {
                let e = OneEntry::new(row, limit);
                let bits = if limit == 0.0 { 0 } else { limit.to_bits() };
                assert_eq!(e.parts(), (row, bits), "row {row} limit {limit:e}");
                for &s in scales
                    .iter()
                    .chain(&[limit, f32::from_bits(limit.to_bits() + 1)])
                {
                    if s > 0.0 && !s.is_nan() {
                        let want = row as usize + usize::from(limit < s);
                        assert_eq!(e.row_of(s), want, "row {row} limit {limit:e} scale {s:e}");
                    }
                }
            }
        }
    }

    #[test]
    fn fast_index_matches_exact() {
        let table: Vec<f32> = (0..64)
            .map(|i| ((0.11f64.ln() + (256f64.ln() - 0.11f64.ln()) * i as f64 / 63.0).exp()) as f32)
            .collect();
        let ix = ScaleIndex::new(&table, 0.11).unwrap();
        assert!(!ix.first.is_empty());
        let exact = Exact::new(&table, 0.11).unwrap();
        let mut probes: Vec<f32> = table.clone();
        probes.extend(table.iter().map(|t| f32::from_bits(t.to_bits() + 1)));
        probes.extend(table.iter().map(|t| f32::from_bits(t.to_bits() - 1)));
        probes.extend([0.0, -1.0, 1e-30, 1e30, f32::INFINITY, f32::MAX, 0.11, -0.0]);
        for i in 0..200_000u32 {
            probes.push(f32::from_bits(0x3c00_0000 + i * 211));
        }
        for s in probes {
            assert_eq!(ix.get(s), exact.index(s) as usize, "scale {s}");
        }
    }

    #[test]
    fn rows_into_refuses_nan_and_a_short_output_and_matches_get() {
        let table: Vec<f32> = (0..64).map(|i| 0.11 * 1.13f32.powi(i)).collect();
        for bound in [0.11f32, 0.0] {
            let ix = ScaleIndex::new(&table, bound).unwrap();
            assert_eq!(ix.rows(), 64);
            let scales: Vec<f32> = (0..5000).map(|i| i as f32 * 0.013 - 3.0).collect();
            let mut out = vec![0i32; scales.len()];
            ix.rows_into(&scales, &mut out).unwrap();
            for (&s, &r) in scales.iter().zip(&out) {
                assert_eq!(r as usize, ix.get(s), "scale {s}");
            }
            let mut bad = scales.clone();
            bad[4321] = f32::NAN;
            let err = ix.rows_into(&bad, &mut out).unwrap_err().to_string();
            assert!(err.contains("scales[4321] is NaN"), "{err}");
            assert!(ix.rows_into(&scales, &mut out[1..]).is_err());
        }
    }
}
