//! Data and helpers the fastrans stream's tests share: W1-like symbols and floats, the
//! test table, decoding into poisoned memory, the sizes at every lane/chunk boundary.

use fastrans::format::{self, MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS};
use fastrans::parametric::gaussian_table;
use fastrans::testing::round_half_even;
use fastrans::CdfTable;
use fastrans::ScaleIndex;

use super::{scale_table, Rng};

#[allow(dead_code)]
pub fn table() -> CdfTable {
    gaussian_table(&scale_table(), 16, 1e-9).expect("valid scale table")
}

/// W1-like floats: scales log-uniform 0.12..30, means ~N(0, 3), y = means + scales * N(0,1).
#[allow(dead_code)]
pub fn w1_floats(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    floats_with_scales(n, seed, 30.0)
}

/// As [`w1_floats`] with scales log-uniform in 0.12..`max_scale` (a lower maximum gives
/// fewer bits a symbol).
#[allow(dead_code)]
pub fn floats_with_scales(n: usize, seed: u64, max_scale: f64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Rng(seed | 1);
    let mut y = Vec::with_capacity(n);
    let mut means = Vec::with_capacity(n);
    let mut scales = Vec::with_capacity(n);
    for _ in 0..n {
        let s = (0.12f64.ln() + rng.unit() * (max_scale.ln() - 0.12f64.ln())).exp() as f32;
        let m = (3.0 * rng.normal()) as f32;
        y.push(m + s * rng.normal() as f32);
        means.push(m);
        scales.push(s);
    }
    (y, means, scales)
}

#[allow(dead_code)]
pub fn scale_table_f32() -> Vec<f32> {
    scale_table().iter().map(|&s| s as f32).collect()
}

/// W1-like symbols and indexes.
#[allow(dead_code)]
pub fn w1(n: usize, seed: u64) -> (Vec<i32>, Vec<i32>) {
    symbols_with_scales(n, seed, 30.0)
}

/// Symbols and indexes of [`floats_with_scales`].
#[allow(dead_code)]
pub fn symbols_with_scales(n: usize, seed: u64, max_scale: f64) -> (Vec<i32>, Vec<i32>) {
    let (y, means, scales) = floats_with_scales(n, seed, max_scale);
    let ix = ScaleIndex::new(&scale_table_f32(), 0.11).expect("valid");
    let symbols = y
        .iter()
        .zip(&means)
        .map(|(&v, &m)| round_half_even(v - m) as i32)
        .collect();
    let mut indexes = vec![0; n];
    ix.rows_into(&scales, &mut indexes).expect("no NaN");
    (symbols, indexes)
}

/// `format::decode` with its output poisoned first (`with_poisoned_output`), so a position
/// the decoder never wrote cannot pass for a decoded zero.
#[allow(dead_code)]
pub fn decode(table: &CdfTable, data: &[u8], indexes: &[i32], threads: usize) -> Vec<i32> {
    fastrans::testing::with_poisoned_output(|| format::decode(table, data, indexes, threads))
        .expect("decode")
}

#[allow(dead_code)]
pub fn round_trip(table: &CdfTable, symbols: &[i32], indexes: &[i32]) -> Vec<u8> {
    let data = format::encode(table, symbols, indexes, 1).expect("encode");
    let back = decode(table, &data, indexes, 1);
    assert_eq!(back, symbols, "n = {}", symbols.len());
    data
}

/// Sizes around every lane and chunk boundary of the parameter choice.
#[allow(dead_code)]
pub fn boundary_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = (0..70).collect();
    for base in [
        MIN_LANE_SYMBOLS,
        2 * MIN_LANE_SYMBOLS,
        4 * MIN_LANE_SYMBOLS,
        8 * MIN_LANE_SYMBOLS,
        16 * MIN_LANE_SYMBOLS,
        MAX_CHUNK_SYMBOLS,
        2 * 16 * MIN_LANE_SYMBOLS,
        2 * MAX_CHUNK_SYMBOLS,
        4 * MAX_CHUNK_SYMBOLS,
    ] {
        sizes.extend([base - 1, base, base + 1, base + 17]);
    }
    sizes.push(1_000_000);
    sizes
}
