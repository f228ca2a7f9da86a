//! ParametricCoder: round trips over families, supports, mixtures and extreme parameters,
//! bytes independent of the thread count, damage and mismatches detected, bad inputs
//! named, and pinned stream bytes.

use fastrans::format::{self, Params};
use fastrans::{Error, ParametricCoder};
use proptest::prelude::*;

mod common;
use common::stream::table;
use common::{cut_by, seal, Rng};

const FAMILIES: [&str; 3] = ["gaussian", "laplace", "logistic"];

/// `n` symbols with `k` components each, `(K, n)` layout: means on a 1/256 grid, scales
/// log-uniform 0.05..60, symbols near the first component's mean (clamped into `bounds`),
/// a few far away.
fn data(
    n: usize,
    k: usize,
    seed: u64,
    bounds: Option<(i32, i32)>,
) -> (Vec<i32>, Vec<f32>, Vec<f32>, Option<Vec<f32>>) {
    let mut rng = Rng(seed);
    let mut means = Vec::with_capacity(k * n);
    let mut scales = Vec::with_capacity(k * n);
    for _ in 0..k * n {
        means.push((rng.normal() * 2000.0).round() as f32 / 256.0);
        scales.push((0.05f64 * (1200.0f64).powf(rng.unit())) as f32);
    }
    let mut symbols = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = (means[i] as f64 + scales[i] as f64 * rng.normal()).round() as i64;
        if rng.below(50) == 0 {
            s += rng.below(1 << 20) as i64 - (1 << 19);
        }
        if let Some((lo, hi)) = bounds {
            s = s.clamp(lo as i64, hi as i64);
        }
        symbols.push(s as i32);
    }
    let weights = (k > 1).then(|| {
        let mut w = vec![0f32; k * n];
        for i in 0..n {
            let raw: Vec<f64> = (0..k).map(|_| 0.05 + rng.unit()).collect();
            let sum: f64 = raw.iter().sum();
            for j in 0..k {
                w[j * n + i] = (raw[j] / sum) as f32;
            }
        }
        w
    });
    (symbols, means, scales, weights)
}

fn round_trip(
    coder: &ParametricCoder,
    symbols: &[i32],
    means: &[f32],
    scales: &[f32],
    weights: Option<&[f32]>,
) -> Vec<u8> {
    let bytes = coder.encode(symbols, means, scales, weights, 1).unwrap();
    let back = coder.decode(&bytes, means, scales, weights, 1);
    assert_eq!(back.unwrap(), symbols);
    bytes
}

#[test]
fn every_family_support_and_mixture_round_trips() {
    for family in FAMILIES {
        for bounds in [None, Some((-64, 63)), Some((-300, 300))] {
            let coder =
                ParametricCoder::new(family, 16, bounds.map(|b| b.0), bounds.map(|b| b.1)).unwrap();
            for k in [1, 3] {
                for (seed, n) in [0usize, 1, 7, 1000, 70_000].into_iter().enumerate() {
                    let (s, m, sc, w) = data(n, k, seed as u64 + 10 * k as u64, bounds);
                    round_trip(&coder, &s, &m, &sc, w.as_deref());
                }
            }
        }
    }
}

#[test]
fn lower_precisions_round_trip() {
    for precision in [1, 2, 8, 12, 15] {
        for bounds in [None, Some((-1, 0))] {
            let coder = ParametricCoder::new(
                "laplace",
                precision,
                bounds.map(|b| b.0),
                bounds.map(|b| b.1),
            )
            .unwrap();
            let (s, m, sc, w) = data(3000, 2, precision as u64, bounds);
            round_trip(&coder, &s, &m, &sc, w.as_deref());
        }
    }
}

#[test]
fn extreme_scales_and_far_means_round_trip() {
    for family in FAMILIES {
        for bounds in [None, Some((-64, 63))] {
            let coder =
                ParametricCoder::new(family, 16, bounds.map(|b| b.0), bounds.map(|b| b.1)).unwrap();
            let scales = [1e-6f32, 1e6, 1e-30, 3e38, 1.0, 1e-6];
            let means = [0.0f32, 0.0, 0.5, -7.25, 1e9, -3e38];
            let symbols: Vec<i32> = match bounds {
                None => vec![5, -1_000_000, 0, i32::MAX, i32::MIN, i32::MAX],
                Some(_) => vec![5, -64, 0, 63, 63, -64],
            };
            round_trip(&coder, &symbols, &means, &scales, None);
        }
    }
}

