use super::*;

#[test]
fn eg0_unsigned_table() {
    // EG0: 0 → 1, 1 → 010, 2 → 011, 3 → 00100.
    let bytes = encode(&[0, 1, 2, 3], 0, Layout::Unsigned).unwrap();
    // 1 010 011 00100 → 1010 0110 0100 (pad 0000)
    assert_eq!(bytes, vec![0b1010_0110, 0b0100_0000]);
    assert_eq!(nbits(&[0, 1, 2, 3], 0, Layout::Unsigned).unwrap(), 12);
}

#[test]
fn extremes_round_trip() {
    let m = MAX_MAGNITUDE as i64;
    for layout in [Layout::SignMagnitude, Layout::Zigzag, Layout::CoolChic5] {
        for k in [0, 1, 31, 62] {
            let vals = [0, 1, -1, m, -m, m - 1, -(m - 1)];
            let bytes = encode(&vals, k, layout).unwrap();
            let bits = nbits(&vals, k, layout).unwrap();
            let padding = layout.pads_first().then(|| leading_padding(bits));
            let back = decode_with(&bytes, vals.len(), Orders::One(k), layout, padding);
            assert_eq!(back.unwrap(), vals);
        }
    }
}

#[test]
fn coolchic5_map_and_its_inverse() {
    // 0, 1, -1, 2, -2 → 0, 1, 2, 3, 4, and the extremes of the range.
    let m = MAX_MAGNITUDE as i64;
    for (v, u) in [
        (0, 0),
        (1, 1),
        (-1, 2),
        (2, 3),
        (-2, 4),
        (m, (1 << 63) - 1),
        (-m, 1 << 63),
    ] {
        assert_eq!(mapped(v, Layout::CoolChic5), (u, 0));
        assert_eq!(Layout::CoolChic5.unmap(u), v);
    }
}
