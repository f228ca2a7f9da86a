//! The fastrans stream of a [`CdfTable`] whose indexes another thread may write during the
//! call (a numpy array while the GIL is released): the same bytes and results as
//! [`encode`](super::encode) / [`decode`](super::decode) of some values the elements held,
//! each index read exactly once.
//!
//! Each chunk's indexes are copied (one relaxed load an element) into memory of the call's
//! own, checked there and coded from there, on the thread that codes the chunk, so what is
//! checked is what is coded (docs/ROBUSTNESS.md, "Arrays changed during a call"). Copying
//! the whole array before sharing the chunks out was a serial pass of about 1 ms on a
//! 2.9M-symbol stream that held two threads back (docs/PERFORMANCE.md, "The index copy").
//! Errors rank as in `decode`: an index out of range (the first one, by position) before
//! anything the stream could report.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use crate::chunk::{decode_chunk_into, decode_chunk_pair_into, encode_chunk};
use crate::error::{Error, Result};
use crate::format::fastrans_stream::{decode_fresh, encode_framed, Arrays, Indexes};
use crate::format::stream_model::{
    check_table_id, put_table_id, ChunkDecoder, ChunkEncoder, StreamModel,
};
use crate::format::wire::MAX_CHUNK_SYMBOLS;
use crate::tables::cdf_table::CdfTable;

/// [`encode`](super::encode) of `symbols` with the rows `indexes` hold, each element read
/// once, on the thread that codes its chunk (module doc). `threads` as there.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use std::sync::atomic::AtomicI32;
/// use fastrans::{format, CdfTable};
///
/// let table = CdfTable::from_rows(&[[0, 16384, 49152, 65535, 65536]], &[5], &[-1], 16)?;
/// let symbols = [1, 0, -1, 7];
/// let shared: Vec<AtomicI32> = (0..4).map(|_| AtomicI32::new(0)).collect();
/// let bytes = format::encode_shared(&table, &symbols, &shared, 1)?;
/// assert_eq!(bytes, format::encode(&table, &symbols, &[0; 4], 1)?);
/// assert_eq!(format::decode_shared(&table, &bytes, &shared, 1)?, symbols);
/// # Ok(()) }
/// ```
pub fn encode_shared(
    table: &CdfTable,
    symbols: &[i32],
    indexes: &[AtomicI32],
    threads: usize,
) -> Result<Vec<u8>> {
    if symbols.len() != indexes.len() {
        return Err(Error::invalid(format!(
            "symbols has {} elements but indexes has {}: give one index per symbol",
            symbols.len(),
            indexes.len()
        )));
    }
    let coder = SharedEncoder {
        table,
        symbols,
        indexes,
    };
    encode_framed(&coder, symbols.len(), threads)
}

/// [`decode`](super::decode) with the rows `indexes` hold, each element read once, on the
/// thread that decodes its chunk (module doc). `threads` as there.
pub fn decode_shared(
    table: &CdfTable,
    data: &[u8],
    indexes: &[AtomicI32],
    threads: usize,
) -> Result<Vec<i32>> {
    let coder = SharedDecoder { table, indexes };
    // An index out of range outranks the stream's errors (as when the whole array was
    // checked first): on any error, the array is read once more, whole.
    decode_fresh(&coder, data, indexes.len(), threads).map_err(|e| {
        with_copy(indexes, |rows| check_rows(table, rows, 0))
            .err()
            .unwrap_or(e)
    })
}

/// The table coder's chunks from symbols and shared indexes.
struct SharedEncoder<'a> {
    table: &'a CdfTable,
    symbols: &'a [i32],
    indexes: &'a [AtomicI32],
}

impl StreamModel for SharedEncoder<'_> {
    fn put_id(&self, out: &mut Vec<u8>) {
        put_table_id(self.table, out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        check_table_id(self.table, data)
    }
}

impl ChunkEncoder for SharedEncoder<'_> {
    fn encode_chunk(&self, start: usize, m: usize, lanes: usize, out: &mut Vec<u8>) -> Result<()> {
        let (Some(symbols), Some(shared)) = (
            self.symbols.get(start..start + m),
            self.indexes.get(start..start + m),
        ) else {
            return Err(Error::invalid("a chunk outside the arrays"));
        };
        with_copy(shared, |indexes| {
            check_rows(self.table, indexes, start)?;
            // The chunk's positions counted from 0: no chunk error names a position.
            encode_chunk(self.table, &Arrays { symbols, indexes }, 0, m, lanes, out)
        })
    }
}

