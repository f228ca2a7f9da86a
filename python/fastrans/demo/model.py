"""The demo's codec: a small mean-scale hyperprior (Ballé et al. 2018, Minnen et al. 2018)
that trains on a CPU in a minute.

Why this shape: ``levels`` (3) stride-2 convolutions with GDN take the image to the
latent ``y`` (1/8 of the resolution), two more to the hyper-latent ``z`` (1/32). ``z`` is
coded with a factorized :class:`~fastrans.entropy_models.EntropyBottleneck`; the
hyper-synthesis turns the decoded ``z`` into a mean and a scale for every element of ``y``,
which is coded with discretized Gaussian tables (the scale table of
:class:`~fastrans.entropy_models.GaussianConditional`, which gives the training rates).
Training uses uniform noise for the rates and a straight-through rounded ``y``
(``quantize_ste``) for the synthesis, so the decoder learns from the latents it will be
given. In a one-minute budget on a CPU, three levels (rather than the usual four) reached
~2 dB more: the shallower transforms learn in fewer steps.
"""

from __future__ import annotations

import hashlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fastrans.entropy_models import EntropyBottleneck, GaussianConditional
from fastrans.parametrizers import NonNegativeParametrizer
from fastrans.quantizers import quantize_ste
from fastrans.workloads import SCALE_TABLE


def _down(cin: int, cout: int, k: int = 5) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=2, padding=k // 2)


def _up(cin: int, cout: int, k: int = 5) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, k, stride=2, padding=k // 2, output_padding=1)


class GDN(nn.Module):
    """Generalized divisive normalization: ``x / sqrt(beta + gamma * x^2)`` across channels
    (``inverse=True`` multiplies), with non-negative ``beta`` and ``gamma``."""

    def __init__(self, channels: int, inverse: bool = False) -> None:
        super().__init__()
        self.inverse = inverse
        self.beta_reparam = NonNegativeParametrizer(minimum=1e-6)
        self.gamma_reparam = NonNegativeParametrizer()
        self.beta = nn.Parameter(self.beta_reparam.init(torch.ones(channels)))
        self.gamma = nn.Parameter(self.gamma_reparam.init(0.1 * torch.eye(channels)))

    def forward(self, x: Tensor) -> Tensor:
        c = x.shape[1]
        beta = self.beta_reparam(self.beta)
        gamma = self.gamma_reparam(self.gamma).reshape(c, c, 1, 1)
        norm = torch.sqrt(F.conv2d(x * x, gamma, beta))
        return x * norm if self.inverse else x / norm


class Hyperprior(nn.Module):
    """Mean-scale hyperprior with ``n`` hidden channels and ``m`` latent channels."""

    def __init__(self, n: int = 32, m: int = 48, levels: int = 3) -> None:
        super().__init__()
        if not 2 <= levels <= 4:
            raise ValueError(f"levels={levels}: use 2..4 stride-2 stages")
        self.n, self.m, self.levels = n, m, levels
        relu = nn.ReLU
        down: list[nn.Module] = [_down(3, n)]
        up: list[nn.Module] = []
        for _ in range(levels - 2):
            down += [GDN(n), _down(n, n)]
            up += [_up(n, n), GDN(n, inverse=True)]
        self.g_a = nn.Sequential(*down, GDN(n), _down(n, m))
        self.g_s = nn.Sequential(_up(m, n), GDN(n, inverse=True), *up, _up(n, 3))
        self.h_a = nn.Sequential(
            nn.Conv2d(m, n, 3, padding=1), relu(), _down(n, n), relu(), _down(n, n)
        )
        self.h_s = nn.Sequential(
            _up(n, n), relu(), _up(n, n), relu(), nn.Conv2d(n, 2 * m, 3, padding=1)
        )
        self.entropy_bottleneck = EntropyBottleneck(n)
        self.gaussian_conditional = GaussianConditional(SCALE_TABLE.tolist())

    @property
    def grid(self) -> int:
        """The coded image's sides must be multiples of this (y at 2^-levels, z at 2^-levels/4)."""
        return 4 << self.levels

    def hyper(self, z_hat: Tensor) -> tuple[Tensor, Tensor]:
        """``(means, scales)`` of ``y`` from the (decoded) hyper-latent; scales > 0."""
        means, raw = self.h_s(z_hat).chunk(2, dim=1)
        return means, F.softplus(raw)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(x_hat, y_likelihoods, z_likelihoods)``; noise in training, rounding in eval."""
        y = self.g_a(x)
        z_hat, z_likelihoods = self.entropy_bottleneck(self.h_a(y))
        means, scales = self.hyper(z_hat)
        _, y_likelihoods = self.gaussian_conditional(y, scales, means)
        y_hat = quantize_ste(y - means) + means
        return self.g_s(y_hat), y_likelihoods, z_likelihoods

    def aux_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if name.endswith("quantiles")]

    def main_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if not name.endswith("quantiles")]

    def identity(self) -> int:
        """32-bit digest of every weight and table: a file made by another model (or an
        untrained one) is refused instead of decoded into noise."""
        h = hashlib.blake2b(digest_size=4)
        for name, t in sorted(self.state_dict().items()):
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        return int.from_bytes(h.digest(), "little")
