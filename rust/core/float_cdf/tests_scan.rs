//! The decoder's row scans (`find_x86.rs`) against the scalar check and bisection: the
//! same symbol, start and freq for every slot boundary of rows of many lengths and shapes
//! (flat runs, values outside `[0, 1]`, values on and next to the quantization steps,
//! subnormal values), the same refusal of spoiled rows at every position, and the same
//! symbols and errors through whole streams on one and two threads.

use crate::format::{header, MAX_FLOAT_CDF_CHUNK_SYMBOLS};
use crate::models::FloatCdfs;
use crate::simd::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
use crate::test_rng::xorshift64;
use crate::Error;

use super::{decode, encode, FloatLanes, Scan};

type Runner = fn(&mut dyn FnMut());
const KERNELS: [(&str, Runner); 3] = [
    ("avx512", |f| with_avx512_lanes(f)),
    ("avx2", |f| with_avx2_lanes(f)),
    ("scalar", |f| with_scalar_lanes(f)),
];

/// The scans this CPU has, the scalar one first.
fn scans() -> Vec<Scan> {
    let mut out = vec![Scan::Scalar];
    for (_, run) in KERNELS {
        let mut s = Scan::Scalar;
        run(&mut || s = Scan::pick());
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// A row of `levels + 1` values of shape `kind` from `next`.
fn row(next: &mut impl FnMut() -> u64, levels: usize, kind: u64) -> Vec<f32> {
    let spare = (1u32 << 16) - levels as u32;
    let step = 1.0 / (1u32 << spare.trailing_zeros()) as f32;
    let mut v: Vec<f32> = (0..=levels)
        .map(|_| {
            let u = (next() >> 40) as f32 / (1u32 << 24) as f32;
            match kind {
                // On the quantization steps (`c * spare` an integer) and next to them.
                0 => (u * 64.0).floor() * step,
                1 => ((u * 64.0).floor() * step).next_up(),
                2 => ((u * 64.0).floor() * step).next_down(),
                // Outside [0, 1] at both ends.
                3 => u * 1.6 - 0.3,
                // Flat runs: few distinct values.
                4 => (u * 4.0).floor() / 4.0,
                // Subnormal values of both signs (the scans read them as zero), the
                // smallest normal and its neighbours, among ordinary ones.
                6 => match next() % 8 {
                    0 => f32::from_bits((next() % 0x7f_ffff + 1) as u32),
                    1 => -f32::from_bits((next() % 0x7f_ffff + 1) as u32),
                    2 => f32::MIN_POSITIVE,
                    3 => f32::MIN_POSITIVE.next_down(),
                    4 => f32::from_bits(1),
                    _ => u,
                },
                _ => u,
            }
        })
        .collect();
    v.sort_by(f32::total_cmp);
    v
}

/// Every scan's `find` equals the scalar one at every slot boundary of `row`.
fn check_row(rows: FloatCdfs<'_>, row: &[f32], scans: &[Scan]) {
    let mut slots = vec![0u32, (1 << 16) - 1];
    for s in 0..rows.levels() {
        let (start, freq) = rows.interval(row, s);
        slots.extend([start, start + freq - 1, start + freq / 2]);
        slots.extend(start.checked_sub(1));
    }
    for &scan in scans {
        let mut lanes = FloatLanes::new(rows, &[]);
        lanes.scan = scan;
        for &slot in &slots {
            let slot = slot.min((1 << 16) - 1);
            assert_eq!(
                lanes.find(row, slot),
                Some(rows.find(row, slot)),
                "L = {} slot {slot}",
                rows.levels()
            );
        }
    }
}

#[test]
fn scans_find_the_scalar_symbols() {
    let scans = scans();
    let mut next = xorshift64(11);
    for levels in (2..=70).chain([127, 128, 129, 255, 1000, 4097, 32767, 32768]) {
        for kind in 0..7 {
            let v = row(&mut next, levels, kind);
            let rows = FloatCdfs::new(&v, levels).unwrap();
            check_row(rows, &v, &scans);
        }
    }
    // Every slot of a few short rows.
    for levels in [2, 5, 17] {
        let v = row(&mut next, levels, 3);
        let rows = FloatCdfs::new(&v, levels).unwrap();
        for scan in &scans {
            let mut lanes = FloatLanes::new(rows, &[]);
            lanes.scan = *scan;
            for slot in 0..1 << 16 {
                assert_eq!(lanes.find(&v, slot), Some(rows.find(&v, slot)));
            }
        }
    }
}

#[test]
fn scans_refuse_spoiled_rows_at_every_position() {
    let scans = scans();
    let mut next = xorshift64(12);
    for levels in (2..=40).chain([63, 64, 65, 128, 1023]) {
        let good = row(&mut next, levels, 5);
        let rows = FloatCdfs::new(&good, levels).unwrap();
        for at in 0..=levels {
            let mut spoils = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
            if at > 0 {
                spoils.push(good[at - 1] - 0.25);
            }
            if at < levels {
                spoils.push(good[at + 1] + 0.25);
            }
            for bad in spoils {
                let mut v = good.clone();
                v[at] = bad;
                assert!(!FloatCdfs::row_ok(&v));
                for &scan in &scans {
                    let mut lanes = FloatLanes::new(rows, &[]);
                    lanes.scan = scan;
                    assert!(!lanes.row_ok(&v), "L = {levels} at {at} {bad}");
                    for slot in [0, 1000, 65535] {
                        assert_eq!(lanes.find(&v, slot), None, "L = {levels} at {at} {bad}");
                    }
                }
            }
        }
    }
}

#[test]
fn streams_decode_alike_under_every_kernel() {
    let mut next = xorshift64(13);
    for levels in [2, 9, 16, 17, 128, 300] {
        let n = 700;
        let mut cdf = Vec::new();
        for i in 0..n {
            cdf.extend(row(&mut next, levels, i % 7));
        }
        let symbols: Vec<i32> = (0..n).map(|_| (next() % levels as u64) as i32).collect();
        let bytes = encode(&cdf, levels, &symbols, 1).unwrap();
        let mut spoiled = cdf.clone();
        spoiled[(levels + 1) * 400 + levels / 2] = f32::NAN;
        let want = format!("cdf[400, {}]", levels / 2);
        for threads in [1, 2] {
            for (name, run) in KERNELS {
                let (mut got, mut err, mut coded, mut refused) = (None, None, None, None);
                run(&mut || {
                    got = Some(decode(&bytes, &cdf, levels, threads));
                    err = Some(decode(&bytes, &spoiled, levels, threads));
                    coded = Some(encode(&cdf, levels, &symbols, threads));
                    refused = Some(encode(&spoiled, levels, &symbols, threads));
                });
                assert_eq!(got.unwrap().unwrap(), symbols, "{name} L = {levels}");
                assert_eq!(coded.unwrap().unwrap(), bytes, "{name} L = {levels}");
                let e = refused.unwrap().unwrap_err();
                assert!(
                    matches!(&e, Error::InvalidArgument(m) if m.contains(&want)),
                    "{name}: {e:?}"
                );
                let e = err.unwrap().unwrap_err();
                assert!(
                    matches!(&e, Error::InvalidArgument(m) if m.contains(&want)),
                    "{name}: {e:?}"
                );
            }
        }
    }
}

/// Streams of three chunks of two lanes and many step blocks, through the encoder's block
/// steps and the decoder's rounds: the same bytes and symbols under every kernel and
/// thread count, and a bad row in the first, a middle or the last round named by both
/// ends.
#[test]
fn long_streams_agree_and_name_bad_rows_in_any_round() {
    let mut next = xorshift64(14);
    let (levels, n) = (5, 2 * MAX_FLOAT_CDF_CHUNK_SYMBOLS + 7);
    let mut cdf = Vec::with_capacity(n * (levels + 1));
    for i in 0..n {
        cdf.extend(row(&mut next, levels, (i % 7) as u64));
    }
    let symbols: Vec<i32> = (0..n).map(|_| (next() % levels as u64) as i32).collect();
    let bytes = encode(&cdf, levels, &symbols, 1).unwrap();
    let h = header(&bytes).unwrap();
    assert_eq!((h.chunk_bytes.len(), h.lanes_log2), (3, 1));
    for (name, run) in KERNELS {
        run(&mut || {
            assert_eq!(encode(&cdf, levels, &symbols, 2).unwrap(), bytes, "{name}");
            for threads in [1, 2] {
                let got = decode(&bytes, &cdf, levels, threads).unwrap();
                assert_eq!(got, symbols, "{name}");
            }
        });
    }
    for at in [0, 3, 1023, 1024, n / 2 + 1, n - 2, n - 1] {
        let mut spoiled = cdf.clone();
        spoiled[(levels + 1) * at + 2] = f32::INFINITY;
        let want = format!("cdf[{at}, 2]");
        for (name, run) in KERNELS {
            run(&mut || {
                for e in [
                    encode(&spoiled, levels, &symbols, 1).unwrap_err(),
                    decode(&bytes, &spoiled, levels, 1).unwrap_err(),
                    decode(&bytes, &spoiled, levels, 2).unwrap_err(),
                ] {
                    assert!(
                        matches!(&e, Error::InvalidArgument(m) if m.contains(&want)),
                        "{name} at {at}: {e:?}"
                    );
                }
            });
        }
    }
}
