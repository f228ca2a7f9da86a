"""BufferedEncoder / StreamDecoder: the autoregressive path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastrans
from fastrans import BufferedEncoder, CorruptStreamError, StreamDecoder


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=0, max_size=8), st.integers(0, 2**32 - 1))
def test_many_calls_equal_one_shot(gc_table, sizes, seed):
    rng = np.random.default_rng(seed)
    parts = [
        (rng.integers(-100, 100, n).astype(np.int32), rng.integers(0, 64, n).astype(np.int32))
        for n in sizes
    ]
    enc = BufferedEncoder(gc_table)
    for s, i in parts:
        enc.encode(s, i)
    data = enc.flush()
    all_s = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
    all_i = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
    assert data == gc_table.encode(all_s, all_i, format="compressai")
    dec = StreamDecoder(gc_table, data)
    for s, i in parts:
        np.testing.assert_array_equal(dec.decode(i), s)
    dec.finish()


def test_bad_input_leaves_the_encoder_unchanged(gc_table):
    enc = BufferedEncoder(gc_table)
    enc.encode([1, 2], [0, 1])
    with pytest.raises(ValueError, match="out of range"):
        enc.encode([3], [99])
    with pytest.raises(ValueError, match="one index per symbol"):
        enc.encode([3, 4], [0])
    assert len(enc) == 2
    assert enc.flush() == gc_table.encode([1, 2], [0, 1], format="compressai")


def test_stream_decoder_errors(gc_table):
    data = gc_table.encode([1, 2, 3], [0, 1, 2], format="compressai")
    dec = StreamDecoder(gc_table, data)
    np.testing.assert_array_equal(dec.decode([0, 1]), [1, 2])
    with pytest.raises(CorruptStreamError):
        dec.finish()  # one symbol left
    with pytest.raises(ValueError, match="out of range"):
        dec.decode([64])
    np.testing.assert_array_equal(dec.decode([2]), [3])
    dec.finish()
    with pytest.raises(CorruptStreamError):
        dec.decode([0, 0, 0])  # past the end
    for bad in (b"", b"\x00" * 3, b"\xff" * 8):
        with pytest.raises(CorruptStreamError):
            StreamDecoder(gc_table, bad)


def test_only_the_compressai_format_streams(gc_table):
    with pytest.raises(ValueError, match="compressai"):
        BufferedEncoder(gc_table, format="fastrans")
    with pytest.raises(ValueError, match="compressai"):
        StreamDecoder(gc_table, b"\x00" * 8, format="fastrans")
    with pytest.raises(TypeError, match="CdfTable"):
        BufferedEncoder("not a table")  # type: ignore[arg-type]


def test_threads_share_one_table(gc_table):
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(11)
    jobs = [
        (rng.integers(-50, 50, 20000).astype(np.int32), rng.integers(0, 64, 20000).astype(np.int32))
        for _ in range(8)
    ]
    expected = [gc_table.encode(s, i, format="compressai") for s, i in jobs]

    def work(k: int) -> bool:
        s, i = jobs[k]
        data = gc_table.encode(s, i, format="compressai")
        return data == expected[k] and np.array_equal(
            gc_table.decode(data, i, format="compressai"), s
        )

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(8)))
    assert fastrans.CdfTable is type(gc_table)
