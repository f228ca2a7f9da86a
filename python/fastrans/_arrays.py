"""Turning user inputs into the exact numpy buffers the native module borrows.

Every public entry point funnels its arrays through here: numpy arrays, torch CPU tensors,
lists and buffers are accepted; an array that already has the right dtype and is
C-contiguous and aligned is passed through without a copy, anything else is cast or copied
once (a misaligned view, as pickle protocol 5 or ``frombuffer`` can give, is copied: the
native side cannot borrow it). Casts never wrap or truncate silently: integers outside
int32 and non-integral floats are refused, and the values ``ScaleCoder`` rounds
(``as_f32_exact``) must have an exact float32 value. Other float32 inputs (pmfs, scales,
scale tables) are documented as taken in float32, as CompressAI's float32 tensors and
buffers are, and are cast to the nearest float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_I32 = np.iinfo(np.int32)


def _to_numpy(x: Any, name: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    mod = type(x).__module__
    if mod.startswith("torch"):
        if getattr(x, "device", None) is not None and x.device.type != "cpu":
            x = x.detach().cpu()
        return x.detach().numpy()
    try:
        return np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy's own message is kept
        raise TypeError(f"{name} must be array-like, got {type(x).__name__}") from exc


def _flat(a: np.ndarray, dtype: type) -> np.ndarray:
    """``a`` as a flat, C-contiguous, aligned array of ``dtype``: itself when it already is."""
    return np.require(a, dtype=dtype, requirements=("C", "A")).reshape(-1)


def as_i32(x: Any, name: str) -> np.ndarray:
    """A flat, C-contiguous int32 view or copy of integer data ``x``."""
    a = _to_numpy(x, name)
    if a.dtype == np.int32:
        # Aligned too (the native side reads int32 indexes as aligned atomics).
        return _flat(a, np.int32)
    if a.dtype == np.bool_ or a.dtype.kind not in "iuf":
        if a.size == 0 and a.dtype.kind in "OU" or a.dtype == np.float64 and a.size == 0:
            return np.zeros(0, np.int32)
        raise TypeError(f"{name} must hold integers, got dtype {a.dtype}")
    if a.size == 0:
        return np.zeros(0, np.int32)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError(f"{name} must hold whole numbers; round it first (e.g. numpy.rint)")
    # Compared as Python ints, exact for every integral value: compared as float32, 2**31
    # would equal int32's maximum (rounded to float32) and pass, and print as 2147483600.0.
    lo, hi = int(a.min()), int(a.max())
    if lo < _I32.min or hi > _I32.max:
        bad = lo if lo < _I32.min else hi
        raise ValueError(
            f"{name} holds {bad}, outside the int32 range [{_I32.min}, {_I32.max}]"
        )
    return _flat(a, np.int32)


def as_f32(x: Any, name: str) -> np.ndarray:
    """A flat, C-contiguous float32 view or copy of real data ``x``."""
    a = _to_numpy(x, name)
    if a.dtype == np.float32:
        return _flat(a, np.float32)
    if a.dtype.kind not in "iuf" or a.dtype == np.bool_:
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}")
    return _flat(a, np.float32)


def as_f32_exact(x: Any, name: str) -> np.ndarray:
    """As ``as_f32`` for values that are rounded or added in float32 (``ScaleCoder``'s
    values and means): float32 data passes as is, other real data only when every element
    has an exact float32 value (NaN stays NaN, for the core to refuse). Otherwise a
    ValueError: ``2.5000001`` would round to 2 after a cast to float32, ``16777217`` become
    16777216."""
    a = _to_numpy(x, name)
    if a.dtype == np.float32:
        return as_f32(a, name)
    with np.errstate(over="ignore"):
        f = as_f32(a, name)
    flat = a.reshape(-1)
    if flat.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):
            back = f.astype(flat.dtype)
        lost = (back != flat) & ~(np.isnan(flat) & np.isnan(back))
    else:
        # Integers: those of at most 24 bits are exact; compare larger ones as Python ints.
        big = np.abs(flat.astype(np.float64)) > 2.0**24
        lost = np.zeros(flat.shape, bool)
        for k in np.flatnonzero(big):
            lost[k] = int(f[k]) != int(flat[k])
    if lost.any():
        i = int(np.flatnonzero(lost)[0])
        raise ValueError(
            f"{name}[{i}] = {flat[i].item()!r} has no exact float32 value (float32 would make "
            f"it {f[i].item()!r}): ScaleCoder works in float32, so pass float32 data "
            f"({name}.astype(numpy.float32)) to accept that rounding"
        )
    return f


def as_2d(x: Any, name: str, dtype: type) -> np.ndarray:
    """A C-contiguous 2-D array of ``dtype`` (integers are range-checked)."""
    a = _to_numpy(x, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (one row per table), got shape {a.shape}")
    if dtype is np.int32:
        flat = as_i32(a, name)
    else:
        flat = as_f32(a, name)
    return flat.reshape(a.shape)


def symbols_and_indexes(symbols: Any, indexes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Flat int32 ``symbols`` and ``indexes`` of equal size (one row index per symbol)."""
    s = as_i32(symbols, "symbols")
    i = as_i32(indexes, "indexes")
    if s.size != i.size:
        raise ValueError(
            f"symbols has {s.size} elements but indexes has {i.size}: give one index per symbol"
        )
    return s, i


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tensor or nested sequence."""
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def as_bytes(data: Any, name: str = "data") -> bytes:
    """``bytes`` from bytes, bytearray, memoryview or a uint8 array."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, np.ndarray) and data.dtype == np.uint8:
        return data.tobytes()
    raise TypeError(f"{name} must be bytes (or bytearray / memoryview), got {type(data).__name__}")


MAX_THREADS = 1024  # the native core's guard against typos such as threads=10**6


def threads_arg(threads: Any) -> int:
    """``threads=`` for every coder and format: ``None`` → 0 (every core), else an int in
    ``1..=1024``. Counts above the number of cores run on one thread per core (the native
    core caps the team), so the same code runs anywhere; 0, negatives and counts above 1024
    are ValueErrors, non-integers TypeErrors."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"threads must be None or a positive int, got {threads!r}")
    if not 1 <= threads <= MAX_THREADS:
        raise ValueError(
            f"threads={threads}: use None (every core) or a count in 1..={MAX_THREADS} "
            "(counts above the number of cores run on one thread per core)"
        )
    return int(threads)
