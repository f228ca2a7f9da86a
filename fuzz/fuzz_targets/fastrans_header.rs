//! fastrans header parser with structured, CRC-valid headers: any symbol count (up to
//! 2^64 - 1), lane count, chunk size and chunk lengths, then arbitrary chunk bytes.
//!
//! Input: `mode:u8  n  layout:u8  chunk_symbols  k:u8  k × chunk_len  payload…` where
//! each size is a u16 or, when its mode bit is set, a full u64. The version is 2, or 1
//! when mode bit 6 is set, or the mode byte itself when bit 7 is; in version 2 a layout
//! byte with the one-chunk flag leaves `chunk_symbols` out, as the encoder does. Oracles: no panic, no
//! allocation beyond the caller's output (run with `-malloc_limit_mb`, see
//! docs/FUZZING.md); `symbol_count` reads back `n`; a count that differs from the caller's
//! is refused as a bad argument before anything else in the header is trusted;
//! `format::header` (what `fastrans info` prints) reads back `n` too, its chunks add up to
//! the stream, and with the caller's count equal to `n` the decoder refuses whatever it
//! refuses, with the same error (a chunk of no bytes aside, which the decoder finds later).
//! With the version byte `0x82` the header names a model (a windowed Gaussian coder's
//! field) in place of the fingerprint: the table decoder refuses it as a mismatch, and
//! `symbol_count` and `header` read it as a model-coded stream.

#![no_main]

mod common;

use common::{fixtures, Cursor};
use fastrans::testing::varint;
use fastrans::{format, Error, ParametricCoder};
use libfuzzer_sys::fuzz_target;

fn size(c: &mut Cursor<'_>, wide: bool) -> u64 {
    if wide {
        c.u64()
    } else {
        c.u16() as u64
    }
}

/// The model field of a windowed Gaussian `ParametricCoder`'s streams (12 bytes after the
/// version byte).
fn model_field() -> Vec<u8> {
    let coder = ParametricCoder::new("gaussian", 16, None, None).expect("valid coder");
    let empty = coder.encode(&[], &[], &[], None, 1).expect("encodes");
    empty[1..13].to_vec()
}

fuzz_target!(|input: &[u8]| {
    let mut c = Cursor(input);
    let fx = &fixtures()[1];
    let table = &*fx.table;
    let mode = c.u8();
    let n = size(&mut c, mode & 1 == 1);
    let layout = c.u8();
    let chunk_symbols = size(&mut c, mode & 2 == 2);
    let k = c.u8() as usize % 64;

    let version = if mode & 0x80 != 0 {
        mode
    } else if mode & 0x40 != 0 {
        format::VERSION_1
    } else {
        format::VERSION
    };
    let model = version == format::VERSION_MODEL;
    let mut data = vec![version];
    if model {
        // A model-coded stream names its model where a table stream has its fingerprint.
        data.extend_from_slice(&model_field());
    } else {
        data.extend_from_slice(&format::fp32(table).to_le_bytes());
    }
    varint::put(&mut data, n);
    if n > 0 {
        data.push(layout);
        if version != format::VERSION || layout & format::ONE_CHUNK == 0 {
            varint::put(&mut data, chunk_symbols);
        }
        for _ in 0..k {
            let len = size(&mut c, mode & 4 == 4);
            varint::put(&mut data, len);
        }
    }
    data.extend_from_slice(c.rest());
    let crc = crc32c::crc32c(&data);
    data.extend_from_slice(&crc.to_le_bytes());

    assert_eq!(format::symbol_count(&data), Ok(n));
    // The caller's count: the stream's own when small enough to allocate, else a small one.
    let count = if n <= 1 << 16 {
        n as usize
    } else {
        (mode >> 3) as usize
    };
    let idx = vec![0i32; count];
    let got = format::decode(table, &data, &idx, 1);
    if (version == format::VERSION || version == format::VERSION_1) && count as u64 != n {
        assert!(matches!(got, Err(Error::InvalidArgument(_))), "{got:?}");
    }
    if model {
        // The table decoder refuses it; the header reader reads it as its own decoder would.
        assert!(matches!(got, Err(Error::TableMismatch(_))), "{got:?}");
        if let Ok(h) = format::header(&data) {
            assert_eq!(h.symbols, n);
            assert!(h.model.is_some());
            assert_eq!(
                h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4,
                data.len()
            );
        }
        return;
    }
    let head = format::header(&data);
    match &head {
        Ok(h) => {
            assert_eq!(h.symbols, n);
            assert_eq!(
                h.header_bytes + h.chunk_bytes.iter().sum::<usize>() + 4,
                data.len()
            );
        }
        Err(e) if count as u64 == n => {
            let no_bytes = matches!(e, Error::CorruptStream(m) if m.contains("no bytes"));
            assert!(
                no_bytes || got.as_ref().err() == Some(e),
                "{head:?} vs {got:?}"
            );
        }
        Err(_) => {}
    }
    if let Ok(symbols) = got {
        assert!(head.is_ok());
        assert_eq!(symbols.len(), count);
    }
});
