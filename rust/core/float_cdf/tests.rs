//! Float-CDF streams: round trips over many level counts and shapes of CDF, the header's
//! refusals, damage, and the rate against the quantized rows' information content.

use crate::test_rng::xorshift64;
use crate::{Error, ParametricCoder};

use super::{decode, encode};

/// `n` random rows of `levels` levels (peaked when `peak`), and a symbol drawn from each.
fn rows(seed: u64, n: usize, levels: usize, peak: bool) -> (Vec<f32>, Vec<i32>) {
    let mut next = xorshift64(seed);
    let mut unit = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
    let mut cdf = Vec::with_capacity(n * (levels + 1));
    let mut symbols = Vec::with_capacity(n);
    for _ in 0..n {
        let centre = unit() * levels as f64;
        let pmf: Vec<f64> = (0..levels)
            .map(|k| {
                if peak {
                    (-((k as f64 - centre).abs()) * 3.0).exp() + 1e-12
                } else {
                    unit()
                }
            })
            .collect();
        let total: f64 = pmf.iter().sum();
        let mut acc = 0f64;
        cdf.push(0.0);
        for p in &pmf {
            acc += p / total;
            cdf.push(acc as f32);
        }
        let u = unit();
        let row = &cdf[cdf.len() - levels - 1..];
        let s = (0..levels)
            .find(|&k| (row[k + 1] as f64) > u)
            .unwrap_or(levels - 1);
        symbols.push(s as i32);
    }
    (cdf, symbols)
}

#[test]
fn round_trips_for_many_levels() {
    for (i, &levels) in [2usize, 3, 7, 128, 255, 1024, 32768].iter().enumerate() {
        for peak in [false, true] {
            let n = if levels > 2000 { 50 } else { 3000 };
            let (cdf, symbols) = rows(i as u64 + 1, n, levels, peak);
            let bytes = encode(&cdf, levels, &symbols, 2).unwrap();
            assert_eq!(bytes, encode(&cdf, levels, &symbols, 1).unwrap());
            assert_eq!(decode(&bytes, &cdf, levels, 2).unwrap(), symbols);
        }
    }
    // No symbols: the header alone.
    let bytes = encode(&[], 4, &[], 1).unwrap();
    assert_eq!(decode(&bytes, &[], 4, 1).unwrap(), Vec::<i32>::new());
}

#[test]
fn bad_inputs_and_mismatches() {
    let (cdf, symbols) = rows(9, 10, 8, false);
    let e = encode(&cdf, 8, &symbols[..9], 1).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    let mut bad = symbols.clone();
    bad[4] = 8;
    let e = encode(&cdf, 8, &bad, 1).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(m) if m.contains("symbols[4]")));
    let e = encode(&cdf, 1, &symbols, 1).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));

    let bytes = encode(&cdf, 8, &symbols, 1).unwrap();
    let (other, _) = rows(9, 10, 7, false);
    let e = decode(&bytes, &other[..10 * 8], 7, 1).unwrap_err();
    assert!(matches!(e, Error::TableMismatch(m) if m.contains("8 levels")));
    let e = decode(&bytes, &cdf[..9 * 9], 8, 1).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    let mut nan = cdf.clone();
    nan[9 * 3 + 2] = f32::NAN;
    let e = decode(&bytes, &nan, 8, 1).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(m) if m.contains("cdf[3, 2]")));

    let coder = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let e = coder
        .decode(&bytes, &[0.0; 10], &[1.0; 10], None, 1)
        .unwrap_err();
    assert!(matches!(e, Error::TableMismatch(m) if m.contains("float CDFs")));
    let laws = coder
        .encode(&[0; 10], &[0.0; 10], &[1.0; 10], None, 1)
        .unwrap();
    let e = decode(&laws, &cdf, 8, 1).unwrap_err();
    assert!(matches!(e, Error::TableMismatch(m) if m.contains("parametric")));
    let table =
        crate::CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16).unwrap();
    let tabled = crate::format::encode(&table, &symbols, &[0; 10], 1).unwrap();
    let e = decode(&tabled, &cdf, 8, 1).unwrap_err();
    assert!(matches!(e, Error::TableMismatch(m) if m.contains("tables")));
}

#[test]
fn damage_is_corrupt_stream() {
    let (cdf, symbols) = rows(4, 2000, 64, true);
    let bytes = encode(&cdf, 64, &symbols, 1).unwrap();
    for i in (0..bytes.len()).step_by(37) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x21;
        let e = decode(&bad, &cdf, 64, 1).unwrap_err();
        assert!(matches!(e, Error::CorruptStream(_)), "byte {i}: {e:?}");
    }
    for cut in [0, 5, bytes.len() - 1] {
        let e = decode(&bytes[..cut], &cdf, 64, 1).unwrap_err();
        assert!(matches!(e, Error::CorruptStream(_)), "cut {cut}: {e:?}");
    }
}

#[test]
fn bytes_are_within_a_few_bytes_of_the_rows_information() {
    let levels = 128;
    let (cdf, symbols) = rows(7, 100_000, levels, true);
    let q = crate::models::FloatCdfs::new(&cdf, levels).unwrap();
    let bits: f64 = symbols
        .iter()
        .enumerate()
        .map(|(i, &s)| 16.0 - (q.interval(q.row(i), s as usize).1 as f64).log2())
        .sum();
    let bytes = encode(&cdf, levels, &symbols, 1).unwrap();
    let ideal = bits / 8.0;
    assert!(
        (bytes.len() as f64) < ideal * 1.001 + 64.0,
        "{} vs {ideal}",
        bytes.len()
    );
}
