//! One symbol's law, prepared for repeated CDF evaluation: the reciprocal scale computed
//! once, mixture weights quantized to integers, and the support the bins cover.
//!
//! Preparation never fails and never panics: parameters the validators would refuse
//! (NaN, infinities, negative weights) still give some valid CDF, so a caller that skips
//! validation gets wrong rates, not a crash. The coder validates whole arrays first.

use crate::models::standard::{StdCdf, ONE};

/// The symbols one law's bins stand for: `lower..=upper`, then an escape bin when the
/// support is a window (symbols outside it are escape-coded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Support {
    pub(crate) lower: i32,
    pub(crate) upper: i32,
    pub(crate) escape: bool,
}

impl Support {
    /// Bins of `lower..=upper` (not the escape bin).
    pub(crate) fn direct_bins(&self) -> u64 {
        (self.upper as i64 - self.lower as i64 + 1) as u64
    }
}

/// Most components a mixture may have.
pub(crate) const MAX_COMPONENTS: usize = 8;
/// Scales are clamped into `[SCALE_MIN, SCALE_MAX]` before use. Below `2^-16` every edge
/// at least `2^-16 * 2 * 24` away from the mean is already off the tables, and the
/// reciprocal stays finite; above `2^16` a bin spans under `2^-16` standard units, finer
/// than the interpolation resolves anyway.
pub(crate) const SCALE_MIN: f64 = 1.0 / 65536.0;
pub(crate) const SCALE_MAX: f64 = 65536.0;
/// Quantized mixture weights sum to `2^WEIGHT_BITS`.
pub(crate) const WEIGHT_BITS: u32 = 24;

/// A law whose CDF the models evaluate at bin edges.
pub(crate) trait Dist {
    /// `F(x)` in Q31 (`ONE` = 1), non-decreasing in `x`.
    fn cdf(&self, table: &StdCdf, x: f64) -> u32;
    /// A point `x` with `F(x)` near `u` (Q31): the decoder's first guess, checked after.
    fn guess(&self, table: &StdCdf, u: u32) -> f64;
}

/// One component: `F((x - mean) * inv_scale)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Single {
    mean: f64,
    scale: f64,
    inv_scale: f64,
}

impl Single {
    /// The prepared law: `scale` clamped into `[SCALE_MIN, SCALE_MAX]` (NaN to
    /// `SCALE_MIN`), `inv_scale = 1 / scale` in `f64`.
    #[inline(always)]
    pub(crate) fn new(mean: f32, scale: f32) -> Single {
        // Not `clamp`, which keeps a NaN: `max` turns it into SCALE_MIN.
        #[allow(clippy::manual_clamp)]
        let s = (scale as f64).max(SCALE_MIN).min(SCALE_MAX);
        Single {
            mean: mean as f64,
            scale: s,
            inv_scale: 1.0 / s,
        }
    }

    /// The bins whose centres' intervals meet `mean ± radius * scale`, as `f64` bounds.
    fn reach(&self, radius: f64) -> (f64, f64) {
        let r = radius * self.scale;
        (self.mean - r, self.mean + r)
    }
}

impl Dist for Single {
    #[inline(always)]
    fn cdf(&self, table: &StdCdf, x: f64) -> u32 {
        table.eval((x - self.mean) * self.inv_scale)
    }

    #[inline(always)]
    fn guess(&self, table: &StdCdf, u: u32) -> f64 {
        self.mean + table.quantile_guess(u) * self.scale
    }
}

/// `F = sum_j q_j F_j / 2^WEIGHT_BITS` with integer weights `q_j` summing to
/// `2^WEIGHT_BITS`: monotone exactly, since every term is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mixture {
    len: usize,
    parts: [Single; MAX_COMPONENTS],
    weights: [u32; MAX_COMPONENTS],
    /// The first component of largest weight: the decoder's guess and the window's
    /// centre when the window is capped.
    dominant: usize,
}

