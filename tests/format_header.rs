//! `format::header`, the header reader behind `fastrans info`: it reports what the encoder
//! wrote, and refuses what the decoder refuses, with the decoder's own message.

use fastrans::format::{self, Params};
use fastrans::{CdfTable, Error};
use proptest::prelude::*;

mod common;
use common::{seal, Rng};

fn table() -> CdfTable {
    CdfTable::new(&[0, 16384, 49152, 65535, 65536], 5, &[5], &[-1], 16).expect("valid row")
}

fn stream(n: usize, params: Option<Params>) -> Vec<u8> {
    let mut rng = Rng(n as u64 | 1);
    let symbols: Vec<i32> = (0..n).map(|_| rng.below(3) as i32 - 1).collect();
    let idx = vec![0i32; n];
    common::cut_by(params, || format::encode(&table(), &symbols, &idx, 1)).expect("encodes")
}

#[test]
fn header_reports_what_the_encoder_wrote() {
    let t = table();
    for (n, params) in [
        (0, None),
        (1, None),
        (1000, None),
        (3_000_000, None),
        (
            5000,
            Some(Params {
                lanes: 8,
                chunk_symbols: 700,
            }),
        ),
    ] {
        let data = stream(n, params);
        let h = format::header(&data).expect("the encoder's header");
        assert_eq!((h.version, h.symbols), (format::VERSION, n as u64));
        assert_eq!(h.fingerprint32, format::fp32(&t));
        assert_eq!(
            h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4,
            data.len()
        );
        assert_eq!(h.crc, crc32c::crc32c(&data[..data.len() - 4]));
        if n == 0 {
            assert!(h.chunk_bytes.is_empty() && h.chunk_symbols == 0);
            continue;
        }
        assert_eq!(
            h.chunk_bytes.len() as u64,
            (n as u64).div_ceil(h.chunk_symbols)
        );
        if let Some(p) = params {
            assert_eq!((1usize << h.lanes_log2, h.chunk_symbols), (p.lanes, 700));
        }
    }
}

/// A count of 2^70 - 1 (ten varint bytes) under a valid CRC: the header reader refuses it
/// as the decoder does, with the same message.
#[test]
fn count_beyond_64_bits_is_refused_like_the_decoder() {
    let mut body = vec![2u8];
    body.extend_from_slice(&format::fp32(&table()).to_le_bytes());
    body.extend_from_slice(&[0xff; 9]);
    body.extend_from_slice(&[0x7f, 0x08, 0x00]);
    let data = seal(body);
    let h = format::header(&data);
    assert!(
        matches!(&h, Err(Error::CorruptStream(m)) if m.contains("overflows 64 bits")),
        "{h:?}"
    );
    assert_eq!(format::decode(&table(), &data, &[0; 4], 1).err(), h.err());
}

#[test]
fn damage_ranks_first_and_every_refusal_is_corrupt_stream() {
    let data = stream(1000, None);
    let mut flipped = data.clone();
    flipped[0] = 3; // a version this build does not read, under a stale CRC
    let got = format::header(&flipped);
    assert!(
        matches!(&got, Err(Error::CorruptStream(m)) if m.contains("CRC32C")),
        "{got:?}"
    );
    for short in [&data[..0], &data[..3], &data[..4]] {
        let got = format::header(short);
        assert!(
            matches!(got, Err(Error::CorruptStream(_))),
            "{} bytes: {got:?}",
            short.len()
        );
    }
    // Eight chunks, the last cut off and the CRC resealed: it has nothing to hold its
    // lanes' states.
    let data = stream(
        5000,
        Some(Params {
            lanes: 8,
            chunk_symbols: 700,
        }),
    );
    let h = format::header(&data).unwrap();
    let kept = h.header_bytes + h.chunk_bytes[..7].iter().sum::<usize>();
    let cut = seal(data[..kept].to_vec());
    let got = format::header(&cut);
    assert!(
        matches!(&got, Err(Error::CorruptStream(m)) if m.contains("chunk 7 has no bytes")),
        "{got:?}"
    );
    assert!(matches!(
        format::decode(&table(), &cut, &[0; 5000], 1),
        Err(Error::CorruptStream(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Header bytes after the fingerprint mutated and the CRC resealed: whatever the header
    /// reader refuses, the decoder (given indexes of the original count) refuses too, with
    /// the same message unless the count changed (then the count check speaks first), and
    /// an accepted header with the original count agrees with the stream's real layout.
    #[test]
    fn header_refuses_what_the_decoder_refuses(
        which in 0usize..3,
        edits in prop::collection::vec((0usize..12, any::<u8>()), 1..4),
    ) {
        let (n, params) = [
            (1000, None),
            (5000, Some(Params { lanes: 8, chunk_symbols: 700 })),
            (40, Some(Params { lanes: 4, chunk_symbols: 40 })),
        ][which];
        let clean = stream(n, params);
        let mut body = clean[..clean.len() - 4].to_vec();
        for (at, v) in edits {
            let at = 5 + at;
            if at < body.len() {
                body[at] = v;
            }
        }
        let data = seal(body);
        let idx = vec![0i32; n];
        let decoded = format::decode(&table(), &data, &idx, 1);
        match format::header(&data) {
            Err(e) => {
                let d = decoded.expect_err("the decoder accepted what the header reader refused");
                let same = d == e;
                let count_first = matches!(d, Error::InvalidArgument(_));
                let empty_chunk = matches!(&e, Error::CorruptStream(m) if m.contains("no bytes"));
                prop_assert!(same || count_first || empty_chunk, "header: {e:?}, decoder: {d:?}");
            }
            Ok(h) => {
                prop_assert_eq!(h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4, data.len());
            }
        }
    }
}
