//! The fastrans stream: round trips at every lane/chunk boundary, bytes independent of the
//! thread count, size against the CompressAI stream, corruption and table-mismatch
//! detection, bounded parsing, bad arguments; gaussian/laplace tables; the fused ScaleCoder.

use std::sync::Arc;

use fastrans::format::{self, Params, MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS};
use fastrans::scale_coder::{round_half_even, ScaleCoder, StreamFormat};
use fastrans::tables::parametric::{gaussian_table, laplace_table};
use fastrans::tables::scale_index::ScaleIndex;
use fastrans::testing::varint;
use fastrans::{compressai, CdfTable, Error};
use proptest::prelude::*;

mod common;
use common::{scale_table, seal, Rng};

fn table() -> CdfTable {
    gaussian_table(&scale_table(), 16, 1e-9).expect("valid scale table")
}

/// W1-like floats: scales log-uniform 0.12..30, means ~N(0, 3), y = means + scales * N(0,1).
fn w1_floats(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    floats_with_scales(n, seed, 30.0)
}

/// As [`w1_floats`] with scales log-uniform in 0.12..`max_scale` (a lower maximum gives
/// fewer bits a symbol).
fn floats_with_scales(n: usize, seed: u64, max_scale: f64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Rng(seed | 1);
    let mut y = Vec::with_capacity(n);
    let mut means = Vec::with_capacity(n);
    let mut scales = Vec::with_capacity(n);
    for _ in 0..n {
        let s = (0.12f64.ln() + rng.unit() * (max_scale.ln() - 0.12f64.ln())).exp() as f32;
        let m = (3.0 * rng.normal()) as f32;
        y.push(m + s * rng.normal() as f32);
        means.push(m);
        scales.push(s);
    }
    (y, means, scales)
}

fn scale_table_f32() -> Vec<f32> {
    scale_table().iter().map(|&s| s as f32).collect()
}

/// W1-like symbols and indexes.
fn w1(n: usize, seed: u64) -> (Vec<i32>, Vec<i32>) {
    symbols_with_scales(n, seed, 30.0)
}

/// Symbols and indexes of [`floats_with_scales`].
fn symbols_with_scales(n: usize, seed: u64, max_scale: f64) -> (Vec<i32>, Vec<i32>) {
    let (y, means, scales) = floats_with_scales(n, seed, max_scale);
    let ix = ScaleIndex::new(&scale_table_f32(), 0.11).expect("valid");
    let symbols = y
        .iter()
        .zip(&means)
        .map(|(&v, &m)| round_half_even(v - m) as i32)
        .collect();
    let mut indexes = vec![0; n];
    ix.rows_into(&scales, &mut indexes).expect("no NaN");
    (symbols, indexes)
}

/// `format::decode` with its output poisoned first (`with_poisoned_output`), so a position
/// the decoder never wrote cannot pass for a decoded zero.
fn decode(table: &CdfTable, data: &[u8], indexes: &[i32], threads: usize) -> Vec<i32> {
    format::with_poisoned_output(|| format::decode(table, data, indexes, threads)).expect("decode")
}

fn round_trip(table: &CdfTable, symbols: &[i32], indexes: &[i32]) -> Vec<u8> {
    let data = format::encode(table, symbols, indexes, 1).expect("encode");
    let back = decode(table, &data, indexes, 1);
    assert_eq!(back, symbols, "n = {}", symbols.len());
    data
}

/// Sizes around every lane and chunk boundary of the parameter choice.
fn boundary_sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = (0..70).collect();
    for base in [
        MIN_LANE_SYMBOLS,
        2 * MIN_LANE_SYMBOLS,
        4 * MIN_LANE_SYMBOLS,
        8 * MIN_LANE_SYMBOLS,
        16 * MIN_LANE_SYMBOLS,
        MAX_CHUNK_SYMBOLS,
        2 * 16 * MIN_LANE_SYMBOLS,
        2 * MAX_CHUNK_SYMBOLS,
        4 * MAX_CHUNK_SYMBOLS,
    ] {
        sizes.extend([base - 1, base, base + 1, base + 17]);
    }
    sizes.push(1_000_000);
    sizes
}

#[test]
fn round_trips_at_every_boundary_and_thread_count() {
    let t = table();
    let (symbols, indexes) = w1(4 * MAX_CHUNK_SYMBOLS + 17, 7);
    for n in boundary_sizes() {
        let (s, i) = (&symbols[..n], &indexes[..n]);
        let data = round_trip(&t, s, i);
        for threads in [0, 2, 8] {
            assert_eq!(
                format::encode(&t, s, i, threads).unwrap(),
                data,
                "n={n} threads={threads}"
            );
            assert_eq!(decode(&t, &data, i, threads), s, "n={n}");
        }
    }
}

