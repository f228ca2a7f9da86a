//! `StreamDecoder::decode_parametric_into` on arbitrary bytes: CompressAI's serial stream
//! holding a run of per-symbol laws, then a table run, decoded call by call, with four
//! fixed coders (bounded and windowed, precisions 16 and 12), one law or a mixture of
//! three a symbol.
//!
//! Input: `mode:u8  seed:u8  n:u8  payload…`. Mode bits 0-1 pick the coder, bit 2 a
//! 3-component mixture, bit 4 makes the payload `(pos:u16, xor:u8)` edits of a valid
//! stream of `n` laws' symbols and two table symbols derived from `seed` (deep paths
//! without seeds) rather than the stream itself. The laws come from `seed`.
//! Oracles: no panic; a stream that decodes and finishes re-encodes, with the same calls,
//! to the same bytes (inside the bounds for a bounded coder).

#![no_main]

mod common;

use std::sync::Arc;

use common::{apply_edits, parametric_coder, Cursor, Laws};
use fastrans::compressai::{BufferedEncoder, StreamDecoder};
use fastrans::CdfTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let mode = c.u8();
    let seed = c.u8();
    let n = c.u8() as usize;
    let coder = parametric_coder(mode);
    let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)
        .expect("a valid table");
    let table = Arc::new(table);
    let Laws {
        k,
        means,
        scales,
        weights,
        mut rng,
    } = Laws::new(mode, seed, n);
    let w = (k > 1).then_some(&weights[..]);
    let encode = |symbols: &[i32], tail: &[i32]| {
        let mut enc = BufferedEncoder::new();
        enc.push_parametric(&coder, symbols, &means, &scales, w)
            .expect("valid inputs");
        enc.push(&table, tail, &[0, 0]).expect("valid inputs");
        enc.flush()
    };

    let data = if mode & 0x10 != 0 {
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
        let mut data = encode(&symbols, &[1, rng.next() as i32]);
        apply_edits(&mut c, &mut data);
        data
    } else {
        c.rest().to_vec()
    };

    let Ok(mut dec) = StreamDecoder::new(&data) else {
        return;
    };
    let mut symbols = vec![0; n];
    if dec
        .decode_parametric_into(&coder, &means, &scales, w, &mut symbols)
        .is_err()
    {
        return;
    }
    if let Some((lo, hi)) = coder.bounds() {
        assert!(symbols.iter().all(|s| (lo..=hi).contains(s)));
    }
    let mut tail = [0; 2];
    if dec.decode_into(&table, &[0, 0], &mut tail).is_err() || dec.finish().is_err() {
        return;
    }
    assert_eq!(
        encode(&symbols, &tail),
        data,
        "an accepted stream re-encodes to itself"
    );
});
