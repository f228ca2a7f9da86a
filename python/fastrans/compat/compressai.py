"""CompressAI's ``compressai.ans`` coders on fastrans, and ``register()``.

``RansEncoder``, ``RansDecoder`` and ``BufferedRansEncoder`` keep ``compressai.ans``'s
method names and signatures (``cdfs`` as a list of lists or a 2-D array, the rest as lists
or arrays) and produce the same bytes. Unlike ``compressai.ans`` they validate everything:
bad tables or indexes raise ValueError, and a truncated, padded or corrupt stream raises
``CorruptStreamError`` instead of crashing or returning garbage.

Tables passed as Python lists are converted and validated once per distinct content: a
small cache keyed by the content's hash keeps repeated calls with the same model cheap.

``register()`` adds ``"fastrans"`` to CompressAI's entropy coders so that
``compressai.set_entropy_coder("fastrans")`` makes every model that codes through
CompressAI's ``_EntropyCoder`` proxy (all of its ``EntropyModel`` subclasses) use fastrans.
Models that import ``compressai.ans`` directly (the autoregressive ones) can use the classes
here in its place.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_i32, symbols_and_indexes
from fastrans.tables import CdfTable

_CACHE_SIZE = 16
_cache: OrderedDict[bytes, CdfTable] = OrderedDict()


def _padded(cdfs: Any) -> np.ndarray:
    if isinstance(cdfs, np.ndarray) or hasattr(cdfs, "detach"):
        a = np.asarray(cdfs.detach().cpu().numpy() if hasattr(cdfs, "detach") else cdfs)
        if a.ndim != 2:
            raise ValueError(f"cdfs must be 2-D, got shape {a.shape}")
        return as_i32(a, "cdfs").reshape(a.shape)
    rows = [as_i32(r, f"cdfs[{k}]") for k, r in enumerate(cdfs)]
    width = max((r.size for r in rows), default=0)
    out = np.zeros((len(rows), width), np.int32)
    for k, r in enumerate(rows):
        out[k, : r.size] = r
    return out


def table_from(cdfs: Any, cdfs_sizes: Any, offsets: Any) -> CdfTable:
    """A validated ``CdfTable`` for CompressAI-style arguments (cached by content)."""
    c = _padded(cdfs)
    sizes = as_i32(cdfs_sizes, "cdfs_sizes")
    offs = as_i32(offsets, "offsets")
    h = hashlib.blake2b(digest_size=16)
    for part in (np.array(c.shape, np.int64), c, sizes, offs):
        h.update(part.tobytes())
    key = h.digest()
    table = _cache.get(key)
    if table is None:
        table = CdfTable(c, sizes, offs)
        _cache[key] = table
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return table


class RansEncoder:
    """``compressai.ans.RansEncoder``."""

    def encode_with_indexes(
        self, symbols: Any, indexes: Any, cdfs: Any, cdfs_sizes: Any, offsets: Any
    ) -> bytes:
        return table_from(cdfs, cdfs_sizes, offsets).encode(symbols, indexes, format="compressai")


class BufferedRansEncoder:
    """``compressai.ans.BufferedRansEncoder``: each call may use other tables."""

    def __init__(self) -> None:
        self._native = _native.BufferedEncoder()

    def encode_with_indexes(
        self, symbols: Any, indexes: Any, cdfs: Any, cdfs_sizes: Any, offsets: Any
    ) -> None:
        table = table_from(cdfs, cdfs_sizes, offsets)
        s, i = symbols_and_indexes(symbols, indexes)
        self._native.encode(table._native, s, i)

    def flush(self) -> bytes:
        return self._native.flush()


class RansDecoder:
    """``compressai.ans.RansDecoder``: one-shot ``decode_with_indexes`` and the
    ``set_stream`` + ``decode_stream`` pair."""

    def __init__(self) -> None:
        self._stream: _native.StreamDecoder | None = None

    def decode_with_indexes(
        self, encoded: Any, indexes: Any, cdfs: Any, cdfs_sizes: Any, offsets: Any
    ) -> list[int]:
        table = table_from(cdfs, cdfs_sizes, offsets)
        out: list[int] = table.decode(
            encoded, as_i32(indexes, "indexes"), format="compressai"
        ).tolist()
        return out

    def set_stream(self, encoded: Any) -> None:
        self._stream = _native.StreamDecoder(as_bytes(encoded, "encoded"))

    def decode_stream(self, indexes: Any, cdfs: Any, cdfs_sizes: Any, offsets: Any) -> list[int]:
        if self._stream is None:
            raise ValueError("call set_stream(encoded) before decode_stream")
        table = table_from(cdfs, cdfs_sizes, offsets)
        out: list[int] = self._stream.decode(table._native, as_i32(indexes, "indexes")).tolist()
        return out


def register() -> None:
    """Make ``compressai.set_entropy_coder("fastrans")`` available (idempotent).

    Needs compressai installed; raises ImportError otherwise.
    """
    import compressai
    from compressai.entropy_models import entropy_models as em

    coders = compressai._available_entropy_coders
    if "fastrans" not in coders:
        coders.append("fastrans")
    original = em._EntropyCoder.__init__
    if getattr(original, "_fastrans_patched", False):
        return

    def __init__(self: Any, method: Any) -> None:
        if method == "fastrans":
            self.name = method
            self._encoder = RansEncoder()
            self._decoder = RansDecoder()
        else:
            original(self, method)

    __init__._fastrans_patched = True  # type: ignore[attr-defined]
    em._EntropyCoder.__init__ = __init__
