"""EntropyBottleneck: the factorized density of Ballé et al. 2018 ("Variational image
compression with a scale hyperprior", appendix 6.1), one small monotone network per channel.

Why this module: it is CompressAI's ``EntropyBottleneck`` with the same parameters, buffers,
state_dict keys (1.2.6+'s ``matrices.{i}`` / ``biases.{i}`` / ``factors.{i}``; the older
``_matrix{i}`` / ``_bias{i}`` / ``_factor{i}`` still load) and update() arithmetic (so
tables, and compressai-format streams, are CompressAI's byte for byte), plus a bin width
``step`` and a batched table build: the pmfs of all channels go to the native
``CdfTable.from_pmfs`` in one call instead of one Python round trip per channel.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fastrans import _native
from fastrans._arrays import threads_arg
from fastrans.entropy_models._base import (
    _MAX_SYMBOL,
    ArgumentTypeError,
    EntropyModel,
    StaleTablesError,
    check_positive,
    check_tensor,
    to_cpu_i32,
)
from fastrans.entropy_models._fused import cpu_f32
from fastrans.tables import CdfTable

__all__ = ["EntropyBottleneck"]

# Keys of checkpoints saved before CompressAI 1.2.6 (and by fastrans before it followed).
_LEGACY_KEY = re.compile(r"_(matrix|bias|factor)(\d+)")
_LEGACY_LIST = {"matrix": "matrices", "bias": "biases", "factor": "factors"}
# Elements one decompress call may produce (int32 indexes and symbols).
_MAX_ELEMENTS = 2**31 - 1


class EntropyBottleneck(EntropyModel):
    """Factorized entropy model with a learned per-channel cumulative density.

    Args:
        channels: number of channels (dimension 1 of the inputs).
        tail_mass: probability mass left outside ``quantiles[:, :, 0]`` / ``[:, :, 2]``.
        init_scale: initial width of the density.
        filters: hidden widths of the per-channel density network.
        **kwargs: :class:`EntropyModel`'s (``likelihood_bound``, ``step``,
            ``stream_format`` ...).

    state_dict keys are CompressAI 1.2.8's: ``quantiles``, ``_offset``,
    ``_quantized_cdf``, ``_cdf_length``, ``target``, ``likelihood_lower_bound.bound``,
    ``matrices.{i}``, ``biases.{i}``, ``factors.{i}``. Checkpoints with the names used
    before CompressAI 1.2.6 (``_matrix{i}``, ``_bias{i}``, ``_factor{i}``) load too.
    """

    quantiles: nn.Parameter
    target: Tensor
    matrices: nn.ParameterList
    biases: nn.ParameterList
    factors: nn.ParameterList

    def __init__(
        self,
        channels: int,
        *args: Any,
        tail_mass: float = 1e-9,
        init_scale: float = 10,
        filters: tuple[int, ...] = (3, 3, 3, 3),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels must be a positive int, got {channels!r}")
        if any(isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in filters):
            raise ValueError(f"filters must be positive ints, got {filters!r}")
        self.channels = int(channels)
        self.filters = tuple(int(f) for f in filters)
        self.init_scale = check_positive("init_scale", init_scale)
        self.tail_mass = check_positive("tail_mass", tail_mass, upper=1.0)

        widths = (1,) + self.filters + (1,)
        scale = self.init_scale ** (1 / (len(self.filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(self.filters) + 1):
            init = math.log(math.expm1(1 / scale / widths[i + 1]))
            matrix = torch.empty(self.channels, widths[i + 1], widths[i]).fill_(init)
            self.matrices.append(nn.Parameter(matrix))
            bias = torch.empty(self.channels, widths[i + 1], 1)
            nn.init.uniform_(bias, -0.5, 0.5)
            self.biases.append(nn.Parameter(bias))
            if i < len(self.filters):
                factor = torch.zeros(self.channels, widths[i + 1], 1)
                self.factors.append(nn.Parameter(factor))

        init_q = torch.tensor([-self.init_scale, 0, self.init_scale])
        self.quantiles = nn.Parameter(init_q.repeat(self.channels, 1, 1))
        target = math.log(2 / self.tail_mass - 1)
        self.register_buffer("target", torch.tensor([-target, 0, target]))
        self._indexes_cache: tuple[tuple[int, ...], np.ndarray] | None = None
        # The medians the native pass subtracts, with the quantiles and version they are of.
        self._medians_cache: tuple[Tensor, int, np.ndarray] | None = None

    # ------------------------------------------------------------------ density

    def _get_medians(self) -> Tensor:
        return self.quantiles[:, :, 1:2]

    def _logits_cumulative(self, inputs: Tensor, stop_gradient: bool) -> Tensor:
        logits = inputs
        for i in range(len(self.filters) + 1):
            matrix = self.matrices[i]
            bias = self.biases[i]
            if stop_gradient:
                matrix, bias = matrix.detach(), bias.detach()
            logits = torch.matmul(F.softplus(matrix), logits)
            logits = logits + bias
            if i < len(self.filters):
                factor = self.factors[i]
                if stop_gradient:
                    factor = factor.detach()
                logits = logits + torch.tanh(factor) * torch.tanh(logits)
        return logits

    def _likelihood(
        self, inputs: Tensor, stop_gradient: bool = False
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Mass of the bin of width ``step`` centred on ``inputs`` (channels first)."""
        half = 0.5 * self.step
        lower = self._logits_cumulative(inputs - half, stop_gradient=stop_gradient)
        upper = self._logits_cumulative(inputs + half, stop_gradient=stop_gradient)
        likelihood = torch.sigmoid(upper) - torch.sigmoid(lower)
        return likelihood, lower, upper

    def loss(self) -> Tensor:
        """The auxiliary loss that moves ``quantiles`` to the tail_mass quantiles."""
        logits = self._logits_cumulative(self.quantiles, stop_gradient=True)
        return torch.abs(logits - self.target).sum()

    def forward(self, x: Tensor, training: bool | None = None) -> tuple[Tensor, Tensor]:
        """``(x quantized or noised, likelihoods)``, both shaped like ``x`` (B, C, ...)."""
        if training is None:
            training = self.training
        if x.dim() < 2 or x.shape[1] != self.channels:
            raise ValueError(
                f"x has shape {tuple(x.shape)}: expected (batch, {self.channels}, ...)"
            )
        perm = [1, 0] + list(range(2, x.dim()))  # its own inverse
        x = x.permute(*perm).contiguous()
        shape = x.shape
        values = x.reshape(x.shape[0], 1, -1)
        outputs = self.quantize(values, "noise" if training else "dequantize", self._get_medians())
        likelihood, _, _ = self._likelihood(outputs)
        if self.use_likelihood_bound:
            likelihood = self.likelihood_lower_bound(likelihood)
        outputs = outputs.reshape(shape).permute(*perm).contiguous()
        likelihood = likelihood.reshape(shape).permute(*perm).contiguous()
        return outputs, likelihood

    # ------------------------------------------------------------------ tables

    def _table_params(self) -> tuple[list[Tensor], tuple[Any, ...]]:
        # The lists' own dicts: iterating a ParameterList indexes it by string, about 2 us a
        # parameter, and this runs on every compress.
        params: list[Tensor] = [
            p
            for plist in (self.matrices, self.biases, self.factors)
            for p in plist._parameters.values()
            if p is not None
        ]
        params.append(self.quantiles)
        return params, (self.step,)

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
        # Pre-1.2.6 names are renamed in place: torch hands the children (the three
        # ParameterLists) their part of this same dict after this method returns.
        for key in [k for k in state_dict if k.startswith(prefix)]:
            m = _LEGACY_KEY.fullmatch(key[len(prefix) :])
            if m is not None:
                new = f"{prefix}{_LEGACY_LIST[m.group(1)]}.{int(m.group(2))}"
                if new not in state_dict:
                    state_dict[new] = state_dict.pop(key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    @torch.no_grad()
    def _update_quantiles(
        self, search_radius: float = 1e5, rtol: float = 1e-4, atol: float = 1e-3
    ) -> None:
        """Sets ``quantiles`` to where the density's logits reach ``target`` (bisection)."""
        device = self.quantiles.device
        shape = (self.channels, 1, 1)
        for i in range(len(self.target)):
            target = self.target[i]
            low = torch.full(shape, -search_radius, device=device)
            high = torch.full(shape, search_radius, device=device)

            def f(y: Tensor) -> Tensor:
                return self._logits_cumulative(y, stop_gradient=True)

            low = torch.where(target <= f(high), low, high)
            high = torch.where(f(low) <= target, high, low)
            while not torch.isclose(low, high, rtol=rtol, atol=atol).all():
                mid = (low + high) / 2
                f_mid = f(mid)
                low = torch.where(f_mid <= target, mid, low)
                high = torch.where(f_mid >= target, mid, high)
            self.quantiles[:, :, i] = ((low + high) / 2)[:, :, 0]

    @torch.no_grad()
    def update(self, force: bool = False, update_quantiles: bool = False) -> bool:
        """Builds the coding tables; returns whether it did.

        Unlike CompressAI, tables that exist but are stale are always rebuilt; ``force``
        rebuilds fresh tables too. ``update_quantiles`` first re-fits ``quantiles`` by
        bisection (CompressAI 1.2's ``_update_quantiles``).
        """
        if not force and not update_quantiles and not self.tables_are_stale():
            return False
        if update_quantiles:
            self._update_quantiles()
        step = self.step
        medians = self.quantiles[:, 0, 1]
        # The arithmetic is CompressAI's (step = 1 is exact), so the tables are its tables.
        minima = medians - self.quantiles[:, 0, 0]
        minima = torch.ceil(minima / step if step != 1.0 else minima)
        maxima = self.quantiles[:, 0, 2] - medians
        maxima = torch.ceil(maxima / step if step != 1.0 else maxima)
        # A row of n bins needs n + 1 slots of the 2**precision (the escape bin): refuse
        # longer rows here, before the int32 cast could wrap and before the density is
        # sampled on a [channels, max_length] grid.
        limit = 2**self.entropy_coder_precision - 1
        span = minima.clamp(min=0).double() + maxima.clamp(min=0).double() + 1
        if not bool(torch.isfinite(self.quantiles).all()) or float(span.max()) > limit:
            raise ValueError(
                f"quantiles span {float(span.max()):.4g} bins of width {step}, more than the "
                f"{limit} a {self.entropy_coder_precision}-bit table can hold: train the "
                "auxiliary loss (loss()) or call update(update_quantiles=True)"
            )
        minima = torch.clamp(minima.int(), min=0)
        maxima = torch.clamp(maxima.int(), min=0)

        pmf_start = medians - minima if step == 1.0 else medians - minima * step
        pmf_length = maxima + minima + 1
        max_length = int(pmf_length.max())
        samples = torch.arange(max_length, device=pmf_start.device)
        if step != 1.0:
            samples = samples * step
        samples = samples[None, :] + pmf_start[:, None, None]
        pmf, lower, upper = self._likelihood(samples, stop_gradient=True)
        pmf = pmf[:, 0, :]
        tail_mass = torch.sigmoid(lower[:, 0, :1]) + torch.sigmoid(-upper[:, 0, -1:])
        table = CdfTable.from_pmfs(
            pmf.float().cpu().numpy(),
            to_cpu_i32(pmf_length),
            tail_mass[:, 0].float().cpu().numpy(),
            to_cpu_i32(-minima),
            self.entropy_coder_precision,
        )
        self._set_tables(table)
        return True

    # ------------------------------------------------------------------ coding

    @staticmethod
    def _build_indexes(size: tuple[int, ...] | torch.Size) -> Tensor:
        """Channel number of every element of a (B, C, ...) tensor (int32, CPU)."""
        view = [1] * len(size)
        view[1] = -1
        indexes = torch.arange(size[1], dtype=torch.int32).view(*view)
        return indexes.repeat(size[0], 1, *size[2:])

    @staticmethod
    def _extend_ndims(tensor: Tensor, n: int) -> Tensor:
        return tensor.reshape(-1, *([1] * n)) if n > 0 else tensor.reshape(-1)

    def _item_indexes(self, item_shape: tuple[int, ...]) -> np.ndarray:
        """Channel number of every element of one batch item (C, ...), int32, C order,
        kept for the last shape: a hyperprior codes the same z shape call after call."""
        cached = getattr(self, "_indexes_cache", None)
        if cached is None or cached[0] != item_shape:
            view = [-1] + [1] * (len(item_shape) - 1)
            idx = np.broadcast_to(
                np.arange(item_shape[0], dtype=np.int32).reshape(view), item_shape
            )
            cached = (item_shape, np.ascontiguousarray(idx).reshape(-1))
            self._indexes_cache = cached
        return cached[1]

    def _native_medians(self, channels: int) -> np.ndarray | None:
        """The medians as CPU float32 (one per channel) when the native pass reproduces the
        torch path exactly: bin width 1, float32 medians, one per channel of the tables.
        Kept while ``quantiles`` is the same tensor at the same version (every in-place
        write bumps it), as the table digest is: taking them costs more than coding a
        small z."""
        q = self.quantiles
        if self.step != 1.0 or q.dtype != torch.float32 or q.shape[0] != channels:
            return None
        cached = getattr(self, "_medians_cache", None)
        if cached is None or cached[0] is not q or cached[1] != q._version:
            medians = cpu_f32(self._get_medians().detach()).reshape(-1)
            cached = (q, q._version, medians)
            self._medians_cache = cached
        return cached[2]

    def _compress_channels(self, table: CdfTable, x: Tensor) -> list[bytes] | None:
        """:meth:`compress` in one native pass per item (rows by channel, medians
        subtracted), or None when that pass does not apply or refused something (the torch
        path then runs and raises its own error)."""
        if x.dtype != torch.float32:
            return None
        medians = self._native_medians(x.shape[1])
        if medians is None:
            return None
        v = cpu_f32(x)
        batch, channels, plane = v.shape[0], v.shape[1], math.prod(v.shape[2:])
        v = v.reshape(batch, channels * plane)
        try:
            threads = threads_arg(self.threads)
            return [
                _native.encode_floats_by_channel(
                    table._native,
                    v[b],
                    channels,
                    plane,
                    medians,
                    _MAX_SYMBOL,
                    self.stream_format,
                    threads,
                )
                for b in range(batch)
            ]
        except (ValueError, TypeError):
            return None

    def compress(self, x: Tensor) -> list[bytes]:  # type: ignore[override]
        """One stream per batch item of ``round((x - medians) / step)``.

        With bin width 1 and float32 ``x`` and medians, the subtraction, rounding, check and
        coding run natively in one pass per item, rows by channel. Otherwise the symbols
        are made by one torch subtraction and rounding and checked by one ``aminmax``; each
        item is coded with the channel indexes of its shape, built once. The bytes are the
        same either way."""
        check_tensor("x", x)
        if x.dim() < 2 or x.shape[1] != self.channels:
            raise ValueError(
                f"x has shape {tuple(x.shape)}: expected (batch, {self.channels}, ...)"
            )
        table = self._ready_table()
        native = self._compress_channels(table, x)
        if native is not None:
            return native
        medians = self._extend_ndims(self._get_medians().detach(), x.dim() - 2).to(x.device)
        symbols = self._symbols(x, medians)
        indexes = self._item_indexes(tuple(x.shape[1:]))
        return [
            table.encode(
                symbols[b].reshape(-1), indexes, format=self.stream_format, threads=self.threads
            )
            for b in range(symbols.shape[0])
        ]

    def _decompress_channels(
        self, table: CdfTable, items: list[bytes], channels: int, dims: tuple[int, ...]
    ) -> np.ndarray | None:
        """:meth:`decompress` in one native pass per item into its row of one float32
        array, or None when that pass does not apply or refused something."""
        medians = self._native_medians(channels)
        if medians is None:
            return None
        plane = math.prod(dims)
        out = np.empty((len(items), channels * plane), np.float32)
        try:
            threads = threads_arg(self.threads)
            for b, data in enumerate(items):
                _native.decode_floats_by_channel(
                    table._native,
                    data,
                    channels,
                    plane,
                    medians,
                    self.stream_format,
                    threads,
                    out[b],
                )
        except (ValueError, TypeError):
            return None
        return out.reshape(len(items), channels, *dims)

    def decompress(self, strings: Any, size: Any) -> Tensor:  # type: ignore[override]
        """Inverse of :meth:`compress`; ``size`` is the spatial shape (``x.shape[2:]``)."""
        try:
            dims = tuple(int(s) for s in size)
        except TypeError as exc:
            raise TypeError(f"size must be a sequence of ints, got {size!r}") from exc
        if any(d < 0 for d in dims):
            raise ValueError(f"size must hold non-negative ints, got {size!r}")
        if not isinstance(strings, (list, tuple)):
            raise ArgumentTypeError(
                "strings must be a list of bytes (one per batch item), got "
                f"{type(strings).__name__}"
            )
        if not self._has_tables():
            raise StaleTablesError(
                "EntropyBottleneck has no coding tables: call update() before decompress"
            )
        channels = self._quantized_cdf.shape[0]
        # The size comes with the stream: check it before the indexes are allocated.
        elements = len(strings) * channels * math.prod(dims)
        if elements > _MAX_ELEMENTS:
            raise ValueError(
                f"size {dims} with {len(strings)} strings and {channels} channels is "
                f"{elements} elements, more than the {_MAX_ELEMENTS} one call can decode"
            )
        items = self._check_strings(strings, len(strings))
        table = self._ready_table()
        values = self._decompress_channels(table, items, channels, dims)
        if values is not None:
            return torch.from_numpy(values).to(self.quantiles.device)
        indexes = self._item_indexes((channels, *dims))
        symbols = np.empty((len(items), channels, *dims), np.int32)
        for b, data in enumerate(items):
            symbols[b] = table.decode(
                data, indexes, format=self.stream_format, threads=self.threads
            ).reshape(channels, *dims)
        medians = self._extend_ndims(self._get_medians().detach(), len(dims))
        return self.dequantize(torch.from_numpy(symbols), medians, medians.dtype)
