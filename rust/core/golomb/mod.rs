//! Order-k exp-Golomb codes (EGk), the codes overfitted codecs such as Cool-Chic use to
//! send their decoder network's quantized parameters.
//!
//! Read me first:
//! - EGk of an unsigned `u`: let `x = u + 2^k` and `n` its bit length (`n >= k + 1`); write
//!   `n - 1 - k` zero bits, then `x` in `n` bits (its leading one ends the prefix). Length:
//!   `2 * floor(log2(u / 2^k + 1)) + k + 1` bits.
//! - Signed values, three layouts ([`Layout`]): `SignMagnitude` writes EGk of `|v|` then
//!   one sign bit (1 = negative) only when `v != 0` (the length Cool-Chic 3.x/4.x estimate);
//!   `Zigzag` writes EGk of `2v` for `v >= 0` and `-2v - 1` for `v < 0` (0, -1, 1, -2, ...
//!   → 0, 1, 2, 3, ...); `CoolChic5` writes EGk of `2v - 1` for `v > 0` and `-2v` for
//!   `v <= 0` (0, 1, -1, 2, ... → 0, 1, 2, 3, ...), Cool-Chic 5.x's parameter string.
//! - Bits are MSB-first (see [`BitWriter`]). The zero padding to a whole byte comes after
//!   the last code, except for `CoolChic5`, which puts it before the first one (as Cool-Chic
//!   5.x does; its decoder is told the count, see [`decode_with`]).
//! - Each value may have its own order ([`Orders::Each`]): Cool-Chic 5.x codes a module's
//!   weights with one order and its biases with another, in one string.
//! - Range: `|v| <= 2^62` ([`MAX_MAGNITUDE`]) and `k <= 62` ([`MAX_K`]), so `x` always
//!   fits a u64 and a code is at most 127 bits. Anything larger is an `InvalidArgument`.
//! - The decoder knows the longest prefix a valid value can have, so a run of zeros in
//!   garbage input is an error after at most ~64 bits, never a long loop.

mod bits;
mod layout;

pub use bits::{BitReader, BitWriter};
use layout::{check_k, zigzag};
pub use layout::{Layout, Orders, MAX_K, MAX_MAGNITUDE};

use crate::error::{Error, Result};

/// Bit length of `x > 0`.
#[inline(always)]
fn bit_length(x: u64) -> u64 {
    u64::from(64 - x.leading_zeros())
}

/// 2^52 as an f64 bit pattern: OR-ing `u < 2^52` into its mantissa gives exactly 2^52 + u.
const MAGIC: u64 = 0x4330_0000_0000_0000;

/// Bit length of `x` (0 for 0) when `x < 2^52`, without `lzcnt`: the exponent of the exact
/// f64 value of `x`. Only integer OR, one f64 subtraction and shifts, so loops over it
/// vectorise (a scalar `lzcnt`/`bsr` per value is the bottleneck otherwise).
#[inline(always)]
fn bit_length_small(x: u64) -> u64 {
    let f = f64::from_bits(MAGIC | (x & ((1 << 52) - 1))) - f64::from_bits(MAGIC);
    // exponent field = floor(log2 x) + 1023 for x >= 1, 0 for x = 0.
    (f.to_bits() >> 52).saturating_sub(1022)
}

/// The first value outside the layout's range, as an error naming it and the fix.
fn range_error(values: &[i64], layout: Layout) -> Error {
    for (i, &v) in values.iter().enumerate() {
        if layout == Layout::Unsigned && v < 0 {
            return Error::invalid(format!(
                "values[{i}] = {v} is negative: unsigned exp-Golomb codes values >= 0; use \
                 signed=\"sign_magnitude\" or \"zigzag\" for signed values"
            ));
        }
        if v.unsigned_abs() > MAX_MAGNITUDE {
            return Error::invalid(format!(
                "values[{i}] = {v} is too large: exp-Golomb here codes |v| <= 2^62 \
                 ({MAX_MAGNITUDE}); use a larger quantization step"
            ));
        }
    }
    Error::invalid("values out of range")
}

