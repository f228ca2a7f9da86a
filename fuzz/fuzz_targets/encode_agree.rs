//! The vectorised lanes encoder against the scalar one (`lanes::with_scalar_lanes`), on
//! arbitrary symbols and on arbitrary floats through `ScaleCoder`.
//!
//! Input: `table:u8  mode:u8  n:u16  seed:u64  payload…`. The payload's bytes are read as
//! `i32` symbols (mode bit 0 clear; rows from the seed) or as `f32` value, scale and mean
//! triples (bit 0 set). Oracles: no panic; both encoders give the same result, bytes or
//! error; a stream that encodes decodes back to its symbols.

#![no_main]

mod common;

use common::{indexes, stream_head, Cursor};
use fastrans::format;
use fastrans::lanes::with_scalar_lanes;
use fastrans::scale_coder::StreamFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let (fx, mode, n, seed) = stream_head(&mut c);
    let table = &*fx.table;
    let idx = indexes(table.num_tables(), n, seed);
    if mode & 1 == 0 {
        let symbols: Vec<i32> = (0..n).map(|_| c.u32() as i32).collect();
        let encode = || format::encode(table, &symbols, &idx, 1).map_err(|e| e.to_string());
        let vector = encode();
        assert_eq!(vector, with_scalar_lanes(encode), "encoders disagree on symbols");
        if let Ok(data) = vector {
            assert_eq!(format::decode(table, &data, &idx, 1).unwrap(), symbols);
        }
    } else {
        let mut f = || f32::from_bits(c.u32());
        let (mut values, mut scales, mut means) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            values.push(f());
            scales.push(f());
            means.push(f());
        }
        let means = (mode & 2 == 2).then_some(&means[..]);
        let encode = || {
            let coder = &fx.coder;
            coder.encode(&values, &scales, means, StreamFormat::Fastrans, 1).map_err(|e| e.to_string())
        };
        let vector = encode();
        assert_eq!(vector, with_scalar_lanes(encode), "encoders disagree on floats");
    }
});
