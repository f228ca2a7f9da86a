//! Bit-level I/O: an MSB-first bit writer and a bounds-checked bit reader.
//!
//! Read me first:
//! - Bit order: within each byte the first bit written is the most significant one, and
//!   bytes follow in order, so a stream reads left to right like the bits on paper.
//! - The writer pads the last byte with zero bits; [`BitReader::finish`] checks that the
//!   padding is zero and that no whole byte is left over, so a stream has exactly one valid
//!   byte form.
//! - The reader never reads past its slice: every read returns `Error::CorruptStream` when
//!   the bits are not there, which is how a truncated stream is detected.

use crate::error::{Error, Result};

/// Appends bits MSB-first to a byte vector.
///
/// [`BitWriter::bit_len`] counts the bits written; [`BitWriter::finish`] pads the last
/// byte with zeros.
///
/// # Examples
///
/// ```
/// use fastrans::golomb::BitWriter;
///
/// let mut w = BitWriter::new();
/// w.write_bits(0b101, 3);
/// w.write_zeros(2);
/// w.write_bits(0xABC, 12);
/// assert_eq!(w.bit_len(), 17);
/// assert_eq!(w.finish(), [0b1010_0101, 0b0101_1110, 0b0000_0000]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits, right-aligned. Invariant: `filled < 8` between calls, so the
    /// accumulator never holds more than 7 bits that are not yet in `bytes`.
    acc: u64,
    filled: u32,
}

/// The widest chunk pushed into the accumulator at once: with at most 7 pending bits,
/// 7 + 56 = 63 bits still fit in a u64.
const CHUNK: u32 = 56;

impl BitWriter {
    /// An empty writer.
    ///
    /// # Examples
    ///
    /// ```
    /// let w = fastrans::golomb::BitWriter::new();
    /// assert_eq!(w.bit_len(), 0);
    /// assert!(w.finish().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `bits` bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::BitWriter;
    ///
    /// let mut w = BitWriter::with_capacity_bits(64);
    /// w.write_bits(u64::MAX, 64);
    /// assert_eq!(w.finish(), [0xFF; 8]);
    /// ```
    pub fn with_capacity_bits(bits: u64) -> Self {
        let bytes = usize::try_from(bits.div_ceil(8)).unwrap_or(0);
        BitWriter {
            bytes: Vec::with_capacity(bytes),
            acc: 0,
            filled: 0,
        }
    }

    /// Number of bits written so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::BitWriter;
    ///
    /// let mut w = BitWriter::new();
    /// w.write_bits(1, 1);
    /// w.write_zeros(100);
    /// assert_eq!(w.bit_len(), 101);
    /// assert_eq!(w.finish().len(), 13); // 101 bits take 13 bytes
    /// ```
    pub fn bit_len(&self) -> u64 {
        self.bytes.len() as u64 * 8 + u64::from(self.filled)
    }

    /// Writes the low `n` bits of `value`, most significant first. REQUIRES `n <= 64`;
    /// bits of `value` above `n` are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::BitWriter;
    ///
    /// let mut w = BitWriter::new();
    /// w.write_bits(0xFF_0F, 4); // the low 4 bits only: 1111
    /// w.write_bits(0b0001, 4);
    /// assert_eq!(w.finish(), [0xF1]);
    /// ```
    pub fn write_bits(&mut self, value: u64, n: u32) {
        debug_assert!(n <= 64);
        if n > CHUNK {
            let low = n - CHUNK;
            self.push(value >> low, CHUNK);
            self.push(value, low);
        } else {
            self.push(value, n);
        }
    }

    /// Writes `n` zero bits (any count).
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::BitWriter;
    ///
    /// let mut w = BitWriter::new();
    /// w.write_zeros(1000);
    /// w.write_bits(1, 1);
    /// let bytes = w.finish();
    /// assert_eq!(bytes.len(), 126);
    /// assert_eq!(bytes[125], 0b1000_0000);
    /// ```
    pub fn write_zeros(&mut self, mut n: u64) {
        while n > 0 {
            let c = n.min(u64::from(CHUNK)) as u32;
            self.push(0, c);
            n -= u64::from(c);
        }
    }

    /// Pushes `n <= CHUNK` bits and moves whole bytes out of the accumulator.
    #[inline]
    fn push(&mut self, value: u64, n: u32) {
        if n == 0 {
            return;
        }
        let mask = (1u64 << n) - 1;
        self.acc = (self.acc << n) | (value & mask);
        self.filled += n;
        while self.filled >= 8 {
            self.filled -= 8;
            self.bytes.push((self.acc >> self.filled) as u8);
        }
        self.acc &= (1u64 << self.filled) - 1;
    }

