//! `CdfTable::new` on arbitrary arrays, then both coders on the tables it accepts.
//!
//! Input: `precision:u8  rows:u8  width:u8  mode:u8  seed:u64  numbers…`. Mode 0 takes
//! every CDF entry and offset as a raw i32 (mostly refused: checks the validation);
//! mode 1 builds valid-looking rows from sorted cut points (mostly accepted: checks the
//! layout, the reciprocals and the decode buckets on arbitrary frequencies). Oracles: no
//! panic; an accepted table reports back its rows, lengths and offsets; symbols of every
//! kind (in range, escaped, near ±2^31) round-trip through both stream formats.

#![no_main]

mod common;

use common::{Cursor, Rng};
use fastrans::{compressai, format, CdfTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let precision = (c.u8() % 18) as u32;
    let rows = 1 + c.u8() as usize % 4;
    let width = c.u8() as usize % 48;
    let mode = c.u8() & 1;
    let seed = c.u64();
    let one = 1i64 << precision.min(31);
    let mut cdfs = vec![0i32; rows * width];
    let mut lengths = vec![0i32; rows];
    let mut offsets = vec![0i32; rows];
    for r in 0..rows {
        let row = &mut cdfs[r * width..(r + 1) * width];
        if mode == 0 {
            for v in row.iter_mut() {
                *v = c.u32() as i32;
            }
            lengths[r] = c.u8() as i32 - 8;
        } else {
            let want = c.u8() as usize % width.max(1);
            let mut cuts: Vec<i64> = (0..want).map(|_| 1 + c.u16() as i64 % one.max(1)).collect();
            cuts.retain(|&v| v < one);
            cuts.sort_unstable();
            cuts.dedup();
            let mut valid = vec![0i64];
            valid.extend(cuts);
            valid.push(one);
            for (o, v) in row.iter_mut().zip(&valid) {
                *o = *v as i32;
            }
            lengths[r] = valid.len() as i32;
        }
        offsets[r] = match c.u8() % 4 {
            0 => c.u32() as i32,
            _ => c.u8() as i32 - 128,
        };
    }
    let Ok(table) = CdfTable::new(&cdfs, width, &lengths, &offsets, precision) else {
        return;
    };
    assert_eq!(table.num_tables(), rows);
    assert_eq!(table.lengths(), lengths);
    assert_eq!(table.offsets(), offsets);
    for r in 0..rows {
        let got: Vec<i32> = table.row_cdf(r).iter().map(|&v| v as i32).collect();
        assert_eq!(got, cdfs[r * width..r * width + lengths[r] as usize]);
    }

    let mut rng = Rng(seed | 1);
    let n = (c.u16() % 600) as usize;
    let idx: Vec<i32> = (0..n).map(|_| (rng.next() % rows as u64) as i32).collect();
    let symbols: Vec<i32> = idx
        .iter()
        .map(|&i| {
            let r = rng.next();
            let v = match r % 8 {
                0 => (r >> 8) as i32,
                1 => -((r >> 40) as i32 % 70000),
                _ => (r >> 8) as i32 % (lengths[i as usize] + 4) - 2,
            };
            offsets[i as usize].wrapping_add(v)
        })
        .collect();
    let threads = 1 + (seed % 2) as usize;
    let bytes = format::encode(&table, &symbols, &idx, threads).expect("encode fastrans");
    assert_eq!(
        format::decode(&table, &bytes, &idx, threads).expect("decode fastrans"),
        symbols
    );
    if precision == 16 {
        let bytes = compressai::encode(&table, &symbols, &idx).expect("encode compressai");
        assert_eq!(
            compressai::decode(&table, &bytes, &idx).expect("decode compressai"),
            symbols
        );
    }
});
