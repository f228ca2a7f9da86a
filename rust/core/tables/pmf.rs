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
//! wide Gaussian tables, whose tails are mostly empty). But the chosen donor stays the
//! smallest donor after giving a unit, so it gives until it is down to 1: the donors are
//! drained whole in (frequency, index) order and only the last one partly. We find that
//! cut-off frequency from a histogram of the small frequencies and apply it in one pass:
//! identical output in linear time (the quadratic loop is kept as the tests' oracle).
//!
//! Every step is a flat pass over the row, written so that it vectorizes: this routine is
//! most of the cost of building a scale table (`GaussianConditional.update()`).
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
///
/// The pmf need not sum to 1 (it is renormalised), and a bin of no mass still gets one
/// slot, so every symbol stays codable. Bad input (see the module doc) is an
/// [`Error::InvalidArgument`].
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{pmf_to_quantized_cdf, Error};
///
/// assert_eq!(pmf_to_quantized_cdf(&[0.25, 0.5, 0.25], 8)?, [0, 64, 192, 256]);
/// // The empty middle bin takes a slot from the first of the smallest donors.
/// assert_eq!(pmf_to_quantized_cdf(&[0.5, 0.0, 0.5], 8)?, [0, 127, 128, 256]);
///
/// let err = pmf_to_quantized_cdf(&[0.5, f32::NAN], 16).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn pmf_to_quantized_cdf(pmf: &[f32], precision: u32) -> Result<Vec<u32>> {
    let mut cdf = vec![0u32; pmf.len() + 1];
    quantized_cdf_into(pmf, precision, &mut cdf)?;
    Ok(cdf)
}

/// [`pmf_to_quantized_cdf`] written into `cdf`, which must hold `pmf.len() + 1` entries
/// (an `InvalidArgument` error otherwise); no allocation. `cdf[1..]` holds the bin
/// frequencies until the final prefix sum.
pub(crate) fn quantized_cdf_into(pmf: &[f32], precision: u32, cdf: &mut [u32]) -> Result<()> {
    check_precision(precision)?;
    let n = pmf.len();
    if n == 0 {
        return Err(Error::invalid(
            "pmf is empty: give at least one probability",
        ));
    }
    if cdf.len() != n + 1 {
        return Err(Error::invalid(format!(
            "the output has {} entries for a pmf of {n}: it needs pmf.len() + 1",
            cdf.len()
        )));
    }
    let one = 1u64 << precision;
    if n as u64 > one {
        return Err(Error::invalid(format!(
            "pmf has {n} entries but precision={precision} gives only {one} slots: \
             raise the precision or shorten the pmf"
        )));
    }
    let (head, freqs) = cdf.split_at_mut(1);
    head[0] = 0;
    let total = scale_and_round(pmf, precision, freqs)?;
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
    let empty = renormalise(freqs, total, one);
    if empty > 0 {
        fill_empty_bins(freqs, empty);
    }
    let mut acc = 0u32;
    for c in freqs.iter_mut() {
        acc += *c;
        *c = acc;
    }
    Ok(())
}

/// Step 1: `round(p * 2^precision)` in `f32`, rounding half away from zero (C's `round`),
/// into `out`; returns the sum. Bad entries are found by one flag over the whole row (so
/// the loop stays branch-free) and reported by a second, scalar pass.
fn scale_and_round(pmf: &[f32], precision: u32, out: &mut [u32]) -> Result<u64> {
    const TOO_LARGE: f32 = 4_294_967_296.0; // 2^32: CompressAI's integers are 32-bit
    let factor = (1u32 << precision) as f32;
    let mut bad = false;
    let mut total = 0u64;
    for (o, &p) in out.iter_mut().zip(pmf) {
        // NaN fails both compares; +inf and overflowing products fail the second.
        let ok = p >= 0.0 && p * factor < TOO_LARGE;
        bad |= !ok;
        // A bad entry is rounded as 0 (its result is never used): rounding it as it is
        // would overflow `t + 1` for products of 2^32 and more (`t` saturates at
        // u32::MAX). A select, so the loop stays branch-free.
        let x = if ok { p * factor } else { 0.0 };
        // Round half away from zero for x >= 0: truncate, then add one when the exact
        // fraction x - trunc(x) is at least 1/2 (trunc(x) is exact in f32 for x < 2^32).
        let t = x as u32;
        let q = t + ((x - t as f32) >= 0.5) as u32;
        *o = q;
        total += q as u64;
    }
    if !bad {
        return Ok(total);
    }
    let (i, &p) = pmf
        .iter()
        .enumerate()
        .find(|(_, &p)| !(p >= 0.0 && p * factor < TOO_LARGE))
        .unwrap_or((0, &0.0));
    Err(Error::invalid(if p.is_finite() && p >= 0.0 {
        format!("pmf[{i}] = {p} is too large: probabilities should be at most about 1")
    } else {
        format!("pmf[{i}] = {p}: probabilities must be finite and non-negative")
    }))
}