#[test]
fn i32_extremes_escape_in_windowed_mode() {
    let coder = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let symbols = [i32::MIN, i32::MAX, 0, i32::MIN + 1, i32::MAX - 1, i32::MIN];
    for mean in [0.0f32, 2.1e9, -2.1e9, 1e30, -1e30] {
        for scale in [1e-6f32, 1.0, 1e6] {
            let means = [mean; 6];
            let scales = [scale; 6];
            round_trip(&coder, &symbols, &means, &scales, None);
        }
    }
}

#[test]
fn empty_input_round_trips() {
    let coder = ParametricCoder::new("logistic", 16, None, None).unwrap();
    let bytes = round_trip(&coder, &[], &[], &[], None);
    assert_eq!(bytes.len(), 1 + 12 + 1 + 4);
    let back = coder.decode(&bytes, &[], &[], Some(&[]), 1).unwrap();
    assert!(back.is_empty());
}

#[test]
fn bytes_do_not_depend_on_the_thread_count() {
    let coder = ParametricCoder::new("laplace", 16, Some(-64), Some(63)).unwrap();
    for k in [1, 3] {
        let (s, m, sc, w) = data(20_000, k, 7, Some((-64, 63)));
        let w = w.as_deref();
        for params in [
            None,
            Some(Params {
                lanes: 8,
                chunk_symbols: 1500,
            }),
        ] {
            cut_by(params, || {
                let one = coder.encode(&s, &m, &sc, w, 1).unwrap();
                for threads in [0, 2, 3] {
                    assert_eq!(coder.encode(&s, &m, &sc, w, threads).unwrap(), one);
                    assert_eq!(coder.decode(&one, &m, &sc, w, threads).unwrap(), s);
                }
            });
        }
    }
}

#[test]
fn many_lanes_and_chunks_round_trip() {
    let coder = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let (s, m, sc, w) = data(5000, 2, 3, None);
    for lanes in [1, 2, 4, 8, 16, 32] {
        for chunk_symbols in [1, 33, 700, 5000] {
            cut_by(
                Some(Params {
                    lanes,
                    chunk_symbols,
                }),
                || {
                    round_trip(&coder, &s, &m, &sc, w.as_deref());
                },
            );
        }
    }
}

fn expect_corrupt(r: fastrans::Result<Vec<i32>>, what: &str) {
    match r {
        Err(Error::CorruptStream(_)) => {}
        other => panic!("{what}: expected CorruptStream, got {other:?}"),
    }
}

