//! Discretized zero-mean Gaussian and Laplace tables, one row per scale, laid out like
//! CompressAI's `GaussianConditional.update()`.
//!
//! For scale `s`: `center = ceil(s * multiplier)` with `multiplier = -quantile(tail_mass / 2)`
//! of the standard distribution, `pmf_length = 2 center + 1`, offset `-center`, and
//! `pmf[i] = F((0.5 - v) / s) - F((-0.5 - v) / s)` with `v = |i - center|`; the escape bin
//! gets the tail mass `2 F((-0.5 - center) / s)`. Everything is computed in `f64` with the
//! `libm` crate (a pure-Rust port of musl's libm), so every platform builds bit-identical
//! tables and both ends of a channel agree without shipping them. The pmf is rounded to
//! `f32` and quantized by the CompressAI-exact `pmf_to_quantized_cdf`.
//!
//! Differences from CompressAI's float32 torch code are in the last bits of the pmf only
//! (ours is the more accurate); the layout is identical.
//!
//! [`table_from_edges`] is the other route, for tables that must equal CompressAI's bit
//! for bit (`fastrans.entropy_models`): the caller evaluates the CDF at the bin edges with
//! CompressAI's own float32 torch ops, and the pmf differences, the mirroring and the tail
//! are done here in `f32`, exactly as torch does them, with no padded 2-D grid in between.

use crate::error::{Error, Result};
use crate::tables::cdf_table::CdfTable;
use crate::tables::pmf::check_precision;

/// Most CDF entries a parametric table may have in total (a guard against huge scales).
const MAX_TOTAL_ENTRIES: usize = 1 << 26;

/// The standard distributions we discretize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Gaussian,
    Laplace,
}

impl Family {
    /// `-quantile(tail_mass / 2)` of the standard distribution.
    fn multiplier(self, tail_mass: f64) -> f64 {
        match self {
            // Laplace(0, 1): F(q) = e^q / 2 for q < 0, so quantile(t/2) = ln t.
            Family::Laplace => -libm::log(tail_mass),
            Family::Gaussian => -normal_quantile(tail_mass / 2.0),
        }
    }

    /// Mass of the integer bin at distance `v >= 0` from the mean, for scale `s`.
    fn bin_mass(self, v: f64, s: f64) -> f64 {
        match self {
            Family::Gaussian => {
                if v == 0.0 {
                    libm::erf(0.5 / (s * std::f64::consts::SQRT_2))
                } else {
                    normal_cdf((0.5 - v) / s) - normal_cdf((-0.5 - v) / s)
                }
            }
            Family::Laplace => {
                if v == 0.0 {
                    -libm::expm1(-0.5 / s)
                } else {
                    0.5 * libm::exp(-(v - 0.5) / s) * -libm::expm1(-1.0 / s)
                }
            }
        }
    }

    /// `bin_mass(v, s)` for `v = 0..=c`, as `f32`. For the Gaussian, the lower edge of bin
    /// `v` is the upper edge of bin `v + 1` (`-0.5 - v == 0.5 - (v + 1)` exactly in `f64`),
    /// so each `Φ` is evaluated once: the same values as `bin_mass`, half the `erfc` calls.
    fn half_pmf(self, c: usize, s: f64) -> Vec<f32> {
        match self {
            Family::Gaussian => {
                let mut out = Vec::with_capacity(c + 1);
                out.push(self.bin_mass(0.0, s) as f32);
                let mut upper = normal_cdf((0.5 - 1.0) / s);
                for v in 1..=c {
                    let lower = normal_cdf((0.5 - (v + 1) as f64) / s);
                    out.push((upper - lower) as f32);
                    upper = lower;
                }
                out
            }
            Family::Laplace => (0..=c).map(|v| self.bin_mass(v as f64, s) as f32).collect(),
        }
    }

    /// Mass beyond `±(center + 0.5)`: the escape bin.
    fn tail(self, center: f64, s: f64) -> f64 {
        match self {
            Family::Gaussian => 2.0 * normal_cdf((-0.5 - center) / s),
            Family::Laplace => libm::exp((-0.5 - center) / s),
        }
    }
}

