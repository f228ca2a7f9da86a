//! Symbols each with its own CDF given as floats, torchac's interface: codecs that
//! compute a whole CDF per symbol (L3C, many lossy models) hand the floats over as they
//! are, and each row is quantized inside the coding loop (`models::FloatCdfs`, an exact
//! rule) rather than turned into an integer table first. The stream is the fastrans
//! framing (chunks, lanes, CRC32C, threads) with a float-CDF model field in its header
//! (docs/FORMAT.md §10), so parametric and table decoders refuse it by name.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::chunk::{decode_model_chunk, encode_model_chunk, slots};
use crate::coding::rans::{enc_put_div, Refill, WordSink};
use crate::error::{Error, Result};
use crate::format::fastrans_stream::{decode_framed, encode_framed, model_symbol_count};
use crate::format::stream_model::{ChunkDecoder, ChunkEncoder, StreamModel};
use crate::format::wire::{
    model_field, unless_damaged, MAX_FLOAT_CDF_CHUNK_SYMBOLS, VERSION, VERSION_MODEL,
};
use crate::lanes::model::{Step, SymbolGet, SymbolPut};
use crate::models::{
    check_levels, first_bad, float_cdf_header, levels_from_header, FloatCdfs, ModelSpec,
    FLOAT_CDF_DEFINITION, FLOAT_CDF_PRECISION, HEADER_LEN,
};
use crate::simd::prefetch::line_l1;

/// Where the symbol count starts: after the version byte and the model field.
const COUNT_AT: usize = 1 + HEADER_LEN;

/// Encode `symbols` (each in `0..levels`), symbol `i` with the CDF
/// `cdf[i * (levels + 1) .. (i + 1) * (levels + 1)]` (nondecreasing, from about 0 to about
/// 1; values are clamped into `[0, 1]`, the first and last are read as 0 and 1), into a
/// fastrans stream. `threads`: 0 = every core, 1 = this thread, n = n threads; the bytes
/// are the same for every value.
///
/// Each row is quantized at precision 16 so that every level keeps at least one slot
/// (docs/FORMAT.md §10): there is nothing to normalise beforehand.
///
/// [`Error::InvalidArgument`], naming the first bad element, for: `levels` outside
/// 2..=32768, a CDF whose length is not `symbols.len() * (levels + 1)`, a value that is not
/// finite, a row that decreases, a symbol outside `0..levels`.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{float_cdf, Error};
///
/// // Two symbols over 3 levels, each with its own CDF.
/// let cdf = [0.0, 0.7, 0.9, 1.0, /* second row */ 0.0, 0.1, 0.2, 1.0];
/// let bytes = float_cdf::encode(&cdf, 3, &[0, 2], 1)?;
/// assert_eq!(float_cdf::decode(&bytes, &cdf, 3, 1)?, [0, 2]);
///
/// let err = float_cdf::encode(&[0.0, 0.7, 0.6, 1.0], 3, &[0], 1).unwrap_err();
/// assert!(matches!(err, Error::InvalidArgument(m) if m.contains("cdf[0, 2]")));
/// # Ok(()) }
/// ```
pub fn encode(cdf: &[f32], levels: usize, symbols: &[i32], threads: usize) -> Result<Vec<u8>> {
    let rows = checked_rows(cdf, levels, symbols.len(), "symbols")?;
    if let Some(i) = symbols.iter().position(|&s| s < 0 || s as usize >= levels) {
        return Err(Error::InvalidArgument(format!(
            "symbols[{i}] = {} is outside 0..{levels} (the CDF rows' levels)",
            symbols[i]
        )));
    }
    let lanes = FloatLanes::new(rows, symbols);
    let bytes = encode_framed(&lanes, symbols.len(), threads)?;
    if lanes.bad.load(Ordering::Relaxed) {
        return Err(first_bad(cdf, levels));
    }
    Ok(bytes)
}

