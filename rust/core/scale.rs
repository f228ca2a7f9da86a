//! Scales → table rows, bit-exact with CompressAI's `GaussianConditional.build_indexes`.
//!
//! CompressAI clamps each scale from below by `scale_bound` and then counts, in `f32`, the
//! entries of `scale_table[:-1]` that are `>=` the scale: `index = len - 1 - count`. For
//! an ascending table that is the position of the first entry `>= scale` (capped at the
//! last row), which a binary search finds; other tables fall back to the literal count.

use crate::error::{Error, Result};

/// A scale table prepared for repeated lookups.
#[derive(Debug, Clone)]
pub struct ScaleIndexer {
    table: Vec<f32>,
    bound: f32,
    ascending: bool,
}

impl ScaleIndexer {
    /// REQUIRES: a non-empty table of finite values and a finite bound.
    pub fn new(scale_table: &[f32], scale_bound: f32) -> Result<Self> {
        if scale_table.is_empty() {
            return Err(Error::invalid("scale_table is empty: give at least one scale"));
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
        Ok(ScaleIndexer {
            table: scale_table.to_vec(),
            bound: scale_bound,
            ascending,
        })
    }

    /// Number of rows the indexes point into.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Always false: construction refuses an empty table.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The row for one scale. REQUIRES: `scale` is not NaN (NaN maps to the last row).
    #[inline(always)]
    pub fn index(&self, scale: f32) -> i32 {
        let s = if scale < self.bound { self.bound } else { scale };
        let head = &self.table[..self.table.len() - 1];
        if self.ascending {
            head.partition_point(|&t| t < s) as i32
        } else {
            let count = head.iter().filter(|&&t| s <= t).count();
            head.len() as i32 - count as i32
        }
    }

    /// Rows for many scales, written to `out` (same length). NaN scales are refused.
    pub fn indexes_into(&self, scales: &[f32], out: &mut [i32]) -> Result<()> {
        if scales.len() != out.len() {
            return Err(Error::invalid("scales and output differ in length"));
        }
        if let Some(i) = scales.iter().position(|s| s.is_nan()) {
            return Err(Error::invalid(format!(
                "scales[{i}] is NaN: scales must be numbers"
            )));
        }
        for (o, &s) in out.iter_mut().zip(scales) {
            *o = self.index(s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_literal_count() {
        let table = [0.11f32, 0.2, 0.5, 1.0, 4.0];
        let ix = ScaleIndexer::new(&table, 0.11).unwrap();
        for s in [-1.0f32, 0.0, 0.11, 0.12, 0.2, 0.21, 1.0, 3.9, 4.0, 100.0, f32::INFINITY] {
            let s2 = s.max(0.11);
            let count = table[..4].iter().filter(|&&t| s2 <= t).count() as i32;
            assert_eq!(ix.index(s), 4 - count, "scale {s}");
        }
    }
}
