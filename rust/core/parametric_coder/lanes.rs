//! The per-symbol models as the chunk coder and the stream framing see them: one symbol's
//! law prepared at its position, its interval put by a division, its bin found from the
//! state's slot, escapes through the table coder's rule; and the stream header's model
//! field.

use std::mem::MaybeUninit;

use super::steps::{round_kernel, single_finds, single_steps, Found, RoundKernel};
use crate::chunk::{decode_model_chunk, encode_model_chunk};
use crate::coding::escape::{get_escape_value, put_escape_bits};
use crate::coding::rans::{enc_put_div, Refill, WordSink};
use crate::error::{Error, Result};
use crate::format::stream_model::{ChunkDecoder, ChunkEncoder, StreamModel};
use crate::format::wire::{model_field, VERSION, VERSION_MODEL};
use crate::lanes::model::{Step, SymbolGet, SymbolPut};
use crate::models::{
    Dist, Mixture, ModelSpec, Params, Single, FLOAT_CDF_DEFINITION, HEADER_LEN, MAX_COMPONENTS,
};

/// Where the symbol count of a model-coded stream starts: after the version byte and the
/// model field.
pub(super) const MODEL_COUNT_AT: usize = 1 + HEADER_LEN;

/// Each position's law.
pub(super) trait LawAt: Sync {
    type D: Dist;
    fn at(&self, spec: &ModelSpec, pos: usize) -> Params<Self::D>;

    /// The decoder's vector search for a chunk of `lanes` lanes, if any (the default:
    /// none, every lane searches alone).
    fn round_kernel(&self, _spec: &ModelSpec, _lanes: usize) -> Option<RoundKernel> {
        None
    }

    /// The bins of one round's `slots`, positions `base ..`, by `kernel` (see
    /// [`single_finds`]); `false`: search each lane.
    fn finds(&self, _kernel: &RoundKernel, _base: usize, _slots: &[u32], _out: Found<'_>) -> bool {
        false
    }

    /// `out[i]` = the encoder's step for `symbols[base + i]` (see [`SymbolPut::steps`]).
    fn steps(&self, spec: &ModelSpec, symbols: &[i32], base: usize, out: &mut [Step]) {
        for (i, step) in out.iter_mut().enumerate() {
            let pos = base + i;
            let p = self.at(spec, pos);
            let s = symbols[pos];
            let bin = spec.bin_of(&p, s);
            let (start, freq) = spec.interval(&p, bin.unwrap_or(p.bins - 1));
            let escape = bin.is_none() && p.support.escape;
            *step = Step {
                start,
                freq: freq | if escape { Step::ESCAPE } else { 0 },
            };
        }
    }
}

/// One component a symbol.
pub(super) struct SingleLaws<'a> {
    pub(super) means: &'a [f32],
    pub(super) scales: &'a [f32],
}

impl LawAt for SingleLaws<'_> {
    type D = Single;
    #[inline(always)]
    fn at(&self, spec: &ModelSpec, pos: usize) -> Params<Single> {
        spec.single(self.means[pos], self.scales[pos])
    }

    fn round_kernel(&self, spec: &ModelSpec, lanes: usize) -> Option<RoundKernel> {
        round_kernel(spec, lanes)
    }

    fn finds(&self, kernel: &RoundKernel, base: usize, slots: &[u32], out: Found<'_>) -> bool {
        let end = base + slots.len();
        match (self.means.get(base..end), self.scales.get(base..end)) {
            (Some(means), Some(scales)) => single_finds(kernel, means, scales, slots, out),
            _ => false,
        }
    }

    fn steps(&self, spec: &ModelSpec, symbols: &[i32], base: usize, out: &mut [Step]) {
        let end = base + out.len();
        single_steps(
            spec,
            &self.means[base..end],
            &self.scales[base..end],
            &symbols[base..end],
            out,
        );
    }
}

/// `k` components a symbol, each array laid out `(k, n)`.
pub(super) struct MixtureLaws<'a> {
    pub(super) k: usize,
    pub(super) n: usize,
    pub(super) means: &'a [f32],
    pub(super) scales: &'a [f32],
    pub(super) weights: &'a [f32],
}

