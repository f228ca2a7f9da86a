//! `ScaleCoder`: the hyperprior hot path. Floats in, bytes out, in one pass.
//!
//! A table whose rows stand for the scales of a scale table. Encoding turns
//! `values - means` into symbols (`f32` subtraction, then round half to even: exactly
//! `torch.round(y - means)`) and each scale into its row (bit-exact with CompressAI's
//! `build_indexes`, see `tables/scale_index.rs`) inside the coding loop, so no full-size symbol or index
//! array is ever made for the fastrans format. Decoding returns `symbol + mean` in `f32`
//! (CompressAI's `dequantize`).
//!
//! Bad inputs (NaN anywhere, non-finite values, rounded values outside `i32`) are noticed by
//! a branch-free pass over each block of a chunk's inputs just before it is coded (it
//! vectorises; see `lanes::CHECK_BLOCK`); the error is then located by a second, cold scan.
//! The scalar coding loop itself checks nothing; the AVX-512 kernels skip the pass and flag
//! bad inputs as they code them (`simd/avx512_scale.rs`, `lanes::ScaleRows`).
//! Scales map to rows through `tables/scale_index.rs`' `ScaleIndex`, inside the coding loop
//! (and, for the AVX2 encoder, straight to bins through `tables/scale_bins.rs`).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::format::{self, compressai};
use crate::lanes::traits::{Arrays, DecodeTarget, EncodeSource, ScaleRows, SourceArrays};
use crate::tables::{cdf_table::CdfTable, scale_bins::ScaleBins, scale_index::ScaleIndex};

/// Which stream a [`ScaleCoder`] writes or reads.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::StreamFormat;
///
/// assert_eq!(StreamFormat::parse("compressai")?, StreamFormat::CompressAi);
/// assert_ne!(StreamFormat::Fastrans, StreamFormat::CompressAi);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// Our framed, checksummed, parallel stream (`format/fastrans_stream.rs`).
    Fastrans,
    /// CompressAI's stream, byte-identical (`format/compressai.rs`).
    CompressAi,
}

impl StreamFormat {
    /// `"fastrans"` or `"compressai"`.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{Error, StreamFormat};
    ///
    /// assert_eq!(StreamFormat::parse("fastrans")?, StreamFormat::Fastrans);
    /// let err = StreamFormat::parse("FASTRANS").unwrap_err(); // names are lower case
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "fastrans" => Ok(StreamFormat::Fastrans),
            "compressai" => Ok(StreamFormat::CompressAi),
            other => Err(Error::invalid(format!(
                "format={other:?} is not a stream format: use \"fastrans\" or \"compressai\""
            ))),
        }
    }
}

/// `f32` round half to even (`torch.round`, `rint`) without SSE4.1: adding and removing
/// 2^23 rounds in the FPU's default mode; values at or above 2^23 are integers already.
#[inline(always)]
pub fn round_half_even(x: f32) -> f32 {
    const TWO23: f32 = 8_388_608.0;
    let a = x.abs();
    if a < TWO23 {
        ((a + TWO23) - TWO23).copysign(x)
    } else {
        x
    }
}

/// `true` when a rounded value converts to `i32` exactly (false for NaN). For any `f32`
/// `d`, `fits_i32(d) == fits_i32(round_half_even(d))`: floats near `2^31` are multiples
/// of 128, so rounding never crosses either end of the range.
#[inline(always)]
fn fits_i32(r: f32) -> bool {
    (-2_147_483_648.0..2_147_483_648.0).contains(&r)
}

