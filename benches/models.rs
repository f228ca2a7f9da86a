//! Criterion benches of the per-symbol parametric models: `interval` (the encoder's view,
//! law preparation included) and `find` (the decoder's) per symbol, on Cool-Chic-like
//! laws: means on a 1/256 grid, scales log-uniform 0.05..60, support -64..63, precision 16.
//!
//! The models are crate-private until the parametric coder exposes them, so this bench
//! compiles their sources itself, with the crate items they import supplied from the
//! public API (and the test generator, since benches build with `cfg(test)` set).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

mod error {
    pub(crate) use fastrans::{Error, Result};
}
mod tables {
    pub(crate) mod pmf {
        pub(crate) use fastrans::testing::check_precision;
    }
}
// Only part of the models is benched here; the coder uses the rest.
#[allow(unused_imports, dead_code)]
#[path = "../rust/core/models/mod.rs"]
mod models;
#[cfg(test)]
#[path = "../rust/core/test_rng.rs"]
mod test_rng;

use models::{Dist, Family, ModelSpec, Params};

const N: usize = 1 << 14;
const K: usize = 3;

/// Per-symbol laws (component-major for the mixture), a symbol drawn near each law's
/// mean, and a slot inside each symbol's interval under the single-component laws.
struct Workload {
    means: Vec<f32>,
    scales: Vec<f32>,
    weights: Vec<f32>,
    symbols: Vec<i32>,
}

fn workload() -> Workload {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let (lo, hi) = (0.05f64.ln(), 60f64.ln());
    let mut w = Workload {
        means: Vec::new(),
        scales: Vec::new(),
        weights: vec![0.0; K * N],
        symbols: Vec::new(),
    };
    for _ in 0..K * N {
        w.means
            .push(((uniform() * 8.0 - 4.0) * 256.0).round() as f32 / 256.0);
        w.scales.push((lo + (hi - lo) * uniform()).exp() as f32);
    }
    for i in 0..N {
        let raw: Vec<f64> = (0..K).map(|_| uniform() + 0.05).collect();
        let total: f64 = raw.iter().sum();
        for (j, r) in raw.iter().enumerate() {
            w.weights[j * N + i] = (r / total) as f32;
        }
        // A Laplace-ish draw: the mean plus a signed exponential times the scale.
        let u = uniform();
        let z = if u < 0.5 {
            (2.0 * u).ln()
        } else {
            -(2.0 * (1.0 - u)).ln()
        };
        let x = w.means[i] as f64 + w.scales[i] as f64 * z;
        w.symbols.push(((x + 0.5).floor() as i32).clamp(-64, 63));
    }
    w
}

fn mixture(spec: &ModelSpec, w: &Workload, i: usize) -> Params<models::Mixture> {
    let at = [i, N + i, 2 * N + i];
    let means = at.map(|a| w.means[a]);
    let scales = at.map(|a| w.scales[a]);
    let weights = at.map(|a| w.weights[a]);
    spec.mixture(&means, &scales, &weights)
}

fn run<D: Dist>(
    c: &mut Criterion,
    name: &str,
    spec: &ModelSpec,
    w: &Workload,
    law: impl Fn(usize) -> Params<D>,
) {
    // Slots the decoder sees: one inside each symbol's interval.
    let slots: Vec<u32> = (0..N)
        .map(|i| {
            let p = law(i);
            let bin = spec.bin_of(&p, w.symbols[i]).unwrap_or(0);
            let (start, freq) = spec.interval(&p, bin);
            start + (i as u32).wrapping_mul(2654435761) % freq
        })
        .collect();
    let mut g = c.benchmark_group(format!("models/{name}"));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("interval", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for i in 0..N {
                let p = law(i);
                let bin = spec.bin_of(&p, w.symbols[i]).unwrap_or(0);
                let (start, freq) = spec.interval(&p, bin);
                acc = acc.wrapping_add(start ^ freq);
            }
            black_box(acc)
        })
    });
    g.bench_function("find", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for (i, &slot) in slots.iter().enumerate() {
                let (bin, start, freq) = spec.find(&law(i), slot);
                acc = acc.wrapping_add(bin ^ start ^ freq);
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn bench_models(c: &mut Criterion) {
    let w = workload();
    for fam in [Family::Laplace, Family::Gaussian, Family::Logistic] {
        let spec = ModelSpec::new(fam, 16, Some(-64), Some(63)).expect("valid model");
        run(c, fam.name(), &spec, &w, |i| {
            spec.single(w.means[i], w.scales[i])
        });
    }
    let spec = ModelSpec::new(Family::Laplace, 16, None, None).expect("valid model");
    run(c, "laplace_windowed", &spec, &w, |i| {
        spec.single(w.means[i], w.scales[i])
    });
    let spec = ModelSpec::new(Family::Gaussian, 16, Some(-64), Some(63)).expect("valid model");
    run(c, "gaussian_mixture3", &spec, &w, |i| mixture(&spec, &w, i));
}

criterion_group!(benches, bench_models);
criterion_main!(benches);
