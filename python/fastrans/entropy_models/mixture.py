"""GaussianMixtureConditional: a K-component Gaussian mixture per element.

Why this module: CompressAI's class (``compress(y, scales, means, weights)`` returning
``((strings, abs_max, zero_bitmap), y_hat)``) builds a ``2 * abs_max + 1`` wide table per
element over the whole batch and cannot decompress batches larger than one. Here every batch
item is its own stream. With ``stream_format="fastrans"`` each element is coded with its own
mixture by :class:`fastrans.ParametricCoder`, which evaluates the quantized mixture CDF
inside the coding loop from the per-element means, scales and weights (no table, a window
around the components' mass, escapes beyond it, so any symbol codes).
``stream_format="compressai"`` (CompressAI's rANS bytes) builds one table per element
spanning where its mixture has mass (clipped to ``[-abs_max, abs_max]``; values outside
escape) with the native ``CdfTable.from_pmfs``, one call per item.

Layout (CompressAI's): ``scales``, ``means`` and ``weights`` have ``K * M`` channels for
``M`` latent channels; component ``k`` of channel ``c`` is channel ``k * M + c``. Symbols are
``round(y / step)`` (the mixture means are not subtracted).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import Tensor

from fastrans.entropy_models._base import (
    check_finite,
    check_tensor,
    to_cpu_i32,
)
from fastrans.entropy_models._mixture_arrays import (
    MAX_MAGNITUDE,
    WEIGHT_SUM_TOLERANCE,
    MixtureArrays,
    mixture_coder,
    rounded,
)
from fastrans.entropy_models.gaussian import GaussianConditional
from fastrans.errors import FastransError
from fastrans.tables import CdfTable

__all__ = ["GaussianMixtureConditional"]

# Largest pmf matrix (elements x bins) built at once for one batch item.
_MAX_TABLE_CELLS = 2**27


class GaussianMixtureConditional(GaussianConditional):
    """Mixture of ``K`` discretized Gaussians with per-element weights.

    Args:
        K: number of components.
        scale_table: as :class:`GaussianConditional` (only used by its single-Gaussian
            methods; the mixture builds its own tables per element).
        *args, **kwargs: :class:`GaussianConditional`'s.
    """

    def __init__(self, K: int = 3, scale_table: Any = None, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("per_symbol_means"):
            raise ValueError(
                "per_symbol_means is GaussianConditional's option: the mixture already codes "
                "every element with its own law (stream_format='fastrans')"
            )
        super().__init__(scale_table, *args, **kwargs)
        if isinstance(K, bool) or not isinstance(K, int) or K < 1:
            raise ValueError(f"K must be a positive int (number of components), got {K!r}")
        self.K = K

    def _check_mixture(
        self, inputs_shape: tuple[int, ...], scales: Tensor, means: Tensor, weights: Tensor
    ) -> None:
        if len(inputs_shape) < 2:
            raise ValueError(f"inputs has shape {inputs_shape}: expected (batch, M, ...)")
        expected = (inputs_shape[0], self.K * inputs_shape[1], *inputs_shape[2:])
        for name, t in (("scales", scales), ("means", means), ("weights", weights)):
            check_tensor(name, t)
            if tuple(t.shape) != expected:
                raise ValueError(
                    f"{name} has shape {tuple(t.shape)}: with K={self.K} and inputs of shape "
                    f"{inputs_shape} it must be {expected} (K * M channels)"
                )

    def _likelihood(  # type: ignore[override]
        self, inputs: Tensor, scales: Tensor, means: Tensor, weights: Tensor
    ) -> Tensor:
        likelihood = torch.zeros_like(inputs)
        m = inputs.shape[1]
        for k in range(self.K):
            sl = slice(m * k, m * (k + 1))
            likelihood = likelihood + (
                super()._likelihood(inputs, scales[:, sl], means[:, sl]) * weights[:, sl]
            )
        return likelihood

    def forward(  # type: ignore[override]
        self,
        inputs: Tensor,
        scales: Tensor,
        means: Tensor,
        weights: Tensor,
        training: bool | None = None,
    ) -> tuple[Tensor, Tensor]:
        """``(inputs quantized or noised, likelihoods)``; pure torch."""
        if training is None:
            training = self.training
        check_tensor("inputs", inputs)
        self._check_mixture(tuple(inputs.shape), scales, means, weights)
        outputs = self.quantize(inputs, "noise" if training else "dequantize", means=None)
        likelihood = self._likelihood(outputs, scales, means, weights)
        if self.use_likelihood_bound:
            likelihood = self.likelihood_lower_bound(likelihood)
        return outputs, likelihood

    # ------------------------------------------------------------------ tables

    def _check_values(self, scales: Tensor, means: Tensor, weights: Tensor) -> None:
        self._checked_scales(scales)
        check_finite("scales", scales)
        check_finite("means", means)
        check_finite("weights", weights)
        if bool((weights < 0).any()):
            raise ValueError("weights hold a negative value: mixture weights must be >= 0")

    @torch.no_grad()
    def _item_table(self, scales: Tensor, means: Tensor, weights: Tensor, abs_max: int) -> CdfTable:
        """Tables for the N coded elements of one item; parameters are (K, N), in bins."""
        step = self.step
        s = self.lower_bound_scale(scales.double() / step)
        mu = means.double() / step
        w = weights.double()
        multiplier = -self._standardized_quantile(self.tail_mass / 2)
        lo = torch.floor((mu - multiplier * s).min(dim=0).values).clamp(-abs_max, abs_max)
        hi = torch.ceil((mu + multiplier * s).max(dim=0).values).clamp(-abs_max, abs_max)
        hi = torch.maximum(hi, lo)
        lengths = (hi - lo + 1).long()
        n = int(lengths.shape[0])
        width = int(lengths.max()) if n else 1
        if n * width > _MAX_TABLE_CELLS:
            raise ValueError(
                f"the mixture tables would need {n} x {width} bins: code fewer elements per "
                "call or use a larger step"
            )
        grid = lo[None, :] + torch.arange(width, dtype=torch.float64, device=lo.device)[:, None]
        pmf = torch.zeros(width, n, dtype=torch.float64, device=lo.device)
        tail = torch.zeros(n, dtype=torch.float64, device=lo.device)
        for k in range(self.K):
            upper = self._standardized_cumulative((grid + 0.5 - mu[k]) / s[k])
            lower = self._standardized_cumulative((grid - 0.5 - mu[k]) / s[k])
            pmf += w[k] * (upper - lower)
            below = self._standardized_cumulative((lo - 0.5 - mu[k]) / s[k])
            above = self._standardized_cumulative((mu[k] - hi - 0.5) / s[k])
            tail += w[k] * (below + above)
        pmf = pmf * (torch.arange(width, device=lo.device)[:, None] < lengths[None, :])
        return CdfTable.from_pmfs(
            pmf.t().float().cpu().numpy(),
            to_cpu_i32(lengths),
            tail.float().cpu().numpy(),
            to_cpu_i32(lo),
            self.entropy_coder_precision,
        )

    def _flat_params(
        self, scales: Tensor, means: Tensor, weights: Tensor, b: int, keep: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Item ``b``'s parameters as (K, N) for the kept channels, in C order."""
        out = []
        for t in (scales, means, weights):
            t = t[b].detach().reshape(self.K, t.shape[1] // self.K, -1)[:, keep]
            out.append(t.reshape(self.K, -1))
        return out[0], out[1], out[2]

    def _check_weight_sums(self, weights: Tensor) -> None:
        """Each element's ``K`` weights, read as float32 (what is coded) and summed in
        float64 in component order (as the coder sums them), must be 1 within 1e-3: the
        stream codes the law ``forward``'s likelihood describes, not a renormalised one."""
        b, km = weights.shape[0], weights.shape[1]
        w = weights.detach().float().double().reshape(b, self.K, km // self.K, -1)
        total = w[:, 0]
        for k in range(1, self.K):
            total = total + w[:, k]
        bad = ((total - 1.0).abs() > WEIGHT_SUM_TOLERANCE).nonzero()
        if bad.shape[0]:
            item, channel, flat = (int(v) for v in bad[0])
            where = [item, channel, *np.unravel_index(flat, tuple(weights.shape[2:]))]
            at = ", ".join(str(v) for v in np.array(where).tolist())
            raise ValueError(
                f"weights of element ({at}) sum to {float(total[item, channel, flat]):.6g} "
                f"over the K={self.K} components: each element's weights must sum to 1 "
                f"within {WEIGHT_SUM_TOLERANCE:g} (a softmax over the components does)"
            )

    def _compress_parametric(
        self, y: Tensor, scales: Tensor, means: Tensor, weights: Tensor
    ) -> tuple[tuple[list[bytes], int, Tensor], Tensor]:
        """The fastrans format: each element coded with its own mixture (numpy path,
        ``_mixture_arrays``)."""
        q, y_hat = rounded(y, self.step)
        if not np.isfinite(q).all():
            check_finite("y", y)
            raise ValueError("y / step holds infinite values: only finite symbols can be coded")
        peaks = np.abs(q).max(axis=(0, 2), initial=0)
        abs_max = int(peaks.max(initial=0))
        if abs_max > MAX_MAGNITUDE:
            raise ValueError(f"y holds a symbol of magnitude {abs_max}: stay within ±2**30")
        coded = peaks != 0
        arrays = self._mixture_arrays(scales, means, weights, coded)
        symbols = q.astype(np.int32)
        coder = mixture_coder(self.entropy_coder_precision)
        strings = []
        with self._explained(scales, means, weights):
            for b in range(symbols.shape[0]):
                sym = symbols[b] if arrays.all_kept else symbols[b][arrays.keep]
                sym = np.ascontiguousarray(sym).reshape(-1)
                strings.append(coder._encode_flat(sym, *arrays.item(b), self.threads))
        bitmap = torch.from_numpy(coded.astype(np.int64)).to(y.device)
        return (strings, abs_max, bitmap), y_hat

    def _mixture_arrays(
        self, scales: Tensor, means: Tensor, weights: Tensor, coded: np.ndarray
    ) -> MixtureArrays:
        """The parameters as arrays. The coder checks the values of the coded channels;
        the others are checked here, so a bad value anywhere is refused."""
        if not scales.is_floating_point():
            raise TypeError(f"scales must be a floating-point tensor, got dtype {scales.dtype}")
        bound = self._bound()
        arrays = MixtureArrays.of(scales, means, weights, self.K, self.step, bound, coded)
        if not arrays.all_kept and not (arrays.values_ok() and arrays.sums_ok()):
            with self._explained(scales, means, weights):
                raise ValueError(
                    "scales, means or weights hold values that are infinite in float32 or "
                    f"weights that do not sum to 1 within {WEIGHT_SUM_TOLERANCE:g} in float32"
                )
        return arrays

    @contextmanager
    def _explained(self, scales: Tensor, means: Tensor, weights: Tensor) -> Iterator[None]:
        """Turns a refusal of the parameters into the torch checks' message, which names
        the bad element as (item, channel, position); stream errors pass unchanged."""
        try:
            yield
        except FastransError:
            raise
        except ValueError:
            self._check_values(scales, means, weights)
            self._check_weight_sums(weights)
            raise

    def compress(  # type: ignore[override]
        self, y: Tensor, scales: Tensor, means: Tensor, weights: Tensor
    ) -> tuple[tuple[list[bytes], int, Tensor], Tensor]:
        """``((strings, abs_max, zero_bitmap), y_hat)``: one string per batch item,
        ``abs_max`` the largest symbol magnitude, ``zero_bitmap`` (M,) with 1 for channels
        holding a non-zero symbol in any item (the others are not coded)."""
        check_tensor("y", y)
        self._check_mixture(tuple(y.shape), scales, means, weights)
        if self.stream_format == "fastrans":
            return self._compress_parametric(y, scales, means, weights)
        check_finite("y", y)
        self._check_values(scales, means, weights)
        with torch.no_grad():
            q = torch.round(y.detach() / self.step) if self.step != 1.0 else torch.round(y.detach())
            y_hat = q * self.step if self.step != 1.0 else q
            flat = q.reshape(q.shape[0], q.shape[1], -1)
            abs_max = int(flat.abs().max()) if flat.numel() else 0
            if abs_max > MAX_MAGNITUDE:
                raise ValueError(f"y holds a symbol of magnitude {abs_max}: stay within ±2**30")
            zero_bitmap = (flat.abs().sum(dim=(0, 2)) != 0).to(torch.int64)
            keep = zero_bitmap.nonzero().flatten().cpu()
            symbols = to_cpu_i32(flat[:, keep.to(flat.device)].reshape(flat.shape[0], -1))
            strings = []
            for b in range(y.shape[0]):
                table = self._item_table(
                    *self._flat_params(scales, means, weights, b, keep), abs_max
                )
                idx = np.arange(table.num_tables, dtype=np.int32)
                strings.append(
                    table.encode(symbols[b], idx, format=self.stream_format, threads=self.threads)
                )
        return (strings, abs_max, zero_bitmap.to(y.device)), y_hat

    def decompress(  # type: ignore[override]
        self,
        strings: Any,
        abs_max: int,
        zero_bitmap: Tensor,
        scales: Tensor,
        means: Tensor,
        weights: Tensor,
    ) -> Tensor:
        """Inverse of :meth:`compress`: ``y_hat`` (B, M, ...) on ``scales``' device."""
        check_tensor("scales", scales)
        check_tensor("zero_bitmap", zero_bitmap)
        if scales.dim() < 2 or scales.shape[1] % self.K:
            raise ValueError(
                f"scales has shape {tuple(scales.shape)}: expected (batch, K * M, ...) "
                f"with K={self.K}"
            )
        m = scales.shape[1] // self.K
        shape = (scales.shape[0], m, *scales.shape[2:])
        self._check_mixture(shape, scales, means, weights)
        if tuple(zero_bitmap.shape) != (m,):
            raise ValueError(
                f"zero_bitmap has shape {tuple(zero_bitmap.shape)}: expected ({m},), the one "
                "compress returned"
            )
        if isinstance(abs_max, bool) or not isinstance(abs_max, (int, np.integer)) or abs_max < 0:
            raise ValueError(f"abs_max must be the int compress returned, got {abs_max!r}")
        items = self._check_strings(strings, shape[0])
        spatial = math.prod(shape[2:])
        if self.stream_format == "fastrans":
            coded = zero_bitmap.detach().cpu().numpy() != 0
            arrays = self._mixture_arrays(scales, means, weights, coded)
            coder = mixture_coder(self.entropy_coder_precision)
            decoded = np.zeros((shape[0], m, spatial), np.int32)
            with self._explained(scales, means, weights):
                for b, data in enumerate(items):
                    values = coder._decode_flat(data, *arrays.item(b), self.threads)
                    if arrays.all_kept:
                        decoded[b] = values.reshape(m, spatial)
                    else:
                        decoded[b, arrays.keep] = values.reshape(len(arrays.keep), spatial)
            y_hat = torch.from_numpy(decoded).reshape(shape)
            y_hat = y_hat.to(device=scales.device, dtype=scales.dtype)
            return y_hat * self.step if self.step != 1.0 else y_hat
        self._check_values(scales, means, weights)
        keep = zero_bitmap.detach().cpu().nonzero().flatten()
        out = torch.zeros(shape[0], m, spatial, dtype=torch.int32)
        with torch.no_grad():
            for b, s in enumerate(items):
                table = self._item_table(
                    *self._flat_params(scales, means, weights, b, keep), int(abs_max)
                )
                idx = np.arange(table.num_tables, dtype=np.int32)
                values = table.decode(s, idx, format=self.stream_format, threads=self.threads)
                out[b, keep] = torch.from_numpy(values).reshape(len(keep), spatial)
        y_hat = out.reshape(shape).to(device=scales.device, dtype=scales.dtype)
        return y_hat * self.step if self.step != 1.0 else y_hat

    def update(self, force: bool = False) -> bool:
        """Builds the single-Gaussian tables when a scale table is set; the mixture's own
        tables are built per call from its parameters, so it needs no update()."""
        if self.scale_table.numel() == 0:
            return False
        return super().update(force=force)
