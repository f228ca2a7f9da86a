//! exp-Golomb decoder (`golomb::decode`) on arbitrary bytes, every layout and order.
//!
//! Input: `k:u8  layout:u8  count:u16 | u64  bits…`. `k` ranges past `MAX_K` and `count`
//! past what the bytes hold (mode bit 7 of the layout byte gives a full 64-bit count) to
//! check the refusals. Oracles: no panic, no allocation sized by an impossible count; only
//! `InvalidArgument` (bad `k`) or `CorruptStream`; an accepted stream is exactly
//! `golomb::encode` of its values (the code has one byte form per value list).

#![no_main]

mod common;

use common::Cursor;
use fastrans::golomb::{self, Layout, MAX_K};
use fastrans::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let k = (c.u8() % 70) as u32;
    let mode = c.u8();
    let layout = [Layout::Unsigned, Layout::SignMagnitude, Layout::Zigzag][mode as usize % 3];
    let count = if mode & 0x80 != 0 {
        c.u64() as usize
    } else {
        c.u16() as usize
    };
    let data = c.rest();
    match golomb::decode(data, count, k, layout) {
        Err(Error::InvalidArgument(_)) => assert!(k > MAX_K, "k={k} refused"),
        Err(Error::CorruptStream(_)) => {}
        Err(e) => panic!("unexpected error kind {e:?}"),
        Ok(values) => {
            assert_eq!(values.len(), count);
            let again = golomb::encode(&values, k, layout).expect("re-encode");
            assert_eq!(
                again, data,
                "accepted stream is not the encoder's stream of its values"
            );
            assert_eq!(
                golomb::nbits(&values, k, layout).unwrap().div_ceil(8),
                data.len() as u64
            );
        }
    }
});