/// The table decoder's chunks with shared indexes.
struct SharedDecoder<'a> {
    table: &'a CdfTable,
    indexes: &'a [AtomicI32],
}

impl StreamModel for SharedDecoder<'_> {
    fn put_id(&self, out: &mut Vec<u8>) {
        put_table_id(self.table, out);
    }
    fn check_id(&self, data: &[u8]) -> Result<(u8, usize)> {
        check_table_id(self.table, data)
    }
}

impl SharedDecoder<'_> {
    fn rows(&self, start: usize, len: usize) -> Result<&[AtomicI32]> {
        self.indexes
            .get(start..start + len)
            .ok_or_else(|| Error::invalid("a chunk outside the indexes"))
    }
}

impl ChunkDecoder for SharedDecoder<'_> {
    type Out = i32;
    fn decode_chunk(
        &self,
        start: usize,
        data: &[u8],
        lanes: usize,
        out: &mut [MaybeUninit<i32>],
    ) -> Result<()> {
        with_copy(self.rows(start, out.len())?, |rows| {
            check_rows(self.table, rows, start)?;
            decode_chunk_into(self.table, &Indexes(rows), 0, data, lanes, out)
        })
    }
    fn decode_pair(
        &self,
        a: (usize, &[u8], &mut [MaybeUninit<i32>]),
        b: (usize, &[u8], &mut [MaybeUninit<i32>]),
        lanes: usize,
    ) -> Result<()> {
        let (start, len_a) = (a.0, a.2.len());
        if b.0 != start + len_a {
            self.decode_chunk(a.0, a.1, lanes, a.2)?;
            return self.decode_chunk(b.0, b.1, lanes, b.2);
        }
        // Adjacent chunks: one copy of both chunks' indexes.
        with_copy(self.rows(start, len_a + b.2.len())?, |rows| {
            check_rows(self.table, rows, start)?;
            let (a, b) = ((0, a.1, a.2), (len_a, b.1, b.2));
            decode_chunk_pair_into(self.table, &Indexes(rows), a, b, lanes)
        })
    }
    fn pairs(&self) -> bool {
        true
    }
}

/// `rows` (the indexes from position `start`) all name rows of `table`, or the error for
/// the first that does not, by its position in the whole array (the message of
/// `CdfTable::check_indexes`).
fn check_rows(table: &CdfTable, rows: &[i32], start: usize) -> Result<()> {
    let n = table.num_tables();
    let limit = n.min(u32::MAX as usize) as u32;
    // Branch-free first (it vectorises); the position only when there is one to report.
    if rows.iter().fold(false, |bad, &i| bad | (i as u32 >= limit)) {
        if let Some((pos, i)) = rows.iter().enumerate().find(|(_, &i)| i as u32 >= limit) {
            return Err(Error::invalid(format!(
                "indexes[{}] = {i} is out of range: the table has {n} rows (0..{n})",
                start + pos
            )));
        }
    }
    Ok(())
}

/// Index buffers kept between calls and chunks: fresh memory is mapped page by page as the
/// copy writes it. A few for the whole process (one a coding thread on the machines
/// measured), so the memory kept while idle is bounded whatever the number of threads.
static KEPT: Mutex<Vec<Vec<i32>>> = Mutex::new(Vec::new());

/// Most buffers [`KEPT`], and the largest kept: two of the largest chunks (a decoded pair).
const MAX_KEPT: usize = 4;
const MAX_KEPT_LEN: usize = 2 * MAX_CHUNK_SYMBOLS;

