"""CDF tables and the one-shot coders: ``pmf_to_quantized_cdf``, ``CdfTable``,
``scale_indexes``.

A ``CdfTable`` is validated once by the native core, is immutable and can be shared by
threads. Its ``encode`` / ``decode`` run with the GIL released; ``format="compressai"`` is
CompressAI's stream byte for byte, ``format="fastrans"`` our framed, checksummed, parallel
stream (docs/FORMAT.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import (
    as_2d,
    as_bytes,
    as_f32,
    as_i32,
    shape_of,
    symbols_and_indexes,
    threads_arg,
)

FORMATS = ("fastrans", "compressai")


def check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format={format!r} is not known: use 'fastrans' or 'compressai'")
    return format


def check_precision(precision: Any) -> int:
    if isinstance(precision, bool) or not isinstance(precision, (int, np.integer)):
        raise TypeError(f"precision must be an int, got {precision!r}")
    if not 1 <= precision <= 16:
        raise ValueError(f"precision={precision} is not supported: use 1..=16 (CompressAI uses 16)")
    return int(precision)


def pmf_to_quantized_cdf(pmf: Any, precision: int = 16) -> np.ndarray:
    """Quantized CDF of a 1-D pmf, bit-exact with CompressAI's ``_CXX.pmf_to_quantized_cdf``.

    The pmf is taken as float32 (what CompressAI hands its C++ code). Returns int32 of length
    ``len(pmf) + 1``: 0, strictly increasing, ``2**precision``. Negative, NaN, infinite or
    all-zero pmfs and unsupported precisions raise ValueError.
    """
    a = np.asarray(pmf.detach().cpu().numpy() if hasattr(pmf, "detach") else pmf)
    if a.ndim != 1:
        raise ValueError(f"pmf must be 1-D, got shape {a.shape}")
    return _native.pmf_to_quantized_cdf(as_f32(a, "pmf"), check_precision(precision))


class CdfTable:
    """Many quantized CDFs (CompressAI layout), validated once, immutable, thread-safe.

    ``cdfs`` is 2-D: row ``i`` is valid up to ``cdf_lengths[i]``, starts at 0, strictly
    increases and ends with ``2**precision``; its second-to-last bin is the escape bin and
    bin 0 codes the symbol ``offsets[i]``.
    """

    __slots__ = ("_native",)

    def __init__(self, cdfs: Any, cdf_lengths: Any, offsets: Any, precision: int = 16) -> None:
        self._native = _native.CdfTable(
            as_2d(cdfs, "cdfs", np.int32),
            as_i32(cdf_lengths, "cdf_lengths"),
            as_i32(offsets, "offsets"),
            check_precision(precision),
        )

    @classmethod
    def _wrap(cls, native: _native.CdfTable) -> CdfTable:
        obj = cls.__new__(cls)
        obj._native = native
        return obj

    @classmethod
    def from_pmfs(
        cls,
        pmfs: Any,
        pmf_lengths: Any,
        tail_masses: Any,
        offsets: Any,
        precision: int = 16,
    ) -> CdfTable:
        """Batched CompressAI ``EntropyModel._pmf_to_cdf``: row ``i`` is the quantized CDF of
        ``pmfs[i, :pmf_lengths[i]]`` followed by ``tail_masses[i]`` (the escape bin)."""
        return cls._wrap(
            _native.CdfTable.from_pmfs(
                as_2d(pmfs, "pmfs", np.float32),
                as_i32(pmf_lengths, "pmf_lengths"),
                as_f32(tail_masses, "tail_masses"),
                as_i32(offsets, "offsets"),
                check_precision(precision),
            )
        )

    @property
    def num_tables(self) -> int:
        return self._native.num_tables

    @property
    def precision(self) -> int:
        return self._native.precision

    @property
    def fingerprint(self) -> int:
        """A 64-bit identity of the tables, the same on every platform."""
        return self._native.fingerprint

    @property
    def cdfs(self) -> np.ndarray:
        """The CDFs as a 2-D int32 array, rows zero padded (CompressAI's ``_quantized_cdf``)."""
        return self._native.cdfs()

    @property
    def cdf_lengths(self) -> np.ndarray:
        return self._native.cdf_lengths()

    @property
    def offsets(self) -> np.ndarray:
        return self._native.offsets()

    def __repr__(self) -> str:
        return (
            f"CdfTable(num_tables={self.num_tables}, precision={self.precision}, "
            f"fingerprint={self.fingerprint:#018x})"
        )

    def encode(
        self,
        symbols: Any,
        indexes: Any,
        *,
        format: str = "fastrans",
        threads: int | None = None,
    ) -> bytes:
        """Code ``symbols[i]`` with row ``indexes[i]`` (any shapes of equal size, C order)."""
        s, i = symbols_and_indexes(symbols, indexes)
        if check_format(format) == "compressai":
            threads_arg(threads)
            return self._native.encode_compressai(s, i)
        return _native.encode_fastrans(self._native, s, i, threads_arg(threads))

    def decode(
        self,
        data: Any,
        indexes: Any,
        *,
        format: str = "fastrans",
        threads: int | None = None,
    ) -> np.ndarray:
        """Decode one symbol per index; the result has the shape of ``indexes``."""
        shape = shape_of(indexes)
        i = as_i32(indexes, "indexes")
        raw = as_bytes(data)
        if check_format(format) == "compressai":
            threads_arg(threads)
            out = self._native.decode_compressai(raw, i)
        else:
            out = _native.decode_fastrans(self._native, raw, i, threads_arg(threads))
        return out.reshape(shape)


def scale_indexes(scales: Any, scale_table: Any, scale_bound: float = 0.11) -> np.ndarray:
    """Table row for every scale, bit-exact with CompressAI's
    ``GaussianConditional.build_indexes`` (float32 comparisons). Shape of ``scales``."""
    shape = shape_of(scales)
    out = _native.scale_indexes(
        as_f32(scales, "scales"), as_f32(scale_table, "scale_table"), float(scale_bound)
    )
    return out.reshape(shape)
