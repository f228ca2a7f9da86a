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

/// Model-coded streams (per-symbol laws, float CDFs) a coder wrote, with the model each
/// names in its header.
fn model_streams() -> Vec<(Vec<u8>, usize, format::ModelHeader)> {
    use fastrans::{float_cdf, ParametricCoder};
    use format::ModelHeader::{FloatCdf, Parametric};
    let mut out = Vec::new();
    for (family, precision, bounds, n) in [
        ("laplace", 16, Some((-64, 63)), 1000usize),
        ("gaussian", 12, None, 70_000),
        ("logistic", 16, None, 0),
        ("gaussian", 16, Some((i32::MIN, i32::MIN + 100)), 5),
    ] {
        let (lo, hi) = bounds.unzip();
        let coder = ParametricCoder::new(family, precision, lo, hi).expect("valid coder");
        let base = lo.unwrap_or(0) as f32;
        let means: Vec<f32> = (0..n).map(|i| base + (i % 7) as f32 * 0.25).collect();
        let scales: Vec<f32> = (0..n).map(|i| 0.5 + (i % 5) as f32).collect();
        let symbols: Vec<i32> = means.iter().map(|&m| m.round() as i32).collect();
        let data = coder
            .encode(&symbols, &means, &scales, None, 1)
            .expect("encodes");
        out.push((
            data,
            n,
            Parametric {
                family,
                precision,
                bounds,
            },
        ));
    }
    let levels = 9;
    let row: Vec<f32> = (0..=levels).map(|k| k as f32 / levels as f32).collect();
    let n = 3000;
    let cdf: Vec<f32> = (0..n).flat_map(|_| row.iter().copied()).collect();
    let symbols: Vec<i32> = (0..n).map(|i| (i % levels) as i32).collect();
    let data = float_cdf::encode(&cdf, levels, &symbols, 1).expect("encodes");
    out.push((
        data,
        n,
        FloatCdf {
            levels: levels as u32,
            precision: 16,
        },
    ));
    out
}

#[test]
fn model_streams_report_their_model_and_layout() {
    for (data, n, model) in model_streams() {
        let h = format::header(&data).expect("the encoder's header");
        assert_eq!((h.version, h.fingerprint32), (format::VERSION_MODEL, 0));
        assert_eq!(h.model, Some(model));
        assert_eq!(h.symbols, n as u64);
        assert_eq!(format::symbol_count(&data), Ok(n as u64));
        assert_eq!(
            h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4,
            data.len()
        );
        assert_eq!(h.crc, crc32c::crc32c(&data[..data.len() - 4]));
        assert_eq!(h.chunk_bytes.is_empty(), n == 0);
        let mut damaged = data.clone();
        damaged[3] ^= 1;
        for bad in [&damaged[..], &data[..data.len() - 1], &data[..14]] {
            assert!(matches!(format::header(bad), Err(Error::CorruptStream(_))));
            assert!(matches!(
                format::symbol_count(bad),
                Err(Error::CorruptStream(_))
            ));
        }
    }
    // A table stream's header still reports no model.
    assert_eq!(
        format::header(&stream(10, None)).expect("valid").model,
        None
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// A model-coded stream's header (model field, count, layout) mutated and the CRC
    /// resealed: whatever the header reader refuses, the stream's own decoder refuses too.
    #[test]
    fn model_header_refuses_what_the_decoder_refuses(
        which in 0usize..2,
        edits in prop::collection::vec((1usize..24, any::<u8>()), 1..4),
    ) {
        use fastrans::ParametricCoder;
        let (lo, hi) = [(Some(-64), Some(63)), (None, None)][which];
        let coder = ParametricCoder::new("laplace", 16, lo, hi).expect("valid coder");
        let n = 500;
        let means = vec![0.5f32; n];
        let scales = vec![2.0f32; n];
        let symbols: Vec<i32> = (0..n as i32).map(|i| i % 5 - 2).collect();
        let clean = coder.encode(&symbols, &means, &scales, None, 1).expect("encodes");
        let mut body = clean[..clean.len() - 4].to_vec();
        for (at, v) in edits {
            if at < body.len() {
                body[at] = v;
            }
        }
        let data = seal(body);
        let decoded = coder.decode(&data, &means, &scales, None, 1);
        match format::header(&data) {
            Err(e) => {
                prop_assert!(matches!(e, Error::CorruptStream(_)), "{e:?}");
                prop_assert!(decoded.is_err(), "the decoder accepted what the header refused");
            }
            Ok(h) => {
                prop_assert_eq!(h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4, data.len());
                prop_assert_eq!(format::symbol_count(&data), Ok(h.symbols));
            }
        }
    }
}
