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

/// Found by the `fastrans_stream` fuzz target: with two corrupt chunks, decoding on one
/// thread and on two reported different `CorruptStream` messages (rayon stopped at
/// whichever chunk failed first). The error must not depend on the thread count: it is
/// the first failing chunk's, as on one thread.
#[test]
fn errors_do_not_depend_on_the_thread_count() {
    use fastrans::format;
    let rows: Vec<Vec<i32>> = vec![vec![0, 20000, 45000, 65536]];
    let table = CdfTable::from_rows(&rows, &[4], &[-1], 16).unwrap();
    let chunk = 1 << 19; // four equal chunks of the largest size
    let n = 4 * chunk;
    let symbols: Vec<i32> = (0..n)
        .map(|k| (k as i32).wrapping_mul(7919) % 5 - 2)
        .collect();
    let idx = vec![0i32; n];
    let clean = format::encode(&table, &symbols, &idx, 1).unwrap();
    // Chunk c's bytes are those of a stream of its symbols alone (same lanes): find them.
    let locate = |c: usize| {
        let part = c * chunk..(c + 1) * chunk;
        let alone = format::encode(&table, &symbols[part.clone()], &idx[part], 1).unwrap();
        (0..64)
            .find_map(|h| {
                let body = &alone[h..alone.len() - 4];
                let at = clean.windows(body.len()).position(|w| w == body)?;
                Some(at..at + body.len())
            })
            .expect("chunk found")
    };
    let (c1, c2) = (locate(1), locate(2));
    let body = clean.len() - 4;
    let mut disagreements = 0;
    for k in 0..16usize {
        let mut data = clean.clone();
        // Damage chunk 1 near its end (found only when it finishes) and chunk 2 at its
        // start (found at once; a pool that stops early may never start chunk 1), then
        // reseal the CRC so the chunk decoders, not the checksum, find the damage.
        data[c1.end - 1 - k % 8] ^= 0x5a;
        data[c2.start + k % 4] = 0;
        let crc = crc32c::crc32c(&data[..body]);
        data[body..].copy_from_slice(&crc.to_le_bytes());
        let one = format::decode(&table, &data, &idx, 1);
        assert!(one.is_err(), "damage #{k} went unnoticed");
        for threads in [2, 4] {
            let many = format::decode(&table, &data, &idx, threads);
            disagreements += usize::from(one != many);
        }
    }
    assert_eq!(disagreements, 0, "the thread count changed the error");
}

/// `pmf_to_quantized_cdf(&[1e10], 16)` rounded the bad entry before the bad-input flag was
/// read: `2^16 * 1e10` truncates to `u32::MAX` and adding the rounding unit overflowed (a
/// panic with overflow checks on; the `pmf_to_cdf` target found it in a few hundred
/// executions). Every overflowing product, and its neighbours, is refused.
#[test]
fn huge_pmf_entry_is_refused_not_overflowing() {
    for (pmf, precision) in [
        (vec![1e10f32], 16),
        (vec![0.5, 1e10, 0.5], 16),
        (vec![f32::MAX], 1),
        (vec![65536.0], 16),
        (vec![4_294_967_296.0 / 2.0], 2),
    ] {
        let got = fastrans::pmf_to_quantized_cdf(&pmf, precision);
        assert!(
            matches!(&got, Err(Error::InvalidArgument(m)) if m.contains("is too large")),
            "{pmf:?} at precision {precision}: {got:?}"
        );
    }
    // Just below 2^32 after scaling is still accepted (then renormalised).
    let cdf = fastrans::pmf_to_quantized_cdf(&[65535.99], 16).unwrap();
    assert_eq!(cdf, [0, 65536]);
}
