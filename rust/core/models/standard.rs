//! The standard CDFs of the three families as integer tables, and the only way the models
//! evaluate them: an IEEE-754 argument mapped onto the table grid, then integer linear
//! interpolation. No transcendental function runs at coding time, and the result is
//! non-decreasing in the argument by construction (a non-monotone CDF would give a bin an
//! empty interval).

mod gaussian;
mod laplace;
mod logistic;

/// Table entries per unit of the standardised argument `t = (x - mean) / scale`.
pub(crate) const GRID: u32 = 64;
/// Fraction bits of a position between two table entries.
const FRAC_BITS: u32 = 16;
/// `F = 1` in the tables' fixed point (Q31).
pub(crate) const ONE: u32 = 1 << 31;
/// `2^52`: an `f64` in `[2^52, 2^53)` is an integer held in the low mantissa bits.
const MAGIC: f64 = 4503599627370496.0;
/// Bits of the quantile guess table's index.
const INV_BITS: u32 = 12;

/// One family's standard CDF table: `cdf[i] = round(F((i - center) / GRID) * 2^31)` for
/// `i = 0..=2 center`, plus a repeat of the last entry.
pub(crate) struct StdCdf {
    cdf: &'static [u32],
    /// `GRID * half range`, the index of `t = 0`.
    center: u32,
    /// `center` as `f64`, converted once.
    center_f: f64,
    /// `2^52 + center 2^FRAC_BITS` and `2^52 + 2 center 2^FRAC_BITS`: see [`Self::eval`].
    base: f64,
    top: f64,
    /// `inv[j]` = the first index `i` with `cdf[i] >= j * 2^(31 - INV_BITS)` (`u32`, so a
    /// vector kernel gathers it directly).
    inv: &'static [u32],
}

pub(crate) static GAUSSIAN: StdCdf = StdCdf {
    cdf: &gaussian::CDF,
    center: GRID * gaussian::HALF_RANGE,
    center_f: (GRID * gaussian::HALF_RANGE) as f64,
    base: MAGIC + ((GRID * gaussian::HALF_RANGE) << FRAC_BITS) as f64,
    top: MAGIC + ((2 * GRID * gaussian::HALF_RANGE) << FRAC_BITS) as f64,
    inv: &GAUSSIAN_INV,
};
pub(crate) static LAPLACE: StdCdf = StdCdf {
    cdf: &laplace::CDF,
    center: GRID * laplace::HALF_RANGE,
    center_f: (GRID * laplace::HALF_RANGE) as f64,
    base: MAGIC + ((GRID * laplace::HALF_RANGE) << FRAC_BITS) as f64,
    top: MAGIC + ((2 * GRID * laplace::HALF_RANGE) << FRAC_BITS) as f64,
    inv: &LAPLACE_INV,
};
pub(crate) static LOGISTIC: StdCdf = StdCdf {
    cdf: &logistic::CDF,
    center: GRID * logistic::HALF_RANGE,
    center_f: (GRID * logistic::HALF_RANGE) as f64,
    base: MAGIC + ((GRID * logistic::HALF_RANGE) << FRAC_BITS) as f64,
    top: MAGIC + ((2 * GRID * logistic::HALF_RANGE) << FRAC_BITS) as f64,
    inv: &LOGISTIC_INV,
};

static GAUSSIAN_INV: [u32; (1 << INV_BITS) + 1] = inverse(&gaussian::CDF);
static LAPLACE_INV: [u32; (1 << INV_BITS) + 1] = inverse(&laplace::CDF);
static LOGISTIC_INV: [u32; (1 << INV_BITS) + 1] = inverse(&logistic::CDF);

/// The quantile guess table of `cdf`, built at compile time (integer steps only).
const fn inverse(cdf: &[u32]) -> [u32; (1 << INV_BITS) + 1] {
    let mut inv = [0u32; (1 << INV_BITS) + 1];
    let mut i = 0usize;
    let mut j = 0usize;
    while j < inv.len() {
        let target = (j as u64) << (31 - INV_BITS);
        while i + 1 < cdf.len() && (cdf[i] as u64) < target {
            i += 1;
        }
        inv[j] = i as u32;
        j += 1;
    }
    inv
}

impl std::fmt::Debug for StdCdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StdCdf")
            .field("center", &self.center)
            .finish_non_exhaustive()
    }
}

impl StdCdf {
    /// `F(t)` in Q31, for `t = (x - mean) * inv_scale` as the caller computed it.
    ///
    /// The fixed-point grid position `u = round(t * GRID * 2^FRAC_BITS) + center *
    /// 2^FRAC_BITS` comes from one `f64` multiply (exact: a power of two) and one add of
    /// `2^52 + center 2^FRAC_BITS`, whose rounding to an integer is the only one; `max` and
    /// `min` clamp it to the table (a NaN lands on 0), and the integer is the low bits of
    /// the result. No float-to-int conversion, no branch. The entries around `u` are
    /// interpolated as `lo + ((hi - lo) * frac >> FRAC_BITS)`, which never decreases as
    /// `t` grows and stays within `[lo, hi]`.
    #[inline(always)]
    pub(crate) fn eval(&self, t: f64) -> u32 {
        let y = (t * (GRID << FRAC_BITS) as f64 + self.base)
            .max(MAGIC)
            .min(self.top);
        // y is an integer in [2^52, 2^52 + 2^28): its low 32 bits are y - 2^52.
        let fixed = y.to_bits() as u32;
        let i = ((fixed >> FRAC_BITS) as usize).min(self.cdf.len() - 2);
        let frac = (fixed & ((1 << FRAC_BITS) - 1)) as u64;
        let lo = self.cdf[i];
        let hi = self.cdf[i + 1];
        lo + (((hi - lo) as u64 * frac) >> FRAC_BITS) as u32
    }

    /// The constants of [`eval`](Self::eval), for vector kernels that repeat its steps:
    /// the table, the multiplier `GRID * 2^FRAC_BITS`, `base`, `2^52` and `top`.
    pub(crate) fn eval_consts(&self) -> (&'static [u32], f64, f64, f64, f64) {
        let mul = (GRID << FRAC_BITS) as f64;
        (self.cdf, mul, self.base, MAGIC, self.top)
    }

    /// The constants of [`quantile_guess`](Self::quantile_guess), for vector kernels: the
    /// inverse table, its index shift `31 - INV_BITS`, and `center` as `f64`.
    pub(crate) fn guess_consts(&self) -> (&'static [u32], u32, f64) {
        (self.inv, 31 - INV_BITS, self.center_f)
    }

    /// A standardised argument `t` with `F(t)` near `u` (Q31, clamped to `[0, ONE]`):
    /// the decoder's first guess, which it then checks, so any value is safe.
    #[inline(always)]
    pub(crate) fn quantile_guess(&self, u: u32) -> f64 {
        let j = (u.min(ONE) >> (31 - INV_BITS)) as usize;
        let i = self.inv[j.min(self.inv.len() - 1)];
        (i as f64 - self.center_f) * (1.0 / GRID as f64)
    }

    /// The table entries (tests compare them with `libm`).
    #[cfg(test)]
    pub(crate) fn entries(&self) -> &'static [u32] {
        self.cdf
    }

    /// The index of `t = 0` (`GRID` times the half range).
    #[cfg(test)]
    pub(crate) fn center(&self) -> u32 {
        self.center
    }
}
