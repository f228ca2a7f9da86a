//! Symbols coded each with its own law (Gaussian, Laplace or logistic with a per-symbol
//! mean and scale, or a mixture of them), the quantized CDF evaluated inside the coding
//! loop (`models`), so codecs whose every latent has its own parameters need no tables.
//! The stream is the fastrans framing (chunks, lanes, CRC32C, threads) with the model in
//! its header (docs/FORMAT.md §9).

use std::mem::MaybeUninit;

use crate::error::{Error, Result};
use crate::format::fastrans_stream::{decode_framed, encode_framed, model_symbol_count};
use crate::format::wire::unless_damaged;
use crate::models::{validate_mixture, validate_single, Family, ModelSpec};

#[cfg(target_arch = "x86_64")]
mod finds_x86;
mod lanes;
mod serial;
mod steps;
#[cfg(target_arch = "x86_64")]
mod steps_x86;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_serial;
#[cfg(test)]
mod tests_steps;

use lanes::{MixtureLaws, ModelId, ModelLanes, SingleLaws};

/// A coder of symbols each with its own law: `family` (`"gaussian"`, `"laplace"` or
/// `"logistic"`) at `precision` bits, over `lower..=upper` (bounded: every symbol must lie
/// there) or, with neither bound, over a window around each law with an escape bin for
/// symbols outside it (any `i32` codes).
///
/// Each symbol's parameters are `K` components laid out `(K, n)`: component `j` of
/// symbol `i` at `j * n + i` of `means`, `scales` and `weights` (no weights: `K = 1`).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::ParametricCoder;
///
/// let coder = ParametricCoder::new("laplace", 16, Some(-64), Some(63))?;
/// let symbols = [0, 3, -2, 63];
/// let (means, scales) = ([0.2, 2.5, -1.0, 60.0], [0.5, 1.0, 2.0, 4.0]);
/// let bytes = coder.encode(&symbols, &means, &scales, None, 1)?;
/// assert_eq!(coder.decode(&bytes, &means, &scales, None, 0)?, symbols);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ParametricCoder {
    spec: ModelSpec,
}

impl ParametricCoder {
    /// The coder for `family` at `precision` (1..=16) over `lower..=upper`, or over
    /// per-symbol windows with escapes when both bounds are `None`.
    /// [`Error::InvalidArgument`] for an unknown family, a precision outside 1..=16, one
    /// bound alone, `lower > upper` or a support wider than `2^precision` symbols.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::{Error, ParametricCoder};
    ///
    /// assert!(ParametricCoder::new("gaussian", 16, None, None).is_ok()); // windows, escapes
    /// let err = ParametricCoder::new("cauchy", 16, None, None).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// let err = ParametricCoder::new("gaussian", 16, Some(0), None).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// ```
    pub fn new(
        family: &str,
        precision: u32,
        lower: Option<i32>,
        upper: Option<i32>,
    ) -> Result<Self> {
        let family: Family = family.parse()?;
        Ok(ParametricCoder {
            spec: ModelSpec::new(family, precision, lower, upper)?,
        })
    }