#[test]
fn params_follow_the_symbol_count() {
    assert_eq!(
        Params::for_len(0),
        Params {
            lanes: 1,
            chunk_symbols: 1
        }
    );
    assert_eq!(
        Params::for_len(1000),
        Params {
            lanes: 1,
            chunk_symbols: 1000
        }
    );
    // W1: two chunks of 16 lanes (a lane per 30 K symbols).
    let p = Params::for_len(983_040);
    assert_eq!(p.chunk_symbols, 491_520);
    assert_eq!(p.lanes, 16);
    let p = Params::for_len(491_519);
    assert_eq!(p.lanes, 8);
    let p = Params::for_len(61_440);
    assert_eq!(p.lanes, 2);
    let p = Params::for_len(100_000_000);
    assert!(p.chunk_symbols <= MAX_CHUNK_SYMBOLS);
}

/// `fastrans <= compressai * 1.0005 + 16`.
fn within_bound(fastrans: usize, compressai: usize) -> bool {
    fastrans as f64 <= compressai as f64 * 1.0005 + 16.0
}

/// Checks the size bound on sizes 1..300, geometrically spaced sizes up to `max_n` and
/// every lane/chunk boundary below it; returns the symbols' mean bits in CompressAI's
/// stream at `max_n`.
fn check_size_bound(symbols: &[i32], indexes: &[i32], max_n: usize) -> f64 {
    let t = table();
    let mut sizes: Vec<usize> = (1..300).collect();
    let mut n = 300usize;
    while n <= max_n {
        sizes.push(n);
        n = n * 9 / 8 + 1;
    }
    sizes.extend(
        boundary_sizes()
            .into_iter()
            .filter(|&n| (1..=max_n).contains(&n)),
    );
    sizes.push(max_n);
    let mut bits = 0.0;
    for n in sizes {
        let (s, i) = (&symbols[..n], &indexes[..n]);
        let ours = format::encode(&t, s, i, 0).unwrap().len();
        let theirs = compressai::encode(&t, s, i).unwrap().len();
        assert!(
            within_bound(ours, theirs),
            "n={n}: fastrans {ours} B, compressai {theirs} B"
        );
        bits = 8.0 * theirs as f64 / n as f64;
    }
    bits
}

#[test]
fn size_within_bound_of_compressai() {
    let (symbols, indexes) = w1(1_000_000, 11);
    let bits = check_size_bound(&symbols, &indexes, 1_000_000);
    assert!(
        (3.0..3.3).contains(&bits),
        "W1-like data: {bits} bits a symbol"
    );
}

#[test]
fn size_within_bound_at_two_bits_a_symbol() {
    // docs/FORMAT.md §5: with `Params::for_len`'s lanes alone the bound held down to about
    // 2 bits a symbol, at every lane and chunk boundary (two chunks of 16 lanes from
    // 983 040 symbols, four from 2^21). The lane budget now cuts some of them here.
    let n = 4 * MAX_CHUNK_SYMBOLS + 17;
    let (symbols, indexes) = symbols_with_scales(n, 13, 6.0);
    let bits = check_size_bound(&symbols, &indexes, n);
    assert!((1.9..2.1).contains(&bits), "{bits} bits a symbol");
}

#[test]
fn size_within_bound_below_two_bits_a_symbol() {
    // Below about 2 bits a symbol the lanes of `Params::for_len` would cost more than the
    // bound allows at large sizes; the encoder then takes fewer (`Params::within_budget`).
    let n = 4 * MAX_CHUNK_SYMBOLS + 17;
    for (max_scale, seed, bits_range) in [(0.5, 19, 0.3..0.6), (1.5, 23, 0.9..1.3)] {
        let (symbols, indexes) = symbols_with_scales(n, seed, max_scale);
        let bits = check_size_bound(&symbols, &indexes, n);
        assert!(bits_range.contains(&bits), "{bits} bits a symbol");
    }
}

/// The lane budget at its exact thresholds, on W1's size (two chunks of 16 lanes):
/// 30 extra lanes, one extra chunk and the chunk-size varint cost 21 * 30 + 32 + 4 * 3 =
/// 674 quarter bytes, which must fit in a 2000th of the body less those 674 / 4 bytes.
#[test]
fn lanes_follow_the_size_budget() {
    let n = 983_040;
    let p = Params::for_len(n);
    assert_eq!(p.extra_cost(n), 674);
    assert_eq!(p.within_budget(n, 381_000), None);
    assert_eq!(p.within_budget(n, 337_169), None);
    let cut = |body: usize| p.within_budget(n, body).expect("over budget");
    let params = |lanes: usize, chunk_symbols: usize| Params {
        lanes,
        chunk_symbols,
    };
    // First the same two chunks with 8 lanes (338 quarter bytes) ...
    assert_eq!(cut(337_168), params(8, 491_520));
    assert_eq!(cut(169_169), params(8, 491_520));
    // ... then one chunk of 8 lanes (147) ...
    assert_eq!(cut(169_168), params(8, n));
    assert_eq!(cut(73_669), params(8, n));
    // ... then fewer lanes in that chunk: 4 (63), 2 (21), 1.
    assert_eq!(cut(73_668), params(4, n));
    assert_eq!(cut(31_669), params(4, n));
    assert_eq!(cut(31_668), params(2, n));
    assert_eq!(cut(10_669), params(2, n));
    assert_eq!(cut(10_668), params(1, n));
    assert_eq!(cut(0), params(1, n));
    // One chunk of one lane is never cut.
    assert_eq!(Params::for_len(1000).within_budget(1000, 1), None);
    assert_eq!(Params::for_len(0).within_budget(0, 0), None);
}

