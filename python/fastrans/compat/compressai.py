"""CompressAI's ``compressai.ans`` coders on fastrans, and ``register()``.

``RansEncoder``, ``RansDecoder`` and ``BufferedRansEncoder`` keep ``compressai.ans``'s
method names and signatures (``cdfs`` as a list of lists or a 2-D array, the rest as lists
or arrays) and produce the same bytes. Unlike ``compressai.ans`` they validate everything:
bad tables or indexes raise ValueError, and a truncated, padded or corrupt stream raises
``CorruptStreamError`` instead of crashing or returning garbage.

Tables are converted and validated once, then kept in two small caches shared by every
thread (one lock guards both):

- by identity: a list of lists passed again, the same outer object holding the same row
  objects of the same lengths, with equal ``cdfs_sizes`` and ``offsets``, is recognised
  in microseconds. CompressAI's autoregressive loops pass the same three lists at every
  position. The check does not read the rows' contents: a row edited in place after it
  was passed is not noticed (pass a new list);
- by content: anything else is converted and hashed, and equal content reuses its table.

``register()`` adds ``"fastrans"`` to CompressAI's entropy coders; with it selected
(``compressai.set_entropy_coder("fastrans")`` before the models are built),
``EntropyModel.compress`` / ``decompress`` code straight from the model's tensors (no
Python lists), and the coder classes that CompressAI's model modules imported from
``compressai.ans`` by name (the autoregressive models' ``BufferedRansEncoder`` /
``RansDecoder``) make fastrans coders. The bytes are CompressAI's ``"ans"`` bytes.
"""

from __future__ import annotations

import hashlib
import operator
import sys
import threading
import weakref
from collections import OrderedDict
from typing import Any

import numpy as np

from fastrans import _native
from fastrans._arrays import as_bytes, as_i32, symbols_and_indexes
from fastrans.tables import CdfTable

__all__ = ["BufferedRansEncoder", "RansDecoder", "RansEncoder", "register", "table_from"]

_CACHE_SIZE = 16
# A 16-bit CDF has at most 2**16 + 1 entries; a padded table at most this many cells.
_MAX_ROW = 2**16 + 1
_MAX_CELLS = 2**27

_lock = threading.Lock()
_cache: OrderedDict[bytes, CdfTable] = OrderedDict()


class _Seen:
    """A list of lists seen before: the objects, what the cheap check compares, the table."""

    __slots__ = ("cdfs", "rows", "lengths", "sizes", "offsets", "table")

    def __init__(self, cdfs: list[Any], sizes: list[Any], offsets: list[Any], table: CdfTable):
        self.cdfs = cdfs  # held, so its id() is not reused while cached
        self.rows = list(cdfs)
        self.lengths = [len(r) for r in cdfs]
        self.sizes = list(sizes)
        self.offsets = list(offsets)
        self.table = table

    def matches(self, cdfs: list[Any], sizes: Any, offsets: Any) -> bool:
        rows = self.rows
        return (
            isinstance(sizes, list)
            and isinstance(offsets, list)
            and len(cdfs) == len(rows)
            and all(map(operator.is_, cdfs, rows))
            and list(map(len, cdfs)) == self.lengths
            and sizes == self.sizes
            and offsets == self.offsets
        )


_seen: OrderedDict[int, _Seen] = OrderedDict()


def _padded(cdfs: Any) -> np.ndarray:
    if isinstance(cdfs, np.ndarray) or hasattr(cdfs, "detach"):
        a = np.asarray(cdfs.detach().cpu().numpy() if hasattr(cdfs, "detach") else cdfs)
        if a.ndim != 2:
            raise ValueError(f"cdfs must be 2-D, got shape {a.shape}")
        return as_i32(a, "cdfs").reshape(a.shape)
    rows = [as_i32(r, f"cdfs[{k}]") for k, r in enumerate(cdfs)]
    width = max((r.size for r in rows), default=0)
    # Sizes come from the caller's data: check them before the padded array is allocated.
    if width > _MAX_ROW:
        raise ValueError(
            f"a row of cdfs has {width} entries: a CDF of at most 16 bits has at most {_MAX_ROW}"
        )
    if len(rows) * width > _MAX_CELLS:
        raise ValueError(
            f"cdfs has {len(rows)} rows of up to {width} entries, more than the {_MAX_CELLS} "
            "cells one table may hold"
        )
    out = np.zeros((len(rows), width), np.int32)
    for k, r in enumerate(rows):
        out[k, : r.size] = r
    return out


