//! Software prefetch of the caller's arrays, a check block ahead of the vector kernels.
//!
//! The coders check their inputs a block of `lanes::CHECK_BLOCK` positions at a time, just
//! before coding the block, and that check is the first pass to touch the caller's arrays
//! (for `ScaleCoder`'s floats the AVX-512 kernel itself is: it checks them as it codes
//! them). Inputs larger than L2 (W1: 12 MB of `ScaleCoder` inputs to encode, 8 MB to
//! decode) would meet every cache miss there with nothing else to run. So
//! the AVX-512 kernels ask, once a round, for the line of the same array positions one
//! block further on (the block checked next), and those misses overlap the coding of the
//! block before. The sources and targets that own the arrays do the asking
//! (`EncodeSource::prefetch`, `DecodeTarget::prefetch`, through [`line`]): one prefetch
//! per array per round, into L2 (`_MM_HINT_T1`, leaving L1 to the kernel). The distances,
//! hints and gains measured are in docs/PERFORMANCE.md, "Prefetch".

/// How far ahead, in positions: one check block.
pub(crate) const AHEAD: usize = crate::lanes::traits::CHECK_BLOCK;

/// Asks for the cache line of `a[pos]` to be brought into L2, when `pos` is inside `a`
/// (otherwise nothing: no pointer leaves the array). Reads nothing into the program. A
/// no-op off x86-64.
#[inline(always)]
pub(crate) fn line<T>(a: &[T], pos: usize) {
    #[cfg(target_arch = "x86_64")]
    if pos < a.len() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        // SAFETY: `pos < a.len()`, so the address is inside `a`; a prefetch cannot fault
        // and changes no program state.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(a.as_ptr().add(pos) as *const i8) };
    }
}

/// As [`line`], into L1 (`_MM_HINT_T0`): for data read within the next few hundred cycles.
#[inline(always)]
pub(crate) fn line_l1<T>(a: &[T], pos: usize) {
    #[cfg(target_arch = "x86_64")]
    if pos < a.len() {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: `pos < a.len()`, so the address is inside `a`; a prefetch cannot fault
        // and changes no program state.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(a.as_ptr().add(pos) as *const i8) };
    }
}
