//! The vectorised lanes encoders against the scalar one: AVX-512 (`simd/avx512_encode.rs`) with
//! its IFMA step where the CPU has it and without it (`with_avx512_lanes`), and AVX2
//! (`simd/avx2_encode.rs`, `with_avx2_lanes`). The same bytes for every input, through each
//! kind of source (any `EncodeSource`, the symbol and index arrays of `format::encode`,
//! `ScaleCoder`'s floats). Where the CPU lacks a kernel its run falls back to the next one
//! (AVX2, then scalar) and the tests still check the round trips.
//!
//! The cases aim at each reason a group of eight lanes leaves the vector step or could go
//! wrong in it: escapes (symbols far outside their rows), symbols at `i32::MIN` and
//! `i32::MAX` with offsets that make `symbol - offset` overflow 32 bits, one-bin rows,
//! frequency-1 bins, tables of at most 64 rows (fields in registers) and of more (gathers),
//! lane counts 8, 16 and 32, every precision from 1 to 16 (the IFMA step takes 14 and up),
//! and sizes around the check blocks.
//! Whole streams are also cut into forced chunks and lanes (`format::with_params`): the
//! encoder's own rule gives one lane below 2^15 symbols a chunk, which no vector kernel
//! takes, so without the cuts these small streams would compare the scalar encoder with
//! itself.

use fastrans::format::{self, Params};
use fastrans::testing::{
    encode_chunk, with_avx2_lanes, with_avx512_lanes, with_scalar_lanes, CHECK_BLOCK,
};
use fastrans::CdfTable;
use fastrans::StreamFormat;
use proptest::prelude::*;

mod common;
use common::{cut_by, scale_coder, symbols, Rng, Symbols};

/// `rows` random CDF rows at `precision`: row 0 has one bin (every symbol escapes), row 1
/// has a frequency-1 bin beside a dominant one (from precision 2), the rest are random with
/// 2 to 300 bins (at most `2^precision`).
/// Offsets put some rows next to `i32::MAX` and `i32::MIN`.
fn table(rng: &mut Rng, rows: usize, precision: u32) -> CdfTable {
    let total = 1u64 << precision;
    let max_bins = (total as usize).min(300);
    let mut cdfs = Vec::new();
    let mut offsets = Vec::new();
    for r in 0..rows {
        let freqs: Vec<u64> = match r {
            0 => vec![total],
            1 if total >= 4 => vec![1, total - 2, 1],
            _ => {
                let bins = 2 + rng.below(max_bins as u64 - 1) as usize;
                let mut f: Vec<u64> = (0..bins).map(|_| 1 + rng.below(1000)).collect();
                let sum: u64 = f.iter().sum();
                for v in f.iter_mut() {
                    *v = (*v * (total - bins as u64) / sum).max(1);
                }
                let sum: u64 = f.iter().sum();
                f[0] += total - sum;
                f
            }
        };
        let bins = freqs.len() as i32;
        let mut cdf = vec![0i32];
        for f in freqs {
            cdf.push(cdf[cdf.len() - 1] + f as i32);
        }
        cdfs.push(cdf);
        offsets.push(match r % 8 {
            3 => i32::MAX - 3,
            4 => i32::MIN,
            5 => i32::MAX - bins + 2,
            6 => i32::MIN + 1,
            _ => -bins / 2,
        });
    }
    let lengths: Vec<i32> = cdfs.iter().map(|r| r.len() as i32).collect();
    CdfTable::from_rows(&cdfs, &lengths, &offsets, precision).expect("valid rows")
}

/// One chunk through both encoders: the same bytes. Returns them.
fn chunk_both(table: &CdfTable, symbols: &[i32], rows: &[usize], lanes: usize) -> Vec<u8> {
    let encode = || {
        let mut out = Vec::new();
        let src = Symbols { symbols, rows };
        encode_chunk(table, &src, 0, symbols.len(), lanes, &mut out).map(|()| out)
    };
    let vector = encode().expect("vector encode");
    let scalar = with_scalar_lanes(encode).expect("scalar encode");
    assert_eq!(vector, scalar, "encoders disagree");
    let plain = with_avx512_lanes(encode).expect("AVX-512 encode without IFMA");
    assert_eq!(plain, scalar, "the AVX-512 encoder without IFMA disagrees");
    let avx2 = with_avx2_lanes(encode).expect("AVX2 encode");
    assert_eq!(avx2, scalar, "the AVX2 encoder disagrees");
    vector
}

