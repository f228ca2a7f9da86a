use super::*;

#[test]
fn round_matches_std() {
    let mut x = 0x1234_5678u32;
    let mut vals = vec![
        0.5f32, 1.5, 2.5, -0.5, -1.5, -2.5, 8388607.5, -8388607.5, 1e10, -0.0,
    ];
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        vals.push(f32::from_bits(x));
        vals.push((x as f32 / 4096.0) - 500_000.0);
    }
    for v in vals {
        let a = round_half_even(v);
        let b = v.round_ties_even();
        assert!(a == b || (a.is_nan() && b.is_nan()), "{v}: {a} vs {b}");
    }
}

#[test]
fn symbol_of_rounds_half_to_even() {
    let mut x = 0x9e37_79b9u32;
    let mut vals = vec![
        0.0f32,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        4_194_303.5,
        -4_194_303.5,
        4_194_304.0,
        -4_194_304.0,
        4_194_302.5,
        2_147_483_520.0,
        -2_147_483_648.0,
        8_388_609.0,
    ];
    for t in [4_194_304.0f32, 1.0, 0.5] {
        vals.push(f32::from_bits(t.to_bits() - 1));
        vals.push(-f32::from_bits(t.to_bits() - 1));
    }
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        vals.push((x as f32 / 512.0) - 4_194_304.0);
        vals.push(f32::from_bits(x & 0xcfff_ffff)); // |v| < 2^32 or tiny
    }
    for v in vals.into_iter().filter(|v| fits_i32(*v)) {
        assert_eq!(symbol_of(v), v.round_ties_even() as i32, "{v}");
    }
}

#[test]
fn a_round_of_symbols_matches_single_symbols() {
    let table: Vec<f32> = (0..64).map(|i| 0.11 * 1.13f32.powi(i)).collect();
    let index = ScaleIndex::new(&table, 0.11).unwrap();
    // Rounds of 8 with no, one, or all differences at or above 2^22 (the
    // element-by-element path), with and without means.
    let mut values: Vec<f32> = (0..64).map(|i| i as f32 * 0.37 - 9.5).collect();
    values[11] = 4_194_304.5;
    values[20] = -2_147_483_520.0;
    values[24..32].fill(4_194_303.5);
    let means: Vec<f32> = (0..64).map(|i| (i % 7) as f32 * 0.25 - 0.5).collect();
    let scales: Vec<f32> = (0..64).map(|i| 0.05 + i as f32 * 0.3).collect();
    for means in [None, Some(&means[..])] {
        let src = FloatSource {
            values: &values,
            scales: &scales,
            means,
            index: &index,
            bins: None,
        };
        for base in (0..64).step_by(8) {
            let (mut syms, mut rows) = ([0i32; 8], [0usize; 8]);
            src.get_round(base, &mut syms, &mut rows);
            for k in 0..8 {
                assert_eq!(
                    (syms[k], rows[k]),
                    src.get(base + k),
                    "position {}",
                    base + k
                );
            }
        }
    }
}

/// The vector batch lookup gives the scalar lookup's rows and errors, for every tail
/// length, NaN anywhere, scales below the bound, subnormals and infinity.
#[test]
fn scale_rows_into_matches_the_scalar_lookup() {
    let table: Vec<f32> = (0..64).map(|i| 0.11 * 1.13f32.powi(i)).collect();
    let ix = ScaleIndex::new(&table, 0.11).unwrap();
    let mut rng = crate::test_rng::xorshift64(7);
    // `scale_rows_into` with the best kernel, AVX2 at most, and scalar only.
    let on = |kernel: usize, scales: &[f32], out: &mut [i32], finite: bool| {
        let mut run = || scale_rows_into(&ix, scales, out, finite);
        match kernel {
            0 => run(),
            1 => crate::simd::with_avx2_lanes(run),
            _ => crate::simd::with_scalar_lanes(run),
        }
    };
    for n in (0..40).chain([1000, 4099]) {
        let mut scales: Vec<f32> = (0..n)
            .map(|_| f32::from_bits(rng() as u32 & 0x7fff_ffff).min(f32::INFINITY))
            .map(|s| if s.is_finite() { s } else { 3.0 })
            .collect();
        if n > 3 {
            scales[1] = -2.0;
            scales[2] = 0.05;
            scales[3] = f32::INFINITY; // the last row, unless `finite`
        }
        let mut want = vec![0i32; n];
        ix.rows_into(&scales, &mut want).unwrap();
        for kernel in 0..3 {
            let mut got = vec![-7i32; n];
            on(kernel, &scales, &mut got, false).unwrap();
            assert_eq!(got, want, "n={n} kernel={kernel}");
        }
        for at in [0, n / 2, n.saturating_sub(1)] {
            if n == 0 {
                continue;
            }
            let mut bad = scales.clone();
            if n > 3 {
                bad[3] = 1.0;
            }
            bad[at] = f32::NAN;
            let mut out = vec![0i32; n];
            for kernel in 0..3 {
                let err = on(kernel, &bad, &mut out, false).unwrap_err().to_string();
                assert!(err.contains(&format!("scales[{at}] is NaN")), "{err}");
            }
            bad[at] = -f32::INFINITY;
            assert!(scale_rows_into(&ix, &bad, &mut out, false).is_ok());
            for kernel in 0..3 {
                let err = on(kernel, &bad, &mut out, true).unwrap_err().to_string();
                assert!(
                    err.contains(&format!("scales[{at}] = -inf is not finite")),
                    "{err}"
                );
            }
        }
    }
}

/// A scale table too dense for per-bucket records (`tables/scale_bins.rs`) takes the AVX2
/// encoder's plain float input, which looks rows up itself: same bytes as the scalar lanes.
#[test]
fn a_coder_without_scale_bins_encodes_the_same_either_way() {
    let st: Vec<f64> = (0..4200).map(|i| 1e-6 * 1.0044f64.powi(i)).collect();
    let table = crate::tables::parametric::gaussian_table(&st, 16, 1e-9).unwrap();
    let st32: Vec<f32> = st.iter().map(|&s| s as f32).collect();
    let coder = ScaleCoder::new(std::sync::Arc::new(table), &st32, 1e-6).unwrap();
    assert!(coder.index.one_compare().is_some(), "no one-compare lookup");
    assert!(coder.bins.is_none(), "has records");
    let mut rng = crate::test_rng::xorshift64(11);
    let n = 200_000;
    let mut next = || (rng() >> 40) as f32 / (1u64 << 24) as f32;
    let scales: Vec<f32> = (0..n).map(|_| 1e-3 + next() * 20.0).collect();
    let means: Vec<f32> = (0..n).map(|_| next() * 4.0 - 2.0).collect();
    let y: Vec<f32> = (0..n)
        .map(|i| means[i] + (next() - 0.5) * 8.0 * scales[i])
        .collect();
    let encode = || coder.encode(&y, &scales, Some(&means), StreamFormat::Fastrans, 1);
    let scalar = crate::simd::with_scalar_lanes(encode).unwrap();
    assert_eq!(crate::simd::with_avx2_lanes(encode).unwrap(), scalar);
    assert_eq!(encode().unwrap(), scalar);
}