proptest! {
    /// Whatever the size and body: the parameters chosen fit the budget (or are one chunk
    /// of one lane), take no more lanes or chunks than `for_len`, and chunks go only once
    /// lanes are down to 8, with as many kept as fit.
    #[test]
    fn the_budget_keeps_what_fits(n in 1usize..2_000_000_000, body in 0usize..1_000_000_000) {
        let p = Params::for_len(n);
        let single = body.saturating_sub(p.extra_cost(n).div_ceil(4));
        let fits = |q: Params| q.extra_cost(n) * 500 <= single;
        let Some(q) = p.within_budget(n, body) else {
            prop_assert!(fits(p));
            return Ok(());
        };
        prop_assert!(!fits(p));
        prop_assert!(fits(q) || (q.lanes == 1 && q.chunk_symbols == n), "{q:?}");
        prop_assert!(q.lanes.is_power_of_two() && q.lanes <= p.lanes);
        prop_assert!(q.chunks(n) <= p.chunks(n));
        if q.chunks(n) < p.chunks(n) {
            prop_assert!(q.lanes <= 8);
            if q.chunks(n) > 1 {
                // One chunk more of the same lanes would not fit.
                let more = Params { lanes: q.lanes, chunk_symbols: n.div_ceil(q.chunks(n) + 1) };
                prop_assert!(more.chunks(n) == q.chunks(n) || !fits(more), "{q:?}");
            }
        } else if q.lanes < 8 {
            prop_assert!(q.chunks(n) == 1);
        }
    }
}

/// Nearly certain symbols (~10^-4 to 10^-2 bits each) up to 10^8 of them, the issue's
/// largest size: the lanes and the chunks must give way to the 16 bytes the bound leaves
/// the header (a single chunk then needs the one-chunk flag), and one chunk of 10^8
/// symbols decodes.
#[test]
fn size_within_bound_for_nearly_certain_symbols_up_to_10_8() {
    let t = table();
    let max_n = 100_000_000;
    let mut sizes: Vec<usize> = (10..=26).step_by(2).map(|k| 1 << k).collect();
    sizes.extend([
        MAX_CHUNK_SYMBOLS + 1,
        2 * MAX_CHUNK_SYMBOLS + 1,
        3_000_017,
        max_n,
    ]);
    for (p1, seed) in [(0.0, 1), (2e-3, 5)] {
        // Symbol 0 of row 0 (scale 0.11), and with probability p1 a symbol in -1..=1 of
        // row 10 (scale ~0.4).
        let mut rng = Rng(seed);
        let mut symbols = vec![0; max_n];
        let mut indexes = vec![0; max_n];
        for (s, i) in symbols.iter_mut().zip(&mut indexes) {
            if rng.unit() < p1 {
                *i = 10;
                *s = (rng.next() % 3) as i32 - 1;
            }
        }
        for &n in &sizes {
            let (s, i) = (&symbols[..n], &indexes[..n]);
            let ours = format::encode(&t, s, i, 0).unwrap();
            let theirs = compressai::encode(&t, s, i).unwrap().len();
            assert!(
                within_bound(ours.len(), theirs),
                "p1={p1} n={n}: fastrans {} B, compressai {theirs} B",
                ours.len()
            );
            if n == max_n {
                assert_eq!(decode(&t, &ours, i, 0), s, "p1={p1}");
            }
        }
    }
}

#[test]
fn size_within_bound_for_constant_symbols_when_small() {
    // Near-zero entropy: every lane record is a byte, every stream tiny.
    let t = table();
    for n in [1usize, 2, 10, 100, 1000, 10_000] {
        let s = vec![0; n];
        let i = vec![0; n];
        let ours = round_trip(&t, &s, &i).len();
        let theirs = compressai::encode(&t, &s, &i).unwrap().len();
        assert!(within_bound(ours, theirs), "n={n}: {ours} vs {theirs}");
    }
}

