//! The vectorised lanes encoder against the scalar one (`lanes::with_scalar_lanes`), on
//! arbitrary symbols and on arbitrary floats through `ScaleCoder`.
//!
//! Input: `table:u8  mode:u8  n:u16  seed:u64  payload…`. The payload's bytes are read as
//! `i32` symbols (mode bit 0 clear; rows from the seed) or as `f32` value, scale and mean
//! triples (bit 0 set; bit 1: with means). Bits 2-3 cut the stream (`format::with_params`)
//! into chunks of 1 + seed's top bits mod 2048 symbols with 8, 16 or 32 lanes (or as the
//! encoder would: one lane at these sizes), so the vector kernels run. Oracles: no panic;
//! every encoder (the best the CPU has, AVX2 forced by `lanes::with_avx2_lanes`, scalar)
//! gives the same result, bytes or error, and so does `format::encode_shared` (the indexes
//! as atomics, copied chunk by chunk); a stream that encodes decodes back to its symbols,
//! with the vector, AVX2 and scalar decoders and `format::decode_shared`; a float stream
//! decodes to the same floats or error with the AVX2 decoder (the scale lookup eight wide)
//! as with the scalar one.

#![no_main]

mod common;

use common::{indexes, stream_head, Cursor};
use std::sync::atomic::AtomicI32;

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
        assert_eq!(
            vector,
            cut(&|| with_scalar_lanes(encode)),
            "encoders disagree on symbols"
        );
        assert_eq!(
            vector,
            cut(&|| with_avx2_lanes(encode)),
            "AVX2 disagrees on symbols"
        );
        let atoms: Vec<AtomicI32> = idx.iter().map(|&i| AtomicI32::new(i)).collect();
        let shared =
            || format::encode_shared(table, &symbols, &atoms, 1).map_err(|e| e.to_string());
        assert_eq!(vector, cut(&shared), "encode_shared disagrees");
        if let Ok(data) = vector {
            assert_eq!(
                format::decode_shared(table, &data, &atoms, 1).unwrap(),
                symbols
            );
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
            coder
                .encode(&values, &scales, means, StreamFormat::Fastrans, 1)
                .map_err(|e| e.to_string())
        };
        let vector = cut(&encode);
        assert_eq!(
            vector,
            cut(&|| with_scalar_lanes(encode)),
            "encoders disagree on floats"
        );
        assert_eq!(
            vector,
            cut(&|| with_avx2_lanes(encode)),
            "AVX2 disagrees on floats"
        );
        if let Ok(data) = vector {
            let decode = || {
                let out = fx
                    .coder
                    .decode(&data, &scales, means, StreamFormat::Fastrans, 1);
                out.map(|v| v.iter().map(|f| f.to_bits()).collect::<Vec<u32>>())
                    .map_err(|e| e.to_string())
            };
            let avx2 = with_avx2_lanes(decode);
            assert!(avx2.is_ok(), "AVX2 fails to decode: {avx2:?}");
            assert_eq!(
                avx2,
                with_scalar_lanes(decode),
                "AVX2 decoder disagrees on floats"
            );
        }
    }
});
