"""ParametricCoder: round trips in any shape, mixtures, bad inputs with their exception
types, damage and mismatches, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastrans
from fastrans import ParametricCoder


def _laws(shape, k=1, seed=0):
    rng = np.random.default_rng(seed)
    full = shape if k == 1 else (k, *shape)
    means = (np.round(rng.normal(0, 8, full) * 256) / 256).astype(np.float32)
    scales = np.exp(rng.uniform(np.log(0.05), np.log(60), full)).astype(np.float32)
    weights = None
    if k > 1:
        w = rng.uniform(0.05, 1, full)
        weights = (w / w.sum(axis=0, keepdims=True)).astype(np.float32)
    first = means if k == 1 else means[0]
    first_scale = scales if k == 1 else scales[0]
    symbols = np.round(rng.laplace(first, first_scale)).astype(np.int32)
    return symbols, means, scales, weights


@pytest.mark.parametrize("family", ["gaussian", "laplace", "logistic"])
@pytest.mark.parametrize("bounds", [(None, None), (-64, 63)])
@pytest.mark.parametrize("k", [1, 3])
def test_round_trip(family, bounds, k):
    coder = ParametricCoder(family, lower=bounds[0], upper=bounds[1])
    symbols, means, scales, weights = _laws((3, 50, 7), k, seed=k)
    if bounds[0] is not None:
        symbols = np.clip(symbols, *bounds)
    data = coder.encode(symbols, means, scales, weights)
    assert isinstance(data, bytes)
    out = coder.decode(data, means, scales, weights, threads=2)
    assert out.dtype == np.int32 and out.shape == symbols.shape
    np.testing.assert_array_equal(out, symbols)
    assert coder.encode(symbols, means, scales, weights, threads=1) == data


def test_shapes_lists_and_scalars():
    coder = ParametricCoder("gaussian", precision=12)
    data = coder.encode([[1, -2], [3, 400]], [[0.5, -1.0], [2.0, 0.0]], [[1.0] * 2] * 2)
    out = coder.decode(
        data, np.zeros((2, 2), np.float32) + [[0.5, -1.0], [2.0, 0.0]], np.ones((2, 2), np.float32)
    )
    np.testing.assert_array_equal(out, [[1, -2], [3, 400]])
    empty = coder.encode(np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
    assert coder.decode(empty, np.zeros(0), np.zeros(0)).shape == (0,)


def test_bad_inputs_raise_and_name_the_element():
    coder = ParametricCoder("laplace", lower=-64, upper=63)
    s = np.array([0, 1, 2], np.int32)
    m = np.zeros(3, np.float32)
    sc = np.ones(3, np.float32)
    with pytest.raises(ValueError, match=r"scales\[1\]"):
        coder.encode(s, m, np.array([1, 0, 1], np.float32))
    with pytest.raises(ValueError, match=r"means\[2\]"):
        coder.encode(s, np.array([0, 0, np.nan], np.float32), sc)
    with pytest.raises(ValueError, match=r"symbols\[0\] = 99"):
        coder.encode(np.array([99, 0, 0]), m, sc)
    with pytest.raises(ValueError, match="shape"):
        coder.encode(s, m[:2], sc)
    with pytest.raises(ValueError, match=r"weights\[:, 0\]"):
        coder.encode(s, np.zeros((2, 3)), np.ones((2, 3)), np.full((2, 3), 0.3))
    with pytest.raises(ValueError, match=r"weights\[1, 2\]"):
        w = np.array([[0.5, 0.5, 1.5], [0.5, 0.5, -0.5]])
        coder.encode(s, np.zeros((2, 3)), np.ones((2, 3)), w)
    with pytest.raises(TypeError):
        coder.encode(np.array(["a", "b", "c"]), m, sc)
    with pytest.raises(TypeError):
        coder.encode(s, m, sc, threads=1.5)
    with pytest.raises(ValueError):
        coder.encode(s, m, sc, threads=0)
    with pytest.raises(ValueError):
        ParametricCoder("cauchy")
    with pytest.raises(TypeError):
        ParametricCoder(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ParametricCoder("gaussian", precision=17)
    with pytest.raises(ValueError):
        ParametricCoder("gaussian", lower=0)
    with pytest.raises(ValueError):
        ParametricCoder("gaussian", lower=0, upper=70000)
    with pytest.raises(TypeError):
        ParametricCoder("gaussian", lower=0.5, upper=3)  # type: ignore[arg-type]


def test_damage_truncation_and_mismatch():
    coder = ParametricCoder("gaussian", lower=-64, upper=63)
    symbols, means, scales, _ = _laws((200,), seed=4)
    symbols = np.clip(symbols, -64, 63)
    data = coder.encode(symbols, means, scales)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x10
        with pytest.raises(fastrans.CorruptStreamError):
            coder.decode(bytes(bad), means, scales)
    for n in (0, 5, len(data) - 1):
        with pytest.raises(fastrans.CorruptStreamError):
            coder.decode(data[:n], means, scales)
    with pytest.raises(fastrans.TableMismatchError, match="family gaussian"):
        ParametricCoder("laplace", lower=-64, upper=63).decode(data, means, scales)
    with pytest.raises(fastrans.TableMismatchError, match="precision 16"):
        ParametricCoder("gaussian", precision=15, lower=-64, upper=63).decode(data, means, scales)
    with pytest.raises(fastrans.TableMismatchError, match="support"):
        ParametricCoder("gaussian").decode(data, means, scales)
    with pytest.raises(ValueError, match="200"):
        coder.decode(data, means[:10], scales[:10])
    table = fastrans.gaussian_table([0.5, 1.0, 4.0])
    with pytest.raises(fastrans.TableMismatchError):
        table.decode(data, np.zeros(200, np.int32))
    table_stream = table.encode(np.zeros(200, np.int32), np.zeros(200, np.int32))
    with pytest.raises(fastrans.TableMismatchError, match="tables"):
        coder.decode(table_stream, means, scales)


def test_pickling_and_repr():
    coder = ParametricCoder("logistic", precision=14, lower=-8, upper=8)
    back = pickle.loads(pickle.dumps(coder))
    assert (
        repr(back) == repr(coder) == "ParametricCoder('logistic', precision=14, lower=-8, upper=8)"
    )
    symbols, means, scales, _ = _laws((100,), seed=2)
    symbols = np.clip(symbols, -8, 8)
    assert back.encode(symbols, means, scales) == coder.encode(symbols, means, scales)
    assert (back.family, back.precision, back.lower, back.upper) == ("logistic", 14, -8, 8)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-(2**31), 2**31 - 1), st.floats(-1e4, 1e4), st.floats(-16, 16)),
        max_size=300,
    ),
    st.sampled_from(["gaussian", "laplace", "logistic"]),
    st.integers(1, 3),
)
def test_hypothesis_round_trip(items, family, k):
    coder = ParametricCoder(family)
    n = len(items)
    symbols = np.array([t[0] for t in items], np.int32)
    means = np.array([[t[1] / (j + 1) for t in items] for j in range(k)], np.float32)
    scales = np.array([[2.0 ** t[2] for t in items] for j in range(k)], np.float32)
    weights = np.full((k, n), 1.0 / k, np.float32) if k > 1 else None
    if k == 1:
        means, scales = means[0], scales[0]
    data = coder.encode(symbols, means, scales, weights)
    np.testing.assert_array_equal(coder.decode(data, means, scales, weights), symbols)