#[test]
fn escapes_and_extremes_round_trip() {
    let t = table();
    let extremes = [
        i32::MIN,
        i32::MAX,
        i32::MIN + 1,
        i32::MAX - 1,
        -100_000,
        100_000,
        0,
        5,
        -5,
    ];
    for n in [1usize, 2, 3, 17, 64, 1000, 70_000] {
        let symbols: Vec<i32> = (0..n).map(|k| extremes[k % extremes.len()]).collect();
        for row in [0, 20, 63] {
            let indexes = vec![row; n];
            round_trip(&t, &symbols, &indexes);
        }
    }
    // A lane whose state crosses 2^31 part-way through a long escape.
    let symbols = vec![i32::MAX; 3];
    round_trip(&t, &symbols, &[0, 0, 0]);
}

#[test]
fn empty_stream_is_eleven_bytes_or_less() {
    let t = table();
    let data = round_trip(&t, &[], &[]);
    assert_eq!(data.len(), 10);
    assert_eq!(data[0], format::VERSION);
    assert_eq!(&data[1..5], &(t.fingerprint() as u32).to_le_bytes());
    assert_eq!(data[5], 0);
    assert_eq!(&data[6..], &crc32c::crc32c(&data[..6]).to_le_bytes());
}

#[test]
fn pinned_small_stream() {
    // One symbol, one lane: pins the byte layout of docs/FORMAT.md.
    let t = CdfTable::new(&[0, 16384, 49152, 65535, 65536], 5, &[5], &[-1], 16).unwrap();
    let data = format::encode(&t, &[0], &[0], 1).unwrap();
    // symbol 0 -> bin 1 = [16384, 49152): x = ((1 / 32768) << 16) + 1 % 32768 + 16384 = 16385.
    let mut want = vec![2u8];
    want.extend_from_slice(&(t.fingerprint() as u32).to_le_bytes());
    want.extend_from_slice(&[1, 0x08]); // n = 1; layout: one chunk, 1 lane
    want.extend_from_slice(&[0x81, 0x80, 0x01]); // lane state 16385
    let crc = crc32c::crc32c(&want);
    want.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(data, want);
}

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
    let data = format::with_params(params, || format::encode(&t, &s, &i, 1)).expect("encode");
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

#[test]
fn precision_other_than_16_codes() {
    for p in [1u32, 4, 12, 15] {
        let t = gaussian_table(&[0.2, 1.0], p.max(4), 1e-3).unwrap();
        let symbols: Vec<i32> = (0..5000).map(|k| (k % 7) - 3).collect();
        let indexes: Vec<i32> = (0..5000).map(|k| k % 2).collect();
        round_trip(&t, &symbols, &indexes);
    }
}

#[test]
fn gaussian_table_pinned_values() {
    let t = gaussian_table(&[0.11, 1.0], 16, 1e-9).unwrap();
    assert_eq!(t.offsets(), vec![-1, -7]);
    assert_eq!(t.row_cdf(0), &[0, 1, 65534, 65535, 65536]);
    let row1 = t.row_cdf(1);
    assert_eq!(row1.len(), 17);
    // Pinned: the same on every platform (libm is pure Rust).
    assert_eq!(row1, PINNED_ROW1);
    // Φ(0.5) - Φ(-0.5) = 0.38292492 -> 25095.3 of 65536.
    assert!((row1[8] - row1[7]).abs_diff(25095) <= 2, "{row1:?}");
    // Deterministic: built twice, same fingerprint.
    assert_eq!(
        t.fingerprint(),
        gaussian_table(&[0.11, 1.0], 16, 1e-9)
            .unwrap()
            .fingerprint()
    );
}

#[test]
fn parametric_tables_reject_bad_arguments() {
    for bad in [
        &[][..],
        &[0.0],
        &[-1.0],
        &[f64::NAN],
        &[f64::INFINITY],
        &[1e9],
    ] {
        assert!(
            matches!(
                gaussian_table(bad, 16, 1e-9),
                Err(Error::InvalidArgument(_))
            ),
            "{bad:?}"
        );
        assert!(
            matches!(laplace_table(bad, 16, 1e-9), Err(Error::InvalidArgument(_))),
            "{bad:?}"
        );
    }
    for tm in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(
            matches!(
                gaussian_table(&[1.0], 16, tm),
                Err(Error::InvalidArgument(_))
            ),
            "{tm}"
        );
    }
    for p in [0, 17] {
        assert!(matches!(
            gaussian_table(&[1.0], p, 1e-9),
            Err(Error::InvalidArgument(_))
        ));
    }
}

fn coder() -> ScaleCoder {
    ScaleCoder::new(Arc::new(table()), &scale_table_f32(), 0.11).unwrap()
}

