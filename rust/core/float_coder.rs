//! Floats in, floats out, with the table rows given: the rounding the entropy models would
//! otherwise do in torch, in the same native call as the coding.
//!
//! An entropy model codes `round(values - offsets)` (round half to even, `torch.round`)
//! with a row per position, and decodes back to `symbol + offset`. [`ScaleCoder`] does this
//! when rows come from scales; here the rows are already known: an index per position
//! ([`Rows::Indexes`], a conditional model called with indexes of its own making), or the
//! channel of each position ([`Rows::Channels`], a factorized model whose rows are its
//! channels). Offsets are none, one per position ([`Offsets::Means`]) or one per channel
//! ([`Offsets::Medians`]).
//!
//! Encoding checks and rounds a [`CHECK_BLOCK`] at a time into one symbol array, then
//! codes it with the table coder's own array source, so the bytes are the table coder's
//! in both formats by construction. The symbols are not made inside the coding loop, as
//! `ScaleCoder`'s are: the vector encoders read plain symbol and row arrays directly, and
//! feeding them a round at a time through `EncodeSource::get_round` made coding slower
//! than the rounding pass it saved.
//! Decoding writes `symbol + offset` straight into the caller's floats
//! ([`DecodeTarget`]). The rounding is `scale_coder`'s (the same helpers), bit for bit
//! `torch.round` of the `f32` difference.
//!
//! [`ScaleCoder`]: crate::ScaleCoder

use crate::error::{Error, Result};
use crate::format;
use crate::format::compressai;
use crate::lanes::traits::{DecodeTarget, CHECK_BLOCK};
use crate::scale_coder::{round_half_even, small_symbol_of, symbol_of, StreamFormat, SMALL};
use crate::tables::cdf_table::CdfTable;

/// Which table row codes each position.
///
/// ```
/// use fastrans::{encode_floats, CdfTable, Offsets, Rows, StreamFormat};
///
/// // Three rows; two items of three channels with a plane of one position: the rows
/// // are 0, 1, 2, 0, 1, 2, as explicit indexes would give them.
/// let table = CdfTable::from_pmfs(&[0.5, 0.5].repeat(3), 2, &[2; 3], &[0.0; 3], &[0; 3], 16)
///     .unwrap();
/// let values = [0.0f32, 1.0, 0.2, 1.4, 0.0, 1.0];
/// let by_channel = Rows::Channels { channels: 3, plane: 1 };
/// let given = Rows::Indexes(&[0, 1, 2, 0, 1, 2]);
/// let a = encode_floats(&table, &values, by_channel, Offsets::None, 1 << 30, StreamFormat::Fastrans, 1);
/// let b = encode_floats(&table, &values, given, Offsets::None, 1 << 30, StreamFormat::Fastrans, 1);
/// assert_eq!(a.unwrap(), b.unwrap());
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Position `i` is coded with row `indexes[i]` (one index per position).
    Indexes(&'a [i32]),
    /// Items laid out `(channels, plane)`, one after another: position `i` is coded with
    /// row `(i / plane) % channels`, its channel. The positions must be whole items.
    Channels {
        /// Channels of an item (rows `0..channels` of the table).
        channels: usize,
        /// Positions of one channel of an item.
        plane: usize,
    },
}

/// What is subtracted from each value before rounding, and added back after decoding.
///
/// ```
/// use fastrans::{encode_floats, CdfTable, Offsets, Rows, StreamFormat};
///
/// // Medians are one mean per channel: the same symbols, the same bytes.
/// let table = CdfTable::from_pmfs(&[0.25, 0.5, 0.25], 3, &[3], &[0.0], &[-1], 16).unwrap();
/// let rows = Rows::Channels { channels: 1, plane: 3 };
/// let values = [0.9f32, -0.4, 0.1];
/// let medians = Offsets::Medians(&[0.5]);
/// let means = Offsets::Means(&[0.5, 0.5, 0.5]);
/// let a = encode_floats(&table, &values, rows, medians, 1 << 30, StreamFormat::CompressAi, 1);
/// let b = encode_floats(&table, &values, rows, means, 1 << 30, StreamFormat::CompressAi, 1);
/// assert_eq!(a.unwrap(), b.unwrap());
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Offsets<'a> {
    /// Nothing: the symbol is `round(value)`.
    None,
    /// One offset per position (a conditional model's means).
    Means(&'a [f32]),
    /// One offset per channel (a factorized model's medians); needs [`Rows::Channels`].
    Medians(&'a [f32]),
}

/// The rows and offsets of `n` positions, checked against each other and the table.
#[derive(Clone, Copy)]
struct Layout<'a> {
    rows: Rows<'a>,
    offsets: Offsets<'a>,
}