/// Ways to cut a stream of `m` symbols: the encoder's own choice (one lane below 2^15
/// symbols a chunk) and forced ones that reach the 8-, 16- and 32-lane kernels, several
/// chunks (decoded in pairs on one thread) and a short last chunk.
fn cuts(m: usize) -> Vec<Option<Params>> {
    let cut = |lanes, chunk_symbols| {
        Some(Params {
            lanes,
            chunk_symbols,
        })
    };
    vec![
        None,
        cut(8, m),
        cut(16, m / 2 + 1),
        cut(32, m / 3 + 5),
        cut(8, 1000),
    ]
}

/// A whole stream through `format::encode` (the arrays source), cut as `params` says, both
/// ways on one thread; then decoded both ways. Returns the bytes.
fn stream_both(
    table: &CdfTable,
    symbols: &[i32],
    rows: &[usize],
    params: Option<Params>,
) -> Vec<u8> {
    let indexes: Vec<i32> = rows.iter().map(|&r| r as i32).collect();
    let encode = || format::encode(table, symbols, &indexes, 1).expect("encode");
    let vector = cut_by(params, encode);
    assert_eq!(
        vector,
        cut_by(params, || with_scalar_lanes(encode)),
        "encoders disagree"
    );
    assert_eq!(
        vector,
        cut_by(params, || with_avx512_lanes(encode)),
        "the AVX-512 encoder without IFMA disagrees"
    );
    assert_eq!(
        vector,
        cut_by(params, || with_avx2_lanes(encode)),
        "the AVX2 encoder disagrees"
    );
    let decode = || format::decode(table, &vector, &indexes, 1).expect("decode");
    assert_eq!(decode(), symbols);
    assert_eq!(with_avx2_lanes(decode), symbols);
    assert_eq!(with_scalar_lanes(decode), symbols);
    vector
}

/// One chunk of 8, 16 and 32 lanes, and the whole stream cut every way of [`cuts`], each
/// through both encoders.
fn every_cut_both(table: &CdfTable, symbols: &[i32], rows: &[usize]) {
    for lanes in [8, 16, 32] {
        chunk_both(table, symbols, rows, lanes);
    }
    for params in cuts(symbols.len()) {
        stream_both(table, symbols, rows, params);
    }
}