/// A table whose rows stand for the entries of a scale table: floats in, bytes out.
///
/// Encoding codes `round(values - means)` (`f32` subtraction, round half to even) with
/// the row each scale maps to (CompressAI's `build_indexes`, see [`ScaleIndex`]), in one
/// pass and without a symbol or index array for the fastrans format; decoding returns
/// `symbol + mean`. [`ScaleCoder::table`] gives the table back.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use std::sync::Arc;
/// use fastrans::{parametric, ScaleCoder, StreamFormat};
///
/// let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
/// let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
/// let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
/// let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
/// assert_eq!(coder.table().num_tables(), 5);
///
/// let values = [0.2f32, -1.7, 3.4, 0.0, 12.0];
/// let scales = [0.3f32, 1.0, 2.5, 0.1, 4.0];
/// let means = [0.1f32, 0.0, 0.5, 0.0, 1.0];
/// let bytes = coder.encode(&values, &scales, Some(&means), StreamFormat::Fastrans, 0)?;
/// let decoded = coder.decode(&bytes, &scales, Some(&means), StreamFormat::Fastrans, 0)?;
/// let dequantized: Vec<f32> =
///     values.iter().zip(&means).map(|(v, m)| (v - m).round_ties_even() + m).collect();
/// assert_eq!(decoded, dequantized);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScaleCoder {
    table: Arc<CdfTable>,
    index: ScaleIndex,
    /// The lookup's bins over `table` (`tables/scale_bins.rs`), for the AVX2 encoder.
    bins: Option<ScaleBins>,
}

/// Floats as an [`EncodeSource`].
struct FloatSource<'a> {
    values: &'a [f32],
    scales: &'a [f32],
    means: Option<&'a [f32]>,
    index: &'a ScaleIndex,
    bins: Option<&'a ScaleBins>,
}

/// `round_half_even(d) as i32` for `d` that fits `i32`. Below `2^22` in magnitude,
/// `d + 1.5 * 2^23` lands in `[2^23, 2^24)`, where floats are the integers: the addition
/// itself rounds half to even, and the integer sits in the low mantissa bits.
#[inline(always)]
pub(crate) fn symbol_of(d: f32) -> i32 {
    if d.abs() < SMALL {
        small_symbol_of(d)
    } else {
        round_half_even(d) as i32
    }
}

/// Below this magnitude [`small_symbol_of`] is exact: 2^22.
pub(crate) const SMALL: f32 = 4_194_304.0;

/// [`symbol_of`] for `|d| < SMALL`.
#[inline(always)]
pub(crate) fn small_symbol_of(d: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23, bits 0x4B40_0000
    (d + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32
}

/// `true` when no element of `flags` is set, without a branch per element.
#[inline(always)]
fn none_set(flags: impl Iterator<Item = bool>) -> bool {
    !flags.fold(false, |any, f| any | f)
}

impl EncodeSource for FloatSource<'_> {
    fn check(&self, start: usize, len: usize) -> Result<()> {
        let (v, sc) = (
            &self.values[start..start + len],
            &self.scales[start..start + len],
        );
        // fits_i32(d) == fits_i32(round(d)) for every f32 d (see fits_i32).
        let ok = match self.means {
            Some(m) => none_set(
                v.iter()
                    .zip(&m[start..start + len])
                    .zip(sc)
                    .map(|((&v, &m), &s)| !fits_i32(v - m) | s.is_nan()),
            ),
            None => none_set(v.iter().zip(sc).map(|(&v, &s)| !fits_i32(v) | s.is_nan())),
        };
        if ok {
            Ok(())
        } else {
            Err(first_bad_input(
                self.values,
                self.scales,
                self.means,
                start,
                len,
            ))
        }
    }
    #[inline(always)]
    fn get(&self, i: usize) -> (i32, usize) {
        let mean = match self.means {
            Some(m) => m[i],
            None => 0.0,
        };
        (
            symbol_of(self.values[i] - mean),
            self.index.get(self.scales[i]),
        )
    }
    #[inline(always)]
    fn get_round<const N: usize>(&self, base: usize, syms: &mut [i32; N], rows: &mut [usize; N]) {
        let v = &self.values[base..base + N];
        let mut d = [0f32; N];
        match self.means {
            Some(m) => {
                for ((d, &v), &m) in d.iter_mut().zip(v).zip(&m[base..base + N]) {
                    *d = v - m;
                }
            }
            None => d.copy_from_slice(v),
        }
        // The magic-number rounding for the whole round at once (branch-free, it
        // vectorises); the rare round holding a large difference goes element by element.
        if none_set(d.iter().map(|d| d.abs() >= SMALL)) {
            for (o, &d) in syms.iter_mut().zip(&d) {
                *o = small_symbol_of(d);
            }
        } else {
            for (o, &d) in syms.iter_mut().zip(&d) {
                *o = symbol_of(d);
            }
        }
        self.index.get_all(&self.scales[base..base + N], rows);
    }
    fn arrays(&self) -> Option<SourceArrays<'_>> {
        Some(SourceArrays(Arrays::Floats {
            values: self.values,
            means: self.means,
            rows: ScaleRows {
                scales: self.scales,
                means: None,
                lookup: self.index.one_compare()?,
            },
            bins: self.bins,
        }))
    }
    #[inline(always)]
    fn prefetch(&self, pos: usize) {
        crate::simd::prefetch::line(self.values, pos);
        if let Some(m) = self.means {
            crate::simd::prefetch::line(m, pos);
        }
        crate::simd::prefetch::line(self.scales, pos);
    }
}

