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
        """How many rows (CDFs) the table holds."""
        return self._native.num_tables

    @property
    def precision(self) -> int:
        """Bits of the quantized CDFs: every row ends at ``2**precision``."""
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
        """int32, the number of valid entries of each row (CompressAI's ``_cdf_length``)."""
        return self._native.cdf_lengths()

    @property
    def offsets(self) -> np.ndarray:
        """int32, the symbol each row's bin 0 codes (CompressAI's ``_offset``)."""
        return self._native.offsets()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles (and ``copy.deepcopy``) by value: the CDFs, lengths, offsets and precision,
        with the fingerprint as a seal. Unpickling validates like the constructor and checks
        the seal, so a tampered pickle is a ValueError."""
        state = (self.cdfs, self.cdf_lengths, self.offsets, self.precision, self.fingerprint)
        return (_unpickle_table, state)

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
        """Code ``symbols[i]`` with row ``indexes[i]`` and return the stream.

        Args:
            symbols: integers of any shape (numpy, torch CPU tensor, list), within int32;
                a symbol outside its row's range is escape-coded (CompressAI's bypass).
            indexes: one row number per symbol, ``0 <= index < num_tables``, any shape of
                the same size (C order).
            format: ``"fastrans"`` (default: parallel chunks, CRC32C, the table's
                fingerprint; docs/FORMAT.md) or ``"compressai"`` (CompressAI's
                ``RansEncoder.encode_with_indexes`` stream, byte for byte).
            threads: ``None`` for every core, or 1..=1024 (at most one thread per core
                runs); the bytes never depend on it.

        Raises:
            ValueError: sizes differ, an index is out of range, or a value leaves int32
                or is not a whole number; nothing is written.
            TypeError: an input does not hold integers or an argument has the wrong type.
        """
        s, i = symbols_and_indexes(symbols, indexes)
        if check_format(format) == "compressai":
            threads_arg(threads)
            return self._native.encode_compressai(s, i)
        return self._native.encode_fastrans(s, i, threads_arg(threads))

    def decode(
        self,
        data: Any,
        indexes: Any,
        *,
        format: str = "fastrans",
        threads: int | None = None,
    ) -> np.ndarray:
        """Decode a stream from :meth:`encode` with the same ``indexes``.

        Returns int32 symbols in the shape of ``indexes``. ``format`` must be the
        encoder's; ``threads`` as in :meth:`encode`.

        Raises:
            CorruptStreamError: damaged, truncated or trailing bytes (always caught in the
                fastrans format, by its CRC32C; CompressAI's format carries no checksum,
                so there only what breaks the rANS state's invariants is caught).
            TableMismatchError: a fastrans stream made with other tables.
            ValueError: an index is out of range.
        """
        shape = shape_of(indexes)
        i = as_i32(indexes, "indexes")
        raw = as_bytes(data)
        if check_format(format) == "compressai":
            threads_arg(threads)
            out = self._native.decode_compressai(raw, i)
        else:
            out = self._native.decode_fastrans(raw, i, threads_arg(threads))
        return out.reshape(shape)


def _unpickle_table(
    cdfs: Any, cdf_lengths: Any, offsets: Any, precision: Any, fingerprint: Any
) -> CdfTable:
    table = CdfTable(cdfs, cdf_lengths, offsets, precision)
    if table.fingerprint != fingerprint:
        raise ValueError(
            f"pickled CdfTable: its tables hash to {table.fingerprint:#018x}, not the "
            f"{fingerprint!r} it was saved with (the pickle was altered)"
        )
    return table


def scale_indexes(
    scales: Any, scale_table: Any, scale_bound: float = 0.11, *, finite: bool = False
) -> np.ndarray:
    """Table row for every scale, bit-exact with CompressAI's
    ``GaussianConditional.build_indexes`` (float32 comparisons). Shape of ``scales``.

    Scales below ``scale_bound`` take row 0, infinite ones the last row (CompressAI's
    rule); NaN scales raise ValueError, and with ``finite=True`` infinite ones too (what
    the torch models use). The lookup is one native pass (AVX-512 where the CPU has it)."""
    shape = shape_of(scales)
    out = _native.scale_indexes(
        as_f32(scales, "scales"),
        as_f32(scale_table, "scale_table"),
        float(scale_bound),
        bool(finite),
    )
    return out.reshape(shape)
