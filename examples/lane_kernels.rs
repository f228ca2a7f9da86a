//! W1-like timings of the lanes kernels, best of many runs, interleaved: the scalar, AVX2
//! and AVX-512 encoders (the last with and without the IFMA step), and the scalar, AVX2
//! and AVX-512 decoders, in one process on one
//! thread (the switches are per thread), checked to give the same bytes and values; or,
//! with `threads` given, whichever kernels `FASTRANS_SIMD` leaves on that many threads (run
//! it once per setting, alternating); or, with `ratios`, the scalar, AVX2 and best kernels
//! timed one after the other in every round, one thread, with the median and quartiles of
//! each round's ratio to the scalar kernel (on a shared, noisy host the paired ratio holds
//! better than best-of times); or, with `symbols`, those ratios for W1's symbols coded
//! with their rows given (`format::encode` / `format::decode`: no float work, no scale
//! lookup). The data is `benches/common/w1.rs`.
//!
//! `cargo run --release --example lane_kernels [runs] [threads | ratios | symbols]`

use std::time::{Duration, Instant};

use fastrans::testing::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
use fastrans::StreamFormat;

#[path = "../benches/common/w1.rs"]
mod w1;
use w1::{w1, w1_coder, N};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let threads: Option<usize> = args.get(2).and_then(|a| a.parse().ok());
    let ratios = args.get(2).is_some_and(|a| a == "ratios");
    let symbol_ratios = args.get(2).is_some_and(|a| a == "symbols");
    let coder = w1_coder(16);
    let (y, means, scales) = w1();
    let fmt = StreamFormat::Fastrans;
    let data = coder
        .encode(&y, &scales, Some(&means), fmt, 1)
        .expect("encode");
    let decode = |t: usize| {
        coder
            .decode(&data, &scales, Some(&means), fmt, t)
            .expect("decode")
    };
    let reference = with_scalar_lanes(|| decode(1));
    let time = |f: &dyn Fn() -> Vec<f32>, best: &mut Duration| {
        let t0 = Instant::now();
        let out = f();
        *best = (*best).min(t0.elapsed());
        assert!(out == reference, "decoders disagree");
    };
    let report = |name: &str, best: Duration| {
        let ms = best.as_secs_f64() * 1e3;
        let msym = N as f64 / best.as_secs_f64() / 1e6;
        println!("{name:>8}: {ms:7.3} ms  {msym:6.1} Msym/s (per W1)");
    };
    let encode = |t: usize| {
        coder
            .encode(&y, &scales, Some(&means), fmt, t)
            .expect("encode")
    };
    let time_enc = |f: &dyn Fn() -> Vec<u8>, best: &mut Duration| {
        let t0 = Instant::now();
        let out = f();
        *best = (*best).min(t0.elapsed());
        assert!(out == data, "encoders disagree");
    };
    if ratios {
        paired_ratios(runs, "W1", &|| drop(encode(1)), &|| drop(decode(1)));
        return;
    }
    if symbol_ratios {
        let indexes = coder.indexes(&scales).expect("indexes");
        let symbols = fastrans::format::decode(coder.table(), &data, &indexes, 1).expect("decode");
        let table = coder.table();
        let encode = || fastrans::format::encode(table, &symbols, &indexes, 1).expect("encode");
        let stream = encode();
        let decode = || fastrans::format::decode(table, &stream, &indexes, 1).expect("decode");
        assert!(with_scalar_lanes(encode) == stream && with_avx2_lanes(decode) == symbols);
        paired_ratios(runs, "W1 symbols", &|| drop(encode()), &|| drop(decode()));
        return;
    }
    if let Some(t) = threads {
        let (mut enc, mut dec) = (Duration::MAX, Duration::MAX);
        for _ in 0..runs {
            time_enc(&|| encode(t), &mut enc);
            time(&|| decode(t), &mut dec);
        }
        let env = std::env::var("FASTRANS_SIMD").unwrap_or_default();
        report(&format!("enc {t}t {env}"), enc);
        report(&format!("dec {t}t {env}"), dec);
        return;
    }
    // The same stream decoded to symbols, rows given (no float work).
    let indexes = coder.indexes(&scales).expect("indexes");
    let symbols = || fastrans::format::decode(coder.table(), &data, &indexes, 1).expect("decode");
    let sym_ref = with_scalar_lanes(symbols);
    let time_sym = |f: &dyn Fn() -> Vec<i32>, best: &mut Duration| {
        let t0 = Instant::now();
        let out = f();
        *best = (*best).min(t0.elapsed());
        assert!(out == sym_ref, "decoders disagree");
    };
    // W1's first half alone: one chunk, as each of two threads decodes it.
    let half = N / 2;
    let data1 = coder
        .encode(&y[..half], &scales[..half], Some(&means[..half]), fmt, 1)
        .expect("encode");
    let decode1 = || {
        coder
            .decode(&data1, &scales[..half], Some(&means[..half]), fmt, 1)
            .expect("decode")
    };
    let ref1 = with_scalar_lanes(decode1);
    let time1 = |f: &dyn Fn() -> Vec<f32>, best: &mut Duration| {
        let t0 = Instant::now();
        let out = f();
        *best = (*best).min(t0.elapsed());
        assert!(out == ref1, "decoders disagree");
    };
    let mut best = [Duration::MAX; 9];
    let mut enc = [Duration::MAX; 4];
    for _ in 0..runs {
        time_enc(&|| with_scalar_lanes(|| encode(1)), &mut enc[0]);
        time_enc(&|| encode(1), &mut enc[1]);
        time_enc(&|| with_avx512_lanes(|| encode(1)), &mut enc[2]);
        time_enc(&|| with_avx2_lanes(|| encode(1)), &mut enc[3]);
        time1(&|| with_scalar_lanes(decode1), &mut best[6]);
        time1(&|| with_avx2_lanes(decode1), &mut best[7]);
        time1(&decode1, &mut best[8]);
        time(&|| with_scalar_lanes(|| decode(1)), &mut best[0]);
        time(&|| with_avx2_lanes(|| decode(1)), &mut best[1]);
        time(&|| decode(1), &mut best[2]);
        time_sym(&|| with_scalar_lanes(symbols), &mut best[3]);
        time_sym(&|| with_avx2_lanes(symbols), &mut best[4]);
        time_sym(&symbols, &mut best[5]);
    }
    println!("ScaleCoder encode (floats), 1 thread:");
    report("scalar", enc[0]);
    report("avx2", enc[3]);
    report("no ifma", enc[2]);
    report("default", enc[1]);
    println!("ScaleCoder decode (floats), 1 thread:");
    report("scalar", best[0]);
    report("avx2", best[1]);
    report("default", best[2]);
    println!("decode to symbols, rows given, 1 thread:");
    report("scalar", best[3]);
    report("avx2", best[4]);
    report("default", best[5]);
    println!("ScaleCoder decode, W1's first half (one chunk: as each of 2 threads), 1 thread:");
    report("scalar", best[6] * 2);
    report("avx2", best[7] * 2);
    report("default", best[8] * 2);
}

