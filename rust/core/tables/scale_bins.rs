//! Scales straight to encoder bins: per bucket of the one-comparison scale lookup
//! (`scale_index::OneCompare`), the bucket's candidate row, that row's limit, and where
//! the row's bins and the next row's start, less their rows' offsets. An encoder then goes
//! from a scale and a symbol to the index of the symbol's `EncSymbol` with one record per
//! position, a compare and three adds, and no row table in between: the AVX2 encoder
//! (`simd/avx2_encode`), which has no fast gather, otherwise took each lane's row out of
//! its vector to read the row's fields with scalar loads.
//!
//! The records cover the buckets from the bound's to the first one of the last row; a
//! bucket index clamped into that range gives every scale at or above the bound the
//! lookup's row, since every later bucket holds the last row with an infinite limit.

use crate::tables::cdf_table::CdfTable;
use crate::tables::scale_index::OneCompare;

/// Most records kept (64 KiB); a lookup with more buckets between its bound and its last
/// row (a very dense scale table) gets none, and its encoders read the rows.
const MAX_RECORDS: usize = 4096;

/// One bucket: 16 bytes, loaded whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct ScaleBin {
    /// The bits of the candidate row's limit: a scale whose bits are greater takes the
    /// next row (both are below `2^31`, so a signed compare of the bits serves).
    pub limit: i32,
    /// The bucket's candidate row.
    pub row: i32,
    /// That row's `base - offset`, wrapping: `symbol + bin` is the index of the symbol's
    /// `EncSymbol` when the row codes it directly.
    pub bin: i32,
    /// The next row's `base - offset` less this row's, wrapping (`-bin` past the last row,
    /// whose `base - offset` counts as 0).
    pub step: i32,
}

/// The records of one lookup over one table.
#[derive(Debug, Clone)]
pub(crate) struct ScaleBins {
    records: Vec<ScaleBin>,
    /// The bound's bucket: record `b - first` is bucket `b`'s.
    first: u32,
    shift: u32,
    bound: f32,
}

impl ScaleBins {
    /// The records of `lookup` over `table` (whose rows the lookup indexes), or `None`
    /// when more than [`MAX_RECORDS`] buckets lie between the bound and the last row.
    pub(crate) fn new(lookup: OneCompare<'_>, table: &CdfTable) -> Option<ScaleBins> {
        let rows = table.rows();
        let bin_of = |row: u32| {
            rows.get(row as usize)
                .map_or(0, |r| (r.base as i32).wrapping_sub(r.offset))
        };
        // A lookup exists only for a bound above 0, whose bucket is a positive float's.
        let first = lookup.bound.to_bits() >> lookup.shift;
        let mut records = Vec::new();
        for entry in lookup.one.get(first as usize..)? {
            let (row, limit) = entry.parts();
            let bin = bin_of(row);
            records.push(ScaleBin {
                limit: limit as i32,
                row: row as i32,
                bin,
                step: bin_of(row.wrapping_add(1)).wrapping_sub(bin),
            });
            if records.len() > MAX_RECORDS {
                return None;
            }
            if row as usize + 1 >= rows.len() {
                return Some(ScaleBins {
                    records,
                    first,
                    shift: lookup.shift,
                    bound: lookup.bound,
                });
            }
        }
        None
    }

    /// The records, bucket `first()` first; never empty.
    pub(crate) fn records(&self) -> &[ScaleBin] {
        &self.records
    }

    /// The bucket of record 0 (the bound's).
    pub(crate) fn first(&self) -> u32 {
        self.first
    }

    /// Whether the records are those of a lookup with these buckets and bound.
    pub(crate) fn fits(&self, shift: u32, bound: f32) -> bool {
        self.shift == shift && self.bound.to_bits() == bound.to_bits()
    }

    /// The row and the bin offset (`base - offset`, 0 past the last row) of a scale, as
    /// the vector kernel finds them: the scale raised to the bound, its bucket clamped
    /// into the records, the next row when its bits pass the record's limit. The same
    /// row as the lookup's for every scale that is not NaN.
    #[cfg(test)]
    pub(crate) fn get(&self, scale: f32) -> (i32, i32) {
        let bits = scale.max(self.bound).to_bits();
        let at =
            ((bits >> self.shift).wrapping_sub(self.first) as usize).min(self.records.len() - 1);
        let r = self.records[at];
        if bits as i32 > r.limit {
            (r.row + 1, r.bin.wrapping_add(r.step))
        } else {
            (r.row, r.bin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::parametric::gaussian_table;
    use crate::tables::scale_index::ScaleIndex;

    /// Log-spaced scales from 0.11 to `top`.
    fn scales(n: usize, top: f64) -> Vec<f32> {
        let (lo, hi) = (0.11f64.ln(), top.ln());
        let step = (hi - lo) / (n - 1).max(1) as f64;
        (0..n)
            .map(|i| (lo + step * i as f64).exp() as f32)
            .collect()
    }

    /// Every table entry and its neighbours, the bound's, the float extremes, and a sweep
    /// of bit patterns over the whole positive range.
    fn probes(table: &[f32]) -> Vec<f32> {
        let mut p: Vec<f32> = table.to_vec();
        for t in table {
            p.push(f32::from_bits(t.to_bits() + 1));
            p.push(f32::from_bits(t.to_bits() - 1));
        }
        p.extend([
            0.0,
            -0.0,
            -1.0,
            1e-45,
            1e-40,
            f32::MIN_POSITIVE,
            0.11,
            0.1099,
        ]);
        p.extend([f32::MAX, f32::INFINITY, f32::NEG_INFINITY, 1e30]);
        p.extend((0..200_000u32).map(|i| f32::from_bits(i * 10_711)));
        p
    }

    #[test]
    fn records_give_the_lookups_row_and_that_rows_bins() {
        for (n, top) in [(64, 256.0), (3, 4.0), (1, 1.0), (160, 256.0), (255, 60.0)] {
            let table = scales(n, top);
            let wide: Vec<f64> = table.iter().map(|&t| f64::from(t)).collect();
            let cdfs = gaussian_table(&wide, 16, 1e-9).expect("table");
            let index = ScaleIndex::new(&table, 0.11).expect("index");
            let lookup = index.one_compare().expect("one comparison");
            let bins = ScaleBins::new(lookup, &cdfs).expect("records");
            let rows = cdfs.rows();
            for s in probes(&table).into_iter().filter(|s| !s.is_nan()) {
                let row = lookup.get(s);
                let r = &rows[row];
                let bin = (r.base as i32).wrapping_sub(r.offset);
                assert_eq!(bins.get(s), (row as i32, bin), "{n} scales, scale {s:e}");
            }
        }
    }

    #[test]
    fn a_lookup_with_too_many_buckets_gets_no_records() {
        // Scales 0.5% apart need buckets of 2^15 float bit patterns (256 an octave), and
        // span 21 octaves: over 5000 buckets between the bound and the last row.
        let wide: Vec<f64> = (0..3000).map(|i| 0.11 * 1.005f64.powi(i)).collect();
        let table: Vec<f32> = wide.iter().map(|&t| t as f32).collect();
        // The rows' contents do not matter here, only their count.
        let cdfs = gaussian_table(&vec![0.5; wide.len()], 12, 1e-9).expect("table");
        let index = ScaleIndex::new(&table, 0.11).expect("index");
        let lookup = index.one_compare().expect("one comparison");
        assert!(ScaleBins::new(lookup, &cdfs).is_none());
    }
}
