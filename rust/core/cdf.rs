//! pmf → quantized CDF, bit-exact with CompressAI's `_CXX.pmf_to_quantized_cdf`.
//!
//! CompressAI's routine (a port of ryg_rans' example) works in four steps, which we keep to
//! the bit:
//! 1. each probability, as an `f32`, is scaled by `2^precision` in `f32` and rounded half
//!    away from zero to an integer;
//! 2. the integers are renormalised to sum to `2^precision` with `floor(2^p * q / total)`,
//!    accumulated, and the last entry forced to `2^p`;
//! 3. every bin left with frequency 0 (in ascending order) steals one unit from the
//!    lowest-indexed bin among those with the smallest frequency above 1.
//!
//! CompressAI finds the bin to steal from with a linear scan per empty bin (quadratic on
//! wide Gaussian tables, whose tails are mostly empty). A steal only changes two
//! frequencies, so we keep the frequencies in a min-segment-tree and find the same bin in
//! `O(log n)`: identical output, much less work.
//!
//! REQUIRES (checked, `Error::InvalidArgument` otherwise): `1 <= precision <= 16`, a
//! non-empty pmf of finite, non-negative values, not all zero after scaling, at most
//! `2^precision` entries, and scaled values that fit CompressAI's 32-bit arithmetic.

use crate::error::{Error, Result};

/// Largest probability precision (bits) the coders support: CompressAI's rANS uses 16.
pub const MAX_PRECISION: u32 = 16;

/// Checks that `precision` is one the coders can honour.
pub fn check_precision(precision: u32) -> Result<()> {
    if (1..=MAX_PRECISION).contains(&precision) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "precision={precision} is not supported: use 1..={MAX_PRECISION} (CompressAI uses 16)"
        )))
    }
}

/// CompressAI-exact quantized CDF of `pmf` (length `pmf.len() + 1`, first 0, last `2^p`,
/// strictly increasing).
pub fn pmf_to_quantized_cdf(pmf: &[f32], precision: u32) -> Result<Vec<u32>> {
    check_precision(precision)?;
    let n = pmf.len();
    if n == 0 {
        return Err(Error::invalid(
            "pmf is empty: give at least one probability",
        ));
    }
    let one = 1u64 << precision;
    if n as u64 > one {
        return Err(Error::invalid(format!(
            "pmf has {n} entries but precision={precision} gives only {one} slots: \
             raise the precision or shorten the pmf"
        )));
    }
    let scaled = scale_and_round(pmf, precision)?;
    let total: u64 = scaled.iter().map(|&q| q as u64).sum();
    if total == 0 {
        return Err(Error::invalid(
            "pmf is all zero (after scaling by 2^precision): give at least one positive entry",
        ));
    }
    if total > u32::MAX as u64 {
        return Err(Error::invalid(
            "pmf sums to more than 2^32 / 2^precision: normalise it to sum to about 1",
        ));
    }
    let mut freqs = renormalise(&scaled, total, one);
    fill_empty_bins(&mut freqs);
    let mut cdf = Vec::with_capacity(n + 1);
    let mut acc = 0u32;
    cdf.push(0);
    for f in freqs {
        acc += f;
        cdf.push(acc);
    }
    Ok(cdf)
}

/// Step 1: `round(p * 2^precision)` in `f32`, rounding half away from zero (C's `round`).
fn scale_and_round(pmf: &[f32], precision: u32) -> Result<Vec<u32>> {
    let factor = (1u32 << precision) as f32;
    pmf.iter()
        .enumerate()
        .map(|(i, &p)| {
            if !p.is_finite() || p < 0.0 {
                return Err(Error::invalid(format!(
                    "pmf[{i}] = {p}: probabilities must be finite and non-negative"
                )));
            }
            let q = (p * factor).round();
            if q >= 4_294_967_296.0 {
                return Err(Error::invalid(format!(
                    "pmf[{i}] = {p} is too large: probabilities should be at most about 1"
                )));
            }
            Ok(q as u32)
        })
        .collect()
}

/// Step 2: frequencies `floor(2^p q / total)` accumulated, with the last CDF entry forced
/// to `2^p` (so the last bin absorbs the rounding slack).
fn renormalise(scaled: &[u32], total: u64, one: u64) -> Vec<u32> {
    let mut freqs = Vec::with_capacity(scaled.len());
    let mut acc = 0u64;
    let inv_total = 1.0 / total as f64;
    for &q in scaled {
        let f = floor_div(one * q as u64, total, inv_total);
        freqs.push(f as u32);
        acc += f;
    }
    // Invariant: acc <= one, since every term is floored.
    if let Some(last) = freqs.last_mut() {
        *last += (one - acc) as u32;
    }
    freqs
}

/// `n / d` rounded down, exactly, for `n < 2^53` and `0 < d < 2^32`: an `f64` estimate
/// (off by at most one, since `n` and `d` are exact in `f64` and the product's rounding
/// error is far below 1) corrected by one multiply-compare each way. Measured: the integer
/// division was the largest cost of building a 64-scale table.
#[inline(always)]
fn floor_div(n: u64, d: u64, inv_d: f64) -> u64 {
    let mut k = (n as f64 * inv_d) as u64;
    if k * d > n {
        k -= 1;
    } else if (k + 1) * d <= n {
        k += 1;
    }
    k
}

/// Step 3: every empty bin, in ascending order, takes one unit from the first bin with the
/// smallest frequency above 1. REQUIRES: `sum(freqs) = 2^p >= freqs.len()`, so such a bin
/// always exists while an empty one does.
fn fill_empty_bins(freqs: &mut [u32]) {
    if !freqs.contains(&0) {
        return;
    }
    let mut donors = DonorTree::new(freqs);
    for i in 0..freqs.len() {
        if freqs[i] != 0 {
            continue;
        }
        let Some(j) = donors.best() else { return };
        freqs[j] -= 1;
        freqs[i] += 1;
        // Bin i goes from 0 to 1: not a donor before or after, so only j's key changes.
        donors.set(j, freqs[j]);
    }
}

