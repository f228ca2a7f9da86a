"""fastrans.golomb: exact bitstreams (Cool-Chic 5.x's among them), Cool-Chic's size
formulas, one order per value, round-trips, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fastrans import CorruptStreamError, golomb

M = 2**62
SIGNED = ("sign_magnitude", "zigzag", "coolchic5")


def coolchic_nbits(v: np.ndarray, k: int) -> int:
    """Cool-Chic's exp_golomb_nbins, in float64 torch (exact for these magnitudes)."""
    s = torch.from_numpy(v.astype(np.float64))
    return int((2 * torch.floor(torch.log2(s.abs() / 2**k + 1)) + k + 1 + (s != 0)).sum())


def exact_bits(v: int, k: int, signed: str) -> int:
    u = {
        "zigzag": 2 * v if v >= 0 else -2 * v - 1,
        "coolchic5": 2 * v - 1 if v > 0 else -2 * v,
    }.get(signed, abs(v))
    n = (u + 2**k).bit_length()
    return 2 * n - k - 1 + (signed == "sign_magnitude" and v != 0)


def bitstring(b: bytes) -> str:
    return "".join(f"{x:08b}" for x in b)


def padding(values: object, k: object, signed: str) -> int | None:
    """The ``padding=`` decode needs: the leading pad for coolchic5, else None."""
    return -golomb.nbits(values, k, signed) % 8 if signed == "coolchic5" else None


def round_trip(values: object, k: object, signed: str) -> np.ndarray:
    data = golomb.encode(values, k, signed)
    n = np.asarray(values).size
    return golomb.decode(data, n, k, signed, padding=padding(values, k, signed))


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
    out = round_trip(v, k, signed)
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


def test_coolchic5_bytes() -> None:
    """Cool-Chic 5.x's bytes, as its own encode_exp_golomb (5.0.1) writes them (checked by
    running it beside fastrans): value map 0, 1, -1, 2, -2 -> 0, 1, 2, 3, 4, one order per
    value, MSB first, the zero padding at the start."""
    for v, byte in zip([0, 1, -1, 2, -2], [0x01, 0x02, 0x03, 0x04, 0x05]):
        assert golomb.encode([v], 0, "coolchic5") == bytes([byte])
    assert golomb.encode([0, 1, -1, 2, -2], 0, "coolchic5").hex() == "014c85"
    assert golomb.nbits([0, 1, -1, 2, -2], 0, "coolchic5") == 17  # 7 bits of padding
    assert golomb.encode([5, -3, 0, 7], 2, "coolchic5").hex() == "06aa11"
    mixed, ks = [3, -1, 0, 200, -200], [0, 0, 3, 5, 5]
    assert golomb.encode(mixed, ks, "coolchic5").hex() == "03381af1b0"
    assert golomb.nbits(mixed, np.array(ks, np.int8), "coolchic5") == 36
    back = golomb.decode(bytes.fromhex("03381af1b0"), 5, ks, "coolchic5", padding=4)
    assert back.tolist() == mixed
    # Leading padding cannot be told from a code's leading zeros: the same two bytes are
    # [-6, -6] with 4 bits of padding and [113, 0] with none.
    same = bytes.fromhex("038e")
    assert golomb.encode([-6, -6], 1, "coolchic5") == same
    assert golomb.encode([113, 0], 1, "coolchic5") == same
    assert golomb.decode(same, 2, 1, "coolchic5", padding=4).tolist() == [-6, -6]
    assert golomb.decode(same, 2, 1, "coolchic5", padding=0).tolist() == [113, 0]
    for p in (1, 2, 3, 5, 6, 7):
        with pytest.raises(CorruptStreamError):
            golomb.decode(same, 2, 1, "coolchic5", padding=p)
    assert golomb.encode([], 3, "coolchic5") == b""
    assert golomb.decode(b"", 0, 3, "coolchic5", padding=0).size == 0