/// `f` on a copy of `shared`, each element read exactly once (a relaxed load: on x86-64 a
/// plain `mov`), in memory nobody else can change. One 32-bit load an element: pairing
/// them in 64-bit loads was slower (docs/PERFORMANCE.md, "The index copy").
fn with_copy<R>(shared: &[AtomicI32], f: impl FnOnce(&[i32]) -> R) -> R {
    let mut buf = KEPT
        .lock()
        .ok()
        .and_then(|mut k| k.pop())
        .unwrap_or_default();
    buf.clear();
    buf.extend(shared.iter().map(|a| a.load(Ordering::Relaxed)));
    let out = f(&buf);
    if buf.capacity() <= MAX_KEPT_LEN {
        if let Ok(mut k) = KEPT.lock() {
            if k.len() < MAX_KEPT {
                k.push(buf);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fastrans_stream::with_params;
    use crate::format::{decode, encode, Params};

    fn table() -> CdfTable {
        let rows = [
            [0, 16384, 49152, 65535, 65536],
            [0, 1, 65000, 65535, 65536],
            [0, 30000, 40000, 65535, 65536],
        ];
        CdfTable::from_rows(&rows, &[5, 5, 5], &[-1, 0, -2], 16).expect("valid rows")
    }

    fn inputs(n: usize) -> (Vec<i32>, Vec<i32>) {
        let mut s = 0x9e37_79b9_u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as i32
        };
        let symbols = (0..n).map(|_| next() % 5 - 2).collect();
        let indexes = (0..n).map(|_| next().rem_euclid(3)).collect();
        (symbols, indexes)
    }

    fn shared(v: &[i32]) -> Vec<AtomicI32> {
        v.iter().map(|&i| AtomicI32::new(i)).collect()
    }

    /// The bytes and symbols of `encode` / `decode` for every size and thread count, with
    /// the encoder's own cuts and with forced ones that make many 8-lane chunks (decoded in
    /// pairs), 16-lane chunks and a short last chunk.
    #[test]
    fn the_same_streams_as_the_plain_coders() {
        let t = table();
        let cuts = [
            None,
            Some(Params {
                lanes: 8,
                chunk_symbols: 1000,
            }),
            Some(Params {
                lanes: 16,
                chunk_symbols: 777,
            }),
        ];
        for n in [0, 1, 7, 100, 5000, 40_000] {
            let (symbols, indexes) = inputs(n);
            let atoms = shared(&indexes);
            for cut in cuts {
                let run = || {
                    let want = encode(&t, &symbols, &indexes, 1).expect("encodes");
                    for threads in [1, 2, 3] {
                        let got = encode_shared(&t, &symbols, &atoms, threads).expect("encodes");
                        assert_eq!(got, want, "n={n} {cut:?} threads={threads}");
                        let back = decode_shared(&t, &want, &atoms, threads).expect("decodes");
                        assert_eq!(back, symbols, "n={n} {cut:?} threads={threads}");
                        assert_eq!(back, decode(&t, &want, &indexes, threads).expect("decodes"));
                    }
                };
                match cut {
                    Some(p) => with_params(p, run),
                    None => run(),
                }
            }
        }
    }

    /// The first index out of range is reported by its position in the whole array, on
    /// every thread count, and outranks a count mismatch, other tables and damage.
    #[test]
    fn the_first_bad_index_outranks_the_streams_errors() {
        let t = table();
        let (symbols, mut indexes) = inputs(5000);
        let good = with_params(
            Params {
                lanes: 8,
                chunk_symbols: 1000,
            },
            || encode(&t, &symbols, &indexes, 1).expect("encodes"),
        );
        indexes[3500] = 3;
        indexes[4200] = -1;
        let atoms = shared(&indexes);
        let want = "indexes[3500] = 3 is out of range: the table has 3 rows (0..3)";
        let mut damaged = good.clone();
        damaged[40] ^= 1;
        let other = CdfTable::from_rows(&[[0, 65535, 65536]], &[3], &[0], 16).expect("valid");
        for threads in [1, 2, 3] {
            let cut = Params {
                lanes: 8,
                chunk_symbols: 1000,
            };
            let e = with_params(cut, || encode_shared(&t, &symbols, &atoms, threads));
            assert!(
                matches!(&e, Err(Error::InvalidArgument(m)) if m == want),
                "{e:?}"
            );
            for data in [&good, &damaged] {
                let e = decode_shared(&t, data, &atoms, threads);
                assert!(
                    matches!(&e, Err(Error::InvalidArgument(m)) if m == want),
                    "{e:?}"
                );
            }
            let e = decode_shared(&t, &good, &atoms[..4000], threads);
            assert!(
                matches!(&e, Err(Error::InvalidArgument(m)) if m == want),
                "{e:?}"
            );
            let e = decode_shared(&other, &good, &shared(&vec![0; 5000]), threads);
            assert!(matches!(e, Err(Error::TableMismatch(_))), "{e:?}");
        }
        let e = encode_shared(&t, &symbols[..10], &atoms, 1);
        assert!(matches!(e, Err(Error::InvalidArgument(_))), "{e:?}");
    }
}
