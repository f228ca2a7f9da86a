//! Rate: symbols drawn from the exact discretized laws cost, under the quantized models,
//! little more than their information content (computed in `f64` with `libm`). The
//! parameters are Cool-Chic-like: means on a 1/256 grid, scales log-uniform 0.05..60,
//! support -64..63 at precision 16.

use super::*;
use crate::test_rng::xorshift64;

const SYMBOLS: usize = 200_000;

fn exact_cdf(fam: Family, t: f64) -> f64 {
    match fam {
        Family::Gaussian => 0.5 * libm::erfc(-t / std::f64::consts::SQRT_2),
        Family::Laplace if t < 0.0 => 0.5 * libm::exp(t),
        Family::Laplace => 1.0 - 0.5 * libm::exp(-t),
        Family::Logistic => 1.0 / (1.0 + libm::exp(-t)),
    }
}

/// Mass of the standardised interval `[a, b]`, without cancellation in the upper tail
/// (the laws are symmetric: `1 - F(t) = F(-t)`).
fn exact_mass(fam: Family, a: f64, b: f64) -> f64 {
    if a >= 0.0 {
        exact_cdf(fam, -a) - exact_cdf(fam, -b)
    } else {
        exact_cdf(fam, b) - exact_cdf(fam, a)
    }
}

/// A standard variate of `fam` from two uniforms in (0, 1).
fn standard_draw(fam: Family, u: f64, v: f64) -> f64 {
    match fam {
        Family::Gaussian => {
            libm::sqrt(-2.0 * libm::log(u)) * libm::cos(2.0 * std::f64::consts::PI * v)
        }
        Family::Laplace if u < 0.5 => libm::log(2.0 * u),
        Family::Laplace => -libm::log(2.0 * (1.0 - u)),
        Family::Logistic => libm::log(u / (1.0 - u)),
    }
}

struct Rng(Box<dyn FnMut() -> u64>);

