//! The fastrans stream round trips: every lane/chunk boundary, the parameters chosen,
//! escapes and extremes, pinned bytes, other precisions, and bytes independent of the
//! thread count and of concurrent callers.

use fastrans::format::{self, Params, MAX_CHUNK_SYMBOLS};
use fastrans::parametric::gaussian_table;
use fastrans::CdfTable;
use proptest::prelude::*;

mod common;
use common::stream::{boundary_sizes, decode, round_trip, table, w1};

#[test]
fn round_trips_at_every_boundary_and_thread_count() {
    let t = table();
    let (symbols, indexes) = w1(4 * MAX_CHUNK_SYMBOLS + 17, 7);
    for n in boundary_sizes() {
        let (s, i) = (&symbols[..n], &indexes[..n]);
        let data = round_trip(&t, s, i);
        for threads in [0, 2, 8] {
            assert_eq!(
                format::encode(&t, s, i, threads).unwrap(),
                data,
                "n={n} threads={threads}"
            );
            assert_eq!(decode(&t, &data, i, threads), s, "n={n}");
        }
    }
}

#[test]
fn params_follow_the_symbol_count() {
    assert_eq!(
        Params::for_len(0),
        Params {
            lanes: 1,
            chunk_symbols: 1
        }
    );
    assert_eq!(
        Params::for_len(1000),
        Params {
            lanes: 1,
            chunk_symbols: 1000
        }
    );
    // W1: two chunks of 16 lanes (a lane per 30 K symbols).
    let p = Params::for_len(983_040);
    assert_eq!(p.chunk_symbols, 491_520);
    assert_eq!(p.lanes, 16);
    let p = Params::for_len(491_519);
    assert_eq!(p.lanes, 8);
    let p = Params::for_len(61_440);
    assert_eq!(p.lanes, 2);
    let p = Params::for_len(100_000_000);
    assert!(p.chunk_symbols <= MAX_CHUNK_SYMBOLS);
}

#[test]
fn escapes_and_extremes_round_trip() {
    let t = table();
    let extremes = [
        i32::MIN,
        i32::MAX,
        i32::MIN + 1,
        i32::MAX - 1,
        -100_000,
        100_000,
        0,
        5,
        -5,
    ];
    for n in [1usize, 2, 3, 17, 64, 1000, 70_000] {
        let symbols: Vec<i32> = (0..n).map(|k| extremes[k % extremes.len()]).collect();
        for row in [0, 20, 63] {
            let indexes = vec![row; n];
            round_trip(&t, &symbols, &indexes);
        }
    }
    // A lane whose state crosses 2^31 part-way through a long escape.
    let symbols = vec![i32::MAX; 3];
    round_trip(&t, &symbols, &[0, 0, 0]);
}

#[test]
fn empty_stream_is_eleven_bytes_or_less() {
    let t = table();
    let data = round_trip(&t, &[], &[]);
    assert_eq!(data.len(), 10);
    assert_eq!(data[0], format::VERSION);
    assert_eq!(&data[1..5], &(t.fingerprint() as u32).to_le_bytes());
    assert_eq!(data[5], 0);
    assert_eq!(&data[6..], &crc32c::crc32c(&data[..6]).to_le_bytes());
}

#[test]
fn pinned_small_stream() {
    // One symbol, one lane: pins the byte layout of docs/FORMAT.md.
    let t = CdfTable::new(&[0, 16384, 49152, 65535, 65536], 5, &[5], &[-1], 16).unwrap();
    let data = format::encode(&t, &[0], &[0], 1).unwrap();
    // symbol 0 -> bin 1 = [16384, 49152): x = ((1 / 32768) << 16) + 1 % 32768 + 16384 = 16385.
    let mut want = vec![2u8];
    want.extend_from_slice(&(t.fingerprint() as u32).to_le_bytes());
    want.extend_from_slice(&[1, 0x08]); // n = 1; layout: one chunk, 1 lane
    want.extend_from_slice(&[0x81, 0x80, 0x01]); // lane state 16385
    let crc = crc32c::crc32c(&want);
    want.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(data, want);
}

#[test]
fn precision_other_than_16_codes() {
    for p in [1u32, 4, 12, 15] {
        let t = gaussian_table(&[0.2, 1.0], p.max(4), 1e-3).unwrap();
        let symbols: Vec<i32> = (0..5000).map(|k| (k % 7) - 3).collect();
        let indexes: Vec<i32> = (0..5000).map(|k| k % 2).collect();
        round_trip(&t, &symbols, &indexes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_symbols_round_trip_identically_on_any_thread_count(
        pairs in prop::collection::vec((any::<i32>(), -40i32..40, 0i32..64, any::<bool>()), 0..3000),
    ) {
        let t = table();
        // Mostly small symbols, sometimes anything (escapes of every length).
        let symbols: Vec<i32> = pairs.iter().map(|&(big, small, _, wide)| if wide { big } else { small }).collect();
        let indexes: Vec<i32> = pairs.iter().map(|p| p.2).collect();
        let data = format::encode(&t, &symbols, &indexes, 1).unwrap();
        prop_assert_eq!(&format::encode(&t, &symbols, &indexes, 2).unwrap(), &data);
        prop_assert_eq!(format::decode(&t, &data, &indexes, 0).unwrap(), symbols);
    }
}

/// Several callers at once, each cutting its stream into many chunks, with every thread
/// setting (the chunk schedule, `threads::map_items`, lets the calling thread work beside
/// the pool's): every stream is the one-thread stream and decodes to its symbols. One
/// caller runs inside a rayon pool's worker, where the schedule's scope nests.
#[test]
fn concurrent_callers_get_the_same_bytes_for_every_thread_count() {
    let t = table();
    let params = Params {
        lanes: 8,
        chunk_symbols: 3000,
    };
    let jobs: Vec<(Vec<i32>, Vec<i32>)> = (0..4)
        .map(|k| w1(40_000 + 977 * k, 31 + k as u64))
        .collect();
    let expected: Vec<Vec<u8>> = jobs
        .iter()
        .map(|(s, i)| {
            fastrans::testing::with_params(params, || format::encode(&t, s, i, 1)).expect("encode")
        })
        .collect();
    let check = |k: usize| {
        let (s, i) = &jobs[k];
        for threads in [0, 2, 3] {
            let data = fastrans::testing::with_params(params, || format::encode(&t, s, i, threads))
                .expect("encode");
            assert_eq!(data, expected[k], "caller {k} threads={threads}");
            assert_eq!(
                &decode(&t, &data, i, threads),
                s,
                "caller {k} threads={threads}"
            );
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a pool");
    std::thread::scope(|sc| {
        for k in 0..3 {
            sc.spawn(move || check(k));
        }
        sc.spawn(|| pool.install(|| check(3)));
    });
}
