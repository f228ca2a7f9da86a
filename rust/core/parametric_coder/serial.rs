//! Per-symbol parametric models in CompressAI's serial stream: an autoregressive decoder
//! learns each wavefront's means and scales only after decoding the previous one, so it
//! codes one batch a call on the single rANS state of [`BufferedEncoder`] and
//! [`StreamDecoder`], interleaved with table runs in call order. Defined here, above the
//! format layer, because the methods take a [`ParametricCoder`].

use std::sync::Arc;

use crate::error::Result;
use crate::format::compressai::{BufferedEncoder, StreamDecoder, SymbolRun};
use crate::lanes::model::SymbolPut;
use crate::models::ModelSpec;

use super::lanes::{MixtureLaws, ModelLanes, SingleLaws};
use super::ParametricCoder;

/// A queued batch's laws: `k` components a symbol, each array laid out `(k, n)`, checked
/// when queued (weights kept only when `k > 1`).
#[derive(Debug)]
struct ModelRun {
    spec: ModelSpec,
    k: usize,
    means: Vec<f32>,
    scales: Vec<f32>,
    weights: Option<Vec<f32>>,
}

impl SymbolRun for ModelRun {
    fn put_run(&self, x: &mut u64, out: &mut Vec<u32>, symbols: &[i32]) {
        let (spec, means, scales) = (self.spec, &self.means[..], &self.scales[..]);
        match &self.weights {
            Some(weights) if self.k > 1 => {
                let laws = MixtureLaws {
                    k: self.k,
                    n: symbols.len(),
                    means,
                    scales,
                    weights,
                };
                put_all(
                    &ModelLanes {
                        spec,
                        laws,
                        symbols,
                    },
                    x,
                    out,
                    symbols.len(),
                );
            }
            _ => {
                let laws = SingleLaws { means, scales };
                put_all(
                    &ModelLanes {
                        spec,
                        laws,
                        symbols,
                    },
                    x,
                    out,
                    symbols.len(),
                );
            }
        }
    }
}

/// Positions `n - 1` down to 0 onto the one state.
fn put_all(put: &impl SymbolPut, x: &mut u64, out: &mut Vec<u32>, n: usize) {
    for pos in (0..n).rev() {
        put.put(x, out, pos);
    }
}

impl BufferedEncoder {
    /// Queue `symbols`, symbol `i` coded with its own law under `coder`: parameters laid
    /// out as for [`ParametricCoder::encode`] (`K` components a symbol, `(K, n)`), the
    /// same checks and [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the
    /// first bad element; all-or-nothing: on error nothing is queued. The run is coded at
    /// `coder`'s precision on the stream's one state, in call order with the table pushes.
    ///
    /// The stream records neither the coder nor the parameters: decode the run with
    /// [`StreamDecoder::decode_parametric_into`] and the same coder and parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use std::sync::Arc;
    /// use fastrans::compressai::{BufferedEncoder, StreamDecoder};
    /// use fastrans::{CdfTable, Error, ParametricCoder};
    ///
    /// let table = Arc::new(CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?);
    /// let coder = ParametricCoder::new("gaussian", 16, None, None)?;
    /// let mut encoder = BufferedEncoder::new();
    /// encoder.push(&table, &[1, 0], &[0, 0])?; // a table run, then a wavefront of laws
    /// encoder.push_parametric(&coder, &[3, -2, 90], &[2.5, -1.0, 0.0], &[1.0, 0.5, 2.0], None)?;
    /// let err = encoder.push_parametric(&coder, &[0], &[0.0], &[-1.0], None).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(m) if m.contains("scales[0]")));
    /// assert_eq!(encoder.len(), 5); // nothing of the failed call was queued
    /// let bytes = encoder.flush();
    ///
    /// let mut decoder = StreamDecoder::new(&bytes)?;
    /// let (mut head, mut wave) = ([0; 2], [0; 3]);
    /// decoder.decode_into(&table, &[0, 0], &mut head)?;
    /// decoder.decode_parametric_into(&coder, &[2.5, -1.0, 0.0], &[1.0, 0.5, 2.0], None, &mut wave)?;
    /// assert_eq!((head, wave), ([1, 0], [3, -2, 90]));
    /// decoder.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn push_parametric(
        &mut self,
        coder: &ParametricCoder,
        symbols: &[i32],
        means: &[f32],
        scales: &[f32],
        weights: Option<&[f32]>,
    ) -> Result<()> {
        let k = coder.check_params(symbols.len(), means, scales, weights, "symbols")?;
        coder.check_symbols(symbols)?;
        let run = ModelRun {
            spec: coder.spec,
            k,
            means: means.to_vec(),
            scales: scales.to_vec(),
            weights: weights.filter(|_| k > 1).map(<[f32]>::to_vec),
        };
        self.push_run(symbols, Arc::new(run));
        Ok(())
    }
}