/// The channel of position `i` (`plane > 0`, `channels > 0`).
#[inline(always)]
fn channel(i: usize, channels: usize, plane: usize) -> usize {
    (i / plane) % channels
}

impl<'a> Layout<'a> {
    /// Checks the lengths against `n` positions and the rows against the table: the
    /// errors the table coder gives for them, before any position is read.
    fn new(table: &CdfTable, rows: Rows<'a>, offsets: Offsets<'a>, n: usize) -> Result<Self> {
        match rows {
            Rows::Indexes(ix) => {
                check_len("indexes", ix.len(), n)?;
                if let Offsets::Medians(_) = offsets {
                    return Err(Error::invalid(
                        "per-channel offsets (medians) need rows by channel: give \
                         Rows::Channels, or one mean per position",
                    ));
                }
                table.check_indexes(ix)?;
            }
            Rows::Channels { channels, plane } => {
                let item = channels.checked_mul(plane).ok_or_else(|| {
                    Error::invalid(format!(
                        "channels = {channels} times plane = {plane} overflows"
                    ))
                })?;
                // (Only 0 is a multiple of 0: no positions without items.)
                if !n.is_multiple_of(item) {
                    return Err(Error::invalid(format!(
                        "{n} positions are not whole items of channels = {channels} \
                         times plane = {plane}"
                    )));
                }
                // The first position with a channel beyond the table, reported as the
                // table coder reports a bad index.
                let rows_n = table.num_tables();
                if n > 0 && channels > rows_n {
                    return Err(Error::invalid(format!(
                        "indexes[{}] = {rows_n} is out of range: the table has {rows_n} rows \
                         (0..{rows_n})",
                        rows_n * plane
                    )));
                }
                if let Offsets::Medians(m) = offsets {
                    if m.len() != channels {
                        return Err(Error::invalid(format!(
                            "medians has {} elements but there are {channels} channels: \
                             give one per channel",
                            m.len()
                        )));
                    }
                }
            }
        }
        if let Offsets::Means(m) = offsets {
            check_len("means", m.len(), n)?;
        }
        Ok(Layout { rows, offsets })
    }

    /// Row of position `i`.
    #[inline(always)]
    fn row(&self, i: usize) -> usize {
        match self.rows {
            Rows::Indexes(ix) => ix[i] as usize,
            Rows::Channels { channels, plane } => channel(i, channels, plane),
        }
    }

    /// Offset of position `i`.
    #[inline(always)]
    fn offset(&self, i: usize) -> f32 {
        match self.offsets {
            Offsets::None => 0.0,
            Offsets::Means(m) => m[i],
            // A position's row is its channel (see `Layout::by_index`).
            Offsets::Medians(m) => m[self.row(i)],
        }
    }

    /// This layout with its rows as an index array (`rows`, from [`row_array`]), for the
    /// decoder: a row a load rather than a division. Medians stay per row, which is
    /// per channel, so only this crate makes such a layout with medians.
    fn by_index<'b>(&self, rows: &'b [i32]) -> Layout<'b>
    where
        'a: 'b,
    {
        Layout {
            rows: Rows::Indexes(rows),
            offsets: self.offsets,
        }
    }

    /// `value - offset` of position `i`: no subtraction without offsets, so the
    /// difference is the value itself, as the torch path has it.
    #[inline(always)]
    fn diff(&self, i: usize, v: f32) -> f32 {
        match self.offsets {
            Offsets::None => v,
            _ => v - self.offset(i),
        }
    }

    /// Rows of positions `base .. base + N`: by channel, one division a round rather than
    /// one a position.
    #[inline(always)]
    fn rows_of<const N: usize>(&self, base: usize, rows: &mut [usize; N]) {
        match self.rows {
            Rows::Indexes(ix) => {
                for (r, &i) in rows.iter_mut().zip(&ix[base..base + N]) {
                    *r = i as usize;
                }
            }
            Rows::Channels { channels, plane } => {
                let (mut c, mut p) = ((base / plane) % channels, base % plane);
                for r in rows.iter_mut() {
                    *r = c;
                    p += 1;
                    if p == plane {
                        p = 0;
                        c += 1;
                        if c == channels {
                            c = 0;
                        }
                    }
                }
            }
        }
    }

    /// Offsets of positions `base .. base + N`, given their rows (a channel's median is
    /// its row's).
    #[inline(always)]
    fn offsets_of<const N: usize>(&self, base: usize, rows: &[usize; N]) -> [f32; N] {
        match self.offsets {
            Offsets::None => [0.0; N],
            Offsets::Means(m) => {
                let mut o = [0f32; N];
                o.copy_from_slice(&m[base..base + N]);
                o
            }
            Offsets::Medians(m) => std::array::from_fn(|k| m[rows[k]]),
        }
    }
}

