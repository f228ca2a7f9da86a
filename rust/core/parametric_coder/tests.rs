//! The coder's rate against the models' information content: what the escape rule, the
//! lanes and the header add over `-log2(freq / 2^P)` summed over the symbols.

use crate::models::{Family, ModelSpec};
use crate::test_rng::xorshift64;

use super::ParametricCoder;

#[test]
fn bytes_are_within_a_few_bytes_of_the_models_information() {
    let mut next = xorshift64(3);
    let mut unit = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
    let n = 50_000;
    let coder = ParametricCoder::new("laplace", 16, Some(-64), Some(63)).unwrap();
    let spec = ModelSpec::new(Family::Laplace, 16, Some(-64), Some(63)).unwrap();
    let mut symbols = Vec::new();
    let mut means = Vec::new();
    let mut scales = Vec::new();
    let mut bits = 0f64;
    for _ in 0..n {
        let m = ((unit() * 8192.0).floor() as f32 - 4096.0) / 256.0;
        let s = (0.05f64 * 1200f64.powf(unit())) as f32;
        let sym = ((m as f64 + s as f64 * (unit() - 0.5) * 4.0).round() as i32).clamp(-64, 63);
        let p = spec.single(m, s);
        let bin = spec.bin_of(&p, sym).unwrap();
        let (_, freq) = spec.interval(&p, bin);
        bits += 16.0 - (freq as f64).log2();
        symbols.push(sym);
        means.push(m);
        scales.push(s);
    }
    let bytes = coder.encode(&symbols, &means, &scales, None, 1).unwrap();
    let ideal = bits / 8.0;
    assert!(
        (bytes.len() as f64) < ideal * 1.001 + 64.0,
        "{} vs {ideal}",
        bytes.len()
    );
}
