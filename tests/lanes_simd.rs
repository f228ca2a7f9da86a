//! The vectorised lanes decoders (`lanes_avx512.rs`, and `lanes_avx2.rs` by capping the
//! decoder at AVX2) each against the scalar one: the same symbols for every stream, and the
//! same error for every damaged one. On a CPU without AVX-512 the first two runs are AVX2,
//! on one without AVX2 all are scalar, and the tests still check the round trips.
//!
//! The cases aim at each reason a group of eight lanes leaves the vector path: slots outside
//! their bucket's pair of bins (rows with many tiny tail bins), escapes (symbols far outside
//! the rows), symbols next to `i32::MAX` (rows whose offset would overflow), and the last
//! rounds of a chunk (fewer than eight words left). Lane counts 8, 16 and 32, precisions
//! 16 and below.

use fastrans::testing::{
    chunk_lanes, decode_chunk, decode_chunk_pair, decode_chunks_interleaved, encode_chunk,
    with_avx2_lanes, with_scalar_lanes, DecodeTarget,
};
use fastrans::{CdfTable, Error, Result};
use proptest::prelude::*;

mod common;
use common::{cut_by, scale_coder, seal, symbols, Rng, Symbols};
use fastrans::format::Params;

struct Rows<'a>(&'a [usize]);

impl DecodeTarget for Rows<'_> {
    type Out = i32;
    fn check(&self, _start: usize, _len: usize) -> Result<()> {
        Ok(())
    }
    fn row(&self, i: usize) -> usize {
        self.0[i]
    }
    fn value(&self, _i: usize, symbol: i32) -> i32 {
        symbol
    }
}

/// A CDF of `bins` bins at `precision`: a dominant centre and tails of frequency-1 bins
/// when `peaked` (buckets there straddle many bins: the scan fallback), else random.
fn cdf_row(rng: &mut Rng, bins: usize, precision: u32, peaked: bool) -> Vec<i32> {
    let total = 1u64 << precision;
    let mut freqs: Vec<u64> = if peaked {
        let mut f = vec![1u64; bins];
        f[bins / 2] = total - (bins as u64 - 1);
        f
    } else {
        let mut f: Vec<u64> = (0..bins).map(|_| 1 + rng.below(1000)).collect();
        let sum: u64 = f.iter().sum();
        for v in f.iter_mut() {
            *v = (*v * (total - bins as u64) / sum).max(1);
        }
        let sum: u64 = f.iter().sum();
        f[0] += total - sum;
        f
    };
    if freqs.iter().sum::<u64>() != total {
        freqs[0] = total - freqs[1..].iter().sum::<u64>();
    }
    let mut cdf = vec![0i32];
    for f in freqs {
        cdf.push(cdf.last().copied().unwrap_or(0) + f as i32);
    }
    cdf
}

/// Rows of every shape: one bin (escape only), narrow and wide, peaked, one of `2^p` bins,
/// two bins of frequencies 1 and `2^p - 1` (either way round: the 8-byte decode bucket's
/// 16-bit fields at their limits), offsets that put bins next to `i32::MAX` and
/// `i32::MIN`, and offsets either side of the `i16` range.
fn table(rng: &mut Rng, precision: u32) -> CdfTable {
    let max_bins = (1usize << precision).min(300);
    let total = 1i32 << precision;
    let mut rows = Vec::new();
    let mut offsets = Vec::new();
    for r in 0..24 {
        let bins = match r {
            0 => 1,
            1..=3 => 2,
            7 => 1 << precision,
            _ => 2 + rng.below(max_bins as u64 - 1) as usize,
        };
        let bins = if r == 7 { bins } else { bins.min(max_bins) };
        rows.push(match r {
            2 => vec![0, 1, total],
            3 => vec![0, total - 1, total],
            _ => cdf_row(rng, bins, precision, r % 3 == 0 && bins > 2),
        });
        offsets.push(match r {
            4 => i32::MAX - 3,
            5 => i32::MIN,
            6 => i32::MAX - bins as i32 + 2,
            // Either side of the AVX-512 decoder's packed rows (offsets that fit `i16`).
            8 => i16::MAX as i32,
            9 => i16::MAX as i32 + 1,
            10 => i16::MIN as i32 - 1,
            _ => -(bins as i32) / 2,
        });
    }
    let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
    CdfTable::from_rows(&rows, &lengths, &offsets, precision).expect("valid rows")
}

