//! The quantized CDF's invariants over random laws (every bin at least one slot, exact
//! totals, `find` agreeing with `interval`), the tables against `libm`, validation, the
//! header, and pinned intervals that catch any change of the definition.

use proptest::prelude::*;

use super::standard::{StdCdf, GAUSSIAN, GRID, LAPLACE, LOGISTIC, ONE};
use super::*;
use crate::error::Error;

/// Checks every invariant of one law's CDF and returns its intervals.
fn check<D: Dist>(spec: &ModelSpec, p: &Params<D>) -> Vec<(u32, u32)> {
    let one = 1u32 << spec.precision();
    assert!(
        p.bins >= 1 && p.bins <= one,
        "{} bins at precision {}",
        p.bins,
        spec.precision()
    );
    let mut next = 0u32;
    let mut out = Vec::with_capacity(p.bins as usize);
    for bin in 0..p.bins {
        let (start, freq) = spec.interval(p, bin);
        assert_eq!(
            start,
            next,
            "bin {bin} does not start where bin {} ends",
            bin as i64 - 1
        );
        assert!(freq >= 1, "bin {bin} has frequency 0");
        for slot in [start, start + freq - 1, start + freq / 2] {
            assert_eq!(spec.find(p, slot), (bin, start, freq), "slot {slot}");
        }
        next = start + freq;
        out.push((start, freq));
    }
    assert_eq!(next, one, "the frequencies do not sum to 2^P");
    out
}

fn family(code: u8) -> Family {
    Family::from_code(code % 3).unwrap_or(Family::Gaussian)
}

/// A scale log-uniform over 2^-20 .. 2^20 (beyond both clamps).
fn scale_from(e: f64) -> f32 {
    (2f64).powf(e) as f32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn bounded_cdfs_are_valid(
        fam in 0u8..3, p in 1u32..=16, lower in -200i32..200, width in 0u32..300,
        mean in -400f32..400.0, e in -20f64..20.0,
    ) {
        let upper = lower + width.min((1u32 << p) - 1) as i32;
        let spec = ModelSpec::new(family(fam), p, Some(lower), Some(upper)).unwrap();
        let params = spec.single(mean, scale_from(e));
        prop_assert_eq!(params.bins as i64, upper as i64 - lower as i64 + 1);
        let first = check(&spec, &params);
        // Deterministic: the same law twice gives the same intervals.
        prop_assert_eq!(first, check(&spec, &spec.single(mean, scale_from(e))));
        prop_assert_eq!(spec.bin_of(&params, lower), Some(0));
        prop_assert_eq!(spec.bin_of(&params, upper), Some(params.bins - 1));
        prop_assert_eq!(spec.bin_of(&params, upper.wrapping_add(1)), None);
    }

    #[test]
    fn windowed_cdfs_are_valid(
        fam in 0u8..3, p in 1u32..=16, mean in -1e6f32..1e6, e in -20f64..8.0,
    ) {
        let spec = ModelSpec::new(family(fam), p, None, None).unwrap();
        let params = spec.single(mean, scale_from(e));
        let s = params.support;
        prop_assert!(s.escape);
        prop_assert!(s.direct_bins() <= 1 << (p - 1));
        prop_assert_eq!(params.bins as u64, s.direct_bins() + 1);
        check(&spec, &params);
        let centre = mean.round() as i32;
        if s.direct_bins() < 1 << (p - 1) {
            prop_assert!(spec.bin_of(&params, centre).is_some());
        }
        prop_assert_eq!(spec.bin_of(&params, s.upper.wrapping_add(1)), None);
        prop_assert_eq!(spec.bin_of(&params, s.lower.wrapping_sub(1)), None);
    }

    #[test]
    fn mixtures_are_valid(
        fam in 0u8..3, p in 4u32..=16, bounded in any::<bool>(),
        comps in prop::collection::vec((-100f32..100.0, -12f64..8.0, 0f32..1.0), 1..=MAX_COMPONENTS),
        zero in 0usize..MAX_COMPONENTS,
    ) {
        let (lo, hi) = if bounded { (Some(-64), Some(63.min((1 << p) - 65))) } else { (None, None) };
        let spec = ModelSpec::new(family(fam), p, lo, hi).unwrap();
        let means: Vec<f32> = comps.iter().map(|c| c.0).collect();
        let scales: Vec<f32> = comps.iter().map(|c| scale_from(c.1)).collect();
        let mut weights: Vec<f32> = comps.iter().map(|c| c.2).collect();
        if zero < weights.len() {
            weights[zero] = 0.0;
        }
        let params = spec.mixture(&means, &scales, &weights);
        let first = check(&spec, &params);
        prop_assert_eq!(first, check(&spec, &spec.mixture(&means, &scales, &weights)));
    }

    /// Validation never panics, and accepts exactly what it should.
    #[test]
    fn validation_names_the_first_bad_element(
        values in prop::collection::vec((any::<f32>(), any::<f32>()), 0..40),
    ) {
        let (means, scales): (Vec<f32>, Vec<f32>) = values.iter().copied().unzip();
        let bad = values.iter().position(|&(m, s)| !(m.is_finite() && s.is_finite() && s > 0.0));
        match (validate_single(&means, &scales), bad) {
            (Ok(()), None) => {}
            (Err(Error::InvalidArgument(msg)), Some(i)) => {
                prop_assert!(msg.contains(&format!("[{i}]")), "{}", msg);
            }
            (r, b) => prop_assert!(false, "{:?} for first bad {:?}", r, b),
        }
    }
}