#[test]
fn every_flipped_bit_and_truncation_is_corrupt() {
    let coder = ParametricCoder::new("laplace", 16, None, None).unwrap();
    for (n, k) in [(0, 1), (1, 1), (40, 1), (40, 3)] {
        let (s, m, sc, w) = data(n, k, 5, None);
        let w = w.as_deref();
        let bytes = round_trip(&coder, &s, &m, &sc, w);
        for bit in 0..bytes.len() * 8 {
            let mut bad = bytes.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            expect_corrupt(
                coder.decode(&bad, &m, &sc, w, 1),
                &format!("n={n} bit {bit}"),
            );
        }
        for len in 0..bytes.len() {
            expect_corrupt(
                coder.decode(&bytes[..len], &m, &sc, w, 1),
                &format!("len {len}"),
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        expect_corrupt(coder.decode(&longer, &m, &sc, w, 1), "a trailing byte");
    }
}

#[test]
fn damage_behind_a_valid_crc_never_panics() {
    let coder = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let (s, m, sc, _) = data(300, 1, 9, None);
    let bytes = round_trip(&coder, &s, &m, &sc, None);
    let body = &bytes[..bytes.len() - 4];
    let mut rng = Rng(1);
    for i in 0..body.len() {
        for _ in 0..4 {
            let mut bad = body.to_vec();
            bad[i] = rng.below(256) as u8;
            // Any outcome but a panic; a success must be the symbols of some stream.
            let _ = coder.decode(&seal(bad), &m, &sc, None, 1);
        }
    }
}

/// A bounded support decodes through the vector search: damage gives the same outcome
/// (symbols or error) under every kernel, at every lane count, and never a panic.
#[test]
fn damage_decodes_alike_under_every_kernel() {
    use fastrans::testing::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
    let coder = ParametricCoder::new("laplace", 12, Some(-64), Some(63)).unwrap();
    let (s, m, sc, _) = data(700, 1, 21, Some((-64, 63)));
    let mut rng = Rng(4);
    for lanes in [4, 8, 16, 32] {
        let bytes = cut_by(
            Some(Params {
                lanes,
                chunk_symbols: 700,
            }),
            || round_trip(&coder, &s, &m, &sc, None),
        );
        let body = &bytes[..bytes.len() - 4];
        for i in 0..body.len() {
            let mut bad = body.to_vec();
            bad[i] ^= 1 + rng.below(255) as u8;
            let bad = seal(bad);
            let decode = || format!("{:?}", coder.decode(&bad, &m, &sc, None, 1));
            let want = with_scalar_lanes(decode);
            assert_eq!(decode(), want, "{lanes} lanes, byte {i}");
            assert_eq!(with_avx512_lanes(decode), want, "{lanes} lanes, byte {i}");
            assert_eq!(with_avx2_lanes(decode), want, "{lanes} lanes, byte {i}");
        }
    }
}

fn mismatch(r: fastrans::Result<Vec<i32>>, needle: &str) {
    match r {
        Err(Error::TableMismatch(msg)) => assert!(msg.contains(needle), "{msg}"),
        other => panic!("expected TableMismatch naming {needle}, got {other:?}"),
    }
}

#[test]
fn other_models_and_table_streams_are_a_table_mismatch() {
    let coder = ParametricCoder::new("gaussian", 16, Some(-64), Some(63)).unwrap();
    let (s, m, sc, _) = data(100, 1, 2, Some((-64, 63)));
    let bytes = coder.encode(&s, &m, &sc, None, 1).unwrap();
    let other = |f: &str, p: u32, b: Option<(i32, i32)>| {
        ParametricCoder::new(f, p, b.map(|b| b.0), b.map(|b| b.1)).unwrap()
    };
    let b = Some((-64, 63));
    mismatch(
        other("laplace", 16, b).decode(&bytes, &m, &sc, None, 1),
        "family gaussian",
    );
    mismatch(
        other("gaussian", 15, b).decode(&bytes, &m, &sc, None, 1),
        "precision 16",
    );
    mismatch(
        other("gaussian", 16, Some((-64, 64))).decode(&bytes, &m, &sc, None, 1),
        "support -64..=63",
    );
    mismatch(
        other("gaussian", 16, None).decode(&bytes, &m, &sc, None, 1),
        "support -64..=63",
    );

    // A table decoder given a parametric stream, and the other way round.
    let t = table();
    let idx = vec![0i32; s.len()];
    let r = format::decode(&t, &bytes, &idx, 1);
    assert!(
        matches!(r, Err(Error::TableMismatch(ref msg)) if msg.contains("ParametricCoder")),
        "{r:?}"
    );
    for n in [0, 100] {
        let table_bytes = format::encode(&t, &s[..n], &idx[..n], 1).unwrap();
        mismatch(
            coder.decode(&table_bytes, &m[..n], &sc[..n], None, 1),
            "tables",
        );
    }
    // Damage still ranks first.
    let mut bad = bytes.clone();
    bad[20] ^= 1;
    expect_corrupt(
        other("laplace", 16, b).decode(&bad, &m, &sc, None, 1),
        "damaged",
    );
}

fn invalid<T: std::fmt::Debug>(r: fastrans::Result<T>, needle: &str) {
    match r {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains(needle), "{msg}"),
        other => panic!("expected InvalidArgument naming {needle}, got {other:?}"),
    }
}

#[test]
fn bad_inputs_name_their_first_bad_element() {
    let coder = ParametricCoder::new("laplace", 16, Some(-64), Some(63)).unwrap();
    let s = [0, 1, 2];
    let (m, sc) = ([0.0f32; 3], [1.0f32; 3]);
    invalid(
        coder.encode(&s, &[0.0, f32::NAN, f32::INFINITY], &sc, None, 1),
        "means[1]",
    );
    invalid(coder.encode(&s, &m, &[1.0, 1.0, 0.0], None, 1), "scales[2]");
    invalid(
        coder.encode(&s, &m, &[1.0, -1.0, f32::NAN], None, 1),
        "scales[1]",
    );
    invalid(
        coder.encode(&s, &m, &[f32::INFINITY, 1.0, 1.0], None, 1),
        "scales[0]",
    );
    invalid(coder.encode(&s, &m[..2], &sc, None, 1), "means has 2");
    invalid(coder.encode(&s, &m, &sc[..2], None, 1), "scales has 2");
    invalid(
        coder.encode(&[0, 64, -65], &m, &sc, None, 1),
        "symbols[1] = 64",
    );
    invalid(
        coder.encode(&s, &[0.0; 6], &[1.0; 6], None, 1),
        "need weights",
    );
    let w = [0.5f32, 0.5, 0.5, 0.5, 0.2, 0.5];
    invalid(
        coder.encode(&s, &[0.0; 6], &[1.0; 6], Some(&w), 1),
        "weights[:, 1]",
    );
    let w = [0.5f32, -0.5, 0.5, 0.5, 1.5, 0.5];
    invalid(
        coder.encode(&s, &[0.0; 6], &[1.0; 6], Some(&w), 1),
        "weights[0, 1]",
    );
    invalid(
        coder.encode(&s, &[0.0; 5], &[1.0; 5], Some(&[0.2; 5]), 1),
        "means has 5",
    );
    invalid(
        coder.encode(&s, &[0.0; 27], &[1.0; 27], Some(&[1.0 / 9.0; 27]), 1),
        "9 components",
    );
    invalid(coder.encode(&s, &m, &sc, None, 2000), "thread");

    let bytes = coder.encode(&s, &m, &sc, None, 1).unwrap();
    invalid(
        coder.decode(&bytes, &m[..2], &sc[..2], None, 1),
        "stream's symbols number 3",
    );
    invalid(
        coder.decode(&bytes, &[0.0, 0.0, f32::NAN], &sc, None, 1),
        "means[2]",
    );
    invalid(ParametricCoder::new("laplace", 17, None, None), "precision");
    invalid(
        ParametricCoder::new("laplace", 4, Some(0), Some(16)),
        "17 symbols",
    );
    invalid(
        ParametricCoder::new("laplace", 16, Some(1), Some(0)),
        "empty",
    );
}

/// The bytes of a few streams, fixed: the quantized CDFs, the lanes, the escape rule and
/// the header cannot drift without these failing.
#[test]
fn pinned_stream_vectors() {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let g = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let bytes = g
        .encode(
            &[0, 1, -2, 40, i32::MIN],
            &[0.25, 0.5, -1.0, 0.0, 3.0],
            &[1.0, 0.3, 2.0, 1.5, 0.8],
            None,
            1,
        )
        .unwrap();
    let pin_g = hex(&bytes);
    let l = ParametricCoder::new("laplace", 12, Some(-64), Some(63)).unwrap();
    let bytes = l
        .encode(
            &[-64, 0, 5, 63],
            &[0.0, 0.125, 4.5, -60.0],
            &[0.05, 60.0, 1.0, 2.0],
            None,
            1,
        )
        .unwrap();
    let pin_l = hex(&bytes);
    let s = ParametricCoder::new("logistic", 16, Some(-10), Some(10)).unwrap();
    let bytes = s
        .encode(
            &[1, -3],
            &[0.0, -2.0, 2.0, 1.0],
            &[1.0, 1.0, 0.5, 3.0],
            Some(&[0.25, 0.5, 0.75, 0.5]),
            1,
        )
        .unwrap();
    let pin_m = hex(&bytes);
    assert_eq!(
        [&pin_g[..], &pin_l, &pin_m],
        [PIN_GAUSSIAN, PIN_LAPLACE, PIN_MIXTURE]
    );
}

const PIN_GAUSSIAN: &str = "820100100000000000000000000508f2a1a6848e89da0703023efeffece6374fbf";
const PIN_LAPLACE: &str = "8201010c01c0ffffff3f000000040880a0809432088efcc3ee";
const PIN_MIXTURE: &str = "8201021001f6ffffff0a0000000208afbf01976ab05f";

/// Every kernel (AVX-512, AVX2, scalar, as the CPU has them) codes the same bytes and
/// decodes them back, and damage is the same error under each: all families, bounded and windowed supports, one to eight
/// components, every precision the support fits.
#[test]
fn every_kernel_codes_the_same_bytes() {
    use fastrans::testing::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
    let mut seed = 90;
    for family in FAMILIES {
        for precision in [1, 2, 5, 8, 11, 12, 16] {
            let bounded = (precision >= 8).then_some((-64, 63));
            for bounds in [None, bounded, Some((0, 0))] {
                for k in [1, 2, 3, 8] {
                    seed += 1;
                    // Not a multiple of the lanes or of 8: every kernel's tail too.
                    let (symbols, means, scales, weights) = data(2_077, k, seed, bounds);
                    let coder = ParametricCoder::new(
                        family,
                        precision,
                        bounds.map(|b| b.0),
                        bounds.map(|b| b.1),
                    )
                    .unwrap();
                    let w = weights.as_deref();
                    let code = || coder.encode(&symbols, &means, &scales, w, 1).unwrap();
                    let bytes = code();
                    assert_eq!(
                        with_avx512_lanes(code),
                        bytes,
                        "{family} {precision} {bounds:?}"
                    );
                    assert_eq!(
                        with_avx2_lanes(code),
                        bytes,
                        "{family} {precision} {bounds:?}"
                    );
                    assert_eq!(
                        with_scalar_lanes(code),
                        bytes,
                        "{family} {precision} {bounds:?}"
                    );
                    let decode = || coder.decode(&bytes, &means, &scales, w, 1).unwrap();
                    assert_eq!(decode(), symbols);
                    assert_eq!(with_avx512_lanes(decode), symbols);
                    assert_eq!(with_avx2_lanes(decode), symbols);
                    assert_eq!(with_scalar_lanes(decode), symbols);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_symbols_and_laws_round_trip(
        items in prop::collection::vec(
            (any::<i32>(), -100i32..100, any::<bool>(), -1e4f32..1e4, -20f32..20f32, 0f32..1f32),
            0..1500,
        ),
        family in 0usize..3,
        k in 1usize..4,
        bounded in any::<bool>(),
    ) {
        let n = items.len();
        let bounds = bounded.then_some((-100, 99));
        let coder = ParametricCoder::new(FAMILIES[family], 16, bounds.map(|b| b.0), bounds.map(|b| b.1)).unwrap();
        let symbols: Vec<i32> = items.iter().map(|&(big, small, wide, ..)| {
            if wide && !bounded { big } else { small.min(99) }
        }).collect();
        let mut means = Vec::new();
        let mut scales = Vec::new();
        let mut weights = Vec::new();
        for j in 0..k {
            for &(_, _, _, m, log_s, w) in &items {
                means.push(m / (j + 1) as f32);
                scales.push(log_s.exp2());
                weights.push(if j == 0 { 1.0 - w * (k - 1) as f32 / k as f32 } else { w / k as f32 });
            }
        }
        let w = (k > 1).then_some(&weights[..]);
        let bytes = coder.encode(&symbols, &means, &scales, w, 1).unwrap();
        prop_assert_eq!(&coder.encode(&symbols, &means, &scales, w, 3).unwrap(), &bytes);
        prop_assert_eq!(coder.decode(&bytes, &means, &scales, w, 2).unwrap(), symbols);
        prop_assert!(n == coder.decode(&bytes, &means, &scales, w, 1).unwrap().len());
    }
}