fn check_len(what: &str, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::invalid(format!(
            "{what} has {got} elements but there are {want} positions: give one per position"
        )));
    }
    Ok(())
}

/// The largest `f32` at most `max_symbol` (and at most `i32::MAX`): `|round(d)|` may not
/// exceed it. Rounded values are integers, so comparing with it is comparing with
/// `max_symbol` exactly, and everything it admits converts to `i32`.
fn symbol_limit(max_symbol: u32) -> f32 {
    let m = max_symbol.min(i32::MAX as u32);
    let lim = m as f32;
    if lim as u64 > m as u64 {
        f32::from_bits(lim.to_bits() - 1)
    } else {
        lim
    }
}

/// The largest `f32` `t` with `round_half_even(t) <= lim` (`lim` a float
/// [`symbol_limit`] gave): `|round(d)| <= lim` exactly when `|d| <= t`, since rounding is
/// monotone and odd, so the block check is one comparison a position (it vectorises).
/// The answer lies within a float or two of `lim + 0.5`, where the search starts.
fn diff_limit(lim: f32) -> f32 {
    let mut t = (f64::from(lim) + 0.5) as f32;
    while round_half_even(t) > lim {
        t = f32::from_bits(t.to_bits() - 1);
    }
    loop {
        let up = f32::from_bits(t.to_bits() + 1);
        if round_half_even(up) > lim {
            return t;
        }
        t = up;
    }
}

/// Values, rows and offsets, turned into symbols. REQUIRES: a checked [`Layout`] of
/// `values.len()` positions.
struct FloatSource<'a> {
    values: &'a [f32],
    layout: Layout<'a>,
    /// [`diff_limit`] of `max`: the largest `|value - offset|` allowed.
    limit: f32,
    /// The caller's bound, at most `i32::MAX` (for messages).
    max: u32,
}

/// `true` when no element of `flags` is set, without a branch per element.
#[inline(always)]
fn none_set(flags: impl Iterator<Item = bool>) -> bool {
    !flags.fold(false, |any, f| any | f)
}

impl FloatSource<'_> {
    /// `true` when `d` rounds to a symbol within the limit (false for NaN and infinity).
    #[inline(always)]
    fn fits(&self, d: f32) -> bool {
        d.abs() <= self.limit
    }

    /// The error for the first bad position in `start..start + len`.
    #[cold]
    fn first_bad(&self, start: usize, len: usize) -> Error {
        for i in start..start + len {
            let v = self.values[i];
            let o = self.layout.offset(i);
            let what = match self.layout.offsets {
                Offsets::Medians(_) => "medians",
                _ => "means",
            };
            if v.is_nan() {
                return Error::invalid(format!("values[{i}] is NaN: values must be numbers"));
            }
            if o.is_nan() {
                return Error::invalid(format!(
                    "the offset of position {i} ({what}) is NaN: offsets must be numbers"
                ));
            }
            if !v.is_finite() {
                return Error::invalid(format!("values[{i}] = {v} is not finite"));
            }
            if !o.is_finite() {
                return Error::invalid(format!(
                    "the offset of position {i} ({what}) = {o} is not finite"
                ));
            }
            let d = self.layout.diff(i, v);
            if !self.fits(d) {
                return Error::invalid(format!(
                    "values[{i}] less its offset = {d} rounds to a symbol beyond ±{}: \
                     symbols must stay within it",
                    self.max
                ));
            }
        }
        Error::invalid("bad input (location not found)")
    }
}

