"""The autoregressive path: ``BufferedEncoder`` (many ``encode`` calls, one ``flush``) and
``StreamDecoder`` (one stream, many ``decode`` calls), as CompressAI's
``BufferedRansEncoder`` and ``RansDecoder.set_stream`` + ``decode_stream``.

Only ``format="compressai"`` exists here: an autoregressive decoder learns its indexes one
step at a time, so the stream is one serial rANS state by nature. ``StreamDecoder.finish()``
checks that the whole stream was consumed and ended in the encoder's initial state.

Besides table rows, a batch may be coded with per-symbol laws (``encode_parametric`` /
``decode_parametric`` with a ``ParametricCoder``), as an autoregressive decoder does one
wavefront a call; table and parametric batches share the one state, in call order. The
stream has no header: decode each batch as it was pushed (a mismatched coder or mismatched
parameters give wrong symbols or a CorruptStreamError, as a mismatched table does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_i32, shape_of, symbols_and_indexes
from fastrans.parametric_coder import ParametricCoder
from fastrans.tables import CdfTable


def _check_stream_format(format: str) -> None:
    if format != "compressai":
        raise ValueError(
            f"format={format!r}: the streaming coders write CompressAI's serial stream only; "
            "use format='compressai' (or CdfTable.encode for the parallel fastrans format)"
        )


def _check_coder(coder: Any) -> ParametricCoder:
    if not isinstance(coder, ParametricCoder):
        raise TypeError(f"coder must be a fastrans.ParametricCoder, got {type(coder).__name__}")
    return coder


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
        """Queue ``symbols`` with their rows ``indexes`` (as ``CdfTable.encode``). Bad
        input raises ValueError / TypeError and queues nothing."""
        s, i = symbols_and_indexes(symbols, indexes)
        self._native.encode(self._table._native, s, i)

    def encode_parametric(
        self, coder: ParametricCoder, symbols: Any, means: Any, scales: Any, weights: Any = None
    ) -> None:
        """Queue ``symbols``, each with its own law under ``coder`` (parameters shaped as
        for ``ParametricCoder.encode``: the symbols' shape, or ``(K, *shape)`` with
        ``weights``), coded at ``coder``'s precision on the stream's one state.

        Raises ValueError (naming the first bad element) or TypeError as
        ``ParametricCoder.encode`` does, and then queues nothing."""
        c = _check_coder(coder)
        shape = shape_of(symbols)
        s = as_i32(symbols, "symbols")
        m, sc, w = ParametricCoder._params(shape, means, scales, weights)
        _native.serial_encode_parametric(self._native, c._native, s, m, sc, w)

    def __len__(self) -> int:
        """How many symbols are queued."""
        return len(self._native)

    def __reduce__(self) -> tuple[Any, ...]:
        """An empty encoder pickles (its table travels by value); one holding queued symbols
        refuses with a TypeError, as its queue lives in native memory: ``flush()`` first."""
        queued = len(self)
        if queued:
            raise TypeError(
                f"cannot pickle a BufferedEncoder holding {queued} queued symbols: flush() "
                "it and send the bytes, or pickle it while empty"
            )
        return (BufferedEncoder, (self._table,))

    def flush(self) -> bytes:
        """Code every queued symbol into one CompressAI stream, return it and start empty."""
        return self._native.flush()


class StreamDecoder:
    """Decode one stream over many ``decode(indexes)`` calls."""

    __slots__ = ("_data", "_native", "_started", "_table")

    def __init__(self, table: CdfTable, data: Any, format: str = "compressai") -> None:
        _check_stream_format(format)
        self._table = _check_table(table)
        self._data = as_bytes(data)
        self._native = _native.StreamDecoder(self._data)
        self._started = False

    def decode(self, indexes: Any) -> np.ndarray:
        """The next symbols, one per row in ``indexes`` (int32, the shape of ``indexes``).
        Raises CorruptStreamError when the stream runs out or breaks the coder's
        invariants, ValueError for an index out of range."""
        shape = shape_of(indexes)
        self._started = True
        return self._native.decode(self._table._native, as_i32(indexes, "indexes")).reshape(shape)

    def decode_parametric(
        self, coder: ParametricCoder, means: Any, scales: Any, weights: Any = None
    ) -> np.ndarray:
        """The next symbols of a batch pushed with ``encode_parametric``, given the same
        ``coder``, ``means``, ``scales`` and ``weights``: int32 in the shape of ``means``
        (without its leading ``K`` when ``weights`` are given).

        Raises ValueError / TypeError for parameters ``ParametricCoder.decode`` refuses
        (nothing is consumed), CorruptStreamError when the stream runs out or breaks the
        coder's invariants."""
        c = _check_coder(coder)
        full = shape_of(means)
        if weights is not None and len(full) == 0:
            raise ValueError("means must have a leading K axis when weights are given")
        shape = full if weights is None else full[1:]
        m, sc, w = ParametricCoder._params(shape, means, scales, weights)
        n = int(np.prod(shape, dtype=np.int64))
        self._started = True
        return _native.serial_decode_parametric(self._native, c._native, n, m, sc, w).reshape(
            shape
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """A decoder that has not decoded yet pickles as its table and stream; one part-way
        through refuses with a TypeError, as its rANS state lives in native memory."""
        if self._started:
            raise TypeError(
                "cannot pickle a StreamDecoder part-way through its stream: pickle it before "
                "the first decode(), or send the table and the bytes"
            )
        return (StreamDecoder, (self._table, self._data))

    @property
    def remaining_bytes(self) -> int:
        """Bytes of the stream not yet read."""
        return self._native.remaining_bytes

    def finish(self) -> None:
        """Raise ``CorruptStreamError`` unless the stream was consumed exactly."""
        self._native.finish()
