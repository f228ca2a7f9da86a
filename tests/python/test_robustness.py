"""Bad bytes into every decode entry point: random, truncated, bit-flipped, padded and
cross-table streams. Only the documented exceptions come out (ValueError and its
subclasses ``FastransError`` / ``CorruptStreamError`` / ``TableMismatchError``), never
pyo3's ``PanicException`` nor the "internal error" a caught panic becomes; a damaged or
cross-table fastrans stream is always detected; headers that claim more than the bytes can
hold are refused before anything of their size is allocated (docs/ROBUSTNESS.md)."""

from __future__ import annotations

import resource
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastrans
from fastrans import CdfTable, CorruptStreamError, ScaleCoder, StreamDecoder, TableMismatchError
from fastrans.compat.compressai import RansDecoder

SCALES = np.exp(np.linspace(np.log(0.11), np.log(64.0), 12)).astype(np.float32)
TABLE = fastrans.gaussian_table(SCALES)
OTHER = fastrans.laplace_table(SCALES)  # same shape of rows, other fingerprint
CODER = ScaleCoder(TABLE, SCALES)
FORMATS = ("fastrans", "compressai")
SEEDS = Path(__file__).resolve().parents[2] / "fuzz" / "seeds"

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def documented(call: Callable[[], Any]) -> Any:
    """Run ``call``; return its result, or None when it raised a documented exception.
    Anything else (a PanicException, a caught panic's "internal error") fails the test."""
    try:
        return call()
    except ValueError as exc:
        assert "internal error" not in str(exc), f"a Rust panic surfaced: {exc}"
        return None
    except BaseException as exc:  # PanicException derives from BaseException
        if type(exc).__name__ == "PanicException":
            pytest.fail(f"PanicException escaped: {exc}")
        raise


