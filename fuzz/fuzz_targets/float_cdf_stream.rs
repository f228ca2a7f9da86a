//! `float_cdf::decode` (torchac-style streams: every symbol with its own float CDF row) on
//! arbitrary bytes.
//!
//! Input: `mode:u8  seed:u8  n:u8  levels:u8  payload…`. `L` is `2 + levels % 48`, or
//! `2 + 4 levels` with mode bit 0 (up to 1022 levels). The rows come from `seed`: random
//! increments normalised to end at 1; bit 1 adds flat runs (levels of probability 0) and
//! ends beyond `[0, 1]` (the rule clamps them); bit 2 spoils one row (a decrease or a NaN),
//! which must be refused. Bit 3 re-seals the CRC (so mutations reach the header, lane and
//! chunk parsers), bit 4 makes the payload `(pos:u16, xor:u8)` edits of a valid stream of
//! `n` symbols derived from `seed` (deep paths without seeds) rather than the stream itself,
//! and bit 5 codes that stream in 2, 4 or 8 lanes and chunks of 3 to 255 symbols (by
//! `seed`), so the decoder's rounds of several lanes and the chunk boundaries are reached
//! (streams this short otherwise have one lane and one chunk). Bit 6 puts subnormal floats
//! of both signs at each row's low end (the vector scans read them as the smallest normal).
//! Oracles: no panic; a decode that succeeds gives symbols in `0..L` that encode and decode
//! back to themselves, and never succeeds with a spoiled row; 1 and 2 threads agree, and
//! so do the row kernels (AVX-512, AVX2, scalar: `float_cdf/find_x86.rs`), decoding and
//! encoding.

#![no_main]

mod common;

use common::{apply_edits, encoded_in, every_kernel_agrees, reseal, Cursor, Rng};

use fastrans::float_cdf;
use fastrans::format::Params;
use libfuzzer_sys::fuzz_target;

/// `n` rows of `levels + 1` nondecreasing floats (see the module comment for `mode`).
fn rows(mode: u8, rng: &mut Rng, n: usize, levels: usize) -> Vec<f32> {
    let mut cdf = Vec::with_capacity(n * (levels + 1));
    let subnormal = |bits: u64| f32::from_bits((bits % 0x7f_ffff) as u32 + 1);
    for _ in 0..n {
        let weights: Vec<f64> = (0..levels)
            .map(|_| {
                let w = (rng.next() % 1000) as f64 + 1.0;
                let flat = mode & 2 != 0 && rng.next() % 3 == 0;
                if flat {
                    0.0
                } else {
                    w * w
                }
            })
            .collect();
        let total: f64 = weights.iter().sum::<f64>().max(1.0);
        let (lo, hi) = if mode & 2 != 0 && rng.next() % 2 == 0 {
            (-0.25, 1.25)
        } else {
            (0.0, 1.0)
        };
        let mut acc = 0.0;
        cdf.push(lo as f32);
        for (j, w) in weights.iter().enumerate() {
            acc += w;
            let c = if j + 1 == levels {
                hi
            } else {
                lo + (hi - lo) * acc / total
            };
            cdf.push(c as f32);
        }
        if mode & 0x40 != 0 {
            // Below the row's second value and at least its first: still nondecreasing.
            let at = cdf.len() - levels - 1;
            let low = subnormal(rng.next());
            cdf[at] = cdf[at].min(-subnormal(rng.next()));
            cdf[at + 1] = cdf[at + 1].min(low).max(cdf[at]);
        }
    }
    cdf
}

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let mode = c.u8();
    let mut rng = Rng((c.u8() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n = c.u8() as usize;
    let lv = c.u8() as usize;
    let levels = if mode & 1 != 0 {
        2 + 4 * lv
    } else {
        2 + lv % 48
    };
    let mut cdf = rows(mode, &mut rng, n, levels);
    let good = cdf.clone();
    let spoiled = mode & 4 != 0 && n > 0;
    if spoiled {
        let at = (rng.next() as usize % n) * (levels + 1) + 1 + rng.next() as usize % levels;
        cdf[at] = if rng.next() % 2 == 0 {
            f32::NAN
        } else {
            cdf[at - 1] - 0.5
        };
    }

    let mut data = if mode & 0x10 != 0 {
        let symbols: Vec<i32> = (0..n)
            .map(|_| (rng.next() % levels as u64) as i32)
            .collect();
        let encode = || float_cdf::encode(&good, levels, &symbols, 1);
        let seed = rng.next();
        let layout = (mode & 0x20 != 0).then(|| Params {
            lanes: 2 << (seed % 3),
            chunk_symbols: 3 + (seed >> 8) as usize % 253,
        });
        let mut data = encoded_in(layout, encode).expect("valid rows");
        apply_edits(&mut c, &mut data);
        data
    } else {
        c.rest().to_vec()
    };
    if mode & 8 != 0 {
        reseal(&mut data);
    }

    let one = float_cdf::decode(&data, &cdf, levels, 1);
    let two = float_cdf::decode(&data, &cdf, levels, 2);
    assert_eq!(one, two, "thread counts disagree");
    every_kernel_agrees(&one, || float_cdf::decode(&data, &cdf, levels, 1));
    if spoiled {
        let symbols = vec![0; n];
        let encode = || float_cdf::encode(&cdf, levels, &symbols, 1);
        let best = encode();
        assert!(best.is_err(), "a spoiled row was encoded");
        every_kernel_agrees(&best, encode);
    }
    if let Ok(symbols) = one {
        assert!(!spoiled, "a spoiled row was accepted");
        assert!(symbols.iter().all(|&s| (0..levels as i32).contains(&s)));
        let encode = || float_cdf::encode(&cdf, levels, &symbols, 1);
        let best = encode();
        every_kernel_agrees(&best, encode);
        let again = best.expect("decoded symbols encode");
        let back = float_cdf::decode(&again, &cdf, levels, 1).expect("re-encoded decodes");
        assert_eq!(back, symbols);
    }
});