/// Per round: the scalar, AVX2 and best kernels, encoding then decoding W1 once each (the
/// order rotating), each round's times divided into the scalar kernel's. Prints the best
/// times and the ratios' median and quartiles.
fn paired_ratios(runs: usize, label: &str, enc: &dyn Fn(), dec: &dyn Fn()) {
    type Kernel = fn(&dyn Fn() -> Duration) -> Duration;
    let kernels: [(&str, Kernel); 3] = [
        ("scalar", |f| with_scalar_lanes(f)),
        ("avx2", |f| with_avx2_lanes(f)),
        ("best", |f| f()),
    ];
    let timed = |f: &dyn Fn()| {
        let t0 = Instant::now();
        f();
        t0.elapsed()
    };
    let work: [(&str, &dyn Fn()); 2] = [("encode", enc), ("decode", dec)];
    for (what, f) in work {
        let mut times = vec![[Duration::ZERO; 3]; runs];
        for (r, row) in times.iter_mut().enumerate() {
            for i in 0..3 {
                let k = (r + i) % 3;
                row[k] = (kernels[k].1)(&|| timed(f));
            }
        }
        println!("{label} {what}, 1 thread, {runs} rounds:");
        for (k, (name, _)) in kernels.iter().enumerate() {
            let best = times.iter().map(|t| t[k]).min().unwrap_or_default();
            let mut ratio: Vec<f64> = times
                .iter()
                .map(|t| t[0].as_secs_f64() / t[k].as_secs_f64())
                .collect();
            ratio.sort_by(f64::total_cmp);
            let q = |f: f64| ratio[((ratio.len() - 1) as f64 * f).round() as usize];
            println!(
                "{name:>8}: best {:7.3} ms  scalar/this median {:.2}x (quartiles {:.2}-{:.2})",
                best.as_secs_f64() * 1e3,
                q(0.5),
                q(0.25),
                q(0.75)
            );
        }
    }
}