def _by_content(cdfs: Any, cdfs_sizes: Any, offsets: Any) -> CdfTable:
    c = _padded(cdfs)
    sizes = as_i32(cdfs_sizes, "cdfs_sizes")
    offs = as_i32(offsets, "offsets")
    h = hashlib.blake2b(digest_size=16)
    for part in (np.array(c.shape, np.int64), c, sizes, offs):
        h.update(part.tobytes())
    key = h.digest()
    with _lock:
        table = _cache.get(key)
        if table is not None:
            _cache.move_to_end(key)
            return table
    table = CdfTable(c, sizes, offs)  # validated outside the lock
    with _lock:
        _cache[key] = table
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return table


def table_from(cdfs: Any, cdfs_sizes: Any, offsets: Any) -> CdfTable:
    """A validated ``CdfTable`` for CompressAI-style arguments (cached, see the module)."""
    if not isinstance(cdfs, list):
        return _by_content(cdfs, cdfs_sizes, offsets)
    key = id(cdfs)
    with _lock:
        seen = _seen.get(key)
        if seen is not None and seen.cdfs is cdfs and seen.matches(cdfs, cdfs_sizes, offsets):
            _seen.move_to_end(key)
            return seen.table
    table = _by_content(cdfs, cdfs_sizes, offsets)
    if isinstance(cdfs_sizes, list) and isinstance(offsets, list):
        entry = _Seen(cdfs, cdfs_sizes, offsets, table)
        with _lock:
            _seen[key] = entry
            _seen.move_to_end(key)
            while len(_seen) > _CACHE_SIZE:
                _seen.popitem(last=False)
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


# ---------------------------------------------------------------------- EntropyModel path

# Each CompressAI EntropyModel's native table, with the buffers (and their versions) it
# was built from; weak keys, so a model's table goes with the model.
_model_tables: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], CdfTable]] = (
    weakref.WeakKeyDictionary()
)


def _model_table(model: Any) -> CdfTable:
    bufs = (model._quantized_cdf, model._cdf_length, model._offset)
    key = bufs + tuple(b._version for b in bufs)
    with _lock:
        cached = _model_tables.get(model)
    if cached is not None:
        old = cached[0]
        if all(a is b for a, b in zip(old[:3], key[:3])) and old[3:] == key[3:]:
            return cached[1]
    cdf, lengths, offsets = (b.detach().cpu() for b in bufs)
    table = CdfTable(
        as_i32(cdf, "_quantized_cdf").reshape(tuple(cdf.shape)),
        as_i32(lengths.reshape(-1), "_cdf_length"),
        as_i32(offsets.reshape(-1), "_offset"),
    )
    with _lock:
        _model_tables[model] = (key, table)
    return table


def _uses_fastrans(model: Any) -> bool:
    return getattr(getattr(model, "entropy_coder", None), "name", None) == "fastrans"


def _compress(model: Any, inputs: Any, indexes: Any, means: Any = None) -> list[bytes]:
    """CompressAI's ``EntropyModel.compress`` (same checks, same bytes) from the tensors."""
    from fastrans.entropy_models._base import checked_i32

    symbols = model.quantize(inputs, "symbols", means)
    if len(inputs.size()) < 2:
        raise ValueError("inputs must have at least 2 dimensions (batch first)")
    if inputs.size() != indexes.size():
        raise ValueError("inputs and indexes must have the same size")
    model._check_cdf_size()
    model._check_cdf_length()
    model._check_offsets_size()
    table = _model_table(model)
    n = symbols.size(0)
    s = checked_i32("symbols", symbols).reshape(n, -1)
    i = checked_i32("indexes", indexes).reshape(n, -1)
    return [table.encode(s[b], i[b], format="compressai") for b in range(n)]


def _decompress(
    model: Any, strings: Any, indexes: Any, dtype: Any = None, means: Any = None
) -> Any:
    """CompressAI's ``EntropyModel.decompress`` (same checks, same values) to tensors."""
    import torch

    from fastrans.entropy_models._base import ArgumentTypeError, checked_i32

    if dtype is None:
        dtype = torch.float
    if not isinstance(strings, (tuple, list)):
        raise ValueError("strings must be a list of bytes (one per batch item)")
    if len(strings) != indexes.size(0):
        raise ValueError("strings and indexes disagree on the batch size")
    if len(indexes.size()) < 2:
        raise ValueError("indexes must have at least 2 dimensions (batch first)")
    model._check_cdf_size()
    model._check_cdf_length()
    model._check_offsets_size()
    if means is not None:
        if means.size()[:2] != indexes.size()[:2]:
            raise ValueError("means and indexes disagree on the batch or channel size")
        if means.size() != indexes.size() and any(
            means.size(d) != 1 for d in range(2, len(indexes.size()))
        ):
            raise ValueError("means must match indexes or be 1 along each spatial dimension")
    for k, s in enumerate(strings):
        if not isinstance(s, (bytes, bytearray, memoryview)):
            raise ArgumentTypeError(f"strings[{k}] must be bytes, got {type(s).__name__}")
    table = _model_table(model)
    n = indexes.size(0)
    idx = checked_i32("indexes", indexes).reshape(n, -1)
    values = np.empty(idx.shape, np.int32)
    for b, s in enumerate(strings):
        values[b] = table.decode(bytes(s), idx[b], format="compressai")
    cdf = model._quantized_cdf
    outputs = torch.from_numpy(values).reshape(indexes.size()).to(cdf.device, cdf.dtype)
    return model.dequantize(outputs, means, dtype)


