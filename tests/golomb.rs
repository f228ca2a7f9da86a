//! exp-Golomb: exact bitstreams (Cool-Chic 5.x's among them), the Cool-Chic length formula,
//! one order per value, round-trips at the extremes, and corrupt input (truncation,
//! garbage, padding, trailing bytes) as errors, never loops.

use fastrans::golomb::{self, Layout, Orders, MAX_K, MAX_MAGNITUDE};
use fastrans::Error;
use proptest::prelude::*;

const M: i64 = MAX_MAGNITUDE as i64;
const LAYOUTS: [Layout; 4] = [
    Layout::Unsigned,
    Layout::SignMagnitude,
    Layout::Zigzag,
    Layout::CoolChic5,
];

/// Cool-Chic's length formula, evaluated exactly in integers (the float version loses
/// precision beyond 2^53): 2⌊log2(|v|/2^k + 1)⌋ + k + 1 + [v≠0].
fn formula_bits(v: i64, k: u32, layout: Layout) -> u64 {
    let u: u128 = match layout {
        Layout::Unsigned | Layout::SignMagnitude => u128::from(v.unsigned_abs()),
        Layout::Zigzag => {
            if v >= 0 {
                2 * v as u128
            } else {
                2 * u128::from(v.unsigned_abs()) - 1
            }
        }
        Layout::CoolChic5 => {
            if v > 0 {
                2 * v as u128 - 1
            } else {
                2 * u128::from(v.unsigned_abs())
            }
        }
    };
    // ⌊log2(u/2^k + 1)⌋ = ⌊log2(u + 2^k)⌋ - k
    let x = u + (1u128 << k);
    let floor_log2 = 127 - u64::from(x.leading_zeros()) - u64::from(k);
    let sign = u64::from(layout == Layout::SignMagnitude && v != 0);
    2 * floor_log2 + u64::from(k) + 1 + sign
}

fn bits_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:08b}")).collect()
}

/// Decodes what `encode_with(vals, orders, layout)` wrote, telling a `CoolChic5` decoder
/// the leading padding the encoder used.
fn decode_back(bytes: &[u8], vals: &[i64], orders: Orders<'_>, layout: Layout) -> Vec<i64> {
    let bits = golomb::nbits_with(vals, orders, layout).unwrap();
    let padding = layout.pads_first().then(|| golomb::leading_padding(bits));
    golomb::decode_with(bytes, vals.len(), orders, layout, padding).unwrap()
}

#[test]
fn exact_bitstreams() {
    // EG0 sign-magnitude: 0 → "1", 1 → "010"+"0", -1 → "010"+"1", 2 → "011"+"0".
    let b = golomb::encode(&[0, 1, -1, 2], 0, Layout::SignMagnitude).unwrap();
    assert_eq!(bits_of(&b), "1010001010110000");
    // EG1 zigzag: 0→z0 "10", -1→z1 "11", 1→z2 "0100", -2→z3 "0101".
    let b = golomb::encode(&[0, -1, 1, -2], 1, Layout::Zigzag).unwrap();
    assert_eq!(bits_of(&b), "1011010001010000");
    // EG2 unsigned 5: x = 9 = 1001 → "0" + "1001".
    let b = golomb::encode(&[5], 2, Layout::Unsigned).unwrap();
    assert_eq!(bits_of(&b), "01001000");
    // Nothing to code → no bytes.
    assert!(golomb::encode(&[], 3, Layout::Zigzag).unwrap().is_empty());
    assert_eq!(golomb::nbits(&[], 3, Layout::Zigzag).unwrap(), 0);
}