def test_zigzag_is_the_standard_map_padded_at_the_end() -> None:
    # 0, -1, 1, -2 -> 0, 1, 2, 3 -> EG0 1, 010, 011, 00100 (12 bits, 4 padding bits after).
    assert bitstring(golomb.encode([0, -1, 1, -2], 0, "zigzag")) == "1010011001000000"
    # Cool-Chic 5.x maps the other way: 0, 1, -1, 2 -> 0, 1, 2, 3, padding first.
    assert bitstring(golomb.encode([0, 1, -1, 2], 0, "coolchic5")) == "0000101001100100"


def test_coolchic5_estimate_is_sign_magnitude_one_order_down() -> None:
    """Cool-Chic 5.x's exp_golomb_nbins(v, k) (written here in torch, as it is there) is
    nbits(v, k - 1, "sign_magnitude"), not the length of its own code: one bit short per
    zero, two bits over per positive v with 2v + 2^k a power of two."""
    v = np.rint(np.random.default_rng(3).laplace(0, 30, 4000)).astype(np.int64)
    v = np.concatenate([v, [1, 2, 3, 4, 6, 8, 12, 14, 28, 56, 60, 120, 248]])
    s = torch.from_numpy(v.astype(np.float64))
    for k in range(13):
        est = int((2 * torch.floor(torch.log2(2 * s.abs() / 2**k + 1)) + k + (s != 0)).sum())
        if k:
            assert est == golomb.nbits(v, k - 1, "sign_magnitude")
        x = 2 * v + 2**k
        over = int(((v > 0) & ((x & (x - 1)) == 0)).sum())
        assert est == golomb.nbits(v, k, "coolchic5") - int((v == 0).sum()) + 2 * over
    # At k = 0 a zero costs nothing in the estimate and one bit in the code.
    z = torch.zeros(10, dtype=torch.float64)
    assert int((2 * torch.floor(torch.log2(2 * z.abs() + 1)) + (z != 0)).sum()) == 0
    assert golomb.nbits(np.zeros(10, np.int64), 0, "coolchic5") == 10


@pytest.mark.parametrize("signed", [*SIGNED, "unsigned"])
def test_one_order_per_value(signed: str) -> None:
    rng = np.random.default_rng(4)
    v = rng.integers(-5000, 5000, 300)
    if signed == "unsigned":
        v = np.abs(v)
    ks = rng.integers(0, 13, 300)
    n = golomb.nbits(v, ks, signed)
    assert n == sum(exact_bits(int(x), int(k), signed) for x, k in zip(v, ks))
    data = golomb.encode(v, ks, signed)
    assert 8 * len(data) - n in range(8)
    np.testing.assert_array_equal(round_trip(v, ks, signed), v)
    # Orders in any integer container and shape, flattened like the values.
    for kk in (ks.tolist(), torch.from_numpy(ks), ks.astype(np.uint8), ks.reshape(20, 15)):
        assert golomb.encode(v.reshape(15, 20), kk, signed) == data
    # Every order alike is the one-order code.
    assert golomb.encode(v, np.full(300, 7), signed) == golomb.encode(v, 7, signed)
    # No values, no orders: an empty list is an empty order array.
    assert golomb.encode([], [], signed) == b""
    assert golomb.nbits(np.zeros(0, np.int32), [], signed) == 0
    assert golomb.nbits(v, np.full(300, 7), signed) == golomb.nbits(v, 7, signed)


@pytest.mark.parametrize("fn", ["encode", "nbits", "decode"])
def test_bad_orders_per_value(fn: str) -> None:
    def call(k: object, n: int = 2) -> object:
        if fn == "decode":
            return golomb.decode(b"\xff", n, k, "zigzag")
        return getattr(golomb, fn)([1] * n, k, "zigzag")

    with pytest.raises(ValueError, match="3 orders for 2 values"):
        call([0, 1, 2])
    with pytest.raises(ValueError, match=r"k\[1\]=63"):
        call([0, 63])
    with pytest.raises(ValueError, match=r"k\[0\]=-1"):
        call(np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"k\[1\]"):
        call([0, 2**70])
    for bad in (np.array([0.0, 1.0]), np.array([True, False]), ["a", "b"], [None, None]):
        with pytest.raises(TypeError):
            call(bad)
    assert fn != "decode" or golomb.decode(b"\xc0", 2, [0, 0], "zigzag").tolist() == [0, 0]