def message(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Symbols (with some escapes) and row indexes."""
    rng = np.random.default_rng(seed)
    indexes = rng.integers(0, len(SCALES), n).astype(np.int32)
    symbols = np.rint(rng.normal(0, 1, n) * SCALES[indexes]).astype(np.int32)
    symbols[rng.random(n) < 0.02] = rng.integers(-(2**31), 2**31 - 1, dtype=np.int64)
    return symbols, indexes


def every_decoder(data: bytes, indexes: np.ndarray, table: CdfTable = TABLE) -> None:
    """Feed ``data`` to every decode entry point; each must succeed or raise a documented
    exception."""
    for fmt in FORMATS:
        documented(lambda fmt=fmt: table.decode(data, indexes, format=fmt, threads=1))
        documented(
            lambda fmt=fmt: ScaleCoder(table, SCALES).decode(
                data, SCALES[indexes], np.zeros(indexes.size, np.float32), format=fmt
            )
        )

    def streamed() -> None:
        dec = StreamDecoder(table, data)
        half = indexes.size // 2
        dec.decode(indexes[:half])
        dec.decode(indexes[half:])
        dec.finish()

    documented(streamed)
    cdfs, lengths, offsets = table.cdfs, table.cdf_lengths, table.offsets
    documented(lambda: RansDecoder().decode_with_indexes(data, indexes, cdfs, lengths, offsets))

    def compat_stream() -> None:
        dec = RansDecoder()
        dec.set_stream(data)
        dec.decode_stream(indexes, cdfs, lengths, offsets)

    documented(compat_stream)


@FAST
@given(st.binary(max_size=400), st.integers(0, 300), st.integers(0, 2**32))
def test_random_bytes(data: bytes, n: int, seed: int) -> None:
    _, indexes = message(n, seed)
    every_decoder(data, indexes)
    # Random bytes are never a fastrans stream (the CRC32C).
    with pytest.raises(CorruptStreamError):
        TABLE.decode(data, indexes, format="fastrans")


@FAST
@given(st.integers(0, 400), st.integers(0, 2**32), st.data())
def test_truncated_flipped_padded(n: int, seed: int, draw: st.DataObject) -> None:
    symbols, indexes = message(n, seed)
    for fmt in FORMATS:
        data = TABLE.encode(symbols, indexes, format=fmt)
        np.testing.assert_array_equal(TABLE.decode(data, indexes, format=fmt), symbols)
        cut = draw.draw(st.integers(0, len(data) - 1), label="cut")
        bit = draw.draw(st.integers(0, 8 * len(data) - 1), label="bit")
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        pad = draw.draw(st.binary(min_size=1, max_size=8), label="pad")
        damaged = [data[:cut], bytes(flipped), data + pad]
        for bad in damaged:
            every_decoder(bad, indexes)
        if fmt == "fastrans":
            # Every truncation, flipped bit and trailing byte is detected.
            for bad in damaged:
                with pytest.raises(CorruptStreamError):
                    TABLE.decode(bad, indexes, format="fastrans")
                with pytest.raises(CorruptStreamError):
                    CODER.decode(bad, SCALES[indexes], format="fastrans")


@FAST
@given(st.integers(0, 400), st.integers(0, 2**32))
def test_cross_table(n: int, seed: int) -> None:
    symbols, indexes = message(n, seed)
    for fmt in FORMATS:
        data = TABLE.encode(symbols, indexes, format=fmt)
        every_decoder(data, indexes, OTHER)
    data = TABLE.encode(symbols, indexes, format="fastrans")
    with pytest.raises(TableMismatchError):
        OTHER.decode(data, indexes, format="fastrans")
    with pytest.raises(TableMismatchError):
        ScaleCoder(OTHER, SCALES).decode(data, SCALES[indexes], format="fastrans")


@FAST
@given(st.integers(1, 300), st.integers(0, 2**32), st.integers(-5, 5))
def test_wrong_indexes(n: int, seed: int, delta: int) -> None:
    symbols, indexes = message(n, seed)
    other = np.clip(indexes[: max(0, n + delta)] + 1, 0, len(SCALES) - 1).astype(np.int32)
    for fmt in FORMATS:
        data = TABLE.encode(symbols, indexes, format=fmt)
        every_decoder(data, other)


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def _crc_table() -> list[int]:
    out = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        out.append(c)
    return out


_CRC = _crc_table()


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli), docs/FORMAT.md's checksum."""
    c = 0xFFFFFFFF
    for b in data:
        c = (c >> 8) ^ _CRC[(c ^ b) & 0xFF]
    return c ^ 0xFFFFFFFF


def framed(body: bytes, table: CdfTable = TABLE) -> bytes:
    """A fastrans stream from header fields and payload, with the right fingerprint and
    CRC32C (so the parser, not the checksum, must refuse it)."""
    head = b"\x01" + struct.pack("<I", table.fingerprint & 0xFFFFFFFF) + body
    return head + struct.pack("<I", crc32c(head))


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_crafted_headers_refused_before_allocating() -> None:
    idx = np.zeros(1000, np.int32)
    before = peak_rss_kib()
    cases: list[tuple[bytes, np.ndarray, type[ValueError]]] = [
        # 2^40 symbols claimed: the caller's count rules, nothing sized from the header.
        (framed(varint(2**40) + b"\x00\x01" + b"\x00" * 8), idx, ValueError),
        # 2^64 - 1 symbols claimed, with the caller claiming the same is impossible.
        (framed(varint(2**64 - 1) + b"\x05" + varint(1)), idx, ValueError),
        # 1000 one-symbol chunks in 6 bytes: a chunk count the bytes cannot hold.
        (framed(varint(1000) + b"\x00" + varint(1) + b"\x01" * 5), idx, CorruptStreamError),
        # A chunk length pointing 2^62 bytes past the end.
        (
            framed(varint(1000) + b"\x00" + varint(500) + varint(2**62) + b"\x01" * 8),
            idx,
            CorruptStreamError,
        ),
        # 33 lanes (lanes_log2 = 6) and lanes_log2 = 255.
        (framed(varint(1000) + b"\x06" + varint(1000) + b"\x01" * 8), idx, CorruptStreamError),
        (framed(varint(1000) + b"\xff" + varint(1000) + b"\x01" * 8), idx, CorruptStreamError),
        # Lane states claiming 2^62 symbols to cross / more words than present.
        (
            framed(varint(1000) + b"\x00" + varint(1000) + varint(2**40) + varint(2**62)),
            idx,
            CorruptStreamError,
        ),
        # A varint that never ends.
        (framed(b"\xff" * 20), idx, CorruptStreamError),
    ]
    for data, indexes, exc in cases:
        with pytest.raises(exc) as info:
            TABLE.decode(data, indexes, format="fastrans")
        assert "internal error" not in str(info.value)
        with pytest.raises(exc):
            CODER.decode(data, np.ones(indexes.size, np.float32), format="fastrans")
    # CompressAI format: a stream of 8 bytes and 2^20 indexes fails at the end of the data.
    big = np.zeros(1 << 20, np.int32)
    state = struct.pack("<II", 0, 1)  # x = 2^32: a valid initial state
    with pytest.raises(CorruptStreamError):
        TABLE.decode(state, big, format="compressai")
    with pytest.raises(CorruptStreamError):
        StreamDecoder(TABLE, state).decode(big)
    # Nothing above allocates more than the caller's own output (a 4 MiB int32 array); an
    # allocation sized from the claimed counts would be terabytes (or abort the process).
    assert peak_rss_kib() - before < 64 * 1024


def test_seed_corpora_never_panic() -> None:
    """Every committed fuzz seed, fed raw to every decoder (the fuzz targets' corpora are
    regression inputs too)."""
    files = sorted(p for p in SEEDS.rglob("*") if p.is_file())
    assert files, f"no fuzz seeds found under {SEEDS}"
    idx = [message(n, 7)[1] for n in (0, 1, 17, 300)]
    for path in files:
        data = path.read_bytes()
        for indexes in idx:
            every_decoder(data, indexes)
            for skip in (11, 12):  # the stream part of the stream targets' inputs
                every_decoder(data[skip:], indexes)


def test_degenerate_table_shapes_are_refused_not_panicking() -> None:
    """Regression: a (0, 2^60) array with 16 row lengths made ``rows * width`` wrap to 0,
    pass the size check and panic on slicing (caught, but as an "internal error")."""
    lengths, offsets = np.full(16, 3, np.int32), np.zeros(16, np.int32)
    for make in (
        lambda: CdfTable(np.zeros((0, 2**60), np.int32), lengths, offsets),
        lambda: CdfTable.from_pmfs(
            np.zeros((0, 2**60), np.float32), lengths, np.full(16, 0.1, np.float32), offsets
        ),
        lambda: CdfTable(np.zeros((16, 0), np.int32), lengths, offsets),
        lambda: CdfTable(np.zeros((0, 3), np.int32), [], []),
    ):
        with pytest.raises(ValueError) as info:
            make()
        assert "internal error" not in str(info.value)


@FAST
@given(
    st.integers(0, 6),
    st.integers(0, 6),
    st.lists(st.integers(-(2**31), 2**31 - 1), max_size=40),
    st.integers(-2, 18),
)
def test_arbitrary_table_arguments(
    rows: int, width: int, numbers: list[int], precision: int
) -> None:
    """CdfTable / from_pmfs / pmf_to_quantized_cdf / gaussian_table / ScaleCoder on
    arbitrary arguments: a table or a documented exception (ValueError / TypeError)."""
    a = np.resize(np.array(numbers or [0], np.int64), rows * width).reshape(rows, width)
    lengths = np.resize(np.array(numbers or [0], np.int64) % 9, rows)
    offsets = np.resize(np.array(numbers or [0], np.int64), rows)

    def either(call: Callable[[], Any]) -> Any:
        try:
            return documented(call)
        except TypeError:
            return None

    table = either(lambda: CdfTable(a, lengths, offsets, precision))
    if table is not None:
        s = np.array(numbers[:5] or [0], np.int32)
        i = np.zeros(s.size, np.int32)
        for fmt in FORMATS:
            data = either(lambda fmt=fmt: table.encode(s, i, format=fmt))
            if data is not None:
                np.testing.assert_array_equal(table.decode(data, i, format=fmt), s)
    pmfs = (a.astype(np.float64) / 2**31).astype(np.float32)
    either(
        lambda: CdfTable.from_pmfs(
            pmfs, lengths, np.full(rows, 0.01, np.float32), offsets, precision
        )
    )
    either(lambda: fastrans.pmf_to_quantized_cdf(pmfs.reshape(-1), precision))
    scales = np.abs(pmfs.reshape(-1)) * 100
    either(lambda: fastrans.gaussian_table(scales, precision))
    either(lambda: fastrans.scale_indexes(scales, scales))
    either(lambda: ScaleCoder(TABLE, scales))


@FAST
@given(
    st.binary(max_size=64),
    st.one_of(st.integers(0, 600), st.integers(0, 2**63)),
    st.integers(-1, 70),
    st.sampled_from(["sign_magnitude", "zigzag", "unsigned"]),
)
def test_golomb_decode_arbitrary_bytes(data: bytes, count: int, k: int, signed: str) -> None:
    from fastrans import golomb

    values = documented(lambda: golomb.decode(data, count, k, signed))
    if values is not None:
        # An accepted stream is the encoder's stream of its values (one byte form each).
        assert golomb.encode(values, k, signed) == data
    if count > 8 * len(data):
        with pytest.raises(ValueError):  # refused before allocating `count` values
            golomb.decode(data, count, k, signed)


def _coded_network() -> tuple[Any, bytes]:
    import torch
    from torch import nn

    from fastrans import nnquant

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    result = nnquant.quantize_model(model, lambda m, bits: float(bits), ks=range(4))
    return model, nnquant.encode_parameters(model, result)


def test_network_parameters_bad_bytes() -> None:
    """``nnquant.decode_parameters`` on truncated, bit-flipped, padded and random bytes
    raises CorruptStreamError every time (the stream's CRC covers every byte), and on
    another architecture ArchitectureMismatchError; the model is left untouched."""
    import torch
    from torch import nn

    from fastrans import nnquant

    model, data = _coded_network()
    before = [p.detach().clone() for p in model.parameters()]
    rng = np.random.default_rng(3)
    bad = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 40))]
    for bit in rng.choice(8 * len(data), size=min(200, 8 * len(data)), replace=False):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        bad.append(bytes(flipped))
    bad += [data + b"\x00", rng.bytes(len(data)), b""]
    for b in bad:
        with pytest.raises(CorruptStreamError):
            nnquant.decode_parameters(b, model)
    for p, q in zip(model.parameters(), before):
        assert torch.equal(p, q)
    with pytest.raises(nnquant.ArchitectureMismatchError):
        nnquant.decode_parameters(data, nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3)))
    nnquant.decode_parameters(data, model)  # the intact stream still loads