def _selected_class(name: str, original: Any, ours: type) -> type:
    """A stand-in for ``compressai.ans.<name>`` that makes ``ours`` while "fastrans" is the
    selected entropy coder and ``original`` otherwise."""

    def __new__(cls: type) -> Any:
        import compressai

        return ours() if compressai.get_entropy_coder() == "fastrans" else original()

    return type(
        name,
        (),
        {
            "__new__": __new__,
            "__doc__": f"compressai.ans.{name}, or fastrans' when 'fastrans' is selected.",
            "__module__": __name__,
            "_fastrans_original": original,
        },
    )


def register() -> list[str]:
    """Make ``compressai.set_entropy_coder("fastrans")`` available and fast (idempotent).

    Patches, and returns the dotted names of, what it changes in CompressAI:
    ``_EntropyCoder.__init__`` (knows "fastrans"), ``EntropyModel.compress`` / ``decompress``
    (code from the tensors when the model's coder is "fastrans"; CompressAI's own code
    otherwise), and every ``BufferedRansEncoder`` / ``RansEncoder`` / ``RansDecoder`` that a
    ``compressai.*`` module imported from ``compressai.ans`` (fastrans' when "fastrans" is
    selected at the time the coder is made, CompressAI's otherwise).

    Needs compressai installed; raises ImportError otherwise.
    """
    import compressai
    from compressai import ans
    from compressai.entropy_models import entropy_models as em

    patched: list[str] = []
    coders = compressai._available_entropy_coders
    if "fastrans" not in coders:
        coders.append("fastrans")

    prefix = "compressai.entropy_models.entropy_models"
    original = em._EntropyCoder.__init__
    if not getattr(original, "_fastrans_patched", False):

        def __init__(self: Any, method: Any) -> None:
            if method == "fastrans":
                self.name = method
                self._encoder = RansEncoder()
                self._decoder = RansDecoder()
            else:
                original(self, method)

        __init__._fastrans_patched = True  # type: ignore[attr-defined]
        em._EntropyCoder.__init__ = __init__
    patched.append(f"{prefix}._EntropyCoder.__init__")

    model_cls = getattr(em, "EntropyModel", None)
    for attr, ours in (("compress", _compress), ("decompress", _decompress)):
        method = getattr(model_cls, attr, None) if model_cls is not None else None
        if method is None:
            continue
        if not getattr(method, "_fastrans_patched", False):
            setattr(model_cls, attr, _dispatching(method, ours))
        patched.append(f"{prefix}.EntropyModel.{attr}")

    stand_ins: dict[int, type] = {}
    coder_classes: tuple[tuple[str, type], ...] = (
        ("RansEncoder", RansEncoder),
        ("BufferedRansEncoder", BufferedRansEncoder),
        ("RansDecoder", RansDecoder),
    )
    for name, cls in coder_classes:
        orig = getattr(ans, name, None)
        if orig is not None:
            stand_ins[id(orig)] = _selected_class(name, orig, cls)
    for modname, module in sorted(sys.modules.items()):
        if module is None or not (modname == "compressai" or modname.startswith("compressai.")):
            continue
        if modname == "compressai.ans":
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, type) and "_fastrans_original" in vars(value):
                patched.append(f"{modname}.{attr}")
            elif id(value) in stand_ins and isinstance(value, type):
                setattr(module, attr, stand_ins[id(value)])
                patched.append(f"{modname}.{attr}")
    return patched


def _dispatching(original: Any, ours: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _uses_fastrans(self):
            return ours(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    method.__name__ = original.__name__
    method.__qualname__ = original.__qualname__
    method.__doc__ = original.__doc__
    method._fastrans_patched = True  # type: ignore[attr-defined]
    method._fastrans_original = original  # type: ignore[attr-defined]
    return method
