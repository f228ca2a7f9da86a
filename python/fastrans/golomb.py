"""Order-k exp-Golomb codes, as overfitted codecs (Cool-Chic) use for network parameters.

Layouts (``signed=``):

- ``"sign_magnitude"`` (default): EGk of ``|v|``, then one sign bit (1 = negative) when
  ``v != 0``. Its length is the formula Cool-Chic 3.x/4.x use to estimate network rate.
- ``"coolchic5"``: Cool-Chic 5.x's parameter string, byte for byte: EGk of ``2v - 1`` for
  ``v > 0`` and ``-2v`` for ``v <= 0`` (0, 1, -1, 2, -2 -> 0, 1, 2, 3, 4), with the zero
  padding to a whole byte *before* the first code. ``decode`` needs that padding count
  (``padding=``, Cool-Chic keeps it in its header); it is ``-nbits(values, k) % 8``.
- ``"zigzag"``: the standard zigzag map, EGk of ``2v`` for ``v >= 0`` and ``-2v - 1`` for
  ``v < 0`` (0, -1, 1, -2 -> 0, 1, 2, 3). Not Cool-Chic's.
- ``"unsigned"``: EGk of ``v``; every value must be ``>= 0``.

``k`` is one order for all values or an integer array with one order per value (flattened
row-major like ``values``), in every layout. Bits are written MSB-first; except for
``"coolchic5"`` the last byte is padded with zero bits after the last code. ``decode``
rejects non-zero padding and bits or bytes left over, so each list of values has exactly
one valid encoding. Values must satisfy ``|v| <= 2**62`` and every order must be in
``0..=62``; any integer argument out of its range is a ValueError, an argument of a
non-integer type a TypeError. Work runs natively with the GIL released; ``nbits`` and
``best_k`` use a faster kernel for dtypes of 32 bits or less (same results). See
docs/golomb.md.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import _to_numpy, as_bytes

__all__ = ["LAYOUTS", "MAX_K", "MAX_MAGNITUDE", "best_k", "decode", "encode", "nbits"]

#: Accepted values of ``signed``.
LAYOUTS = ("sign_magnitude", "coolchic5", "zigzag", "unsigned")
#: Largest exp-Golomb order ``k``.
MAX_K = 62
#: Largest codable magnitude ``|v|``.
MAX_MAGNITUDE = 2**62
#: Largest ``count`` the native decoder takes (its ``usize``).
_MAX_COUNT = 2 * sys.maxsize + 1


def _values(values: Any) -> np.ndarray:
    """A flat, C-contiguous int64 view or copy of integer data ``values``."""
    a = _from_python_ints(_to_numpy(values, "values"), "values")
    if a.size == 0 and a.dtype.kind in "iuf":
        return np.zeros(0, np.int64)
    if a.dtype == np.bool_ or a.dtype.kind not in "iu":
        raise TypeError(
            f"values must have an integer dtype, got {a.dtype}; round and cast first, "
            "e.g. numpy.rint(x).astype(numpy.int64)"
        )
    if a.dtype == np.uint64 and a.max() > MAX_MAGNITUDE:
        raise ValueError(
            f"values holds {a.max()}, beyond the largest codable magnitude 2**62; "
            "use a larger quantization step"
        )
    return np.ascontiguousarray(a, dtype=np.int64).reshape(-1)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _from_python_ints(a: np.ndarray, name: str) -> np.ndarray:
    """``a`` as int64 when numpy kept Python ints beyond int64 / uint64 as objects.

    Such an array holds an integer out of range: a ValueError names the first one (any
    other object array is returned as is, for the dtype check to refuse).
    """
    if a.dtype != np.object_ or not all(_is_int(x) for x in a.reshape(-1)):
        return a
    flat = a.reshape(-1)
    for i, x in enumerate(flat):
        if abs(int(x)) > MAX_MAGNITUDE:
            raise ValueError(
                f"{name}[{i}] = {int(x)} is too large: exp-Golomb here codes |v| <= 2**62; "
                "use a larger quantization step"
            )
    return flat.astype(np.int64).reshape(a.shape)


#: dtypes whose values always fit int32: sized by the faster 32-bit kernel.
_NARROW = (np.int8, np.int16, np.int32, np.uint8, np.uint16)


def _sized(values: Any) -> np.ndarray:
    """Like ``_values``, but narrow integer dtypes become int32 instead of int64."""
    a = _to_numpy(values, "values")
    if a.size and a.dtype.type in _NARROW:
        return np.ascontiguousarray(a, dtype=np.int32).reshape(-1)
    return _values(a)


def _k(k: Any, name: str = "k") -> int:
    if isinstance(k, bool):
        raise TypeError(f"{name} must be an int in 0..={MAX_K}, got {k!r}")
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"{name} must be an int in 0..={MAX_K}, got {k!r}") from None
    if not 0 <= k <= MAX_K:
        raise ValueError(f"{name}={k} is out of range: the exp-Golomb order must be in 0..={MAX_K}")
    return k


def _orders(k: Any, count: int, name: str = "k") -> int | np.ndarray:
    """``k`` as one order (int) or, for array-like ``k``, one uint8 order per value."""
    if isinstance(k, (bool, np.bool_, str, bytes)) or k is None:
        raise TypeError(f"{name} must be an int in 0..={MAX_K} or an integer array, got {k!r}")
    try:
        return _k(operator.index(k), name)
    except TypeError:
        pass
    a = _from_python_ints(_to_numpy(k, name), name)
    if a.ndim and a.size == 0 and a.dtype.kind == "f":
        a = a.astype(np.uint8)  # numpy reads [] as float64
    if a.ndim == 0 or a.dtype == np.bool_ or a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an int in 0..={MAX_K} or an integer array, got {k!r}")
    flat = a.reshape(-1)
    if flat.size != count:
        raise ValueError(
            f"{name} holds {flat.size} orders for {count} values: pass one order per value "
            "(or a single int)"
        )
    bad = np.flatnonzero((flat < 0) | (flat > MAX_K))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name}[{i}]={flat[i]} is out of range: the exp-Golomb order must be in 0..={MAX_K}"
        )
    return np.ascontiguousarray(flat, dtype=np.uint8)


def _padding(padding: Any, signed: str) -> int | None:
    if signed != "coolchic5":
        if padding is not None:
            raise ValueError(
                f"padding= applies to signed='coolchic5' only; {signed!r} pads after the "
                "last code and needs no count"
            )
        return None
    if padding is None or isinstance(padding, bool):
        raise TypeError(
            "signed='coolchic5' needs padding=, an int in 0..=7: the zero bits before the "
            f"first code, which Cool-Chic keeps in its header (got {padding!r})"
        )
    try:
        padding = operator.index(padding)
    except TypeError:
        raise TypeError(f"padding must be an int in 0..=7, got {padding!r}") from None
    if not 0 <= padding <= 7:
        raise ValueError(f"padding={padding} is out of range: a stream pads with 0..=7 bits")
    return padding


def _signed(signed: Any) -> str:
    if not isinstance(signed, str):
        raise TypeError(f"signed must be one of {LAYOUTS}, got {signed!r}")
    if signed not in LAYOUTS:
        raise ValueError(f"signed={signed!r} is not a layout: use one of {LAYOUTS}")
    return signed


def encode(values: Any, k: Any, signed: str = "sign_magnitude") -> bytes:
    """EGk code of ``values`` (flattened row-major), MSB-first, zero-padded to whole bytes.

    ``k``: one order, or an integer array with one order per value. With
    ``signed="coolchic5"`` the padding comes first: ``-nbits(values, k, signed) % 8`` bits.
    """
    v = _values(values)
    orders, signed = _orders(k, v.size), _signed(signed)
    if isinstance(orders, int):
        return _native.golomb_encode(v, orders, signed)
    return _native.golomb_encode_each(v, orders, signed)


def decode(
    data: Any, count: int, k: Any, signed: str = "sign_magnitude", padding: int | None = None
) -> np.ndarray:
    """Exactly ``count`` values (int64) from ``data`` written by ``encode(..., k, signed)``.

    ``k`` is what ``encode`` was given (an array must hold ``count`` orders). ``padding``:
    the zero bits before the first code, required with ``signed="coolchic5"`` (0..=7) and
    not accepted with the other layouts. Raises ``CorruptStreamError`` on truncated or
    garbage data, a code longer than any codable value needs, non-zero padding bits, or
    bits or bytes left over.
    """
    if isinstance(count, bool):
        raise TypeError(f"count must be a non-negative int, got {count!r}")
    try:
        count = operator.index(count)
    except TypeError:
        raise TypeError(f"count must be a non-negative int, got {count!r}") from None
    if count < 0:
        raise ValueError(f"count={count} is negative: pass the number of values to decode")
    if count > _MAX_COUNT:
        raise ValueError(f"count={count} is out of range: at most {_MAX_COUNT}")
    orders, signed = _orders(k, count), _signed(signed)
    pad, raw = _padding(padding, signed), as_bytes(data)
    if isinstance(orders, int):
        return _native.golomb_decode(raw, count, orders, signed, pad)
    return _native.golomb_decode_each(raw, orders, signed, pad)


def nbits(values: Any, k: Any, signed: str = "sign_magnitude") -> int:
    """Exact bit count of ``encode(values, k, signed)`` without its padding.

    ``8 * len(encode(values, k, signed)) - nbits(...)`` is the padding, ``0..=7`` bits. With
    ``signed="sign_magnitude"`` this is ``Σ 2⌊log2(|v|/2^k + 1)⌋ + k + 1 + [v≠0]``.
    """
    a = _sized(values)
    orders, signed = _orders(k, a.size), _signed(signed)
    if not isinstance(orders, int):
        return _native.golomb_nbits_each(np.ascontiguousarray(a, np.int64), orders, signed)
    if a.dtype == np.int32:
        return _native.golomb_nbits_i32(a, orders, signed)
    return _native.golomb_nbits(a, orders, signed)


def best_k(
    values: Any, ks: Iterable[int] = range(13), signed: str = "sign_magnitude"
) -> tuple[int, int]:
    """``(k, nbits)`` for the order in ``ks`` that codes ``values`` in the fewest bits.

    Ties go to the first such order in ``ks`` (Cool-Chic's rule).
    """
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Iterable):
        raise TypeError(f"ks must be an iterable of ints, got {ks!r}")
    k_list = [_k(k, "ks[i]") for k in ks]
    if not k_list:
        raise ValueError("ks is empty: pass at least one exp-Golomb order, e.g. range(13)")
    a, signed = _sized(values), _signed(signed)
    if a.dtype == np.int32:
        return _native.golomb_best_k_i32(a, k_list, signed)
    return _native.golomb_best_k(a, k_list, signed)
