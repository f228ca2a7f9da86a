"""The entropy-model base: quantization on a grid of bin width ``step``, the coding tables
held as CompressAI's buffers, and the guard that refuses stale tables.

Why this module: CompressAI keeps its tables in three buffers (``_quantized_cdf``,
``_cdf_length``, ``_offset``) that are filled by ``update()`` and silently go out of date
when training continues, and that only load through a parent's ``load_state_dict``
override. Here the buffers resize themselves on load, every ``update()`` records a digest
of the parameters the tables were built from, and ``compress`` / ``decompress`` compare it
with the current parameters, so stale tables raise :class:`StaleTablesError` instead of
coding with a model the receiver does not have. A checkpoint that carries tables is
trusted as built from its own parameters.

Coding runs on the CPU through :class:`fastrans.CdfTable` (one stream per batch item);
``forward`` stays pure torch. With bin width 1 and float32 values (and means of their shape),
``compress`` and ``decompress`` hand the floats to the native coder, which subtracts,
rounds (as ``torch.round``), checks and codes in one pass with the same bytes; anything
else, and every refusal, goes through torch as before (see :meth:`EntropyModel.compress`).
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fastrans import _native
from fastrans._arrays import threads_arg
from fastrans.entropy_models._fused import cpu_f32, fusable
from fastrans.parametrizers import LowerBound
from fastrans.tables import FORMATS, CdfTable

__all__ = ["ArgumentTypeError", "EntropyModel", "StaleTablesError"]

_ENTROPY_CODERS = (None, "ans", "fastrans")
_TABLE_BUFFERS = ("_offset", "_quantized_cdf", "_cdf_length")
# Symbols are coded as int32; CompressAI's escape code doubles them, so stay well inside.
_MAX_SYMBOL = 2**30


class StaleTablesError(RuntimeError, ValueError):
    """The coding tables are missing, or were built from parameters that have changed
    since: call ``update()`` (``update(force=True)`` rebuilds unconditionally).

    Also a ValueError, which is what CompressAI raises for missing tables ("Uninitialized
    CDFs"), so code written against CompressAI catches it."""


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type where CompressAI raises ValueError (a scale table
    that is not a list, strings that are not a list of bytes): both TypeError and
    ValueError, so code written for either catches it."""


_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1


def check_positive(name: str, value: Any, *, upper: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not (math.isfinite(v) and 0.0 < v < upper):
        bound = f"in (0, {upper:g})" if math.isfinite(upper) else "finite and > 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return v


def check_tensor(name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_broadcasts(name: str, t: Tensor, shape: Sequence[int], target: str) -> None:
    """``t`` must broadcast to ``shape`` without changing it (pure shape logic)."""
    try:
        out = torch.broadcast_shapes(tuple(t.shape), tuple(shape))
    except RuntimeError:
        out = None
    if out is None or tuple(out) != tuple(shape):
        raise ValueError(
            f"{name} has shape {tuple(t.shape)}, which does not broadcast to {target}'s "
            f"shape {tuple(shape)}: give one value per element (or a broadcastable shape)"
        )


def check_finite(name: str, x: Tensor) -> None:
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} holds NaN or infinite values: only finite values can be coded")


def _buffer(buffers: dict[str, Tensor | None], name: str) -> Tensor:
    """A table buffer from a module's ``_buffers`` (they are registered, never None)."""
    b = buffers[name]
    assert b is not None
    return b


def digest(tensors: Iterable[Tensor], extra: Any) -> bytes:
    """A content digest, insensitive to device and float dtype (values taken as float64)."""
    h = hashlib.blake2b(repr(extra).encode(), digest_size=16)
    for t in tensors:
        a = t.detach().to(device="cpu", dtype=torch.float64).contiguous().numpy()
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.digest()


def to_cpu_i32(x: Tensor) -> np.ndarray:
    return x.detach().to(device="cpu", dtype=torch.int32).contiguous().numpy()


def checked_i32(name: str, x: Tensor) -> np.ndarray:
    """``x`` as CPU int32 without wrapping or truncating: the numpy layer's rules (bool
    and complex raise TypeError; non-whole floats and values outside int32 raise
    ValueError)."""
    if x.dtype == torch.int32:
        return to_cpu_i32(x)
    if x.dtype == torch.bool or x.is_complex():
        raise TypeError(f"{name} must hold integers, got dtype {x.dtype}")
    t = x.detach()
    if t.numel() == 0:
        return to_cpu_i32(t)
    if t.is_floating_point():
        if not bool(torch.isfinite(t).all()) or not bool((t == torch.round(t)).all()):
            raise ValueError(
                f"{name} must hold whole numbers, got {t.dtype} values with a fraction (or "
                "NaN / inf); build indexes with build_indexes() or round them first"
            )
        lo, hi = float(t.min()), float(t.max())
    else:
        lo, hi = int(t.min()), int(t.max())
    if lo < _I32_MIN or hi > _I32_MAX:
        bad = lo if lo < _I32_MIN else hi
        raise ValueError(
            f"{name} holds {bad:.0f}, outside the int32 range [{_I32_MIN}, {_I32_MAX}]"
        )
    return to_cpu_i32(t)


class EntropyModel(nn.Module):
    """Base class: CompressAI's ``EntropyModel`` with a bin width and table guard.

    Args:
        likelihood_bound: likelihoods are bounded below by this (0 disables the bound).
        entropy_coder: accepted for CompressAI compatibility (``None``, ``"ans"`` or
            ``"fastrans"``); the stream layout is chosen by ``stream_format``.
        entropy_coder_precision: CDF precision in bits (1..16).
        step: the quantization bin width: symbols are ``round((x - mean) / step)`` and
            likelihoods integrate over bins of this width.
        stream_format: ``"fastrans"`` (framed, checksummed, carries the table fingerprint so
            strings from other tables raise ``TableMismatchError``) or ``"compressai"``
            (CompressAI's bytes exactly; no check against other tables is possible).
    """

    _offset: Tensor
    _quantized_cdf: Tensor
    _cdf_length: Tensor
    # Threads for coding (None: every core), as ``threads=`` of the numpy API; set it on an
    # instance (``model.threads = 1``). Not a constructor argument, so the constructor stays
    # CompressAI's.
    threads: int | None = None

    def __init__(
        self,
        likelihood_bound: float = 1e-9,
        entropy_coder: str | None = None,
        entropy_coder_precision: int = 16,
        *,
        step: float = 1.0,
        stream_format: str = "fastrans",
    ) -> None:
        super().__init__()
        if entropy_coder not in _ENTROPY_CODERS:
            raise ValueError(
                f"entropy_coder={entropy_coder!r} is not available: use None, 'ans' or "
                "'fastrans' (pick the stream layout with stream_format=)"
            )
        self.entropy_coder = entropy_coder
        if isinstance(entropy_coder_precision, bool) or not isinstance(
            entropy_coder_precision, (int, np.integer)
        ):
            raise TypeError(
                f"entropy_coder_precision must be an int, got {entropy_coder_precision!r}"
            )
        if not 1 <= entropy_coder_precision <= 16:
            raise ValueError(
                f"entropy_coder_precision={entropy_coder_precision} is not supported: use 1..16"
            )
        self.entropy_coder_precision = int(entropy_coder_precision)
        self.step = check_positive("step", step)
        self.stream_format = stream_format
        lb = float(likelihood_bound)
        if not math.isfinite(lb) or lb < 0:
            raise ValueError(f"likelihood_bound must be finite and >= 0, got {likelihood_bound!r}")
        self.use_likelihood_bound = lb > 0
        if self.use_likelihood_bound:
            self.likelihood_lower_bound = LowerBound(lb)
        self.register_buffer("_offset", torch.IntTensor())
        self.register_buffer("_quantized_cdf", torch.IntTensor())
        self.register_buffer("_cdf_length", torch.IntTensor())
        # Not in the state_dict: the digest of what the tables were built from, and the
        # native table built from the buffers (with the buffer versions it was built from).
        self._tables_source: bytes | None = None
        self._digest_cache: tuple[Any, list[Tensor], Any, bytes] | None = None
        self._table_cache: tuple[tuple[Any, ...], CdfTable] | None = None
        # Set by _load_from_state_dict when a checkpoint brings tables; the digest is taken
        # by _after_load, once every child module (EntropyBottleneck's ParameterLists) has
        # loaded too.
        self._loaded_tables = False
        self.register_load_state_dict_post_hook(_after_load)

    # ------------------------------------------------------------------ properties

    @property
    def stream_format(self) -> str:
        return self._stream_format

    @stream_format.setter
    def stream_format(self, value: str) -> None:
        if value not in FORMATS:
            raise ValueError(
                f"stream_format={value!r} is not known: use 'fastrans' or 'compressai'"
            )
        self._stream_format = value

    @property
    def offset(self) -> Tensor:
        return self._offset

    @property
    def quantized_cdf(self) -> Tensor:
        return self._quantized_cdf

    @property
    def cdf_length(self) -> Tensor:
        return self._cdf_length

    # ------------------------------------------------------------------ quantization

    def quantize(self, inputs: Tensor, mode: str, means: Tensor | None = None) -> Tensor:
        """CompressAI's quantizer on a grid of width ``step``.

        ``"noise"``: ``inputs + step * U(-1/2, 1/2)`` (means ignored, as CompressAI);
        ``"dequantize"``: ``step * round((inputs - means) / step) + means``;
        ``"symbols"``: ``round((inputs - means) / step)`` as int32.
        """
        if mode not in ("noise", "dequantize", "symbols"):
            raise ValueError(f"mode={mode!r} is not known: use 'noise', 'dequantize' or 'symbols'")
        step = self.step
        if mode == "noise":
            noise = torch.empty_like(inputs).uniform_(-0.5 * step, 0.5 * step)
            return inputs + noise
        outputs = inputs - means if means is not None else inputs
        outputs = torch.round(outputs / step) if step != 1.0 else torch.round(outputs)
        if mode == "dequantize":
            if step != 1.0:
                outputs = outputs * step
            return outputs + means if means is not None else outputs
        return outputs.int()

    def _quantize(self, inputs: Tensor, mode: str, means: Tensor | None = None) -> Tensor:
        """Deprecated alias of :meth:`quantize` (CompressAI keeps it, with a warning)."""
        warnings.warn("_quantize is deprecated: use quantize", UserWarning, stacklevel=2)
        return self.quantize(inputs, mode, means)

    def _dequantize(self, inputs: Tensor, means: Tensor | None = None) -> Tensor:
        """Deprecated alias of :meth:`dequantize` (CompressAI keeps it, with a warning)."""
        warnings.warn("_dequantize is deprecated: use dequantize", UserWarning, stacklevel=2)
        return self.dequantize(inputs, means)

    def dequantize(
        self, inputs: Tensor, means: Tensor | None = None, dtype: torch.dtype = torch.float
    ) -> Tensor:
        """``symbols * step + means`` (dtype and device of ``means`` when given)."""
        if means is not None:
            outputs = inputs.to(device=means.device, dtype=means.dtype)
        else:
            outputs = inputs.to(dtype)
        if self.step != 1.0:
            outputs = outputs * self.step
        return outputs + means if means is not None else outputs

    # ------------------------------------------------------------------ table state

    def _table_params(self) -> tuple[list[Tensor], tuple[Any, ...]]:
        """The tensors and settings the tables are built from (subclasses)."""
        raise NotImplementedError

    def _source_digest(self) -> bytes:
        """The digest of what the tables are built from. Hashing every parameter on every
        call would be most of a small ``compress`` (docs/entropy_models.md, "Speed: what a
        call costs"), so the digest is kept with a key that changes whenever a parameter
        can have: each tensor's identity, storage address, shape and version counter
        (bumped by every in-place write: optimiser steps, ``copy_``, ``load_state_dict``).
        The cache holds the tensors themselves, so an identity cannot be reused meanwhile.
        Writes through ``.data`` bypass version counters: after one, call
        ``update(force=True)``."""
        tensors, extra = self._table_params()
        extra = (type(self).__name__, self.entropy_coder_precision, extra)
        # A new dtype or device comes with new storage; resize_ bumps the version.
        key = tuple((t.data_ptr(), t._version, t.shape) for t in tensors)
        cached = self._digest_cache
        if (
            cached is not None
            and cached[0] == extra
            and len(cached[1]) == len(tensors)
            and all(a is b for a, b in zip(cached[1], tensors))
            and cached[2] == key
        ):
            return cached[3]
        value = digest(tensors, extra)
        self._digest_cache = (extra, list(tensors), key, value)
        return value

    def _has_tables(self) -> bool:
        buffers = self._buffers  # Module.__getattr__ costs about a microsecond a name
        return all(_buffer(buffers, n).numel() > 0 for n in _TABLE_BUFFERS)

    def tables_are_stale(self) -> bool:
        """True when ``update()`` is needed: no tables, or parameters changed since."""
        return not self._has_tables() or self._tables_source != self._source_digest()

    def _set_tables(self, table: CdfTable, cdfs: Tensor | None = None) -> None:
        """Stores ``table`` in the buffers (on the module's device) and marks it fresh."""
        device = self._quantized_cdf.device
        self._quantized_cdf = (cdfs if cdfs is not None else torch.from_numpy(table.cdfs)).to(
            device
        )
        self._cdf_length = torch.from_numpy(table.cdf_lengths).to(device)
        self._offset = torch.from_numpy(table.offsets).to(device)
        self._tables_source = self._source_digest()
        self._table_cache = (self._buffer_key(), table)

    def _buffer_key(self) -> tuple[Any, ...]:
        buffers = self._buffers
        bufs = [_buffer(buffers, n) for n in _TABLE_BUFFERS]
        versions: tuple[int, ...] = tuple(b._version for b in bufs)
        return (*bufs, *versions)

    def _ready_table(self) -> CdfTable:
        """The native table, or StaleTablesError when ``update()`` is needed."""
        if not self._has_tables():
            raise StaleTablesError(
                f"{type(self).__name__} has no coding tables: call update() before "
                "compress/decompress (or load a checkpoint saved after update())"
            )
        if self._tables_source != self._source_digest():
            raise StaleTablesError(
                f"{type(self).__name__}'s coding tables are stale: its parameters changed "
                "since the tables were built; call update() (or update(force=True))"
            )
        key = self._buffer_key()
        cache = self._table_cache
        if (
            cache is None
            or len(cache[0]) != len(key)
            or any(a is not b if isinstance(a, Tensor) else a != b for a, b in zip(cache[0], key))
        ):
            cdf = self._quantized_cdf
            if cdf.dim() != 2 or self._cdf_length.dim() != 1 or self._offset.dim() != 1:
                raise StaleTablesError(
                    f"{type(self).__name__}'s table buffers have shapes "
                    f"{tuple(cdf.shape)}, {tuple(self._cdf_length.shape)}, "
                    f"{tuple(self._offset.shape)}: call update(force=True)"
                )
            table = CdfTable(
                to_cpu_i32(cdf),
                to_cpu_i32(self._cdf_length),
                to_cpu_i32(self._offset),
                self.entropy_coder_precision,
            )
            self._table_cache = (key, table)
            return table
        return cache[1]

    # ------------------------------------------------------------------ state_dict

    _resizable_buffers: tuple[str, ...] = _TABLE_BUFFERS

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Buffers take the incoming shape (tables and scale tables vary in size), so a
        # checkpoint loads with plain load_state_dict on this module or any parent.
        for name in self._resizable_buffers:
            incoming = state_dict.get(prefix + name)
            current = self._buffers.get(name)
            if isinstance(incoming, Tensor) and current is not None:
                if incoming.shape != current.shape:
                    self._buffers[name] = torch.empty(
                        incoming.shape, dtype=current.dtype, device=current.device
                    )
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        if all(prefix + n in state_dict for n in _TABLE_BUFFERS):
            # Tables that come with their parameters are trusted as built from them; the
            # digest waits for the children's parameters (_after_load).
            self._table_cache = None
            self._loaded_tables = True

    def _check_loaded(self) -> None:
        """Refuses loaded values that update() could not use (subclasses)."""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_table_cache"] = None  # the native table is rebuilt from the buffers
        state["_digest_cache"] = None  # keyed by object identities of this process
        return state

    # ------------------------------------------------------------------ coding

    def _encode_items(
        self, table: CdfTable, symbols: np.ndarray, indexes: np.ndarray
    ) -> list[bytes]:
        n = int(indexes.max()) if indexes.size else 0
        if indexes.size and (int(indexes.min()) < 0 or n >= table.num_tables):
            bad = int(indexes.min()) if int(indexes.min()) < 0 else n
            raise ValueError(
                f"indexes holds {bad}, outside the table's rows 0..{table.num_tables - 1}: "
                "build indexes with this model (build_indexes) after update()"
            )
        return [
            table.encode(symbols[i], indexes[i], format=self.stream_format, threads=self.threads)
            for i in range(symbols.shape[0])
        ]

    def _symbols(self, inputs: Tensor, means: Tensor | None) -> np.ndarray:
        """``round((inputs - means) / step)`` as CPU int32, refused unless every symbol is
        finite and within ±2**30. The check and the cast run in numpy on the rounded
        values (NaN propagates through min and max): two vectorised passes, and no torch
        call overhead, which is most of the cost for a hyperprior's small z."""
        same_f32 = inputs.dtype == torch.float32 and (
            means is None or (means.dtype == torch.float32 and means.shape == inputs.shape)
        )
        if same_f32 and self.step == 1.0:
            # float32 subtraction is IEEE's in numpy and torch alike, and rint rounds half
            # to even as torch.round does: the same symbols without torch's per-op cost.
            x = inputs.detach().to("cpu").contiguous().numpy()
            if means is not None:
                x = x - means.detach().to("cpu").contiguous().numpy()
            a = np.rint(x)
        else:
            with torch.no_grad():
                v = inputs.detach() - means.detach() if means is not None else inputs.detach()
                v = torch.round(v / self.step) if self.step != 1.0 else torch.round(v)
            a = v.cpu().numpy()
        if a.size:
            lo, hi = float(a.min()), float(a.max())
            if not (-_MAX_SYMBOL <= lo and hi <= _MAX_SYMBOL):
                check_finite("inputs", inputs)
                if means is not None:
                    check_finite("means", means)
                raise ValueError(
                    f"inputs hold a symbol of magnitude {max(-lo, hi):.3g} (bin width "
                    f"{self.step}); symbols must stay within ±2**30"
                )
        return a.astype(np.int32)

    def _compress_native(
        self, table: CdfTable, inputs: Tensor, indexes: np.ndarray, means: Tensor | None
    ) -> list[bytes] | None:
        """:meth:`compress` in one native pass per item (float32, bin width 1, means of the
        inputs' shape), or None when the native coder refused something: the torch path then
        runs and raises its own error, so refusals keep their types and messages."""
        x = cpu_f32(inputs)
        batch, per = x.shape[0], math.prod(x.shape[1:])
        x = x.reshape(batch, per)
        ix = indexes.reshape(batch, per)
        m = cpu_f32(means).reshape(batch, per) if means is not None else None
        try:
            threads = threads_arg(self.threads)
            return [
                _native.encode_floats_with_indexes(
                    table._native,
                    x[b],
                    ix[b],
                    None if m is None else m[b],
                    _MAX_SYMBOL,
                    self.stream_format,
                    threads,
                )
                for b in range(batch)
            ]
        except (ValueError, TypeError):
            return None

    def compress(self, inputs: Tensor, indexes: Tensor, means: Tensor | None = None) -> list[bytes]:
        """One stream per batch item of ``round((inputs - means) / step)``, coded with table
        row ``indexes`` (same shape as ``inputs``).

        With bin width 1, float32 inputs and float32 means of the inputs' shape (or none),
        the subtraction, rounding, range check and coding run natively in one pass per item
        (one transfer to the CPU for CUDA tensors); otherwise torch rounds and the table
        codes the symbols. The bytes are the same either way."""
        check_tensor("inputs", inputs)
        check_tensor("indexes", indexes)
        if inputs.dim() < 2:
            raise ValueError(
                f"inputs has shape {tuple(inputs.shape)}: expected at least 2 dimensions "
                "(batch first)"
            )
        if tuple(inputs.shape) != tuple(indexes.shape):
            raise ValueError(
                f"inputs has shape {tuple(inputs.shape)} but indexes has "
                f"{tuple(indexes.shape)}: give one index per element"
            )
        if means is not None:
            check_tensor("means", means)
            check_broadcasts("means", means, inputs.shape, "inputs")
        table = self._ready_table()
        idx = checked_i32("indexes", indexes)
        # (Means on another device than the inputs: torch's subtraction refuses them.)
        if (
            self.step == 1.0
            and fusable(inputs, means)
            and (means is None or means.device == inputs.device)
        ):
            native = self._compress_native(table, inputs, idx, means)
            if native is not None:
                return native
        symbols = self._symbols(inputs, means)
        return self._encode_items(table, symbols, idx.reshape(tuple(indexes.shape)))

    def _check_strings(self, strings: Any, batch: int) -> list[bytes]:
        if not isinstance(strings, (list, tuple)):
            raise ArgumentTypeError(
                "strings must be a list of bytes (one per batch item), got "
                f"{type(strings).__name__}"
            )
        for i, s in enumerate(strings):
            if not isinstance(s, (bytes, bytearray, memoryview)):
                raise ArgumentTypeError(f"strings[{i}] must be bytes, got {type(s).__name__}")
        if len(strings) != batch:
            raise ValueError(
                f"got {len(strings)} strings for a batch of {batch}: give one string per batch item"
            )
        return [bytes(s) for s in strings]

    def _decode_items(
        self, table: CdfTable, strings: list[bytes], indexes: np.ndarray
    ) -> np.ndarray:
        if indexes.size and (int(indexes.min()) < 0 or int(indexes.max()) >= table.num_tables):
            raise ValueError(
                f"indexes holds values outside the table's rows 0..{table.num_tables - 1}: "
                "build indexes with this model (build_indexes) after update()"
            )
        out = np.empty(indexes.shape, np.int32)
        for i, s in enumerate(strings):
            out[i] = table.decode(s, indexes[i], format=self.stream_format, threads=self.threads)
        return out

    def _decompress_native(
        self, table: CdfTable, items: list[bytes], indexes: np.ndarray, means: Tensor | None
    ) -> np.ndarray | None:
        """:meth:`decompress` in one native pass per item, each into its row of one float32
        array, or None when the native decoder refused something (the torch path then
        raises its own error)."""
        batch = indexes.shape[0]
        per = math.prod(indexes.shape[1:])
        ix = indexes.reshape(batch, per)
        m = cpu_f32(means).reshape(batch, per) if means is not None else None
        out = np.empty((batch, per), np.float32)
        try:
            threads = threads_arg(self.threads)
            for b, data in enumerate(items):
                _native.decode_floats_with_indexes(
                    table._native,
                    data,
                    ix[b],
                    None if m is None else m[b],
                    self.stream_format,
                    threads,
                    out[b],
                )
        except (ValueError, TypeError):
            return None
        return out.reshape(indexes.shape)

    def decompress(
        self,
        strings: Any,
        indexes: Tensor,
        dtype: torch.dtype = torch.float,
        means: Tensor | None = None,
    ) -> Tensor:
        """Inverse of :meth:`compress`: ``symbols * step + means`` on ``indexes``' device
        (``means``' device and dtype when given). Native in one pass per item when
        :meth:`compress` would be and the result is float32 (``dtype``, or ``means``')."""
        check_tensor("indexes", indexes)
        if indexes.dim() < 2:
            raise ValueError(
                f"indexes has shape {tuple(indexes.shape)}: expected at least 2 dimensions"
            )
        items = self._check_strings(strings, indexes.shape[0])
        if means is not None:
            check_tensor("means", means)
            check_broadcasts("means", means, indexes.shape, "indexes")
        table = self._ready_table()
        idx = checked_i32("indexes", indexes).reshape(tuple(indexes.shape))
        if self.step == 1.0 and (
            (means is None and dtype == torch.float32)
            or (
                means is not None
                and means.dtype == torch.float32
                and means.shape == indexes.shape
                and not means.requires_grad
            )
        ):
            values = self._decompress_native(table, items, idx, means)
            if values is not None:
                return torch.from_numpy(values).to(
                    means.device if means is not None else indexes.device
                )
        symbols = self._decode_items(table, items, idx)
        out = torch.from_numpy(symbols).to(indexes.device)
        return self.dequantize(out, means, dtype)


def _after_load(module: nn.Module, incompatible_keys: Any) -> None:
    """Post-load hook: a checkpoint's tables are trusted as built from the parameters it
    loaded, so their digest is taken here, after the children have loaded."""
    assert isinstance(module, EntropyModel)
    loaded, module._loaded_tables = module._loaded_tables, False
    module._check_loaded()
    if loaded:
        module._tables_source = module._source_digest() if module._has_tables() else None
