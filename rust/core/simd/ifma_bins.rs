//! The encoder's bins for AVX-512 IFMA: the division by a bin's frequency in two 52-bit
//! multiplies.
//!
//! The rANS step needs `q = floor(x / freq)` and `r = x mod freq` (then `x' = q·2^p + r +
//! start`). The scalar coder and the plain AVX-512 kernel take `q` from the high half of a
//! 64x64-bit product with a 64-bit reciprocal ([`crate::tables::enc_symbol::EncSymbol`]); AVX-512 has
//! no such multiply, so that kernel builds it from four 32x32-bit products and a dozen
//! shifts, adds and masks: 25 of its 36 vector instructions a group. CPUs with IFMA
//! (`vpmadd52huq` / `vpmadd52luq`: the high or low 52 bits of a 52x52-bit product, added to
//! a 64-bit accumulator) do it in two products and a correction:
//!
//! ```text
//! xs = x >> s                         (s makes xs < 2^51)
//! q  = (xs · R) >> 52                 R = min(floor(2^(52+s) / freq), 2^52 - 1)
//! r  = (x - low52(q · freq)) mod 2^52
//! if r >= freq { q += 1; r -= freq }
//! ```
//!
//! Why one correction suffices, for `x < x_max = freq · 2^(63-p)` (a state after
//! renormalising) and `p >= 14`: with `j = floor(log2 freq)` and `s = max(0, j + 13 - p)`,
//! `xs < 2^(j+1+63-p-s) <= 2^51`. Two errors make `xs·R / 2^52` smaller than `x / freq`,
//! never larger: the dropped low bits of `x`, less than `2^s / freq <= 2^(13-p) <= 1/2`, and
//! `R`'s rounding down (and the clamp at `freq = 1`), less than `xs / 2^52 < 1/2`. So `q`
//! is `floor(x / freq)` or one less, `x - q·freq` lies in `[0, 2 freq)` and fits 52 bits,
//! and its low 52 bits are exact. (At `p = 13` the first error reaches 1: a second
//! correction would be needed, so lower precisions keep the plain kernel.) The result is
//! the exact quotient and remainder, so the bytes are the scalar encoder's, bit for bit.

use crate::tables::cdf_table::CdfTable;
use crate::tables::enc_symbol::EncSymbol;

/// Precisions the IFMA step is exact for (see the module's doc).
pub(crate) const MIN_PRECISION: u32 = 14;

/// `table.enc_symbols()` in the IFMA encoder's form, same indexing; `None` below
/// [`MIN_PRECISION`]. Made on the table's first IFMA encode and kept in the table.
pub(crate) fn bins(table: &CdfTable) -> Option<&[IfmaBin]> {
    let p = table.precision();
    if p < MIN_PRECISION {
        return None;
    }
    let make = |t: &CdfTable| -> Vec<IfmaBin> {
        t.enc_symbols().iter().map(|s| IfmaBin::of(s, p)).collect()
    };
    table.kernel_layout(make).map(Vec::as_slice)
}
/// The low 52 bits.
pub(crate) const MASK52: u64 = (1 << 52) - 1;
/// Bit position of the row tag in [`IfmaBin::meta`] (byte 3).
pub(crate) const TAG_SHIFT: u32 = 24;
/// Bit position of `start` in [`IfmaBin::meta`].
pub(crate) const START_SHIFT: u32 = 48;
/// The bits of `freq` in [`IfmaBin::meta`] (`freq <= 2^16`).
pub(crate) const FREQ_MASK: u64 = (1 << 17) - 1;

/// One bin for the IFMA encoder: 16 bytes, indexed as the table's `EncSymbol`s, so one
/// bin's index serves both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct IfmaBin {
    /// `R` in bits 0..52 (all that `vpmadd52huq` reads of it), `s` in bits 52..58.
    pub div: u64,
    /// `freq` in bits 0..17 (the kernel isolates it with one AND, for the compare and for
    /// `vpmadd52luq`), the row tag in bits 24..32 (as `EncSymbol`'s), `start` in bits
    /// 48..64 (one shift).
    pub meta: u64,
}

