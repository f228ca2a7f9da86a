//! Helpers the integration tests share.

pub mod stream;

use std::sync::Arc;

use fastrans::format::Params;
use fastrans::parametric::gaussian_table;
use fastrans::testing::EncodeSource;
use fastrans::CdfTable;
use fastrans::ScaleCoder;

/// xorshift64*: deterministic test data without a dependency.
pub struct Rng(pub u64);

// Each test binary compiles this module on its own and uses a subset of it.
#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant for tests).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-300), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Symbols and rows as an `EncodeSource` known only through `get` (so the coders read it
/// through the trait's defaults).
#[allow(dead_code)]
pub struct Symbols<'a> {
    pub symbols: &'a [i32],
    pub rows: &'a [usize],
}

impl EncodeSource for Symbols<'_> {
    fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> {
        Ok(())
    }
    fn get(&self, i: usize) -> (i32, usize) {
        (self.symbols[i], self.rows[i])
    }
}

/// Symbols for `rows` of `table`: mostly inside each row, `escapes` per mille anywhere in
/// `i32` (escaped), as many at `i32::MIN` / `i32::MAX`.
#[allow(dead_code)]
pub fn symbols(rng: &mut Rng, table: &CdfTable, rows: &[usize], escapes: u64) -> Vec<i32> {
    let (offsets, lengths) = (table.offsets(), table.lengths());
    rows.iter()
        .map(|&r| {
            let (off, len) = (offsets[r] as i64, lengths[r] as i64);
            let v = match rng.below(1000) {
                k if k < escapes => rng.next() as i32 as i64,
                k if k < 2 * escapes => [i32::MIN as i64, i32::MAX as i64][k as usize % 2],
                _ => off + rng.below((len - 2).max(1) as u64) as i64,
            };
            v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
        })
        .collect()
}

/// CompressAI's default scale table: 64 log-spaced scales from 0.11 to 256.
#[allow(dead_code)]
pub fn scale_table() -> Vec<f64> {
    (0..64)
        .map(|i| (0.11f64.ln() + (256f64.ln() - 0.11f64.ln()) * i as f64 / 63.0).exp())
        .collect()
}

/// A `ScaleCoder` over Gaussian rows for [`scale_table`] (precision 16, bound 0.11), and
/// the scale table as `f32`.
#[allow(dead_code)]
pub fn scale_coder() -> (ScaleCoder, Vec<f32>) {
    let st = scale_table();
    let table = Arc::new(gaussian_table(&st, 16, 1e-9).expect("valid scale table"));
    let st32: Vec<f32> = st.iter().map(|&s| s as f32).collect();
    (
        ScaleCoder::new(table, &st32, 0.11).expect("valid coder"),
        st32,
    )
}

/// `body` with its CRC32C appended: a damaged stream that gets past the checksum.
#[allow(dead_code)]
pub fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc32c::crc32c(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

/// `f` with this thread's fastrans streams cut as `params` says (`None`: the encoder's own
/// choice; see `format::with_params`).
#[allow(dead_code)]
pub fn cut_by<R>(params: Option<Params>, f: impl FnOnce() -> R) -> R {
    match params {
        Some(p) => fastrans::testing::with_params(p, f),
        None => f(),
    }
}
