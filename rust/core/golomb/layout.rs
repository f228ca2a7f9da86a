//! The choices an exp-Golomb code is made with: how a signed value becomes the unsigned
//! number EGk codes ([`Layout`], one per codebase whose bytes we match), and the order
//! `k` of each value ([`Orders`]).

use crate::error::{Error, Result};

/// Largest order `k` accepted.
pub const MAX_K: u32 = 62;
/// Largest magnitude `|v|` a value may have (2^62).
pub const MAX_MAGNITUDE: u64 = 1 << 62;

/// How a value is mapped to the unsigned number that EGk codes.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout};
///
/// // -1 at order 0: EG0 of 1 ("010") then the sign bit, EG0 of zigzag 1, EG0 of
/// // coolchic5 2 ("011"), each padded to a byte.
/// assert_eq!(golomb::encode(&[-1], 0, Layout::SignMagnitude)?, [0b0101_0000]);
/// assert_eq!(golomb::encode(&[-1], 0, Layout::Zigzag)?, [0b0100_0000]);
/// assert_eq!(golomb::encode(&[-1], 0, Layout::CoolChic5)?, [0b0000_0011]);
/// assert!(golomb::encode(&[-1], 0, Layout::Unsigned).is_err());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Values must be in `0..=2^62`; EGk of the value.
    Unsigned,
    /// EGk of `|v|`, then a sign bit (1 = negative) when `v != 0`.
    SignMagnitude,
    /// EGk of the zigzag map `v >= 0 → 2v`, `v < 0 → -2v - 1`.
    Zigzag,
    /// EGk of Cool-Chic 5.x's map `v > 0 → 2v - 1`, `v <= 0 → -2v` (the zigzag map of
    /// `-v`), with the padding bits before the first code instead of after the last.
    CoolChic5,
}

impl Layout {
    /// Parses `"unsigned"`, `"sign_magnitude"`, `"zigzag"` or `"coolchic5"`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{golomb::Layout, Error};
    ///
    /// assert_eq!(Layout::from_name("zigzag")?, Layout::Zigzag);
    /// let err = Layout::from_name("signed").unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "unsigned" => Ok(Layout::Unsigned),
            "sign_magnitude" => Ok(Layout::SignMagnitude),
            "zigzag" => Ok(Layout::Zigzag),
            "coolchic5" => Ok(Layout::CoolChic5),
            other => Err(Error::invalid(format!(
                "signed={other:?} is not a layout: use \"sign_magnitude\", \"zigzag\", \
                 \"coolchic5\" or \"unsigned\""
            ))),
        }
    }

    /// The name [`Layout::from_name`] parses.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::Layout;
    ///
    /// assert_eq!(Layout::SignMagnitude.name(), "sign_magnitude");
    /// for layout in [Layout::Unsigned, Layout::SignMagnitude, Layout::Zigzag, Layout::CoolChic5] {
    ///     assert_eq!(Layout::from_name(layout.name()), Ok(layout));
    /// }
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Layout::Unsigned => "unsigned",
            Layout::SignMagnitude => "sign_magnitude",
            Layout::Zigzag => "zigzag",
            Layout::CoolChic5 => "coolchic5",
        }
    }

    /// Whether the padding to a whole byte goes before the first code (else after the last).
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::Layout;
    ///
    /// assert!(Layout::CoolChic5.pads_first());
    /// assert!(!Layout::Zigzag.pads_first());
    /// ```
    pub fn pads_first(self) -> bool {
        self == Layout::CoolChic5
    }

    /// Largest unsigned number this layout hands to EGk.
    pub(crate) fn max_mapped(self) -> u64 {
        match self {
            // zigzag(2^62) = 2^63 and coolchic5(-2^62) = 2^63
            Layout::Zigzag | Layout::CoolChic5 => MAX_MAGNITUDE << 1,
            _ => MAX_MAGNITUDE,
        }
    }

    /// Whether `v` can be coded in this layout.
    #[inline(always)]
    pub(crate) fn in_range(self, v: i64) -> bool {
        v.unsigned_abs() <= MAX_MAGNITUDE && !(self == Layout::Unsigned && v < 0)
    }

    /// The value EGk code `u` stands for; REQUIRES `u <= self.max_mapped()`.
    #[inline(always)]
    pub(crate) fn unmap(self, u: u64) -> i64 {
        match self {
            Layout::Unsigned | Layout::SignMagnitude => u as i64,
            Layout::Zigzag => unzigzag(u),
            // unzigzag(u) is within ±2^62 here, so the negation cannot overflow.
            Layout::CoolChic5 => -unzigzag(u),
        }
    }
}

/// The exp-Golomb order of each value.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::{self, Layout, Orders};
///
/// // Weights at order 3, then a bias at order 0, in one string.
/// let values = [12, -7, 30, 1];
/// let orders = [3, 3, 3, 0];
/// let bits = golomb::encode_with(&values, Orders::Each(&orders), Layout::Zigzag)?;
/// let back = golomb::decode_with(&bits, 4, Orders::Each(&orders), Layout::Zigzag, None)?;
/// assert_eq!(back, values);
/// // Orders::One(k) is what golomb::encode uses.
/// assert_eq!(
///     golomb::encode_with(&values, Orders::One(2), Layout::Zigzag)?,
///     golomb::encode(&values, 2, Layout::Zigzag)?
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orders<'a> {
    /// One order for every value.
    One(u32),
    /// `orders[i]` codes value `i`; as many orders as values.
    Each(&'a [u8]),
}

impl Orders<'_> {
    /// Checks every order against [`MAX_K`], and that there is one per value.
    pub(crate) fn check(&self, count: usize) -> Result<()> {
        match *self {
            Orders::One(k) => check_k(k),
            Orders::Each(ks) => {
                if ks.len() != count {
                    return Err(Error::invalid(format!(
                        "{} orders for {count} values: pass one exp-Golomb order per value",
                        ks.len()
                    )));
                }
                match ks.iter().position(|&k| u32::from(k) > MAX_K) {
                    Some(i) => Err(Error::invalid(format!(
                        "k[{i}]={} is out of range: the exp-Golomb order must be in 0..={MAX_K}",
                        ks[i]
                    ))),
                    None => Ok(()),
                }
            }
        }
    }

    /// Fewest bits `count` codes can take: `Σ (k + 1)`.
    pub(crate) fn min_bits(&self, count: usize) -> u64 {
        match *self {
            Orders::One(k) => (count as u64).saturating_mul(u64::from(k) + 1),
            Orders::Each(ks) => ks.iter().map(|&k| u64::from(k) + 1).sum(),
        }
    }

    /// The order of value `i`, for `i` below the count [`Orders::check`] accepted.
    #[inline(always)]
    pub(crate) fn at(&self, i: usize) -> u32 {
        match *self {
            Orders::One(k) => k,
            Orders::Each(ks) => ks.get(i).map_or(0, |&k| u32::from(k)),
        }
    }
}

/// The zigzag map; REQUIRES `|v| <= 2^62`.
#[inline(always)]
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline(always)]
pub(crate) fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

pub(crate) fn check_k(k: u32) -> Result<()> {
    if k > MAX_K {
        return Err(Error::invalid(format!(
            "k={k} is out of range: the exp-Golomb order must be in 0..={MAX_K}"
        )));
    }
    Ok(())
}
