"""Casts never change a value silently: ScaleCoder's values and means must have exact
float32 values, and int32 range errors print the exact offending value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastrans
from fastrans.workloads import SCALE_TABLE

CODER = fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)
TABLE = fastrans.CdfTable([[0, 16384, 49152, 65535, 65536]], [5], [-1])
ONE = np.ones(1, np.float32)


@pytest.mark.parametrize(
    ("value", "shown", "as_f32"),
    [
        (np.float64(2.5000001), "2.5000001", "2.5"),  # would round to 2, not 3
        (np.float64(16777217.0), "16777217.0", "16777216.0"),
        (np.int64(16777217), "16777217", "16777216.0"),
        (np.int64(2**40 + 1), "1099511627777", "1099511627776.0"),
        (np.float64(1e300), r"1e\+300", "inf"),
    ],
)
@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_scale_coder_refuses_values_float32_cannot_hold(
    value: np.generic, shown: str, as_f32: str, fmt: str
) -> None:
    v = np.array([value])
    msg = rf"values\[0\] = {shown} has no exact float32 value \(float32 would make it {as_f32}\)"
    with pytest.raises(ValueError, match=msg):
        CODER.encode(v, ONE, format=fmt)
    zero = np.zeros(1, np.float32)
    with pytest.raises(ValueError, match=msg.replace("values", "means")):
        CODER.encode(zero, ONE, v, format=fmt)
    data = CODER.encode(zero, ONE, format=fmt)
    with pytest.raises(ValueError, match=msg.replace("values", "means")):
        CODER.decode(data, ONE, v, format=fmt)


def test_first_inexact_element_is_named_and_exact_ones_pass() -> None:
    v = np.array([1.0, 0.5, 3.0, 0.1, 0.3])
    with pytest.raises(ValueError, match=r"values\[3\] = 0.1 has no exact"):
        CODER.encode(v, np.ones(5, np.float32))
    # NaN keeps its own, older message (the core refuses it).
    with pytest.raises(ValueError, match=r"values\[0\] is NaN"):
        CODER.encode(np.array([np.nan]), ONE)


def test_exact_inputs_of_any_dtype_code_as_their_float32_values() -> None:
    rng = np.random.default_rng(5)
    y32 = (rng.normal(0, 4, 600)).astype(np.float32)
    m32 = rng.normal(0, 2, 600).astype(np.float32)
    s32 = rng.uniform(0.2, 9, 600).astype(np.float32)
    for fmt in ("fastrans", "compressai"):
        ref = CODER.encode(y32, s32, m32, format=fmt)
        assert CODER.encode(y32.astype(np.float64), s32, m32.astype(np.float64), format=fmt) == ref
        ints = np.rint(y32).astype(np.int64)
        assert CODER.encode(ints, s32, format=fmt) == CODER.encode(
            ints.astype(np.float32), s32, format=fmt
        )
        out = CODER.decode(ref, s32, m32.astype(np.float64), format=fmt)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, CODER.decode(ref, s32, m32, format=fmt))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_float64_values_are_coded_exactly_or_refused(xs: list[float]) -> None:
    v = np.array(xs, np.float64)
    s = np.ones(v.size, np.float32)
    exact = np.array_equal(v.astype(np.float32).astype(np.float64), v)
    try:
        data = CODER.encode(v, s)
    except ValueError as exc:
        assert not exact, exc
        assert "has no exact float32 value" in str(exc)
        return
    assert exact
    np.testing.assert_array_equal(CODER.decode(data, s), np.rint(v.astype(np.float32)))


@pytest.mark.parametrize(
    "symbols",
    [
        np.array([2**31], np.float32),  # equals float32(int32 max): passed, then wrapped
        np.array([2.0**31]),
        np.array([2**31], np.int64),
        np.array([2**31], np.uint32),
    ],
)
def test_int32_range_error_prints_the_exact_value(symbols: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"symbols holds 2147483648, outside the int32 range"):
        TABLE.encode(symbols, np.zeros(1, np.int32))
    with pytest.raises(ValueError, match=r"indexes holds 2147483648, outside the int32 range"):
        TABLE.decode(b"", symbols)


def test_int32_extremes_pass_every_dtype() -> None:
    for dtype in (np.int64, np.float64):
        s = np.array([2**31 - 1, -(2**31), 0], dtype)
        data = TABLE.encode(s, np.zeros(3, np.int32), format="compressai")
        out = TABLE.decode(data, np.zeros(3, np.int32), format="compressai")
        np.testing.assert_array_equal(out, s.astype(np.int64))
