//! `ScaleCoder`, floats in and out: the same bytes as the array path in both formats,
//! every output position written, bad inputs reported as a per-chunk check would.

use std::sync::Arc;

use fastrans::format::{self, Params, MAX_CHUNK_SYMBOLS, MIN_LANE_SYMBOLS};
use fastrans::testing::round_half_even;
use fastrans::{compressai, CdfTable, Error};
use fastrans::{ScaleCoder, StreamFormat};
use proptest::prelude::*;

mod common;
use common::stream::{scale_table_f32, table, w1, w1_floats};
use common::{seal, Rng};

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
        let vector = fastrans::testing::with_poisoned_output(dec).unwrap();
        assert!(vector == want, "threads={threads}");
        if threads == 1 {
            // (`with_scalar_lanes` holds for the calling thread only.)
            let scalar = fastrans::testing::with_poisoned_output(|| {
                fastrans::testing::with_scalar_lanes(dec)
            });
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

/// The AVX-512 kernels and the AVX2 encoder check `ScaleCoder`'s floats themselves, with no
/// pass of their own (a NaN or out-of-range difference becomes the symbol `i32::MIN`, a NaN scale or mean is
/// flagged by the scale lookup). Every kind of bad input, in the hot rounds (in a group's
/// first and last lane, mid-block) and in the chunk's first positions, gets the error of
/// the first bad input, as with the scalar lanes; and a valid difference of exactly
/// `-2^31`, which also becomes `i32::MIN`, still round-trips.
#[test]
fn kernels_checking_floats_report_every_bad_input() {
    use fastrans::testing::{with_avx2_lanes, with_scalar_lanes, CHECK_BLOCK};
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
        let avx2 = message(with_avx2_lanes(run), what);
        assert_eq!(avx2, scalar, "{what}: the AVX2 kernels disagree");
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
    assert_eq!(
        with_avx2_lanes(|| c.encode(&d, &scales, None, f, 1)).unwrap(),
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

/// `decode_into` writes what `decode` returns, in both formats and on any thread count,
/// over memory that held something else; it refuses a wrong-sized `out` before touching
/// it, and reports damage as `decode` does.
#[test]
fn decode_into_writes_what_decode_returns() {
    let c = coder();
    let n = MAX_CHUNK_SYMBOLS + 3 * MIN_LANE_SYMBOLS + 7;
    let (y, means, scales) = w1_floats(n, 91);
    for fmt in [StreamFormat::Fastrans, StreamFormat::CompressAi] {
        let data = c.encode(&y, &scales, Some(&means), fmt, 1).unwrap();
        let want = c.decode(&data, &scales, Some(&means), fmt, 1).unwrap();
        for threads in [1, 2] {
            let mut out = vec![f32::NAN; n];
            c.decode_into(&data, &scales, Some(&means), fmt, threads, &mut out)
                .unwrap();
            assert!(out == want, "{fmt:?} threads={threads}");
        }
        let mut short = vec![7.0f32; n - 1];
        let err = c
            .decode_into(&data, &scales, Some(&means), fmt, 1, &mut short)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(ref m) if m.contains("out")));
        assert!(short.iter().all(|&v| v == 7.0), "nothing written");
        let mut out = vec![0.0f32; n];
        let cut = &data[..data.len() - 3];
        let err = c
            .decode_into(cut, &scales, Some(&means), fmt, 1, &mut out)
            .unwrap_err();
        assert!(matches!(err, Error::CorruptStream(_)), "{fmt:?}: {err:?}");
    }
}
