"""fastrans.golomb: exact bitstreams, Cool-Chic's size formula, round-trips, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fastrans import CorruptStreamError, golomb

M = 2**62
SIGNED = ("sign_magnitude", "zigzag")


def coolchic_nbits(v: np.ndarray, k: int) -> int:
    """Cool-Chic's exp_golomb_nbins, in float64 torch (exact for these magnitudes)."""
    s = torch.from_numpy(v.astype(np.float64))
    return int((2 * torch.floor(torch.log2(s.abs() / 2**k + 1)) + k + 1 + (s != 0)).sum())


def exact_bits(v: int, k: int, signed: str) -> int:
    u = abs(v) if signed != "zigzag" else (2 * v if v >= 0 else -2 * v - 1)
    n = (u + 2**k).bit_length()
    return 2 * n - k - 1 + (signed == "sign_magnitude" and v != 0)


def bitstring(b: bytes) -> str:
    return "".join(f"{x:08b}" for x in b)


def test_exact_bitstreams() -> None:
    assert bitstring(golomb.encode([0, 1, -1, 2], 0)) == "1010001010110000"
    assert bitstring(golomb.encode([0, -1, 1, -2], 1, "zigzag")) == "1011010001010000"
    assert bitstring(golomb.encode([5], 2, "unsigned")) == "01001000"
    assert golomb.encode([], 3) == b""
    assert golomb.nbits(np.zeros(0, np.int64), 3) == 0


def test_nbits_matches_coolchic_formula() -> None:
    v = np.rint(np.random.default_rng(1).laplace(0, 50, 5000)).astype(np.int64)
    for k in (0, 1, 4, 12):
        assert golomb.nbits(v, k) == coolchic_nbits(v, k)
        data = golomb.encode(v, k)
        assert len(data) == -(-golomb.nbits(v, k) // 8)
        np.testing.assert_array_equal(golomb.decode(data, v.size, k), v)


@pytest.mark.parametrize("signed", SIGNED)
@pytest.mark.parametrize("k", [0, 1, 30, 62])
def test_extremes_round_trip(signed: str, k: int) -> None:
    v = np.array([0, 1, -1, M, -M, M - 1, 1 - M], np.int64)
    out = golomb.decode(golomb.encode(v, k, signed), v.size, k, signed)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, v)


def test_input_kinds_and_shapes() -> None:
    v2d = np.array([[3, -2], [0, 7]], np.int16)
    flat = v2d.reshape(-1).astype(np.int64)
    assert golomb.encode(v2d, 1) == golomb.encode(flat, 1)
    assert golomb.encode(torch.tensor([[3, -2], [0, 7]]), 1) == golomb.encode(flat, 1)
    assert golomb.encode([3, -2, 0, 7], 1) == golomb.encode(flat, 1)
    assert golomb.nbits(np.array([M], np.uint64), 0, "unsigned") == 125
    assert golomb.decode(bytearray(golomb.encode([9], 2)), 1, 2).tolist() == [9]


@pytest.mark.parametrize("signed", [*SIGNED, "unsigned"])
def test_narrow_dtypes_take_the_32_bit_kernel_with_the_same_result(signed: str) -> None:
    rng = np.random.default_rng(2)
    edges = [0, 1, 2**23, 2**24 - 1, 2**24, 2**31 - 1]
    v = np.concatenate([rng.integers(-3000, 3000, 9000), edges, [-(2**31), -(2**24)]])
    if signed == "unsigned":
        v = np.abs(v.astype(np.int64)).clip(0, 2**31 - 1)
    wide, narrow = v.astype(np.int64), v.astype(np.int32)
    for k in (0, 5, 23, 24, 40, 62):
        assert golomb.nbits(narrow, k, signed) == golomb.nbits(wide, k, signed)
    assert golomb.best_k(narrow, signed=signed) == golomb.best_k(wide, signed=signed)
    small = rng.integers(0, 100, 50)
    for dt in (np.int8, np.uint8, np.int16, np.uint16):
        assert golomb.nbits(small.astype(dt), 2, signed) == golomb.nbits(small, 2, signed)
    if signed == "unsigned":
        with pytest.raises(ValueError, match=r"values\[1\] = -4 is negative"):
            golomb.nbits(np.array([3, -4], np.int32), 0, signed)


