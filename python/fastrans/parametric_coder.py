"""``ParametricCoder``: symbols each coded with its own law (Gaussian, Laplace or logistic
with a per-symbol mean and scale, or a K-component mixture), the quantized CDF evaluated
for each symbol inside the native coding loop, so no table of rows is built.

The CDF is defined with integer tables and basic float64 operations only
(docs/FORMAT.md §8), so the sender and the receiver derive the same frequencies on any
platform; the stream is the fastrans stream with the model in its header (§9).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_f32, as_i32, shape_of, threads_arg
from fastrans.tables import check_precision

_FAMILIES = ("gaussian", "laplace", "logistic")


def _bound(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be None or an int, got {value!r}")
    return int(value)


class ParametricCoder:
    """Codes every symbol with its own law.

    ``family`` is ``"gaussian"``, ``"laplace"`` (``scales`` are the Laplace ``b``) or
    ``"logistic"``. With ``lower`` and ``upper`` every symbol must lie in
    ``lower..=upper`` (at most ``2**precision`` symbols), the end bins holding the tails;
    without them each law gets a window around its mean and symbols outside it are
    escape-coded, so any int32 codes.

    ``means`` and ``scales`` have the symbols' shape, one law a symbol; for a mixture of
    ``K`` components they have shape ``(K, *symbols.shape)``, as does ``weights`` (each
    symbol's weights summing to 1 within 1e-3).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        family: str,
        *,
        precision: int = 16,
        lower: int | None = None,
        upper: int | None = None,
    ) -> None:
        if not isinstance(family, str):
            raise TypeError(f"family must be a str, got {type(family).__name__}")
        if family not in _FAMILIES:
            raise ValueError(f"family={family!r} is not supported: use one of {_FAMILIES}")
        self._native = _native.ParametricCoder(
            family,
            check_precision(precision),
            _bound(lower, "lower"),
            _bound(upper, "upper"),
        )

    @property
    def family(self) -> str:
        """The family's name."""
        return self._native.family

    @property
    def precision(self) -> int:
        """The precision in bits."""
        return self._native.precision

    @property
    def lower(self) -> int | None:
        """The lowest symbol of a bounded support, or None (windows with escapes)."""
        return self._native.lower

    @property
    def upper(self) -> int | None:
        """The highest symbol of a bounded support, or None (windows with escapes)."""
        return self._native.upper

    def __repr__(self) -> str:
        return (
            f"ParametricCoder({self.family!r}, precision={self.precision}, "
            f"lower={self.lower}, upper={self.upper})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by value (family, precision, bounds); unpickling validates them as the
        constructor does."""
        return (_rebuild, (self.family, self.precision, self.lower, self.upper))

    @staticmethod
    def _params(
        shape: tuple[int, ...], means: Any, scales: Any, weights: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The parameters, flat in ``(K, n)`` order, after their shapes are checked against
        the symbols' ``shape``."""
        want = "the symbols' shape" if weights is None else "(K, *symbols' shape)"
        arrays = {"means": means, "scales": scales}
        if weights is not None:
            arrays["weights"] = weights
        shapes = {name: shape_of(a) for name, a in arrays.items()}
        for name, got in shapes.items():
            ok = got == shape if weights is None else (len(got) >= 1 and got[1:] == shape)
            if not ok or got != shapes["means"]:
                raise ValueError(
                    f"{name} has shape {got} but the symbols have shape {shape}: give {name} "
                    f"{want}, like means"
                )
        m = as_f32(means, "means")
        s = as_f32(scales, "scales")
        w = None if weights is None else as_f32(weights, "weights")
        return m, s, w

    def encode(
        self,
        symbols: Any,
        means: Any,
        scales: Any,
        weights: Any = None,
        *,
        threads: int | None = None,
    ) -> bytes:
        """Code ``symbols``, each with its own law, and return the stream.

        Args:
            symbols: integers of any shape (numpy, torch CPU tensor, list), int32 range.
            means: float32 means, the symbols' shape (or ``(K, *shape)`` with weights).
            scales: positive float32 scales, shaped like ``means``.
            weights: ``None`` for one law a symbol, else mixture weights shaped like
                ``means``, each symbol's ``K`` weights summing to 1 (within 1e-3).
            threads: ``None`` for every core, or 1..=1024; the bytes never depend on it.

        Raises:
            ValueError: shapes differ, a mean is not finite, a scale not positive and
                finite, a weight negative or the weights not summing to 1, more than 8
                components, or a symbol outside ``lower..=upper`` (the first bad element
                is named); nothing is written.
            TypeError: an input is not numeric or an argument has the wrong type.
        """
        shape = shape_of(symbols)
        s = as_i32(symbols, "symbols")
        m, sc, w = self._params(shape, means, scales, weights)
        return self._native.encode(s, m, sc, w, threads_arg(threads))

    def _encode_flat(
        self,
        symbols: np.ndarray,
        means: np.ndarray,
        scales: np.ndarray,
        weights: np.ndarray | None,
        threads: int | None,
    ) -> bytes:
        """:meth:`encode` for callers in this package whose arrays are already flat,
        C-contiguous int32 / float32 of matching lengths (``K * n`` parameters for ``n``
        symbols): no shape or dtype work; the native coder still checks every value."""
        return self._native.encode(symbols, means, scales, weights, threads_arg(threads))

    def _decode_flat(
        self,
        data: bytes,
        means: np.ndarray,
        scales: np.ndarray,
        weights: np.ndarray | None,
        threads: int | None,
    ) -> np.ndarray:
        """:meth:`decode` for arrays as in :meth:`_encode_flat`; returns the flat symbols."""
        return self._native.decode(data, means, scales, weights, threads_arg(threads))

    def decode(
        self, data: Any, means: Any, scales: Any, weights: Any = None, *, threads: int | None = None
    ) -> np.ndarray:
        """Decode a stream from :meth:`encode` with the same ``means``, ``scales`` and
        ``weights``; returns int32 symbols in the shape of ``means`` (without its leading
        ``K`` when ``weights`` are given). ``threads`` as in :meth:`encode`.

        Raises:
            CorruptStreamError: the stream is damaged, truncated or has trailing bytes.
            TableMismatchError: the stream was made by a coder of another family,
                precision or support, or is a table stream.
            ValueError: the parameters do not match the stream's symbol count, or are
                invalid as in :meth:`encode`.
            TypeError: an input is not numeric or an argument has the wrong type.
        """
        full = shape_of(means)
        shape = full if weights is None else full[1:]
        if weights is not None and len(full) == 0:
            raise ValueError("means must have a leading K axis when weights are given")
        m, sc, w = self._params(shape, means, scales, weights)
        out = self._native.decode(as_bytes(data), m, sc, w, threads_arg(threads))
        return out.reshape(shape)


@lru_cache(maxsize=64)
def shared_coder(family: str, precision: int = 16) -> ParametricCoder:
    """One coder per family and precision (windowed supports) for callers that code many
    small batches: a coder is immutable and safe to share between threads, and building one
    costs more than coding a few dozen symbols."""
    return ParametricCoder(family, precision=precision)


def _rebuild(family: str, precision: int, lower: int | None, upper: int | None) -> ParametricCoder:
    return ParametricCoder(family, precision=precision, lower=lower, upper=upper)
