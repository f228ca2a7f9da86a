//! Timings of `ParametricCoder` on Cool-Chic-like latents (the data of
//! `benches/python/bench_parametric.py`: means on a 1/256 grid in [-8, 8), scales
//! log-uniform 0.05..60, Laplace-drawn symbols), one thread, best of `runs`, with every
//! kernel the CPU has (AVX-512, AVX2, scalar) timed in turn in each round and checked to
//! give the same bytes and symbols. `once` codes each case once (for callgrind).
//!
//! `cargo run --release --example parametric_kernels [runs | once] [n]`

use std::time::{Duration, Instant};

use fastrans::ParametricCoder;

#[path = "common/kernels.rs"]
mod kernels;
use kernels::{Rng, KERNELS};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let once = args.get(1).is_some_and(|a| a == "once");
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut means = Vec::with_capacity(n);
    let mut scales = Vec::with_capacity(n);
    let mut symbols = Vec::with_capacity(n);
    for _ in 0..n {
        let m = ((rng.unit() * 16.0 - 8.0) * 256.0).floor() / 256.0;
        let s = (0.05f64.ln() + rng.unit() * (60f64 / 0.05).ln()).exp();
        let u = rng.unit() - 0.5;
        let draw = m - s * u.signum() * (1.0 - 2.0 * u.abs()).max(1e-300).ln();
        means.push(m as f32);
        scales.push(s as f32);
        symbols.push(draw.round().clamp(-64.0, 63.0) as i32);
    }
    let kernels = KERNELS;
    let cases = [
        ("laplace -64..63", "laplace", Some((-64, 63))),
        ("gaussian -64..63", "gaussian", Some((-64, 63))),
        ("gaussian windows", "gaussian", None),
    ];
    for (name, family, bounds) in cases {
        let coder = ParametricCoder::new(family, 16, bounds.map(|b| b.0), bounds.map(|b| b.1))
            .expect("a valid coder");
        let data = coder
            .encode(&symbols, &means, &scales, None, 1)
            .expect("valid inputs");
        if once {
            for (_, kernel) in kernels {
                kernel(&mut || {
                    let bytes = coder.encode(&symbols, &means, &scales, None, 1);
                    assert_eq!(bytes.as_deref().ok(), Some(&data[..]));
                    let back = coder.decode(&data, &means, &scales, None, 1);
                    assert_eq!(back.as_deref().ok(), Some(&symbols[..]));
                });
            }
            continue;
        }
        let mut best = [(Duration::MAX, Duration::MAX); 3];
        for _ in 0..runs {
            for (k, (_, kernel)) in kernels.iter().enumerate() {
                kernel(&mut || {
                    let t = Instant::now();
                    let bytes = coder.encode(&symbols, &means, &scales, None, 1);
                    best[k].0 = best[k].0.min(t.elapsed());
                    assert_eq!(bytes.as_deref().ok(), Some(&data[..]));
                    let t = Instant::now();
                    let back = coder.decode(&data, &means, &scales, None, 1);
                    best[k].1 = best[k].1.min(t.elapsed());
                    assert_eq!(back.as_deref().ok(), Some(&symbols[..]));
                });
            }
        }
        let rate = |d: Duration| n as f64 / d.as_secs_f64() / 1e6;
        for (k, (kernel, _)) in kernels.iter().enumerate() {
            println!(
                "{name:18} {kernel:7} encode {:6.1} Msym/s  decode {:6.1} Msym/s",
                rate(best[k].0),
                rate(best[k].1)
            );
        }
    }
}
