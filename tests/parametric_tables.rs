//! The Gaussian and Laplace tables: pinned values and bad arguments.

use fastrans::parametric::{gaussian_table, laplace_table};
use fastrans::Error;

mod common;

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

/// Row 1 (scale 1.0) of `gaussian_table([0.11, 1.0], 16, 1e-9)`; the uneven far tails come
/// from CompressAI's empty-bin stealing, which `pmf_to_quantized_cdf` reproduces.
const PINNED_ROW1: &[u32] = &[
    0, 1, 2, 3, 12, 404, 4375, 20217, 45312, 61154, 65125, 65517, 65532, 65533, 65534, 65535, 65536,
];