#[test]
fn vector_and_scalar_encoders_write_the_same_bytes() {
    let mut rng = Rng(0xC0FF_EE00_D15E_A5E5);
    for precision in [16, 14, 12, 9] {
        // At most 64 rows keeps the rows' fields in registers; 100 rows gathers them.
        for num_rows in [1usize, 2, 24, 64, 100] {
            let table = table(&mut rng, num_rows, precision);
            for &lanes in &[8usize, 16, 32] {
                for &m in &[
                    8usize,
                    9,
                    64,
                    65,
                    1000,
                    CHECK_BLOCK + 17,
                    3 * CHECK_BLOCK + 5,
                ] {
                    for escapes in [0u64, 5, 100] {
                        let rows: Vec<usize> = (0..m)
                            .map(|_| rng.below(num_rows as u64) as usize)
                            .collect();
                        let syms = symbols(&mut rng, &table, &rows, escapes);
                        chunk_both(&table, &syms, &rows, lanes);
                        if lanes == 8 {
                            for params in cuts(m) {
                                stream_both(&table, &syms, &rows, params);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn symbol_minus_offset_overflowing_32_bits_is_escaped_both_ways() {
    // Offset i32::MAX - 1 and symbol i32::MIN: symbol - offset is -2^32 + 3, which wraps
    // to 3 in 32 bits, inside the row's bins; it must be escaped as the scalar encoder
    // does (it subtracts in 64 bits), and decode back.
    let cdf = vec![vec![0, 10_000, 20_000, 30_000, 40_000, 50_000, 65_536]];
    for (offset, symbol) in [
        (i32::MAX - 1, i32::MIN),
        (i32::MIN, i32::MAX),
        (i32::MIN + 2, 5),
    ] {
        let table = CdfTable::from_rows(&cdf, &[7], &[offset], 16).expect("valid");
        let m = 4096;
        let mut rng = Rng(offset as u64 | 1);
        let syms: Vec<i32> = (0..m)
            .map(|i| match i % 97 {
                0 => symbol,
                _ => offset.saturating_add(rng.below(5) as i32),
            })
            .collect();
        let rows = vec![0usize; m];
        every_cut_both(&table, &syms, &rows);
    }
}

/// Rows of 2 to 300 bins at precision 16 with the given offsets (a row's offset may be a
/// function of its bin count).
fn table_with_offsets(rng: &mut Rng, offset: &dyn Fn(usize, i32) -> i32, rows: usize) -> CdfTable {
    let total = 1u64 << 16;
    let mut cdfs = Vec::new();
    let mut offsets = Vec::new();
    for r in 0..rows {
        let bins = 2 + rng.below(299) as usize;
        let mut f: Vec<u64> = (0..bins).map(|_| 1 + rng.below(1000)).collect();
        let sum: u64 = f.iter().sum();
        for v in f.iter_mut() {
            *v = (*v * (total - bins as u64) / sum).max(1);
        }
        let sum: u64 = f.iter().sum();
        f[0] += total - sum;
        let mut cdf = vec![0i32];
        for v in f {
            cdf.push(cdf[cdf.len() - 1] + v as i32);
        }
        cdfs.push(cdf);
        offsets.push(offset(r, bins as i32));
    }
    let lengths: Vec<i32> = cdfs.iter().map(|r| r.len() as i32).collect();
    CdfTable::from_rows(&cdfs, &lengths, &offsets, 16).expect("valid rows")
}

#[test]
fn small_tables_check_each_bin_by_its_row_tag() {
    // Tables of at most 64 rows whose symbols cannot wrap fetch a bin at `symbol + base -
    // offset` and keep it only when its tag names the lane's row: symbols that land on
    // another row's bins, on an escape bin, on a row's padding record or past the table
    // must all be escaped as the scalar encoder escapes them. Offsets at i32::MIN and at
    // the last offset that cannot wrap (2^31 - max_value), and symbols spread over
    // neighbouring rows' ranges and at the i32 extremes.
    let mut rng = Rng(0x7A66_ED00_B175_0001);
    let offsets: [&dyn Fn(usize, i32) -> i32; 3] = [
        &|_, bins| -bins / 2,
        &|r, bins| match r % 4 {
            0 => i32::MIN,
            1 => (2i64.pow(31) - (bins as i64 - 1)) as i32,
            2 => 100 * r as i32,
            _ => -bins / 2,
        },
        &|r, _| -(7 * r as i32),
    ];
    for offset in offsets {
        for num_rows in [3usize, 24, 64] {
            let table = table_with_offsets(&mut rng, offset, num_rows);
            let centres: Vec<i64> = (0..num_rows).map(|r| table.offsets()[r] as i64).collect();
            let m = 3 * CHECK_BLOCK + 5;
            let rows: Vec<usize> = (0..m)
                .map(|_| rng.below(num_rows as u64) as usize)
                .collect();
            let syms: Vec<i32> = rows
                .iter()
                .map(|&r| match rng.below(10) {
                    0 => i32::MIN + rng.below(3) as i32,
                    1 => i32::MAX - rng.below(3) as i32,
                    // Around another row's symbols, or far past this row's.
                    2 => (centres[rng.below(num_rows as u64) as usize] + rng.below(300) as i64)
                        .clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                    3 => (centres[r] - 1 - rng.below(3000) as i64).max(i32::MIN as i64) as i32,
                    4 => (centres[r] + rng.below(20_000) as i64).min(i32::MAX as i64) as i32,
                    _ => (centres[r] + rng.below(40) as i64).min(i32::MAX as i64) as i32,
                })
                .collect();
            for lanes in [8, 16, 32] {
                chunk_both(&table, &syms, &rows, lanes);
            }
            stream_both(&table, &syms, &rows, cuts(m)[1]);
        }
    }
}

#[test]
fn a_symbol_that_would_wrap_onto_a_direct_bin_is_escaped() {
    // One row with offset 2^31 - max_value + 1: its last direct symbol is i32::MAX, and
    // i32::MIN is 2^32 below it, so `symbol + base - offset` in 32 bits lands on that bin.
    // Such a table must not take the tagged path.
    let cdf = vec![vec![0, 10_000, 20_000, 30_000, 40_000, 50_000, 65_536]];
    let max_value = 5i64;
    let offset = (2i64.pow(31) - max_value + 1) as i32;
    let table = CdfTable::from_rows(&cdf, &[7], &[offset], 16).expect("valid");
    let m = 4096;
    let syms: Vec<i32> = (0..m)
        .map(|i| {
            if i % 5 == 0 {
                i32::MIN
            } else {
                i32::MAX - (i % 4) as i32
            }
        })
        .collect();
    let rows = vec![0usize; m];
    every_cut_both(&table, &syms, &rows);
}

#[test]
fn every_precision_encodes_the_same_either_way() {
    // Precisions 1 to 16: `x_max = freq << (63 - p)` and the reciprocals' shifts at every
    // width, frequency-1 bins beside dominant ones, one- and two-bin rows, escapes.
    let mut rng = Rng(0x5EED_0F00_0000_0016);
    for precision in 1..=16 {
        for num_rows in [3usize, 70] {
            let table = table(&mut rng, num_rows, precision);
            for m in [8usize, 1000, CHECK_BLOCK + 9] {
                let rows: Vec<usize> = (0..m)
                    .map(|_| rng.below(num_rows as u64) as usize)
                    .collect();
                let syms = symbols(&mut rng, &table, &rows, 20);
                every_cut_both(&table, &syms, &rows);
            }
        }
    }
}

/// W1-like floats: scales log-uniform 0.12..30, means ~N(0, 3), values = means +
/// scales·N(0, 1), with some large, negative-zero and exactly-half differences, and scales
/// below the bound and above the table's last (`f32::MAX`, +inf).
fn floats(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut y, mut m, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let scale = (0.12f64.ln() + rng.unit() * (30f64.ln() - 0.12f64.ln())).exp();
        let mean = 3.0 * rng.normal();
        let value = match i % 211 {
            0 => mean + 5e6,
            1 => -0.0,
            2 => mean.round() + 0.5,
            3 => mean + 2.1e9,
            _ => mean + scale * rng.normal(),
        };
        s.push(match (i % 307, i % 401, i % 503) {
            (0, _, _) => 1e-30,
            (_, 0, _) => [1e6, f32::MAX, f32::INFINITY][i % 3],
            (_, _, 0) => 256.0,
            _ => scale as f32,
        });
        m.push(if i % 211 == 1 { 0.0 } else { mean as f32 });
        y.push(value as f32);
    }
    (y, m, s)
}

#[test]
fn scale_coder_streams_are_the_same_either_way() {
    let (coder, _) = scale_coder();
    let mut rng = Rng(0xF10A7);
    let sizes = [1usize, 8, 100, CHECK_BLOCK * 3 + 9, 20_000, 600_000];
    for (n, params) in sizes
        .iter()
        .flat_map(|&n| cuts(n).into_iter().map(move |p| (n, p)))
    {
        let (y, m, s) = floats(&mut rng, n);
        for means in [Some(&m[..]), None] {
            let encode = || {
                let coder = &coder;
                coder
                    .encode(&y, &s, means, StreamFormat::Fastrans, 1)
                    .expect("encode")
            };
            let vector = cut_by(params, encode);
            let scalar = cut_by(params, || with_scalar_lanes(encode));
            assert_eq!(vector, scalar, "n={n} {params:?}");
            let plain = cut_by(params, || with_avx512_lanes(encode));
            assert_eq!(plain, scalar, "n={n} {params:?}, without IFMA");
            let avx2 = cut_by(params, || with_avx2_lanes(encode));
            assert_eq!(avx2, scalar, "n={n} {params:?}, AVX2");
            let decode = || coder.decode(&vector, &s, means, StreamFormat::Fastrans, 1);
            let back = decode().expect("decode");
            assert_eq!(back, with_scalar_lanes(decode).expect("scalar decode"));
            for i in 0..n {
                let mean = means.map_or(0.0, |m| m[i]);
                let want = (y[i] - mean).round_ties_even() + mean;
                assert_eq!(back[i].to_bits(), want.to_bits(), "n={n} i={i}");
            }
        }
    }
}

#[test]
fn a_source_returning_rows_out_of_range_panics_both_ways() {
    // Sources promise rows below `num_tables()`; one that breaks the promise meets a
    // bounds check (a panic) in the vector encoder as in the scalar one, never an
    // unchecked gather.
    let mut rng = Rng(41);
    let table = table(&mut rng, 24, 16);
    let m = 4096;
    let mut rows: Vec<usize> = (0..m).map(|_| rng.below(24) as usize).collect();
    let syms = symbols(&mut rng, &table, &rows, 0);
    for bad in [24usize, 1 << 40] {
        rows[100] = bad;
        for kernel in ["best", "avx2", "scalar"] {
            let run = || {
                let mut out = Vec::new();
                let src = Symbols {
                    symbols: &syms,
                    rows: &rows,
                };
                encode_chunk(&table, &src, 0, m, 8, &mut out)
            };
            let caught = std::panic::catch_unwind(|| match kernel {
                "avx2" => with_avx2_lanes(run),
                "scalar" => with_scalar_lanes(run),
                _ => run(),
            });
            assert!(caught.is_err(), "row {bad}, {kernel}: no panic");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random tables, rows and symbols: the same bytes, and they decode back.
    #[test]
    fn random_chunks_encode_the_same_either_way(
        seed in any::<u64>(),
        num_rows in 1usize..80,
        precision in 1u32..=16,
        lanes in prop::sample::select(vec![8usize, 16, 32]),
        m in 1usize..5000,
        escapes in 0u64..200,
    ) {
        let mut rng = Rng(seed | 1);
        let table = table(&mut rng, num_rows, precision);
        let rows: Vec<usize> = (0..m).map(|_| rng.below(num_rows as u64) as usize).collect();
        let syms = symbols(&mut rng, &table, &rows, escapes);
        chunk_both(&table, &syms, &rows, lanes);
        for params in cuts(m) {
            stream_both(&table, &syms, &rows, params);
        }
    }
}
