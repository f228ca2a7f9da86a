"""Order-k exp-Golomb codes, as overfitted codecs (Cool-Chic) use for network parameters.

Layouts (``signed=``):

- ``"sign_magnitude"`` (default; Cool-Chic 3.x/4.x): EGk of ``|v|``, then one sign bit
  (1 = negative) when ``v != 0``.
- ``"zigzag"`` (Cool-Chic 5.x): EGk of ``2v`` for ``v >= 0`` and ``-2v - 1`` for ``v < 0``.
- ``"unsigned"``: EGk of ``v``; every value must be ``>= 0``.

Bits are written MSB-first within each byte and the last byte is padded with zero bits;
``decode`` rejects non-zero padding and bytes left after ``count`` values, so each list of
values has exactly one valid encoding. Values must satisfy ``|v| <= 2**62`` and ``k`` must be
in ``0..=62`` (ValueError otherwise); values must have an integer dtype (TypeError
otherwise). Work runs natively with the GIL released; ``nbits`` and ``best_k`` use a faster
kernel for dtypes of 32 bits or less (same results). See docs/golomb.md.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import _to_numpy, as_bytes

__all__ = ["LAYOUTS", "MAX_K", "MAX_MAGNITUDE", "best_k", "decode", "encode", "nbits"]

#: Accepted values of ``signed``.
LAYOUTS = ("sign_magnitude", "zigzag", "unsigned")
#: Largest exp-Golomb order ``k``.
MAX_K = 62
#: Largest codable magnitude ``|v|``.
MAX_MAGNITUDE = 2**62


def _values(values: Any) -> np.ndarray:
    """A flat, C-contiguous int64 view or copy of integer data ``values``."""
    a = _to_numpy(values, "values")
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


def _signed(signed: Any) -> str:
    if not isinstance(signed, str):
        raise TypeError(f"signed must be one of {LAYOUTS}, got {signed!r}")
    if signed not in LAYOUTS:
        raise ValueError(f"signed={signed!r} is not a layout: use one of {LAYOUTS}")
    return signed


def encode(values: Any, k: int, signed: str = "sign_magnitude") -> bytes:
    """EGk code of ``values`` (flattened row-major), MSB-first, last byte zero-padded."""
    return _native.golomb_encode(_values(values), _k(k), _signed(signed))


def decode(data: Any, count: int, k: int, signed: str = "sign_magnitude") -> np.ndarray:
    """Exactly ``count`` values (int64) from ``data`` written by ``encode(..., k, signed)``.

    Raises ``CorruptStreamError`` on truncated or garbage data, a code longer than any
    codable value needs, non-zero padding bits or trailing bytes.
    """
    if isinstance(count, bool):
        raise TypeError(f"count must be a non-negative int, got {count!r}")
    try:
        count = operator.index(count)
    except TypeError:
        raise TypeError(f"count must be a non-negative int, got {count!r}") from None
    if count < 0:
        raise ValueError(f"count={count} is negative: pass the number of values to decode")
    return _native.golomb_decode(as_bytes(data), count, _k(k), _signed(signed))


def nbits(values: Any, k: int, signed: str = "sign_magnitude") -> int:
    """Exact bit count of ``encode(values, k, signed)`` before the last byte's padding.

    With ``signed="sign_magnitude"`` this is Cool-Chic's
    ``Σ 2⌊log2(|v|/2^k + 1)⌋ + k + 1 + [v≠0]``.
    """
    a, k, signed = _sized(values), _k(k), _signed(signed)
    if a.dtype == np.int32:
        return _native.golomb_nbits_i32(a, k, signed)
    return _native.golomb_nbits(a, k, signed)


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
