//! Per-symbol float CDFs (torchac's input): every symbol brings its own CDF over `L`
//! levels as `L + 1` floats, quantized inside the coding loop so no integer table is
//! built. The rule is exact in binary64 (an `f32` times an integer below 2^16), so every
//! platform derives the same intervals; docs/FORMAT.md §10 defines it.
//!
//! With `spare = 2^P - L`: `cdf(0) = 0`, `cdf(L) = 2^P` and, for `0 < k < L`,
//! `cdf(k) = k + floor(min(max(c_k, 0), 1) * spare)`. The floor term never decreases
//! along a validated (nondecreasing) row and stays in `[0, spare]`, so every level gets at
//! least one slot and the last ends at `2^P`. Rows are checked (finite, nondecreasing)
//! as they are coded, each while it is in cache: a separate pass over all of them would
//! read the whole CDF tensor from memory twice.

use crate::error::{Error, Result};
use crate::models::spec::HEADER_LEN;

/// The first byte of a float-CDF stream's model field (the parametric laws' is their
/// definition number, 1): a model-coded stream names which kind of model coded it there.
pub(crate) const FLOAT_CDF_DEFINITION: u8 = 0xFC;

/// The model field of a float-CDF stream: `FC`, the precision, two zero bytes, `L` as a
/// little-endian `u32`, four zero bytes.
pub(crate) fn header_bytes(levels: usize) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[0] = FLOAT_CDF_DEFINITION;
    out[1] = FLOAT_CDF_PRECISION as u8;
    out[4..8].copy_from_slice(&(levels as u32).to_le_bytes());
    out
}

/// `L` from a float-CDF model field, or `CorruptStream` for bytes [`header_bytes`] never
/// writes.
pub(crate) fn levels_from_header(bytes: &[u8]) -> Result<usize> {
    let ok_shape = bytes.len() == HEADER_LEN
        && bytes[0] == FLOAT_CDF_DEFINITION
        && bytes[1] == FLOAT_CDF_PRECISION as u8
        && bytes[2..4] == [0, 0]
        && bytes[8..12] == [0; 4];
    if !ok_shape {
        return Err(Error::CorruptStream(
            "float-CDF model header is malformed".into(),
        ));
    }
    let levels = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    check_levels(levels).map_err(|e| Error::CorruptStream(format!("model header: {e}")))?;
    Ok(levels)
}

/// Precision of the quantized rows.
pub(crate) const FLOAT_CDF_PRECISION: u32 = 16;
/// Most levels a row may have (symbols fit `i16`, as torchac's do).
pub(crate) const MAX_LEVELS: usize = 1 << 15;

/// Rows of `levels + 1` floats, one a symbol, validated.
#[derive(Clone, Copy)]
pub(crate) struct FloatCdfs<'a> {
    cdf: &'a [f32],
    levels: usize,
    spare: f64,
}

/// Checks `levels` (2..=[`MAX_LEVELS`]).
pub(crate) fn check_levels(levels: usize) -> Result<()> {
    if !(2..=MAX_LEVELS).contains(&levels) {
        return Err(Error::InvalidArgument(format!(
            "a CDF row must cover 2 to {MAX_LEVELS} levels (L + 1 values), got L = {levels}"
        )));
    }
    Ok(())
}

impl<'a> FloatCdfs<'a> {
    /// The rows of `cdf` (`rows * (levels + 1)` floats, row-major), their shape checked;
    /// their values are checked row by row as they are coded ([`row_ok`](Self::row_ok)),
    /// while each row is in cache, and [`first_bad`] names the culprit afterwards.
    pub(crate) fn new(cdf: &'a [f32], levels: usize) -> Result<Self> {
        check_levels(levels)?;
        let width = levels + 1;
        if !cdf.len().is_multiple_of(width) {
            return Err(Error::InvalidArgument(format!(
                "the CDF has {} values, not a multiple of L + 1 = {width}",
                cdf.len()
            )));
        }
        Ok(FloatCdfs {
            cdf,
            levels,
            spare: ((1u32 << FLOAT_CDF_PRECISION) - levels as u32) as f64,
        })
    }

