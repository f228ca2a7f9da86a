//! Byte buffers for the chunks of a fastrans stream being encoded, kept from one call to
//! the next.
//!
//! Each chunk is encoded into a buffer of its own, which lives until the stream is put
//! together. A fresh buffer for every chunk of every call was fresh memory, mapped page by
//! page as the chunk was written; a kept one is mapped already and still in cache (the
//! gain, with the chunks' CRCs computed beside them: docs/PERFORMANCE.md, "CRCs on the
//! coding threads"). The buffers are shared by every
//! thread (a chunk's buffer is often taken on a pool thread and handed back on the calling
//! one), at most [`MAX_KEPT_BYTES`] of them in all, so memory kept while idle stays bounded
//! whatever the number of threads.

use std::sync::Mutex;

/// Capacity kept in all: enough for 16 chunks of W1's size, 8 of the largest (2^19
/// symbols at 16 bits each).
const MAX_KEPT_BYTES: usize = 16 << 20;

/// Buffers by ascending capacity, at most `max_bytes` of them in all.
struct Kept {
    list: Vec<Vec<u8>>,
    max_bytes: usize,
}

impl Kept {
    /// The largest buffer, emptied.
    fn take(&mut self) -> Option<Vec<u8>> {
        self.list.pop()
    }

    /// Keeps `buf`, emptied; returns what no longer fits (the smallest buffers).
    fn give(&mut self, mut buf: Vec<u8>) -> Vec<Vec<u8>> {
        if buf.capacity() == 0 || buf.capacity() > self.max_bytes {
            return vec![buf];
        }
        buf.clear();
        let at = self.list.partition_point(|b| b.capacity() < buf.capacity());
        self.list.insert(at, buf);
        let mut total: usize = self.list.iter().map(Vec::capacity).sum();
        let mut cut = 0;
        while total > self.max_bytes {
            total -= self.list[cut].capacity();
            cut += 1;
        }
        self.list.drain(..cut).collect()
    }
}

static KEPT: Mutex<Kept> = Mutex::new(Kept {
    list: Vec::new(),
    max_bytes: MAX_KEPT_BYTES,
});

fn kept() -> std::sync::MutexGuard<'static, Kept> {
    // Only `take` and `give` hold the lock, and neither panics while holding it, so a
    // poisoned lock still holds a consistent list.
    KEPT.lock().unwrap_or_else(|e| e.into_inner())
}

/// An empty buffer: the largest kept one, else a new one.
pub(crate) fn take() -> Vec<u8> {
    kept().take().unwrap_or_default()
}

/// Keeps `buf` for a later [`take`], dropping the smallest buffers while more than
/// [`MAX_KEPT_BYTES`] are kept.
pub(crate) fn give(buf: Vec<u8>) {
    let dropped = kept().give(buf);
    // Freed outside the lock.
    drop(dropped);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_largest_first_within_the_bound() {
        let mut k = Kept {
            list: Vec::new(),
            max_bytes: 4 << 20,
        };
        let mut big = Vec::with_capacity(3 << 20);
        big.extend_from_slice(b"old bytes");
        assert!(k.give(Vec::with_capacity(1 << 20)).is_empty());
        assert!(k.give(big).is_empty());
        let first = k.take().expect("kept");
        assert!(first.is_empty() && first.capacity() >= 3 << 20);
        assert!(k.give(first).is_empty());
        // A third buffer goes over the bound: the smallest goes.
        let dropped = k.give(Vec::with_capacity(1 << 19));
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].capacity(), 1 << 19);
        let total: usize = k.list.iter().map(Vec::capacity).sum();
        assert!(total <= 4 << 20, "{total} bytes kept");
        // Over the bound alone, or empty: not kept.
        assert_eq!(k.give(Vec::with_capacity(5 << 20)).len(), 1);
        assert_eq!(k.give(Vec::new()).len(), 1);
        assert_eq!(k.list.len(), 2);
    }
}
