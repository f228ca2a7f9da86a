//! `threads=` → where parallel work runs.
//!
//! `0` means every core, `1` the calling thread alone, `n > 1` a team of `n` threads (the
//! calling one included) capped at the number of cores: a larger count cannot run faster,
//! and the cap keeps a process from accumulating threads. Every team draws its helpers
//! from one pool per process, of one thread per core, built on first use. The stream
//! formats never look at the thread count, so the bytes are the same whatever runs them.
//!
//! **Fork.** A child made by `fork()` inherits the pool's bookkeeping but none of its
//! threads, so jobs handed to it would never run. The pool is therefore tagged with the
//! id of the process that built it: a child that codes builds its own on first use and
//! leaves the parent's untouched (dropping it would wait on threads that do not exist).
//! The pool is found through an atomic pointer, not a lock, so a lock held by another
//! thread at the moment of the fork cannot hang the child.
//!
//! **Kernel limit.** A helper codes under the limit of the thread that made the call
//! (`simd_policy`), so a call made under `with_scalar_lanes` or Python's
//! `fastrans.simd_limit` runs those kernels on every chunk, wherever it runs.
//!
//! The coders hand their chunks to [`map_items`], where the calling thread works too: it
//! starts on the first chunk at once while the pool's threads wake up, and every thread
//! takes the next chunk nobody has started. So a pool thread that wakes late delays only the
//! chunks it takes, and once its own chunks are done the caller spins a little for the
//! helpers' (`run_with_helpers`) instead of sleeping until they are (docs/PERFORMANCE.md,
//! "The caller's spin").

use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Error, Result};
use crate::simd_policy::{thread_limit, with_simd_cap};

/// Largest explicit thread count accepted (a guard against typos like `threads=10**6`);
/// counts up to it run on at most one thread per core.
pub const MAX_THREADS: usize = 1024;

/// Checks a `threads=` value without running anything.
pub fn check(threads: usize) -> Result<()> {
    if threads > MAX_THREADS {
        return Err(Error::invalid(format!(
            "threads={threads} is too many: use 0 (every core) or 1..={MAX_THREADS}"
        )));
    }
    Ok(())
}

/// `work(i, item)` for every item, in item order, on `threads` threads (see the module
/// doc) counting the calling thread, which takes part. Items are taken in order, each by
/// whichever thread is free first, so which thread runs an item never shows in the
/// results. `threads`: 0 = every core, 1 = only the calling thread.
pub fn map_items<T: Send, R: Send>(
    threads: usize,
    items: Vec<T>,
    work: impl Fn(usize, T) -> R + Sync,
) -> Result<Vec<R>> {
    check(threads)?;
    let count = items.len();
    let inputs: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let outputs: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    // A lock is only ever held for a `take` or a store, so a poisoned one (a panic in
    // `work`, which the scope re-raises anyway) still holds a usable value.
    let run = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= count {
            break;
        }
        let item = inputs[i].lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(item) = item {
            let r = work(i, item);
            *outputs[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
    };
    let helpers = team(threads).min(count).saturating_sub(1);
    let left = AtomicUsize::new(0);
    if helpers == 0 {
        run();
    } else {
        // The helpers take the caller's kernel limit (module doc).
        let limit = thread_limit();
        let run = &|| with_simd_cap(limit, run);
        process_pool()?.in_place_scope(|s| run_with_helpers(s, helpers, run, &left));
    }
    outputs
        .into_iter()
        .map(|o| o.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect::<Option<Vec<R>>>()
        .ok_or_else(|| Error::invalid("a parallel item did not run (an earlier panic?)"))
}

/// `(a(), b())`, `b` on a pool thread of `threads=` when one is free before the calling
/// thread has finished `a`, which it starts at once (as [`map_items`]: the caller works
/// and does not sleep while the other half runs). For the table builders, where
/// `rayon::join` from outside the pool put the caller to sleep while both halves waited
/// for pool threads to wake.
pub fn join<A: Send, B: Send>(
    threads: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> Result<(A, B)> {
    enum Half<A, B> {
        A(A),
        B(B),
    }
    let halves = vec![Half::A(a), Half::B(b)];
    let mut done = map_items(threads, halves, |_, h| match h {
        Half::A(f) => Half::A(f()),
        Half::B(f) => Half::B(f()),
    })?
    .into_iter();
    match (done.next(), done.next()) {
        (Some(Half::A(ra)), Some(Half::B(rb))) => Ok((ra, rb)),
        _ => Err(Error::invalid(
            "a parallel half did not run (an earlier panic?)",
        )),
    }
}

/// How many threads `threads=` puts to work, the calling one included: one per core for
/// 0, else `threads` up to one per core.
pub fn team(threads: usize) -> usize {
    match threads {
        0 => cores(),
        n => n.min(cores()),
    }
}

/// The cores this process may run on (its affinity mask and cgroup quota included), read
/// once: `available_parallelism` reads files under /proc and /sys on Linux.
pub fn cores() -> usize {
    static CORES: AtomicUsize = AtomicUsize::new(0);
    match CORES.load(Ordering::Relaxed) {
        0 => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            CORES.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// How long the calling thread, its own items done, spins for the helpers to finish theirs
/// before it blocks in the scope's wait. Blocking cost a wake-up when the last helper was
/// done, as long as waking a helper (see [`run_with_helpers`]). The helpers normally finish
/// within their start-up delay behind the caller, well inside this bound; a longer wait
/// blocks as before (docs/PERFORMANCE.md, "The caller's spin").
const SPIN_FOR_HELPERS: Duration = Duration::from_micros(250);

/// Counts its helper out when dropped, so a helper whose work panics counts too.
struct Leaving<'a>(&'a AtomicUsize);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Release);
    }
}

/// `run` on `helpers` threads of `s`'s pool and on this one, which then waits for the
/// helpers spinning (for at most [`SPIN_FOR_HELPERS`]) rather than in the scope's own
/// wait, which puts the thread to sleep: waking it once the last helper is done takes about
/// as long as waking a helper (the timings: docs/PERFORMANCE.md, "The caller's spin"). The
/// loop yields the CPU now and then, so a helper queued on this thread's CPU still gets to
/// run.
/// `left` counts the helpers that are done (it outlives the scope, as the spawned jobs
/// borrow it).
fn run_with_helpers<'s>(
    s: &rayon::Scope<'s>,
    helpers: usize,
    run: &'s (impl Fn() + Sync),
    left: &'s AtomicUsize,
) {
    for _ in 0..helpers {
        s.spawn(move |_| {
            let _leaving = Leaving(left);
            run();
        });
    }
    run();
    // A rayon worker calling in (a caller's own parallel loop) waits in the scope: a helper
    // job still in its own queue would only run once it stops spinning.
    if rayon::current_thread_index().is_some() {
        return;
    }
    let start = Instant::now();
    let mut spins = 0u32;
    while left.load(Ordering::Acquire) < helpers {
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(64) {
            std::hint::spin_loop();
            continue;
        }
        if start.elapsed() > SPIN_FOR_HELPERS {
            break;
        }
        std::thread::yield_now();
    }
}

