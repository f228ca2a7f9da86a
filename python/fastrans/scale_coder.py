"""The hyperprior hot path: discretized Gaussian / Laplace tables and ``ScaleCoder``, which
codes float values given per-element scales (and means) in one fused native pass.

``gaussian_table`` / ``laplace_table`` compute their pmfs in float64 with a portable
``erfc`` / ``exp`` (the ``libm`` crate), so sender and receiver build identical tables on
any platform. They follow CompressAI's ``GaussianConditional.update()`` layout but are not
bit-identical to its float32 torch tables; for CompressAI's exact tables use
``CdfTable.from_pmfs`` with CompressAI's pmfs (as ``fastrans.entropy_models`` does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_f32, as_f32_exact, shape_of, threads_arg
from fastrans.tables import CdfTable, check_format, check_precision


def _scale_table_f64(scale_table: Any) -> np.ndarray:
    a = np.asarray(
        scale_table.detach().cpu().numpy() if hasattr(scale_table, "detach") else scale_table
    )
    if a.ndim != 1:
        raise ValueError(f"scale_table must be 1-D, got shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float64)


def _check_tail_mass(tail_mass: float) -> float:
    t = float(tail_mass)
    if not 0.0 < t < 1.0:
        raise ValueError(f"tail_mass={tail_mass}: must be in (0, 1), e.g. 1e-9")
    return t


def gaussian_table(scale_table: Any, precision: int = 16, tail_mass: float = 1e-9) -> CdfTable:
    """One row per scale: the zero-mean Gaussian discretized to unit bins, CompressAI layout
    (``offset = -ceil(scale * q)``, ``q`` the ``tail_mass / 2`` quantile; escape bin = tail)."""
    return CdfTable._wrap(
        _native.gaussian_table(
            _scale_table_f64(scale_table), check_precision(precision), _check_tail_mass(tail_mass)
        )
    )


def laplace_table(scale_table: Any, precision: int = 16, tail_mass: float = 1e-9) -> CdfTable:
    """As ``gaussian_table`` for zero-mean Laplace distributions of the given scales ``b``."""
    return CdfTable._wrap(
        _native.laplace_table(
            _scale_table_f64(scale_table), check_precision(precision), _check_tail_mass(tail_mass)
        )
    )


class ScaleCoder:
    """A ``CdfTable`` whose rows stand for the scales of ``scale_table``.

    ``encode(values, scales, means)`` rounds ``values - means`` half to even (as
    ``torch.round``) and maps each scale to its row (as CompressAI's ``build_indexes``) in the
    same pass as the coding; ``decode`` returns the symbols plus the means, float32, in the
    shape of ``scales``.

    It works in float32, as CompressAI's models do: values and means of another dtype are
    taken only when float32 holds each of them exactly (a float64 ``2.5000001`` would
    round to 2 once cast), else ValueError; scales are compared with the float32 scale
    table, so they are taken as their nearest float32, as ``scale_indexes`` takes them.
    """

    __slots__ = ("_native", "_scale_bound", "_scale_table", "table")

    def __init__(self, table: CdfTable, scale_table: Any, scale_bound: float = 0.11) -> None:
        if not isinstance(table, CdfTable):
            raise TypeError(f"table must be a fastrans.CdfTable, got {type(table).__name__}")
        self.table = table
        self._scale_table = as_f32(scale_table, "scale_table").copy()
        self._scale_bound = float(scale_bound)
        self._native = _native.ScaleCoder(table._native, self._scale_table, self._scale_bound)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by value: the table (sealed by its fingerprint), the scale table and the
        bound; unpickling validates them as the constructor does."""
        return (ScaleCoder, (self.table, self._scale_table, self._scale_bound))

    @staticmethod
    def _means(means: Any, n: int) -> np.ndarray | None:
        if means is None:
            return None
        m = as_f32_exact(means, "means")
        if m.size != n:
            raise ValueError(f"means has {m.size} elements but scales has {n}: give one mean each")
        return m

    def encode(
        self,
        values: Any,
        scales: Any,
        means: Any = None,
        *,
        format: str = "fastrans",
        threads: int | None = None,
    ) -> bytes:
        """Code ``values`` given each one's ``scales`` (and ``means``) and return the stream.

        Args:
            values: real numbers of any shape (numpy, torch CPU tensor, list), in float32
                (C order); other dtypes only where float32 holds every value exactly.
            scales: one scale per value (same number of elements). Each maps to the row
                of the largest ``scale_table`` entry not above it, scales below
                ``scale_bound`` to row 0, exactly as CompressAI's ``build_indexes``.
            means: optional, one per value; ``values - means`` is what is coded.
            format: ``"fastrans"`` (default: parallel chunks, CRC32C, the table's
                fingerprint in the header; docs/FORMAT.md) or ``"compressai"``
                (CompressAI's serial rANS stream, byte for byte).
            threads: ``None`` for every core, or 1..=1024 (at most one thread per core
                runs); the bytes never depend on it.

        ``values - means`` is rounded half to even, as ``torch.round``; symbols outside a
        row's range are escape-coded, so any finite value codes.

        Raises:
            ValueError: sizes differ, a value, scale or mean is NaN or infinite, a rounded
                symbol leaves int32, or an argument is out of range; nothing is written.
            TypeError: an input is not real-valued or an argument has the wrong type.
        """
        v = as_f32_exact(values, "values")
        s = as_f32(scales, "scales")
        if v.size != s.size:
            raise ValueError(
                f"values has {v.size} elements but scales has {s.size}: give one scale per value"
            )
        return self._native.encode(
            v, s, self._means(means, s.size), check_format(format), threads_arg(threads)
        )

    def decode(
        self,
        data: Any,
        scales: Any,
        means: Any = None,
        *,
        format: str = "fastrans",
        threads: int | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Decode a stream from :meth:`encode` with the same ``scales`` and ``means``.

        Returns float32 ``symbols + means`` in the shape of ``scales`` (the value
        ``encode`` saw, rounded). ``format`` must be the encoder's; ``threads`` as there.
        With ``out`` (a writeable, C-contiguous float32 array of as many elements, e.g.
        one item of a batch), the values are decoded into it and ``out`` is returned;
        after an error its contents are unspecified.

        Raises:
            CorruptStreamError: the stream is damaged, truncated or has trailing bytes
                (the fastrans format's CRC32C catches any damage).
            TableMismatchError: a fastrans stream made with other tables (its fingerprint
                differs from this coder's table).
            ValueError: ``scales`` / ``means`` sizes or values are invalid.
        """
        shape = shape_of(scales)
        s = as_f32(scales, "scales")
        flat = None if out is None else _out_array(out, s.size)
        decoded = self._native.decode(
            as_bytes(data),
            s,
            self._means(means, s.size),
            check_format(format),
            threads_arg(threads),
            flat,
        )
        return decoded.reshape(shape) if out is None else out


def _out_array(out: Any, size: int) -> np.ndarray:
    """``out`` as the flat float32 view the decoder writes, or the error saying why not."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != np.float32:
        raise ValueError(f"out has dtype {out.dtype}: decoding writes float32")
    if out.size != size:
        raise ValueError(f"out has {out.size} elements but scales has {size}: give one per scale")
    if not out.flags.c_contiguous or not out.flags.aligned:
        raise ValueError("out must be C-contiguous and aligned: decode into a fresh array")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    return out.reshape(-1)
