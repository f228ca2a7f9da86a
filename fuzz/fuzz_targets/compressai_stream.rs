//! CompressAI stream decoder (`compressai::decode`, `StreamDecoder`, ScaleCoder's
//! compressai path) on arbitrary bytes.
//!
//! Input: `table:u8  n:u16  seed:u64  stream…`. Oracles: no panic; a stream that decodes
//! is exactly what the encoder writes for the decoded symbols (decoding is the inverse of
//! a deterministic encoder, so anything else would be garbage the checks let through);
//! decoding in two calls and through the ScaleCoder gives the same symbols.

#![no_main]

mod common;

use common::{fixtures, indexes, Cursor};
use fastrans::compressai::{self, StreamDecoder};
use fastrans::StreamFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let fx = &fixtures()[c.u8() as usize % 4];
    let n = c.u16() as usize % 2049;
    let seed = c.u64();
    let data = c.rest();
    let table = &*fx.table;
    let idx = indexes(table.num_tables(), n, seed);

    let whole = compressai::decode(table, data, &idx);

    // The streaming decoder over two calls agrees with the one-shot decoder.
    let split = StreamDecoder::new(data).and_then(|mut d| {
        let mut out = vec![0i32; n];
        let (a, b) = out.split_at_mut(n / 2);
        d.decode_into(table, &idx[..n / 2], a)?;
        d.decode_into(table, &idx[n / 2..], b)?;
        d.finish()?;
        Ok(out)
    });
    assert_eq!(
        whole.is_ok(),
        split.is_ok(),
        "one-shot and streaming disagree"
    );

    let scales: Vec<f32> = idx.iter().map(|&i| fx.scales[i as usize]).collect();
    let floats = fx
        .coder
        .decode(data, &scales, None, StreamFormat::CompressAi, 1);
    assert_eq!(whole.is_ok(), floats.is_ok(), "ScaleCoder disagrees");

    if let Ok(symbols) = whole {
        assert_eq!(split.unwrap(), symbols);
        let f = floats.unwrap();
        assert!(f.iter().zip(&symbols).all(|(&a, &s)| a == s as f32));
        let again = compressai::encode(table, &symbols, &idx).expect("re-encode");
        assert_eq!(
            again, data,
            "accepted stream is not the encoder's stream of its symbols"
        );
    }
});