/// Decode a stream from [`encode`] with the same CDF rows. `threads` as there.
///
/// Checked in this order: damaged or truncated bytes are [`Error::CorruptStream`]; a
/// table stream, a parametric-law stream, or one coded with another `levels` is
/// [`Error::TableMismatch`]; rows for another number of symbols, or bad rows as in
/// [`encode`], are [`Error::InvalidArgument`]. (Other CDFs than the encoder's decode to
/// wrong symbols or a `CorruptStream` error.)
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::{float_cdf, Error, ParametricCoder};
///
/// let cdf = [0.0, 0.25, 0.5, 0.75, 1.0];
/// let bytes = float_cdf::encode(&cdf, 4, &[3], 1)?;
/// assert_eq!(float_cdf::decode(&bytes, &cdf, 4, 1)?, [3]);
///
/// let coder = ParametricCoder::new("gaussian", 16, None, None)?;
/// let err = coder.decode(&bytes, &[0.0], &[1.0], None, 1).unwrap_err();
/// assert!(matches!(err, Error::TableMismatch(_)));
/// let err = float_cdf::decode(&bytes[1..], &cdf, 4, 1).unwrap_err();
/// assert!(matches!(err, Error::CorruptStream(_)));
/// # Ok(()) }
/// ```
pub fn decode(data: &[u8], cdf: &[f32], levels: usize, threads: usize) -> Result<Vec<i32>> {
    check_levels(levels)?;
    let count = model_symbol_count(&FloatId(levels), data)?;
    // A row error is reported only once the stream is known undamaged.
    let rows = usize::try_from(count)
        .map_err(|_| Error::invalid(format!("the stream holds {count} symbols")))
        .and_then(|n| checked_rows(cdf, levels, n, "the stream's symbols"))
        .map_err(|e| unless_damaged(data, e))?;
    let mut out = vec![0i32; rows.rows()];
    let lanes = FloatLanes::new(rows, &[]);
    // Every row was checked when its symbol decoded; on an error, a bad row anywhere
    // ranks before a stream error after the CRC (as the parameters' checks do for the
    // parametric coder), whichever chunk failed first.
    decode_framed(&lanes, data, slots(&mut out), threads).map_err(|e| {
        let all_ok = cdf.chunks_exact(levels + 1).all(FloatCdfs::row_ok);
        unless_damaged(data, if all_ok { e } else { first_bad(cdf, levels) })
    })?;
    Ok(out)
}

/// The validated rows of `n` symbols (`what` names them in errors).
fn checked_rows<'a>(cdf: &'a [f32], levels: usize, n: usize, what: &str) -> Result<FloatCdfs<'a>> {
    check_levels(levels)?;
    let want = n.checked_mul(levels + 1);
    if want != Some(cdf.len()) {
        return Err(Error::InvalidArgument(format!(
            "the CDF has {} values but {what} number {n}: give {n} rows of L + 1 = {} values",
            cdf.len(),
            levels + 1
        )));
    }
    FloatCdfs::new(cdf, levels)
}

/// A float-CDF stream's id: its `levels`.
struct FloatId(usize);

impl StreamModel for FloatId {
    fn put_id(&self, out: &mut Vec<u8>) {
        out.push(VERSION_MODEL);
        out.extend_from_slice(&float_cdf_header(self.0));
    }

    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        let field = model_field(data, HEADER_LEN, "per-symbol float CDFs")?;
        if field[0] != FLOAT_CDF_DEFINITION {
            return Err(match ModelSpec::from_header_bytes(field) {
                Ok(_) => Error::TableMismatch(
                    "the stream was coded with per-symbol parametric laws (ParametricCoder), \
                     not with float CDFs: decode it with the coder that encoded it"
                        .into(),
                ),
                Err(e) => e,
            });
        }
        let theirs = levels_from_header(field)?;
        if theirs != self.0 {
            return Err(Error::TableMismatch(format!(
                "the stream was coded with CDF rows of {theirs} levels, these rows have {}",
                self.0
            )));
        }
        Ok((VERSION, COUNT_AT))
    }

    fn inputs(&self) -> &'static str {
        "the CDF"
    }
}

