//! The fastrans stream's size against the CompressAI stream: the bound at every size and
//! entropy, and the lane/chunk budget that keeps it.

use fastrans::compressai;
use fastrans::format::{self, Params, MAX_CHUNK_SYMBOLS};
use proptest::prelude::*;

mod common;
use common::stream::{boundary_sizes, decode, round_trip, symbols_with_scales, table, w1};
use common::Rng;

/// `fastrans <= compressai * 1.0005 + 16`.
fn within_bound(fastrans: usize, compressai: usize) -> bool {
    fastrans as f64 <= compressai as f64 * 1.0005 + 16.0
}

/// Checks the size bound on sizes 1..300, geometrically spaced sizes up to `max_n` and
/// every lane/chunk boundary below it; returns the symbols' mean bits in CompressAI's
/// stream at `max_n`.
fn check_size_bound(symbols: &[i32], indexes: &[i32], max_n: usize) -> f64 {
    let t = table();
    let mut sizes: Vec<usize> = (1..300).collect();
    let mut n = 300usize;
    while n <= max_n {
        sizes.push(n);
        n = n * 9 / 8 + 1;
    }
    sizes.extend(
        boundary_sizes()
            .into_iter()
            .filter(|&n| (1..=max_n).contains(&n)),
    );
    sizes.push(max_n);
    let mut bits = 0.0;
    for n in sizes {
        let (s, i) = (&symbols[..n], &indexes[..n]);
        let ours = format::encode(&t, s, i, 0).unwrap().len();
        let theirs = compressai::encode(&t, s, i).unwrap().len();
        assert!(
            within_bound(ours, theirs),
            "n={n}: fastrans {ours} B, compressai {theirs} B"
        );
        bits = 8.0 * theirs as f64 / n as f64;
    }
    bits
}

#[test]
fn size_within_bound_of_compressai() {
    let (symbols, indexes) = w1(1_000_000, 11);
    let bits = check_size_bound(&symbols, &indexes, 1_000_000);
    assert!(
        (3.0..3.3).contains(&bits),
        "W1-like data: {bits} bits a symbol"
    );
}

#[test]
fn size_within_bound_at_two_bits_a_symbol() {
    // docs/FORMAT.md §5: with `Params::for_len`'s lanes alone the bound held down to about
    // 2 bits a symbol, at every lane and chunk boundary (two chunks of 16 lanes from
    // 983 040 symbols, four from 2^21). The lane budget now cuts some of them here.
    let n = 4 * MAX_CHUNK_SYMBOLS + 17;
    let (symbols, indexes) = symbols_with_scales(n, 13, 6.0);
    let bits = check_size_bound(&symbols, &indexes, n);
    assert!((1.9..2.1).contains(&bits), "{bits} bits a symbol");
}

#[test]
fn size_within_bound_below_two_bits_a_symbol() {
    // Below about 2 bits a symbol the lanes of `Params::for_len` would cost more than the
    // bound allows at large sizes; the encoder then takes fewer (`Params::within_budget`).
    let n = 4 * MAX_CHUNK_SYMBOLS + 17;
    for (max_scale, seed, bits_range) in [(0.5, 19, 0.3..0.6), (1.5, 23, 0.9..1.3)] {
        let (symbols, indexes) = symbols_with_scales(n, seed, max_scale);
        let bits = check_size_bound(&symbols, &indexes, n);
        assert!(bits_range.contains(&bits), "{bits} bits a symbol");
    }
}

/// The lane budget at its exact thresholds, on W1's size (two chunks of 16 lanes):
/// 30 extra lanes, one extra chunk and the chunk-size varint cost 21 * 30 + 32 + 4 * 3 =
/// 674 quarter bytes, which must fit in a 2000th of the body less those 674 / 4 bytes.
#[test]
fn lanes_follow_the_size_budget() {
    let n = 983_040;
    let p = Params::for_len(n);
    assert_eq!(p.extra_cost(n), 674);
    assert_eq!(p.within_budget(n, 381_000), None);
    assert_eq!(p.within_budget(n, 337_169), None);
    let cut = |body: usize| p.within_budget(n, body).expect("over budget");
    let params = |lanes: usize, chunk_symbols: usize| Params {
        lanes,
        chunk_symbols,
    };
    // First the same two chunks with 8 lanes (338 quarter bytes) ...
    assert_eq!(cut(337_168), params(8, 491_520));
    assert_eq!(cut(169_169), params(8, 491_520));
    // ... then one chunk of 8 lanes (147) ...
    assert_eq!(cut(169_168), params(8, n));
    assert_eq!(cut(73_669), params(8, n));
    // ... then fewer lanes in that chunk: 4 (63), 2 (21), 1.
    assert_eq!(cut(73_668), params(4, n));
    assert_eq!(cut(31_669), params(4, n));
    assert_eq!(cut(31_668), params(2, n));
    assert_eq!(cut(10_669), params(2, n));
    assert_eq!(cut(10_668), params(1, n));
    assert_eq!(cut(0), params(1, n));
    // One chunk of one lane is never cut.
    assert_eq!(Params::for_len(1000).within_budget(1000, 1), None);
    assert_eq!(Params::for_len(0).within_budget(0, 0), None);
}

