//! Integration tests of the CompressAI stream: exact small streams, round trips over every
//! symbol range (escape path and int32 extremes included), and corrupt input.

use std::sync::Arc;

use fastrans::compressai::{self, BufferedEncoder, StreamDecoder};
use fastrans::{CdfTable, Error};
use proptest::prelude::*;

/// Three rows: a narrow one, a wide uniform one and an escape-only one.
fn table() -> CdfTable {
    let narrow = vec![0, 30000, 60000, 65000, 65536];
    let wide: Vec<i32> = (0..=256).map(|k| k * 256).collect::<Vec<_>>();
    let escape_only = vec![0, 65536];
    CdfTable::from_rows(
        &[narrow, wide, escape_only],
        &[5, 257, 2],
        &[-1, -100, 7],
        16,
    )
    .expect("valid table")
}

#[test]
fn zero_symbols_is_the_flushed_initial_state() {
    let t = table();
    let data = compressai::encode(&t, &[], &[]).unwrap();
    assert_eq!(data, vec![0, 0, 0, 0x80, 0, 0, 0, 0]);
    assert_eq!(
        compressai::decode(&t, &data, &[]).unwrap(),
        Vec::<i32>::new()
    );
}

#[test]
fn one_symbol_round_trips() {
    let t = table();
    for (s, i) in [(0, 0), (-1, 0), (5, 0), (i32::MAX, 1), (i32::MIN, 2)] {
        let data = compressai::encode(&t, &[s], &[i]).unwrap();
        assert_eq!(compressai::decode(&t, &data, &[i]).unwrap(), vec![s]);
    }
}

#[test]
fn int32_extremes_round_trip_in_every_row() {
    let t = table();
    let symbols = [i32::MIN, i32::MAX, i32::MIN + 1, i32::MAX - 1, 0, -1, 1];
    for row in 0..3 {
        let idx = vec![row; symbols.len()];
        let data = compressai::encode(&t, &symbols, &idx).unwrap();
        assert_eq!(compressai::decode(&t, &data, &idx).unwrap(), symbols);
    }
}

#[test]
fn bad_arguments_are_refused() {
    let t = table();
    assert!(matches!(
        compressai::encode(&t, &[1, 2], &[0]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        compressai::encode(&t, &[1], &[3]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        compressai::encode(&t, &[1], &[-1]),
        Err(Error::InvalidArgument(_))
    ));
    let p12 = CdfTable::from_rows(&[vec![0, 4096]], &[2], &[0], 12).unwrap();
    assert!(matches!(
        compressai::encode(&p12, &[1], &[0]),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn empty_truncated_and_padded_streams_are_corrupt() {
    let t = table();
    let symbols: Vec<i32> = (0..500).map(|k| (k % 300) - 120).collect();
    let idx: Vec<i32> = (0..500).map(|k| k % 3).collect();
    let data = compressai::encode(&t, &symbols, &idx).unwrap();
    let corrupt = |d: &[u8]| {
        matches!(
            compressai::decode(&t, d, &idx),
            Err(Error::CorruptStream(_))
        )
    };
    assert!(corrupt(&[]));
    assert!(corrupt(&data[..data.len() - 4]));
    assert!(corrupt(&data[..data.len() - 1]));
    let mut padded = data.clone();
    padded.extend_from_slice(&[0, 0, 0, 0]);
    assert!(corrupt(&padded));
    // Fewer indexes than symbols: words are left over.
    assert!(matches!(
        compressai::decode(&t, &data, &idx[..499]),
        Err(Error::CorruptStream(_))
    ));
}

#[test]
fn buffered_encoder_matches_one_shot_and_streams_decode_in_parts() {
    let t = Arc::new(table());
    let symbols: Vec<i32> = (0..1000).map(|k| (k * 7919 % 600) - 300).collect();
    let idx: Vec<i32> = (0..1000).map(|k| k % 3).collect();
    let mut enc = BufferedEncoder::new();
    for (s, i) in symbols.chunks(137).zip(idx.chunks(137)) {
        enc.push(&t, s, i).unwrap();
    }
    assert!(enc.push(&t, &[1], &[9]).is_err());
    assert_eq!(enc.len(), 1000);
    let data = enc.flush();
    assert!(enc.is_empty());
    assert_eq!(data, compressai::encode(&t, &symbols, &idx).unwrap());
    let mut dec = StreamDecoder::new(&data).unwrap();
    let mut out = vec![0; 1000];
    for (o, i) in out.chunks_mut(250).zip(idx.chunks(250)) {
        dec.decode_into(&t, i, o).unwrap();
    }
    assert_eq!(out, symbols);
    dec.finish().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_any_symbols(pairs in prop::collection::vec((any::<i32>(), 0i32..3), 0..300)) {
        let t = table();
        let (s, i): (Vec<i32>, Vec<i32>) = pairs.into_iter().unzip();
        let data = compressai::encode(&t, &s, &i).unwrap();
        prop_assert_eq!(compressai::decode(&t, &data, &i).unwrap(), s);
    }

    #[test]
    fn round_trip_near_the_tables(pairs in prop::collection::vec((-400i32..400, 0i32..3), 0..2000)) {
        let t = table();
        let (s, i): (Vec<i32>, Vec<i32>) = pairs.into_iter().unzip();
        let data = compressai::encode(&t, &s, &i).unwrap();
        prop_assert_eq!(compressai::decode(&t, &data, &i).unwrap(), s);
    }

    /// Arbitrary bytes never panic: they decode or raise CorruptStream.
    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200), n in 0usize..100) {
        let t = table();
        let idx: Vec<i32> = (0..n as i32).map(|k| k % 3).collect();
        match compressai::decode(&t, &bytes, &idx) {
            Ok(out) => prop_assert_eq!(out.len(), n),
            Err(e) => prop_assert!(matches!(e, Error::CorruptStream(_))),
        }
    }

    /// A flipped bit is either detected or (rarely) decodes to other symbols; never a panic.
    #[test]
    fn bit_flips_never_panic(seed in any::<u64>(), bit in any::<usize>()) {
        let t = table();
        let s: Vec<i32> = (0..300).map(|k| ((seed >> (k % 60)) as i32 % 500) - 250).collect();
        let i: Vec<i32> = (0..300).map(|k| k % 3).collect();
        let mut data = compressai::encode(&t, &s, &i).unwrap();
        let b = bit % (data.len() * 8);
        data[b / 8] ^= 1 << (b % 8);
        if let Err(e) = compressai::decode(&t, &data, &i) {
            prop_assert!(matches!(e, Error::CorruptStream(_)));
        }
    }
}