impl StreamDecoder {
    /// Decode `out.len()` symbols pushed by [`BufferedEncoder::push_parametric`] with the
    /// same `coder` and parameters (laid out as there, for `out.len()` symbols). On error
    /// the decoder is left unchanged: [`Error::InvalidArgument`](crate::Error::InvalidArgument)
    /// for parameters as [`ParametricCoder::decode`] refuses them,
    /// [`Error::CorruptStream`](crate::Error::CorruptStream) when the stream runs out or
    /// breaks the coder's invariants. Another coder or other parameters than the
    /// encoder's (which this headerless format cannot detect) decode to wrong symbols or
    /// a `CorruptStream` error, as a mismatched table does.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::compressai::{BufferedEncoder, StreamDecoder};
    /// use fastrans::ParametricCoder;
    ///
    /// // Two wavefronts, each a mixture of two Laplace laws a symbol, laid out (K, n).
    /// let coder = ParametricCoder::new("laplace", 12, Some(-32), Some(31))?;
    /// let (means, scales, weights) = ([0.0, 4.0, 1.0, 6.0], [1.0, 2.0, 0.5, 1.0], [0.3, 0.9, 0.7, 0.1]);
    /// let mut encoder = BufferedEncoder::new();
    /// encoder.push_parametric(&coder, &[0, 5], &means, &scales, Some(&weights))?;
    /// encoder.push_parametric(&coder, &[-32], &[0.0], &[3.0], None)?;
    /// let bytes = encoder.flush();
    ///
    /// let mut decoder = StreamDecoder::new(&bytes)?;
    /// let mut first = [0; 2];
    /// decoder.decode_parametric_into(&coder, &means, &scales, Some(&weights), &mut first)?;
    /// let mut second = [0; 1];
    /// decoder.decode_parametric_into(&coder, &[0.0], &[3.0], None, &mut second)?;
    /// assert_eq!((first, second), ([0, 5], [-32]));
    /// decoder.finish()?;
    /// # Ok(()) }
    /// ```
    pub fn decode_parametric_into(
        &mut self,
        coder: &ParametricCoder,
        means: &[f32],
        scales: &[f32],
        weights: Option<&[f32]>,
        out: &mut [i32],
    ) -> Result<()> {
        let n = out.len();
        let k = coder.check_params(n, means, scales, weights, "the symbols to decode")?;
        let spec = coder.spec;
        match weights {
            Some(weights) if k > 1 => {
                let laws = MixtureLaws {
                    k,
                    n,
                    means,
                    scales,
                    weights,
                };
                let symbols = &[];
                self.decode_steps(
                    &ModelLanes {
                        spec,
                        laws,
                        symbols,
                    },
                    out,
                )
            }
            _ => {
                let laws = SingleLaws { means, scales };
                let symbols = &[];
                self.decode_steps(
                    &ModelLanes {
                        spec,
                        laws,
                        symbols,
                    },
                    out,
                )
            }
        }
    }
}