/// The decoders write every output position: decoded into poisoned memory, a multi-chunk
/// stream (pairs of chunks on one thread, one chunk per thread on two, a short last
/// chunk) comes back exactly, through the vector and (on one thread) the scalar lanes.
#[test]
fn every_output_position_is_written() {
    let c = coder();
    let n = 2 * MAX_CHUNK_SYMBOLS + 3 * MIN_LANE_SYMBOLS + 5;
    let (y, means, scales) = w1_floats(n, 33);
    let data = c
        .encode(&y, &scales, Some(&means), StreamFormat::Fastrans, 1)
        .unwrap();
    let want: Vec<f32> = y
        .iter()
        .zip(&means)
        .map(|(&v, &m)| (v - m).round_ties_even() + m)
        .collect();
    for threads in [1, 2, 3] {
        let dec = || {
            c.decode(
                &data,
                &scales,
                Some(&means),
                StreamFormat::Fastrans,
                threads,
            )
        };
        let vector = format::with_poisoned_output(dec).unwrap();
        assert!(vector == want, "threads={threads}");
        if threads == 1 {
            // (`with_scalar_lanes` holds for the calling thread only.)
            let scalar = format::with_poisoned_output(|| fastrans::testing::with_scalar_lanes(dec));
            assert!(scalar.unwrap() == want, "scalar lanes");
        }
    }
}

#[test]
fn scale_coder_matches_the_array_path_in_both_formats() {
    let c = coder();
    let t = c.table().clone();
    for n in [0usize, 1, 100, 70_000] {
        let (y, means, scales) = w1_floats(n, 21);
        let (s, i) = w1(n, 21);
        for (fmt, want) in [
            (
                StreamFormat::Fastrans,
                format::encode(&t, &s, &i, 1).unwrap(),
            ),
            (
                StreamFormat::CompressAi,
                compressai::encode(&t, &s, &i).unwrap(),
            ),
        ] {
            let got = c.encode(&y, &scales, Some(&means), fmt, 0).unwrap();
            assert_eq!(got, want, "n={n} {fmt:?}");
            let back = c.decode(&got, &scales, Some(&means), fmt, 0).unwrap();
            let expect: Vec<f32> = s.iter().zip(&means).map(|(&q, &m)| q as f32 + m).collect();
            assert_eq!(back, expect);
        }
        let no_means = c
            .encode(&y, &scales, None, StreamFormat::Fastrans, 1)
            .unwrap();
        let back = c
            .decode(&no_means, &scales, None, StreamFormat::Fastrans, 2)
            .unwrap();
        let expect: Vec<f32> = y.iter().map(|&v| v.round_ties_even()).collect();
        assert_eq!(back, expect);
    }
}

/// Inputs are checked a block at a time as they are coded (`lanes::CHECK_BLOCK`), yet the
/// error is the one a check of each chunk first would give: the first bad position in
/// stream order, and within a chunk a bad input before damage to the stream. Positions
/// straddle blocks and chunks; the encoder codes from the end, so a late bad position is
/// met first.
#[test]
fn block_wise_checks_report_the_first_bad_input() {
    use fastrans::testing::CHECK_BLOCK;
    let c = coder();
    let n = MAX_CHUNK_SYMBOLS + 5 * CHECK_BLOCK + 3;
    let (y, means, scales) = w1_floats(n, 41);
    let data = c
        .encode(&y, &scales, Some(&means), StreamFormat::Fastrans, 1)
        .unwrap();
    let message = |r: fastrans::Result<Vec<u8>>, what: &str| match r {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("{what}: expected InvalidArgument, got {other:?}"),
    };
    let first_bad = [
        3,
        CHECK_BLOCK - 1,
        CHECK_BLOCK,
        3 * CHECK_BLOCK + 7,
        MAX_CHUNK_SYMBOLS - 1,
        MAX_CHUNK_SYMBOLS + CHECK_BLOCK + 1,
    ];
    for &at in &first_bad {
        let mut bad = scales.clone();
        bad[at] = f32::NAN;
        bad[n - 1] = f32::NAN;
        if at + CHECK_BLOCK < n {
            bad[at + CHECK_BLOCK] = f32::NAN;
        }
        let want = format!("scales[{at}] is NaN");
        for threads in [1, 2] {
            let what = format!("at={at} threads={threads}");
            let enc = c.encode(&y, &bad, Some(&means), StreamFormat::Fastrans, threads);
            let enc = message(enc, &what);
            assert!(enc.starts_with(&want), "encode, at={at}: {enc}");
            let dec = c.decode(&data, &bad, Some(&means), StreamFormat::Fastrans, threads);
            let dec = message(dec.map(|_| Vec::new()), &what);
            assert!(dec.starts_with(&want), "decode, at={at}: {dec}");
        }
        // Damage in the last chunk's words, at or after every bad input's chunk: still
        // the input's error (chunks report in stream order, inputs first within one).
        let mut body = data[..data.len() - 4].to_vec();
        let late = body.len() - 60;
        body[late] ^= 0x10;
        let damaged = seal(body);
        assert!(matches!(
            c.decode(&damaged, &scales, Some(&means), StreamFormat::Fastrans, 1),
            Err(Error::CorruptStream(_))
        ));
        let dec = c.decode(&damaged, &bad, Some(&means), StreamFormat::Fastrans, 1);
        let dec = message(dec.map(|_| Vec::new()), &format!("damaged, at={at}"));
        assert!(dec.starts_with(&want), "damaged, at={at}: {dec}");
    }
}