/// Step 2, in place: frequencies `floor(2^p q / total)`, the last bin absorbing the
/// rounding slack (so the CDF ends at `2^p`). Returns how many bins are left empty.
///
/// The floor is one `f64` division, exact here: `2^p q < 2^48` and `total < 2^32` are exact
/// in `f64`, a quotient that is an integer is exact, and any other lies at least
/// `1 / total > 2^-32` from an integer while the division errs by at most
/// `2^16 * 2^-53` (the quotient is at most `2^p <= 2^16`), so flooring the rounded quotient
/// never crosses an integer.
fn renormalise(freqs: &mut [u32], total: u64, one: u64) -> usize {
    let (one_f, total_f) = (one as f64, total as f64);
    let mut acc = 0u64;
    let mut empty = 0usize;
    for f in freqs.iter_mut() {
        let k = ((*f as f64 * one_f) / total_f) as u32;
        *f = k;
        acc += k as u64;
        empty += (k == 0) as usize;
    }
    // Invariant: acc <= one, since every term is floored.
    if let Some(last) = freqs.last_mut() {
        empty -= (*last == 0) as usize;
        *last += (one - acc) as u32;
        empty += (*last == 0) as usize;
    }
    empty
}

/// Frequencies up to this get a histogram bucket when looking for the donors' cut-off;
/// larger cut-offs (rare: few empty bins beside big frequencies) sort the large donors.
const HISTOGRAM_MAX: usize = 128;

