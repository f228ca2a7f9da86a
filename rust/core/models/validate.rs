//! Whole-array parameter checks, run before anything is written: the first bad element
//! (lowest symbol index, then component) is named in an `InvalidArgument` error, so a
//! caller fixes its data rather than getting a stream coded with clamped nonsense.

use crate::error::{Error, Result};
use crate::models::params::MAX_COMPONENTS;

/// A symbol's mixture weights must sum to 1 within this absolute tolerance (the weights
/// are renormalised before quantization, so the tolerance only catches wrong inputs).
pub(crate) const WEIGHT_SUM_TOLERANCE: f64 = 1e-3;

// The element's name is made only on an error (`name` is called then): formatting it for
// every element would cost more than the coding itself.
fn check_mean(name: impl FnOnce() -> String, mean: f32) -> Result<()> {
    if mean.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{} = {mean} is not finite: every mean must be a finite number",
            name()
        )))
    }
}

fn check_scale(name: impl FnOnce() -> String, scale: f32) -> Result<()> {
    if scale.is_finite() && scale > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{} = {scale} is not a positive finite number: every scale must be",
            name()
        )))
    }
}

/// Means and scales of one-component laws: equal lengths, means finite, scales positive
/// and finite.
pub(crate) fn validate_single(means: &[f32], scales: &[f32]) -> Result<()> {
    if means.len() != scales.len() {
        return Err(Error::InvalidArgument(format!(
            "means has {} elements but scales has {}: give one of each per symbol",
            means.len(),
            scales.len()
        )));
    }
    // A pass without an early exit first (it vectorises); only a failed block is walked
    // element by element, to name its first bad element.
    for (b, (ms, ss)) in means.chunks(BLOCK).zip(scales.chunks(BLOCK)).enumerate() {
        let good = ms.iter().zip(ss).fold(true, |ok, (&m, &s)| {
            ok & (m.abs() < f32::INFINITY) & (s > 0.0) & (s < f32::INFINITY)
        });
        if !good {
            for (i, (&m, &s)) in ms.iter().zip(ss).enumerate() {
                let i = b * BLOCK + i;
                check_mean(|| format!("means[{i}]"), m)?;
                check_scale(|| format!("scales[{i}]"), s)?;
            }
        }
    }
    Ok(())
}

/// Elements a block of [`validate_single`]'s first pass.
const BLOCK: usize = 1024;

/// Mixtures of `k` components over `n = len / k` symbols, each array laid out `(k, n)`
/// (component `j` of symbol `i` at `j * n + i`): `1 <= k <= MAX_COMPONENTS`, equal
/// lengths that `k` divides, means and scales as in [`validate_single`], weights finite
/// and non-negative with a sum within [`WEIGHT_SUM_TOLERANCE`] of 1 (added in `f64` in
/// component order).
pub(crate) fn validate_mixture(
    k: usize,
    means: &[f32],
    scales: &[f32],
    weights: &[f32],
) -> Result<()> {
    if !(1..=MAX_COMPONENTS).contains(&k) {
        return Err(Error::InvalidArgument(format!(
            "a mixture of {k} components is not supported: use 1..={MAX_COMPONENTS}"
        )));
    }
    let len = means.len();
    if scales.len() != len || weights.len() != len || !len.is_multiple_of(k) {
        return Err(Error::InvalidArgument(format!(
            "means, scales and weights have {}, {} and {} elements: give each the same \
             shape ({k}, n)",
            len,
            scales.len(),
            weights.len()
        )));
    }
    let n = len / k;
    for i in 0..n {
        let mut sum = 0f64;
        for j in 0..k {
            let at = j * n + i;
            check_mean(|| format!("means[{j}, {i}]"), means[at])?;
            check_scale(|| format!("scales[{j}, {i}]"), scales[at])?;
            let w = weights[at];
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidArgument(format!(
                    "weights[{j}, {i}] = {w} is not a non-negative finite number"
                )));
            }
            sum += w as f64;
        }
        if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            return Err(Error::InvalidArgument(format!(
                "weights[:, {i}] sum to {sum}, not 1 (within {WEIGHT_SUM_TOLERANCE})"
            )));
        }
    }
    Ok(())
}