/// A stream's symbols (empty when decoding) and their rows; `bad` is set when a row
/// fails its check while coding (the caller then names the first bad element).
struct FloatLanes<'a> {
    rows: FloatCdfs<'a>,
    symbols: &'a [i32],
    bad: AtomicBool,
    scan: Scan,
}

/// How a row is checked (encoder and decoder) and its symbol found (decoder): the scalar
/// check then bisection (`FloatCdfs::row_ok`, `FloatCdfs::find`), or vector passes
/// (`find_x86.rs`); the bytes, symbols and errors are the same.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Scan {
    /// The best scan the CPU has and the calling thread allows (`simd::simd_allowed`);
    /// chosen once a call, so every chunk's thread runs it.
    fn pick() -> Scan {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::simd::{simd_allowed, Simd};
            let allowed = simd_allowed();
            if allowed >= Simd::Avx512
                && is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("popcnt")
            {
                return Scan::Avx512;
            }
            if allowed >= Simd::Avx2
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("popcnt")
            {
                return Scan::Avx2;
            }
        }
        Scan::Scalar
    }
}

impl<'a> FloatLanes<'a> {
    fn new(rows: FloatCdfs<'a>, symbols: &'a [i32]) -> Self {
        FloatLanes {
            rows,
            symbols,
            bad: AtomicBool::new(false),
            scan: Scan::pick(),
        }
    }

    /// [`FloatCdfs::row_ok`] with the kernel of [`Scan::pick`].
    #[inline(always)]
    fn row_ok(&self, row: &[f32]) -> bool {
        match self.scan {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `pick` saw the CPU has the kernel's features.
            Scan::Avx512 => unsafe { find_x86::row_ok_avx512(row) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Scan::Avx2 => unsafe { find_x86::row_ok_avx2(row) },
            Scan::Scalar => FloatCdfs::row_ok(row),
        }
    }

    /// `(symbol, start, freq)` of `slot` (below `2^P`) in `row`, `None` for a row that is
    /// not finite and nondecreasing.
    #[inline(always)]
    fn find(&self, row: &[f32], slot: u32) -> Option<(usize, u32, u32)> {
        let symbol = match self.scan {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `pick` saw the CPU has the kernel's features.
            Scan::Avx512 => unsafe { find_x86::scan_avx512(row, self.rows.spare() as f32, slot) }?,
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Scan::Avx2 => unsafe { find_x86::scan_avx2(row, self.rows.spare() as f32, slot) }?,
            Scan::Scalar => {
                return FloatCdfs::row_ok(row).then(|| self.rows.find(row, slot));
            }
        };
        // The kernels count at most L - 1 levels.
        let (start, freq) = self.rows.interval(row, symbol);
        Some((symbol, start, freq))
    }
}

impl SymbolPut for FloatLanes<'_> {
    #[inline(always)]
    fn put<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize) {
        let step = self.step(pos);
        self.put_step(x, out, pos, step);
    }

    fn steps(&self, base: usize, steps: &mut [Step]) -> bool {
        let symbols = &self.symbols[base..base + steps.len()];
        let good = match self.scan {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `pick` saw the CPU has the kernel's features.
            Scan::Avx512 => unsafe { find_x86::steps_avx512(&self.rows, base, symbols, steps) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Scan::Avx2 => unsafe { find_x86::steps_avx2(&self.rows, base, symbols, steps) },
            Scan::Scalar => block_steps(&self.rows, base, symbols, steps, FloatCdfs::row_ok),
        };
        if !good {
            self.bad.store(true, Ordering::Relaxed);
        }
        true
    }

    #[inline(always)]
    fn put_step<W: WordSink>(&self, x: &mut u64, out: &mut W, _pos: usize, step: Step) {
        // A bad row's step is empty: its bytes are thrown away, so the symbol is skipped
        // rather than coded with a bad interval.
        if step.freq != 0 {
            enc_put_div(x, out, step.start, step.freq, FLOAT_CDF_PRECISION);
        }
    }
}

