"""The autoregressive path: ``BufferedEncoder`` (many ``encode`` calls, one ``flush``) and
``StreamDecoder`` (one stream, many ``decode`` calls), as CompressAI's
``BufferedRansEncoder`` and ``RansDecoder.set_stream`` + ``decode_stream``.

Only ``format="compressai"`` exists here: an autoregressive decoder learns its indexes one
step at a time, so the stream is one serial rANS state by nature. ``StreamDecoder.finish()``
checks that the whole stream was consumed and ended in the encoder's initial state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_i32, shape_of, symbols_and_indexes
from fastrans.tables import CdfTable


def _check_stream_format(format: str) -> None:
    if format != "compressai":
        raise ValueError(
            f"format={format!r}: the streaming coders write CompressAI's serial stream only; "
            "use format='compressai' (or CdfTable.encode for the parallel fastrans format)"
        )


def _check_table(table: Any) -> CdfTable:
    if not isinstance(table, CdfTable):
        raise TypeError(f"table must be a fastrans.CdfTable, got {type(table).__name__}")
    return table


class BufferedEncoder:
    """Queue symbols over many calls; ``flush()`` returns the stream and resets."""

    __slots__ = ("_native", "_table")

    def __init__(self, table: CdfTable, format: str = "compressai") -> None:
        _check_stream_format(format)
        self._table = _check_table(table)
        self._native = _native.BufferedEncoder()

    def encode(self, symbols: Any, indexes: Any) -> None:
        s, i = symbols_and_indexes(symbols, indexes)
        self._native.encode(self._table._native, s, i)

    def __len__(self) -> int:
        return len(self._native)

    def flush(self) -> bytes:
        return self._native.flush()


class StreamDecoder:
    """Decode one stream over many ``decode(indexes)`` calls."""

    __slots__ = ("_native", "_table")

    def __init__(self, table: CdfTable, data: Any, format: str = "compressai") -> None:
        _check_stream_format(format)
        self._table = _check_table(table)
        self._native = _native.StreamDecoder(as_bytes(data))

    def decode(self, indexes: Any) -> np.ndarray:
        shape = shape_of(indexes)
        return self._native.decode(self._table._native, as_i32(indexes, "indexes")).reshape(shape)

    @property
    def remaining_bytes(self) -> int:
        return self._native.remaining_bytes

    def finish(self) -> None:
        """Raise ``CorruptStreamError`` unless the stream was consumed exactly."""
        self._native.finish()