/// A min-segment-tree over donor keys (`freq` when `freq > 1`, else "not a donor") that
/// answers "lowest index among the smallest keys" in O(1) and updates in O(log n).
struct DonorTree {
    leaves: usize,
    keys: Vec<u32>,
    /// `best[node]` = index of the winning leaf below `node` (ties go to the lower index).
    best: Vec<u32>,
}

impl DonorTree {
    const NOT_A_DONOR: u32 = u32::MAX;

    fn key(freq: u32) -> u32 {
        if freq > 1 {
            freq
        } else {
            Self::NOT_A_DONOR
        }
    }

    fn new(freqs: &[u32]) -> Self {
        let leaves = freqs.len().next_power_of_two();
        let mut keys = vec![Self::NOT_A_DONOR; leaves];
        for (k, &f) in keys.iter_mut().zip(freqs) {
            *k = Self::key(f);
        }
        let mut best = vec![0u32; 2 * leaves];
        for i in 0..leaves {
            best[leaves + i] = i as u32;
        }
        let mut tree = DonorTree { leaves, keys, best };
        for node in (1..leaves).rev() {
            tree.pull(node);
        }
        tree
    }

    fn pull(&mut self, node: usize) {
        let (l, r) = (self.best[2 * node], self.best[2 * node + 1]);
        // `<=` keeps the lower index on ties, as CompressAI's strict `<` scan does.
        self.best[node] = if self.keys[l as usize] <= self.keys[r as usize] {
            l
        } else {
            r
        };
    }

    fn set(&mut self, i: usize, freq: u32) {
        self.keys[i] = Self::key(freq);
        let mut node = (self.leaves + i) / 2;
        while node >= 1 {
            self.pull(node);
            node /= 2;
        }
    }

    fn best(&self) -> Option<usize> {
        let i = self.best[1] as usize;
        (self.keys[i] != Self::NOT_A_DONOR).then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CompressAI's quadratic steal loop, kept as the oracle for the fast one.
    fn reference(pmf: &[f32], precision: u32) -> Vec<u32> {
        let one = 1u64 << precision;
        let mut cdf = vec![0u32; pmf.len() + 1];
        for (i, &p) in pmf.iter().enumerate() {
            cdf[i + 1] = (p * (1u32 << precision) as f32).round() as u32;
        }
        let total: u32 = cdf.iter().sum();
        for c in cdf.iter_mut() {
            *c = (one * *c as u64 / total as u64) as u32;
        }
        for i in 1..cdf.len() {
            cdf[i] += cdf[i - 1];
        }
        *cdf.last_mut().unwrap() = one as u32;
        for i in 0..cdf.len() - 1 {
            if cdf[i] == cdf[i + 1] {
                let (mut best_freq, mut best) = (u32::MAX, usize::MAX);
                for j in 0..cdf.len() - 1 {
                    let f = cdf[j + 1] - cdf[j];
                    if f > 1 && f < best_freq {
                        best_freq = f;
                        best = j;
                    }
                }
                if best < i {
                    for c in &mut cdf[best + 1..=i] {
                        *c -= 1;
                    }
                } else {
                    for c in &mut cdf[i + 1..=best] {
                        *c += 1;
                    }
                }
            }
        }
        cdf
    }

    #[test]
    fn matches_quadratic_reference_on_sparse_pmfs() {
        let mut pmf = vec![0.0f32; 300];
        pmf[7] = 0.5;
        pmf[150] = 0.25;
        pmf[299] = 0.25;
        for p in [10, 12, 16] {
            assert_eq!(pmf_to_quantized_cdf(&pmf, p).unwrap(), reference(&pmf, p));
        }
    }

    #[test]
    fn one_hot_and_single_entry() {
        assert_eq!(pmf_to_quantized_cdf(&[1.0], 16).unwrap(), vec![0, 65536]);
        let cdf = pmf_to_quantized_cdf(&[0.0, 1.0, 0.0], 4).unwrap();
        assert_eq!(cdf, reference(&[0.0, 1.0, 0.0], 4));
    }

    #[test]
    fn floor_div_is_exact() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = (state >> 32).max(1);
            let n = (state & ((1 << 48) - 1)) ^ (state >> 20);
            let n = n & ((1 << 48) - 1);
            assert_eq!(floor_div(n, d, 1.0 / d as f64), n / d, "{n} / {d}");
            let near = (n / d) * d; // exact multiples and their neighbours
            for m in [near, near.saturating_sub(1), near + 1] {
                assert_eq!(floor_div(m, d, 1.0 / d as f64), m / d, "{m} / {d}");
            }
        }
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(pmf_to_quantized_cdf(&[], 16).is_err());
        assert!(pmf_to_quantized_cdf(&[0.0, 0.0], 16).is_err());
        assert!(pmf_to_quantized_cdf(&[f32::NAN, 1.0], 16).is_err());
        assert!(pmf_to_quantized_cdf(&[-0.5, 1.0], 16).is_err());
        assert!(pmf_to_quantized_cdf(&[1.0], 0).is_err());
        assert!(pmf_to_quantized_cdf(&[1.0], 17).is_err());
        assert!(pmf_to_quantized_cdf(&[0.1; 5], 2).is_err());
        assert!(pmf_to_quantized_cdf(&[f32::INFINITY], 16).is_err());
        assert!(pmf_to_quantized_cdf(&[1e30], 16).is_err());
    }
}
