//! `pmf_to_quantized_cdf` on arbitrary floats, against CompressAI's quadratic algorithm.
//!
//! Input: `precision:u8  mode:u8  values…`. Mode 0 reads raw f32 bit patterns (NaN, inf,
//! negatives, huge: checks the refusals), mode 1 bytes / 255 (ordinary pmfs with many zero
//! bins: exercises the steal step), mode 2 a sparse pmf. Oracles: no panic; only
//! `InvalidArgument` as an error; an accepted pmf gives a valid CDF (0, strictly
//! increasing, 2^p, one entry more than the pmf) equal to CompressAI's, that `CdfTable`
//! accepts as a row.

#![no_main]

mod common;

use common::Cursor;
use fastrans::{pmf_to_quantized_cdf, CdfTable, Error};
use libfuzzer_sys::fuzz_target;

/// CompressAI's `pmf_to_quantized_cdf` (C++), step for step, for inputs it accepts.
fn reference(pmf: &[f32], precision: u32) -> Vec<u32> {
    let one = 1u64 << precision;
    let mut cdf = vec![0u32; pmf.len() + 1];
    for (i, &p) in pmf.iter().enumerate() {
        cdf[i + 1] = (p * (1u32 << precision) as f32).round() as u32;
    }
    let total: u64 = cdf.iter().map(|&v| v as u64).sum();
    for v in cdf.iter_mut() {
        *v = (one * *v as u64 / total) as u32;
    }
    for i in 1..cdf.len() {
        cdf[i] += cdf[i - 1];
    }
    *cdf.last_mut().unwrap() = one as u32;
    for i in 0..cdf.len() - 1 {
        if cdf[i] == cdf[i + 1] {
            let mut best: Option<(u32, usize)> = None;
            for j in 0..cdf.len() - 1 {
                let f = cdf[j + 1] - cdf[j];
                if f > 1 && best.is_none_or(|(bf, _)| f < bf) {
                    best = Some((f, j));
                }
            }
            let (_, j) = best.expect("a donor exists");
            if j < i {
                for v in &mut cdf[j + 1..=i] {
                    *v -= 1;
                }
            } else {
                for v in &mut cdf[i + 1..=j] {
                    *v += 1;
                }
            }
        }
    }
    cdf
}

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let precision = (c.u8() % 18) as u32;
    let mode = c.u8() % 3;
    let mut pmf = Vec::new();
    match mode {
        0 => {
            while !c.is_empty() && pmf.len() < 4096 {
                pmf.push(f32::from_bits(c.u32()));
            }
        }
        1 => pmf.extend(c.rest().iter().take(70000).map(|&b| b as f32 / 255.0)),
        _ => {
            let len = 1 + c.u16() as usize;
            pmf.resize(len, 0.0);
            while !c.is_empty() {
                let at = c.u16() as usize % len;
                pmf[at] = c.u8() as f32 / 64.0;
            }
        }
    }
    match pmf_to_quantized_cdf(&pmf, precision) {
        Err(Error::InvalidArgument(_)) => {}
        Err(e) => panic!("unexpected error kind {e:?}"),
        Ok(cdf) => {
            assert_eq!(cdf.len(), pmf.len() + 1);
            assert_eq!(cdf[0], 0);
            assert_eq!(*cdf.last().unwrap(), 1 << precision);
            assert!(
                cdf.windows(2).all(|w| w[0] < w[1]),
                "not strictly increasing"
            );
            // The reference is quadratic (CompressAI's steal loop): 65536-entry pmfs would
            // time out in it, so it checks pmfs of up to 2048 entries.
            if pmf.len() <= 2048 {
                assert_eq!(cdf, reference(&pmf, precision), "differs from CompressAI");
            }
            let row: Vec<i32> = cdf.iter().map(|&v| v as i32).collect();
            CdfTable::from_rows(&[&row], &[row.len() as i32], &[0], precision)
                .expect("a quantized CDF is a valid row");
        }
    }
});
