//! The lanes' shared word stack and the word sinks the encoders push into, shared by the
//! scalar encoder and the vector ones.

use crate::coding::rans::{Refill, WordReader, WordSink, RANS_L};
use crate::error::Result;

/// The lanes' shared word stack. Renormalisation is branch-free: the low word is always
/// stored at the top and the top moves up only when the state really emits, because with
/// many independent lanes a mispredicted branch (one symbol in ten emits) costs more than
/// the store. The buffer is kept one free word ahead of the top, so the store never
/// reallocates.
#[derive(Debug, Default)]
pub(crate) struct LaneWords {
    buf: Vec<u32>,
    /// The stack's top: words `..len` are pushed.
    pub(crate) len: usize,
}

thread_local! {
    /// The word buffer of the last chunk this thread encoded, kept for its next one
    /// ([`LaneWords::with_capacity`], [`LaneWords::recycle`]).
    static SPARE_WORDS: std::cell::Cell<Vec<u32>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Largest word buffer a thread keeps: 4 MiB.
const MAX_SPARE_WORDS: usize = 1 << 20;

impl LaneWords {
    /// An empty stack with room for at least `words` words: the thread's spare buffer when
    /// it is large enough (its old words are never read: a word below the top has been
    /// written since), else a new one. A new buffer is zero-filled, by a `memset` or by the
    /// page faults of fresh memory; on W1 either was 2.5 to 4.4% of an encode.
    pub(crate) fn with_capacity(words: usize) -> Self {
        let spare = SPARE_WORDS.take();
        let buf = if spare.len() >= words.max(1) {
            spare
        } else {
            vec![0; words.max(1)]
        };
        LaneWords { buf, len: 0 }
    }

    /// Keeps the buffer as the thread's spare, unless it is over [`MAX_SPARE_WORDS`].
    pub(crate) fn recycle(self) {
        if self.buf.len() <= MAX_SPARE_WORDS {
            SPARE_WORDS.set(self.buf);
        }
    }

    /// Keep a free word above the top.
    #[inline(always)]
    pub(crate) fn reserve_one(&mut self) {
        if self.len == self.buf.len() {
            self.buf = grown(std::mem::take(&mut self.buf), 1);
        }
    }

    pub(crate) fn words(&self) -> &[u32] {
        &self.buf[..self.len]
    }

    /// The `N` free words above the top, growing the buffer first when fewer are left. A
    /// round of `N` lanes emits at most `N` words, so [`RoundWords`] writes them there
    /// without a capacity or bounds check per word.
    #[inline(always)]
    pub(crate) fn window<const N: usize>(&mut self) -> &mut [u32; N] {
        if self.buf.len() - self.len < N {
            self.buf = grown(std::mem::take(&mut self.buf), N);
        }
        match self.buf[self.len..].first_chunk_mut::<N>() {
            Some(w) => w,
            None => unreachable!("the buffer was just grown to hold N more words"),
        }
    }
}

/// `buf` grown by at least `at_least` words, and at least doubled. It takes and returns the
/// buffer by value: a `&mut self` method here would take the word stack's address and pin
/// its top in memory for the whole loop.
#[cold]
#[inline(never)]
fn grown(mut buf: Vec<u32>, at_least: usize) -> Vec<u32> {
    let more = buf.len().max(at_least).max(1);
    buf.resize(buf.len() + more, 0);
    buf
}

/// The words one round of `N` lanes emits, written into the word stack's free
/// [`LaneWords::window`], reserved once per round: a step no longer checks the stack's
/// capacity (2-3 instructions per symbol fewer). Before its `k`-th step (from 0) a round has
/// emitted at most `k` words, so `count < N` at every store. The caller adds `count` to the
/// stack's top when the round is done. (The bounds check stays: masking the index with
/// `N - 1` instead costs an instruction more per symbol for no gain.)
pub(crate) struct RoundWords<'a, const N: usize> {
    pub(crate) win: &'a mut [u32; N],
    pub(crate) count: usize,
}

impl<const N: usize> WordSink for RoundWords<'_, N> {
    #[inline(always)]
    fn push_word(&mut self, w: u32) {
        self.win[self.count] = w;
        self.count += 1;
    }
    #[inline(always)]
    fn renorm(&mut self, x: &mut u64, x_max: u64) {
        let emit = *x >= x_max;
        self.win[self.count] = *x as u32;
        self.count += usize::from(emit);
        *x = std::hint::select_unpredictable(emit, *x >> 32, *x);
    }
}

impl WordSink for LaneWords {
    #[inline(always)]
    fn push_word(&mut self, w: u32) {
        self.reserve_one();
        self.buf[self.len] = w;
        self.len += 1;
    }
    #[inline(always)]
    fn renorm(&mut self, x: &mut u64, x_max: u64) {
        self.reserve_one();
        let emit = *x >= x_max;
        self.buf[self.len] = *x as u32;
        self.len += usize::from(emit);
        *x = std::hint::select_unpredictable(emit, *x >> 32, *x);
    }
}

/// A word sink that counts steps and notes the first one leaving the state `>= L`.
pub(crate) struct Probe<'a> {
    pub(crate) out: &'a mut LaneWords,
    pub(crate) steps: u32,
    pub(crate) crossed_at: Option<u32>,
}

impl WordSink for Probe<'_> {
    #[inline]
    fn push_word(&mut self, w: u32) {
        self.out.push_word(w);
    }
    #[inline]
    fn step_done(&mut self, x: u64) {
        self.steps += 1;
        if self.crossed_at.is_none() && x >= RANS_L {
            self.crossed_at = Some(self.steps);
        }
    }
}

/// A word reader that renormalises as usual for the first `left` steps, then never (a
/// lane's last steps, which must not read past its words).
#[derive(Clone)]
pub(crate) struct Limited<'a> {
    pub(crate) r: WordReader<'a>,
    pub(crate) left: u32,
}

impl Refill for Limited<'_> {
    #[inline]
    fn refill(&mut self, x: &mut u64) -> Result<()> {
        if self.left == 0 {
            return Ok(());
        }
        self.left -= 1;
        self.r.refill(x)
    }
}
