//! The W1-like workload the Rust benches and examples share: 1×320×48×64 floats with
//! scales log-uniform in 0.12..30, means ~N(0, 3) and values = means + scales·N(0, 1), and
//! CompressAI's 64-entry scale table. (Included with `#[path]`: a file here is not a bench
//! target of its own.)

/// Symbols of the workload.
pub const N: usize = 320 * 48 * 64;

pub fn scale_table() -> Vec<f64> {
    (0..64)
        .map(|i| (0.11f64.ln() + (256f64.ln() - 0.11f64.ln()) * i as f64 / 63.0).exp())
        .collect()
}

/// W1-like floats: scales log-uniform 0.12..30, means ~N(0, 3), y = means + scales·N(0, 1).
pub fn w1() -> (Vec<f32>, Vec<f32>, Vec<f32>) {
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

/// CompressAI's 64-scale Gaussian table at precision `p` (tail mass 1e-9, as
/// `GaussianConditional`), as a `ScaleCoder` with scale bound 0.11.
#[allow(dead_code)]
pub fn w1_coder(p: u32) -> fastrans::ScaleCoder {
    let st = scale_table();
    let table = fastrans::parametric::gaussian_table(&st, p, 1e-9).expect("valid table");
    let st32: Vec<f32> = st.iter().map(|&s| s as f32).collect();
    fastrans::ScaleCoder::new(std::sync::Arc::new(table), &st32, 0.11).expect("valid coder")
}

/// The workload's bins `(start, freq)` in CompressAI's 64-scale Gaussian table at
/// precision `p`, in stream order, and the number of symbols left out because they would
/// take the escape path (for studies of the coder alone: `examples/rate_32x16.rs`,
/// `examples/encoder_division.rs`).
#[allow(dead_code)]
pub fn w1_bins(p: u32) -> (Vec<(u32, u32)>, usize) {
    let coder = w1_coder(p);
    let table = coder.table();
    let (y, means, scales) = w1();
    let rows = coder.indexes(&scales).expect("no NaN");
    let offsets = table.offsets();
    let (mut bins, mut escaped) = (Vec::with_capacity(y.len()), 0usize);
    for ((&v, &m), &r) in y.iter().zip(&means).zip(&rows) {
        let cdf = table.row_cdf(r as usize);
        let bin = (v - m).round_ties_even() as i64 - offsets[r as usize] as i64;
        // Bins 0 .. len - 2 code directly; the last one is the escape.
        if bin < 0 || bin >= cdf.len() as i64 - 2 {
            escaped += 1;
            continue;
        }
        let (start, end) = (cdf[bin as usize], cdf[bin as usize + 1]);
        bins.push((start, end - start));
    }
    (bins, escaped)
}