impl FloatSource<'_> {
    /// The error for the first unusable position in `start..start + len`, if any: one
    /// branch-free pass (it vectorises), the position looked up only on failure.
    fn check(&self, start: usize, len: usize) -> Result<()> {
        let v = &self.values[start..start + len];
        let ok = match self.layout.offsets {
            Offsets::None => none_set(v.iter().map(|&v| !self.fits(v))),
            Offsets::Means(m) => none_set(
                v.iter()
                    .zip(&m[start..start + len])
                    .map(|(&v, &m)| !self.fits(v - m)),
            ),
            Offsets::Medians(m) => {
                let mut ok = true;
                self.channel_runs(start, len, |pos, run, c| {
                    let median = m[c];
                    let vals = &self.values[pos..pos + run];
                    ok &= none_set(vals.iter().map(|&v| !self.fits(v - median)));
                });
                ok
            }
        };
        if ok {
            Ok(())
        } else {
            Err(self.first_bad(start, len))
        }
    }

    /// `f(pos, run, channel)` for each run of one channel's positions in
    /// `start..start + len` (no division a position). Nothing for rows by index.
    #[inline(always)]
    fn channel_runs(&self, start: usize, len: usize, mut f: impl FnMut(usize, usize, usize)) {
        if let Rows::Channels { channels, plane } = self.layout.rows {
            let (mut pos, end) = (start, start + len);
            while pos < end {
                let run = (plane - pos % plane).min(end - pos);
                f(pos, run, channel(pos, channels, plane));
                pos += run;
            }
        }
    }

    /// Every position's symbol, or the first bad position's error. Checked and rounded a
    /// [`CHECK_BLOCK`] at a time, so a block is still in cache when it is rounded, and
    /// the first failing block names the first bad position of all.
    fn symbols(&self) -> Result<Vec<i32>> {
        let n = self.values.len();
        let mut out = vec![0i32; n];
        for start in (0..n).step_by(CHECK_BLOCK) {
            let len = CHECK_BLOCK.min(n - start);
            self.check(start, len)?;
            let (v, o) = (
                &self.values[start..start + len],
                &mut out[start..start + len],
            );
            match self.layout.offsets {
                Offsets::None => round_into(o, v.iter().copied()),
                Offsets::Means(m) => round_into(
                    o,
                    v.iter().zip(&m[start..start + len]).map(|(&v, &m)| v - m),
                ),
                Offsets::Medians(m) => self.channel_runs(start, len, |pos, run, c| {
                    let median = m[c];
                    let vals = &self.values[pos..pos + run];
                    let o = &mut o[pos - start..pos - start + run];
                    round_into(o, vals.iter().map(|&v| v - median));
                }),
            }
        }
        Ok(out)
    }
}

/// The symbols of differences `d` that passed the check (so they fit `i32`), into `out`.
/// As in `scale_coder`: the magic-number rounding, branch-free (it vectorises), unless a
/// difference is too large for it.
#[inline(always)]
fn round_into(out: &mut [i32], d: impl Iterator<Item = f32> + Clone) {
    if none_set(d.clone().map(|d| d.abs() >= SMALL)) {
        for (o, d) in out.iter_mut().zip(d) {
            *o = small_symbol_of(d);
        }
    } else {
        for (o, d) in out.iter_mut().zip(d) {
            *o = symbol_of(d);
        }
    }
}

/// Rows and offsets as a [`DecodeTarget`] producing `symbol + offset` (`f32`). REQUIRES: a
/// checked [`Layout`].
struct FloatTarget<'a>(Layout<'a>);

impl DecodeTarget for FloatTarget<'_> {
    type Out = f32;
    fn check(&self, _start: usize, _len: usize) -> Result<()> {
        // Rows were checked whole by `Layout::new`; offsets are added as they are (a NaN
        // offset gives NaN, as torch's addition does).
        Ok(())
    }
    #[inline(always)]
    fn row(&self, i: usize) -> usize {
        self.0.row(i)
    }
    #[inline(always)]
    fn rows<const N: usize>(&self, base: usize, rows: &mut [usize; N]) {
        self.0.rows_of(base, rows);
    }
    #[inline(always)]
    fn prefetch(&self, pos: usize) {
        if let Offsets::Means(m) = self.0.offsets {
            crate::simd::prefetch::line(m, pos);
        }
        if let Rows::Indexes(ix) = self.0.rows {
            crate::simd::prefetch::line(ix, pos);
        }
    }
    #[inline(always)]
    fn value(&self, i: usize, symbol: i32) -> f32 {
        match self.0.offsets {
            Offsets::None => symbol as f32,
            _ => symbol as f32 + self.0.offset(i),
        }
    }
    #[inline(always)]
    fn values<const N: usize>(&self, base: usize, symbols: &[i32; N]) -> [f32; N] {
        match self.0.offsets {
            Offsets::None => std::array::from_fn(|k| symbols[k] as f32),
            Offsets::Means(m) => {
                let m = &m[base..base + N];
                std::array::from_fn(|k| symbols[k] as f32 + m[k])
            }
            Offsets::Medians(_) => {
                let mut rows = [0usize; N];
                self.0.rows_of(base, &mut rows);
                let o = self.0.offsets_of(base, &rows);
                std::array::from_fn(|k| symbols[k] as f32 + o[k])
            }
        }
    }
}

