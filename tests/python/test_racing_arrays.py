"""Arrays another thread writes while a call runs (docs/ROBUSTNESS.md, "Arrays changed
during a call"): the call returns a value or raises a ValueError, never a caught panic
("internal error"), whatever the writer does. Indexes are read once into memory of the
call's own, so what is range-checked is what is coded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import fastrans
from fastrans import BufferedEncoder, StreamDecoder
from fastrans.errors import CorruptStreamError, FastransError
from fastrans.workloads import SCALE_TABLE

TABLE = fastrans.gaussian_table(SCALE_TABLE)
CODER = fastrans.ScaleCoder(TABLE, SCALE_TABLE)
N = 200_000
CALLS = 40


def _race(
    target: np.ndarray, states: list[np.ndarray], call: Callable[[], Any]
) -> dict[str, int]:
    """Runs `call` CALLS times while a thread keeps overwriting `target` with each of
    `states` in turn; counts the outcomes and fails on anything but a value or a plain
    ValueError / CorruptStreamError."""
    stop = threading.Event()

    def writer() -> None:
        k = 0
        while not stop.is_set():
            target[:] = states[k % len(states)]
            k += 1

    t = threading.Thread(target=writer)
    t.start()
    seen = {"value": 0, "ValueError": 0, "CorruptStreamError": 0}
    try:
        for _ in range(CALLS):
            try:
                call()
                seen["value"] += 1
            except ValueError as exc:
                assert "internal error" not in str(exc), exc
                assert type(exc) in (ValueError, CorruptStreamError), repr(exc)
                seen[type(exc).__name__] += 1
    finally:
        stop.set()
        t.join()
    return seen


def _inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 64, N).astype(np.int32)
    sym = rng.integers(-3, 4, N).astype(np.int32)
    return sym, idx


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
@pytest.mark.parametrize("threads", [1, 2])
def test_indexes_written_during_encode(
    fmt: str, threads: int, capfd: pytest.CaptureFixture[str]
) -> None:
    sym, idx = _inputs()
    good = idx.copy()
    bad = np.full(N, 1_000_000, np.int32)  # out of range: the reported panic's value
    seen = _race(idx, [good, bad], lambda: TABLE.encode(sym, idx, format=fmt, threads=threads))
    assert seen["CorruptStreamError"] == 0  # encoding has no stream to find corrupt
    assert "panicked" not in capfd.readouterr().err


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
@pytest.mark.parametrize("threads", [1, 2])
def test_indexes_written_during_decode(
    fmt: str, threads: int, capfd: pytest.CaptureFixture[str]
) -> None:
    sym, idx = _inputs(1)
    data = TABLE.encode(sym, idx, format=fmt)
    good = idx.copy()
    states = [good, np.full(N, 1_000_000, np.int32), np.full(N, 63, np.int32)]
    _race(idx, states, lambda: TABLE.decode(data, idx, format=fmt, threads=threads))
    assert "panicked" not in capfd.readouterr().err
    # And the array the caller keeps afterwards still decodes the stream.
    np.testing.assert_array_equal(TABLE.decode(data, good, format=fmt), sym)


def test_indexes_written_during_streaming_calls(capfd: pytest.CaptureFixture[str]) -> None:
    sym, idx = _inputs(2)
    good = idx.copy()
    bad = np.full(N, -5, np.int32)

    def buffered() -> bytes:
        enc = BufferedEncoder(TABLE)
        enc.encode(sym, idx)
        return enc.flush()

    _race(idx, [good, bad], buffered)
    data = TABLE.encode(sym, good, format="compressai")
    _race(idx, [good, bad], lambda: StreamDecoder(TABLE, data).decode(idx))
    assert "panicked" not in capfd.readouterr().err


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_floats_written_during_scale_coder_calls(
    fmt: str, capfd: pytest.CaptureFixture[str]
) -> None:
    # Floats are read where they are used and every read is checked there: NaN, infinity
    # and values outside int32 appearing mid-call give a ValueError or some stream.
    rng = np.random.default_rng(4)
    y = rng.normal(0, 5, N).astype(np.float32)
    s = rng.uniform(0.2, 9, N).astype(np.float32)
    m = rng.normal(0, 2, N).astype(np.float32)
    data = CODER.encode(y, s, m, format=fmt)
    wild = [np.full(N, v, np.float32) for v in (np.nan, np.inf, -3e9, 1e-45)]
    for target in (y, s, m):
        keep = target.copy()
        _race(target, [keep, *wild], lambda: CODER.encode(y, s, m, format=fmt))
        target[:] = keep
    for target in (s, m):
        keep = target.copy()
        _race(target, [keep, *wild], lambda: CODER.decode(data, s, m, format=fmt))
        target[:] = keep
    assert "panicked" not in capfd.readouterr().err


def test_unaligned_int32_indexes_are_realigned_by_the_facade() -> None:
    raw = np.zeros(4 * 100 + 1, np.uint8)
    idx = np.frombuffer(raw.data, np.int32, 100, offset=1)
    assert not idx.flags.aligned
    sym = np.zeros(100, np.int32)
    data = TABLE.encode(sym, idx)
    np.testing.assert_array_equal(TABLE.decode(data, idx), sym)
    # The native function itself refuses unaligned memory with a ValueError.
    with pytest.raises(ValueError, match="not aligned to 4 bytes") as info:
        TABLE._native.decode_fastrans(data, idx, 1)
    assert not isinstance(info.value, FastransError)


def test_unaligned_float32_arrays_are_realigned_or_refused() -> None:
    raw = np.zeros(4 * 100 + 1, np.uint8)
    vals = np.frombuffer(raw.data, np.float32, 100, offset=1)
    assert not vals.flags.aligned
    ones = np.ones(100, np.float32)
    data = CODER.encode(vals, ones, vals)
    np.testing.assert_array_equal(CODER.decode(data, ones), np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="values is not aligned to 4 bytes"):
        CODER._native.encode(vals, ones, None, "fastrans", 1)
