//! The CRC32C of two byte strings put end to end, from their own CRCs and the second's
//! length: how the stream's checksum is made from its chunks' checksums, each computed by
//! the thread that encoded the chunk while its bytes were still in cache.
//!
//! A CRC is a remainder of polynomials over GF(2): appending `len` bytes multiplies the
//! first string's remainder by `x^(8 len)` before the second's is added (the init and
//! final xor of 0xFFFFFFFF cancel out in this form). `x^(8 len) mod P` is a product of the
//! precomputed powers `x^(2^k) mod P` for the set bits of `8 len`, so a combine is at most
//! 64 multiplications of 32 steps each, far less than checksumming the chunk. The
//! `crc32c` crate's `crc32c_combine` squares a 32x32 bit matrix per bit of the length
//! instead, which takes longer than the chunk's own CRC (docs/PERFORMANCE.md, "CRCs on
//! the coding threads").
//!
//! Polynomials are held as CRC32C holds them, reflected: bit 31 is `x^0`, bit 0 `x^31`.

/// CRC32C's polynomial (Castagnoli), reflected, without its `x^32` term.
const POLY: u32 = 0x82F6_3B78;

/// `1`, reflected.
const ONE: u32 = 1 << 31;

/// `a * b mod P`: for each power `x^i` in `a` (from `x^0`), add `b * x^i mod P`.
const fn mul_mod(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    let mut i = 0;
    while i < 32 {
        if a & (ONE >> i) != 0 {
            product ^= b;
        }
        // b *= x (mod P): a shift towards the high powers, reduced when x^32 appears.
        b = if b & 1 != 0 { (b >> 1) ^ POLY } else { b >> 1 };
        i += 1;
    }
    product
}

/// `x^(2^k) mod P` for `k` in `0..64`, made at compile time by repeated squaring.
const POWERS: [u32; 64] = {
    let mut t = [0u32; 64];
    t[0] = ONE >> 1; // x^1
    let mut k = 1;
    while k < 64 {
        t[k] = mul_mod(t[k - 1], t[k - 1]);
        k += 1;
    }
    t
};

/// `x^(8 len) mod P`.
fn shift_by_bytes(len: u64) -> u32 {
    // 8 len = len << 3: the powers from k = 3 up (a length below 2^61 bytes).
    let mut p = ONE;
    let mut n = len;
    let mut k = 3;
    while n != 0 && k < 64 {
        if n & 1 != 0 {
            p = mul_mod(POWERS[k], p);
        }
        n >>= 1;
        k += 1;
    }
    p
}

/// The CRC32C of `a ++ b`, from `crc_a = crc32c(a)`, `crc_b = crc32c(b)` and `len_b`, the
/// length of `b` in bytes.
pub fn crc32c_combine(crc_a: u32, crc_b: u32, len_b: u64) -> u32 {
    mul_mod(shift_by_bytes(len_b), crc_a) ^ crc_b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::xorshift64;

    #[test]
    fn combining_equals_checksumming_the_concatenation() {
        let mut rng = xorshift64(0x0c0ffee);
        let data: Vec<u8> = (0..70_000).map(|_| rng() as u8).collect();
        // Every split of short strings (including empty halves), then long ones.
        for len in 0..40 {
            for at in 0..=len {
                let (a, b) = data[..len].split_at(at);
                let got = crc32c_combine(crc32c::crc32c(a), crc32c::crc32c(b), b.len() as u64);
                assert_eq!(got, crc32c::crc32c(&data[..len]), "len {len} split {at}");
            }
        }
        for _ in 0..200 {
            let len = (rng() % data.len() as u64) as usize;
            let at = (rng() % (len as u64 + 1)) as usize;
            let (a, b) = data[..len].split_at(at);
            let got = crc32c_combine(crc32c::crc32c(a), crc32c::crc32c(b), b.len() as u64);
            assert_eq!(got, crc32c::crc32c(&data[..len]), "len {len} split {at}");
        }
    }

    #[test]
    fn agrees_with_the_crc32c_crate_at_large_lengths() {
        // Lengths no test string reaches, against the crate's matrix method.
        let mut rng = xorshift64(7);
        for len in [
            1u64 << 20,
            (1 << 32) + 3,
            (1 << 45) - 1,
            u32::MAX as u64 * 977,
        ] {
            let (a, b) = (rng() as u32, rng() as u32);
            let want = crc32c::crc32c_combine(a, b, len as usize);
            assert_eq!(crc32c_combine(a, b, len), want, "len {len}");
        }
    }

    #[test]
    fn the_powers_are_squares() {
        assert_eq!(POWERS[0], 1 << 30);
        assert_eq!(POWERS[1], 1 << 29); // x^2
        assert_eq!(POWERS[4], 1 << 15); // x^16
        assert_eq!(mul_mod(ONE, 0x1234_5678), 0x1234_5678);
        assert_eq!(mul_mod(0, 0x1234_5678), 0);
    }
}
