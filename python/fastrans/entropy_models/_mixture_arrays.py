"""GaussianMixtureConditional's fastrans path on numpy: each tensor crosses to numpy once,
every check is a whole-array reduction, and the per-item arrays handed to
:class:`fastrans.ParametricCoder` are views, not copies.

Why: on a small latent the torch passes around the native call (a finiteness pass per
tensor, negative weights, the weight sums, reshapes and gathers per tensor and item) cost
about four times the coding. Here a CPU float32 tensor becomes an array without a copy
(a CUDA one costs one transfer), all channels kept (the usual case) need no gather, and the
checks answer only "all good?": when one fails, the model's torch checks run to name the
bad element in their own words, so the messages and exception types are those of the
general path. Values keep their dtype through the rounding (a float64 value may round
differently once narrowed); the parameters are coded in float32, as the native coder
takes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from fastrans.entropy_models._fused import cpu_f32
from fastrans.parametric_coder import ParametricCoder, shared_coder

# Each element's K weights must sum to 1 within this (ParametricCoder's tolerance,
# docs/FORMAT.md §8).
WEIGHT_SUM_TOLERANCE = 1e-3
# Largest symbol magnitude the mixture codes.
MAX_MAGNITUDE = 2**30


def mixture_coder(precision: int) -> ParametricCoder:
    """The coder of the mixture streams: windowed Gaussian laws, escapes beyond them
    (docs/entropy_models.md "Mixture")."""
    return shared_coder("gaussian", precision)


@dataclass
class MixtureArrays:
    """One call's parameters, ``(B, K, M, S)`` float32 in bins of width ``step``, scales
    bounded below as the likelihood bounds them, and the channels coded (``coded``: one
    bool a channel)."""

    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    keep: np.ndarray  # the coded channels' numbers (unused when all_kept)
    all_kept: bool

    @classmethod
    def of(
        cls,
        scales: Tensor,
        means: Tensor,
        weights: Tensor,
        k: int,
        step: float,
        bound: float,
        coded: np.ndarray,
    ) -> MixtureArrays:
        b, km = scales.shape[0], scales.shape[1]
        shape = (b, k, km // k, -1)
        if step != 1.0:
            # torch's division, so the laws are the general path's bit for bit.
            scales, means = scales.detach() / step, means.detach() / step
        s = np.maximum(cpu_f32(scales).reshape(shape), np.float32(bound))
        mu = cpu_f32(means).reshape(shape)
        w = cpu_f32(weights).reshape(shape)
        all_kept = bool(coded.all())
        keep = coded if all_kept else np.flatnonzero(coded)
        return cls(mu, s, w, keep, all_kept)

    def values_ok(self) -> bool:
        """Finite means, scales and weights and no negative weight, on every channel,
        coded or not."""
        s, mu, w = self.scales, self.means, self.weights
        if not (np.isfinite(s).all() and np.isfinite(mu).all() and np.isfinite(w).all()):
            return False
        return w.size == 0 or bool(w.min() >= 0)

    def sums_ok(self) -> bool:
        """Every element's weights sum to 1 within the tolerance, added in float64 in
        component order as the coder adds them."""
        w = self.weights
        if w.size == 0:
            return True
        w64 = w.astype(np.float64)
        total = w64[:, 0]
        for j in range(1, w64.shape[1]):
            total = total + w64[:, j]
        return bool(np.abs(total - 1.0).max() <= WEIGHT_SUM_TOLERANCE)

    def item(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Item ``b``'s ``(means, scales, weights)``, each flat in ``(K, N)`` order over
        the coded channels: views when every channel is coded."""
        out = []
        for a in (self.means, self.scales, self.weights):
            x = a[b] if self.all_kept else a[b][:, self.keep]
            out.append(np.ascontiguousarray(x).reshape(-1))
        return out[0], out[1], out[2]


def rounded(y: Tensor, step: float) -> tuple[np.ndarray, Tensor]:
    """``(round(y / step) as a (B, M, S) array, y_hat)``, ``y_hat`` on ``y``'s device in its
    dtype. float32 values with bin width 1 round in numpy (``rint`` is torch.round's
    half-to-even); any other case rounds in torch, in the values' own dtype."""
    b, m = y.shape[0], y.shape[1]
    if step == 1.0 and y.dtype == torch.float32:
        q = np.rint(cpu_f32(y))
        return q.reshape(b, m, -1), torch.from_numpy(q).to(y.device)
    qt = torch.round(y.detach() / step) if step != 1.0 else torch.round(y.detach())
    y_hat = qt * step if step != 1.0 else qt
    q = qt.to("cpu", torch.float64).contiguous().numpy()
    return q.reshape(b, m, -1), y_hat