/// Φ(x) = erfc(-x / √2) / 2.
fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Φ⁻¹(p) for `0 < p < 0.5` by bisection on Φ: slow but exact to the last bit and
/// deterministic, which matters more here than speed (called once per table).
fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 0.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// A discretized zero-mean Gaussian table, one row per entry of `scale_table` (see the
/// module doc). REQUIRES: finite scales > 0, `0 < tail_mass < 1`, `1 <= precision <= 16`
/// (an [`Error::InvalidArgument`] otherwise).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{parametric, Error};
///
/// let table = parametric::gaussian_table(&[0.11, 1.0, 10.0], 16, 1e-9)?;
/// assert_eq!(table.num_tables(), 3);
/// // Row r spans -c..=c, c = ceil(6.11 s) for tail mass 1e-9: 2c + 1 bins, the escape
/// // bin and the leading 0.
/// assert_eq!(table.offsets(), [-1, -7, -62]);
/// assert_eq!(table.lengths(), [5, 17, 127]);
///
/// let err = parametric::gaussian_table(&[0.0], 16, 1e-9).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn gaussian_table(scale_table: &[f64], precision: u32, tail_mass: f64) -> Result<CdfTable> {
    build(Family::Gaussian, scale_table, precision, tail_mass)
}

/// A discretized zero-mean Laplace table (scale = the Laplace `b`), like
/// [`gaussian_table`].
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{parametric, Error};
///
/// let laplace = parametric::laplace_table(&[1.0, 2.0], 16, 1e-9)?;
/// let gaussian = parametric::gaussian_table(&[1.0, 2.0], 16, 1e-9)?;
/// // Heavier tails: longer rows for the same scale and tail mass.
/// assert!(laplace.lengths()[1] > gaussian.lengths()[1]);
/// assert_eq!(laplace.offsets()[1], -42); // c = ceil(2 ln(1e9))
///
/// let err = parametric::laplace_table(&[1.0], 16, 1.5).unwrap_err(); // tail_mass
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn laplace_table(scale_table: &[f64], precision: u32, tail_mass: f64) -> Result<CdfTable> {
    build(Family::Laplace, scale_table, precision, tail_mass)
}

fn build(family: Family, scales: &[f64], precision: u32, tail_mass: f64) -> Result<CdfTable> {
    check_precision(precision)?;
    if scales.is_empty() {
        return Err(Error::invalid(
            "scale_table is empty: give at least one scale",
        ));
    }
    if !(tail_mass > 0.0 && tail_mass < 1.0) {
        return Err(Error::invalid(format!(
            "tail_mass = {tail_mass} must be in (0, 1) (CompressAI uses 1e-9)"
        )));
    }
    let multiplier = family.multiplier(tail_mass);
    let slots = 1u64 << precision;
    let mut centers = Vec::with_capacity(scales.len());
    let mut total = 0usize;
    for (i, &s) in scales.iter().enumerate() {
        if !(s.is_finite() && s > 0.0) {
            return Err(Error::invalid(format!(
                "scale_table[{i}] = {s}: scales must be finite and positive"
            )));
        }
        let center = libm::ceil(s * multiplier);
        // pmf_length + escape bin must fit the precision's slots.
        if 2.0 * center + 2.0 > slots as f64 {
            return Err(Error::invalid(format!(
                "scale_table[{i}] = {s} needs {} bins but precision={precision} has {slots} slots: \
                 raise the precision, raise tail_mass or lower the scale",
                2.0 * center + 2.0
            )));
        }
        let center = center as usize;
        total += 2 * center + 3;
        if total > MAX_TOTAL_ENTRIES {
            return Err(Error::invalid(
                "scale_table asks for more than 2^26 CDF entries in total: use fewer or smaller scales",
            ));
        }
        centers.push(center);
    }
    let offsets: Vec<i32> = centers.iter().map(|&c| -(c as i32)).collect();
    CdfTable::from_pmf_fn(scales.len(), &offsets, precision, |row| {
        let (c, s) = (centers[row], scales[row]);
        // The pmf is symmetric: evaluate each distance from the mean once and mirror it.
        let half = family.half_pmf(c, s);
        let mut pmf = Vec::with_capacity(2 * c + 2);
        pmf.extend(half.iter().rev());
        pmf.extend(&half[1..]);
        pmf.push(family.tail(c as f64, s) as f32);
        Ok(pmf)
    })
}