def test_padding_argument() -> None:
    data = golomb.encode([3], 0, "coolchic5")
    assert golomb.decode(data, 1, 0, "coolchic5", padding=3).tolist() == [3]
    assert golomb.decode(data, 1, 0, "coolchic5", padding=np.int64(3)).tolist() == [3]
    for bad in (None, 1.5, "3", True):
        with pytest.raises(TypeError, match="padding"):
            golomb.decode(data, 1, 0, "coolchic5", padding=bad)  # type: ignore[arg-type]
    for bad in (-1, 8, 2**64):
        with pytest.raises(ValueError, match="out of range"):
            golomb.decode(data, 1, 0, "coolchic5", padding=bad)
    for signed in ("sign_magnitude", "zigzag", "unsigned"):
        with pytest.raises(ValueError, match="coolchic5"):
            golomb.decode(b"\x80", 1, 0, signed, padding=0)
    with pytest.raises(CorruptStreamError):
        golomb.decode(bytes([data[0] | 0x80]), 1, 0, "coolchic5", padding=3)  # padding bit set


def test_out_of_range_integers_are_value_errors() -> None:
    for count in (2**64, 2**64 + 1, 2**100):
        with pytest.raises(ValueError, match="count"):
            golomb.decode(b"\x80", count, 0)
    with pytest.raises(CorruptStreamError):
        golomb.decode(b"\x80", 2**64 - 1, 0)  # representable, more than the bytes hold
    for k in (2**64, -(2**64)):
        with pytest.raises(ValueError, match="0..=62"):
            golomb.encode([1], k)
        with pytest.raises(ValueError, match="0..=62"):
            golomb.best_k([1], [k])
    for fn in (golomb.encode, golomb.nbits):
        for v in (2**64, -(2**63) - 1, 2**200):
            with pytest.raises(ValueError, match=r"values\[1\]"):
                fn([0, v], 0)
        with pytest.raises(ValueError, match="2\\*\\*62"):
            fn([2**63], 0)
    with pytest.raises(ValueError):
        golomb.best_k([2**64], range(3))


values = st.lists(st.integers(-M, M) | st.integers(-300, 300), max_size=60)


@settings(max_examples=150, deadline=None)
@given(values, st.integers(0, 62), st.sampled_from(SIGNED))
def test_round_trip_and_exact_size(vals: list[int], k: int, signed: str) -> None:
    v = np.array(vals, np.int64)
    data = golomb.encode(v, k, signed)
    n = golomb.nbits(v, k, signed)
    assert n == sum(exact_bits(x, k, signed) for x in vals)
    assert 8 * len(data) - n in range(8)
    np.testing.assert_array_equal(round_trip(v, k, signed), v)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-M, M) | st.integers(-300, 300), st.integers(0, 62)), max_size=40
    ),
    st.sampled_from(SIGNED),
)
def test_round_trip_one_order_per_value(pairs: list[tuple[int, int]], signed: str) -> None:
    v = np.array([p[0] for p in pairs], np.int64)
    ks = np.array([p[1] for p in pairs], np.int64)
    n = golomb.nbits(v, ks, signed)
    assert n == sum(exact_bits(x, k, signed) for x, k in pairs)
    assert 8 * len(golomb.encode(v, ks, signed)) - n in range(8)
    np.testing.assert_array_equal(round_trip(v, ks, signed), v)


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=40),
    st.integers(0, 50),
    st.integers(0, 62),
    st.sampled_from(SIGNED),
    st.integers(0, 7),
)
def test_garbage_raises_or_reencodes(
    data: bytes, count: int, k: int, signed: str, pad: int
) -> None:
    p = pad if signed == "coolchic5" else None
    try:
        v = golomb.decode(data, count, k, signed, padding=p)
    except CorruptStreamError:
        return
    assert v.size == count
    assert golomb.encode(v, k, signed) == data
    assert padding(v, k, signed) == p