/// The row of every position as `i32`, what CompressAI's coder takes (borrowed when given).
fn row_array<'a>(layout: &Layout<'a>, n: usize) -> std::borrow::Cow<'a, [i32]> {
    match layout.rows {
        Rows::Indexes(ix) => std::borrow::Cow::Borrowed(ix),
        // Channels fit i32: `Layout::new` checked them against the table's rows, and
        // `n` is whole items.
        Rows::Channels { channels, plane } => {
            let mut rows = Vec::with_capacity(n);
            while rows.len() < n {
                for c in 0..channels {
                    rows.extend(std::iter::repeat_n(c as i32, plane));
                }
            }
            std::borrow::Cow::Owned(rows)
        }
    }
}

/// Encode `round(values - offsets)` (round half to even, as `torch.round` of the `f32`
/// difference) with the given rows, in either stream format: the bytes the table coder
/// writes for those symbols ([`format::encode`], [`compressai::encode`]).
///
/// A symbol may not exceed `max_symbol` in magnitude (values above `i32::MAX` act as
/// `i32::MAX`). Bad input gives `Error::InvalidArgument` and no bytes: wrong lengths and
/// rows outside the table first (the table coder's error for a bad index), then the first
/// position whose value or offset is NaN or infinite or whose symbol is beyond
/// `max_symbol`. `threads`: 0 = every core, 1 = this thread, n = n threads; the bytes are
/// the same for every value.
///
/// ```
/// use fastrans::{decode_floats_into, encode_floats, CdfTable, Offsets, Rows, StreamFormat};
///
/// let table = CdfTable::from_pmfs(&[0.25, 0.5, 0.25], 3, &[3], &[0.0], &[-1], 16).unwrap();
/// let values = [0.4f32, -1.2, 2.5, 0.0];
/// let means = [0.1f32, 0.0, 0.0, 0.3];
/// let rows = Rows::Indexes(&[0, 0, 0, 0]);
/// let data = encode_floats(
///     &table, &values, rows, Offsets::Means(&means), 1 << 30, StreamFormat::Fastrans, 1,
/// )
/// .unwrap();
/// let mut out = [0f32; 4];
/// decode_floats_into(&table, &data, rows, Offsets::Means(&means), StreamFormat::Fastrans, 1, &mut out)
///     .unwrap();
/// assert_eq!(out, [0.1, -1.0, 2.0, 0.3]); // round(value - mean) + mean
/// ```
pub fn encode_floats(
    table: &CdfTable,
    values: &[f32],
    rows: Rows<'_>,
    offsets: Offsets<'_>,
    max_symbol: u32,
    format: StreamFormat,
    threads: usize,
) -> Result<Vec<u8>> {
    let n = values.len();
    let src = FloatSource {
        values,
        layout: Layout::new(table, rows, offsets, n)?,
        limit: diff_limit(symbol_limit(max_symbol)),
        max: max_symbol.min(i32::MAX as u32),
    };
    crate::threads::check(threads)?;
    let symbols = src.symbols()?;
    let rows = row_array(&src.layout, n);
    match format {
        StreamFormat::Fastrans => format::encode(table, &symbols, &rows, threads),
        StreamFormat::CompressAi => compressai::encode(table, &symbols, &rows),
    }
}