/// Scales and means as a [`DecodeTarget`] producing `symbol + mean`.
struct FloatTarget<'a> {
    scales: &'a [f32],
    means: Option<&'a [f32]>,
    index: &'a ScaleIndex,
}

impl DecodeTarget for FloatTarget<'_> {
    type Out = f32;
    fn check(&self, start: usize, len: usize) -> Result<()> {
        let sc = &self.scales[start..start + len];
        let ok = match self.means {
            Some(m) => none_set(
                sc.iter()
                    .zip(&m[start..start + len])
                    .map(|(&s, &m)| s.is_nan() | m.is_nan()),
            ),
            None => none_set(sc.iter().map(|s| s.is_nan())),
        };
        if ok {
            Ok(())
        } else {
            Err(first_bad_input(&[], self.scales, self.means, start, len))
        }
    }
    #[inline(always)]
    fn row(&self, i: usize) -> usize {
        self.index.get(self.scales[i])
    }
    #[inline(always)]
    fn rows<const N: usize>(&self, base: usize, rows: &mut [usize; N]) {
        self.index.get_all(&self.scales[base..base + N], rows);
    }
    #[inline(always)]
    fn scale_rows(&self) -> Option<ScaleRows<'_>> {
        self.index.one_compare().map(|lookup| ScaleRows {
            scales: self.scales,
            means: self.means,
            lookup,
        })
    }
    #[inline(always)]
    fn prefetch(&self, pos: usize) {
        crate::simd::prefetch::line(self.scales, pos);
        if let Some(m) = self.means {
            crate::simd::prefetch::line(m, pos);
        }
    }
    #[inline(always)]
    fn value(&self, i: usize, symbol: i32) -> f32 {
        match self.means {
            Some(m) => symbol as f32 + m[i],
            None => symbol as f32,
        }
    }
    #[inline(always)]
    fn values<const N: usize>(&self, base: usize, symbols: &[i32; N]) -> [f32; N] {
        let mut out = [0f32; N];
        match self.means {
            Some(m) => {
                for ((o, &s), &m) in out.iter_mut().zip(symbols).zip(&m[base..base + N]) {
                    *o = s as f32 + m;
                }
            }
            None => {
                for (o, &s) in out.iter_mut().zip(symbols) {
                    *o = s as f32;
                }
            }
        }
        out
    }
}

/// The error for the first bad element in `start..start + len` (values may be empty).
#[cold]
fn first_bad_input(
    values: &[f32],
    scales: &[f32],
    means: Option<&[f32]>,
    start: usize,
    len: usize,
) -> Error {
    for i in start..start + len {
        if scales[i].is_nan() {
            return Error::invalid(format!("scales[{i}] is NaN: scales must be numbers"));
        }
        let mean = means.map_or(0.0, |m| m[i]);
        if mean.is_nan() {
            return Error::invalid(format!("means[{i}] is NaN: means must be numbers"));
        }
        if let Some(&v) = values.get(i) {
            if v.is_nan() {
                return Error::invalid(format!("values[{i}] is NaN: values must be numbers"));
            }
            if !v.is_finite() {
                return Error::invalid(format!("values[{i}] = {v} is not finite"));
            }
            if !fits_i32(round_half_even(v - mean)) {
                return Error::invalid(format!(
                    "values[{i}] - means[{i}] = {} rounds outside the int32 range: \
                     symbols must fit int32",
                    v - mean
                ));
            }
        }
    }
    Error::invalid("bad input (location not found)")
}

