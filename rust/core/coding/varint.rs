//! LEB128 varints for the fastrans stream's sizes and lane states: 7 bits a byte, least
//! significant group first, high bit = "more follows". Decoding is strict (at most 10
//! bytes, no overflow, no redundant trailing zero group), so every value has exactly one
//! encoding and a stream's bytes are canonical.

use crate::error::{Error, Result};

/// Append `v` as a varint.
#[inline]
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bytes `put` writes for `v`.
pub fn len(v: u64) -> usize {
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// Read a varint at `*pos`, advancing it; `what` names the field in the error.
#[inline]
pub fn get(data: &[u8], pos: &mut usize, what: &str) -> Result<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let Some(&b) = data.get(*pos) else {
            return Err(Error::corrupt(format!(
                "stream ends inside the {what} field"
            )));
        };
        *pos += 1;
        let group = (b & 0x7f) as u64;
        if i == 9 && b > 1 {
            return Err(Error::corrupt(format!("{what} field overflows 64 bits")));
        }
        v |= group << (7 * i);
        if b & 0x80 == 0 {
            if b == 0 && i > 0 {
                return Err(Error::corrupt(format!(
                    "{what} field is not minimally encoded"
                )));
            }
            return Ok(v);
        }
    }
    Err(Error::corrupt(format!(
        "{what} field is longer than 10 bytes"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lengths() {
        for v in [0u64, 1, 127, 128, 300, 1 << 31, (1 << 63) - 1, u64::MAX] {
            let mut out = Vec::new();
            put(&mut out, v);
            assert_eq!(out.len(), len(v));
            let mut pos = 0;
            assert_eq!(get(&out, &mut pos, "x").unwrap(), v);
            assert_eq!(pos, out.len());
        }
        let mut out = Vec::new();
        put(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
    }

    #[test]
    fn rejects_non_canonical() {
        for bad in [
            &[0x80u8, 0x00][..],
            &[0x80],
            &[0xff; 11],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
        ] {
            assert!(get(bad, &mut 0, "x").is_err(), "{bad:?}");
        }
    }
}
