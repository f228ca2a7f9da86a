//! The vectorised lanes encoder against the scalar one (`lanes::with_scalar_lanes`), on
//! arbitrary symbols and on arbitrary floats through `ScaleCoder`.
//!
//! Input: `table:u8  mode:u8  n:u16  seed:u64  payload…`. The payload's bytes are read as
//! `i32` symbols (mode bit 0 clear; rows from the seed) or as `f32` value, scale and mean
//! triples (bit 0 set; bit 1: with means). Bits 2-3 cut the stream (`format::with_params`)
//! into chunks of 1 + seed's top bits mod 2048 symbols with 8, 16 or 32 lanes (or as the
//! encoder would: one lane at these sizes), so the vector kernels run. Oracles: no panic;
//! every encoder (the best the CPU has, AVX2 forced by `lanes::with_avx2_lanes`, scalar)
//! gives the same result, bytes or error; a stream that encodes decodes back to its
//! symbols, with the vector, AVX2 and scalar decoders.

#![no_main]

mod common;

use common::{indexes, stream_head, Cursor};
use fastrans::format::{self, Params};
use fastrans::testing::{with_avx2_lanes, with_scalar_lanes};
use fastrans::StreamFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let (fx, mode, n, seed) = stream_head(&mut c);
    let table = &*fx.table;
    let idx = indexes(table.num_tables(), n, seed);
    let lanes = [0, 8, 16, 32][(mode as usize >> 2) & 3];
    let params = Params {
        lanes,
        chunk_symbols: 1 + (seed >> 48) as usize % 2048,
    };
    let cut = |f: &dyn Fn() -> Result<Vec<u8>, String>| match lanes {
        0 => f(),
        _ => fastrans::testing::with_params(params, f),
    };
    if mode & 1 == 0 {
        let symbols: Vec<i32> = (0..n).map(|_| c.u32() as i32).collect();
        let encode = || format::encode(table, &symbols, &idx, 1).map_err(|e| e.to_string());
        let vector = cut(&encode);
        assert_eq!(vector, cut(&|| with_scalar_lanes(encode)), "encoders disagree on symbols");
        assert_eq!(vector, cut(&|| with_avx2_lanes(encode)), "AVX2 disagrees on symbols");
        if let Ok(data) = vector {
            assert_eq!(format::decode(table, &data, &idx, 1).unwrap(), symbols);
            let avx2 = with_avx2_lanes(|| format::decode(table, &data, &idx, 1));
            assert_eq!(avx2.unwrap(), symbols);
            let scalar = with_scalar_lanes(|| format::decode(table, &data, &idx, 1));
            assert_eq!(scalar.unwrap(), symbols);
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
        let vector = cut(&encode);
        assert_eq!(vector, cut(&|| with_scalar_lanes(encode)), "encoders disagree on floats");
        assert_eq!(vector, cut(&|| with_avx2_lanes(encode)), "AVX2 disagrees on floats");
    }
});