/// The unsigned number EGk codes for `v`, and whether a sign bit follows. Out-of-range
/// values map to something > [`Layout::max_mapped`] or are caught by the caller's check.
#[inline(always)]
fn mapped(v: i64, layout: Layout) -> (u64, u64) {
    match layout {
        Layout::Unsigned => (v as u64, 0), // negatives become > 2^62
        Layout::SignMagnitude => (v.unsigned_abs(), u64::from(v != 0)),
        Layout::Zigzag => (zigzag(v), 0),
        Layout::CoolChic5 => (zigzag(v.wrapping_neg()), 0),
    }
}

/// Values per block of the size pass: small enough to stay in L1 for the rare re-scan.
const BLOCK: usize = 2048;

/// `(Σ bit length of mapped(v) + 2^k, Σ sign bits, any value out of range)`.
///
/// Per block, a branch-free pass that vectorises assumes every `x = mapped + 2^k` is below
/// 2^52 and records whether one is not; such a block (huge values or k >= 52) is re-scanned
/// with exact scalar `leading_zeros`. `map` is a closure so each layout gets its own loop.
#[inline(always)]
fn block_sums(
    values: &[i64],
    k: u32,
    layout: Layout,
    map: impl Fn(i64) -> (u64, u64),
) -> (u64, u64, bool) {
    let bias = 1u64 << k;
    let (mut sum_n, mut signs, mut bad) = (0u64, 0u64, false);
    for block in values.chunks(BLOCK) {
        let (mut s, mut c, mut big) = (0u64, 0u64, 0u64);
        for &v in block {
            let (u, sign) = map(v);
            let x = u.wrapping_add(bias);
            s += bit_length_small(x);
            c += sign;
            big |= (u | x) >> 52; // also catches a wrapped x when u is huge
        }
        if big != 0 {
            (s, c) = (0, 0);
            for &v in block {
                let (u, sign) = map(v);
                let over = if matches!(layout, Layout::Zigzag | Layout::CoolChic5) {
                    v.unsigned_abs() > MAX_MAGNITUDE
                } else {
                    u > MAX_MAGNITUDE
                };
                bad |= over;
                s += bit_length(u.wrapping_add(bias) | 1);
                c += sign;
            }
        }
        sum_n += s;
        signs += c;
    }
    (sum_n, signs, bad)
}

/// [`block_sums`] with the layout's map, one monomorphic loop per layout.
#[inline(always)]
fn length_sums_kernel(values: &[i64], k: u32, layout: Layout) -> (u64, u64, bool) {
    match layout {
        Layout::Unsigned => block_sums(values, k, layout, |v| (v as u64, 0)),
        Layout::SignMagnitude => {
            block_sums(values, k, layout, |v| (v.unsigned_abs(), u64::from(v != 0)))
        }
        Layout::Zigzag => block_sums(values, k, layout, |v| (zigzag(v), 0)),
        Layout::CoolChic5 => block_sums(values, k, layout, |v| (zigzag(v.wrapping_neg()), 0)),
    }
}

/// [`length_sums_kernel`] compiled for AVX2 (4 u64 lanes instead of SSE2's 2, and the 64-bit
/// compares SSE2 lacks), chosen by `simd::avx2_allowed`; the same loop built for baseline
/// x86-64 takes about twice as long (docs/PERFORMANCE.md, "Overview";
/// benches/python/bench_golomb.py times the shipped path).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn length_sums_avx2(values: &[i64], k: u32, layout: Layout) -> (u64, u64, bool) {
    length_sums_kernel(values, k, layout)
}

