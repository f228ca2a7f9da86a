"""Writes the small committed seed corpora in fuzz/seeds/<target>/ (valid inputs the fuzzer
mutates from; the generated corpora in fuzz/corpus/ are not committed).

    PYTHONPATH=python python fuzz/make_seeds.py
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

import fastrans

OUT = Path(__file__).resolve().parent / "seeds"
SMALL = np.array([0.11, 0.5, 2.0, 8.0, 30.0])
MASK = (1 << 64) - 1


def fuzz_indexes(rows: int, n: int, seed: int) -> np.ndarray:
    """fuzz_targets/common/mod.rs `indexes`, the same xorshift64."""
    if seed == 0:
        return np.zeros(n, np.int32)
    x, out = seed | 1, []
    for _ in range(n):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        out.append(x % rows)
    return np.array(out, np.int32)


def as_version_1(stream: bytes) -> bytes:
    """A one-chunk version-2 stream rewritten as version 1 writes it: layout byte without
    the flag, then the chunk size (= n), and a new CRC (docs/FORMAT.md section 1)."""
    from fastrans._info import _varint, crc32c

    n, pos = _varint(stream, 5, "n")
    assert n > 0 and stream[0] == 2 and stream[pos] & 0x08, "not a one-chunk v2 stream"
    size = bytearray()
    v = n
    while v >= 0x80:
        size.append(v & 0x7F | 0x80)
        v >>= 7
    size.append(v)
    body = bytes([1]) + stream[1:pos] + bytes([stream[pos] & 0x07]) + bytes(size)
    body += stream[pos + 1 : -4]
    return body + crc32c(body).to_bytes(4, "little")


def write(target: str, name: str, data: bytes) -> None:
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main() -> None:
    rng = np.random.default_rng(0)
    tables = {
        1: fastrans.gaussian_table(SMALL, 16, 1e-9),
        3: fastrans.laplace_table(SMALL, 16, 1e-6),
        4: fastrans.gaussian_table(SMALL, 8, 1e-3),
    }
    for t, table in tables.items():
        for n, seed in ((0, 0), (1, 0), (40, 5), (300, 77)):
            idx = fuzz_indexes(5, n, seed)
            sym = np.rint(rng.normal(0, 1, n) * SMALL[idx] * 2).astype(np.int32)
            head = struct.pack("<HQ", n, seed)
            if table.precision == 16:
                data = table.encode(sym, idx, format="compressai")
                write("compressai_stream", f"t{t}_n{n}", bytes([t]) + head + data)
            data = table.encode(sym, idx, format="fastrans")
            write("fastrans_stream", f"t{t}_n{n}", bytes([t, 0]) + head + data)
            write("fastrans_stream", f"t{t}_n{n}_fix", bytes([t, 1]) + head + data)
            if n == 300:
                v1 = as_version_1(data)
                write("fastrans_stream", f"t{t}_n{n}_v1", bytes([t, 0]) + head + v1)
    # fastrans_header: mode, n:u16, layout, chunk_symbols:u16, k, k x len:u16, payload
    # (mode bit 6: version 1).
    write(
        "fastrans_header",
        "one_chunk",
        bytes([0]) + struct.pack("<HBHB", 40, 0x08, 40, 0) + b"\x01" * 8,
    )
    write(
        "fastrans_header",
        "one_chunk_v1",
        bytes([0x40]) + struct.pack("<HBHB", 40, 0, 40, 0) + b"\x01" * 8,
    )
    write(
        "fastrans_header",
        "two_chunks",
        bytes([0]) + struct.pack("<HBHBH", 40, 1, 20, 1, 4) + b"\x01" * 8,
    )
    write("fastrans_header", "wide", bytes([7]) + struct.pack("<QBQBQ", 1 << 40, 5, 1, 1, 1 << 62))
    # cdf_table: precision, rows, width, mode, seed, then numbers.
    write("cdf_table", "built", bytes([16, 2, 12, 1]) + struct.pack("<Q", 9) + rng.bytes(96))
    write(
        "cdf_table",
        "raw",
        bytes([16, 1, 4, 0])
        + struct.pack("<Q", 9)
        + struct.pack("<4iB", 0, 100, 65536, 0, 11)
        + b"\x01\x10\x00",
    )
    write("cdf_table", "p1", bytes([1, 1, 3, 1]) + struct.pack("<Q", 3) + rng.bytes(16))
    # pmf_to_cdf: precision, mode, values.
    write(
        "pmf_to_cdf", "raw", bytes([16, 0]) + np.array([0.25, 0.5, 0.25, 0.0], np.float32).tobytes()
    )
    write("pmf_to_cdf", "bytes", bytes([12, 1]) + bytes([0, 0, 255, 3, 0, 1] * 8))
    write(
        "pmf_to_cdf",
        "sparse",
        bytes([16, 2]) + struct.pack("<H", 299) + bytes([7, 0, 64, 150, 0, 32]),
    )
    # encode_agree: table, mode (bit 0: floats, bit 1: means, bits 2-3: lanes 8/16/32 with
    # chunks of 1 + (seed >> 48) % 2048 symbols), n:u16, seed:u64, payload.
    for t in (1, 4):
        n = 300
        head = struct.pack("<HQ", n, 77)
        cut = struct.pack("<HQ", n, (150 << 48) | 77)
        sym = np.rint(rng.normal(0, 3, n)).astype(np.int32)
        sym[::37] = np.iinfo(np.int32).max
        write("encode_agree", f"t{t}_symbols", bytes([t, 0]) + head + sym.tobytes())
        write("encode_agree", f"t{t}_symbols_16", bytes([t, 8]) + cut + sym.tobytes())
        trip = np.stack(
            [rng.normal(0, 4, n), rng.uniform(0.05, 40, n), rng.normal(0, 2, n)], axis=1
        ).astype(np.float32)
        write("encode_agree", f"t{t}_floats", bytes([t, 3]) + head + trip.tobytes())
        write("encode_agree", f"t{t}_floats_8", bytes([t, 7]) + cut + trip.tobytes())
    # float_cdf_stream: mode, seed, n, levels, then edits; mode bit 4 has the target code a
    # valid stream itself (bit 0: wide rows, 1: flat runs, 2: one spoiled row, 3: re-seal).
    for name, head in (
        ("valid_small", bytes([0x10, 1, 40, 7])),
        ("valid_flat_runs", bytes([0x12, 2, 60, 20])),
        ("valid_wide", bytes([0x11, 3, 12, 200])),
        ("edits_resealed", bytes([0x18, 4, 90, 30, 7, 0, 0x40, 20, 0, 0x01])),
        ("spoiled_row", bytes([0x14, 5, 30, 9])),
        ("two_levels", bytes([0x10, 6, 50, 0])),
    ):
        write("float_cdf_stream", name, head)
    # golomb: k, layout (bit 7: 64-bit count), count, bits.
    write("golomb", "eg0", bytes([0, 0]) + struct.pack("<H", 4) + bytes([0b10100110, 0b01000000]))
    write("golomb", "eg2_sm", bytes([2, 1]) + struct.pack("<H", 3) + bytes([0xA5, 0x3C, 0x80]))
    write("golomb", "zz_wide", bytes([1, 0x82]) + struct.pack("<Q", 1 << 40) + bytes([0x55] * 6))


if __name__ == "__main__":
    main()