impl Rng {
    fn uniform(&mut self) -> f64 {
        (((self.0)() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn mean(&mut self) -> f32 {
        ((self.uniform() * 8.0 - 4.0) * 256.0).round() as f32 / 256.0
    }
    fn scale(&mut self) -> f32 {
        let (lo, hi) = (libm::log(0.05), libm::log(60.0));
        libm::exp(lo + (hi - lo) * self.uniform()) as f32
    }
}

/// (model bits, ideal bits) over `SYMBOLS` symbols of random `k`-component laws.
fn measure(fam: Family, k: usize, seed: u64) -> (f64, f64) {
    let (lower, upper) = (-64i32, 63i32);
    let spec = ModelSpec::new(fam, 16, Some(lower), Some(upper)).unwrap();
    let mut rng = Rng(Box::new(xorshift64(seed)));
    let (mut model, mut ideal) = (0f64, 0f64);
    for _ in 0..SYMBOLS {
        let means: Vec<f32> = (0..k).map(|_| rng.mean()).collect();
        let scales: Vec<f32> = (0..k).map(|_| rng.scale()).collect();
        let raw: Vec<f32> = (0..k).map(|_| rng.uniform() as f32 + 0.05).collect();
        let total: f32 = raw.iter().sum();
        let weights: Vec<f32> = raw.iter().map(|w| w / total).collect();
        let wsum: f64 = weights.iter().map(|&w| w as f64).sum();
        // Pick a component by weight, draw from it, round to a bin (tails to the ends).
        let mut pick = rng.uniform() * wsum;
        let mut j = 0;
        while j + 1 < k && pick >= weights[j] as f64 {
            pick -= weights[j] as f64;
            j += 1;
        }
        let z = standard_draw(fam, rng.uniform(), rng.uniform());
        let x = means[j] as f64 + scales[j] as f64 * z;
        let symbol = (libm::floor(x + 0.5) as i64).clamp(lower as i64, upper as i64) as i32;

        let a = if symbol == lower {
            f64::NEG_INFINITY
        } else {
            symbol as f64 - 0.5
        };
        let b = if symbol == upper {
            f64::INFINITY
        } else {
            symbol as f64 + 0.5
        };
        let mut p = 0f64;
        for c in 0..k {
            let (m, s) = (means[c] as f64, scales[c] as f64);
            p += weights[c] as f64 / wsum * exact_mass(fam, (a - m) / s, (b - m) / s);
        }
        ideal -= libm::log2(p);

        let freq = if k == 1 {
            let params = spec.single(means[0], scales[0]);
            spec.interval(&params, spec.bin_of(&params, symbol).unwrap())
                .1
        } else {
            let params = spec.mixture(&means, &scales, &weights);
            spec.interval(&params, spec.bin_of(&params, symbol).unwrap())
                .1
        };
        model += 16.0 - libm::log2(freq as f64);
    }
    (model, ideal)
}

/// Overhead of the quantized model: below `rel` of the information plus `per_symbol`
/// bits a symbol. The constant is the price of one slot for each of the 128 bins
/// (`-log2(1 - 128 / 2^16)` ≈ 0.0028 bits), paid even by symbols of near-zero information.
fn assert_overhead(fam: Family, k: usize, rel: f64) {
    let per_symbol = 0.004;
    let (model, ideal) = measure(fam, k, 0x5eed_0000 + k as u64);
    let over = model - ideal;
    let n = SYMBOLS as f64;
    println!(
        "{fam:?} K={k}: {:.4} bits/symbol ideal, overhead {:.5} bits/symbol ({:.3}% of info)",
        ideal / n,
        over / n,
        100.0 * over / ideal
    );
    assert!(
        over <= rel * ideal + per_symbol * n,
        "{fam:?} K={k}: {model} vs {ideal}"
    );
}

#[test]
fn laplace_rate_overhead() {
    assert_overhead(Family::Laplace, 1, 0.002);
}

#[test]
fn gaussian_rate_overhead() {
    assert_overhead(Family::Gaussian, 1, 0.002);
}

#[test]
fn logistic_rate_overhead() {
    assert_overhead(Family::Logistic, 1, 0.002);
}

#[test]
fn gaussian_mixture_rate_overhead() {
    assert_overhead(Family::Gaussian, 3, 0.003);
}

/// Bits of an escaped value's bypass chunks (`coding/escape.rs`): its chunk count as a
/// run of 15s plus a remainder, then the chunks, 4 bits each.
fn escape_payload_bits(symbol: i32, lower: i32, direct: i64) -> f64 {
    let v = symbol as i64 - lower as i64;
    let raw = if v < 0 {
        (-2 * v - 1) as u64
    } else {
        (2 * (v - direct)) as u64
    };
    let chunks = (64 - raw.leading_zeros()).div_ceil(4) as u64;
    (4 * (chunks / 15 + 1) + 4 * chunks) as f64
}

/// The windowed support (no bounds) on unclipped draws: the window's bins, the escape bin
/// and its payload, against the information over all integers.
fn measure_windowed(fam: Family, seed: u64) -> (f64, f64) {
    let spec = ModelSpec::new(fam, 16, None, None).unwrap();
    let mut rng = Rng(Box::new(xorshift64(seed)));
    let (mut model, mut ideal) = (0f64, 0f64);
    for _ in 0..SYMBOLS {
        let (mean, scale) = (rng.mean(), rng.scale());
        let z = standard_draw(fam, rng.uniform(), rng.uniform());
        let symbol = libm::floor(mean as f64 + scale as f64 * z + 0.5) as i32;
        let (m, s) = (mean as f64, scale as f64);
        let p = exact_mass(
            fam,
            (symbol as f64 - 0.5 - m) / s,
            (symbol as f64 + 0.5 - m) / s,
        );
        ideal -= libm::log2(p);
        let params = spec.single(mean, scale);
        let (bin, payload) = match spec.bin_of(&params, symbol) {
            Some(bin) => (bin, 0.0),
            None => {
                let (lower, direct) = (params.support.lower, params.support.direct_bins());
                (
                    params.bins - 1,
                    escape_payload_bits(symbol, lower, direct as i64),
                )
            }
        };
        model += 16.0 - libm::log2(spec.interval(&params, bin).1 as f64) + payload;
    }
    (model, ideal)
}

#[test]
fn windowed_rate_overhead() {
    for fam in [Family::Gaussian, Family::Laplace, Family::Logistic] {
        let (model, ideal) = measure_windowed(fam, 0x5eed_1000 + fam.code() as u64);
        let (over, n) = (model - ideal, SYMBOLS as f64);
        println!(
            "{fam:?} windowed: {:.4} bits/symbol ideal, overhead {:.5} bits/symbol ({:.3}%)",
            ideal / n,
            over / n,
            100.0 * over / ideal
        );
        assert!(
            over <= 0.002 * ideal + 0.004 * n,
            "{fam:?}: {model} vs {ideal}"
        );
    }
}