/// [`ScaleIndex::rows_into`], eight scales a vector where the CPU has AVX-512 or AVX2 and
/// `FASTRANS_SIMD` allows it (`simd/avx512_scale.rs`, the lookup the AVX-512 coders run
/// inside their loops; `simd/avx2_scale.rs`), the same rows and the same error either
/// way. With `finite`, infinite scales are refused too
/// ([`ScaleIndex::rows_into_checked`]).
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{scale_rows_into, Error, ScaleIndex};
///
/// let index = ScaleIndex::new(&[0.11, 0.5, 1.0, 4.0], 0.11)?;
/// let scales: Vec<f32> = (0..100).map(|i| i as f32 * 0.05).collect();
/// let (mut fast, mut plain) = (vec![0; 100], vec![0; 100]);
/// scale_rows_into(&index, &scales, &mut fast, true)?;
/// index.rows_into_checked(&scales, &mut plain, true)?;
/// assert_eq!(fast, plain);
///
/// let err = scale_rows_into(&index, &[f32::INFINITY], &mut fast[..1], true).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(_)));
/// # Ok(()) }
/// ```
pub fn scale_rows_into(
    index: &ScaleIndex,
    scales: &[f32],
    out: &mut [i32],
    finite: bool,
) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if scales.len() == out.len() {
        if let Some(lookup) = index.one_compare() {
            let rows = ScaleRows {
                scales,
                means: None,
                lookup,
            };
            let bad = if crate::simd::avx512_allowed() {
                // SAFETY: `avx512_allowed` checked that the CPU has AVX-512 F and VL.
                unsafe { crate::simd::avx512_scale::rows_into(rows, out, finite) }
            } else if crate::simd::avx2_allowed() {
                // SAFETY: `avx2_allowed` checked that the CPU has AVX2.
                unsafe { crate::simd::avx2_scale::rows_into(rows, out, finite) }
            } else {
                None
            };
            match bad {
                Some(false) => return Ok(()),
                // The error names the first bad scale, as the scalar lookup's does.
                Some(true) => {
                    return Err(crate::tables::scale_index::first_bad_scale(scales, finite))
                }
                None => {}
            }
        }
    }
    index.rows_into_checked(scales, out, finite)
}

fn check_len(what: &str, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::invalid(format!(
            "{what} has {got} elements but values/scales have {want}: give one per element"
        )));
    }
    Ok(())
}

impl ScaleCoder {
    /// A coder for `table`, whose row `i` stands for scale `scale_table[i]`; scales below
    /// `scale_bound` code with the bound's row.
    ///
    /// REQUIRES: `scale_table` has one finite entry per table row, `scale_bound` finite
    /// (an [`Error::InvalidArgument`] otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use std::sync::Arc;
    /// use fastrans::{parametric, Error, ScaleCoder};
    ///
    /// let scale_table = [0.11f32, 0.5, 1.0];
    /// let table = Arc::new(parametric::gaussian_table(&[0.11, 0.5, 1.0], 16, 1e-9)?);
    /// let coder = ScaleCoder::new(Arc::clone(&table), &scale_table, 0.11)?;
    /// assert_eq!(coder.table().num_tables(), 3);
    ///
    /// let err = ScaleCoder::new(table, &scale_table[..2], 0.11).unwrap_err(); // 2 scales, 3 rows
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn new(table: Arc<CdfTable>, scale_table: &[f32], scale_bound: f32) -> Result<Self> {
        if scale_table.len() != table.num_tables() {
            return Err(Error::invalid(format!(
                "scale_table has {} entries but the table has {} rows: give one scale per row",
                scale_table.len(),
                table.num_tables()
            )));
        }
        let index = ScaleIndex::new(scale_table, scale_bound)?;
        let bins = index.one_compare().and_then(|l| ScaleBins::new(l, &table));
        Ok(ScaleCoder { table, index, bins })
    }

    /// The table the coder codes with.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use std::sync::Arc;
    /// # use fastrans::{parametric, ScaleCoder, StreamFormat};
    /// # let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
    /// # let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
    /// # let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
    /// # let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
    /// // The same rows as the coder's fused path, for the integer coders.
    /// let rows = coder.indexes(&[0.3, 3.0])?;
    /// let bytes = fastrans::compressai::encode(coder.table(), &[1, -2], &rows)?;
    /// let decoded = coder.decode(&bytes, &[0.3, 3.0], None, StreamFormat::CompressAi, 1)?;
    /// assert_eq!(decoded, [1.0, -2.0]);
    /// # Ok(()) }
    /// ```
    pub fn table(&self) -> &Arc<CdfTable> {
        &self.table
    }

