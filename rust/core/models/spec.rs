//! A coder's model: family, precision and support policy, validated once; and the
//! quantized CDF of one symbol's law under it, for the encoder ([`ModelSpec::interval`])
//! and the decoder ([`ModelSpec::find`]).
//!
//! With `n` bins (escape included), `spare = 2^P - n` and edges `e_k = lower + k - 0.5`:
//! `cdf(0) = 0`, `cdf(n) = 2^P` and `cdf(k) = k + floor((F(e_k) - F0) * spare / 2^31)`
//! otherwise, `F` in Q31 and `F0` = `F(e_0)` with an escape bin, 0 without. Every bin gets
//! at least one slot because the floor term never decreases, and the escape bin (the last)
//! takes both tails. The decoder guesses a bin from the inverse table, checks it and its
//! neighbour, and falls back to a binary search over the bins: always the encoder's
//! intervals, in `O(log n)` CDF evaluations at worst.

use crate::error::{Error, Result};
use crate::models::family::Family;
use crate::models::params::{
    mixture_window, single_window, Dist, Mixture, Params, Single, Support,
};
use crate::models::standard::StdCdf;
use crate::tables::pmf::check_precision;

/// Bytes of [`ModelSpec::header_bytes`].
pub(crate) const HEADER_LEN: usize = 12;
/// The definition of the quantized CDF the header's first byte names (bump on any change
/// of the tables or the rule, so old streams are refused rather than misdecoded).
const DEFINITION: u8 = 1;
const FLAG_BOUNDED: u8 = 1;

/// A coder's model, fixed for a whole stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModelSpec {
    family: Family,
    table: &'static StdCdf,
    precision: u32,
    /// `Some((lower, upper))`: every symbol in `lower..=upper`, no escape bin. `None`: a
    /// window around each law plus an escape bin.
    bounds: Option<(i32, i32)>,
}

impl ModelSpec {
    /// The model for `family` at `precision` (1..=16) over `lower..=upper`, or over
    /// per-symbol windows with an escape bin when both bounds are `None`.
    pub(crate) fn new(
        family: Family,
        precision: u32,
        lower: Option<i32>,
        upper: Option<i32>,
    ) -> Result<ModelSpec> {
        check_precision(precision)?;
        let bounds = match (lower, upper) {
            (None, None) => None,
            (Some(lo), Some(hi)) => {
                if lo > hi {
                    return Err(Error::InvalidArgument(format!(
                        "lower={lo} is above upper={hi}: the support lower..=upper is empty"
                    )));
                }
                let n = hi as i64 - lo as i64 + 1;
                if n > 1i64 << precision {
                    return Err(Error::InvalidArgument(format!(
                        "the support {lo}..={hi} has {n} symbols but precision={precision} \
                         gives only {} slots: raise the precision or narrow the support",
                        1u64 << precision
                    )));
                }
                Some((lo, hi))
            }
            _ => {
                return Err(Error::InvalidArgument(
                    "give both lower and upper, or neither (a window around each mean, \
                     with escape coding)"
                        .into(),
                ))
            }
        };
        Ok(ModelSpec {
            family,
            table: family.table(),
            precision,
            bounds,
        })
    }

    pub(crate) fn family(&self) -> Family {
        self.family
    }

