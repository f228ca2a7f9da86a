//! Writes the `fastrans_stream` fuzz seeds whose chunks have 8, 16 and 32 lanes.
//!
//! `fuzz/make_seeds.py` writes its seeds through the Python API, whose encoder gives a
//! stream of at most 4,096 symbols (the target's limit) one lane, so the vector decoders
//! (which take chunks of 8 or more lanes) were reached only through mutated headers. These
//! seeds are cut by the hidden `format::with_params` hook instead, so mutations of their
//! words, lane records and chunk lengths land in the AVX2 and AVX-512 decoders directly.
//! The input layout is the target's: `table:u8 mode:u8 n:u16 seed:u64 stream…`, with the
//! tables of `fuzz/fuzz_targets/common/mod.rs` (1: Gaussian, 3: Laplace, 4: precision 8).
//!
//! `cargo run --release --example fuzz_lane_seeds`

use std::path::Path;

use fastrans::format::{self, Params};
use fastrans::parametric::{gaussian_table, laplace_table};

/// The fuzz fixtures' scale table.
const SMALL: [f64; 5] = [0.11, 0.5, 2.0, 8.0, 30.0];

/// xorshift64, as the fuzz targets' `common::Rng`.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/fastrans_stream");
    std::fs::create_dir_all(&dir).expect("seed folder");
    let tables = [
        (1u8, gaussian_table(&SMALL, 16, 1e-9).expect("table")),
        (3, laplace_table(&SMALL, 16, 1e-6).expect("table")),
        (4, gaussian_table(&SMALL, 8, 1e-3).expect("table")),
    ];
    let (n, seed) = (4096usize, 77u64);
    for (t, table) in &tables {
        // The target's `common::indexes(rows, n, seed)`.
        let mut x = seed | 1;
        let idx: Vec<i32> = (0..n).map(|_| (next(&mut x) % 5) as i32).collect();
        // Symbols about as wide as each row's scale, and an escape every 97th.
        let syms: Vec<i32> = idx
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let width = 2 * SMALL[r as usize].ceil() as u64 + 1;
                match i % 97 {
                    0 => 1000 + i as i32,
                    _ => (next(&mut x) % width) as i32 - (width / 2) as i32,
                }
            })
            .collect();
        for (lanes, chunk_symbols) in [(8usize, 1500usize), (16, 2048), (32, 4096)] {
            let params = Params {
                lanes,
                chunk_symbols,
            };
            let data =
                fastrans::testing::with_params(params, || format::encode(table, &syms, &idx, 1))
                    .expect("encode");
            let back = format::decode(table, &data, &idx, 1).expect("the seed decodes");
            assert!(back == syms, "the seed decodes to its symbols");
            let mut input = vec![*t, 0];
            input.extend_from_slice(&(n as u16).to_le_bytes());
            input.extend_from_slice(&seed.to_le_bytes());
            input.extend_from_slice(&data);
            for (mode, suffix) in [(0u8, ""), (3, "_fix_par")] {
                input[1] = mode;
                let name = format!("t{t}_n{n}_lanes{lanes}{suffix}");
                std::fs::write(dir.join(&name), &input).expect("write seed");
                println!("{name}: {} bytes", input.len());
            }
        }
    }
}