impl LawAt for MixtureLaws<'_> {
    type D = Mixture;
    #[inline(always)]
    fn at(&self, spec: &ModelSpec, pos: usize) -> Params<Mixture> {
        let mut m = [0f32; MAX_COMPONENTS];
        let mut s = [0f32; MAX_COMPONENTS];
        let mut w = [0f32; MAX_COMPONENTS];
        let k = self.k.min(MAX_COMPONENTS);
        for j in 0..k {
            let at = j * self.n + pos;
            (m[j], s[j], w[j]) = (self.means[at], self.scales[at], self.weights[at]);
        }
        spec.mixture(&m[..k], &s[..k], &w[..k])
    }
}

/// A model-coded stream's id: its spec.
#[derive(Clone, Copy)]
pub(super) struct ModelId(pub(super) ModelSpec);

impl StreamModel for ModelId {
    fn put_id(&self, out: &mut Vec<u8>) {
        out.push(VERSION_MODEL);
        out.extend_from_slice(&self.0.header_bytes());
    }

    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        let field = model_field(data, HEADER_LEN, "per-symbol parametric models")?;
        if field[0] == FLOAT_CDF_DEFINITION {
            return Err(Error::TableMismatch(
                "the stream was coded with per-symbol float CDFs (fastrans.compat.torchac), \
                 not with parametric laws: decode it with the CDFs that encoded it"
                    .into(),
            ));
        }
        let theirs = ModelSpec::from_header_bytes(field)?;
        let mine = self.0;
        let mut diffs = Vec::new();
        if theirs.family() != mine.family() {
            diffs.push(format!(
                "family {} (this coder: {})",
                theirs.family().name(),
                mine.family().name()
            ));
        }
        if theirs.precision() != mine.precision() {
            diffs.push(format!(
                "precision {} (this coder: {})",
                theirs.precision(),
                mine.precision()
            ));
        }
        if theirs.bounds() != mine.bounds() {
            diffs.push(format!(
                "support {} (this coder: {})",
                support_name(theirs.bounds()),
                support_name(mine.bounds())
            ));
        }
        if !diffs.is_empty() {
            return Err(Error::TableMismatch(format!(
                "the stream was coded with {}: decode it with the coder that encoded it",
                diffs.join(", ")
            )));
        }
        Ok((VERSION, MODEL_COUNT_AT))
    }

    fn inputs(&self) -> &'static str {
        "means"
    }
}

fn support_name(bounds: Option<(i32, i32)>) -> String {
    match bounds {
        Some((lo, hi)) => format!("{lo}..={hi}"),
        None => "windows with escapes".into(),
    }
}

/// A stream's symbols (empty when decoding) and each position's law.
pub(super) struct ModelLanes<'a, L> {
    pub(super) spec: ModelSpec,
    pub(super) laws: L,
    pub(super) symbols: &'a [i32],
}

impl<L: LawAt> SymbolPut for ModelLanes<'_, L> {
    #[inline(always)]
    fn put<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize) {
        let spec = &self.spec;
        let p = self.laws.at(spec, pos);
        let s = self.symbols[pos];
        let bin = match spec.bin_of(&p, s) {
            Some(bin) => bin,
            // Outside a window: the escaped value's bits, then the escape bin (the last).
            // (Outside the bounds of a bounded support cannot happen: the symbols were
            // checked; the last bin keeps the coder total all the same.)
            None if p.support.escape => {
                let value = s as i64 - p.support.lower as i64;
                put_escape_bits(x, out, value, p.support.direct_bins() as i64);
                p.bins - 1
            }
            None => p.bins - 1,
        };
        let (start, freq) = spec.interval(&p, bin);
        enc_put_div(x, out, start, freq, spec.precision());
    }

    fn steps(&self, base: usize, steps: &mut [Step]) -> bool {
        self.laws.steps(&self.spec, self.symbols, base, steps);
        true
    }

    #[inline(always)]
    fn put_step<W: WordSink>(&self, x: &mut u64, out: &mut W, pos: usize, step: Step) {
        let spec = &self.spec;
        if step.freq & Step::ESCAPE != 0 {
            // Rare: the law again for the window's lower end and width.
            let p = self.laws.at(spec, pos);
            let value = self.symbols[pos] as i64 - p.support.lower as i64;
            put_escape_bits(x, out, value, p.support.direct_bins() as i64);
        }
        enc_put_div(
            x,
            out,
            step.start,
            step.freq & !Step::ESCAPE,
            spec.precision(),
        );
    }
}