/// Sum over `values` of the bit length of `mapped + 2^k` and the count of sign bits, or
/// the range error naming the first offending value.
fn length_sums(values: &[i64], k: u32, layout: Layout) -> Result<(u64, u64)> {
    #[cfg(target_arch = "x86_64")]
    let (sum_n, signs, bad) = if crate::simd::avx2_allowed() {
        // SAFETY: `avx2_allowed` checked that the CPU has AVX2.
        unsafe { length_sums_avx2(values, k, layout) }
    } else {
        length_sums_kernel(values, k, layout)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (sum_n, signs, bad) = length_sums_kernel(values, k, layout);
    if bad {
        return Err(range_error(values, layout));
    }
    Ok((sum_n, signs))
}

/// `(Σ bit length of mapped(v) + 2^k, Σ sign bits, any negative value for Unsigned)` for
/// 32-bit values and `k <= 52`, computed in f64: every step is exact (`|mapped| < 2^33`, so
/// `x < 2^53`) and i32 → f64 is one vector instruction.
#[inline(always)]
fn block_sums_f64(values: &[i32], k: u32, layout: Layout) -> (u64, u64, bool) {
    let bias = f64::from_bits((1023 + u64::from(k)) << 52); // 2^k
    let (mut sum_e, mut signs, mut neg) = (0u64, 0u64, 0u64);
    match layout {
        Layout::Unsigned => {
            for &v in values {
                let x = f64::from(v) + bias;
                sum_e += x.to_bits() >> 52;
                neg |= u64::from(v < 0);
            }
        }
        Layout::SignMagnitude => {
            for &v in values {
                let x = f64::from(v).abs() + bias;
                sum_e += x.to_bits() >> 52;
                signs += u64::from(v != 0);
            }
        }
        Layout::Zigzag => {
            for &v in values {
                // zigzag(v) = 2|v| - [v < 0]
                let x = 2.0 * f64::from(v).abs() - f64::from(u8::from(v < 0)) + bias;
                sum_e += x.to_bits() >> 52;
            }
        }
        Layout::CoolChic5 => {
            for &v in values {
                // coolchic5(v) = 2|v| - [v > 0]
                let x = 2.0 * f64::from(v).abs() - f64::from(u8::from(v > 0)) + bias;
                sum_e += x.to_bits() >> 52;
            }
        }
    }
    // exponent field = bit length + 1022, as x >= 2^k >= 1. Wrapping: a negative value
    // in the unsigned layout (x <= 0, exponent field 0 or the sign bit set) can take the
    // sum below; the caller then discards it for the `neg` flag.
    (
        sum_e.wrapping_sub(1022 * values.len() as u64),
        signs,
        neg != 0,
    )
}

/// The f32 version of [`block_sums_f64`] (8 lanes per AVX2 vector instead of 4), exact while
/// every `x = mapped + 2^k` is below 2^24; `None` when one is not (or `k > 23`).
#[inline(always)]
fn block_sums_f32(values: &[i32], k: u32, map: impl Fn(i32) -> (u32, u32)) -> Option<(u64, u64)> {
    if k > 23 {
        return None;
    }
    let bias = 1u32 << k;
    // Per-block u32 sums: BLOCK * 255 < 2^32.
    let (mut sum_e, mut signs, mut big) = (0u32, 0u32, 0u32);
    for &v in values {
        let (u, sign) = map(v);
        let x = u.wrapping_add(bias);
        big |= (u | x) >> 24;
        sum_e += ((x as i32) as f32).to_bits() >> 23; // exponent field: bit length + 126
        signs += sign;
    }
    (big == 0).then(|| {
        let n = values.len() as u64;
        (u64::from(sum_e) - 126 * n, u64::from(signs))
    })
}

/// Block by block: the f32 pass when the block's values allow it, else the f64 pass.
#[inline(always)]
fn length_sums_i32_kernel(values: &[i32], k: u32, layout: Layout) -> (u64, u64, bool) {
    let (mut sum_n, mut signs, mut neg) = (0u64, 0u64, false);
    for block in values.chunks(BLOCK) {
        let fast = match layout {
            // negatives map to >= 2^31 and fall through to the f64 pass, which flags them
            Layout::Unsigned => block_sums_f32(block, k, |v| (v as u32, 0)),
            Layout::SignMagnitude => {
                block_sums_f32(block, k, |v| (v.unsigned_abs(), u32::from(v != 0)))
            }
            Layout::Zigzag => block_sums_f32(block, k, |v| (((v << 1) ^ (v >> 31)) as u32, 0)),
            // i32::MIN negates to itself and maps to u32::MAX, which sends the block to f64
            Layout::CoolChic5 => block_sums_f32(block, k, |v| {
                let n = v.wrapping_neg();
                (((n << 1) ^ (n >> 31)) as u32, 0)
            }),
        };
        let (s, c, n) = match fast {
            Some((s, c)) => (s, c, false),
            None => block_sums_f64(block, k, layout),
        };
        sum_n += s;
        signs += c;
        neg |= n;
    }
    (sum_n, signs, neg)
}

/// [`length_sums_i32_kernel`] compiled for AVX2, chosen by `simd::avx2_allowed` (about
/// twice as fast as the baseline x86-64 build; docs/PERFORMANCE.md, "Overview").
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn length_sums_i32_avx2(values: &[i32], k: u32, layout: Layout) -> (u64, u64, bool) {
    length_sums_i32_kernel(values, k, layout)
}

/// [`nbits`] for 32-bit values: identical results, 2-3x the speed. Orders above 52
/// (never useful for 32-bit values) take the i64 path.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// let values: Vec<i32> = (-500..500).collect();
/// let wide: Vec<i64> = values.iter().map(|&v| v.into()).collect();
/// let bits = golomb::nbits_i32(&values, 4, Layout::Zigzag)?;
/// assert_eq!(bits, golomb::nbits(&wide, 4, Layout::Zigzag)?);
/// # Ok(()) }
/// ```
pub fn nbits_i32(values: &[i32], k: u32, layout: Layout) -> Result<u64> {
    check_k(k)?;
    if k > 52 {
        let wide: Vec<i64> = values.iter().map(|&v| i64::from(v)).collect();
        return nbits(&wide, k, layout);
    }
    #[cfg(target_arch = "x86_64")]
    let (sum_n, signs, bad) = if crate::simd::avx2_allowed() {
        // SAFETY: `avx2_allowed` checked that the CPU has AVX2.
        unsafe { length_sums_i32_avx2(values, k, layout) }
    } else {
        length_sums_i32_kernel(values, k, layout)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (sum_n, signs, bad) = length_sums_i32_kernel(values, k, layout);
    if bad {
        let wide: Vec<i64> = values.iter().map(|&v| i64::from(v)).collect();
        return Err(range_error(&wide, layout));
    }
    Ok(2 * sum_n - values.len() as u64 * (u64::from(k) + 1) + signs)
}

/// [`best_k`] for 32-bit values.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// let values = [100, -90, 120, 80, -110];
/// let (k, bits) = golomb::best_k_i32(&values, &[0, 2, 4, 6, 8], Layout::SignMagnitude)?;
/// assert_eq!(k, 6);
/// assert_eq!(bits, golomb::nbits_i32(&values, k, Layout::SignMagnitude)?);
/// # Ok(()) }
/// ```
pub fn best_k_i32(values: &[i32], ks: &[u32], layout: Layout) -> Result<(u32, u64)> {
    pick_best(ks, |k| nbits_i32(values, k, layout))
}

/// Exact number of bits [`encode`] writes for `values` (padding not included):
/// `Σ 2⌊log2(u/2^k + 1)⌋ + k + 1`, plus one per non-zero value for `SignMagnitude`.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// // EG0 of 0, 1, 2, 3: 1 + 3 + 3 + 5 bits.
/// assert_eq!(golomb::nbits(&[0, 1, 2, 3], 0, Layout::Unsigned)?, 12);
/// let values = [5, -9, 0, 300];
/// let bits = golomb::nbits(&values, 2, Layout::SignMagnitude)?;
/// assert_eq!(golomb::encode(&values, 2, Layout::SignMagnitude)?.len() as u64, bits.div_ceil(8));
/// # Ok(()) }
/// ```
pub fn nbits(values: &[i64], k: u32, layout: Layout) -> Result<u64> {
    check_k(k)?;
    let (sum_n, signs) = length_sums(values, k, layout)?;
    // Each code is 2n - k - 1 bits; n >= k + 1, so the total never underflows.
    Ok(2 * sum_n - values.len() as u64 * (u64::from(k) + 1) + signs)
}

/// [`nbits`] with the orders given by `orders` (one for all, or one per value).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout, Orders};
///
/// // EG1 of 0 (2 bits), EG0 of 3 (5 bits).
/// assert_eq!(golomb::nbits_with(&[0, 3], Orders::Each(&[1, 0]), Layout::Unsigned)?, 7);
/// let err = golomb::nbits_with(&[0, 3], Orders::Each(&[1]), Layout::Unsigned).unwrap_err();
/// assert!(matches!(err, fastrans::Error::InvalidArgument(_))); // one order per value
/// # Ok(()) }
/// ```
pub fn nbits_with(values: &[i64], orders: Orders<'_>, layout: Layout) -> Result<u64> {
    let ks = match orders {
        Orders::One(k) => return nbits(values, k, layout),
        Orders::Each(ks) => ks,
    };
    orders.check(values.len())?;
    let mut total = 0u64;
    for (&v, &k) in values.iter().zip(ks) {
        if !layout.in_range(v) {
            return Err(range_error(values, layout));
        }
        total += code_len(v, u32::from(k), layout);
    }
    Ok(total)
}

/// Bits of the code of `v` at order `k`; REQUIRES `v` in range and `k <= MAX_K`.
#[inline(always)]
fn code_len(v: i64, k: u32, layout: Layout) -> u64 {
    let (u, sign) = mapped(v, layout);
    2 * bit_length(u + (1u64 << k)) - u64::from(k) - 1 + sign
}

/// The zero bits Cool-Chic 5.x puts before its first code so that `nbits` bits fill whole
/// bytes: `(8 - nbits mod 8) mod 8`.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// assert_eq!((golomb::leading_padding(13), golomb::leading_padding(16)), (3, 0));
/// let values = [4, -2, 0];
/// let bits = golomb::nbits(&values, 0, Layout::CoolChic5)?;
/// let padding = golomb::leading_padding(bits);
/// let bytes = golomb::encode(&values, 0, Layout::CoolChic5)?;
/// assert_eq!(bytes.len() as u64 * 8, bits + u64::from(padding));
/// let orders = golomb::Orders::One(0);
/// let back = golomb::decode_with(&bytes, 3, orders, Layout::CoolChic5, Some(padding))?;
/// assert_eq!(back, values);
/// # Ok(()) }
/// ```
pub fn leading_padding(nbits: u64) -> u32 {
    (nbits.wrapping_neg() % 8) as u32
}

/// The order among `ks` that codes `values` in the fewest bits, and that count. Ties go to
/// the first such order in `ks`.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// let values = [0i64, 1, -1, 0, 2, 0];
/// let (k, bits) = golomb::best_k(&values, &[0, 1, 2, 3], Layout::Zigzag)?;
/// assert_eq!((k, bits), (0, golomb::nbits(&values, 0, Layout::Zigzag)?));
/// assert!(golomb::best_k(&values, &[], Layout::Zigzag).is_err()); // no order to try
/// # Ok(()) }
/// ```
pub fn best_k(values: &[i64], ks: &[u32], layout: Layout) -> Result<(u32, u64)> {
    pick_best(ks, |k| nbits(values, k, layout))
}

/// The first `k` in `ks` with the smallest `size(k)`; `ks` is checked first.
fn pick_best(ks: &[u32], size: impl Fn(u32) -> Result<u64>) -> Result<(u32, u64)> {
    if ks.is_empty() {
        return Err(Error::invalid(
            "ks is empty: pass at least one exp-Golomb order, e.g. range(13)",
        ));
    }
    for &k in ks {
        check_k(k)?;
    }
    let mut best: Option<(u32, u64)> = None;
    for &k in ks {
        let bits = size(k)?;
        match best {
            Some((_, b)) if b <= bits => {}
            _ => best = Some((k, bits)),
        }
    }
    best.ok_or_else(|| Error::invalid("ks is empty"))
}

/// Codes `values` with EGk in `layout`, MSB-first, zero-padded to whole bytes (after the
/// last code, or before the first for [`Layout::CoolChic5`]).
///
/// A value out of the layout's range or `k` above [`MAX_K`] is an
/// [`Error::InvalidArgument`].
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout, MAX_MAGNITUDE};
///
/// // EG0 of 0, 1, 2: "1" "010" "011", then a zero bit of padding.
/// assert_eq!(golomb::encode(&[0, 1, 2], 0, Layout::Unsigned)?, [0b1010_0110]);
///
/// let too_big = MAX_MAGNITUDE as i64 + 1;
/// let err = golomb::encode(&[too_big], 0, Layout::SignMagnitude).unwrap_err();
/// assert!(matches!(err, fastrans::Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn encode(values: &[i64], k: u32, layout: Layout) -> Result<Vec<u8>> {
    encode_with(values, Orders::One(k), layout)
}