def test_best_k() -> None:
    assert golomb.best_k(np.zeros(10, np.int64)) == (0, 20 // 2)
    v = np.arange(1000, 1100)
    k, bits = golomb.best_k(v, signed="zigzag")
    assert bits == golomb.nbits(v, k, "zigzag")
    assert all(golomb.nbits(v, j, "zigzag") >= bits for j in range(13))
    # [0, 1] costs 1 + 3 bits with k=0 and 2 + 2 with k=1: a tie goes to the first listed.
    assert golomb.best_k([0, 1], [1, 0], "unsigned") == (1, 4)
    assert golomb.best_k([0, 1], [0, 1], "unsigned") == (0, 4)


def test_corrupt_streams() -> None:
    v = np.array([7, -3, 0, 12])
    good = golomb.encode(v, 1)
    for cut in range(len(good)):
        with pytest.raises(CorruptStreamError):
            golomb.decode(good[:cut], 4, 1)
    with pytest.raises(CorruptStreamError):
        golomb.decode(good + b"\x00", 4, 1)  # trailing byte
    with pytest.raises(CorruptStreamError):
        golomb.decode(good[:-1] + bytes([good[-1] | 1]), 4, 1)  # non-zero padding
    with pytest.raises(CorruptStreamError):
        golomb.decode(good, 5, 1)
    with pytest.raises(CorruptStreamError):
        golomb.decode(bytes(1 << 16), 1, 0)  # a prefix no value needs
    with pytest.raises(CorruptStreamError):
        golomb.decode(good, 10**18, 1)  # count beyond what the bytes hold
    assert golomb.decode(b"", 0, 0).size == 0
    with pytest.raises(CorruptStreamError):
        golomb.decode(b"\x80", 0, 0)


@pytest.mark.parametrize("fn", ["encode", "nbits"])
def test_bad_values(fn: str) -> None:
    f = getattr(golomb, fn)
    with pytest.raises(ValueError, match=r"values\[1\]"):
        f([0, M + 1], 0)
    with pytest.raises(ValueError, match=r"values\[0\]"):
        f([-(M + 1)], 0, "zigzag")
    with pytest.raises(ValueError, match="negative"):
        f([1, -1], 0, "unsigned")
    with pytest.raises(ValueError, match="2\\*\\*62"):
        f(np.array([2**63], np.uint64), 0, "unsigned")
    with pytest.raises(TypeError, match="integer dtype"):
        f(np.array([1.0, 2.0]), 0)
    with pytest.raises(TypeError, match="integer dtype"):
        f(np.array([True]), 0)
    with pytest.raises(TypeError, match="integer dtype"):
        f(["a"], 0)


@pytest.mark.parametrize("fn", ["encode", "nbits", "decode", "best_k"])
def test_bad_arguments(fn: str) -> None:
    def call(k: object = 0, signed: object = "zigzag") -> object:
        if fn == "decode":
            return golomb.decode(b"\x80", 1, k, signed)  # type: ignore[arg-type]
        if fn == "best_k":
            return golomb.best_k([1], [k], signed)  # type: ignore[list-item,arg-type]
        return getattr(golomb, fn)([1], k, signed)

    for k in (-1, 63):
        with pytest.raises(ValueError, match="0..=62"):
            call(k=k)
    for k in (1.5, "1", True, None):
        with pytest.raises(TypeError):
            call(k=k)
    with pytest.raises(ValueError, match="layout"):
        call(signed="signed")
    with pytest.raises(TypeError):
        call(signed=None)


def test_bad_count_ks_and_data() -> None:
    with pytest.raises(ValueError, match="negative"):
        golomb.decode(b"", -1, 0)
    with pytest.raises(TypeError):
        golomb.decode(b"", 1.0, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        golomb.decode("abc", 1, 0)
    with pytest.raises(ValueError, match="empty"):
        golomb.best_k([1], [])
    with pytest.raises(TypeError):
        golomb.best_k([1], 3)  # type: ignore[arg-type]


values = st.lists(st.integers(-M, M) | st.integers(-300, 300), max_size=60)


@settings(max_examples=150, deadline=None)
@given(values, st.integers(0, 62), st.sampled_from(SIGNED))
def test_round_trip_and_exact_size(vals: list[int], k: int, signed: str) -> None:
    v = np.array(vals, np.int64)
    data = golomb.encode(v, k, signed)
    n = golomb.nbits(v, k, signed)
    assert n == sum(exact_bits(x, k, signed) for x in vals)
    assert 8 * len(data) - n in range(8)
    np.testing.assert_array_equal(golomb.decode(data, len(vals), k, signed), v)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=40), st.integers(0, 50), st.integers(0, 62), st.sampled_from(SIGNED))
def test_garbage_raises_or_reencodes(data: bytes, count: int, k: int, signed: str) -> None:
    try:
        v = golomb.decode(data, count, k, signed)
    except CorruptStreamError:
        return
    assert v.size == count
    assert golomb.encode(v, k, signed) == data