impl<L: LawAt> SymbolGet for ModelLanes<'_, L> {
    #[inline(always)]
    fn get<R: Refill + Clone>(&self, x: &mut u64, r: &mut R, pos: usize) -> Result<i32> {
        let spec = &self.spec;
        let prec = spec.precision();
        let p = self.laws.at(spec, pos);
        let slot = (*x & ((1u64 << prec) - 1)) as u32;
        let (bin, start, freq) = spec.find(&p, slot);
        // `start <= slot < start + freq`, so this is the encoder's state before the step.
        *x = freq as u64 * (*x >> prec) + (slot - start) as u64;
        r.refill(x)?;
        let lower = p.support.lower;
        if p.support.escape && bin == p.bins - 1 {
            let (mut xe, mut re) = (*x, r.clone());
            let s = get_escape_value(&mut xe, &mut re, lower, p.support.direct_bins() as i64);
            (*x, *r) = (xe, re);
            s
        } else {
            // Inside `lower..=upper`, so within `i32`.
            i32::try_from(lower as i64 + bin as i64)
                .map_err(|_| Error::corrupt("decoded symbol is outside the int32 range"))
        }
    }

    #[inline(always)]
    fn get_round<R: Refill + Clone, const N: usize>(
        &self,
        x: &mut [u64; N],
        r: &mut R,
        base: usize,
        out: &mut [MaybeUninit<i32>],
        kernel: &Option<RoundKernel>,
    ) -> Result<()> {
        // The laws' vector search where it runs, `get` on each lane otherwise.
        let spec = &self.spec;
        let prec = spec.precision();
        let mut slots = [0u32; N];
        for (slot, &xk) in slots.iter_mut().zip(x.iter()) {
            *slot = (xk & ((1u64 << prec) - 1)) as u32;
        }
        let (mut bin, mut start, mut freq) = ([0u32; N], [0u32; N], [0u32; N]);
        let found = Found {
            bin: &mut bin,
            start: &mut start,
            freq: &mut freq,
        };
        let lower = match (spec.bounds(), kernel) {
            (Some((lower, _)), Some(kernel)) if self.laws.finds(kernel, base, &slots, found) => {
                lower
            }
            _ => {
                for (k, o) in out.iter_mut().enumerate().take(N) {
                    o.write(self.get(&mut x[k], r, base + k)?);
                }
                return Ok(());
            }
        };
        for (k, o) in out.iter_mut().enumerate().take(N) {
            if freq[k] == 0 {
                // The guess and its neighbours missed: the scalar search.
                o.write(self.get(&mut x[k], r, base + k)?);
                continue;
            }
            // `start <= slot < start + freq`: the encoder's state before the step.
            x[k] = freq[k] as u64 * (x[k] >> prec) + (slots[k] - start[k]) as u64;
            r.refill(&mut x[k])?;
            // A bounded support: inside `lower..=upper`, so within `i32`.
            let s = i32::try_from(lower as i64 + bin[k] as i64)
                .map_err(|_| Error::corrupt("decoded symbol is outside the int32 range"))?;
            o.write(s);
        }
        Ok(())
    }

    type Rounds = Option<RoundKernel>;

    fn rounds(&self, lanes: usize) -> Option<RoundKernel> {
        self.laws.round_kernel(&self.spec, lanes)
    }
}

impl<L: LawAt> StreamModel for ModelLanes<'_, L> {
    fn put_id(&self, out: &mut Vec<u8>) {
        ModelId(self.spec).put_id(out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        ModelId(self.spec).check_id(data)
    }
    fn inputs(&self) -> &'static str {
        "means"
    }
}

impl<L: LawAt> ChunkEncoder for ModelLanes<'_, L> {
    fn encode_chunk(&self, start: usize, m: usize, lanes: usize, out: &mut Vec<u8>) -> Result<()> {
        encode_model_chunk(self, start, m, lanes, out)
    }
}

impl<L: LawAt> ChunkDecoder for ModelLanes<'_, L> {
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
