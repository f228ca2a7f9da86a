//! Per-symbol parametric models: the quantized CDF of a discretized Gaussian, Laplace or
//! logistic law (or a mixture of up to [`MAX_COMPONENTS`]) evaluated for each symbol inside
//! the coding loop, so codecs whose every latent has its own mean and scale need no
//! tables of rows.
//!
//! Both ends of a channel must derive the same frequencies from the same floats, on every
//! platform and in every kernel, so the definition uses only integer arithmetic and
//! IEEE-754 basic operations in a fixed order (no fused multiply-add, no libm): the
//! standard CDF is a committed integer table ([`standard`]), interpolated linearly; the
//! exact rule is in `docs/FORMAT.md`, "Per-symbol parametric models".
//!
//! [`ModelSpec`] is validated once per coder and holds the family, precision and support
//! policy; [`Params`] is one symbol's prepared parameters (reciprocal scale, quantized
//! weights, its support); [`ModelSpec::interval`] and [`ModelSpec::find`] give the
//! encoder's and the decoder's view of the same CDF.
//!
//! Beside the laws, [`FloatCdfs`]: every symbol with its own CDF given as floats
//! (torchac's input), quantized per symbol by an exact rule.

mod family;
mod float_cdf;
mod params;
mod spec;
mod standard;
mod validate;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_rate;

pub(crate) use family::Family;
pub(crate) use float_cdf::{
    check_levels, first_bad, header_bytes as float_cdf_header, levels_from_header, FloatCdfs,
    FLOAT_CDF_DEFINITION, FLOAT_CDF_PRECISION,
};
pub(crate) use params::{Dist, Mixture, Params, Single, MAX_COMPONENTS, SCALE_MAX, SCALE_MIN};
pub(crate) use spec::{ModelSpec, HEADER_LEN};
pub(crate) use validate::{validate_mixture, validate_single};
