//! `ParametricCoder::decode` on arbitrary bytes with four fixed coders (bounded and
//! windowed, Gaussian, Laplace and logistic, precisions 16 and 12), one law or a mixture
//! of three a symbol.
//!
//! Input: `mode:u8  seed:u8  n:u8  payload…`. Mode bits 0-1 pick the coder, bit 2 a
//! 3-component mixture, bit 3 re-seals the CRC (so mutations reach the header, lane and
//! escape parsers), bit 4 makes the payload `(pos:u16, xor:u8)` edits of a valid stream of
//! `n` symbols derived from `seed` (deep paths without seeds) rather than the stream
//! itself, and bit 5 codes that stream in 4, 8 or 16 lanes (by `seed`), so the decoder's
//! vector search runs (streams this short get one lane otherwise). The laws come from
//! `seed`: means on a 1/256 grid, scales 2^-18..2^18.
//! Oracles: no panic; a decode that succeeds gives symbols that encode and decode back
//! to themselves (inside the bounds for a bounded coder); 1 and 2 threads agree; the
//! AVX-512, AVX2 and scalar kernels agree on the outcome and on the re-encoded bytes.

#![no_main]

mod common;

use common::{
    apply_edits, encoded_in, every_kernel_agrees, parametric_coder, reseal, Cursor, Laws,
};
use fastrans::format::Params;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let mode = c.u8();
    let seed = c.u8();
    let n = c.u8() as usize;
    let coder = parametric_coder(mode);
    let Laws {
        k,
        means,
        scales,
        weights,
        mut rng,
    } = Laws::new(mode, seed, n);
    let w = (k > 1).then_some(&weights[..]);

    let mut data = if mode & 0x10 != 0 {
        let bounds = coder.bounds();
        let symbols: Vec<i32> = (0..n)
            .map(|i| {
                let s = (means[i] as i64) + (rng.next() % 9) as i64 - 4;
                match bounds {
                    Some((lo, hi)) => s.clamp(lo as i64, hi as i64) as i32,
                    None if rng.next() % 16 == 0 => rng.next() as i32,
                    None => s as i32,
                }
            })
            .collect();
        let encode = || coder.encode(&symbols, &means, &scales, w, 1);
        let layout = (mode & 0x20 != 0).then(|| Params {
            lanes: 4 << (seed % 3),
            chunk_symbols: n.max(1),
        });
        let mut data = encoded_in(layout, encode).expect("valid inputs");
        apply_edits(&mut c, &mut data);
        data
    } else {
        c.rest().to_vec()
    };
    if mode & 8 != 0 {
        reseal(&mut data);
    }

    let one = coder.decode(&data, &means, &scales, w, 1);
    let two = coder.decode(&data, &means, &scales, w, 2);
    assert_eq!(one, two, "thread counts disagree");
    every_kernel_agrees(&one, || coder.decode(&data, &means, &scales, w, 1));
    if let Ok(symbols) = one {
        if let Some((lo, hi)) = coder.bounds() {
            assert!(symbols.iter().all(|s| (lo..=hi).contains(s)));
        }
        let encode = || coder.encode(&symbols, &means, &scales, w, 1);
        let best = encode();
        every_kernel_agrees(&best, encode);
        let again = best.expect("decoded symbols encode");
        let back = coder
            .decode(&again, &means, &scales, w, 1)
            .expect("re-encoded decodes");
        assert_eq!(back, symbols);
    }
});
