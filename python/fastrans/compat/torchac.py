"""torchac's float-CDF interface over fastrans: ``encode_float_cdf`` and
``decode_float_cdf`` with torchac's signatures, for codecs that compute a whole CDF per
symbol (L3C and many lossy models).

Each symbol's float CDF is quantized inside the native coding loop by an exact rule
(docs/FORMAT.md §10) that gives every level at least one of the 2**16 slots, so the
caller never normalises: ``needs_normalization`` is accepted for compatibility and has no
effect (torchac's ``True`` renormalises so that every symbol gets at least one count;
fastrans always does). Symbols are always checked against ``0..L-1``, so
``check_input_bounds`` has no effect either.

The bytes are fastrans' own chunked, checksummed stream (lanes, threads), not torchac's
arithmetic code: decode them with :func:`decode_float_cdf` here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_f32, as_i32, shape_of, threads_arg

__all__ = ["decode_float_cdf", "encode_float_cdf"]

_MAX_LEVELS = 1 << 15


def _flag(value: Any, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")


def _rows(cdf_float: Any) -> tuple[tuple[int, ...], int, np.ndarray]:
    """The symbols' shape, ``L`` and the CDF as flat float32."""
    shape = shape_of(cdf_float)
    if len(shape) == 0:
        raise ValueError("cdf_float must have shape (..., L+1), got a scalar")
    levels = shape[-1] - 1
    if not 2 <= levels <= _MAX_LEVELS:
        raise ValueError(
            f"cdf_float has {shape[-1]} values a row: give L+1 values, 2 <= L <= {_MAX_LEVELS}"
        )
    return tuple(shape[:-1]), levels, as_f32(cdf_float, "cdf_float")


def encode_float_cdf(
    cdf_float: Any,
    sym: Any,
    needs_normalization: bool = True,
    check_input_bounds: bool = False,
    *,
    threads: int | None = None,
) -> bytes:
    """Code ``sym`` (integers of shape ``(...)``, each in ``0..L-1``), symbol ``i`` with
    its own CDF ``cdf_float[i, :]`` (shape ``(..., L+1)``, nondecreasing, from 0 to 1;
    values are clamped into [0, 1]).

    Args:
        cdf_float: float CDFs, torch CPU tensor or numpy array, ``(..., L+1)``.
        sym: symbols (int16 as torchac takes them, or any integers), shape ``(...)``.
        needs_normalization: accepted for torchac compatibility; no effect (see module).
        check_input_bounds: accepted for torchac compatibility; symbols are always checked.
        threads: ``None`` for every core, or 1..=1024; the bytes never depend on it.

    Raises:
        ValueError: the shapes do not match, ``L`` is outside 2..=32768, a CDF value is not
            finite, a row decreases, or a symbol lies outside ``0..L-1`` (the first bad
            element is named).
        TypeError: an input is not numeric or a flag not a bool.
    """
    _flag(needs_normalization, "needs_normalization")
    _flag(check_input_bounds, "check_input_bounds")
    shape, levels, cdf = _rows(cdf_float)
    got = shape_of(sym)
    if tuple(got) != shape:
        raise ValueError(
            f"sym has shape {tuple(got)} but cdf_float has shape {(*shape, levels + 1)}: "
            "give one symbol a CDF row, sym.shape == cdf_float.shape[:-1]"
        )
    s = as_i32(sym, "sym")
    return _native.float_cdf_encode(cdf, levels, s, threads_arg(threads))


def decode_float_cdf(
    cdf_float: Any,
    byte_stream: Any,
    needs_normalization: bool = True,
    *,
    threads: int | None = None,
) -> Any:
    """Decode a stream from :func:`encode_float_cdf` with the same ``cdf_float``: int16
    symbols of shape ``cdf_float.shape[:-1]``, a torch tensor when ``cdf_float`` is one,
    else a numpy array. ``needs_normalization`` has no effect; ``threads`` as in
    :func:`encode_float_cdf`.

    Raises:
        CorruptStreamError: the stream is damaged, truncated or has trailing bytes.
        TableMismatchError: the stream was coded with CDF rows of another ``L``, with a
            ``ParametricCoder`` or with a table.
        ValueError: the rows do not match the stream's symbol count, or are invalid as in
            :func:`encode_float_cdf`.
        TypeError: an input is not numeric, ``byte_stream`` not bytes, a flag not a bool.
    """
    _flag(needs_normalization, "needs_normalization")
    shape, levels, cdf = _rows(cdf_float)
    data = as_bytes(byte_stream, "byte_stream")
    out = _native.float_cdf_decode(data, cdf, levels, threads_arg(threads))
    symbols = out.astype(np.int16).reshape(shape)
    if type(cdf_float).__module__.startswith("torch"):
        import torch

        return torch.from_numpy(symbols)
    return symbols