    /// Number of rows (symbols).
    pub(crate) fn rows(&self) -> usize {
        self.cdf.len() / (self.levels + 1)
    }

    /// `L`, the levels of every row.
    pub(crate) fn levels(&self) -> usize {
        self.levels
    }

    /// `spare = 2^P - L`, the slots shared out by the floats.
    pub(crate) fn spare(&self) -> f64 {
        self.spare
    }

    /// Row `pos` (REQUIRES `pos < rows()`): `L + 1` floats.
    #[inline(always)]
    pub(crate) fn row(&self, pos: usize) -> &'a [f32] {
        let w = self.levels + 1;
        &self.cdf[pos * w..pos * w + w]
    }

    /// Every row's values, row-major.
    pub(crate) fn values(&self) -> &'a [f32] {
        self.cdf
    }

    /// Whether `row` is finite and nondecreasing, branch-free over eight accumulators
    /// so that it compiles to whole-vector compares (a single accumulator's reduction
    /// would not).
    #[inline(always)]
    pub(crate) fn row_ok(row: &[f32]) -> bool {
        let Some((&first, rest)) = row.split_first() else {
            return false;
        };
        // Both comparisons are false for NaN, the second for infinities.
        let step = |a: f32, b: f32| ((b >= a) & (b.abs() <= f32::MAX)) as u32;
        let mut good = [1u32; 8];
        // `a` and `b` of equal length, so their chunks and remainders line up.
        let (pairs_a, pairs_b) = (row[..rest.len()].chunks_exact(8), rest.chunks_exact(8));
        let (tail_a, tail_b) = (pairs_a.remainder(), pairs_b.remainder());
        for (xa, xb) in pairs_a.zip(pairs_b) {
            for j in 0..8 {
                good[j] &= step(xa[j], xb[j]);
            }
        }
        let mut all = (first.abs() <= f32::MAX) as u32;
        for (&a, &b) in tail_a.iter().zip(tail_b) {
            all &= step(a, b);
        }
        good.iter().fold(all, |x, g| x & g) == 1
    }

    /// `cdf(k)` of `row`, `0 <= k <= L`.
    #[inline(always)]
    fn cdf(&self, row: &[f32], k: usize) -> u32 {
        if k == 0 {
            0
        } else if k >= self.levels {
            1 << FLOAT_CDF_PRECISION
        } else {
            self.inner(row, k)
        }
    }

    /// `cdf(k)` for `0 < k < L`.
    #[inline(always)]
    fn inner(&self, row: &[f32], k: usize) -> u32 {
        let c = row.get(k).copied().unwrap_or(1.0).clamp(0.0, 1.0);
        // Exact: a 24-bit mantissa times an integer below 2^16.
        k as u32 + (c as f64 * self.spare) as u32
    }

    /// `(start, freq)` of `symbol` (REQUIRES `symbol < L`) in a row that passed
    /// [`row_ok`](Self::row_ok); `freq >= 1`.
    #[inline(always)]
    pub(crate) fn interval(&self, row: &[f32], symbol: usize) -> (u32, u32) {
        let start = self.cdf(row, symbol);
        (start, self.cdf(row, symbol + 1) - start)
    }

    /// `(symbol, start, freq)` with `start <= slot < start + freq` (REQUIRES `slot <
    /// 2^P`, a row that passed [`row_ok`](Self::row_ok)), by bisection over the quantized
    /// row: `ceil(log2 L)` evaluations in a loop whose trip count depends on `L` alone
    /// (each step a conditional move, not a branch), then the bin's two ends.
    #[inline(always)]
    pub(crate) fn find(&self, row: &[f32], slot: u32) -> (usize, u32, u32) {
        // Invariant: cdf(lo) <= slot < cdf(lo + len).
        let (mut lo, mut len) = (0usize, self.levels);
        while len > 1 {
            let half = len / 2;
            // 0 < lo + half < L, so `inner` applies.
            let mid = lo + half;
            lo = if self.inner(row, mid) <= slot {
                mid
            } else {
                lo
            };
            len -= half;
        }
        let start = self.cdf(row, lo);
        (lo, start, self.cdf(row, lo + 1) - start)
    }
}