/// The AVX-512 kernels check `ScaleCoder`'s floats themselves, with no pass of their own
/// (a NaN or out-of-range difference becomes the symbol `i32::MIN`, a NaN scale or mean is
/// flagged by the scale lookup). Every kind of bad input, in the hot rounds (in a group's
/// first and last lane, mid-block) and in the chunk's first positions, gets the error of
/// the first bad input, as with the scalar lanes; and a valid difference of exactly
/// `-2^31`, which also becomes `i32::MIN`, still round-trips.
#[test]
fn kernels_checking_floats_report_every_bad_input() {
    use fastrans::testing::{with_scalar_lanes, CHECK_BLOCK};
    let c = coder();
    let f = StreamFormat::Fastrans;
    // Eight lanes: the fewest the vector kernels take.
    let n = 8 * MIN_LANE_SYMBOLS + 40;
    assert_eq!(Params::for_len(n).lanes, 8);
    let (y, means, scales) = w1_floats(n, 57);
    let data = c.encode(&y, &scales, Some(&means), f, 1).unwrap();
    let message = |r: fastrans::Result<Vec<f32>>, what: &str| match r {
        Err(Error::InvalidArgument(m)) => m,
        Err(e) => panic!("{what}: expected InvalidArgument, got {e:?}"),
        Ok(v) => panic!("{what}: expected InvalidArgument, got {} values", v.len()),
    };
    let both = |run: &dyn Fn() -> fastrans::Result<Vec<f32>>, what: &str| {
        let (simd, scalar) = (message(run(), what), message(with_scalar_lanes(run), what));
        assert_eq!(simd, scalar, "{what}: the kernels disagree");
        simd
    };
    let hot = [
        40 * CHECK_BLOCK + 8,
        70 * CHECK_BLOCK + 1007,
        80 * CHECK_BLOCK + 3,
    ];
    for (k, at) in [0, 7, hot[0], hot[1], hot[2], n - 41]
        .into_iter()
        .enumerate()
    {
        let later = (at + CHECK_BLOCK / 2).min(n - 1);
        for (bad, want) in [
            (f32::NAN, format!("values[{at}] is NaN")),
            (f32::INFINITY, format!("values[{at}] = inf is not finite")),
            (
                f32::NEG_INFINITY,
                format!("values[{at}] = -inf is not finite"),
            ),
            (3e9, format!("values[{at}] - means[{at}] = ")),
            (-3e9, format!("values[{at}] - means[{at}] = ")),
        ] {
            let mut v = y.clone();
            (v[at], v[later]) = (bad, f32::NAN);
            let what = format!("value {bad} at {at}");
            let enc = || {
                c.encode(&v, &scales, Some(&means), f, 1)
                    .map(|_| Vec::new())
            };
            let got = both(&enc, &what);
            assert!(got.starts_with(&want), "{what}: {got}");
        }
        // NaNs of every kind: the scale lookup's buckets of `+inf` (which holds the NaNs
        // just above it), of the other NaNs, and of the negative ones differ.
        let nan = [
            f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::from_bits(0xffc0_0000),
        ];
        let nan = nan[k % 3];
        let mut sc = scales.clone();
        (sc[at], sc[later]) = (nan, f32::NAN);
        let mut mn = means.clone();
        (mn[at], mn[later]) = (nan, f32::NAN);
        let cases = [
            (&sc, &means, format!("scales[{at}] is NaN")),
            (&scales, &mn, format!("means[{at}] is NaN")),
        ];
        for (sc, mn, want) in cases {
            let what = format!("{want} (at {at})");
            let enc = || c.encode(&y, sc, Some(mn), f, 1).map(|_| Vec::new());
            assert!(both(&enc, &what).starts_with(&want), "encode {what}");
            let dec = || c.decode(&data, sc, Some(mn), f, 1);
            assert!(both(&dec, &what).starts_with(&want), "decode {what}");
        }
    }
    // -2^31 exactly fits i32: coded (as an escape), not refused, in both kernels.
    let mut d = y.clone();
    for at in [5, 50 * CHECK_BLOCK + 3, 90 * CHECK_BLOCK + 17] {
        d[at] = -2_147_483_648.0;
    }
    let stream = c.encode(&d, &scales, None, f, 1).unwrap();
    assert_eq!(
        with_scalar_lanes(|| c.encode(&d, &scales, None, f, 1)).unwrap(),
        stream
    );
    let back = c.decode(&stream, &scales, None, f, 1).unwrap();
    let rounded: Vec<f32> = d.iter().map(|&x| round_half_even(x)).collect();
    assert_eq!(back, rounded);
}

