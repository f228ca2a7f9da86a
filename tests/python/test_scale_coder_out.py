"""``ScaleCoder.decode(out=...)``: decoding into memory the caller owns (one item of a
batch) gives what a plain decode returns, in both formats, and every bad ``out`` is
refused before anything is written."""

from __future__ import annotations

import numpy as np
import pytest

import fastrans
from fastrans.workloads import SCALE_TABLE

CODER = fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)


def _item(seed: int, shape=(4, 6, 5)):
    rng = np.random.default_rng(seed)
    scales = (rng.random(shape) * 10 + 0.05).astype(np.float32)
    means = (rng.standard_normal(shape) * 2).astype(np.float32)
    values = (means + scales * rng.standard_normal(shape)).astype(np.float32)
    return values, scales, means


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_each_item_decodes_into_its_row_of_a_batch(fmt):
    items = [_item(seed) for seed in range(3)]
    batch = np.full((3, 4, 6, 5), np.nan, np.float32)
    for b, (v, s, m) in enumerate(items):
        data = CODER.encode(v, s, m, format=fmt)
        got = CODER.decode(data, s, m, format=fmt, out=batch[b])
        assert got is batch[b] or np.shares_memory(got, batch)
        np.testing.assert_array_equal(batch[b], CODER.decode(data, s, m, format=fmt))
        np.testing.assert_array_equal(batch[b], np.round(v - m) + m)


@pytest.mark.parametrize(
    "out, exc, message",
    [
        (np.zeros(4 * 6 * 5 - 1, np.float32), ValueError, "elements"),
        (np.zeros(4 * 6 * 5, np.float64), ValueError, "dtype"),
        (np.zeros((4 * 6 * 5, 2), np.float32)[:, 0], ValueError, "C-contiguous"),
        ([0.0] * (4 * 6 * 5), TypeError, "numpy.ndarray"),
    ],
)
def test_a_bad_out_is_refused_and_left_alone(out, exc, message):
    v, s, m = _item(7)
    data = CODER.encode(v, s, m)
    before = np.array(out, copy=True)
    with pytest.raises(exc, match=message):
        CODER.decode(data, s, m, out=out)
    np.testing.assert_array_equal(np.asarray(out), before)


def test_a_read_only_out_is_refused():
    v, s, m = _item(8)
    data = CODER.encode(v, s, m)
    out = np.zeros(s.shape, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        CODER.decode(data, s, m, out=out)
    assert not out.any()


def test_a_damaged_stream_into_out_is_a_corrupt_stream_error():
    v, s, m = _item(9)
    data = bytearray(CODER.encode(v, s, m))
    data[len(data) // 2] ^= 0x10
    with pytest.raises(fastrans.CorruptStreamError):
        CODER.decode(bytes(data), s, m, out=np.zeros(s.shape, np.float32))


def test_the_native_decoder_refuses_an_out_it_cannot_write():
    v, s, m = _item(10)
    data = CODER.encode(v, s, m)
    flat_s, flat_m = s.reshape(-1), m.reshape(-1)
    out = np.zeros(s.size, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        CODER._native.decode(data, flat_s, flat_m, "fastrans", 1, out)
    raw = np.zeros(4 * s.size + 1, np.uint8)
    misaligned = np.frombuffer(raw.data, np.float32, s.size, offset=1)
    with pytest.raises(ValueError, match="aligned"):
        CODER._native.decode(data, flat_s, flat_m, "fastrans", 1, misaligned)