const _: () = assert!(std::mem::size_of::<IfmaBin>() == 16);

impl IfmaBin {
    /// The bin `[start, start + freq)` of a table at precision `p` (`MIN_PRECISION ..= 16`),
    /// tagged `tag`.
    pub(crate) fn new(start: u32, freq: u32, tag: u8, p: u32) -> IfmaBin {
        debug_assert!((MIN_PRECISION..=16).contains(&p) && freq >= 1 && freq <= 1 << p);
        debug_assert!(start + freq <= 1 << p);
        let j = 31 - freq.leading_zeros();
        let s = (j + 13).saturating_sub(p);
        // floor(2^(52+s) / freq) without a 128-bit division: 2^52 = a·freq + b, so
        // 2^(52+s) = (a << s)·freq + (b << s), and b << s < 2^16 · 2^13 divides exactly.
        let f = freq as u64;
        let (a, b) = ((1u64 << 52) / f, (1u64 << 52) % f);
        let r = ((a << s) + (b << s) / f).min(MASK52);
        IfmaBin {
            div: r | (s as u64) << 52,
            meta: f | (tag as u64) << TAG_SHIFT | (start as u64) << START_SHIFT,
        }
    }

    /// [`IfmaBin::new`] of the bin `sym` holds, with `sym`'s tag.
    pub(crate) fn of(sym: &EncSymbol, p: u32) -> IfmaBin {
        let freq = sym.freq(p);
        IfmaBin::new(sym.start(p), freq, sym.tag(), p)
    }

    /// The kernel's step for one lane, in scalar code: `x` (below `freq << (63 - p)`) coded
    /// through this bin. What the tests hold against `x / freq`.
    #[cfg(test)]
    fn step(&self, x: u64, p: u32) -> u64 {
        let (freq, start) = (self.meta & FREQ_MASK, self.meta >> START_SHIFT);
        let (r52, s) = (self.div & MASK52, self.div >> 52);
        let xs = x >> s;
        let mut q = ((xs as u128 * r52 as u128) >> 52) as u64 & MASK52;
        let mut r = x.wrapping_sub((q as u128 * freq as u128) as u64 & MASK52) & MASK52;
        if r >= freq {
            q += 1;
            r -= freq;
        }
        (q << p) + r + start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frequency at precisions 14..16, states at both ends of the range and next to
    /// multiples of the frequency: the step equals `floor(x / freq)·2^p + x mod freq + start`.
    #[test]
    fn the_step_divides_exactly() {
        let mut next = crate::test_rng::xorshift64(0x9e37_79b9_7f4a_7c15u64);
        for p in MIN_PRECISION..=16 {
            for freq in 1..=1u32 << p {
                let start = (1 << p) - freq;
                let bin = IfmaBin::new(start, freq, 7, p);
                let f = freq as u64;
                let x_max = f << (63 - p);
                let mut xs = vec![1, 2, f - 1, f, f + 1, 1 << 31, x_max - 1, x_max - 2];
                for _ in 0..6 {
                    let k = next() % (x_max / f);
                    xs.extend([k * f, (k * f).saturating_sub(1), next() % x_max]);
                }
                for x in xs.into_iter().filter(|&x| x >= 1 && x < x_max) {
                    let want = ((x / f) << p) + x % f + start as u64;
                    assert_eq!(bin.step(x, p), want, "p={p} freq={freq} x={x}");
                }
            }
        }
    }

    #[test]
    fn fields_sit_where_the_kernel_reads_them() {
        let bin = IfmaBin::new(40_000, 1234, 63, 16);
        assert_eq!(bin.meta & FREQ_MASK, 1234);
        assert_eq!((bin.meta >> TAG_SHIFT) as u8, 63);
        assert_eq!(bin.meta >> START_SHIFT, 40_000);
        // freq = 1: R clamped below 2^52; freq = 2^16: the widest shift.
        assert_eq!(IfmaBin::new(0, 1, 0, 16).div, MASK52);
        assert_eq!(IfmaBin::new(0, 1 << 16, 0, 16).div >> 52, 13);
    }
}