/// A thread keeps its last chunk's word buffer for the next chunk (`LaneWords`): a stream
/// encoded after larger ones, whose words are still in that buffer, gets the bytes it gets
/// on a fresh thread.
#[test]
fn a_reused_word_buffer_leaves_no_trace() {
    let c = coder();
    let f = StreamFormat::Fastrans;
    let (y, means, scales) = w1_floats(MAX_CHUNK_SYMBOLS + 1000, 61);
    let (y2, means2, scales2) = w1_floats(9 * MIN_LANE_SYMBOLS + 77, 62);
    let fresh = std::thread::spawn({
        let c = c.clone();
        let (y2, means2, scales2) = (y2.clone(), means2.clone(), scales2.clone());
        move || c.encode(&y2, &scales2, Some(&means2), f, 1).unwrap()
    })
    .join()
    .unwrap();
    for _ in 0..2 {
        let big = c.encode(&y, &scales, Some(&means), f, 1).unwrap();
        assert_eq!(
            c.decode(&big, &scales, Some(&means), f, 1).unwrap().len(),
            y.len()
        );
        let small = c.encode(&y2, &scales2, Some(&means2), f, 1).unwrap();
        assert_eq!(small, fresh);
    }
}

/// Rows for every position; the positions from `bad` on are unusable inputs.
struct BadFrom {
    rows: Vec<usize>,
    bad: usize,
}

impl fastrans::testing::DecodeTarget for BadFrom {
    type Out = i32;
    fn check(&self, start: usize, len: usize) -> fastrans::Result<()> {
        if start + len > self.bad {
            let at = start.max(self.bad);
            return Err(Error::InvalidArgument(format!("position {at} is bad")));
        }
        Ok(())
    }
    fn row(&self, i: usize) -> usize {
        self.rows[i]
    }
    fn value(&self, _i: usize, symbol: i32) -> i32 {
        symbol
    }
}

/// Damage early in a chunk's words and a bad input late in the same chunk: the decoder
/// meets the damage first, block by block, yet reports the input (a check of the whole
/// chunk first would have). Every symbol is an escape (a one-bin row), so damaged words
/// fail within a few symbols rather than at the chunk's end.
#[test]
fn a_bad_input_outranks_earlier_damage_in_its_chunk() {
    use fastrans::testing::{decode_chunk, encode_chunk, EncodeSource, CHECK_BLOCK};
    struct Src(Vec<i32>);
    impl EncodeSource for Src {
        fn check(&self, _start: usize, _len: usize) -> fastrans::Result<()> {
            Ok(())
        }
        fn get(&self, i: usize) -> (i32, usize) {
            (self.0[i], 0)
        }
    }
    let table = CdfTable::new(&[0, 1 << 16], 2, &[2], &[0], 16).unwrap();
    let m = 3 * CHECK_BLOCK + 5;
    let mut rng = Rng(99);
    let symbols: Vec<i32> = (0..m).map(|_| rng.below(2001) as i32 - 1000).collect();
    let mut data = Vec::new();
    encode_chunk(&table, &Src(symbols.clone()), 0, m, 8, &mut data).unwrap();
    data[100] ^= 0x44;
    let bad = 2 * CHECK_BLOCK + 1;
    for simd in [true, false] {
        let dec = |bad: usize| {
            let tgt = BadFrom {
                rows: vec![0; m],
                bad,
            };
            let run = || decode_chunk(&table, &tgt, 0, &data, 8, &mut vec![0i32; m]);
            if simd {
                run()
            } else {
                fastrans::testing::with_scalar_lanes(run)
            }
        };
        assert!(matches!(dec(m), Err(Error::CorruptStream(_))), "damage");
        match dec(bad) {
            Err(Error::InvalidArgument(msg)) => assert_eq!(msg, format!("position {bad} is bad")),
            other => panic!("expected the bad input's error, got {other:?}"),
        }
    }
}