/// CompressAI's `GaussianConditional.update()` tables from the CDF `F` at the upper bin
/// edges: row `r` (center `c = centers[r]`) owns the `c + 2` entries of `edges` that follow
/// the previous rows', `edges[.. + v] = F((0.5 - v) / s_r)` for `v = 0 ..= c + 1`.
///
/// Row `r` is CompressAI's row to the bit: its bin `i` (`0 <= i <= 2c`, distance
/// `v = |i - c|` from the mean) has mass `F((0.5 - v) / s) - F((-0.5 - v) / s)`, and since
/// `-0.5 - v == 0.5 - (v + 1)` exactly in `f32`, that is `edge[v] - edge[v + 1]`, the same
/// `f32` subtraction torch does; the escape bin gets `2 F((-0.5 - c) / s) = 2 edge[c + 1]`;
/// the offset is `-c`. So the table depends only on the edge values, however they were
/// computed (no padded `[rows, 2 max(c) + 1]` grid is ever built).
///
/// REQUIRES (checked, `InvalidArgument` otherwise): `centers` non-empty, every center
/// `>= 0` with `2 c + 2 <= 2^precision`, `edges.len() = sum(c + 2)`, and edges that make
/// each row's masses finite and non-negative (decreasing in `v`).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{parametric, Error};
///
/// // One Laplace row (b = 1) of center 2, its CDF taken at the upper bin edges.
/// let cdf = |x: f32| if x < 0.0 { 0.5 * x.exp() } else { 1.0 - 0.5 * (-x).exp() };
/// let c = 2;
/// let edges: Vec<f32> = (0..=c + 1).map(|v| cdf(0.5 - v as f32)).collect();
/// let table = parametric::table_from_edges(&edges, &[c], 16)?;
/// assert_eq!((table.offsets(), table.lengths()), (vec![-c], vec![2 * c + 3]));
///
/// // c + 2 edges a row.
/// let err = parametric::table_from_edges(&edges[1..], &[c], 16).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn table_from_edges(edges: &[f32], centers: &[i32], precision: u32) -> Result<CdfTable> {
    check_precision(precision)?;
    if centers.is_empty() {
        return Err(Error::invalid("centers is empty: give at least one row"));
    }
    let mut starts = Vec::with_capacity(centers.len());
    let mut total = 0usize;
    for (r, &c) in centers.iter().enumerate() {
        // 2c + 2 bins (with the escape bin) must fit the 2^precision slots.
        if c < 0 || 2 * c as i64 + 2 > 1i64 << precision {
            return Err(Error::invalid(format!(
                "centers[{r}] = {c}: centers must be in 0..={} at precision={precision}",
                (1i64 << (precision - 1)) - 1
            )));
        }
        starts.push(total);
        total += c as usize + 2;
    }
    if edges.len() != total {
        return Err(Error::invalid(format!(
            "edges has {} entries but the centers need {total} (center + 2 per row)",
            edges.len()
        )));
    }
    let offsets: Vec<i32> = centers.iter().map(|&c| -c).collect();
    CdfTable::from_pmf_fn(centers.len(), &offsets, precision, |r| {
        let c = centers[r] as usize;
        let edge = &edges[starts[r]..starts[r] + c + 2];
        let mut pmf = Vec::with_capacity(2 * c + 2);
        // Bins c, c-1, ..., 0 then 1, ..., c of distance: the row is symmetric.
        pmf.extend((0..=c).rev().map(|v| edge[v] - edge[v + 1]));
        pmf.extend((1..=c).map(|v| edge[v] - edge[v + 1]));
        pmf.push(2.0 * edge[c + 1]);
        Ok(pmf)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_matches_known_values() {
        // scipy.stats.norm.ppf(5e-10) = -6.109410204869...
        let q = normal_quantile(5e-10);
        assert!((q + 6.109410204869).abs() < 1e-9, "{q}");
        assert!((normal_quantile(0.025) + 1.959963984540054).abs() < 1e-12);
    }

    #[test]
    fn layout_like_compressai() {
        let t = gaussian_table(&[0.11, 1.0, 10.0], 16, 1e-9).unwrap();
        // centers: ceil(0.11 * 6.1094) = 1, ceil(6.1094) = 7, ceil(61.094) = 62.
        assert_eq!(t.offsets(), vec![-1, -7, -62]);
        assert_eq!(t.lengths(), vec![5, 17, 127]);
        let l = laplace_table(&[1.0], 16, 1e-9).unwrap();
        // table_from_edges lays rows out the same way.
        let edges: Vec<f32> = [(1usize, 0.11f64), (7, 1.0), (62, 10.0)]
            .iter()
            .flat_map(|&(c, s)| (0..c + 2).map(move |v| normal_cdf((0.5 - v as f64) / s) as f32))
            .collect();
        let e = table_from_edges(&edges, &[1, 7, 62], 16).unwrap();
        assert_eq!(e.offsets(), t.offsets());
        assert_eq!(e.lengths(), t.lengths());
        // -ln(1e-9) = 20.72 -> center 21.
        assert_eq!(l.offsets(), vec![-21]);
    }

    #[test]
    fn table_from_edges_rows_are_the_mirrored_differences() {
        // Two rows: center 2 (4 edges) and center 0 (2 edges).
        let edges = [0.6f32, 0.3, 0.1, 0.01, 0.55, 0.2];
        let t = table_from_edges(&edges, &[2, 0], 16).unwrap();
        let row0 = [
            0.1f32 - 0.01,
            0.3 - 0.1,
            0.6 - 0.3,
            0.3 - 0.1,
            0.1 - 0.01,
            2.0 * 0.01,
        ];
        let want0 = crate::pmf_to_quantized_cdf(&row0, 16).unwrap();
        assert_eq!(t.row_cdf(0), want0.as_slice());
        let want1 = crate::pmf_to_quantized_cdf(&[0.55f32 - 0.2, 2.0 * 0.2], 16).unwrap();
        assert_eq!(t.row_cdf(1), want1.as_slice());
        assert_eq!(t.offsets(), vec![-2, 0]);
        assert_eq!(t.lengths(), vec![7, 3]);
    }

    #[test]
    fn table_from_edges_rejects_bad_inputs() {
        let edges = [0.6f32, 0.3, 0.1, 0.01];
        assert!(table_from_edges(&edges, &[2], 16).is_ok());
        assert!(table_from_edges(&edges, &[], 16).is_err()); // no rows
        assert!(table_from_edges(&edges, &[1], 16).is_err()); // too many edges
        assert!(table_from_edges(&edges, &[3], 16).is_err()); // too few edges
        assert!(table_from_edges(&edges, &[-1, 1], 16).is_err()); // negative center
        assert!(table_from_edges(&edges, &[2], 17).is_err()); // precision
        assert!(table_from_edges(&edges, &[2], 2).is_err()); // 6 bins > 2^2 slots
        let rising = [0.1f32, 0.3, 0.6, 0.7];
        assert!(table_from_edges(&rising, &[2], 16).is_err()); // negative masses
        let nan = [0.6f32, f32::NAN, 0.1, 0.01];
        assert!(table_from_edges(&nan, &[2], 16).is_err());
        let huge = vec![0.5f32; (1 << 15) + 2];
        assert!(table_from_edges(&huge, &[1 << 15], 16).is_err()); // 2^16 + 2 bins
    }
}
