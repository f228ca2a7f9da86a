//! Indexes a vector kernel has just stored, read back by scalar loads.
//!
//! A kernel that computes eight table indexes in a vector stores them and then loads
//! records at them. LLVM sees through the store and takes each index out of the register
//! instead (`vpextrd` / `vpextrq`: two micro-ops on the vector ports of Intel cores, a
//! cross-domain move on AMD's), where a load costs a load port only; in the AVX2 encoder's
//! W1 loop those extracts were about 30 vector micro-ops a group of eight. A volatile read
//! keeps the loads (docs/PERFORMANCE.md, "The AVX2 encoder").

/// `a`'s elements, each read from memory.
#[inline(always)]
pub(crate) fn reload<T: Copy, const N: usize>(a: &[T; N]) -> [T; N] {
    // SAFETY: each element is an initialized, aligned `T` of `a`.
    std::array::from_fn(|k| unsafe { std::ptr::read_volatile(&a[k]) })
}
