//! Two 8-lane chunks decoded together: their hot loops interleaved so one chunk's round
//! latency hides behind the other's.

use std::mem::MaybeUninit;

use crate::error::Result;
#[cfg(target_arch = "x86_64")]
use crate::lanes::round;
use crate::lanes::traits::DecodeTarget;
#[cfg(target_arch = "x86_64")]
use crate::lanes::traits::CHECK_BLOCK;
#[cfg(target_arch = "x86_64")]
use crate::simd::{vector_kernel, Simd};
use crate::tables::cdf_table::CdfTable;

#[cfg(target_arch = "x86_64")]
use super::block;
use super::decode::decode_chunk_into;
#[cfg(target_arch = "x86_64")]
use super::decode::{finish_chunk, open_chunk};
use super::{chunk_lanes, chunk_slots};

/// Decodes two chunks (`a` then `b` in stream order), interleaving their hot loops when
/// both have 8 lanes and the vector kernel runs: one 8-lane chunk alone leaves the kernel
/// waiting on one round's latency. Chunks of 16 or more lanes keep it busy alone, and
/// pairing them only adds register pressure, so they are decoded one after the other
/// (docs/PERFORMANCE.md, "The AVX-512 decoder").
/// The result is exactly that of [`decode_chunk`](super::decode_chunk) on `a`, then on `b` (the first error in
/// stream order).
pub fn decode_chunk_pair<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [T::Out]),
    b: (usize, &[u8], &mut [T::Out]),
    lanes: usize,
) -> Result<()> {
    decode_chunk_pair_into(table, tgt, chunk_slots(a), chunk_slots(b), lanes)
}

/// [`decode_chunk_pair`] into output slots, with [`decode_chunk_into`]'s guarantee for
/// both chunks' slots.
pub(crate) fn decode_chunk_pair_into<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    lanes: usize,
) -> Result<()> {
    let paired = decode_chunks_interleaved_into(
        table,
        tgt,
        (a.0, a.1, &mut *a.2),
        (b.0, b.1, &mut *b.2),
        lanes,
    );
    // Any error: decode the chunks one by one, so the first error in stream order is the
    // one reported, exactly as without pairing.
    if let Some(Ok(())) = paired {
        return Ok(());
    }
    decode_chunk_into(table, tgt, a.0, a.1, lanes, a.2)?;
    decode_chunk_into(table, tgt, b.0, b.1, lanes, b.2)
}

/// The interleaved decode behind [`decode_chunk_pair`], without its fallback: `None` when
/// it does not apply (the chunks' lane counts are not both 8, or the vector kernel cannot
/// run); an error may come from either chunk. Public for the tests, which must
/// see the interleaved path itself succeed.
#[doc(hidden)]
pub fn decode_chunks_interleaved<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [T::Out]),
    b: (usize, &[u8], &mut [T::Out]),
    lanes: usize,
) -> Option<Result<()>> {
    decode_chunks_interleaved_into(table, tgt, chunk_slots(a), chunk_slots(b), lanes)
}

fn decode_chunks_interleaved_into<T: DecodeTarget>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    lanes: usize,
) -> Option<Result<()>> {
    let n = chunk_lanes(lanes, a.2.len());
    if n != chunk_lanes(lanes, b.2.len()) {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    match n {
        8 => decode_pair_n::<T, 8>(table, tgt, a, b),
        _ => None,
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (table, tgt, a, b);
        None
    }
}

/// The interleaved decode of [`decode_chunk_pair`], or `None` when the kernel cannot run.
#[cfg(target_arch = "x86_64")]
fn decode_pair_n<T: DecodeTarget, const N: usize>(
    table: &CdfTable,
    tgt: &T,
    a: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
    b: (usize, &[u8], &mut [MaybeUninit<T::Out>]),
) -> Option<Result<()>> {
    let kernel = vector_kernel::<N>(table);
    if kernel == Simd::Scalar {
        return None;
    }
    let mut run = || -> Result<()> {
        let mut ca = open_chunk::<T, N>(tgt, a.0, a.1, a.2.len())?;
        let mut cb = open_chunk::<T, N>(tgt, b.0, b.1, b.2.len())?;
        let (hot_a, hot_b) = (ca.fast * N, cb.fast * N);
        // Block by block, as `decode_n` (the errors need no care here: any error sends
        // the pair to the one-by-one decode).
        for lo in (0..hot_a.max(hot_b)).step_by(CHECK_BLOCK) {
            let ((la, ha), (lb, hb)) = (block(lo, hot_a), block(lo, hot_b));
            let check = || {
                tgt.check(a.0 + la, ha - la)?;
                tgt.check(b.0 + lb, hb - lb)
            };
            let lanes_a = round::ChunkLanes {
                start: a.0 + la,
                x: &mut ca.x,
                r: &mut ca.r,
                out: &mut a.2[la..ha],
            };
            let lanes_b = round::ChunkLanes {
                start: b.0 + lb,
                x: &mut cb.x,
                r: &mut cb.r,
                out: &mut b.2[lb..hb],
            };
            if kernel == Simd::Avx512 {
                // SAFETY: `vector_kernel` checked the CPU and the table.
                unsafe {
                    crate::simd::avx512_decode::decode_rounds_pair::<T, N>(
                        table, tgt, lanes_a, lanes_b, check,
                    )?
                };
            } else {
                check()?;
                // SAFETY: `vector_kernel` checked the CPU and the table.
                unsafe {
                    crate::simd::avx2_decode::decode_rounds_pair::<T, N>(
                        table, tgt, lanes_a, lanes_b,
                    )?
                };
            }
        }
        tgt.check(a.0 + hot_a, a.2.len() - hot_a)?;
        tgt.check(b.0 + hot_b, b.2.len() - hot_b)?;
        finish_chunk::<T, N, 0>(table, tgt, a.0, &mut ca, a.2)?;
        finish_chunk::<T, N, 0>(table, tgt, b.0, &mut cb, b.2)
    };
    Some(run())
}
