"""Per-symbol laws in the serial streams: batches of ParametricCoder laws interleaved with
table pushes on one state, decoded wavefront by wavefront; bad inputs push and consume
nothing; damage is a CorruptStreamError."""

from __future__ import annotations

import numpy as np
import pytest

import fastrans
from fastrans import BufferedEncoder, ParametricCoder, StreamDecoder


def _table() -> fastrans.CdfTable:
    # Symbols -2..=2 and the escape bin, precision 16.
    return fastrans.CdfTable([[0, 6000, 20000, 45000, 59000, 65535, 65536]], [7], [-2])


def _wave(rng, shape, k):
    full = shape if k == 1 else (k, *shape)
    means = rng.normal(0, 6, full).astype(np.float32)
    scales = np.exp(rng.uniform(np.log(0.1), np.log(20), full)).astype(np.float32)
    weights = None
    if k > 1:
        w = rng.uniform(0.05, 1, full)
        weights = (w / w.sum(axis=0, keepdims=True)).astype(np.float32)
    first = means if k == 1 else means[0]
    symbols = np.round(rng.laplace(first, 3.0)).astype(np.int32)
    return symbols, means, scales, weights


@pytest.mark.parametrize("bounds", [(None, None), (-30, 30)])
@pytest.mark.parametrize("k", [1, 3])
def test_wavefronts_interleave_with_table_pushes(bounds, k):
    rng = np.random.default_rng(k)
    table = _table()
    coder = ParametricCoder("gaussian", lower=bounds[0], upper=bounds[1])
    enc = BufferedEncoder(table)
    pushed = []
    for step in range(6):
        symbols, means, scales, weights = _wave(rng, (2, 1 + step, 3), k)
        if bounds[0] is not None:
            symbols = np.clip(symbols, *bounds)
        enc.encode_parametric(coder, symbols, means, scales, weights)
        rows = rng.integers(-2, 3, size=4).astype(np.int32)
        enc.encode(rows, np.zeros(4, np.int32))
        pushed.append((symbols, means, scales, weights, rows))
    data = enc.flush()
    dec = StreamDecoder(table, data)
    for symbols, means, scales, weights, rows in pushed:
        out = dec.decode_parametric(coder, means, scales, weights)
        assert out.dtype == np.int32 and out.shape == symbols.shape
        np.testing.assert_array_equal(out, symbols)
        np.testing.assert_array_equal(dec.decode(np.zeros(4, np.int32)), rows)
    dec.finish()


def test_bad_input_pushes_nothing_and_consumes_nothing():
    table = _table()
    coder = ParametricCoder("laplace", precision=12, lower=-8, upper=7)
    enc = BufferedEncoder(table)
    enc.encode_parametric(coder, [1, 2], [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"symbols\[1\]"):
        enc.encode_parametric(coder, [1, 9], [0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"scales\[0\]"):
        enc.encode_parametric(coder, [1], [0.0], [0.0])
    with pytest.raises(ValueError, match="shape"):
        enc.encode_parametric(coder, [1, 2], [0.0], [1.0])
    with pytest.raises(TypeError, match="ParametricCoder"):
        enc.encode_parametric(table, [1], [0.0], [1.0])  # type: ignore[arg-type]
    assert len(enc) == 2
    dec = StreamDecoder(table, enc.flush())
    before = dec.remaining_bytes
    with pytest.raises(ValueError, match=r"means\[1\]"):
        dec.decode_parametric(coder, [1.0, np.inf], [1.0, 1.0])
    assert dec.remaining_bytes == before
    np.testing.assert_array_equal(dec.decode_parametric(coder, [1.0, 2.0], [1.0, 1.0]), [1, 2])
    dec.finish()


def test_damage_is_a_corrupt_stream_error():
    rng = np.random.default_rng(7)
    coder = ParametricCoder("logistic")
    symbols, means, scales, _ = _wave(rng, (400,), 1)
    symbols[::50] = 10**6  # escapes
    enc = BufferedEncoder(_table())
    enc.encode_parametric(coder, symbols, means, scales)
    data = enc.flush()
    with pytest.raises(fastrans.CorruptStreamError):
        StreamDecoder(_table(), data[: len(data) // 2]).decode_parametric(coder, means, scales)
    raised = 0
    for i in range(0, len(data), 7):
        bad = bytearray(data)
        bad[i] ^= 0xFF
        try:
            dec = StreamDecoder(_table(), bytes(bad))
            out = dec.decode_parametric(coder, means, scales)
            dec.finish()
        except fastrans.CorruptStreamError:
            raised += 1
        else:
            assert not np.array_equal(out, symbols)
    assert raised > 0
