//! fastrans from Rust alone: build a table of quantized CDFs, code symbols in both stream
//! formats and back, and exp-Golomb-code a few integers.
//!
//! `cargo run --release --example rust_api`

use fastrans::golomb::{self, Layout};
use fastrans::{compressai, format, pmf_to_quantized_cdf, CdfTable};

fn main() -> fastrans::Result<()> {
    // Three symbols (-1, 0, 1) and the escape bin (its last entry), one row, precision 16.
    let cdf = pmf_to_quantized_cdf(&[0.24, 0.5, 0.24, 0.02], 16)?;
    let row: Vec<i32> = cdf.iter().map(|&c| c as i32).collect();
    let table = CdfTable::new(&row, row.len(), &[row.len() as i32], &[-1], 16)?;

    let symbols: Vec<i32> = (0..10_000).map(|i| [0, 1, 0, -1, 7][i % 5]).collect();
    let indexes = vec![0; symbols.len()];

    // The fastrans stream: chunked, checksummed, coded on all cores (threads = 0).
    let fast = format::encode(&table, &symbols, &indexes, 0)?;
    assert_eq!(format::decode(&table, &fast, &indexes, 0)?, symbols);
    let header = format::header(&fast)?;
    println!(
        "fastrans:   {} bytes for {} symbols ({} chunk(s), 2^{} lanes)",
        fast.len(),
        header.symbols,
        header.chunk_bytes.len(),
        header.lanes_log2
    );

    // CompressAI's stream, byte for byte what `compressai.ans` writes (7 is out of the
    // row's range and goes through the escape bin).
    let serial = compressai::encode(&table, &symbols, &indexes)?;
    assert_eq!(compressai::decode(&table, &serial, &indexes)?, symbols);
    println!("compressai: {} bytes", serial.len());

    // Order-0 signed exp-Golomb.
    let values = [0i64, -3, 12, 5, -1];
    let bits = golomb::encode(&values, 0, Layout::SignMagnitude)?;
    assert_eq!(
        golomb::decode(&bits, values.len(), 0, Layout::SignMagnitude)?,
        values
    );
    println!("golomb:     {} bytes for {values:?}", bits.len());
    Ok(())
}