proptest! {
    /// Whatever the size and body: the parameters chosen fit the budget (or are one chunk
    /// of one lane), take no more lanes or chunks than `for_len`, and chunks go only once
    /// lanes are down to 8, with as many kept as fit.
    #[test]
    fn the_budget_keeps_what_fits(n in 1usize..2_000_000_000, body in 0usize..1_000_000_000) {
        let p = Params::for_len(n);
        let single = body.saturating_sub(p.extra_cost(n).div_ceil(4));
        let fits = |q: Params| q.extra_cost(n) * 500 <= single;
        let Some(q) = p.within_budget(n, body) else {
            prop_assert!(fits(p));
            return Ok(());
        };
        prop_assert!(!fits(p));
        prop_assert!(fits(q) || (q.lanes == 1 && q.chunk_symbols == n), "{q:?}");
        prop_assert!(q.lanes.is_power_of_two() && q.lanes <= p.lanes);
        prop_assert!(q.chunks(n) <= p.chunks(n));
        if q.chunks(n) < p.chunks(n) {
            prop_assert!(q.lanes <= 8);
            if q.chunks(n) > 1 {
                // One chunk more of the same lanes would not fit.
                let more = Params { lanes: q.lanes, chunk_symbols: n.div_ceil(q.chunks(n) + 1) };
                prop_assert!(more.chunks(n) == q.chunks(n) || !fits(more), "{q:?}");
            }
        } else if q.lanes < 8 {
            prop_assert!(q.chunks(n) == 1);
        }
    }
}

/// Nearly certain symbols (~10^-4 to 10^-2 bits each) up to 10^8 of them, the largest
/// size tested: the lanes and the chunks must give way to the 16 bytes the bound leaves
/// the header (a single chunk then needs the one-chunk flag), and one chunk of 10^8
/// symbols decodes.
#[test]
fn size_within_bound_for_nearly_certain_symbols_up_to_10_8() {
    let t = table();
    let max_n = 100_000_000;
    let mut sizes: Vec<usize> = (10..=26).step_by(2).map(|k| 1 << k).collect();
    sizes.extend([
        MAX_CHUNK_SYMBOLS + 1,
        2 * MAX_CHUNK_SYMBOLS + 1,
        3_000_017,
        max_n,
    ]);
    for (p1, seed) in [(0.0, 1), (2e-3, 5)] {
        // Symbol 0 of row 0 (scale 0.11), and with probability p1 a symbol in -1..=1 of
        // row 10 (scale ~0.4).
        let mut rng = Rng(seed);
        let mut symbols = vec![0; max_n];
        let mut indexes = vec![0; max_n];
        for (s, i) in symbols.iter_mut().zip(&mut indexes) {
            if rng.unit() < p1 {
                *i = 10;
                *s = (rng.next() % 3) as i32 - 1;
            }
        }
        for &n in &sizes {
            let (s, i) = (&symbols[..n], &indexes[..n]);
            let ours = format::encode(&t, s, i, 0).unwrap();
            let theirs = compressai::encode(&t, s, i).unwrap().len();
            assert!(
                within_bound(ours.len(), theirs),
                "p1={p1} n={n}: fastrans {} B, compressai {theirs} B",
                ours.len()
            );
            if n == max_n {
                assert_eq!(decode(&t, &ours, i, 0), s, "p1={p1}");
            }
        }
    }
}

#[test]
fn size_within_bound_for_constant_symbols_when_small() {
    // Near-zero entropy: every lane record is a byte, every stream tiny.
    let t = table();
    for n in [1usize, 2, 10, 100, 1000, 10_000] {
        let s = vec![0; n];
        let i = vec![0; n];
        let ours = round_trip(&t, &s, &i).len();
        let theirs = compressai::encode(&t, &s, &i).unwrap().len();
        assert!(within_bound(ours, theirs), "n={n}: {ours} vs {theirs}");
    }
}