/// [`encode`] with the orders given by `orders` (one for all, or one per value).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout, Orders};
///
/// // EG1 of 0 ("10"), EG0 of 1 ("010"), padded.
/// let bytes = golomb::encode_with(&[0, 1], Orders::Each(&[1, 0]), Layout::Unsigned)?;
/// assert_eq!(bytes, [0b1001_0000]);
/// # Ok(()) }
/// ```
pub fn encode_with(values: &[i64], orders: Orders<'_>, layout: Layout) -> Result<Vec<u8>> {
    let total = nbits_with(values, orders, layout)?; // validates the orders and every value
    let lead = if layout.pads_first() {
        leading_padding(total)
    } else {
        0
    };
    let mut w = BitWriter::with_capacity_bits(total + u64::from(lead));
    w.write_zeros(u64::from(lead));
    for (i, &v) in values.iter().enumerate() {
        let k = orders.at(i);
        let x = mapped(v, layout).0 + (1u64 << k);
        let n = 64 - x.leading_zeros();
        w.write_zeros(u64::from(n - 1 - k)); // prefix
        w.write_bits(x, n); // x's leading one ends the prefix
        if layout == Layout::SignMagnitude && v != 0 {
            w.write_bits(u64::from(v < 0), 1);
        }
    }
    debug_assert_eq!(w.bit_len(), total + u64::from(lead));
    Ok(w.finish())
}