/// The pool and the process that built it.
struct ProcessPool {
    pid: u32,
    pool: ThreadPool,
}

/// Null, or a pool from `Box::into_raw` that is never freed (see [`process_pool`]).
static POOL: AtomicPtr<ProcessPool> = AtomicPtr::new(std::ptr::null_mut());

/// This process's pool of one thread per core, built on first use, and again in a child
/// after `fork()` (module doc). Pools are never freed: a process holds at most one of its
/// own, plus one inherited, threadless, from each forking ancestor.
fn process_pool() -> Result<&'static ThreadPool> {
    let pid = std::process::id();
    loop {
        let seen = POOL.load(Ordering::Acquire);
        // SAFETY: `POOL` holds null or a pointer from `Box::into_raw` below that is never
        // freed once published, so it is valid for the rest of the process.
        if let Some(current) = unsafe { seen.as_ref() } {
            if current.pid == pid {
                return Ok(&current.pool);
            }
        }
        let pool = ThreadPoolBuilder::new()
            .num_threads(cores())
            .thread_name(|i| format!("fastrans-{i}"))
            .build()
            .map_err(|e| Error::invalid(format!("cannot start {} threads: {e}", cores())))?;
        let fresh = Box::into_raw(Box::new(ProcessPool { pid, pool }));
        if POOL
            .compare_exchange(seen, fresh, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // Another thread published a pool first: use that one (next turn of the loop).
            // SAFETY: `fresh` came from `Box::into_raw` above and was never published.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item runs once, its result lands at its index, for every thread count
    /// (fewer, as many and more items than threads; none).
    #[test]
    fn map_items_keeps_item_order_for_every_thread_count() {
        for threads in [0, 1, 2, 3, 8] {
            for count in [0usize, 1, 2, 5, 64] {
                let items: Vec<usize> = (0..count).map(|i| 1000 + i).collect();
                let ran = AtomicUsize::new(0);
                let out = map_items(threads, items, |i, item| {
                    ran.fetch_add(1, Ordering::Relaxed);
                    (i, item * 2)
                })
                .expect("runs");
                let want: Vec<(usize, usize)> = (0..count).map(|i| (i, 2 * (1000 + i))).collect();
                assert_eq!(out, want, "threads={threads} count={count}");
                assert_eq!(ran.load(Ordering::Relaxed), count);
            }
        }
    }

    /// Every item of a call made under a kernel limit runs under it, the helpers' too; the
    /// helpers are back to no limit afterwards.
    #[test]
    fn helpers_take_the_callers_kernel_limit() {
        use crate::simd_policy::{simd_allowed, with_scalar_lanes, Simd};
        let work = |_, _: usize| {
            std::thread::sleep(Duration::from_millis(2));
            (std::thread::current().id(), simd_allowed())
        };
        let seen = with_scalar_lanes(|| map_items(2, (0..24).collect(), work)).expect("runs");
        assert!(seen.iter().all(|&(_, s)| s == Simd::Scalar), "{seen:?}");
        let threads: std::collections::HashSet<_> = seen.iter().map(|&(t, _)| t).collect();
        if cores() >= 2 {
            assert!(
                threads.len() >= 2,
                "no helper took an item: the test proves nothing"
            );
        }
        let after = map_items(2, (0..24).collect(), work).expect("runs");
        assert!(after.iter().all(|&(_, s)| s == simd_allowed()), "{after:?}");
    }

    /// Items are `&mut` slices of one buffer (as the decoder hands out its output).
    #[test]
    fn map_items_writes_disjoint_slices() {
        let mut buf = vec![0u32; 1000];
        let pieces: Vec<&mut [u32]> = buf.chunks_mut(64).collect();
        map_items(2, pieces, |i, piece| piece.fill(i as u32 + 1)).expect("runs");
        assert!(buf
            .iter()
            .enumerate()
            .all(|(j, &v)| v == (j / 64) as u32 + 1));
    }

    /// A panic in one item reaches the caller (as from a serial loop) once every thread
    /// has stopped, whichever thread ran it; nothing hangs, and the pool still works.
    #[test]
    fn a_panicking_item_reaches_the_caller_for_every_thread_count() {
        for threads in [0, 1, 2, 3] {
            let caught = std::panic::catch_unwind(|| {
                map_items(threads, (0..6).collect(), |i, _: usize| {
                    assert!(i != 4, "item 4 fails");
                    i
                })
            });
            assert!(caught.is_err(), "threads={threads}: the panic was lost");
            let after = map_items(threads, vec![1, 2, 3], |_, v: i32| v * 10).expect("runs");
            assert_eq!(after, [10, 20, 30], "threads={threads}");
        }
    }

    /// Helpers that finish long after the caller (past the caller's spin) and helpers that
    /// finish at once both give every result: the caller then waits in the scope. So does
    /// a call from inside a rayon worker, which does not spin.
    #[test]
    fn the_caller_waits_for_slow_and_quick_helpers() {
        for pause_ms in [0u64, 3] {
            let out = map_items(2, vec![0u64, 1], |i, v| {
                if i == 1 {
                    std::thread::sleep(Duration::from_millis(pause_ms));
                }
                v + 10
            })
            .expect("runs");
            assert_eq!(out, [10, 11], "pause {pause_ms} ms");
        }
        let nested = process_pool()
            .expect("pool")
            .install(|| map_items(0, vec![1u32, 2, 3], |_, v| v * 3))
            .expect("runs");
        assert_eq!(nested, [3, 6, 9]);
    }

    /// Any count up to `MAX_THREADS` runs, on at most one thread per core, all from the
    /// one pool: a thousand threads asked for once leave the pool at the core count.
    #[test]
    fn teams_are_capped_at_the_core_count_and_share_one_pool() {
        let cores = cores();
        assert!(cores >= 1);
        assert_eq!(team(0), cores);
        assert_eq!(team(1), 1);
        assert_eq!(team(MAX_THREADS), cores);
        for threads in [2, 7, 64, MAX_THREADS] {
            let out = map_items(threads, (0..100u32).collect(), |_, v| v + 1).expect("runs");
            assert_eq!(out, (1..=100).collect::<Vec<u32>>(), "threads={threads}");
        }
        let pool = process_pool().expect("pool");
        assert_eq!(pool.current_num_threads(), cores);
        assert!(std::ptr::eq(pool, process_pool().expect("pool")));
    }

    #[test]
    fn join_runs_both_halves_for_every_thread_count() {
        for threads in [0, 1, 2, 3] {
            let v = [1u64, 2, 3];
            let (a, b) = join(threads, || v.iter().sum::<u64>(), || v.len()).expect("runs");
            assert_eq!((a, b), (6, 3), "threads={threads}");
        }
        assert!(join(MAX_THREADS + 1, || 1, || 2).is_err());
    }

    #[test]
    fn map_items_rejects_too_many_threads_and_runs_nothing() {
        let ran = AtomicUsize::new(0);
        let err = map_items(MAX_THREADS + 1, vec![1, 2], |_, _| {
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert!(matches!(err, Err(Error::InvalidArgument(_))), "{err:?}");
        assert_eq!(ran.load(Ordering::Relaxed), 0);
    }
}