/// Every slot of small-precision CDFs, including the windowed ones.
#[test]
fn every_slot_finds_its_bin() {
    for fam in [Family::Gaussian, Family::Laplace, Family::Logistic] {
        for p in [1, 2, 5, 10] {
            for bounds in [(None, None), (Some(-3), Some(((1 << p) - 4).min(40)))] {
                let spec = ModelSpec::new(fam, p, bounds.0, bounds.1).unwrap();
                for (mean, scale) in [(0.3f32, 0.01f32), (-2.5, 1.0), (7.75, 9.0), (1e4, 1e4)] {
                    let params = spec.single(mean, scale);
                    let iv = check(&spec, &params);
                    for slot in 0..1u32 << p {
                        let (bin, start, freq) = spec.find(&params, slot);
                        assert_eq!(iv[bin as usize], (start, freq));
                        assert!(start <= slot && slot < start + freq);
                    }
                }
            }
        }
    }
}

/// `F` within 2 units of Q31 of the exact CDF at every table entry.
#[test]
fn tables_match_libm() {
    type Exact = (&'static StdCdf, fn(f64) -> f64);
    let exact: [Exact; 3] = [
        (&GAUSSIAN, |t| {
            0.5 * libm::erfc(-t / std::f64::consts::SQRT_2)
        }),
        (&LAPLACE, |t| {
            if t < 0.0 {
                0.5 * libm::exp(t)
            } else {
                1.0 - 0.5 * libm::exp(-t)
            }
        }),
        (&LOGISTIC, |t| 1.0 / (1.0 + libm::exp(-t))),
    ];
    for (table, f) in exact {
        let entries = table.entries();
        assert_eq!(entries.len() as u32, 2 * table.center() + 2);
        assert_eq!((entries[0], entries[entries.len() - 1]), (0, ONE));
        for (i, &v) in entries[..entries.len() - 1].iter().enumerate() {
            let t = (i as f64 - table.center() as f64) / GRID as f64;
            let want = f(t) * ONE as f64;
            assert!((v as f64 - want).abs() <= 2.0, "entry {i}: {v} vs {want}");
        }
        assert!(entries.windows(2).all(|w| w[0] <= w[1]));
        // Interpolation between entries, away from the grid.
        for k in 0..1000 {
            let t = -9.0 + k as f64 * 0.0181;
            let got = table.eval(t) as f64 / ONE as f64;
            assert!((got - f(t)).abs() < 2e-5, "t = {t}: {got} vs {}", f(t));
        }
    }
}

#[test]
fn extreme_laws_stay_valid() {
    let spec = ModelSpec::new(Family::Laplace, 16, Some(-64), Some(63)).unwrap();
    // All mass on one bin: the others keep exactly one slot each.
    let iv = check(&spec, &spec.single(0.0, 1e-30));
    assert_eq!(iv[64], (64, (1 << 16) - 127));
    // Far outside the support: the end bin takes the mass.
    let iv = check(&spec, &spec.single(-1e30, 3.0));
    assert_eq!(iv[0].1, (1 << 16) - 127);
    let iv = check(&spec, &spec.single(f32::MAX, f32::MAX));
    assert!(iv.iter().all(|&(_, f)| f >= 1));
    // Unvalidated parameters give some valid CDF, never a panic.
    for (m, s) in [
        (f32::NAN, 1.0),
        (0.0, f32::NAN),
        (f32::INFINITY, -1.0),
        (0.0, 0.0),
    ] {
        check(&spec, &spec.single(m, s));
        let open = ModelSpec::new(Family::Gaussian, 12, None, None).unwrap();
        check(&open, &open.single(m, s));
        check(
            &open,
            &open.mixture(&[m, 1.0], &[s, 2.0], &[f32::NAN, -1.0]),
        );
    }
    // A huge scale hits the window cap: 2^(P-1) bins around the mean, then the escape.
    let open = ModelSpec::new(Family::Gaussian, 8, None, None).unwrap();
    let params = open.single(10.0, 1e4);
    assert_eq!((params.support.lower, params.support.upper), (-54, 73));
    check(&open, &params);
    let params = open.single(-3e9, 1e4);
    assert_eq!(params.support.lower, i32::MIN);
    check(&open, &params);
}

#[test]
fn zero_weight_components_do_not_count() {
    let spec = ModelSpec::new(Family::Gaussian, 16, None, None).unwrap();
    let with = spec.mixture(&[0.0, 1000.0], &[1.0, 1.0], &[1.0, 0.0]);
    let alone = spec.mixture(&[0.0], &[1.0], &[1.0]);
    assert_eq!(with.support, alone.support);
    assert_eq!(check(&spec, &with), check(&spec, &alone));
    assert_eq!(check(&spec, &alone), check(&spec, &spec.single(0.0, 1.0)));
}

#[test]
fn mixture_validation() {
    let ok = validate_mixture(2, &[0.0, 1.0, 2.0, 3.0], &[1.0; 4], &[0.5, 0.2, 0.5, 0.8]);
    assert_eq!(ok, Ok(()));
    let cases: [(&[f32], &[f32], &str); 4] = [
        (&[1.0, 1.0, 1.0, 1.0], &[0.5, 0.2, 0.5, 0.8], "scales[1, 1]"),
        (&[1.0; 4], &[0.5, -0.2, 0.5, 1.2], "weights[0, 1]"),
        (&[1.0; 4], &[0.5, 0.2, 0.6, 0.8], "weights[:, 0]"),
        (&[1.0; 4], &[0.5, 0.2, 0.5, f32::NAN], "weights[1, 1]"),
    ];
    for (i, (scales, weights, name)) in cases.into_iter().enumerate() {
        let mut scales = scales.to_vec();
        if i == 0 {
            scales[3] = 0.0;
        }
        match validate_mixture(2, &[0.0; 4], &scales, weights) {
            Err(Error::InvalidArgument(msg)) => assert!(msg.contains(name), "{msg}"),
            r => panic!("{r:?}"),
        }
    }
    assert!(validate_mixture(2, &[0.0; 3], &[1.0; 3], &[0.5; 3]).is_err());
    assert!(validate_mixture(0, &[], &[], &[]).is_err());
    assert!(validate_mixture(MAX_COMPONENTS + 1, &[], &[], &[]).is_err());
    assert!(validate_mixture(1, &[0.0], &[1.0], &[1.0 + 2e-3]).is_err());
    assert!(validate_mixture(1, &[0.0], &[1.0], &[1.0 - 5e-4]).is_ok());
    assert!(validate_single(&[0.0], &[]).is_err());
}

#[test]
fn spec_errors_and_header() {
    assert!("gauss".parse::<Family>().is_err());
    assert_eq!("logistic".parse::<Family>(), Ok(Family::Logistic));
    assert!(ModelSpec::new(Family::Gaussian, 0, None, None).is_err());
    assert!(ModelSpec::new(Family::Gaussian, 17, None, None).is_err());
    assert!(ModelSpec::new(Family::Gaussian, 8, Some(0), None).is_err());
    assert!(ModelSpec::new(Family::Gaussian, 8, Some(1), Some(0)).is_err());
    assert!(ModelSpec::new(Family::Gaussian, 8, Some(0), Some(255)).is_ok());
    assert!(ModelSpec::new(Family::Gaussian, 8, Some(0), Some(256)).is_err());
    assert!(ModelSpec::new(Family::Gaussian, 16, Some(i32::MIN), Some(i32::MAX)).is_err());

    let spec = ModelSpec::new(Family::Laplace, 15, Some(-64), Some(63)).unwrap();
    let bytes = spec.header_bytes();
    assert_eq!(bytes, [1, 1, 15, 1, 0xc0, 0xff, 0xff, 0xff, 63, 0, 0, 0]);
    let back = ModelSpec::from_header_bytes(&bytes).unwrap();
    assert_eq!(back.header_bytes(), bytes);
    let open = ModelSpec::new(Family::Logistic, 16, None, None).unwrap();
    assert_eq!(open.header_bytes(), [1, 2, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (at, value) in [(0, 2), (1, 3), (2, 0), (2, 17), (3, 2), (3, 0), (7, 0x7f)] {
        let mut bad = bytes;
        bad[at] = value;
        assert!(
            matches!(
                ModelSpec::from_header_bytes(&bad),
                Err(Error::CorruptStream(_))
            ),
            "byte {at} = {value}"
        );
    }
    assert!(ModelSpec::from_header_bytes(&bytes[..11]).is_err());
}

/// Pinned intervals: any change of the tables, the rule or the window shows here (and must
/// bump the header's definition byte).
#[test]
fn pinned_intervals() {
    type Pin = (
        Family,
        u32,
        Option<(i32, i32)>,
        f32,
        f32,
        (i32, i32),
        &'static [(u32, u32)],
    );
    #[rustfmt::skip]
    let pins: [Pin; 5] = [
        (Family::Laplace, 8, Some((-3, 3)), 0.3, 1.2, (-3, 3),
         &[(0, 13), (13, 16), (29, 37), (66, 81), (147, 61), (208, 27), (235, 21)]),
        (Family::Gaussian, 10, None, -2.7, 0.8, (-7, 1),
         &[(0, 1), (1, 1), (2, 13), (15, 149), (164, 448), (612, 340), (952, 65), (1017, 4),
           (1021, 1), (1022, 2)]),
        (Family::Logistic, 6, Some((-2, 2)), 0.125, 0.5, (-2, 2),
         &[(0, 3), (3, 12), (15, 28), (43, 16), (59, 5)]),
        (Family::Gaussian, 16, Some((-2, 2)), 0.0390625, 0.05, (-2, 2),
         &[(0, 1), (1, 1), (2, 65532), (65534, 1), (65535, 1)]),
        (Family::Laplace, 12, None, 100.6, 0.3, (97, 104),
         &[(0, 1), (1, 2), (3, 52), (55, 1413), (1468, 2522), (3990, 99), (4089, 4), (4093, 1),
           (4094, 2)]),
    ];
    for (fam, p, bounds, mean, scale, window, want) in pins {
        let spec = ModelSpec::new(fam, p, bounds.map(|b| b.0), bounds.map(|b| b.1)).unwrap();
        let params = spec.single(mean, scale);
        assert_eq!((params.support.lower, params.support.upper), window);
        assert_eq!(check(&spec, &params), want, "{fam:?} {mean} {scale}");
    }
    let spec = ModelSpec::new(Family::Gaussian, 8, Some(-4), Some(4)).unwrap();
    let params = spec.mixture(&[-1.5, 1.25], &[0.7, 1.3], &[0.3, 0.7]);
    let want = [
        (0, 1),
        (1, 7),
        (8, 35),
        (43, 44),
        (87, 40),
        (127, 52),
        (179, 45),
        (224, 23),
        (247, 9),
    ];
    assert_eq!(check(&spec, &params), want);
}
