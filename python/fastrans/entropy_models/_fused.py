"""The fused path of the scale-table models: ``build_indexes`` remembers the scales behind
the index tensor it returns, and ``compress`` / ``decompress``, handed that very tensor,
code from the scales with :class:`fastrans.ScaleCoder` in one native pass per batch item.

Why: CompressAI-style code calls ``compress(y, build_indexes(scales), means)``. Coding
from the indexes costs torch passes (subtract, round, cast, checks) and copies around the
native call, about four fifths of the call on W1. ``ScaleCoder`` subtracts, rounds (as
``torch.round``), looks each scale's row up, checks and codes in the same loop, and its
streams are the table coder's, byte for byte, in both formats. Nothing is looked up twice:
the index tensor is still real (the caller may use it), and the rows ``ScaleCoder`` finds
are the ones ``build_indexes`` wrote.

An index tensor is recognised only while it is the last one ``build_indexes`` returned,
neither it nor its scales were written since (their version counters), and the call is one
the fused path reproduces exactly: bin width 1, float32 values and means of the inputs'
shape. Anything else takes the general path, with the same bytes.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fastrans.scale_coder import ScaleCoder
from fastrans.tables import CdfTable


@dataclass
class BuiltIndexes:
    """What ``build_indexes`` returned, and the scales (CPU float32, C order) it read."""

    indexes: weakref.ref[Tensor]
    indexes_version: int
    scales: Tensor
    scales_version: int
    cpu_scales: np.ndarray
    scale_table: Tensor
    scale_table_version: int
    bound: float

    def scales_for(self, indexes: Tensor, scale_table: Tensor, bound: float) -> np.ndarray | None:
        """The scales behind ``indexes`` when it is still exactly what was built."""
        if (
            self.indexes() is indexes
            and indexes._version == self.indexes_version
            and self.scales._version == self.scales_version
            and scale_table is self.scale_table
            and scale_table._version == self.scale_table_version
            and bound == self.bound
        ):
            return self.cpu_scales
        return None


def remember(
    indexes: Tensor, scales: Tensor, cpu_scales: np.ndarray, scale_table: Tensor, bound: float
) -> BuiltIndexes:
    return BuiltIndexes(
        weakref.ref(indexes),
        indexes._version,
        scales,
        scales._version,
        cpu_scales,
        scale_table,
        scale_table._version,
        bound,
    )


def cpu_f32(x: Tensor) -> np.ndarray:
    """``x`` on the CPU as a C-ordered float32 array: no copy when it already is one (the
    common case takes two cheap attribute reads and one call, which matters at the few
    microseconds a small latent's whole call costs)."""
    if x.dtype == torch.float32 and x.device.type == "cpu" and x.is_contiguous():
        return x.detach().numpy()
    return x.detach().to("cpu", torch.float32).contiguous().numpy()


class HostCopy:
    """A model buffer (the scale table, the scale bound) as CPU float32, copied again only
    when the buffer is replaced or written (its version counter): on a CUDA model a copy
    each call would be a transfer and a synchronisation each call."""

    def __init__(self) -> None:
        self._source: Tensor | None = None
        self._version = -1
        self._value: np.ndarray | None = None
        self._first = math.nan

    def get(self, buffer: Tensor) -> np.ndarray:
        if self._value is None or self._source is not buffer or buffer._version != self._version:
            # A copy: a CPU buffer's own memory would change under a cached view.
            self._value = np.array(cpu_f32(buffer).reshape(-1))
            self._first = float(self._value[0]) if self._value.size else math.nan
            self._source, self._version = buffer, buffer._version
        return self._value

    def scalar(self, buffer: Tensor) -> float:
        """The first element of ``buffer`` as a Python float."""
        self.get(buffer)
        return self._first


def fusable(inputs: Tensor, means: Tensor | None) -> bool:
    """Whether the values and means are ones ``ScaleCoder`` rounds exactly as the general
    path: float32, means of the inputs' own shape (or none)."""
    if inputs.dtype != torch.float32 or inputs.dim() < 2:
        return False
    return means is None or (means.dtype == torch.float32 and means.shape == inputs.shape)


class CoderCache:
    """One ``ScaleCoder`` per native table and scale table: building one costs about
    150 µs (its scale index), coding small latents less."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._coder: ScaleCoder | None = None

    def get(self, table: CdfTable, scale_table: Tensor, bound: float) -> ScaleCoder:
        key = (table, scale_table, scale_table._version, bound)
        if self._coder is None or self._key is None or not _same(self._key, key):
            self._coder = ScaleCoder(table, cpu_f32(scale_table.float()), bound)
            self._key = key
        return self._coder


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] is b[0] and a[1] is b[1] and a[2] == b[2] and a[3] == b[3]
