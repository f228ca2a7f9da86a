//! Criterion benches of the fastrans stream on a W1-like workload (1×320×48×64 floats,
//! the 64-entry CompressAI scale table): the fused ScaleCoder end to end (floats → bytes →
//! floats) and the plain symbol/index path, on one thread and on every core.
//! Run with `cargo bench --bench fastrans_format`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fastrans::format;
use fastrans::gaussian::gaussian_table;
use fastrans::scale_coder::{ScaleCoder, StreamFormat};

const N: usize = 320 * 48 * 64;

fn scale_table() -> Vec<f64> {
    (0..64)
        .map(|i| (0.11f64.ln() + (256f64.ln() - 0.11f64.ln()) * i as f64 / 63.0).exp())
        .collect()
}

/// W1-like floats: scales log-uniform 0.12..30, means ~N(0, 3), y = means + scales·N(0, 1).
fn w1() -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let normal = |unit: &mut dyn FnMut() -> f64| {
        let (u, v) = (unit().max(1e-300), unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let (mut y, mut m, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..N {
        let scale = (0.12f64.ln() + unit() * (30f64.ln() - 0.12f64.ln())).exp();
        let mean = 3.0 * normal(&mut unit);
        s.push(scale as f32);
        m.push(mean as f32);
        y.push((mean + scale * normal(&mut unit)) as f32);
    }
    (y, m, s)
}

fn bench(c: &mut Criterion) {
    let table = Arc::new(gaussian_table(&scale_table(), 16, 1e-9).expect("valid table"));
    let st: Vec<f32> = scale_table().iter().map(|&s| s as f32).collect();
    let coder = ScaleCoder::new(table.clone(), &st, 0.11).expect("valid coder");
    let (y, means, scales) = w1();
    let fmt = StreamFormat::Fastrans;
    let data = coder
        .encode(&y, &scales, Some(&means), fmt, 1)
        .expect("encode");
    let indexes = coder.indexes(&scales).expect("indexes");
    let symbols = format::decode(&table, &data, &indexes, 1).expect("decode");

    let mut g = c.benchmark_group("fastrans_format");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    for (name, threads) in [("1_thread", 1usize), ("all_threads", 0)] {
        g.bench_function(format!("scale_coder_encode/{name}"), |b| {
            b.iter(|| {
                coder
                    .encode(&y, &scales, Some(&means), fmt, threads)
                    .expect("encode")
            })
        });
        g.bench_function(format!("scale_coder_decode/{name}"), |b| {
            b.iter(|| {
                coder
                    .decode(&data, &scales, Some(&means), fmt, threads)
                    .expect("decode")
            })
        });
        g.bench_function(format!("symbols_encode/{name}"), |b| {
            b.iter(|| format::encode(&table, &symbols, &indexes, threads).expect("encode"))
        });
        g.bench_function(format!("symbols_decode/{name}"), |b| {
            b.iter(|| format::decode(&table, &data, &indexes, threads).expect("decode"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
