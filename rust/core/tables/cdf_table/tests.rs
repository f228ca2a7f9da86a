use super::*;
use crate::tables::enc_symbol::reciprocal;

#[test]
fn direct_bins_carry_their_row_as_tag() {
    // 300 rows of 1 to 4 bins: tags up to 254, then NO_ROW_TAG for rows 255 and on.
    let rows: Vec<Vec<i32>> = (0..300)
        .map(|r| match r % 4 {
            0 => vec![0, 1 << 16],
            1 => vec![0, 100, 1 << 16],
            2 => vec![0, 1, 2, 1 << 16],
            _ => vec![0, 30_000, 40_000, 50_000, 1 << 16],
        })
        .collect();
    let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
    let offsets: Vec<i32> = (0..300).map(|r| r - 150).collect();
    let t = CdfTable::from_rows(&rows, &lengths, &offsets, 16).unwrap();
    for (r, &len) in lengths.iter().enumerate() {
        let row = t.row(r);
        let base = row.base as usize;
        let bins = len as usize - 1;
        for bin in 0..bins + 1 {
            let want = if (bin as i32) < row.max_value && r < NO_ROW_TAG as usize {
                r as u8
            } else {
                NO_ROW_TAG
            };
            // Bins 0 .. max_value, the escape bin, then the row's padding record.
            assert_eq!(t.enc_symbols()[base + bin].tag(), want, "row {r} bin {bin}");
        }
    }
    assert_eq!(
        t.enc_symbols().len(),
        rows.iter().map(|r| r.len()).sum::<usize>()
    );
}

#[test]
fn reciprocal_matches_division() {
    let p = 16;
    for freq in [1u32, 2, 3, 5, 7, 100, 4095, 4096, 4097, 32767, 65535, 65536] {
        let start = 17.min(65536 - freq);
        let sym = EncSymbol::new(start, freq, p);
        for x in [1u64 << 31, (1 << 31) + 12345, ((freq as u64) << 47) - 1] {
            let q = ((x as u128 * sym.rcp as u128) >> 64) as u64 >> sym.shift;
            let got = x
                .wrapping_add(sym.bias as u64)
                .wrapping_add(q.wrapping_mul(sym.cmpl_freq as u64));
            let want = ((x / freq as u64) << p) + x % freq as u64 + start as u64;
            assert_eq!(got, want, "freq={freq} x={x}");
        }
    }
}

/// Every slot of rows of every shape (a dominant bin with narrow tails, many equal
/// bins, a single bin, 2^16 bins, random widths) decodes to the bin a linear search finds.
#[test]
fn decode_step_matches_linear_search() {
    let mut next = crate::test_rng::xorshift64(0x2545_f491_4f6c_dd1du64);
    let mut rows: Vec<Vec<i32>> = vec![
        vec![0, 65536],
        vec![0, 1, 2, 65534, 65535, 65536],
        // The 16-bit bucket fields at their limits: freq_hi = 2^16 - 1 and bin = 2^16 - 1.
        vec![0, 1, 65536],
        (0..=65536).collect(),
        (0..=256).map(|i| i * 256).collect(),
        (0..=4096).map(|i| i * 16).collect(),
    ];
    for _ in 0..40 {
        let bins = 1 + (next() % 700) as usize;
        let mut cuts: Vec<i32> = (0..bins - 1)
            .map(|_| match next() % 3 {
                0 => 1 + (next() % 64) as i32,      // a narrow tail bin
                1 => 30_000 + (next() % 30) as i32, // near the middle
                _ => 1 + (next() % 65_535) as i32,
            })
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut row = vec![0];
        row.extend(cuts);
        row.push(65536);
        rows.push(row);
    }
    let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
    let offsets = vec![0; rows.len()];
    let table = CdfTable::from_rows(&rows, &lengths, &offsets, 16).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let r = table.row(i);
        for slot in 0..65536u32 {
            let high = 1 + (next() >> 20);
            let x = (high << 16) | slot as u64;
            let bin = row.iter().rposition(|&c| c as u32 <= slot).unwrap();
            let (start, end) = (row[bin] as u64, row[bin + 1] as u64);
            let want = (end - start) * high + slot as u64 - start;
            assert_eq!(
                table.decode_step(r, x, 16),
                (bin as u32, want),
                "row {i} slot {slot}"
            );
        }
    }
}

#[test]
fn reciprocal_equals_the_128_bit_formula_for_every_frequency() {
    for freq in 2u32..=1 << 16 {
        let shift = 32 - (freq - 1).leading_zeros();
        let want = (1u128 << (63 + shift)).div_ceil(freq as u128);
        assert_eq!(reciprocal(freq as u64, shift) as u128, want, "freq={freq}");
    }
}

