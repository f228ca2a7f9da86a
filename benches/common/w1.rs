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