/// `f` under each lanes decoder the CPU has: the best one (AVX-512 where there is one),
/// AVX2 at most, and scalar, with names (where a kernel is missing, a run repeats another).
fn each_decoder<R>(f: impl Fn() -> R) -> [(&'static str, R); 3] {
    [
        ("best", f()),
        ("avx2", with_avx2_lanes(&f)),
        ("scalar", with_scalar_lanes(&f)),
    ]
}

/// Decodes `data` with every decoder and checks each agrees with the scalar one; returns
/// the best decoder's answer.
fn decode_both(table: &CdfTable, data: &[u8], rows: &[usize], lanes: usize) -> Result<Vec<i32>> {
    let decode = || {
        let mut out = vec![0i32; rows.len()];
        decode_chunk(table, &Rows(rows), 0, data, lanes, &mut out).map(|()| out)
    };
    let [best, avx2, (_, scalar)] = each_decoder(decode);
    for (name, vector) in [&best, &avx2] {
        match (vector, &scalar) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{name} and scalar decoders disagree"),
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{name}: different errors")
            }
            _ => panic!("one decoder failed: {name} {vector:?}, scalar {scalar:?}"),
        }
    }
    best.1
}

#[test]
fn vector_and_scalar_decoders_agree_on_valid_streams() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for precision in [16, 14, 12, 9] {
        let table = table(&mut rng, precision);
        for &lanes in &[8usize, 16, 32] {
            for &m in &[8usize, 9, 31, 64, 65, 200, 1000, 4099, 20_000] {
                for escapes in [0u64, 5, 100] {
                    let rows: Vec<usize> = (0..m).map(|_| rng.below(24) as usize).collect();
                    let syms = symbols(&mut rng, &table, &rows, escapes);
                    let mut data = Vec::new();
                    let src = Symbols {
                        symbols: &syms,
                        rows: &rows,
                    };
                    encode_chunk(&table, &src, 0, m, lanes, &mut data).expect("encode");
                    let back = decode_both(&table, &data, &rows, lanes).expect("decode");
                    assert_eq!(
                        back, syms,
                        "p={precision} lanes={lanes} m={m} esc={escapes}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_symbol_past_i32_max_is_an_error_both_ways() {
    // Row 0 has 4 bins at offset i32::MAX - 1: bins 0 and 1 are i32::MAX - 1 and
    // i32::MAX; decoding bin 2 with offset i32::MAX instead would overflow. Encode with
    // offset i32::MAX - 1, then decode with a table whose offset is i32::MAX - 0.
    let rows_cdf = vec![vec![0, 20_000, 40_000, 60_000, 65_536]; 1];
    let enc = CdfTable::from_rows(&rows_cdf, &[5], &[i32::MAX - 2], 16).expect("valid");
    let dec = CdfTable::from_rows(&rows_cdf, &[5], &[i32::MAX], 16).expect("valid");
    let m = 4096;
    let mut rng = Rng(7);
    let rows = vec![0usize; m];
    let syms: Vec<i32> = (0..m).map(|_| i32::MAX - 2 + rng.below(3) as i32).collect();
    let mut data = Vec::new();
    let src = Symbols {
        symbols: &syms,
        rows: &rows,
    };
    encode_chunk(&enc, &src, 0, m, 8, &mut data).expect("encode");
    let err = decode_both(&dec, &data, &rows, 8).expect_err("overflow");
    assert!(err.to_string().contains("int32"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Damaged chunks: both decoders give the same symbols or the same error.
    #[test]
    fn vector_and_scalar_decoders_agree_on_damaged_streams(
        seed in any::<u64>(),
        lanes in prop::sample::select(vec![8usize, 16, 32]),
        m in 8usize..3000,
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let mut rng = Rng(seed | 1);
        let table = table(&mut rng, 16);
        let rows: Vec<usize> = (0..m).map(|_| rng.below(24) as usize).collect();
        let syms = symbols(&mut rng, &table, &rows, 10);
        let mut data = Vec::new();
        let src = Symbols { symbols: &syms, rows: &rows };
        encode_chunk(&table, &src, 0, m, lanes, &mut data).expect("encode");
        for (at, byte) in edits {
            let i = at % data.len();
            data[i] ^= byte | 1;
        }
        let _ = decode_both(&table, &data, &rows, lanes);
        // Different rows than the encoder's are damage too.
        let shifted: Vec<usize> = rows.iter().map(|&r| (r + 1) % 24).collect();
        let _ = decode_both(&table, &data, &shifted, lanes);
    }
}

#[test]
fn a_target_returning_rows_out_of_range_fails_every_way() {
    // Targets promise rows below `num_tables()`; one that breaks the promise must meet a
    // bounds check, never an unchecked load: the scalar and AVX2 decoders panic (their
    // row lookups are indexed), the AVX-512 one returns `InvalidArgument` (its scalar
    // round checks rows first, since a NaN scale reaches it as a row out of range).
    let mut rng = Rng(99);
    let table = table(&mut rng, 16);
    let m = 4096;
    let rows: Vec<usize> = (0..m).map(|_| rng.below(24) as usize).collect();
    let syms = symbols(&mut rng, &table, &rows, 0);
    let mut data = Vec::new();
    let src = Symbols {
        symbols: &syms,
        rows: &rows,
    };
    encode_chunk(&table, &src, 0, m, 8, &mut data).expect("encode");
    // Just past the last row, past `i32`, past `u32` by a little (a truncating vector
    // kernel would see row 3) and by a lot.
    for wrong in [24, 1 << 31, (1 << 32) + 3, 1 << 40] {
        let mut bad = rows.clone();
        bad[2000] = wrong;
        rows_out_of_range_fail(&table, &data, &bad, m);
    }
}

/// Decoding `data` with `bad` rows (one out of range) panics or fails with
/// `InvalidArgument` under every kernel, as [`a_target_returning_rows_out_of_range_fails_every_way`]
/// says.
fn rows_out_of_range_fail(table: &CdfTable, data: &[u8], bad: &[usize], m: usize) {
    for kernel in 0..3 {
        let run = || {
            let mut out = vec![0i32; m];
            decode_chunk(table, &Rows(bad), 0, data, 8, &mut out)
        };
        let caught = std::panic::catch_unwind(|| match kernel {
            0 => run(),
            1 => with_avx2_lanes(run),
            _ => with_scalar_lanes(run),
        });
        match caught {
            Err(_) => assert!(kernel > 0 || !avx512(), "the AVX-512 kernel panicked"),
            Ok(Err(Error::InvalidArgument(msg))) => {
                assert!(kernel == 0 && avx512(), "kernel {kernel}: {msg}");
                assert!(msg.contains("out of range"), "{msg}");
            }
            Ok(other) => panic!("kernel {kernel}: no panic and no error: {other:?}"),
        }
    }
}

/// Whether this CPU runs the AVX-512 decoder (unless `FASTRANS_SIMD` caps it).
#[cfg(target_arch = "x86_64")]
fn avx512() -> bool {
    std::env::var("FASTRANS_SIMD").map_or(true, |v| v != "0" && v != "avx2")
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512vl")
        && is_x86_feature_detected!("popcnt")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx512() -> bool {
    false
}

/// Two chunks decoded as a pair give what two single decodes give: the same symbols, or
/// the first error in stream order. Chunk `a` holds positions `..split`, `b` the rest.
fn check_pair(table: &CdfTable, rows: &[usize], split: usize, a: &[u8], b: &[u8], lanes: usize) {
    check_pair_with(table, rows, split, a, b, lanes);
    with_avx2_lanes(|| check_pair_with(table, rows, split, a, b, lanes));
}

/// [`check_pair`] with the calling thread's decoders.
fn check_pair_with(
    table: &CdfTable,
    rows: &[usize],
    split: usize,
    a: &[u8],
    b: &[u8],
    lanes: usize,
) {
    let mut pair = vec![0i32; rows.len()];
    let (pa, pb) = pair.split_at_mut(split);
    let got = decode_chunk_pair(table, &Rows(rows), (0, a, pa), (split, b, pb), lanes);
    let mut single = vec![0i32; rows.len()];
    let (sa, sb) = single.split_at_mut(split);
    let want = decode_chunk(table, &Rows(rows), 0, a, lanes, sa)
        .and_then(|()| decode_chunk(table, &Rows(rows), split, b, lanes, sb));
    match (&got, &want) {
        (Ok(()), Ok(())) => assert_eq!(pair, single),
        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
        _ => panic!("pair {got:?} but single {want:?}"),
    }
}

#[test]
fn a_pair_of_chunks_decodes_like_two_chunks() {
    let mut rng = Rng(0x5EED);
    let table = table(&mut rng, 16);
    // Equal and unequal chunk sizes, the same and different lane counts (b shorter than
    // its lanes: the kernel then runs a and b one after the other), and 16 and 32 lanes,
    // which decode one chunk after the other.
    for &(ma, mb, lanes) in &[
        (4000usize, 4000usize, 8usize),
        (5000, 3333, 8),
        (3000, 7, 8),
        (6000, 6000, 16),
        (2048, 100, 32),
        (9000, 9000, 32),
    ] {
        let m = ma + mb;
        let rows: Vec<usize> = (0..m).map(|_| rng.below(24) as usize).collect();
        let syms = symbols(&mut rng, &table, &rows, 5);
        let src = Symbols {
            symbols: &syms,
            rows: &rows,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode_chunk(&table, &src, 0, ma, lanes, &mut a).expect("encode a");
        encode_chunk(&table, &src, ma, mb, lanes, &mut b).expect("encode b");
        check_pair(&table, &rows, ma, &a, &b, lanes);
        // The interleaved path itself (no fallback) decodes valid chunks, wherever it runs.
        for (name, (interleaved, out)) in each_decoder(|| {
            let mut out = vec![0i32; m];
            let (oa, ob) = out.split_at_mut(ma);
            let got =
                decode_chunks_interleaved(&table, &Rows(&rows), (0, &a, oa), (ma, &b, ob), lanes);
            (got, out)
        }) {
            // Only 8-lane chunks pair (`decode_chunk_pair`).
            let eight = chunk_lanes(lanes, ma) == 8 && chunk_lanes(lanes, mb) == 8;
            if eight && name != "scalar" && std::arch::is_x86_feature_detected!("avx2") {
                assert!(
                    matches!(interleaved, Some(Ok(()))),
                    "{name}: {interleaved:?}"
                );
                assert_eq!(out, syms, "{name}");
            } else {
                assert!(interleaved.is_none(), "{name}");
            }
        }
        // Damage in a, in b, in both: the first error in stream order wins.
        for (da, db) in [(true, false), (false, true), (true, true)] {
            for _ in 0..20 {
                let (mut a2, mut b2) = (a.clone(), b.clone());
                if da {
                    let i = rng.below(a2.len() as u64) as usize;
                    a2[i] ^= 1 << rng.below(8);
                }
                if db {
                    let i = rng.below(b2.len() as u64) as usize;
                    b2[i] ^= 1 << rng.below(8);
                }
                check_pair(&table, &rows, ma, &a2, &b2, lanes);
            }
        }
    }
}

/// How a stream of `n` symbols is cut for the differential tests: the encoder's own cut
/// (one or two lanes below 2^16 symbols), and cuts that put the small streams through the
/// vector decoders too: one chunk of 32 lanes, and two of 8 (a pair).
fn cuts(n: usize) -> [Option<Params>; 3] {
    [
        None,
        Some(Params {
            lanes: 32,
            chunk_symbols: n,
        }),
        Some(Params {
            lanes: 8,
            chunk_symbols: n / 2 + 1,
        }),
    ]
}

/// `check` on 30 copies of the stream `data`, each with one bit of its body flipped and
/// resealed so that it gets past the CRC.
fn each_damaged<R>(rng: &mut Rng, data: &[u8], check: impl Fn(&[u8]) -> R) {
    let body = &data[..data.len() - 4];
    for _ in 0..30 {
        let mut bad = body.to_vec();
        let i = rng.below(bad.len() as u64) as usize;
        bad[i] ^= 1 << rng.below(8);
        let _ = check(&seal(bad));
    }
}

/// `ScaleCoder` streams (its target hands the vector decoders its scale lookup, which the
/// AVX-512 decoder runs and checks itself and the AVX2 decoder runs eight positions at a
/// time after the block check): every decoder gives the scalar one's floats or error, on valid
/// streams with scales of every kind (below the bound, negative, zero, huge, infinite) and
/// on damaged ones, with one chunk and with two (decoded as a pair), on one thread.
#[test]
fn scale_coder_decoders_agree_on_valid_and_damaged_streams() {
    use fastrans::StreamFormat;

    let (coder, st32) = scale_coder();
    let mut rng = Rng(0xF10A7);
    for &n in &[20usize, 1000, 4096, 100_000, 600_001] {
        let scales: Vec<f32> = (0..n)
            .map(|_| match rng.below(100) {
                0 => -1.0,
                1 => 0.0,
                2 => 0.05,
                3 => f32::INFINITY,
                4 => 1e30,
                5 => st32[rng.below(64) as usize],
                // One step either side of a table entry: the rows' limits.
                6 => f32::from_bits(st32[rng.below(64) as usize].to_bits() + 1),
                7 => f32::from_bits(st32[rng.below(64) as usize].to_bits() - 1),
                8 => f32::MAX,
                _ => (0.1f64 * (300f64).powf(rng.below(1 << 20) as f64 / (1 << 20) as f64)) as f32,
            })
            .collect();
        let means: Vec<f32> = (0..n)
            .map(|_| rng.below(2001) as f32 / 100.0 - 10.0)
            .collect();
        let y: Vec<f32> = scales
            .iter()
            .zip(&means)
            .map(|(&s, &m)| m + (rng.below(41) as f32 - 20.0) * s.clamp(0.0, 50.0) / 8.0)
            .collect();
        let fmt = StreamFormat::Fastrans;
        for cut in cuts(n) {
            let encode = |v: &[f32]| cut_by(cut, || coder.encode(v, &scales, Some(&means), fmt, 1));
            let data = encode(&y).expect("encode");
            let decode = |data: &[u8]| {
                let one = coder.decode(data, &scales, Some(&means), fmt, 1);
                let no_means = coder.decode(data, &scales, None, fmt, 1);
                (
                    one.map_err(|e| e.to_string()),
                    no_means.map_err(|e| e.to_string()),
                )
            };
            let check = |data: &[u8]| {
                let [(_, best), (_, avx2), (_, scalar)] = each_decoder(|| decode(data));
                assert_eq!(best, scalar, "best and scalar decoders disagree (n={n})");
                assert_eq!(avx2, scalar, "avx2 and scalar decoders disagree (n={n})");
                scalar
            };
            let (back, _) = check(&data);
            let back = back.expect("decode");
            let want = encode(&back).expect("re-encode");
            assert_eq!(want, data, "round trip (n={n}, {cut:?})");
            each_damaged(&mut rng, &data, check);
        }
    }
}

#[test]
fn index_decoders_agree_on_valid_and_damaged_streams() {
    // `format::decode`'s rows are the caller's indexes, which the AVX2 decoder loads eight
    // at a time (`DecodeTarget::index_rows`); every decoder must give the same symbols, or
    // the same error, on every stream.
    let mut rng = Rng(0x1DE7);
    let table = table(&mut rng, 16);
    for &n in &[20usize, 4096, 100_000] {
        let rows: Vec<usize> = (0..n).map(|_| rng.below(24) as usize).collect();
        let indexes: Vec<i32> = rows.iter().map(|&r| r as i32).collect();
        let syms = symbols(&mut rng, &table, &rows, 5);
        for cut in cuts(n) {
            let data = cut_by(cut, || fastrans::format::encode(&table, &syms, &indexes, 1))
                .expect("encode");
            let check = |data: &[u8]| {
                let decode = || fastrans::format::decode(&table, data, &indexes, 1);
                let [(_, best), (_, avx2), (_, scalar)] = each_decoder(decode);
                let text = |r: &Result<Vec<i32>>| r.as_ref().map_err(|e| e.to_string()).cloned();
                assert_eq!(
                    text(&best),
                    text(&scalar),
                    "best and scalar disagree (n={n})"
                );
                assert_eq!(
                    text(&avx2),
                    text(&scalar),
                    "avx2 and scalar disagree (n={n})"
                );
                scalar
            };
            assert_eq!(check(&data).expect("decode"), syms, "n={n}, {cut:?}");
            each_damaged(&mut rng, &data, check);
        }
    }
}