impl FloatLanes<'_> {
    /// Position `pos`'s step, empty (and `bad` set) for a row that fails its check.
    #[inline(always)]
    fn step(&self, pos: usize) -> Step {
        let row = self.rows.row(pos);
        if !self.row_ok(row) {
            self.bad.store(true, Ordering::Relaxed);
            return Step::default();
        }
        // Checked in `encode`: 0 <= symbol < L.
        let (start, freq) = self.rows.interval(row, self.symbols[pos] as usize);
        Step { start, freq }
    }
}

/// The steps of positions `base ..` (`symbols` theirs), each row checked by `row_ok`; a
/// bad row's step is empty. Returns whether every row was good. Inlined into each
/// kernel's `target_feature` function, so the check inlines too.
#[inline(always)]
fn block_steps(
    rows: &FloatCdfs<'_>,
    base: usize,
    symbols: &[i32],
    steps: &mut [Step],
    row_ok: impl Fn(&[f32]) -> bool,
) -> bool {
    let mut good = true;
    for (i, (step, &s)) in steps.iter_mut().zip(symbols).enumerate() {
        prefetch(rows, base + i + STEP_AHEAD, 1);
        let row = rows.row(base + i);
        *step = if row_ok(row) {
            // Checked in `encode`: 0 <= symbol < L.
            let (start, freq) = rows.interval(row, s as usize);
            Step { start, freq }
        } else {
            good = false;
            Step::default()
        };
    }
    good
}

/// A round's finds: `found[k]` = `(symbol, start, freq)` of `slots[k]` in row `base + k`
/// by `find`; `false` when a row fails its check (its lane's `found` is then left as it
/// was). Inlined as [`block_steps`] is.
#[inline(always)]
fn round_finds<const N: usize>(
    rows: &FloatCdfs<'_>,
    base: usize,
    slots: &[u32; N],
    found: &mut [Found; N],
    find: impl Fn(&[f32], u32) -> Option<usize>,
) -> bool {
    let mut good = true;
    for k in 0..N {
        let row = rows.row(base + k);
        match find(row, slots[k]) {
            Some(symbol) => {
                // The scans count at most L - 1 levels.
                let (start, freq) = rows.interval(row, symbol);
                found[k] = Found {
                    symbol: symbol as u32,
                    start,
                    freq,
                };
            }
            None => good = false,
        }
    }
    good
}

/// How many rows ahead of its steps the encoder asks for a row (4 KiB at L = 128).
const STEP_AHEAD: usize = 8;

/// The longest rows [`prefetch`] asks for (4 KiB).
const PREFETCHED_LEVELS: usize = 1023;

/// Asks for rows `pos .. pos + count` (those inside the tensor) to be brought into L1,
/// every cache line of them, for rows of at most [`PREFETCHED_LEVELS`] levels. The coders
/// read a row while its symbol's state waits, and ask for the rows they read next: with
/// the hardware's prefetch alone they waited on memory (L = 128: decoding 14 → 18 Msym/s
/// into L2 and 10% more into L1, encoding past a bare pass over the rows;
/// docs/PERFORMANCE.md). Longer rows are long runs the hardware follows.
#[inline(always)]
fn prefetch(rows: &FloatCdfs<'_>, pos: usize, count: usize) {
    let levels = rows.levels();
    if levels > PREFETCHED_LEVELS {
        return;
    }
    let (values, w) = (rows.values(), levels + 1);
    let to = pos
        .saturating_add(count)
        .saturating_mul(w)
        .min(values.len());
    let from = pos.saturating_mul(w);
    if from >= to {
        return;
    }
    // Sixteen floats, one cache line, then the last line, which those steps miss when the
    // rows do not start on a line.
    for at in (from..to).step_by(16) {
        line_l1(values, at);
    }
    line_l1(values, to - 1);
}

/// A lane's symbol and its interval, found from its slot.
#[derive(Clone, Copy, Default)]
struct Found {
    symbol: u32,
    start: u32,
    freq: u32,
}