#[test]
fn largest_values_and_orders() {
    for layout in LAYOUTS {
        let vals: Vec<i64> = match layout {
            Layout::Unsigned => vec![0, 1, M, M - 1],
            _ => vec![0, 1, -1, M, -M, M - 1, 1 - M],
        };
        for k in [0, 1, 30, 61, MAX_K] {
            let bytes = golomb::encode(&vals, k, layout).unwrap();
            let n = golomb::nbits(&vals, k, layout).unwrap();
            assert_eq!(bytes.len() as u64, n.div_ceil(8));
            assert_eq!(decode_back(&bytes, &vals, Orders::One(k), layout), vals);
        }
    }
}

#[test]
fn out_of_range_values_and_orders_are_invalid_arguments() {
    for layout in LAYOUTS {
        for v in [M + 1, -M - 1, i64::MAX, i64::MIN] {
            let r = golomb::encode(&[0, v], 0, layout);
            assert!(
                matches!(r, Err(Error::InvalidArgument(ref m)) if m.contains("values[1]")),
                "{layout:?} {v}"
            );
            assert!(matches!(
                golomb::nbits(&[v], 0, layout),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert!(matches!(
            golomb::encode(&[1], MAX_K + 1, layout),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            golomb::decode(&[0x80], 1, MAX_K + 1, layout),
            Err(Error::InvalidArgument(_))
        ));
    }
    let r = golomb::encode(&[3, -1], 0, Layout::Unsigned);
    assert!(matches!(r, Err(Error::InvalidArgument(ref m)) if m.contains("negative")));
    assert!(matches!(
        golomb::best_k(&[1], &[], Layout::Zigzag),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        golomb::best_k(&[1], &[0, 63], Layout::Zigzag),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Layout::from_name("signed"),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn corrupt_streams() {
    let vals = [7i64, -3, 0, 12];
    let good = golomb::encode(&vals, 1, Layout::SignMagnitude).unwrap();
    let corrupt = |data: &[u8], count: usize| {
        matches!(
            golomb::decode(data, count, 1, Layout::SignMagnitude),
            Err(Error::CorruptStream(_))
        )
    };
    // Truncated at every byte.
    for cut in 0..good.len() {
        assert!(corrupt(&good[..cut], vals.len()), "cut={cut}");
    }
    // A trailing byte, or asking for one more value.
    let mut longer = good.clone();
    longer.push(0);
    assert!(corrupt(&longer, vals.len()));
    assert!(corrupt(&good, vals.len() + 1));
    // Non-zero padding (7 + 5 + 2 + 7 = 21 bits: the low 3 bits of the last byte pad).
    assert_eq!(golomb::nbits(&vals, 1, Layout::SignMagnitude).unwrap(), 21);
    let mut padded = good.clone();
    *padded.last_mut().unwrap() |= 1;
    assert!(corrupt(&padded, vals.len()));
    // All zeros: the prefix exceeds what any value can need, long before the end.
    let zeros = vec![0u8; 1 << 16];
    assert!(corrupt(&zeros, 1));
    // A count far beyond what the bytes could hold is refused before allocating.
    assert!(corrupt(&good, usize::MAX));
    // Empty stream decodes to no values only for count 0.
    assert_eq!(
        golomb::decode(&[], 0, 0, Layout::Zigzag).unwrap(),
        Vec::<i64>::new()
    );
    assert!(matches!(
        golomb::decode(&[0x80], 0, 0, Layout::Zigzag),
        Err(Error::CorruptStream(_))
    ));
}

#[test]
fn prefix_just_past_the_largest_value_is_corrupt() {
    // Unsigned k=0: 2^62 is x = 2^62 + 1, 63 bits → 62 zeros. 63 zeros then a one and 63
    // more bits is a well-formed EG0 code of a value > 2^62: refused as corrupt.
    let mut w = fastrans::golomb::BitWriter::new();
    w.write_zeros(63);
    w.write_bits(1, 1);
    w.write_bits(0, 63);
    let data = w.finish();
    assert!(matches!(
        golomb::decode(&data, 1, 0, Layout::Unsigned),
        Err(Error::CorruptStream(_))
    ));
    // Just inside: 62 zeros, the largest allowed prefix, decodes.
    let ok = golomb::encode(&[M], 0, Layout::Unsigned).unwrap();
    assert_eq!(
        golomb::decode(&ok, 1, 0, Layout::Unsigned).unwrap(),
        vec![M]
    );
    // Same prefix with a value over 2^62 (x = 2^63 - 1 → u = 2^63 - 2): out of range.
    let mut w = fastrans::golomb::BitWriter::new();
    w.write_zeros(62);
    w.write_bits(u64::MAX >> 1, 63);
    assert!(matches!(
        golomb::decode(&w.finish(), 1, 0, Layout::Unsigned),
        Err(Error::CorruptStream(_))
    ));
}

#[test]
fn best_k_picks_the_first_minimum() {
    // All zeros: k = 0 is cheapest (one bit each).
    assert_eq!(
        golomb::best_k(&[0; 10], &[3, 0, 1], Layout::SignMagnitude).unwrap(),
        (0, 10)
    );
    // Large values favour a large k.
    let vals: Vec<i64> = (0..100).map(|i| 1000 + i).collect();
    let (k, bits) = golomb::best_k(&vals, &(0..13).collect::<Vec<_>>(), Layout::Zigzag).unwrap();
    assert_eq!(bits, golomb::nbits(&vals, k, Layout::Zigzag).unwrap());
    for k2 in 0..13 {
        assert!(golomb::nbits(&vals, k2, Layout::Zigzag).unwrap() >= bits);
    }
    // [0, 1] costs 1 + 3 bits with k = 0 and 2 + 2 with k = 1: ties go to the first listed.
    assert_eq!(
        golomb::best_k(&[0, 1], &[1, 0], Layout::Unsigned).unwrap(),
        (1, 4)
    );
    assert_eq!(
        golomb::best_k(&[0, 1], &[0, 1], Layout::Unsigned).unwrap(),
        (0, 4)
    );
}

/// Cool-Chic 5.x's bytes, as its own `encode_exp_golomb` (5.0.1) writes them: checked by
/// running it beside fastrans.
#[test]
fn coolchic5_bytes() {
    let enc = |vals: &[i64], k: u32| golomb::encode(vals, k, Layout::CoolChic5).unwrap();
    // 0, 1, -1, 2, -2 at k = 0: codes 1, 010, 011, 00100, 00101, each padded at the front.
    for (v, byte) in [(0, 0x01), (1, 0x02), (-1, 0x03), (2, 0x04), (-2, 0x05)] {
        assert_eq!(enc(&[v], 0), vec![byte], "{v}");
    }
    // The five together: 17 bits after 7 padding bits.
    assert_eq!(enc(&[0, 1, -1, 2, -2], 0), vec![0x01, 0x4C, 0x85]);
    assert_eq!(
        golomb::nbits(&[0, 1, -1, 2, -2], 0, Layout::CoolChic5).unwrap(),
        17
    );
    // The same two bytes are [-6, -6] with 4 padding bits and [113, 0] with none.
    assert_eq!(enc(&[-6, -6], 1), vec![0x03, 0x8E]);
    assert_eq!(enc(&[113, 0], 1), vec![0x03, 0x8E]);
    let dec =
        |p: u32| golomb::decode_with(&[0x03, 0x8E], 2, Orders::One(1), Layout::CoolChic5, Some(p));
    assert_eq!(dec(4).unwrap(), vec![-6, -6]);
    assert_eq!(dec(0).unwrap(), vec![113, 0]);
    // Other paddings leave bits over, or read a non-zero bit as padding.
    for p in [1, 2, 3, 5, 6, 7] {
        assert!(
            matches!(dec(p), Err(Error::CorruptStream(_))),
            "padding {p}"
        );
    }
    // One order per value, as Cool-Chic 5.x codes a module's weights and biases.
    let vals = [3, -1, 0, 200, -200];
    let ks = [0u8, 0, 3, 5, 5];
    let bytes = golomb::encode_with(&vals, Orders::Each(&ks), Layout::CoolChic5).unwrap();
    let bits = golomb::nbits_with(&vals, Orders::Each(&ks), Layout::CoolChic5).unwrap();
    assert_eq!(bytes, vec![0x03, 0x38, 0x1A, 0xF1, 0xB0]);
    assert_eq!(bits, 36);
    assert_eq!(golomb::leading_padding(bits), 4);
    assert_eq!(
        decode_back(&bytes, &vals, Orders::Each(&ks), Layout::CoolChic5),
        vals
    );
    // Nothing to code: no bytes, no padding.
    assert!(enc(&[], 4).is_empty());
    let none = golomb::decode_with(&[], 0, Orders::One(4), Layout::CoolChic5, Some(0));
    assert_eq!(none.unwrap(), Vec::<i64>::new());
}

#[test]
fn padding_and_orders_are_checked_arguments() {
    let invalid = |r: fastrans::Result<Vec<i64>>| matches!(r, Err(Error::InvalidArgument(_)));
    let data = [0x01];
    let one = Orders::One(0);
    // Cool-Chic 5.x's layout needs its padding, 0..=7; the others take none.
    assert!(invalid(golomb::decode_with(
        &data,
        1,
        one,
        Layout::CoolChic5,
        None
    )));
    assert!(invalid(golomb::decode(&data, 1, 0, Layout::CoolChic5)));
    assert!(invalid(golomb::decode_with(
        &data,
        1,
        one,
        Layout::CoolChic5,
        Some(8)
    )));
    assert!(invalid(golomb::decode_with(
        &data,
        1,
        one,
        Layout::CoolChic5,
        Some(u32::MAX)
    )));
    assert!(invalid(golomb::decode_with(
        &[0x80],
        1,
        one,
        Layout::Zigzag,
        Some(0)
    )));
    assert_eq!(
        golomb::decode_with(&data, 1, one, Layout::CoolChic5, Some(7)).unwrap(),
        vec![0]
    );
    // One order per value: as many as values, each within MAX_K.
    let ks = [0u8, 63];
    for layout in LAYOUTS {
        assert!(matches!(
            golomb::encode_with(&[1, 1], Orders::Each(&ks), layout),
            Err(Error::InvalidArgument(ref m)) if m.contains("k[1]")
        ));
        assert!(matches!(
            golomb::nbits_with(&[1], Orders::Each(&[0, 0]), layout),
            Err(Error::InvalidArgument(_))
        ));
        let pad = layout.pads_first().then_some(0);
        assert!(invalid(golomb::decode_with(
            &data,
            2,
            Orders::Each(&[0]),
            layout,
            pad
        )));
        assert!(invalid(golomb::decode_with(
            &data,
            2,
            Orders::Each(&ks),
            layout,
            pad
        )));
    }
    // Values out of range with one order per value name the value.
    let r = golomb::encode_with(&[0, M + 1], Orders::Each(&[1, 1]), Layout::CoolChic5);
    assert!(matches!(r, Err(Error::InvalidArgument(ref m)) if m.contains("values[1]")));
}

#[test]
fn coolchic5_corrupt_streams() {
    let vals = [7i64, -3, 0, 12];
    let good = golomb::encode(&vals, 1, Layout::CoolChic5).unwrap();
    let pad = golomb::leading_padding(golomb::nbits(&vals, 1, Layout::CoolChic5).unwrap());
    assert_eq!((good.clone(), pad), (vec![0x0F, 0x22, 0x19], 2));
    let dec = |data: &[u8], count: usize| {
        golomb::decode_with(data, count, Orders::One(1), Layout::CoolChic5, Some(pad))
    };
    assert_eq!(dec(&good, 4).unwrap(), vals);
    for cut in 0..good.len() {
        assert!(matches!(dec(&good[..cut], 4), Err(Error::CorruptStream(_))));
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(dec(&longer, 4), Err(Error::CorruptStream(_))));
    assert!(matches!(dec(&good, 5), Err(Error::CorruptStream(_))));
    assert!(matches!(dec(&good, 3), Err(Error::CorruptStream(_))));
    let mut lead = good.clone();
    lead[0] |= 0x80; // a one in the leading padding
    assert!(matches!(dec(&lead, 4), Err(Error::CorruptStream(_))));
    assert!(matches!(
        dec(&good, usize::MAX),
        Err(Error::CorruptStream(_))
    ));
    // -2^62 maps to 2^63, the largest; a prefix one longer is corrupt.
    let ok = golomb::encode(&[-M], 0, Layout::CoolChic5).unwrap();
    let p = golomb::leading_padding(golomb::nbits(&[-M], 0, Layout::CoolChic5).unwrap());
    let back = golomb::decode_with(&ok, 1, Orders::One(0), Layout::CoolChic5, Some(p));
    assert_eq!(back.unwrap(), vec![-M]);
    let mut w = fastrans::golomb::BitWriter::new();
    w.write_zeros(64 + 3); // 3 padding bits, then a 64-zero prefix
    w.write_bits(1, 1);
    w.write_bits(0, 64);
    let r = golomb::decode_with(&w.finish(), 1, Orders::One(0), Layout::CoolChic5, Some(3));
    assert!(matches!(r, Err(Error::CorruptStream(_))));
}

fn layout() -> impl Strategy<Value = Layout> {
    prop::sample::select(LAYOUTS.to_vec())
}

fn value_for(layout: Layout) -> BoxedStrategy<i64> {
    let wide = prop_oneof![-M..=M, -300i64..300, -(1i64 << 40)..(1i64 << 40)];
    match layout {
        Layout::Unsigned => wide.prop_map(|v| v.abs()).boxed(),
        _ => wide.boxed(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_and_exact_size(
        (layout, vals) in layout().prop_flat_map(|l| (Just(l), prop::collection::vec(value_for(l), 0..200))),
        k in 0u32..=MAX_K,
    ) {
        let bytes = golomb::encode(&vals, k, layout).unwrap();
        let n = golomb::nbits(&vals, k, layout).unwrap();
        let expected: u64 = vals.iter().map(|&v| formula_bits(v, k, layout)).sum();
        prop_assert_eq!(n, expected);
        prop_assert_eq!(bytes.len() as u64, n.div_ceil(8));
        prop_assert_eq!(decode_back(&bytes, &vals, Orders::One(k), layout), vals);
    }

    #[test]
    fn one_order_per_value_round_trips_and_sizes_exactly(
        (layout, vals, ks) in layout().prop_flat_map(|l| {
            (Just(l), prop::collection::vec(value_for(l), 0..120))
        }).prop_flat_map(|(l, v)| {
            let n = v.len();
            (Just(l), Just(v), prop::collection::vec(0u8..=MAX_K as u8, n))
        }),
    ) {
        let bytes = golomb::encode_with(&vals, Orders::Each(&ks), layout).unwrap();
        let n = golomb::nbits_with(&vals, Orders::Each(&ks), layout).unwrap();
        let expected: u64 =
            vals.iter().zip(&ks).map(|(&v, &k)| formula_bits(v, u32::from(k), layout)).sum();
        prop_assert_eq!(n, expected);
        prop_assert_eq!(bytes.len() as u64, n.div_ceil(8));
        prop_assert_eq!(decode_back(&bytes, &vals, Orders::Each(&ks), layout), vals.clone());
        // Every order alike is the single-order code.
        if let Some(&k) = ks.first() {
            let same = vec![k; vals.len()];
            prop_assert_eq!(
                golomb::encode_with(&vals, Orders::Each(&same), layout).unwrap(),
                golomb::encode(&vals, u32::from(k), layout).unwrap()
            );
        }
    }

    #[test]
    fn any_i64_is_sized_exactly_or_refused(
        vals in prop::collection::vec(prop_oneof![any::<i64>(), -5000i64..5000], 0..300),
        k in 0u32..=MAX_K,
        layout in layout(),
    ) {
        let in_range = |v: i64| {
            v.unsigned_abs() <= MAX_MAGNITUDE && (layout != Layout::Unsigned || v >= 0)
        };
        match golomb::nbits(&vals, k, layout) {
            Ok(n) => {
                prop_assert!(vals.iter().all(|&v| in_range(v)));
                let expected: u64 = vals.iter().map(|&v| formula_bits(v, k, layout)).sum();
                prop_assert_eq!(n, expected);
            }
            Err(e) => {
                let first = vals.iter().position(|&v| !in_range(v));
                prop_assert!(first.is_some());
                let needle = format!("values[{}]", first.unwrap_or(0));
                prop_assert!(matches!(e, Error::InvalidArgument(ref m) if m.contains(&needle)));
            }
        }
    }

    #[test]
    fn garbage_never_panics_or_loops(
        data in prop::collection::vec(any::<u8>(), 0..64),
        count in 0usize..100,
        k in 0u32..=MAX_K,
        layout in layout(),
        padding in 0u32..8,
    ) {
        // Any outcome but a panic is fine; a success must re-encode to the same bytes and
        // padding (one valid byte form per value list).
        let padding = layout.pads_first().then_some(padding);
        match golomb::decode_with(&data, count, Orders::One(k), layout, padding) {
            Ok(vals) => {
                prop_assert_eq!(vals.len(), count);
                prop_assert_eq!(golomb::encode(&vals, k, layout).unwrap(), data);
                if let Some(p) = padding {
                    let bits = golomb::nbits(&vals, k, layout).unwrap();
                    prop_assert_eq!(golomb::leading_padding(bits), p);
                }
            }
            Err(e) => prop_assert!(matches!(e, Error::CorruptStream(_))),
        }
    }

    #[test]
    fn flipped_bit_changes_or_fails(
        vals in prop::collection::vec(-1000i64..1000, 1..50),
        k in 0u32..6,
        bit in any::<prop::sample::Index>(),
    ) {
        let mut bytes = golomb::encode(&vals, k, Layout::Zigzag).unwrap();
        let i = bit.index(bytes.len() * 8);
        bytes[i / 8] ^= 0x80 >> (i % 8);
        match golomb::decode(&bytes, vals.len(), k, Layout::Zigzag) {
            Ok(other) => prop_assert_ne!(other, vals),
            Err(e) => prop_assert!(matches!(e, Error::CorruptStream(_))),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn i32_path_agrees_with_i64_path(
        vals in prop_oneof![
            // mixed: blocks with huge values take the f64 pass
            prop::collection::vec(prop_oneof![any::<i32>(), -70i32..70, Just(i32::MIN), Just(i32::MAX)], 0..300),
            // small: the f32 pass, up to its 2^24 edge
            prop::collection::vec(prop_oneof![-70i32..70, (1 << 22) - 9..(1 << 22) + 9, -(1 << 23)..(1 << 23)], 0..300),
            prop::collection::vec(prop_oneof![0i32..70, (1 << 24) - 70..(1 << 24) + 70], 0..5000),
        ],
        k in 0u32..=MAX_K,
        layout in layout(),
    ) {
        let wide: Vec<i64> = vals.iter().map(|&v| i64::from(v)).collect();
        let a = golomb::nbits_i32(&vals, k, layout);
        let b = golomb::nbits(&wide, k, layout);
        prop_assert_eq!(&a, &b);
        let ks: Vec<u32> = (0..13).chain([k]).collect();
        prop_assert_eq!(golomb::best_k_i32(&vals, &ks, layout), golomb::best_k(&wide, &ks, layout));
    }
}
