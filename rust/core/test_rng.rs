//! Random numbers for the crate's own unit tests: xorshift64 (Marsaglia's 13, 7, 17), small,
//! seeded and the same on every platform, so a failing case replays.

/// The generator from `seed` (not 0): each call gives the next 64 bits.
pub(crate) fn xorshift64(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
