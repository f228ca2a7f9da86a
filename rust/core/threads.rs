//! `threads=` → where parallel work runs.
//!
//! `0` means every core (rayon's global pool), `1` runs on the calling thread, `n > 1` a
//! pool of `n` threads, built once per count and cached (building a pool costs more than
//! coding a small stream). The stream formats never look at the thread count, so the
//! bytes are the same whatever runs them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Error, Result};

/// Largest explicit thread count accepted (a guard against typos like `threads=10**6`).
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

/// Runs `f` with rayon work inside it spread over `threads` threads (see module doc).
pub fn run<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    check(threads)?;
    match threads {
        0 => Ok(f()),
        n => Ok(pool(n)?.install(f)),
    }
}

fn pool(n: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = pools
        .lock()
        .map_err(|_| Error::invalid("thread pool cache poisoned by an earlier panic"))?;
    if let Some(p) = map.get(&n) {
        return Ok(p.clone());
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("fastrans-{i}"))
        .build()
        .map_err(|e| Error::invalid(format!("cannot start {n} threads: {e}")))?;
    let p = Arc::new(p);
    map.insert(n, p.clone());
    Ok(p)
}
