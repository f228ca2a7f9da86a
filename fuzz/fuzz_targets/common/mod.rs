//! What every fuzz target shares: a cursor over the fuzzer's bytes, a small PRNG for
//! derived data, and a fixed set of tables that cover the shapes the coders special-case
//! (a one-row table, escape-only rows, realistic Gaussian rows with freq-1 tails, a low
//! precision). Built once per process.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use fastrans::format::Params;
use fastrans::parametric::{gaussian_table, laplace_table};
use fastrans::testing::with_params;
use fastrans::CdfTable;
use fastrans::{ParametricCoder, ScaleCoder};

/// Reads fields from the front of the fuzzer's input; runs dry as zeros.
pub struct Cursor<'a>(pub &'a [u8]);

impl<'a> Cursor<'a> {
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) | ((self.u32() as u64) << 32)
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(self.0.len())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// xorshift64: derived indexes and symbols.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A table and the scale table its rows stand for (for the ScaleCoder decode path).
pub struct Fixture {
    pub table: Arc<CdfTable>,
    pub scales: Vec<f32>,
    pub coder: ScaleCoder,
}

fn fixture(table: CdfTable, scales: Vec<f32>) -> Fixture {
    let table = Arc::new(table);
    let coder = ScaleCoder::new(table.clone(), &scales, 0.11).expect("fixture scale table");
    Fixture {
        table,
        scales,
        coder,
    }
}

/// The fixed tables. 0..=3 have precision 16 (usable by the CompressAI format).
pub fn fixtures() -> &'static [Fixture] {
    static F: OnceLock<Vec<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let small: Vec<f64> = vec![0.11, 0.5, 2.0, 8.0, 30.0];
        let small32: Vec<f32> = small.iter().map(|&s| s as f32).collect();
        vec![
            // docs/FORMAT.md's worked example: one row, offset -1.
            fixture(
                CdfTable::new(&[0, 16384, 49152, 65535, 65536], 5, &[5], &[-1], 16).unwrap(),
                vec![1.0],
            ),
            fixture(gaussian_table(&small, 16, 1e-9).unwrap(), small32.clone()),
            // Rows of length 2 (every symbol escapes) and 3, extreme offsets.
            fixture(
                CdfTable::new(
                    &[0, 65536, 0, 0, 1, 65536],
                    3,
                    &[2, 3],
                    &[i32::MIN, i32::MAX],
                    16,
                )
                .unwrap(),
                vec![1.0, 2.0],
            ),
            fixture(laplace_table(&small, 16, 1e-6).unwrap(), small32.clone()),
            fixture(gaussian_table(&small, 8, 1e-3).unwrap(), small32.clone()),
            fixture(
                CdfTable::new(&[0, 1, 2], 3, &[3], &[0], 1).unwrap(),
                vec![1.0],
            ),
        ]
    })
}

/// `n` row indexes for `rows` rows derived from `seed` (mode 0: all row 0).
pub fn indexes(rows: usize, n: usize, seed: u64) -> Vec<i32> {
    if seed == 0 {
        return vec![0; n];
    }
    let mut rng = Rng(seed | 1);
    (0..n).map(|_| (rng.next() % rows as u64) as i32).collect()
}

/// The head both stream targets read first: `table:u8  mode:u8  n:u16  seed:u64` → the
/// fixture, the mode bits, a symbol count (at most 4096) and a seed for the rows.
pub fn stream_head(c: &mut Cursor<'_>) -> (&'static Fixture, u8, usize, u64) {
    let fx = &fixtures()[c.u8() as usize % fixtures().len()];
    let mode = c.u8();
    let n = c.u16() as usize % 4097;
    (fx, mode, n, c.u64())
}

/// The parametric fuzz targets' four fixed coders (bounded and windowed, precisions 16 and
/// 12), picked by `which`'s two low bits.
pub fn parametric_coder(which: u8) -> ParametricCoder {
    let made = match which & 3 {
        0 => ParametricCoder::new("laplace", 16, Some(-64), Some(63)),
        1 => ParametricCoder::new("gaussian", 16, None, None),
        2 => ParametricCoder::new("logistic", 12, None, None),
        _ => ParametricCoder::new("gaussian", 12, Some(-2000), Some(2000)),
    };
    made.expect("fixed coders are valid")
}

/// `n` symbols' laws derived from `seed`: `k` components a symbol (3 when `mode` bit 2 is
/// set), means on a 1/256 grid, scales 2^-18..2^18, weights 1/2, 1/4, 1/4; and the PRNG,
/// to derive symbols next.
pub struct Laws {
    pub k: usize,
    pub means: Vec<f32>,
    pub scales: Vec<f32>,
    pub weights: Vec<f32>,
    pub rng: Rng,
}

impl Laws {
    pub fn new(mode: u8, seed: u8, n: usize) -> Laws {
        let k = if mode & 4 != 0 { 3 } else { 1 };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed as u64);
        let mut means = Vec::with_capacity(k * n);
        let mut scales = Vec::with_capacity(k * n);
        for _ in 0..k * n {
            means.push(((rng.next() % 40_001) as i64 - 20_000) as f32 / 256.0);
            scales.push(2f32.powi((rng.next() % 37) as i32 - 18));
        }
        let weights = (0..k * n).map(|j| if j < n { 0.5 } else { 0.25 }).collect();
        Laws {
            k,
            means,
            scales,
            weights,
            rng,
        }
    }

    /// The weights, for a mixture.
    pub fn weights(&self) -> Option<&[f32]> {
        (self.k > 1).then_some(&self.weights[..])
    }
}

/// `encode()` run with the stream layout forced to `layout` when there is one (the lanes
/// and chunks a short stream would not otherwise get), as it chooses otherwise.
pub fn encoded_in<T>(layout: Option<Params>, encode: impl FnOnce() -> T) -> T {
    match layout {
        Some(params) => with_params(params, encode),
        None => encode(),
    }
}

/// The rest of the input as `(pos:u16, xor:u8)` edits of `data` (positions wrap): deep
/// paths of a decoder reached from a valid stream, without seeds.
pub fn apply_edits(c: &mut Cursor<'_>, data: &mut [u8]) {
    while !c.is_empty() && !data.is_empty() {
        let pos = c.u16() as usize % data.len();
        data[pos] ^= c.u8();
    }
}

/// A fresh CRC32C over all but the last 4 bytes, so mutations get past the checksum to
/// the header, lane and chunk parsers.
pub fn reseal(data: &mut [u8]) {
    if data.len() >= 4 {
        let body = data.len() - 4;
        let crc = crc32c::crc32c(&data[..body]);
        data[body..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// `run` under every kernel cap (AVX-512, AVX2, scalar lanes) gives `best`, the result of
/// the best kernel this CPU has: the kernels never change a result or an error.
pub fn every_kernel_agrees<T: PartialEq + std::fmt::Debug>(best: &T, run: impl Fn() -> T) {
    use fastrans::testing::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
    assert_eq!(
        &with_avx512_lanes(&run),
        best,
        "AVX-512 and the best kernel disagree"
    );
    assert_eq!(
        &with_avx2_lanes(&run),
        best,
        "AVX2 and the best kernel disagree"
    );
    assert_eq!(
        &with_scalar_lanes(&run),
        best,
        "the scalar and the best kernel disagree"
    );
}
