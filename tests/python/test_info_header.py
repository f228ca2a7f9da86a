"""``fastrans info`` reads headers with the decoder's own parser (``_native.fastrans_header``):
it accepts what the decoder accepts and refuses what it refuses, with the same message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reference import crc32c, sealed

import fastrans
from fastrans import _info, _native
from fastrans.__main__ import main
from fastrans.errors import CorruptStreamError

TABLE = fastrans.CdfTable([[0, 16384, 49152, 65535, 65536]], [5], [-1])


def _fp() -> bytes:
    return (TABLE.fingerprint & 0xFFFFFFFF).to_bytes(4, "little")


def test_count_beyond_64_bits_is_refused_by_info_and_decoder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2**70 - 1 as ten varint bytes, a one-chunk layout byte and one byte of chunk.
    data = sealed(bytes([2]) + _fp() + b"\xff" * 9 + b"\x7f" + b"\x08\x00")
    with pytest.raises(CorruptStreamError, match="symbol count field overflows 64 bits"):
        _info.parse_stream_header(data)
    with pytest.raises(CorruptStreamError, match="symbol count field overflows 64 bits"):
        TABLE.decode(data, np.zeros(4, np.int32))
    path = tmp_path / "s.bin"
    path.write_bytes(data)
    assert main(["info", str(path)]) == 2
    assert "overflows 64 bits" in capsys.readouterr().err


def test_largest_count_is_reported_and_the_decoder_asks_for_its_indexes() -> None:
    # 2**64 - 1 symbols in one chunk: a header the parser accepts; the decoder then says
    # the caller's indexes do not match the count (a ValueError, not a stream error).
    data = sealed(bytes([2]) + _fp() + b"\xff" * 9 + b"\x01" + b"\x08\x00")
    head = _info.parse_stream_header(data)
    assert (head.symbols, head.chunk_symbols, head.chunk_bytes) == (2**64 - 1, 2**64 - 1, [1])
    with pytest.raises(ValueError, match="holds 18446744073709551615 symbols") as info:
        TABLE.decode(data, np.zeros(4, np.int32))
    assert not isinstance(info.value, CorruptStreamError)


def test_native_header_fields_and_bad_arguments() -> None:
    n = 1000
    data = TABLE.encode(np.zeros(n, np.int32), np.zeros(n, np.int32))
    version, fp32, count, lanes_log2, chunk_symbols, chunk_bytes, header_bytes, crc, model = (
        _native.fastrans_header(data)
    )
    assert model is None
    assert (version, fp32, count, lanes_log2, chunk_symbols) == (
        2,
        TABLE.fingerprint & 0xFFFFFFFF,
        n,
        0,
        n,
    )
    assert header_bytes + sum(chunk_bytes) + 4 == len(data)
    assert crc == crc32c(data[:-4]) == int.from_bytes(data[-4:], "little")
    head = _info.parse_stream_header(bytearray(data))  # any bytes-like
    assert head.chunk_bytes == chunk_bytes
    with pytest.raises(TypeError):
        _native.fastrans_header("not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _info.parse_stream_header([1, 2, 3])  # type: ignore[arg-type]
    for bad in (b"", b"\x02", data[:-1], data + b"\0"):
        with pytest.raises(CorruptStreamError):
            _info.parse_stream_header(bad)


@pytest.mark.parametrize("seed", range(4))
def test_info_refuses_whatever_the_decoder_refuses(seed: int) -> None:
    # Header bytes after the fingerprint rewritten, the CRC resealed.
    rng = np.random.default_rng(seed)
    n = 5000
    clean = TABLE.encode(rng.integers(-1, 2, n).astype(np.int32), np.zeros(n, np.int32))
    for _ in range(300):
        body = bytearray(clean[:-4])
        for _ in range(int(rng.integers(1, 4))):
            at = 5 + int(rng.integers(0, 6))
            body[at] = int(rng.integers(0, 256))
        data = sealed(bytes(body))
        try:
            _info.parse_stream_header(data)
        except CorruptStreamError as exc:
            with pytest.raises(ValueError) as dec:
                TABLE.decode(data, np.zeros(n, np.int32))
            assert str(dec.value) == str(exc) or not isinstance(dec.value, CorruptStreamError)


def test_info_names_the_model_of_model_coded_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastrans.compat.torchac import encode_float_cdf

    rng = np.random.default_rng(7)
    n = 2000
    means = rng.normal(0, 3, n).astype(np.float32)
    scales = rng.uniform(0.2, 5, n).astype(np.float32)
    symbols = np.clip(np.rint(means), -64, 63).astype(np.int32)
    bounded = fastrans.ParametricCoder("laplace", lower=-64, upper=63)
    windowed = fastrans.ParametricCoder("gaussian", precision=12)
    cdf = np.tile(np.linspace(0, 1, 6, dtype=np.float32), (n, 1))
    cases = [
        (bounded.encode(symbols, means, scales), "per-symbol laplace laws, precision 16, "
         "support -64..=63"),
        (windowed.encode(symbols, means, scales), "per-symbol gaussian laws, precision 12, "
         "a window around each law, escapes beyond it"),
        (encode_float_cdf(cdf, symbols.clip(0, 4).astype(np.int16)), "per-symbol float CDFs "
         "over 5 levels, precision 16"),
    ]
    for data, said in cases:
        head = _info.parse_stream_header(data)
        assert (head.version, head.fingerprint32, head.symbols) == (0x82, 0, n)
        assert head.model is not None and head.model.describe() == said
        assert head.header_bytes + sum(head.chunk_bytes) + 4 == len(data)
        path = tmp_path / "m.bin"
        path.write_bytes(data)
        assert main(["info", str(path)]) == 0
        out = capsys.readouterr().out
        assert "model-coded stream, version 0x82" in out and said in out
        damaged = bytearray(data)
        damaged[5] ^= 4
        with pytest.raises(CorruptStreamError, match="CRC32C"):
            _info.parse_stream_header(bytes(damaged))
