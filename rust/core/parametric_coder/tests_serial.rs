//! Per-symbol laws in CompressAI's serial stream: runs of laws and of table rows on one
//! state, decoded call by call; the decoder's checks and its refusal to move on error.

use std::sync::Arc;

use crate::format::compressai::{BufferedEncoder, StreamDecoder};
use crate::test_rng::xorshift64;
use crate::{CdfTable, Error};

use super::ParametricCoder;

/// `n` symbols' parameters of `k` components, laid out `(k, n)`, and symbols near them.
fn wave(
    next: &mut impl FnMut() -> u64,
    n: usize,
    k: usize,
    spread: i32,
) -> (Vec<i32>, Vec<f32>, Vec<f32>, Option<Vec<f32>>) {
    let mut unit = || (next() >> 40) as f32 / (1u32 << 24) as f32;
    let means: Vec<f32> = (0..n * k).map(|_| (unit() - 0.5) * 40.0).collect();
    let scales: Vec<f32> = (0..n * k).map(|_| 0.05 + unit() * 6.0).collect();
    let weights = (k > 1).then(|| {
        let raw: Vec<f32> = (0..n * k).map(|_| 0.05 + unit()).collect();
        let mut w = raw.clone();
        for i in 0..n {
            let total: f32 = (0..k).map(|j| raw[j * n + i]).sum();
            for j in 0..k {
                w[j * n + i] = raw[j * n + i] / total;
            }
        }
        w
    });
    let symbols = (0..n)
        .map(|i| {
            let jitter = (unit() - 0.5) * 2.0 * spread as f32;
            (means[i] + jitter).round() as i32
        })
        .collect();
    (symbols, means, scales, weights)
}

fn table() -> Arc<CdfTable> {
    let rows = [[0, 16384, 49152, 65535, 65536]];
    Arc::new(CdfTable::from_rows(&rows, &[5], &[-1], 16).unwrap())
}

#[test]
fn runs_of_laws_and_rows_round_trip_in_call_order() {
    let mut next = xorshift64(11);
    let table = table();
    for (coder, spread) in [
        (
            ParametricCoder::new("gaussian", 16, None, None).unwrap(),
            3000,
        ),
        (
            ParametricCoder::new("logistic", 13, None, None).unwrap(),
            40,
        ),
        (
            ParametricCoder::new("laplace", 16, Some(-40), Some(40)).unwrap(),
            5,
        ),
    ] {
        let mut runs = Vec::new();
        let mut enc = BufferedEncoder::new();
        for step in 0..12 {
            let k = [1, 3, 1, 2][step % 4];
            let n = 1 + (next() % 200) as usize;
            let (mut s, m, sc, w) = wave(&mut next, n, k, spread);
            if coder.bounds().is_some() {
                s.iter_mut().for_each(|v| *v = (*v).clamp(-40, 40));
            }
            enc.push_parametric(&coder, &s, &m, &sc, w.as_deref())
                .unwrap();
            let t: Vec<i32> = (0..n).map(|_| (next() % 9) as i32 - 4).collect();
            enc.push(&table, &t, &vec![0; n]).unwrap();
            runs.push((s, m, sc, w, t));
        }
        let bytes = enc.flush();
        let mut dec = StreamDecoder::new(&bytes).unwrap();
        for (s, m, sc, w, t) in &runs {
            let mut out = vec![0; s.len()];
            dec.decode_parametric_into(&coder, m, sc, w.as_deref(), &mut out)
                .unwrap();
            assert_eq!(&out, s);
            let mut out = vec![0; t.len()];
            dec.decode_into(&table, &vec![0; t.len()], &mut out)
                .unwrap();
            assert_eq!(&out, t);
        }
        dec.finish().unwrap();
    }
}

#[test]
fn bad_parameters_queue_nothing_and_leave_the_decoder_in_place() {
    let coder = ParametricCoder::new("gaussian", 16, Some(-8), Some(7)).unwrap();
    let mut enc = BufferedEncoder::new();
    enc.push_parametric(&coder, &[1, 2], &[1.0, 2.0], &[1.0, 1.0], None)
        .unwrap();
    let bad = [
        enc.push_parametric(&coder, &[1, 9], &[0.0, 0.0], &[1.0, 1.0], None),
        enc.push_parametric(&coder, &[1], &[f32::NAN], &[1.0], None),
        enc.push_parametric(&coder, &[1], &[0.0, 0.0], &[1.0, 1.0], None),
    ];
    for e in bad {
        assert!(matches!(e, Err(Error::InvalidArgument(_))), "{e:?}");
    }
    assert!(matches!(
        enc.push_parametric(&coder, &[1, 9], &[0.0; 2], &[1.0; 2], None),
        Err(Error::InvalidArgument(m)) if m.contains("symbols[1]")
    ));
    assert_eq!(enc.len(), 2);
    let bytes = enc.flush();
    let mut dec = StreamDecoder::new(&bytes).unwrap();
    let mut out = [0; 2];
    let e = dec.decode_parametric_into(&coder, &[1.0, 2.0], &[1.0, 0.0], None, &mut out);
    assert!(matches!(e, Err(Error::InvalidArgument(m)) if m.contains("scales[1]")));
    dec.decode_parametric_into(&coder, &[1.0, 2.0], &[1.0, 1.0], None, &mut out)
        .unwrap();
    assert_eq!(out, [1, 2]);
    dec.finish().unwrap();
}

#[test]
fn damage_is_an_error_never_a_panic() {
    let mut next = xorshift64(5);
    let coder = ParametricCoder::new("gaussian", 16, None, None).unwrap();
    let (s, m, sc, _) = wave(&mut next, 300, 1, 2000);
    let mut enc = BufferedEncoder::new();
    enc.push_parametric(&coder, &s, &m, &sc, None).unwrap();
    let bytes = enc.flush();
    let mut corrupt = 0;
    for cut in [0, 4, bytes.len() / 2, bytes.len() - 4] {
        let Ok(mut dec) = StreamDecoder::new(&bytes[..cut]) else {
            corrupt += 1;
            continue;
        };
        let mut out = vec![0; s.len()];
        match dec.decode_parametric_into(&coder, &m, &sc, None, &mut out) {
            Err(Error::CorruptStream(_)) => corrupt += 1,
            Ok(()) => assert!(dec.finish().is_err()),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(corrupt >= 2);
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0x5a;
        let mut dec = StreamDecoder::new(&flipped).unwrap();
        let mut out = vec![0; s.len()];
        if dec
            .decode_parametric_into(&coder, &m, &sc, None, &mut out)
            .is_ok()
        {
            let _ = dec.finish();
        }
    }
}
