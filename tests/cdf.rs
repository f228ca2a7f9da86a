//! pmf → quantized CDF properties and CdfTable construction.

use fastrans::{pmf_to_quantized_cdf, CdfTable, Error};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every accepted pmf gives a valid CDF row: 0, strictly increasing, 2^p.
    #[test]
    fn quantized_cdf_is_valid(pmf in prop::collection::vec(0.0f32..1.0, 1..600), p in 10u32..=16) {
        match pmf_to_quantized_cdf(&pmf, p) {
            Ok(cdf) => {
                prop_assert_eq!(cdf.len(), pmf.len() + 1);
                prop_assert_eq!(cdf[0], 0);
                prop_assert_eq!(*cdf.last().unwrap(), 1 << p);
                prop_assert!(cdf.windows(2).all(|w| w[1] > w[0]));
                let row: Vec<i32> = cdf.iter().map(|&c| c as i32).collect();
                prop_assert!(CdfTable::from_rows(&[row], &[cdf.len() as i32], &[0], p).is_ok());
            }
            Err(e) => {
                // Only all-zero (after scaling) pmfs are refused in this range.
                prop_assert!(matches!(e, Error::InvalidArgument(_)));
                prop_assert!(pmf.iter().all(|&x| (x * (1u32 << p) as f32).round() == 0.0));
            }
        }
    }

    /// Table validation never panics on arbitrary rows.
    #[test]
    fn table_validation_never_panics(
        row in prop::collection::vec(any::<i32>(), 0..20),
        len in any::<i32>(),
        p in any::<u32>(),
    ) {
        let width = row.len();
        let _ = CdfTable::new(&row, width, &[len], &[0], p);
    }
}

#[test]
fn from_pmfs_matches_per_row_conversion() {
    let pmfs = [0.5f32, 0.25, 0.2, 0.0, 0.9, 0.1, 0.0, 0.0];
    let t = CdfTable::from_pmfs(&pmfs, 4, &[3, 2], &[0.05, 1e-9], &[-1, 0], 16).unwrap();
    assert_eq!(t.num_tables(), 2);
    assert_eq!(
        t.row_cdf(0),
        pmf_to_quantized_cdf(&[0.5, 0.25, 0.2, 0.05], 16)
            .unwrap()
            .as_slice()
    );
    assert_eq!(
        t.row_cdf(1),
        pmf_to_quantized_cdf(&[0.9, 0.1, 1e-9], 16)
            .unwrap()
            .as_slice()
    );
    assert_eq!(t.lengths(), vec![5, 4]);
    assert!(CdfTable::from_pmfs(&pmfs, 4, &[5, 2], &[0.0, 0.0], &[0, 0], 16).is_err());
    assert!(CdfTable::from_pmfs(&pmfs, 4, &[3], &[0.0, 0.0], &[0, 0], 16).is_err());
}

#[test]
fn fingerprint_is_pinned() {
    // The fingerprint is part of the fastrans stream: it must never change across
    // platforms or versions.
    let t = CdfTable::from_rows(&[vec![0, 100, 65536]], &[3], &[-1], 16).unwrap();
    assert_eq!(t.fingerprint(), FNV_EXPECTED);
}

/// FNV-1a 64 over LE words [16, 1, 3, -1 as u32, 0, 100, 65536], computed independently.
const FNV_EXPECTED: u64 = {
    let words: [u32; 7] = [16, 1, 3, u32::MAX, 0, 100, 65536];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut k = 0;
    while k < words.len() {
        let bytes = words[k].to_le_bytes();
        let mut j = 0;
        while j < 4 {
            h ^= bytes[j] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            j += 1;
        }
        k += 1;
    }
    h
};

/// Rows are built on several threads, but the error is always the first bad row's.
#[test]
fn from_pmfs_reports_the_first_bad_row() {
    let (rows, width) = (64usize, 8usize);
    let pmfs = vec![0.1f32; rows * width];
    let mut lengths = vec![8i32; rows];
    // Rows 5 and 40 have bad lengths: 5 is reported, every time.
    lengths[5] = 0;
    lengths[40] = 9;
    let tails = vec![0.01f32; rows];
    let offsets = vec![0i32; rows];
    for _ in 0..20 {
        match CdfTable::from_pmfs(&pmfs, width, &lengths, &tails, &offsets, 16) {
            Err(Error::InvalidArgument(m)) => {
                assert!(m.contains("pmf_lengths[5]"), "{m}")
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }
}
