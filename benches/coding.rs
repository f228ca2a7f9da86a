//! Criterion benches of the core: CompressAI-format encode/decode on a W1-like workload and
//! pmf → quantized CDF on a wide Gaussian pmf. Run with `cargo bench` (or `make bench`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fastrans::{compressai, pmf_to_quantized_cdf, CdfTable};

/// A discretised Gaussian pmf with `2*half+1` bins for `scale`, tails left out.
fn gaussian_pmf(scale: f64, half: usize) -> Vec<f32> {
    let erf_like = |x: f64| 1.0 / (1.0 + (-1.702 * x).exp()); // logistic approx. is enough here
    (0..2 * half + 1)
        .map(|i| {
            let v = i as f64 - half as f64;
            (erf_like((v + 0.5) / scale) - erf_like((v - 0.5) / scale)) as f32
        })
        .collect()
}

/// 64 tables for scales 0.11 .. 256, CompressAI layout.
fn tables() -> CdfTable {
    let mut rows = Vec::new();
    let mut lengths = Vec::new();
    let mut offsets = Vec::new();
    for k in 0..64 {
        let scale = (0.11f64.ln() + (256f64.ln() - 0.11f64.ln()) * k as f64 / 63.0).exp();
        let half = ((scale * 6.0).ceil() as usize).max(1);
        let mut pmf = gaussian_pmf(scale, half);
        pmf.push(1e-6); // escape bin
        let cdf = pmf_to_quantized_cdf(&pmf, 16).expect("valid pmf");
        lengths.push(cdf.len() as i32);
        offsets.push(-(half as i32));
        rows.push(cdf.into_iter().map(|c| c as i32).collect::<Vec<_>>());
    }
    CdfTable::from_rows(&rows, &lengths, &offsets, 16).expect("valid tables")
}

/// A deterministic W1-like stream: small symbols, mixed rows.
fn workload(n: usize) -> (Vec<i32>, Vec<i32>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let r = next();
            let idx = (r % 40) as i32;
            let sym = ((r >> 8) % 7) as i32 - 3;
            (sym, idx)
        })
        .unzip()
}

fn bench_compressai(c: &mut Criterion) {
    let table = tables();
    let (symbols, indexes) = workload(1 << 20);
    let data = compressai::encode(&table, &symbols, &indexes).expect("encode");
    let mut g = c.benchmark_group("compressai_format");
    g.throughput(Throughput::Elements(symbols.len() as u64));
    g.bench_function("encode", |b| {
        b.iter(|| compressai::encode(&table, &symbols, &indexes).expect("encode"))
    });
    g.bench_function("decode", |b| {
        b.iter(|| compressai::decode(&table, &data, &indexes).expect("decode"))
    });
    g.finish();
}

fn bench_pmf(c: &mut Criterion) {
    let mut pmf = gaussian_pmf(256.0, 1566);
    pmf.push(1e-9);
    c.bench_function("pmf_to_quantized_cdf/3134", |b| {
        b.iter(|| pmf_to_quantized_cdf(&pmf, 16).expect("valid pmf"))
    });
}

criterion_group!(benches, bench_compressai, bench_pmf);
criterion_main!(benches);