    /// The row of every scale (what `scale_indexes` returns), NaN refused.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use std::sync::Arc;
    /// # use fastrans::{parametric, ScaleCoder, StreamFormat};
    /// # let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
    /// # let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
    /// # let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
    /// # let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
    /// // Scale table [0.11, 0.5, 1.0, 2.0, 4.0], bound 0.11.
    /// assert_eq!(coder.indexes(&[0.05, 0.7, 2.0, 100.0])?, [0, 2, 3, 4]);
    /// let err = coder.indexes(&[f32::NAN]).unwrap_err();
    /// assert!(matches!(err, fastrans::Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn indexes(&self, scales: &[f32]) -> Result<Vec<i32>> {
        let mut rows = vec![0i32; scales.len()];
        scale_rows_into(&self.index, scales, &mut rows, false)?;
        Ok(rows)
    }

    /// Encode `round(values - means)` with the rows of `scales` (`means` absent: zero) into
    /// `format`'s stream. `threads` as in [`format::encode`] (the fastrans format only).
    /// A NaN, an infinite value or a symbol outside `i32` is an
    /// [`Error::InvalidArgument`].
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use std::sync::Arc;
    /// # use fastrans::{parametric, ScaleCoder, StreamFormat};
    /// # let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
    /// # let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
    /// # let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
    /// # let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
    /// let (values, scales) = ([0.4f32, -2.6, 1.5], [0.5f32, 1.0, 2.0]);
    /// let bytes = coder.encode(&values, &scales, None, StreamFormat::CompressAi, 1)?;
    /// // CompressAI's stream of the rounded symbols, byte for byte.
    /// let rows = coder.indexes(&scales)?;
    /// assert_eq!(bytes, fastrans::compressai::encode(coder.table(), &[0, -3, 2], &rows)?);
    ///
    /// let err = coder.encode(&[f32::NAN], &[1.0], None, StreamFormat::Fastrans, 1).unwrap_err();
    /// assert!(matches!(err, fastrans::Error::InvalidArgument(_)));
    /// # Ok(()) }
    /// ```
    pub fn encode(
        &self,
        values: &[f32],
        scales: &[f32],
        means: Option<&[f32]>,
        format: StreamFormat,
        threads: usize,
    ) -> Result<Vec<u8>> {
        let n = values.len();
        check_len("scales", scales.len(), n)?;
        if let Some(m) = means {
            check_len("means", m.len(), n)?;
        }
        let src = FloatSource {
            values,
            scales,
            means,
            index: &self.index,
            bins: self.bins.as_ref(),
        };
        match format {
            StreamFormat::Fastrans => format::encode_with(&self.table, &src, n, threads),
            StreamFormat::CompressAi => {
                src.check(0, n)?;
                let (symbols, rows): (Vec<i32>, Vec<i32>) = (0..n)
                    .map(|i| {
                        let (s, r) = src.get(i);
                        (s, r as i32)
                    })
                    .unzip();
                compressai::encode(&self.table, &symbols, &rows)
            }
        }
    }

    /// Decode to `symbol + mean` (f32), one per scale: `scales` and `means` must be the
    /// encoder's.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use std::sync::Arc;
    /// # use fastrans::{parametric, ScaleCoder, StreamFormat};
    /// # let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
    /// # let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
    /// # let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
    /// # let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
    /// let (scales, means) = ([1.0f32, 2.0, 4.0], [0.25f32, -0.5, 10.0]);
    /// let fmt = StreamFormat::Fastrans;
    /// let bytes = coder.encode(&[1.0, -3.0, 17.2], &scales, Some(&means), fmt, 1)?;
    /// let decoded = coder.decode(&bytes, &scales, Some(&means), fmt, 1)?;
    /// assert_eq!(decoded, [1.25, -2.5, 17.0]);
    ///
    /// // Another table: the fastrans header's fingerprint tells.
    /// let laplace = Arc::new(parametric::laplace_table(&scales_f64, 16, 1e-9)?);
    /// let other = ScaleCoder::new(laplace, &scale_table, 0.11)?;
    /// let err = other.decode(&bytes, &scales, Some(&means), fmt, 1).unwrap_err();
    /// assert!(matches!(err, fastrans::Error::TableMismatch(_)));
    /// # Ok(()) }
    /// ```
    pub fn decode(
        &self,
        data: &[u8],
        scales: &[f32],
        means: Option<&[f32]>,
        format: StreamFormat,
        threads: usize,
    ) -> Result<Vec<f32>> {
        let n = scales.len();
        let tgt = self.target(scales, means)?;
        match format {
            StreamFormat::Fastrans => format::decode_with(&self.table, data, &tgt, n, threads),
            StreamFormat::CompressAi => {
                let symbols = self.compressai_symbols(data, &tgt, n)?;
                Ok(symbols
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| tgt.value(i, s))
                    .collect())
            }
        }
    }

    /// [`ScaleCoder::decode`] into `out`, one element per scale, so a batch decodes each
    /// item into its own row of one array.
    ///
    /// Bad arguments are refused before `out` is touched; on a damaged stream `out` holds
    /// unspecified values.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// # use std::sync::Arc;
    /// # use fastrans::{parametric, ScaleCoder, StreamFormat};
    /// # let scale_table = [0.11f32, 0.5, 1.0, 2.0, 4.0];
    /// # let scales_f64: Vec<f64> = scale_table.iter().map(|&s| f64::from(s)).collect();
    /// # let table = Arc::new(parametric::gaussian_table(&scales_f64, 16, 1e-9)?);
    /// # let coder = ScaleCoder::new(table, &scale_table, 0.11)?;
    /// let fmt = StreamFormat::CompressAi;
    /// let scales = [1.0f32, 2.0, 4.0];
    /// let bytes = coder.encode(&[1.0, -3.0, 17.2], &scales, None, fmt, 1)?;
    /// let mut batch = [f32::NAN; 6];
    /// coder.decode_into(&bytes, &scales, None, fmt, 1, &mut batch[3..])?;
    /// assert_eq!(batch[3..], [1.0, -3.0, 17.0]);
    ///
    /// // A wrong-sized `out` is refused and left as it was.
    /// let err = coder.decode_into(&bytes, &scales, None, fmt, 1, &mut batch[..2]);
    /// assert!(matches!(err, Err(fastrans::Error::InvalidArgument(_))));
    /// assert!(batch[0].is_nan());
    /// # Ok(()) }
    /// ```
    pub fn decode_into(
        &self,
        data: &[u8],
        scales: &[f32],
        means: Option<&[f32]>,
        format: StreamFormat,
        threads: usize,
        out: &mut [f32],
    ) -> Result<()> {
        let n = scales.len();
        check_len("out", out.len(), n)?;
        let tgt = self.target(scales, means)?;
        match format {
            StreamFormat::Fastrans => format::decode_into(&self.table, data, &tgt, out, threads),
            StreamFormat::CompressAi => {
                let symbols = self.compressai_symbols(data, &tgt, n)?;
                for (i, (o, &s)) in out.iter_mut().zip(&symbols).enumerate() {
                    *o = tgt.value(i, s);
                }
                Ok(())
            }
        }
    }

    /// The decoder's target for `scales` (and `means`, one per scale).
    fn target<'a>(
        &'a self,
        scales: &'a [f32],
        means: Option<&'a [f32]>,
    ) -> Result<FloatTarget<'a>> {
        if let Some(m) = means {
            check_len("means", m.len(), scales.len())?;
        }
        Ok(FloatTarget {
            scales,
            means,
            index: &self.index,
        })
    }

    /// The symbols of a CompressAI stream, each with the row of its scale.
    fn compressai_symbols(&self, data: &[u8], tgt: &FloatTarget<'_>, n: usize) -> Result<Vec<i32>> {
        tgt.check(0, n)?;
        let rows: Vec<i32> = (0..n).map(|i| tgt.row(i) as i32).collect();
        compressai::decode(&self.table, data, &rows)
    }
}

#[cfg(test)]
mod tests;