/// Decode a stream of `out.len()` positions written by [`encode_floats`] (or by the table
/// coder) into `symbol + offset` (`f32`), with the rows and offsets it was encoded with.
///
/// Bad arguments (lengths, rows outside the table) are refused before `out` is touched;
/// on a damaged stream a CompressAI stream leaves `out` untouched, a fastrans stream with
/// unspecified values (it decodes in place). Offsets are added as they are: a NaN offset
/// decodes to NaN.
///
/// ```
/// use fastrans::{decode_floats_into, encode_floats, CdfTable, Offsets, Rows, StreamFormat};
///
/// // Two channels of two positions each; one median per channel.
/// let table = CdfTable::from_pmfs(
///     &[0.25, 0.5, 0.25, 0.5, 0.5, 0.0], 3, &[3, 2], &[0.0, 0.0], &[-1, 0], 16,
/// )
/// .unwrap();
/// let rows = Rows::Channels { channels: 2, plane: 2 };
/// let medians = [0.5f32, -0.25];
/// let values = [1.4f32, -0.2, 0.0, 0.6];
/// let data = encode_floats(
///     &table, &values, rows, Offsets::Medians(&medians), 1 << 30, StreamFormat::CompressAi, 1,
/// )
/// .unwrap();
/// let mut out = [0f32; 4];
/// decode_floats_into(
///     &table, &data, rows, Offsets::Medians(&medians), StreamFormat::CompressAi, 1, &mut out,
/// )
/// .unwrap();
/// assert_eq!(out, [1.5, -0.5, -0.25, 0.75]);
/// ```
pub fn decode_floats_into(
    table: &CdfTable,
    data: &[u8],
    rows: Rows<'_>,
    offsets: Offsets<'_>,
    format: StreamFormat,
    threads: usize,
    out: &mut [f32],
) -> Result<()> {
    let n = out.len();
    let layout = Layout::new(table, rows, offsets, n)?;
    let rows = row_array(&layout, n);
    let tgt = FloatTarget(layout.by_index(&rows));
    match format {
        StreamFormat::Fastrans => format::decode_into(table, data, &tgt, out, threads),
        StreamFormat::CompressAi => {
            crate::threads::check(threads)?;
            let symbols = compressai::decode(table, data, &rows)?;
            for (i, (o, &s)) in out.iter_mut().zip(&symbols).enumerate() {
                *o = tgt.value(i, s);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_limit_is_the_largest_float_within_it() {
        assert_eq!(symbol_limit(0), 0.0);
        assert_eq!(symbol_limit(1 << 30), 1_073_741_824.0);
        assert_eq!(symbol_limit(u32::MAX), 2_147_483_520.0);
        assert_eq!(symbol_limit(i32::MAX as u32), 2_147_483_520.0);
        // 2^25 + 3 lies between the floats 2^25 and 2^25 + 4.
        assert_eq!(symbol_limit((1 << 25) + 3), 33_554_432.0);
        assert_eq!(symbol_limit((1 << 24) + 1), 16_777_216.0);
    }

    /// Around each limit, `|d| <= diff_limit` is exactly `|round(d)| <= limit`.
    #[test]
    fn the_difference_limit_is_the_rounding_limit() {
        for max in [
            0u32,
            1,
            2,
            3,
            7,
            100,
            4_194_303,
            8_388_607,
            8_388_608,
            1 << 30,
            u32::MAX,
        ] {
            let lim = symbol_limit(max);
            let t = diff_limit(lim);
            let near = (lim + 0.5).max(1.0);
            let mut d = f32::from_bits(near.to_bits().saturating_sub(300));
            for _ in 0..600 {
                assert_eq!(
                    d.abs() <= t,
                    round_half_even(d).abs() <= lim,
                    "max={max} d={d}"
                );
                assert_eq!((-d).abs() <= t, round_half_even(-d).abs() <= lim);
                d = f32::from_bits(d.to_bits() + 1);
            }
        }
        assert_eq!(diff_limit(0.0), 0.5);
        assert_eq!(diff_limit(1.0), f32::from_bits(1.5f32.to_bits() - 1));
        assert_eq!(diff_limit(2.0), 2.5);
    }

    #[test]
    fn rows_by_channel_match_the_division() {
        let table = CdfTable::from_pmfs(&[1.0; 5], 1, &[1; 5], &[0.0; 5], &[0; 5], 16).unwrap();
        for (channels, plane) in [(1, 1), (3, 1), (5, 3), (2, 7), (4, 16)] {
            let n = channels * plane * 3;
            let layout =
                Layout::new(&table, Rows::Channels { channels, plane }, Offsets::None, n).unwrap();
            for base in (0..n.saturating_sub(7)).step_by(3) {
                let mut rows = [0usize; 8];
                layout.rows_of(base, &mut rows);
                for (k, &r) in rows.iter().enumerate() {
                    assert_eq!(r, channel(base + k, channels, plane), "{channels} {plane}");
                }
            }
        }
    }
}