    /// The family's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let coder = fastrans::ParametricCoder::new("logistic", 12, None, None)?;
    /// assert_eq!(coder.family(), "logistic");
    /// # Ok(()) }
    /// ```
    pub fn family(&self) -> &'static str {
        self.spec.family().name()
    }

    /// The precision in bits.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let coder = fastrans::ParametricCoder::new("logistic", 12, None, None)?;
    /// assert_eq!(coder.precision(), 12);
    /// # Ok(()) }
    /// ```
    pub fn precision(&self) -> u32 {
        self.spec.precision()
    }

    /// `Some((lower, upper))` for a bounded support, `None` for windows with escapes.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let coder = fastrans::ParametricCoder::new("gaussian", 16, Some(-8), Some(7))?;
    /// assert_eq!(coder.bounds(), Some((-8, 7)));
    /// # Ok(()) }
    /// ```
    pub fn bounds(&self) -> Option<(i32, i32)> {
        self.spec.bounds()
    }

    /// Encode `symbols`, symbol `i` with the law of its components (see the type's doc),
    /// into a fastrans stream. `threads`: 0 = every core, 1 = this thread, n = n threads;
    /// the bytes are the same for every value.
    ///
    /// [`Error::InvalidArgument`], naming the first bad element, for: lengths that do not
    /// make `K` components a symbol (without weights, one mean and one scale a symbol);
    /// a mean that is not finite, a scale that is not positive and finite, a weight that
    /// is negative or not finite, a symbol's weights not summing to 1 within `1e-3`; more
    /// than 8 components; a symbol outside `lower..=upper` when bounded. Scales are
    /// clamped into `[2^-16, 2^16]` after these checks.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, ParametricCoder};
    ///
    /// // A mixture of two Gaussians a symbol, laid out (K, n): means[j * n + i].
    /// let coder = ParametricCoder::new("gaussian", 16, None, None)?;
    /// let symbols = [1, -40, 7];
    /// let means = [0.0, 0.0, 5.0, /* second component */ 1.5, -3.0, 8.0];
    /// let scales = [1.0, 2.0, 0.5, 0.3, 1.0, 4.0];
    /// let weights = [0.5, 0.9, 0.25, 0.5, 0.1, 0.75];
    /// let bytes = coder.encode(&symbols, &means, &scales, Some(&weights), 1)?;
    /// assert_eq!(coder.decode(&bytes, &means, &scales, Some(&weights), 1)?, symbols);
    ///
    /// let err = coder.encode(&symbols, &means, &[1.0, 0.0, 1.0, 1.0, 1.0, 1.0], Some(&weights), 1);
    /// assert!(matches!(err, Err(Error::InvalidArgument(m)) if m.contains("scales[0, 1]")));
    /// # Ok(()) }
    /// ```
    pub fn encode(
        &self,
        symbols: &[i32],
        means: &[f32],
        scales: &[f32],
        weights: Option<&[f32]>,
        threads: usize,
    ) -> Result<Vec<u8>> {
        let n = symbols.len();
        let k = self.check_params(n, means, scales, weights, "symbols")?;
        self.check_symbols(symbols)?;
        match weights {
            Some(weights) if k > 1 => {
                let laws = MixtureLaws {
                    k,
                    n,
                    means,
                    scales,
                    weights,
                };
                encode_framed(&self.lanes(laws, symbols), n, threads)
            }
            _ => encode_framed(
                &self.lanes(SingleLaws { means, scales }, symbols),
                n,
                threads,
            ),
        }
    }

    /// Decode a stream made by a coder of this family, precision and support, with the
    /// parameters that encoded it. `threads` as in [`encode`](Self::encode).
    ///
    /// Checked in this order: damaged or truncated bytes are [`Error::CorruptStream`]; a
    /// table stream, or one made with another family, precision or support, is
    /// [`Error::TableMismatch`] (naming what differs); parameters for another number of
    /// symbols, or bad ones as in [`encode`](Self::encode), are
    /// [`Error::InvalidArgument`]. (Other parameters than the encoder's decode to wrong
    /// symbols or a `CorruptStream` error.)
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, ParametricCoder};
    ///
    /// let coder = ParametricCoder::new("gaussian", 16, None, None)?;
    /// let (means, scales) = ([0.0f32; 3], [1.0f32; 3]);
    /// let bytes = coder.encode(&[0, 1, 100_000], &means, &scales, None, 1)?; // an escape
    /// assert_eq!(coder.decode(&bytes, &means, &scales, None, 1)?, [0, 1, 100_000]);
    ///
    /// let laplace = ParametricCoder::new("laplace", 16, None, None)?;
    /// let err = laplace.decode(&bytes, &means, &scales, None, 1).unwrap_err();
    /// assert!(matches!(err, Error::TableMismatch(m) if m.contains("family gaussian")));
    /// let err = coder.decode(&bytes[1..], &means, &scales, None, 1).unwrap_err();
    /// assert!(matches!(err, Error::CorruptStream(_)));
    /// # Ok(()) }
    /// ```
    pub fn decode(
        &self,
        data: &[u8],
        means: &[f32],
        scales: &[f32],
        weights: Option<&[f32]>,
        threads: usize,
    ) -> Result<Vec<i32>> {
        let count = model_symbol_count(&ModelId(self.spec), data)?;
        // The count is read before the CRC is checked (the chunks' threads check it): a
        // parameter error is reported only once the stream is known undamaged.
        let k = usize::try_from(count)
            .map_err(|_| Error::invalid(format!("the stream holds {count} symbols")))
            .and_then(|n| {
                Ok((
                    n,
                    self.check_params(n, means, scales, weights, "the stream's symbols")?,
                ))
            })
            .map_err(|e| unless_damaged(data, e))?;
        let (n, k) = k;
        let mut out: Vec<i32> = Vec::with_capacity(n);
        let slots: &mut [MaybeUninit<i32>] = &mut out.spare_capacity_mut()[..n];
        match weights {
            Some(weights) if k > 1 => {
                let laws = MixtureLaws {
                    k,
                    n,
                    means,
                    scales,
                    weights,
                };
                decode_framed(&self.lanes(laws, &[]), data, slots, threads)?;
            }
            _ => {
                let laws = SingleLaws { means, scales };
                decode_framed(&self.lanes(laws, &[]), data, slots, threads)?;
            }
        }
        // SAFETY: `slots` is `out`'s first `n` elements of capacity, and `decode_framed`
        // returned `Ok`, so it wrote every one of them.
        unsafe { out.set_len(n) };
        Ok(out)
    }

    /// With a bounded support, every symbol must lie in it.
    fn check_symbols(&self, symbols: &[i32]) -> Result<()> {
        if let Some((lower, upper)) = self.spec.bounds() {
            // A pass without an early exit first (it vectorises), then the position.
            let inside = |s: &i32| (lower..=upper).contains(s);
            let all = symbols.iter().fold(true, |ok, s| ok & inside(s));
            if let Some(i) = (!all)
                .then(|| symbols.iter().position(|s| !inside(s)))
                .flatten()
            {
                return Err(Error::InvalidArgument(format!(
                    "symbols[{i}] = {} is outside the support {lower}..={upper}",
                    symbols[i]
                )));
            }
        }
        Ok(())
    }

    fn lanes<'a, L>(&self, laws: L, symbols: &'a [i32]) -> ModelLanes<'a, L> {
        ModelLanes {
            spec: self.spec,
            laws,
            symbols,
        }
    }

    /// Checks the parameters of `n` symbols (`what` names them in errors) and returns
    /// their component count `K`.
    fn check_params(
        &self,
        n: usize,
        means: &[f32],
        scales: &[f32],
        weights: Option<&[f32]>,
        what: &str,
    ) -> Result<usize> {
        let len = means.len();
        match weights {
            None => {
                if len != n {
                    let hint = if n > 0 && len > n && len.is_multiple_of(n) {
                        format!(" ({} components a symbol need weights)", len / n)
                    } else {
                        String::new()
                    };
                    return Err(Error::InvalidArgument(format!(
                        "means has {len} elements but {what} number {n}: give one mean and \
                         one scale a symbol{hint}"
                    )));
                }
                validate_single(means, scales)?;
                Ok(1)
            }
            Some(weights) => {
                if n == 0 {
                    if len != 0 || !scales.is_empty() || !weights.is_empty() {
                        return Err(Error::InvalidArgument(format!(
                            "{what} number 0 but means, scales and weights have {len}, {} \
                             and {} elements",
                            scales.len(),
                            weights.len()
                        )));
                    }
                    return Ok(1);
                }
                if len == 0 || !len.is_multiple_of(n) {
                    return Err(Error::InvalidArgument(format!(
                        "means has {len} elements for {n} {what}: give K components a \
                         symbol, laid out (K, n)"
                    )));
                }
                let k = len / n;
                validate_mixture(k, means, scales, weights)?;
                Ok(k)
            }
        }
    }
}
