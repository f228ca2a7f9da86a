//! What a 32-bit state with 16-bit renormalisation (htscodecs' "32x16" layout) would cost
//! in rate at precision 16, against the 64-bit state with 32-bit words that fastrans and
//! CompressAI use, on the W1-like workload (`benches/common/w1.rs`).
//!
//! Both coders are plain single-lane rANS over the same bins of the same table (CompressAI's
//! 64-scale Gaussian rows, precision 16); symbols that would take CompressAI's escape path
//! are left out of both (a few in a million). Reported: the bytes of each (words plus the
//! final state), the ideal `sum(-log2(freq / 2^16))`, and the excess over it. The state layout was
//! chosen on this check (docs/PERFORMANCE.md, "Layout: 64-bit states, 32-bit words").
//!
//! `cargo run --release --example rate_32x16`

#[path = "../benches/common/w1.rs"]
mod w1;
use w1::w1_bins;

/// Precision of the table (CompressAI's).
const P: u32 = 16;

/// Bytes of a single-lane rANS stream of `bins` (start, freq) with a `STATE`-bit state,
/// `WORD`-bit renormalisation and lower bound `L = 2^(STATE - WORD)`.
fn rans_bytes<const STATE: u32, const WORD: u32>(bins: &[(u32, u32)]) -> usize {
    let low = 1u64 << (STATE - WORD);
    let mut x = low;
    let mut words = 0usize;
    // Encoded last symbol first, as a decoder reads them forward.
    for &(start, freq) in bins.iter().rev() {
        // x_max = (L / 2^P) * 2^WORD * freq: the largest state that stays below 2^STATE.
        let x_max = ((low >> P) << WORD) * freq as u64;
        while x >= x_max {
            x >>= WORD;
            words += 1;
        }
        x = ((x / freq as u64) << P) + x % freq as u64 + start as u64;
    }
    (words * WORD as usize + STATE as usize) / 8
}

fn main() {
    let (bins, escaped) = w1_bins(P);
    let ideal_bits: f64 = bins
        .iter()
        .map(|&(_, freq)| -(freq as f64 / (1u64 << P) as f64).log2())
        .sum();
    let ideal = ideal_bits / 8.0;
    let wide = rans_bytes::<64, 32>(&bins);
    let narrow = rans_bytes::<32, 16>(&bins);
    println!(
        "{} symbols coded ({escaped} escapes left out), ideal {ideal:.0} bytes",
        bins.len()
    );
    for (name, bytes) in [
        ("64-bit state, 32-bit words", wide),
        ("32-bit state, 16-bit words", narrow),
    ] {
        let excess = bytes as f64 - ideal;
        println!(
            "{name}: {bytes} bytes, {excess:+.0} over ideal ({:+.3}%)",
            100.0 * excess / ideal
        );
    }
    println!(
        "32x16 against 64x32: {:+} bytes ({:+.3}%)",
        narrow as i64 - wide as i64,
        100.0 * (narrow as f64 - wide as f64) / wide as f64
    );
}
