//! The encoder's state update with a hardware division against the reciprocal
//! multiplication it uses (`EncSymbol`, Alverson's method: a 64x64 → 128-bit multiply, a
//! shift, a multiply and two adds), on W1's bins (`benches/common/w1.rs`), eight lanes
//! interleaved as in a chunk, one thread, best of many runs. The encoder's division
//! was chosen on this measurement (docs/PERFORMANCE.md, "The encoder's division").
//!
//! `cargo run --release --example encoder_division [runs]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use fastrans::testing::EncSymbol;

#[path = "../benches/common/w1.rs"]
mod w1;
use w1::w1_bins;

const P: u32 = 16;
const LANES: usize = 8;
const L: u64 = 1 << 31;

/// Codes `bins` into eight lanes with `step` (after the renormalisation both variants
/// share), returning the final states and the word count.
fn encode(bins: &[(u32, u32)], step: impl Fn(u64, usize) -> u64) -> (u64, usize) {
    let mut x = [L; LANES];
    let mut words = 0usize;
    for i in (0..bins.len()).rev() {
        let k = i % LANES;
        let x_max = ((L >> P) << 32) * bins[i].1 as u64;
        if x[k] >= x_max {
            x[k] >>= 32;
            words += 1;
        }
        x[k] = step(x[k], i);
    }
    (x.iter().fold(0, |a, &v| a ^ v), words)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let (bins, _) = w1_bins(P);
    let syms: Vec<EncSymbol> = bins.iter().map(|&(s, f)| EncSymbol::new(s, f, P)).collect();
    let divide = |x: u64, i: usize| {
        let (start, freq) = bins[i];
        ((x / freq as u64) << P) + x % freq as u64 + start as u64
    };
    let reciprocal = |x: u64, i: usize| {
        let s = &syms[i];
        let q = (((x as u128) * (s.rcp as u128)) >> 64) as u64 >> s.shift;
        x.wrapping_add(s.bias as u64)
            .wrapping_add(q.wrapping_mul(s.cmpl_freq as u64))
    };
    let want = encode(&bins, divide);
    assert_eq!(encode(&bins, reciprocal), want, "the two updates disagree");
    let (mut best_div, mut best_rcp) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let t = Instant::now();
        black_box(encode(black_box(&bins), divide));
        best_div = best_div.min(t.elapsed());
        let t = Instant::now();
        black_box(encode(black_box(&bins), reciprocal));
        best_rcp = best_rcp.min(t.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e9 / bins.len() as f64;
    println!(
        "{} symbols, 8 lanes: division {:.3} ms ({:.2} ns/symbol), reciprocal {:.3} ms ({:.2} ns/symbol): {:.2}x",
        bins.len(),
        best_div.as_secs_f64() * 1e3,
        per(best_div),
        best_rcp.as_secs_f64() * 1e3,
        per(best_rcp),
        best_div.as_secs_f64() / best_rcp.as_secs_f64()
    );
}