/// The error naming the first bad element of `cdf` (rows of `levels + 1`), for a caller
/// that saw a row fail [`FloatCdfs::row_ok`].
#[cold]
pub(crate) fn first_bad(cdf: &[f32], levels: usize) -> Error {
    for (i, row) in cdf.chunks_exact(levels + 1).enumerate() {
        if !FloatCdfs::row_ok(row) {
            return bad_row(i, row);
        }
    }
    Error::InvalidArgument("a CDF row is not finite and nondecreasing".into())
}

/// The error for the first bad element of `row` (row index `i`).
#[cold]
fn bad_row(i: usize, row: &[f32]) -> Error {
    for (k, &c) in row.iter().enumerate() {
        if !c.is_finite() {
            return Error::InvalidArgument(format!(
                "cdf[{i}, {k}] = {c} is not finite: each CDF row must be finite and \
                 nondecreasing"
            ));
        }
        if k > 0 && c < row[k - 1] {
            return Error::InvalidArgument(format!(
                "cdf[{i}, {k}] = {c} is below cdf[{i}, {}] = {}: each CDF row must be \
                 nondecreasing",
                k - 1,
                row[k - 1]
            ));
        }
    }
    Error::InvalidArgument(format!("cdf row {i} is invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_tile_the_range_and_find_inverts_them() {
        let levels = 5;
        let cdf = [
            0.0f32, 0.0, 0.5, 0.5, 0.9999, 1.0, -0.1, 0.2, 0.2, 0.7, 1.2, 1.3,
        ];
        let rows = FloatCdfs::new(&cdf, levels).unwrap();
        assert_eq!(rows.rows(), 2);
        for pos in 0..2 {
            let row = rows.row(pos);
            assert!(FloatCdfs::row_ok(row));
            let mut end = 0;
            for s in 0..levels {
                let (start, freq) = rows.interval(row, s);
                assert_eq!(start, end);
                assert!(freq >= 1);
                for slot in [start, start + freq - 1] {
                    assert_eq!(rows.find(row, slot), (s, start, freq));
                }
                end = start + freq;
            }
            assert_eq!(end, 1 << 16);
        }
        // Pinned: spare = 65531, cdf(2) = 2 + floor(0.5 * 65531) = 32767.
        assert_eq!(rows.interval(rows.row(0), 1), (1, 32766));
    }

    #[test]
    fn bad_rows_name_their_first_bad_element() {
        assert!(!FloatCdfs::row_ok(&[0.0, 0.5, 0.4, 1.0]));
        let e = first_bad(&[0.0, 0.5, 0.4, 1.0], 3);
        assert!(matches!(e, Error::InvalidArgument(m) if m.contains("cdf[0, 2]")));
        let e = first_bad(&[0.0, 0.5, 1.0, 0.0, f32::NAN, 1.0], 2);
        assert!(matches!(e, Error::InvalidArgument(m) if m.contains("cdf[1, 1]")));
        for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            assert!(!FloatCdfs::row_ok(&[bad, 0.5, 1.0]));
            assert!(!FloatCdfs::row_ok(&[0.0, 0.5, bad]));
        }
        assert!(FloatCdfs::row_ok(&[-0.5, 0.5, 0.5, 3.0]));
        // Every position of rows of every length against the chunked check's layout.
        for len in 2..40 {
            let row: Vec<f32> = (0..len).map(|k| k as f32 / (len - 1) as f32).collect();
            assert!(FloatCdfs::row_ok(&row));
            for at in 0..len {
                let mut bad = row.clone();
                bad[at] = f32::NAN;
                assert!(!FloatCdfs::row_ok(&bad), "{len} {at}");
                if at > 0 {
                    bad[at] = row[at - 1] - 0.01;
                    assert!(!FloatCdfs::row_ok(&bad), "{len} {at}");
                }
            }
        }
        assert!(FloatCdfs::new(&[0.0, 1.0], 1).is_err());
        assert!(FloatCdfs::new(&[0.0, 0.5, 1.0, 0.0], 2).is_err());
    }
}