    pub(crate) fn table(&self) -> &'static StdCdf {
        self.table
    }

    pub(crate) fn precision(&self) -> u32 {
        self.precision
    }

    /// `Some((lower, upper))` for a bounded support, `None` for per-symbol windows.
    pub(crate) fn bounds(&self) -> Option<(i32, i32)> {
        self.bounds
    }

    /// Widest unbounded window, in direct bins: `2^(P-1)`, so with its escape bin at
    /// least half the slots are left to share out by probability.
    fn window_cap(&self) -> u32 {
        1 << (self.precision - 1)
    }

    fn params<D>(&self, dist: D, window: impl FnOnce(&D) -> (i32, i32)) -> Params<D> {
        let support = match self.bounds {
            Some((lower, upper)) => Support {
                lower,
                upper,
                escape: false,
            },
            None => {
                let (lower, upper) = window(&dist);
                Support {
                    lower,
                    upper,
                    escape: true,
                }
            }
        };
        // At most 2^P: checked in `new` for bounds, by the cap for windows.
        let bins = (support.direct_bins() + support.escape as u64) as u32;
        Params {
            dist,
            support,
            bins,
            spare: (1u32 << self.precision) - bins,
            edge0: support.lower as f64 - 0.5,
        }
    }

    /// One symbol's law `F((x - mean) / scale)`.
    #[inline(always)]
    pub(crate) fn single(&self, mean: f32, scale: f32) -> Params<Single> {
        let radius = self.family.window_radius();
        let cap = self.window_cap();
        self.params(Single::new(mean, scale), |d| single_window(d, radius, cap))
    }

    /// One symbol's mixture of the components `(means[j], scales[j], weights[j])`.
    pub(crate) fn mixture(
        &self,
        means: &[f32],
        scales: &[f32],
        weights: &[f32],
    ) -> Params<Mixture> {
        let radius = self.family.window_radius();
        let cap = self.window_cap();
        let law = Mixture::new(means, scales, weights);
        self.params(law, |d| mixture_window(d, radius, cap))
    }

    /// The bin coding `symbol` directly, or `None`: outside the window (escape it, bin
    /// `params.bins - 1`) or outside the bounds (the caller's error).
    #[inline(always)]
    pub(crate) fn bin_of<D>(&self, params: &Params<D>, symbol: i32) -> Option<u32> {
        let v = symbol as i64 - params.support.lower as i64;
        ((v as u64) < params.support.direct_bins()).then_some(v as u32)
    }

    /// `cdf(k)` for `0 < k < bins`, given `f0`.
    #[inline(always)]
    fn inner_cdf<D: Dist>(&self, params: &Params<D>, k: u32, f0: u32) -> u32 {
        // Exact: `lower - 0.5 + k` is a half-integer far below 2^53 in magnitude.
        let edge = params.edge0 + k as f64;
        let f = params.dist.cdf(self.table, edge) - f0;
        k + ((f as u64 * params.spare as u64) >> 31) as u32
    }

    /// `cdf(k)` for `0 <= k <= bins`.
    #[inline(always)]
    fn cdf<D: Dist>(&self, params: &Params<D>, k: u32, f0: u32) -> u32 {
        if k == 0 {
            0
        } else if k >= params.bins {
            1 << self.precision
        } else {
            self.inner_cdf(params, k, f0)
        }
    }

    /// `F0`: the CDF at the window's lower edge with an escape bin, 0 without.
    #[inline(always)]
    fn f0<D: Dist>(&self, params: &Params<D>) -> u32 {
        if params.support.escape {
            params.dist.cdf(self.table, params.edge0)
        } else {
            0
        }
    }

    /// `(start, freq)` of `bin` (REQUIRES `bin < params.bins`; a larger bin is read as
    /// the last), with `freq >= 1` and the intervals of all bins tiling `[0, 2^P)`.
    #[inline(always)]
    pub(crate) fn interval<D: Dist>(&self, params: &Params<D>, bin: u32) -> (u32, u32) {
        let bin = bin.min(params.bins - 1);
        let f0 = self.f0(params);
        let start = self.cdf(params, bin, f0);
        let end = self.cdf(params, bin + 1, f0);
        (start, end - start)
    }

    /// [`interval`](Self::interval) of `bin < params.bins` given `f0`, with selects for
    /// the ends instead of branches: both edges are evaluated, the first and the last bin's
    /// outer edge replaced by 0 and `2^P`.
    #[inline(always)]
    fn interval_flat<D: Dist>(&self, params: &Params<D>, bin: u32, f0: u32) -> (u32, u32) {
        let a = self.inner_cdf(params, bin, f0);
        let b = self.inner_cdf(params, bin + 1, f0);
        let start = if bin == 0 { 0 } else { a };
        let end = if bin + 1 >= params.bins {
            1 << self.precision
        } else {
            b
        };
        (start, end - start)
    }

    /// The encoder's interval for `symbol` under the law `(mean, scale)`, and whether it
    /// is escaped (its escape bits go first): the bin and `(start, freq)` of
    /// [`bin_of`](Self::bin_of) and [`interval`](Self::interval) for
    /// [`single`](Self::single), in straight-line code so a loop of them vectorises.
    /// `WINDOW`: this spec has per-symbol windows (`bounds()` is `None`); otherwise its
    /// bounds are `bounds`.
    #[inline(always)]
    pub(crate) fn single_step<const WINDOW: bool>(
        &self,
        bounds: (i32, i32),
        mean: f32,
        scale: f32,
        symbol: i32,
    ) -> (u32, u32, bool) {
        let dist = Single::new(mean, scale);
        let (lower, upper) = if WINDOW {
            single_window(&dist, self.family.window_radius(), self.window_cap())
        } else {
            bounds
        };
        let support = Support {
            lower,
            upper,
            escape: WINDOW,
        };
        let direct = support.direct_bins();
        let bins = (direct + WINDOW as u64) as u32;
        let params = Params {
            dist,
            support,
            bins,
            spare: (1u32 << self.precision) - bins,
            edge0: lower as f64 - 0.5,
        };
        let v = symbol as i64 - lower as i64;
        let inside = (v as u64) < direct;
        let bin = if inside { v as u32 } else { bins - 1 };
        let f0 = if WINDOW { self.f0(&params) } else { 0 };
        let (start, freq) = self.interval_flat(&params, bin, f0);
        (start, freq, WINDOW && !inside)
    }

    /// `(bin, start, freq)` with `start <= slot < start + freq` (REQUIRES
    /// `slot < 2^P`; a larger slot is read as the last), equal to `interval(bin)`.
    #[inline(always)]
    pub(crate) fn find<D: Dist>(&self, params: &Params<D>, slot: u32) -> (u32, u32, u32) {
        let one = 1u32 << self.precision;
        let slot = slot.min(one - 1);
        let n = params.bins;
        let f0 = self.f0(params);
        // The guess: the point where F reaches F0 + slot / 2^P, rounded to its bin.
        let u = f0 as u64 + ((slot as u64) << (31 - self.precision));
        let x = params.dist.guess(self.table, u.min(u32::MAX as u64) as u32);
        let rel = x - params.edge0;
        let g = if rel > 0.0 {
            (rel.min((n - 1) as f64)) as u32
        } else {
            0
        };

        let cg = self.cdf(params, g, f0);
        let (mut lo, mut c_lo, mut hi, mut c_hi);
        if cg <= slot {
            let c1 = self.cdf(params, g + 1, f0);
            if slot < c1 {
                return (g, cg, c1 - cg);
            }
            (lo, c_lo, hi, c_hi) = (g + 1, c1, n, one);
        } else {
            // g > 0 here: cdf(0) = 0 <= slot.
            let c0 = self.cdf(params, g - 1, f0);
            if c0 <= slot {
                return (g - 1, c0, cg - c0);
            }
            (lo, c_lo, hi, c_hi) = (0, 0, g - 1, c0);
        }
        // Invariant: cdf(lo) = c_lo <= slot < c_hi = cdf(hi).
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let c = self.cdf(params, mid, f0);
            if c <= slot {
                (lo, c_lo) = (mid, c);
            } else {
                (hi, c_hi) = (mid, c);
            }
        }
        (lo, c_lo, c_hi - c_lo)
    }

    /// The model as [`HEADER_LEN`] bytes: definition, family, precision, flags (bit 0:
    /// bounded), then `lower` and `upper` as little-endian `i32` (zeros when unbounded).
    pub(crate) fn header_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = DEFINITION;
        out[1] = self.family.code();
        out[2] = self.precision as u8;
        if let Some((lower, upper)) = self.bounds {
            out[3] = FLAG_BOUNDED;
            out[4..8].copy_from_slice(&lower.to_le_bytes());
            out[8..12].copy_from_slice(&upper.to_le_bytes());
        }
        out
    }

    /// The model [`header_bytes`](Self::header_bytes) wrote, or a `CorruptStream` error
    /// for any other bytes (each model has exactly one encoding).
    pub(crate) fn from_header_bytes(bytes: &[u8]) -> Result<ModelSpec> {
        let bytes: &[u8; HEADER_LEN] = bytes.try_into().map_err(|_| {
            Error::CorruptStream(format!(
                "the model header has {} bytes, not {HEADER_LEN}",
                bytes.len()
            ))
        })?;
        if bytes[0] != DEFINITION {
            return Err(Error::CorruptStream(format!(
                "model definition {} is not supported (this build reads {DEFINITION})",
                bytes[0]
            )));
        }
        let family = Family::from_code(bytes[1]).ok_or_else(|| {
            Error::CorruptStream(format!("model family code {} is unknown", bytes[1]))
        })?;
        let lower = i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let upper = i32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let bounds = match bytes[3] {
            0 if lower == 0 && upper == 0 => (None, None),
            FLAG_BOUNDED => (Some(lower), Some(upper)),
            _ => {
                return Err(Error::CorruptStream(
                    "model header flags or bounds are malformed".into(),
                ))
            }
        };
        ModelSpec::new(family, bytes[2] as u32, bounds.0, bounds.1)
            .map_err(|e| Error::CorruptStream(format!("model header: {e}")))
    }
}
