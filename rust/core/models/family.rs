//! The three parametric families and what each contributes: its standard CDF table, the
//! window radius of the unbounded support, and its code in a stream header.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::models::standard::{StdCdf, GAUSSIAN, LAPLACE, LOGISTIC};

/// A location-scale family: `F((x - mean) / scale)` with `F` the standard CDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// `F = Φ`, the standard normal CDF.
    Gaussian,
    /// `F(t) = e^t / 2` below 0, `1 - e^-t / 2` above (scale = the Laplace `b`).
    Laplace,
    /// `F(t) = 1 / (1 + e^-t)`.
    Logistic,
}

impl Family {
    /// The name the Python layer uses.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::Gaussian => "gaussian",
            Family::Laplace => "laplace",
            Family::Logistic => "logistic",
        }
    }

    /// The family's byte in a stream header (stable: part of the format).
    pub(crate) fn code(self) -> u8 {
        match self {
            Family::Gaussian => 0,
            Family::Laplace => 1,
            Family::Logistic => 2,
        }
    }

    /// The family with header byte `code`, if any.
    pub(crate) fn from_code(code: u8) -> Option<Family> {
        match code {
            0 => Some(Family::Gaussian),
            1 => Some(Family::Laplace),
            2 => Some(Family::Logistic),
            _ => None,
        }
    }

    pub(crate) fn table(self) -> &'static StdCdf {
        match self {
            Family::Gaussian => &GAUSSIAN,
            Family::Laplace => &LAPLACE,
            Family::Logistic => &LOGISTIC,
        }
    }

    /// Half width, in scales, of the unbounded window: the mass beyond it on either side
    /// (`Φ(-5) ≈ 2.9e-7`, `e^-12 / 2 ≈ 3.1e-6`, `e^-13 ≈ 2.3e-6`) is a fraction of one slot
    /// at precision 16, so the escape bin that carries it costs little, while each bin
    /// inside costs at least one slot.
    pub(crate) fn window_radius(self) -> f64 {
        match self {
            Family::Gaussian => 5.0,
            Family::Laplace => 12.0,
            Family::Logistic => 13.0,
        }
    }
}

impl FromStr for Family {
    type Err = Error;

    fn from_str(name: &str) -> Result<Family> {
        match name {
            "gaussian" => Ok(Family::Gaussian),
            "laplace" => Ok(Family::Laplace),
            "logistic" => Ok(Family::Logistic),
            _ => Err(Error::InvalidArgument(format!(
                "family={name:?} is not supported: use \"gaussian\", \"laplace\" or \"logistic\""
            ))),
        }
    }
}
