//! Timings of `float_cdf` (torchac's per-symbol float CDFs) on the data of
//! `benches/python/bench_torchac.py` (discretized Laplace rows over `L` levels, random
//! centres and scales), one thread, best of `runs`, with every kernel the CPU has
//! (AVX-512, AVX2, scalar) in turn in each round, checked to give the same bytes and
//! symbols; beside one bare pass summing the CDF tensor, the memory's bound. `once` codes
//! each kernel once (for callgrind or perf).
//!
//! `cargo run --release --example float_cdf_kernels [runs | once] [n] [levels]`

use std::time::{Duration, Instant};

use fastrans::float_cdf;

#[path = "common/kernels.rs"]
mod kernels;
use kernels::{Rng, KERNELS};

/// `n` rows of `levels + 1` floats (Laplace laws discretized over `0..levels`) and a
/// symbol drawn from each.
fn laplace_rows(n: usize, levels: usize) -> (Vec<f32>, Vec<i32>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cdf = Vec::with_capacity(n * (levels + 1));
    let mut symbols = Vec::with_capacity(n);
    let laplace = |z: f64| {
        if z < 0.0 {
            0.5 * z.exp()
        } else {
            1.0 - 0.5 * (-z).exp()
        }
    };
    for _ in 0..n {
        let centre = rng.unit() * (levels - 1) as f64;
        let scale = (0.3f64.ln() + rng.unit() * (20f64 / 0.3).ln()).exp();
        let lo = laplace((-0.5 - centre) / scale);
        let hi = laplace((levels as f64 - 0.5 - centre) / scale);
        let row: Vec<f32> = (0..=levels)
            .map(|k| ((laplace((k as f64 - 0.5 - centre) / scale) - lo) / (hi - lo)) as f32)
            .collect();
        let u = rng.unit() as f32;
        let s = row[1..].iter().filter(|&&c| c <= u).count().min(levels - 1);
        cdf.extend(row);
        symbols.push(s as i32);
    }
    (cdf, symbols)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let once = args.get(1).is_some_and(|a| a == "once");
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let levels: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(128);
    let (cdf, symbols) = laplace_rows(n, levels);
    let data = float_cdf::encode(&cdf, levels, &symbols, 1).expect("valid rows");
    let kernels = KERNELS;
    let mut best = [[Duration::MAX; 2]; 3];
    let mut bare = Duration::MAX;
    for _ in 0..if once { 1 } else { runs } {
        let t = Instant::now();
        // Integer work, so that the pass runs in vectors.
        let bits = cdf.iter().fold(0u32, |acc, c| acc ^ c.to_bits());
        std::hint::black_box(bits);
        bare = bare.min(t.elapsed());
        for (i, (_, kernel)) in kernels.iter().enumerate() {
            kernel(&mut || {
                let t = Instant::now();
                let bytes = float_cdf::encode(&cdf, levels, &symbols, 1).expect("encode");
                best[i][0] = best[i][0].min(t.elapsed());
                assert_eq!(bytes, data);
                let t = Instant::now();
                let got = float_cdf::decode(&data, &cdf, levels, 1).expect("decode");
                best[i][1] = best[i][1].min(t.elapsed());
                assert_eq!(got, symbols);
            });
        }
    }
    let rate = |d: Duration| n as f64 / d.as_secs_f64() / 1e6;
    println!(
        "{n} symbols, L = {levels}, {} bytes; Msym/s, best of {runs}",
        data.len()
    );
    println!("one bare pass over the CDF: {:.1}", rate(bare));
    for (i, (name, _)) in kernels.iter().enumerate() {
        println!(
            "{name:<8} encode {:>6.1}  decode {:>6.1}",
            rate(best[i][0]),
            rate(best[i][1])
        );
    }
}
