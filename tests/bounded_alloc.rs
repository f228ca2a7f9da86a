//! Bounded resources, measured: a counting global allocator records the largest single
//! allocation and the peak live bytes of the calling thread while a decoder parses a
//! crafted stream. Headers that claim 2^40 symbols, chunk tables that point outside the
//! stream and counts larger than the data can hold must be refused having allocated no
//! more than a few KiB (an unchecked count would ask for gigabytes or abort).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use fastrans::compressai::{self, StreamDecoder};
use fastrans::parametric::gaussian_table;
use fastrans::testing::varint;
use fastrans::{format, CdfTable, Error};

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; the thread-local counters are
// const-initialised `Cell`s, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|l| {
            l.set(l.get() + layout.size());
            let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
        });
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(layout.size())));
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak bytes live on this thread during `f`, above what was live before it.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(Cell::get) - base)
}

fn table() -> CdfTable {
    gaussian_table(&[0.11, 0.5, 2.0, 8.0, 30.0], 16, 1e-9).unwrap()
}

/// A stream with this header body (after version and fingerprint), valid fingerprint
/// and CRC, so only the parser can refuse it.
fn framed(table: &CdfTable, body: &[u8]) -> Vec<u8> {
    let mut out = vec![format::VERSION];
    out.extend_from_slice(&format::fp32(table).to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// CRC32C, bitwise (test-only copy, so the test does not trust the crate's).
fn crc32c(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = (c >> 1) ^ (0x82F6_3B78 & (c & 1).wrapping_neg());
        }
    }
    !c
}

fn v(x: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint::put(&mut out, x);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const KIB: usize = 1024;

#[test]
fn header_claiming_2_pow_40_symbols_allocates_nothing_sized_by_it() {
    let t = table();
    let data = framed(&t, &cat(&[&v(1 << 40), &[0], &v(1 << 39), &[1; 16]]));
    assert_eq!(format::symbol_count(&data), Ok(1 << 40));
    let idx = vec![0i32; 10];
    let (got, peak) = peak_during(|| format::decode(&t, &data, &idx, 1));
    assert!(matches!(got, Err(Error::InvalidArgument(_))), "{got:?}");
    assert!(peak < 4 * KIB, "peak {peak} bytes");
}

#[test]
fn chunk_count_beyond_the_bytes_is_refused_before_the_chunk_table() {
    let t = table();
    // n = 2^20 symbols in chunks of 1: a million chunks claimed in 8 bytes. Unchecked,
    // the chunk table alone would be 16 MiB.
    let n = 1 << 20;
    let data = framed(&t, &cat(&[&v(n), &[0], &v(1), &[1; 8]]));
    let idx = vec![0i32; n as usize];
    let (got, peak) = peak_during(|| format::decode(&t, &data, &idx, 1));
    assert!(
        matches!(&got, Err(Error::CorruptStream(m)) if m.contains("cannot fit")),
        "{got:?}"
    );
    assert!(peak < 4 * KIB, "peak {peak} bytes");
}

#[test]
fn chunk_lengths_pointing_outside_the_stream_are_refused() {
    let t = table();
    let n = 4096u64;
    for len in [1u64 << 62, u64::MAX, 1 << 20, 100] {
        let data = framed(&t, &cat(&[&v(n), &[2], &v(1024), &v(len), &[1; 12]]));
        let idx = vec![0i32; n as usize];
        let (got, peak) = peak_during(|| format::decode(&t, &data, &idx, 1));
        assert!(
            matches!(got, Err(Error::CorruptStream(_))),
            "len {len}: {got:?}"
        );
        // The output (16 KiB) is the caller's count; the parse adds a few hundred bytes.
        assert!(peak < 20 * KIB + 4 * KIB, "len {len}: peak {peak} bytes");
    }
}

#[test]
fn lane_records_claiming_more_than_the_chunk_holds_are_refused() {
    let t = table();
    let n = 1000u64;
    let cases: Vec<Vec<u8>> = vec![
        // State >= 2^31 with a crossing beyond the lane's symbol count.
        cat(&[&v(n), &[0], &v(n), &v(1 << 40), &v(2 * (n + 1)), &[0; 4]]),
        // Crossing fine but no words for 1000 symbols.
        cat(&[&v(n), &[0], &v(n), &v(1 << 40), &v(2 * n)]),
        // 32 lanes, records cut short.
        cat(&[&v(n), &[5], &v(n), &[1, 1, 1]]),
        // Lane state 0 and >= 2^63.
        cat(&[&v(n), &[0], &v(n), &v(0)]),
        cat(&[&v(n), &[0], &v(n), &v(1 << 63), &v(2)]),
    ];
    for body in cases {
        let data = framed(&t, &body);
        let idx = vec![0i32; n as usize];
        let (got, peak) = peak_during(|| format::decode(&t, &data, &idx, 1));
        assert!(
            matches!(got, Err(Error::CorruptStream(_))),
            "{body:?}: {got:?}"
        );
        assert!(peak < 4 * KIB + 4 * n as usize, "peak {peak} bytes");
    }
}

#[test]
fn compressai_stream_with_more_indexes_than_data_fails_at_the_end_of_the_data() {
    let t = table();
    let data = [0u8, 0, 0, 0, 1, 0, 0, 0]; // x = 2^32
    let idx = vec![0i32; 1 << 16];
    let (got, peak) = peak_during(|| compressai::decode(&t, &data, &idx));
    assert!(matches!(got, Err(Error::CorruptStream(_))), "{got:?}");
    // Output buffer (256 KiB, the caller's count) plus the decoder's copy of 8 bytes; the
    // lower bound shows the counter sees the output.
    assert!((256 * KIB..260 * KIB).contains(&peak), "peak {peak} bytes");
    let (got, peak) = peak_during(|| {
        let mut d = StreamDecoder::new(&data)?;
        let mut out = vec![0i32; idx.len()];
        d.decode_into(&t, &idx, &mut out)
    });
    assert!(matches!(got, Err(Error::CorruptStream(_))), "{got:?}");
    assert!(peak < 256 * KIB + 4 * KIB, "peak {peak} bytes");
}