#[test]
fn large_tables_equal_one_row_after_another() {
    // Rows of many widths, > PARALLEL_MIN_ENTRIES entries in all (the threaded path).
    let rows: Vec<Vec<i32>> = (0..60i32)
        .map(|i| {
            let bins = 2 + (i * 37) % 700;
            let mut row: Vec<i32> = (0..bins).map(|b| b * (i % 5 + 1)).collect();
            row.push(65536);
            row
        })
        .collect();
    let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
    let offsets: Vec<i32> = (0..60).map(|i| -i).collect();
    assert!(lengths.iter().sum::<i32>() > 8192 * 2);
    let table = CdfTable::from_rows(&rows, &lengths, &offsets, 16).unwrap();
    let mut serial = CdfTable {
        precision: 16,
        rows: Vec::new(),
        lane_rows: Vec::new(),
        packed_rows: Vec::new(),
        cdf: Vec::new(),
        symbols: Vec::new(),
        lookup: Vec::new(),
        fingerprint: 0,
        kernel_layout: std::sync::OnceLock::new(),
    };
    let mut h = Fnv1a::new();
    h.word(16);
    h.word(rows.len() as u32);
    for (row, &offset) in rows.iter().zip(&offsets) {
        serial.push_row(row, offset);
        h.word(row.len() as u32);
        h.word(offset as u32);
        row.iter().for_each(|&c| h.word(c as u32));
    }
    serial.pad_buckets();
    assert_eq!(table.rows, serial.rows);
    assert_eq!(table.cdf, serial.cdf);
    assert_eq!(table.symbols, serial.symbols);
    assert_eq!(table.lookup, serial.lookup);
    assert_eq!(table.lane_rows, serial.lane_rows);
    assert_eq!(table.packed_rows, serial.packed_rows);
    assert_eq!(table.fingerprint, h.finish());
}

#[test]
fn packed_rows_hold_the_lane_rows_or_send_them_to_the_scalar_round() {
    // Offsets either side of the `i16` range, and rows wide enough for every shift.
    let offsets = [
        0,
        -1,
        7,
        i16::MIN as i32,
        i16::MAX as i32,
        32768,
        -32769,
        i32::MAX,
    ];
    let rows: Vec<Vec<i32>> = (0..offsets.len())
        .map(|i| {
            let bins = [1usize, 2, 3, 700, 4096, 65536, 5, 9][i];
            let mut row: Vec<i32> = (0..bins as i32).collect();
            row.push(65536);
            row
        })
        .collect();
    let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
    let table = CdfTable::from_rows(&rows, &lengths, &offsets, 16).unwrap();
    for (i, (lane, packed)) in table.lane_rows.iter().zip(&table.packed_rows).enumerate() {
        let w = packed.0;
        let fields = (
            (w & ((1 << PackedRow::BASE_BITS) - 1)) as u32,
            (w >> PackedRow::BASE_BITS & 31) as u32,
            (w >> 32 & 0xffff) as i32,
            (w >> 48) as u16 as i16 as i32,
        );
        if i16::try_from(offsets[i]).is_ok() {
            let want = (
                lane.lookup_base,
                lane.lookup_shift,
                lane.fast_max,
                lane.offset,
            );
            assert_eq!(fields, want, "row {i}");
        } else {
            assert_eq!(*packed, PackedRow::SCALAR, "row {i}");
            assert_eq!((fields.0, fields.1, fields.2), (0, 16, 0), "row {i}");
        }
    }
}

#[test]
fn rejects_bad_rows() {
    let ok = [0, 10, 65536, 0];
    assert!(CdfTable::new(&ok, 4, &[3], &[0], 16).is_ok());
    assert!(CdfTable::new(&ok, 4, &[4], &[0], 16).is_err()); // not terminated
    assert!(CdfTable::new(&ok, 4, &[1], &[0], 16).is_err()); // too short
    assert!(CdfTable::new(&ok, 4, &[5], &[0], 16).is_err()); // longer than width
    assert!(CdfTable::new(&[1, 10, 65536, 0], 4, &[3], &[0], 16).is_err());
    assert!(CdfTable::new(&[0, 10, 10, 65536], 4, &[4], &[0], 16).is_err());
    assert!(CdfTable::new(&ok, 4, &[3], &[0, 1], 16).is_err());
    assert!(CdfTable::new(&ok, 4, &[3], &[0], 17).is_err());
}

#[test]
fn a_kernel_layout_is_made_once_and_read_back_by_its_type() {
    let t = CdfTable::from_rows(&[vec![0, 3, 8]], &[3], &[0], 3).unwrap();
    let mut made = 0;
    let first = t.kernel_layout(|t| {
        made += 1;
        vec![t.precision(); 2]
    });
    assert_eq!(first, Some(&vec![3u32, 3]));
    assert_eq!(
        t.kernel_layout(|_| unreachable!("made once")),
        Some(&vec![3u32, 3])
    );
    assert_eq!(made, 1);
    // Another type finds the slot taken, and codes without a layout.
    assert_eq!(t.kernel_layout(|_| 7u8), None);
}

#[test]
fn the_buckets_end_with_a_padding_bucket_past_the_last_rows() {
    // The AVX2 decoder loads 16 bytes at a bucket: the last row's last bucket needs one
    // more after it, in the table, whatever the rows.
    for rows in [
        vec![vec![0, 65536]],
        vec![vec![0, 3, 65536], vec![0, 1, 2, 65536]],
    ] {
        let lengths: Vec<i32> = rows.iter().map(|r| r.len() as i32).collect();
        let table = CdfTable::from_rows(&rows, &lengths, &vec![0; rows.len()], 16).unwrap();
        let last = table.rows.last().unwrap();
        let past_last = last.lookup_base as usize + (1 << (16 - last.lookup_shift));
        assert_eq!(table.buckets().len(), past_last + 1);
        assert_eq!(table.buckets()[past_last], Bucket::PADDING);
    }
}