impl SymbolGet for FloatLanes<'_> {
    type Rounds = ();
    fn rounds(&self, _lanes: usize) {}

    #[inline(always)]
    fn get<R: Refill + Clone>(&self, x: &mut u64, r: &mut R, pos: usize) -> Result<i32> {
        let p = FLOAT_CDF_PRECISION;
        let row = self.rows.row(pos);
        let slot = (*x & ((1u64 << p) - 1)) as u32;
        let Some((symbol, start, freq)) = self.find(row, slot) else {
            self.bad.store(true, Ordering::Relaxed);
            return Err(Error::invalid("a CDF row is not finite and nondecreasing"));
        };
        // `start <= slot < start + freq`, so this is the encoder's state before the step.
        *x = freq as u64 * (*x >> p) + (slot - start) as u64;
        r.refill(x)?;
        Ok(symbol as i32)
    }

    /// Every lane's slot is known when the round starts, so the round's rows are scanned
    /// first, one after the other with nothing between them, then the states step and
    /// refill; a bad row sends the round through `get`, lane by lane, for its error.
    #[inline(always)]
    fn get_round<R: Refill + Clone, const N: usize>(
        &self,
        x: &mut [u64; N],
        r: &mut R,
        base: usize,
        out: &mut [MaybeUninit<i32>],
        _rounds: &(),
    ) -> Result<()> {
        let p = FLOAT_CDF_PRECISION;
        let mut slots = [0u32; N];
        for (slot, &xk) in slots.iter_mut().zip(x.iter()) {
            *slot = (xk & ((1u64 << p) - 1)) as u32;
        }
        let mut found = [Found::default(); N];
        let rows = &self.rows;
        // The next round's rows, while this round's states wait on their scans.
        prefetch(rows, base + N, N);
        let good = match self.scan {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `pick` saw the CPU has the kernel's features.
            Scan::Avx512 => unsafe { find_x86::round_avx512(rows, base, &slots, &mut found) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Scan::Avx2 => unsafe { find_x86::round_avx2(rows, base, &slots, &mut found) },
            Scan::Scalar => round_finds(rows, base, &slots, &mut found, |row, slot| {
                FloatCdfs::row_ok(row).then(|| rows.find(row, slot).0)
            }),
        };
        if !good {
            for (k, o) in out.iter_mut().enumerate().take(N) {
                o.write(self.get(&mut x[k], r, base + k)?);
            }
            return Ok(());
        }
        for (k, o) in out.iter_mut().enumerate().take(N) {
            let f = found[k];
            // `start <= slot < start + freq`: the encoder's state before the step.
            x[k] = f.freq as u64 * (x[k] >> p) + (slots[k] - f.start) as u64;
            r.refill(&mut x[k])?;
            o.write(f.symbol as i32);
        }
        Ok(())
    }
}

impl StreamModel for FloatLanes<'_> {
    fn put_id(&self, out: &mut Vec<u8>) {
        FloatId(self.rows.levels()).put_id(out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        FloatId(self.rows.levels()).check_id(data)
    }
    fn inputs(&self) -> &'static str {
        "the CDF"
    }
}

impl ChunkEncoder for FloatLanes<'_> {
    fn encode_chunk(&self, start: usize, m: usize, lanes: usize, out: &mut Vec<u8>) -> Result<()> {
        encode_model_chunk(self, start, m, lanes, out)
    }

    fn max_chunk_symbols(&self) -> usize {
        MAX_FLOAT_CDF_CHUNK_SYMBOLS
    }
}

impl ChunkDecoder for FloatLanes<'_> {
    type Out = i32;
    fn decode_chunk(
        &self,
        start: usize,
        data: &[u8],
        lanes: usize,
        out: &mut [MaybeUninit<i32>],
    ) -> Result<()> {
        decode_model_chunk(self, start, data, lanes, out)
    }
}

#[cfg(target_arch = "x86_64")]
mod find_x86;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_scan;
