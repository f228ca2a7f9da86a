//! One test per bug that fuzzing or the robustness tests found, named after it, with the
//! exact input that triggered it and the exact outcome now expected (docs/ROBUSTNESS.md
//! lists them). Never delete one: they keep the bugs fixed.

use fastrans::{CdfTable, Error};

/// `CdfTable::new` compared `cdfs.len()` with `rows * width` unchecked: a (0, 2^60) array
/// with 16 row lengths wrapped to 0 == 0, passed, and panicked slicing row 0 (reachable
/// from Python as `CdfTable(np.zeros((0, 2**60), np.int32), [3] * 16, [0] * 16)`).
#[test]
fn table_rows_times_width_overflow_is_an_error() {
    let got = CdfTable::new(&[], 1 << 60, &[3; 16], &[0; 16], 16);
    assert!(
        matches!(&got, Err(Error::InvalidArgument(m)) if m.contains("cdf_lengths has 16")),
        "{got:?}"
    );
    let got = CdfTable::new(&[], usize::MAX, &[3; 2], &[0; 2], 16);
    assert!(matches!(got, Err(Error::InvalidArgument(_))), "{got:?}");
}

/// The same unchecked product in `CdfTable::from_pmfs` panicked inside rayon workers.
#[test]
fn from_pmfs_rows_times_width_overflow_is_an_error() {
    let got = CdfTable::from_pmfs(&[], 1 << 60, &[3; 16], &[0.1; 16], &[0; 16], 16);
    assert!(
        matches!(&got, Err(Error::InvalidArgument(m)) if m.contains("16 pmf_lengths")),
        "{got:?}"
    );
}

/// From the `pmf_to_cdf` target's one timeout (a harness issue: its quadratic CompressAI
/// reference took > 10 s on this input): a 65536-entry pmf with three non-zero entries at
/// precision 16 leaves 65533 empty bins to fill, one steal each. The core's segment-tree
/// steal handles it; this pins the exact result so the fast path stays right.
#[test]
fn wide_sparse_pmf_fills_every_empty_bin() {
    let mut pmf = vec![0.0f32; 65536];
    pmf[65535] = 255.0 / 64.0;
    pmf[0x2b01] = 7.0 / 64.0;
    pmf[0x9640] = 32.0 / 64.0;
    let cdf = fastrans::pmf_to_quantized_cdf(&pmf, 16).unwrap();
    assert_eq!(cdf.len(), 65537);
    // 2^16 slots for 2^16 bins: every bin ends with frequency exactly 1.
    assert!(cdf.iter().enumerate().all(|(i, &c)| c == i as u32));
}