#[test]
fn scale_coder_rejects_bad_floats() {
    let c = coder();
    let ok = vec![1.0f32; 10];
    let f = StreamFormat::Fastrans;
    let invalid = |r: fastrans::Result<Vec<u8>>| matches!(r, Err(Error::InvalidArgument(_)));
    for fmt in [StreamFormat::Fastrans, StreamFormat::CompressAi] {
        for (k, bad) in [f32::NAN, f32::INFINITY, -f32::INFINITY, 3e9, -3e9]
            .into_iter()
            .enumerate()
        {
            let mut v = ok.clone();
            v[k + 3] = bad;
            assert!(invalid(c.encode(&v, &ok, Some(&ok), fmt, 1)), "value {bad}");
        }
        let mut nan = ok.clone();
        nan[9] = f32::NAN;
        assert!(invalid(c.encode(&ok, &nan, Some(&ok), fmt, 1)), "NaN scale");
        assert!(invalid(c.encode(&ok, &ok, Some(&nan), fmt, 1)), "NaN mean");
        assert!(
            invalid(c.encode(&ok, &ok[..9], None, fmt, 1)),
            "short scales"
        );
        assert!(
            invalid(c.encode(&ok, &ok, Some(&ok[..9]), fmt, 1)),
            "short means"
        );
        let data = c.encode(&ok, &ok, None, fmt, 1).unwrap();
        assert!(matches!(
            c.decode(&data, &nan, None, fmt, 1),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            c.decode(&data, &ok, Some(&nan), fmt, 1),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            c.decode(&data, &ok, Some(&ok[..3]), fmt, 1),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        StreamFormat::parse("zip"),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(
        StreamFormat::parse("compressai").unwrap(),
        StreamFormat::CompressAi
    );
    let _ = f;
    assert!(ScaleCoder::new(Arc::new(table()), &[1.0; 3], 0.11).is_err());
    assert!(ScaleCoder::new(Arc::new(table()), &scale_table_f32(), f32::NAN).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_symbols_round_trip_identically_on_any_thread_count(
        pairs in prop::collection::vec((any::<i32>(), -40i32..40, 0i32..64, any::<bool>()), 0..3000),
    ) {
        let t = table();
        // Mostly small symbols, sometimes anything (escapes of every length).
        let symbols: Vec<i32> = pairs.iter().map(|&(big, small, _, wide)| if wide { big } else { small }).collect();
        let indexes: Vec<i32> = pairs.iter().map(|p| p.2).collect();
        let data = format::encode(&t, &symbols, &indexes, 1).unwrap();
        prop_assert_eq!(&format::encode(&t, &symbols, &indexes, 2).unwrap(), &data);
        prop_assert_eq!(format::decode(&t, &data, &indexes, 0).unwrap(), symbols);
    }

    #[test]
    fn scale_coder_round_trips_any_finite_floats(
        items in prop::collection::vec((-1e6f32..1e6, 0.0f32..300.0, -100f32..100.0), 0..2000),
    ) {
        let c = coder();
        let y: Vec<f32> = items.iter().map(|p| p.0).collect();
        let s: Vec<f32> = items.iter().map(|p| p.1).collect();
        let m: Vec<f32> = items.iter().map(|p| p.2).collect();
        let data = c.encode(&y, &s, Some(&m), StreamFormat::Fastrans, 0).unwrap();
        let back = c.decode(&data, &s, Some(&m), StreamFormat::Fastrans, 1).unwrap();
        let want: Vec<f32> = y.iter().zip(&m).map(|(&v, &mu)| (v - mu).round_ties_even() + mu).collect();
        prop_assert_eq!(back, want);
    }
}

/// Row 1 (scale 1.0) of `gaussian_table([0.11, 1.0], 16, 1e-9)`; the uneven far tails come
/// from CompressAI's empty-bin stealing, which `pmf_to_quantized_cdf` reproduces.
const PINNED_ROW1: &[u32] = &[
    0, 1, 2, 3, 12, 404, 4375, 20217, 45312, 61154, 65125, 65517, 65532, 65533, 65534, 65535, 65536,
];

/// Several callers at once, each cutting its stream into many chunks, with every thread
/// setting (the chunk schedule, `threads::map_items`, lets the calling thread work beside
/// the pool's): every stream is the one-thread stream and decodes to its symbols. One
/// caller runs inside a rayon pool's worker, where the schedule's scope nests.
#[test]
fn concurrent_callers_get_the_same_bytes_for_every_thread_count() {
    let t = table();
    let params = Params {
        lanes: 8,
        chunk_symbols: 3000,
    };
    let jobs: Vec<(Vec<i32>, Vec<i32>)> = (0..4)
        .map(|k| w1(40_000 + 977 * k, 31 + k as u64))
        .collect();
    let expected: Vec<Vec<u8>> = jobs
        .iter()
        .map(|(s, i)| format::with_params(params, || format::encode(&t, s, i, 1)).expect("encode"))
        .collect();
    let check = |k: usize| {
        let (s, i) = &jobs[k];
        for threads in [0, 2, 3] {
            let data =
                format::with_params(params, || format::encode(&t, s, i, threads)).expect("encode");
            assert_eq!(data, expected[k], "caller {k} threads={threads}");
            assert_eq!(
                &decode(&t, &data, i, threads),
                s,
                "caller {k} threads={threads}"
            );
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    std::thread::scope(|sc| {
        for k in 0..3 {
            sc.spawn(move || check(k));
        }
        sc.spawn(|| pool.install(|| check(3)));
    });
}