/// Step 3: each of the `empty` empty bins, in ascending order, takes one unit from the
/// lowest-indexed bin with the smallest frequency above 1 (CompressAI's rule).
///
/// The chosen donor, down by one, is still the smallest donor (or is no donor any more at
/// frequency 1), so donors are drained to 1 whole, in (frequency, index) order, until
/// `empty` units are taken; the last one drained may keep some. Which bin received which
/// unit does not matter: every empty bin ends at 1. REQUIRES: `sum(freqs) = 2^p >=
/// freqs.len()`, so the donors hold at least `empty` spare units.
fn fill_empty_bins(freqs: &mut [u32], empty: usize) {
    // units[f] = spare units (f - 1 each) of all bins of frequency f, for small f.
    let mut units = [0u64; HISTOGRAM_MAX + 1];
    for &f in freqs.iter() {
        if (2..=HISTOGRAM_MAX as u32).contains(&f) {
            units[f as usize] += f as u64 - 1;
        }
    }
    // Find the cut-off: donors below it are drained whole, donors at it give `left` units
    // in index order.
    let mut left = empty as u64;
    let mut cut = 2usize;
    while cut <= HISTOGRAM_MAX && left > units[cut] {
        left -= units[cut];
        cut += 1;
    }
    let cut_f = cut as u32;
    for f in freqs.iter_mut() {
        if *f < cut_f {
            *f = 1; // empty bins receive, small donors are drained (1 stays 1)
        } else if *f == cut_f && left > 0 {
            let give = left.min(*f as u64 - 1);
            *f -= give as u32;
            left -= give;
        }
    }
    if left == 0 {
        return;
    }
    // Every donor up to HISTOGRAM_MAX is drained: continue with the large ones, in
    // (frequency, index) order.
    let mut large: Vec<(u32, usize)> = freqs
        .iter()
        .enumerate()
        .filter(|&(_, &f)| f > cut_f)
        .map(|(i, &f)| (f, i))
        .collect();
    large.sort_unstable();
    for (f, i) in large {
        if left == 0 {
            break;
        }
        let give = left.min(f as u64 - 1);
        freqs[i] -= give as u32;
        left -= give;
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
    fn large_donors_are_drained_in_frequency_then_index_order() {
        // Donors far above HISTOGRAM_MAX: the sorted fallback, ties included.
        let mut pmf = vec![0.0f32; 40];
        pmf[3] = 0.25;
        pmf[20] = 0.25;
        pmf[39] = 0.5;
        for p in [6, 8, 12, 16] {
            assert_eq!(
                pmf_to_quantized_cdf(&pmf, p).unwrap(),
                reference(&pmf, p),
                "p={p}"
            );
        }
        // Every spare unit taken: 2^p bins, one of them holding all the mass.
        let mut full = vec![0.0f32; 256];
        full[100] = 1.0;
        assert_eq!(pmf_to_quantized_cdf(&full, 8).unwrap(), reference(&full, 8));
        assert_eq!(
            pmf_to_quantized_cdf(&full, 8).unwrap(),
            (0..=256).collect::<Vec<u32>>()
        );
    }

    #[test]
    fn rounds_half_away_from_zero_like_c() {
        // 2^-17 scales to exactly 0.5 (rounds up); the next float below it rounds down;
        // 1.5 * 2^-16 scales to 1.5 (rounds to 2).
        let half = 2f32.powi(-17);
        let below = f32::from_bits(half.to_bits() - 1);
        let mut freqs = [0u32; 3];
        let total = scale_and_round(&[half, below, 1.5 * 2f32.powi(-16)], 16, &mut freqs);
        assert_eq!(total.unwrap(), 3);
        assert_eq!(freqs, [1, 0, 2]);
    }

    /// Gaussian-like rows (the steady case: long empty tails, many small donors).
    #[test]
    fn matches_quadratic_reference_on_discretized_gaussians() {
        for s in [0.11f32, 0.5, 2.0, 9.7, 40.0, 256.0] {
            let c = (s * 6.11).ceil() as i32;
            let mut pmf: Vec<f32> = (-c..=c)
                .map(|v| (-(v as f32 / s).powi(2) / 2.0).exp() / (s * 2.5066283))
                .collect();
            pmf.push(1e-9);
            assert_eq!(
                pmf_to_quantized_cdf(&pmf, 16).unwrap(),
                reference(&pmf, 16),
                "s={s}"
            );
        }
    }

    #[test]
    fn into_checks_the_output_length() {
        let mut out = [0u32; 3];
        assert!(quantized_cdf_into(&[0.5, 0.5], 16, &mut out).is_ok());
        assert_eq!(out, [0, 32768, 65536]);
        assert!(quantized_cdf_into(&[0.5, 0.5], 16, &mut [0u32; 2]).is_err());
        assert!(quantized_cdf_into(&[0.5, 0.5], 16, &mut [0u32; 4]).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Sparse rows of small values: many empty bins, donors of every size, ties.
        #[test]
        fn matches_quadratic_reference(
            pmf in proptest::collection::vec(
                proptest::prop_oneof![
                    3 => proptest::prelude::Just(0.0f32),
                    3 => 0.0f32..0.002,
                    1 => 0.0f32..0.3,
                ],
                1..400,
            ),
            p in 9u32..=16,
        ) {
            if let Ok(cdf) = pmf_to_quantized_cdf(&pmf, p) {
                proptest::prop_assert_eq!(cdf, reference(&pmf, p));
            }
        }
    }

    #[test]
    fn one_hot_and_single_entry() {
        assert_eq!(pmf_to_quantized_cdf(&[1.0], 16).unwrap(), vec![0, 65536]);
        let cdf = pmf_to_quantized_cdf(&[0.0, 1.0, 0.0], 4).unwrap();
        assert_eq!(cdf, reference(&[0.0, 1.0, 0.0], 4));
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