    /// The bytes, the last one padded with zero bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use fastrans::golomb::BitWriter;
    ///
    /// let mut w = BitWriter::new();
    /// w.write_bits(0b11, 2);
    /// assert_eq!(w.finish(), [0b1100_0000]);
    /// ```
    pub fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            let pad = 8 - self.filled;
            self.bytes.push((self.acc << pad) as u8);
        }
        self.bytes
    }
}

/// Reads bits MSB-first from a byte slice, never past its end.
///
/// [`BitReader::position`] and [`BitReader::remaining`] count the bits read and left.
///
/// # Examples
///
/// ```
/// # fn main() -> fastrans::Result<()> {
/// use fastrans::golomb::BitReader;
///
/// let mut r = BitReader::new(&[0b1010_0101, 0b1000_0000]);
/// assert_eq!(r.read_bits(3)?, 0b101);
/// assert_eq!(r.read_unary_zeros(8)?, 2); // "001"
/// assert_eq!(r.read_bits(3)?, 0b011);
/// assert_eq!((r.position(), r.remaining()), (9, 7));
/// r.finish()?; // only zero padding is left
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Bits consumed. Invariant: `pos <= 8 * data.len()`.
    pos: u64,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data`.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = fastrans::golomb::BitReader::new(&[0xFF, 0x00]);
    /// assert_eq!((r.position(), r.remaining()), (0, 16));
    /// ```
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    /// Bits consumed so far.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let mut r = fastrans::golomb::BitReader::new(&[0xFF, 0x00]);
    /// r.read_bits(5)?;
    /// assert_eq!(r.position(), 5);
    /// # Ok(()) }
    /// ```
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Bits left to read.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let mut r = fastrans::golomb::BitReader::new(&[0xFF, 0x00]);
    /// r.read_bits(5)?;
    /// assert_eq!(r.remaining(), 11);
    /// # Ok(()) }
    /// ```
    pub fn remaining(&self) -> u64 {
        self.data.len() as u64 * 8 - self.pos
    }

    /// The 64 bits starting at `pos` (zeros past the end of the data), MSB-aligned.
    #[inline]
    fn peek64(&self) -> u64 {
        let byte = (self.pos / 8) as usize;
        let shift = (self.pos % 8) as u32;
        let mut buf = [0u8; 9];
        let avail = self.data.len().saturating_sub(byte).min(9);
        if avail > 0 {
            buf[..avail].copy_from_slice(&self.data[byte..byte + avail]);
        }
        let hi = u64::from_be_bytes([
            buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7],
        ]);
        if shift == 0 {
            hi
        } else {
            (hi << shift) | (u64::from(buf[8]) >> (8 - shift))
        }
    }

    /// Reads `n <= 64` bits as an unsigned number (first bit most significant). Fewer
    /// bits left than `n` is an [`Error::CorruptStream`] and reads nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{golomb::BitReader, Error};
    ///
    /// let mut r = BitReader::new(&[0x12, 0x34]);
    /// assert_eq!(r.read_bits(12)?, 0x123);
    /// assert!(matches!(r.read_bits(5), Err(Error::CorruptStream(_)))); // 4 bits left
    /// assert_eq!(r.read_bits(4)?, 0x4);
    /// # Ok(()) }
    /// ```
    pub fn read_bits(&mut self, n: u32) -> Result<u64> {
        if n == 0 {
            return Ok(0);
        }
        if n > 64 {
            return Err(Error::invalid(format!("read_bits: n={n} exceeds 64")));
        }
        if u64::from(n) > self.remaining() {
            return Err(Error::corrupt(format!(
                "truncated: needed {n} more bits at bit {}, only {} left",
                self.pos,
                self.remaining()
            )));
        }
        let v = self.peek64() >> (64 - n);
        self.pos += u64::from(n);
        Ok(v)
    }

    /// Reads one bit.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// let mut r = fastrans::golomb::BitReader::new(&[0b1000_0000]);
    /// assert!(r.read_bit()?);
    /// assert!(!r.read_bit()?);
    /// # Ok(()) }
    /// ```
    pub fn read_bit(&mut self) -> Result<bool> {
        Ok(self.read_bits(1)? == 1)
    }

    /// Counts and consumes zero bits up to and including the next one bit; returns the
    /// number of zeros. More than `max_zeros` zeros is an error (no valid code has that
    /// many), as is running out of data: a garbage stream can never make this loop long.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{golomb::BitReader, Error};
    ///
    /// let mut r = BitReader::new(&[0b0000_0001, 0b0100_0000]);
    /// assert_eq!(r.read_unary_zeros(16)?, 7);
    /// assert_eq!(r.read_unary_zeros(16)?, 1);
    ///
    /// let mut r = BitReader::new(&[0, 0, 0x80]);
    /// assert!(matches!(r.read_unary_zeros(10), Err(Error::CorruptStream(_)))); // 16 zeros
    /// # Ok(()) }
    /// ```
    pub fn read_unary_zeros(&mut self, max_zeros: u32) -> Result<u32> {
        let mut zeros: u32 = 0;
        loop {
            let avail = self.remaining();
            if avail == 0 {
                return Err(Error::corrupt(format!(
                    "truncated: a code prefix runs past the end of the data at bit {}",
                    self.pos
                )));
            }
            let valid = avail.min(64) as u32;
            // Bits past the end of the data read as zero; only `valid` bits are real.
            let lz = self.peek64().leading_zeros();
            if lz < valid {
                zeros += lz;
                if zeros > max_zeros {
                    return Err(self.too_long(zeros, max_zeros));
                }
                self.pos += u64::from(lz) + 1;
                return Ok(zeros);
            }
            zeros += valid;
            self.pos += u64::from(valid);
            if zeros > max_zeros {
                return Err(self.too_long(zeros, max_zeros));
            }
        }
    }

    fn too_long(&self, zeros: u32, max_zeros: u32) -> Error {
        Error::corrupt(format!(
            "a code prefix of at least {zeros} zero bits at bit {} is longer than the \
             {max_zeros} any valid value needs",
            self.pos
        ))
    }

    /// Checks that the stream ends here: only zero padding bits of the last byte may
    /// remain, and no whole byte.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> fastrans::Result<()> {
    /// use fastrans::{golomb::BitReader, Error};
    ///
    /// let mut r = BitReader::new(&[0b1100_0001]);
    /// r.read_bits(2)?;
    /// // The last bit is set: not zero padding.
    /// assert!(matches!(r.finish(), Err(Error::CorruptStream(_))));
    /// # Ok(()) }
    /// ```
    pub fn finish(&self) -> Result<()> {
        let rem = self.remaining();
        if rem >= 8 {
            return Err(Error::corrupt(format!(
                "{} trailing byte(s) after the last code",
                rem / 8
            )));
        }
        if rem > 0 {
            let tail = self.peek64() >> (64 - rem);
            if tail != 0 {
                return Err(Error::corrupt(format!(
                    "the {rem} padding bit(s) of the last byte are not zero"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msb_first_with_zero_padding() {
        let mut w = BitWriter::new();
        w.write_bits(0b101, 3);
        w.write_bits(0b1, 1);
        w.write_bits(0b11, 2);
        assert_eq!(w.bit_len(), 6);
        assert_eq!(w.finish(), vec![0b1011_1100]);
    }

    #[test]
    fn wide_writes_and_reads() {
        let mut w = BitWriter::new();
        w.write_bits(1, 1);
        w.write_bits(u64::MAX, 64);
        w.write_zeros(70);
        w.write_bits(0xABCD, 16);
        let bytes = w.finish();
        assert_eq!(bytes.len(), (1 + 64 + 70 + 16usize).div_ceil(8));
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.read_bits(1).unwrap(), 1);
        assert_eq!(r.read_bits(64).unwrap(), u64::MAX);
        assert_eq!(r.read_unary_zeros(100).unwrap(), 70);
        // 70 zeros then the first bit of 0xABCD (a one) was consumed as the terminator.
        assert_eq!(r.read_bits(15).unwrap(), 0xABCD & 0x7FFF);
        r.finish().unwrap();
    }

    #[test]
    fn reader_reports_truncation_and_padding() {
        let mut r = BitReader::new(&[0b0000_0001]);
        assert!(matches!(r.read_bits(9), Err(Error::CorruptStream(_))));
        assert_eq!(r.read_unary_zeros(7).unwrap(), 7);
        r.finish().unwrap();
        let mut r = BitReader::new(&[0, 0]);
        assert!(matches!(
            r.read_unary_zeros(100),
            Err(Error::CorruptStream(_))
        ));
        let mut r = BitReader::new(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert!(matches!(
            r.read_unary_zeros(20),
            Err(Error::CorruptStream(_))
        ));
        let mut r = BitReader::new(&[0b1000_0001]);
        r.read_bits(1).unwrap();
        assert!(matches!(r.finish(), Err(Error::CorruptStream(_))));
        let r = BitReader::new(&[0]);
        assert!(matches!(r.finish(), Err(Error::CorruptStream(_))));
    }
}