impl Mixture {
    /// The prepared mixture of the first `MAX_COMPONENTS` (mean, scale, weight) triples.
    ///
    /// Weights: `w_j` is read as `f64`, a NaN or negative one as 0, then
    /// `q_j = floor(w_j * (2^WEIGHT_BITS / sum))` with `sum` added in index order, and
    /// the dominant component takes `2^WEIGHT_BITS - sum_j q_j` (a few units) so the
    /// total is exact. All weights zero: the first component takes all.
    pub(crate) fn new(means: &[f32], scales: &[f32], weights: &[f32]) -> Mixture {
        let mut parts = [Single::new(0.0, 1.0); MAX_COMPONENTS];
        let mut w = [0f64; MAX_COMPONENTS];
        let mut len = 0;
        for ((&m, &s), &wj) in means.iter().zip(scales).zip(weights) {
            if len == MAX_COMPONENTS {
                break;
            }
            parts[len] = Single::new(m, s);
            let wj = wj as f64;
            w[len] = if wj > 0.0 && wj <= f32::MAX as f64 {
                wj
            } else {
                0.0
            };
            len += 1;
        }
        let total_q = 1u64 << WEIGHT_BITS;
        let mut weights = [0u32; MAX_COMPONENTS];
        let mut sum = 0f64;
        for &wj in &w[..len] {
            sum += wj;
        }
        let mut dominant = 0;
        if sum > 0.0 {
            let factor = total_q as f64 / sum;
            let mut q_sum = 0u64;
            for j in 0..len {
                // In [0, 2^WEIGHT_BITS] up to rounding; the cast saturates.
                let q = ((w[j] * factor) as u64).min(total_q);
                weights[j] = q as u32;
                q_sum += q;
                if weights[j] > weights[dominant] {
                    dominant = j;
                }
            }
            let fixed = weights[dominant] as i64 + total_q as i64 - q_sum as i64;
            weights[dominant] = fixed.clamp(0, total_q as i64) as u32;
        } else {
            weights[0] = total_q as u32;
            len = len.max(1);
        }
        Mixture {
            len,
            parts,
            weights,
            dominant,
        }
    }

    fn active(&self) -> impl Iterator<Item = &Single> {
        self.parts[..self.len]
            .iter()
            .zip(&self.weights[..self.len])
            .filter(|(_, &q)| q > 0)
            .map(|(p, _)| p)
    }
}

impl Dist for Mixture {
    #[inline(always)]
    fn cdf(&self, table: &StdCdf, x: f64) -> u32 {
        let mut acc = 0u64;
        for j in 0..self.len {
            acc += self.weights[j] as u64 * self.parts[j].cdf(table, x) as u64;
        }
        // The weights sum to at most 2^WEIGHT_BITS, so the result is at most ONE.
        ((acc >> WEIGHT_BITS) as u32).min(ONE)
    }

    #[inline(always)]
    fn guess(&self, table: &StdCdf, u: u32) -> f64 {
        self.parts[self.dominant].guess(table, u)
    }
}

/// One symbol's prepared law and the support its bins cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Params<D> {
    pub(crate) dist: D,
    pub(crate) support: Support,
    /// Bins in all, escape included: at most `2^precision`.
    pub(crate) bins: u32,
    /// `2^precision - bins`: the slots shared out by the CDF (every bin has one already).
    pub(crate) spare: u32,
    /// `lower - 0.5`, the lower edge of bin 0 (exact in `f64`); bin `k`'s is `edge0 + k`.
    pub(crate) edge0: f64,
}

/// `floor(x)` as `i64` with basic operations only (a NaN gives 0, the cast saturates).
#[inline(always)]
fn floor_i64(x: f64) -> i64 {
    let v = x as i64;
    if (v as f64) > x {
        v.saturating_sub(1)
    } else {
        v
    }
}

/// The unbounded support of a law: the bins `k` with `[k - 0.5, k + 0.5)` meeting
/// `[lo, hi]` (`lo`, `hi` from [`Single::reach`], over a mixture's components of nonzero
/// weight), at most `cap` of them; a wider window is `cap` bins from
/// `floor(centre + 0.5) - cap / 2`. Clamped into `i32`.
pub(crate) fn window(lo: f64, hi: f64, centre: f64, cap: u32) -> (i32, i32) {
    let min = i32::MIN as i64;
    let max = i32::MAX as i64;
    let cap = cap as i64;
    let mut lower = floor_i64(lo + 0.5).clamp(min, max);
    let mut upper = floor_i64(hi + 0.5).clamp(min, max);
    if upper < lower {
        upper = lower;
    }
    if upper - lower + 1 > cap {
        lower = (floor_i64(centre + 0.5) - cap / 2).clamp(min, max - cap + 1);
        upper = lower + cap - 1;
    }
    (lower as i32, upper as i32)
}

/// [`window`] for one component.
pub(crate) fn single_window(law: &Single, radius: f64, cap: u32) -> (i32, i32) {
    let (lo, hi) = law.reach(radius);
    window(lo, hi, law.mean, cap)
}

/// [`window`] for a mixture: the union of its components' reaches.
pub(crate) fn mixture_window(law: &Mixture, radius: f64, cap: u32) -> (i32, i32) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for part in law.active() {
        let (a, b) = part.reach(radius);
        if a < lo {
            lo = a;
        }
        if b > hi {
            hi = b;
        }
    }
    window(lo, hi, law.parts[law.dominant].mean, cap)
}