/// Decodes exactly `count` values written by [`encode`] with the same `k` and `layout`
/// (not [`Layout::CoolChic5`], whose padding must be given: see [`decode_with`]).
/// Truncated data, a prefix longer than any valid value needs, a value out of range,
/// non-zero padding or trailing bytes are `CorruptStream` errors.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
/// use fastrans::Error;
///
/// let values = [0i64, -3, 12, 5, -1];
/// let bytes = golomb::encode(&values, 1, Layout::SignMagnitude)?;
/// assert_eq!(golomb::decode(&bytes, values.len(), 1, Layout::SignMagnitude)?, values);
///
/// // A value more than the data holds.
/// let err = golomb::decode(&bytes, values.len() + 1, 1, Layout::SignMagnitude).unwrap_err();
/// assert!(matches!(err, Error::CorruptStream(_)));
/// # Ok(()) }
/// ```
pub fn decode(data: &[u8], count: usize, k: u32, layout: Layout) -> Result<Vec<i64>> {
    decode_with(data, count, Orders::One(k), layout, None)
}

/// Decodes exactly `count` values written by [`encode_with`] with the same orders and
/// layout.
///
/// `padding` is the number of zero bits before the first code, required for
/// [`Layout::CoolChic5`] (0..=7; Cool-Chic keeps it in its header) and `None` for the other
/// layouts, whose padding follows the last code. Leading padding cannot be told from a
/// code's leading zeros, so it is given, not guessed. With it, the codes must end exactly
/// at the end of `data`.
///
/// Errors: `InvalidArgument` for an order above [`MAX_K`], as many orders as values not
/// matching `count`, or a missing or out-of-range `padding`; `CorruptStream` for anything
/// wrong in `data` (as [`decode`], plus non-zero leading padding or bits left over).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout, Orders};
/// use fastrans::Error;
///
/// let (values, orders) = ([3i64, -1, 0], [2u8, 0, 0]);
/// let bytes = golomb::encode_with(&values, Orders::Each(&orders), Layout::CoolChic5)?;
/// let bits = golomb::nbits_with(&values, Orders::Each(&orders), Layout::CoolChic5)?;
/// let padding = Some(golomb::leading_padding(bits));
/// let back = golomb::decode_with(&bytes, 3, Orders::Each(&orders), Layout::CoolChic5, padding)?;
/// assert_eq!(back, values);
///
/// // CoolChic5 needs the padding, the other layouts refuse it.
/// let err = golomb::decode_with(&bytes, 3, Orders::Each(&orders), Layout::CoolChic5, None);
/// assert!(matches!(err, Err(Error::InvalidArgument(_))));
/// # Ok(()) }
/// ```
pub fn decode_with(
    data: &[u8],
    count: usize,
    orders: Orders<'_>,
    layout: Layout,
    padding: Option<u32>,
) -> Result<Vec<i64>> {
    orders.check(count)?;
    let lead = match (layout.pads_first(), padding) {
        (true, Some(p)) if p <= 7 => p,
        (true, Some(p)) => {
            return Err(Error::invalid(format!(
                "padding={p} is out of range: a stream pads with 0..=7 bits"
            )))
        }
        (true, None) => {
            return Err(Error::invalid(
                "signed=\"coolchic5\" needs padding= (the leading zero bits, 0..=7, that \
                 Cool-Chic keeps in its header)",
            ))
        }
        (false, None) => 0,
        (false, Some(_)) => {
            return Err(Error::invalid(format!(
                "padding= applies to signed=\"coolchic5\" only; the {:?} layout pads after \
                 the last code",
                layout.name()
            )))
        }
    };
    let mut r = BitReader::new(data);
    if r.read_bits(lead)? != 0 {
        return Err(Error::corrupt(format!(
            "the {lead} leading padding bit(s) are not zero"
        )));
    }
    // Every code has at least k + 1 bits: refuse a count the data cannot hold before
    // allocating for it.
    let min_bits = orders.min_bits(count);
    if min_bits > r.remaining() {
        return Err(Error::corrupt(format!(
            "{count} codes of at least {min_bits} bits in all cannot fit in {} bytes",
            data.len()
        )));
    }
    let limit = layout.max_mapped();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let k = orders.at(i);
        let bias = 1u64 << k;
        // Longest prefix of a valid code: bit length of (limit + 2^k), minus k + 1.
        let max_zeros = (bit_length(limit + bias) - u64::from(k) - 1) as u32;
        let zeros = r.read_unary_zeros(max_zeros)?;
        let width = zeros + k; // bits of x below its leading one; <= 63
        let x = (1u64 << width) | r.read_bits(width)?;
        let u = x - bias;
        if u > limit {
            return Err(Error::corrupt(format!(
                "code {i} decodes to {u}, beyond the largest codable magnitude"
            )));
        }
        let v = match layout {
            Layout::SignMagnitude => {
                if u == 0 {
                    0
                } else if r.read_bit()? {
                    -(u as i64)
                } else {
                    u as i64
                }
            }
            _ => layout.unmap(u),
        };
        out.push(v);
    }
    if layout.pads_first() {
        if r.remaining() != 0 {
            return Err(Error::corrupt(format!(
                "{} bit(s) left after the last code: the data does not match padding={lead}",
                r.remaining()
            )));
        }
    } else {
        r.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
