//! Criterion benches of the fastrans stream on a W1-like workload (1×320×48×64 floats,
//! the 64-entry CompressAI scale table): the fused ScaleCoder end to end (floats → bytes →
//! floats) and the plain symbol/index path, on one thread and on every core.
//! Run with `cargo bench --bench fastrans_format`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fastrans::format;
use fastrans::StreamFormat;

#[path = "common/w1.rs"]
mod w1;
use w1::{w1, w1_coder, N};

fn bench(c: &mut Criterion) {
    let coder = w1_coder(16);
    let table = coder.table().clone();
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
