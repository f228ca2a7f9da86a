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
