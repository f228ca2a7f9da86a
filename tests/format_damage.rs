//! A damaged fastrans stream is detected: flipped bits, truncation, every header field,
//! absurd sizes refused before allocating, other tables, bad arguments.

use fastrans::format::{self, Params};
use fastrans::parametric::laplace_table;
use fastrans::testing::varint;
use fastrans::Error;

mod common;
use common::stream::{round_trip, table, w1};
use common::{scale_table, seal, Rng};

fn expect_corrupt(r: fastrans::Result<Vec<i32>>, what: &str) {
    match r {
        Err(Error::CorruptStream(_)) => {}
        other => panic!("{what}: expected CorruptStream, got {other:?}"),
    }
}

#[test]
fn every_flipped_bit_truncation_and_trailing_byte_is_detected() {
    let t = table();
    for n in [0usize, 1, 5, 40_000] {
        let (s, i) = w1(n, 3);
        let data = round_trip(&t, &s, &i);
        let bits = if n < 10_000 { data.len() * 8 } else { 64 * 8 };
        for bit in 0..bits {
            let mut bad = data.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            expect_corrupt(format::decode(&t, &bad, &i, 1), &format!("n={n} bit {bit}"));
        }
        for len in 0..data.len() {
            if n >= 10_000 && len % 97 != 0 {
                continue;
            }
            expect_corrupt(
                format::decode(&t, &data[..len], &i, 1),
                &format!("truncated to {len}"),
            );
        }
        let mut long = data.clone();
        long.push(0);
        expect_corrupt(format::decode(&t, &long, &i, 1), "trailing byte");
    }
}

/// The decoder checks the CRC chunk by chunk, beside the decoding, and ranks it first: a
/// damaged stream says "CRC32C mismatch" whatever else the damage broke (a chunk's records,
/// the symbol count, the fingerprint, the layout), on every thread count, and the same
/// damage with the CRC sealed again gets the other check's error.
#[test]
fn damage_anywhere_is_reported_as_a_crc_mismatch_on_every_thread_count() {
    let t = table();
    let (s, i) = w1(20_000, 17);
    let params = Params {
        lanes: 8,
        chunk_symbols: 1000,
    };
    let data =
        fastrans::testing::with_params(params, || format::encode(&t, &s, &i, 1)).expect("encode");
    let mut rng = Rng(5);
    let header_bits = 64;
    for k in 0..300 {
        let bit = if k < header_bits {
            k
        } else {
            (rng.next() % (data.len() as u64 * 8)) as usize
        };
        let mut bad = data.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        for threads in [1, 2, 3] {
            expect_corrupt_saying(format::decode(&t, &bad, &i, threads), "CRC32C mismatch");
        }
    }
    // Sealed again, a changed fingerprint is a table mismatch and a changed count a bad
    // argument, not damage.
    let mut other_fp = data.clone();
    other_fp[1] ^= 1;
    let other_fp = seal(other_fp[..other_fp.len() - 4].to_vec());
    let r = format::decode(&t, &other_fp, &i, 2);
    assert!(matches!(r, Err(Error::TableMismatch(_))), "{r:?}");
    let r = format::decode(&t, &data, &i[1..], 2);
    assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
}

#[test]
fn random_payload_bit_flips_are_detected() {
    let t = table();
    let (s, i) = w1(300_000, 5);
    let data = round_trip(&t, &s, &i);
    let mut rng = Rng(99);
    for _ in 0..200 {
        let bit = (rng.next() % (data.len() as u64 * 8)) as usize;
        let mut bad = data.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        expect_corrupt(format::decode(&t, &bad, &i, 0), &format!("bit {bit}"));
    }
}

/// A version-2 header as an encoder writes it: version, fingerprint, `n`, the layout byte
/// (`lanes_log2`, with the one-chunk flag when `chunk == n`), the chunk size unless there
/// is one chunk, then the chunk lengths.
fn header_with(n: u64, lanes_log2: u8, chunk: u64, lens: &[u64], fp: u32) -> Vec<u8> {
    let mut h = vec![format::VERSION];
    h.extend_from_slice(&fp.to_le_bytes());
    varint::put(&mut h, n);
    if chunk == n {
        h.push(lanes_log2 | format::ONE_CHUNK);
    } else {
        h.push(lanes_log2);
        varint::put(&mut h, chunk);
    }
    for &l in lens {
        varint::put(&mut h, l);
    }
    h
}

/// A header with these exact bytes after version and fingerprint.
fn raw_header(version: u8, fp: u32, rest: &[u8]) -> Vec<u8> {
    let mut h = vec![version];
    h.extend_from_slice(&fp.to_le_bytes());
    h.extend_from_slice(rest);
    h
}

/// `CorruptStream` whose message says `needle`: the check under test refused the stream,
/// not a later one.
fn expect_corrupt_saying(r: fastrans::Result<Vec<i32>>, needle: &str) {
    match r {
        Err(Error::CorruptStream(m)) => assert!(m.contains(needle), "{needle:?} not in {m:?}"),
        other => panic!("{needle}: expected CorruptStream, got {other:?}"),
    }
}

#[test]
fn every_header_field_is_validated_even_with_a_good_crc() {
    let t = table();
    let fp = t.fingerprint() as u32;
    let (s, i) = w1(10, 1);
    let data = format::encode(&t, &s, &i, 1).unwrap();
    // Version 2, n = 10, one chunk of one lane: 7 header bytes, then the chunk.
    assert_eq!(&data[..7], &header_with(10, 0, 10, &[], fp)[..]);
    let chunk = &data[7..data.len() - 4];
    let with = |head: Vec<u8>| {
        let mut v = head;
        v.extend_from_slice(chunk);
        format::decode(&t, &seal(v), &i, 1)
    };
    assert_eq!(with(header_with(10, 0, 10, &[], fp)).unwrap(), s);
    // Versions.
    for version in [0u8, 3, 255] {
        let r = with(raw_header(version, fp, &[10, format::ONE_CHUNK]));
        expect_corrupt_saying(r, &format!("version {version} is not supported"));
    }
    // Version 1 is read: its layout byte is lanes_log2 alone and the chunk size is written.
    assert_eq!(with(raw_header(1, fp, &[10, 0, 10])).unwrap(), s);
    // Version 1 has no one-chunk flag: the bit reads as 2^8 lanes.
    expect_corrupt_saying(with(raw_header(1, fp, &[10, 8, 10])), "2^8 lanes");
    // Version 2: bits above the flag are reserved.
    for bit in 4..8 {
        let r = with(raw_header(2, fp, &[10, format::ONE_CHUNK | 1 << bit]));
        expect_corrupt_saying(r, "sets bits");
    }
    // Lanes beyond the format's maximum, with and without the flag.
    expect_corrupt_saying(with(header_with(10, 6, 10, &[], fp)), "2^6 lanes");
    expect_corrupt_saying(with(header_with(10, 7, 5, &[3], fp)), "2^7 lanes");
    // Chunk size 0 and larger than n.
    for chunk in [0u64, 11] {
        let r = with(raw_header(2, fp, &[10, 0, chunk as u8]));
        expect_corrupt_saying(r, &format!("chunk size {chunk} is outside"));
    }
    // One chunk written without the flag: valid in version 1, not an encoding of version 2.
    expect_corrupt_saying(with(raw_header(2, fp, &[10, 0, 10])), "one-chunk flag");
    // A chunk length pointing past the end.
    expect_corrupt_saying(
        with(header_with(10, 0, 5, &[1 << 40], fp)),
        "points past the end",
    );
    // A non-minimal varint.
    expect_corrupt_saying(
        with(raw_header(2, fp, &[0x8a, 0x00, format::ONE_CHUNK])),
        "not minimally encoded",
    );
    // The header ends before the layout byte.
    expect_corrupt_saying(
        format::decode(&t, &seal(raw_header(2, fp, &[10])), &i, 1),
        "ends inside the header",
    );
}

#[test]
fn absurd_sizes_are_refused_before_allocating() {
    let t = table();
    let fp = t.fingerprint() as u32;
    // A header claiming 2^40 symbols: refused because indexes disagree, nothing allocated.
    let v = seal(header_with(1 << 40, 4, 1 << 19, &[], fp));
    match format::decode(&t, &v, &[0; 3], 1) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("1099511627776"), "{m}"),
        other => panic!("{other:?}"),
    }
    // 10^6 one-symbol chunks in a few bytes.
    let v = seal(header_with(1_000_000, 0, 1, &[], fp));
    let indexes = vec![0; 1_000_000];
    expect_corrupt_saying(format::decode(&t, &v, &indexes, 1), "chunks cannot fit");
    // Lane crossing counts beyond the lane and states out of range.
    let mut v = header_with(1, 0, 1, &[], fp);
    varint::put(&mut v, 1 << 40); // state >= 2^31 ...
    varint::put(&mut v, 2 * 5); // ... crossing at symbol 5 of a 1-symbol lane
    expect_corrupt_saying(
        format::decode(&t, &seal(v), &[0], 1),
        "lane crossing 5 is outside",
    );
    let mut v = header_with(1, 0, 1, &[], fp);
    varint::put(&mut v, 0);
    expect_corrupt_saying(
        format::decode(&t, &seal(v), &[0], 1),
        "lane state 0x0 is outside",
    );
    let mut v = header_with(1, 0, 1, &[], fp);
    varint::put(&mut v, u64::MAX);
    expect_corrupt_saying(
        format::decode(&t, &seal(v), &[0], 1),
        "lane state 0xffffffffffffffff",
    );
}

#[test]
fn other_tables_are_a_mismatch() {
    let t = table();
    let other = laplace_table(&scale_table(), 16, 1e-9).unwrap();
    let (s, i) = w1(1000, 2);
    let data = round_trip(&t, &s, &i);
    match format::decode(&other, &data, &i, 1) {
        Err(Error::TableMismatch(_)) => {}
        r => panic!("expected TableMismatch, got {r:?}"),
    }
    let data = round_trip(&t, &[], &[]);
    assert!(matches!(
        format::decode(&other, &data, &[], 1),
        Err(Error::TableMismatch(_))
    ));
}

#[test]
fn bad_arguments_are_rejected() {
    let t = table();
    let invalid = |r: fastrans::Result<Vec<u8>>| matches!(r, Err(Error::InvalidArgument(_)));
    assert!(invalid(format::encode(&t, &[1, 2], &[0], 1)));
    assert!(invalid(format::encode(&t, &[1], &[64], 1)));
    assert!(invalid(format::encode(&t, &[1], &[-1], 1)));
    assert!(invalid(format::encode(&t, &[1], &[0], 100_000)));
    let data = format::encode(&t, &[1, 2], &[0, 1], 1).unwrap();
    assert!(matches!(
        format::decode(&t, &data, &[0], 1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        format::decode(&t, &data, &[0, 64], 1),
        Err(Error::InvalidArgument(_))
    ));
    // Wrong indexes with the right count: the lanes do not end where they began.
    assert!(format::decode(&t, &data, &[1, 0], 1)
        .map(|d| d != [1, 2])
        .unwrap_or(true));
}
