"""The rate the likelihoods estimate is the rate of the real streams: a toy scale
hyperprior is trained for a few seconds on CPU, then every stream it writes must satisfy
bytes <= estimated bits / 8 * 1.01 + 16."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from fastrans.entropy_models import EntropyBottleneck, GaussianConditional

SCALE_TABLE = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class ToyHyperprior(nn.Module):
    def __init__(self, m: int = 16, n: int = 8) -> None:
        super().__init__()
        self.g_a = nn.Sequential(nn.Conv2d(1, m, 4, stride=4), nn.GELU(), nn.Conv2d(m, m, 1))
        self.g_s = nn.Sequential(nn.ConvTranspose2d(m, 1, 4, stride=4))
        self.h_a = nn.Sequential(nn.Conv2d(m, n, 2, stride=2))
        self.h_s = nn.Sequential(nn.ConvTranspose2d(n, m, 2, stride=2), nn.Softplus())
        self.entropy_bottleneck = EntropyBottleneck(n, stream_format="compressai")
        self.gaussian_conditional = GaussianConditional(None, stream_format="compressai")

    def forward(self, x: torch.Tensor, training: bool | None = None):
        y = self.g_a(x)
        z = self.h_a(torch.abs(y))
        z_hat, z_lik = self.entropy_bottleneck(z, training=training)
        scales = self.h_s(z_hat)
        y_hat, y_lik = self.gaussian_conditional(y, scales, training=training)
        return self.g_s(y_hat), y, z, scales, y_lik, z_lik


def images(n: int, gen: torch.Generator) -> torch.Tensor:
    # Smooth fields whose amplitude varies per image: a hyperprior has something to learn.
    low = torch.randn(n, 1, 4, 4, generator=gen)
    field = nn.functional.interpolate(low, size=(32, 32), mode="bilinear", align_corners=False)
    amp = torch.rand(n, 1, 1, 1, generator=gen) * 20
    return field * amp + torch.randn(n, 1, 32, 32, generator=gen) * 0.5


def test_streams_cost_what_the_likelihoods_say() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = ToyHyperprior()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(150):
        x = images(16, gen)
        x_hat, _, _, _, y_lik, z_lik = model(x, training=True)
        bits = -(torch.log2(y_lik).sum() + torch.log2(z_lik).sum()) / x.numel()
        loss = 0.05 * nn.functional.mse_loss(x_hat, x) + bits
        opt.zero_grad()
        (loss + model.entropy_bottleneck.loss()).backward()
        opt.step()

    model.eval()
    assert model.entropy_bottleneck.update(update_quantiles=True) is True
    assert model.gaussian_conditional.update_scale_table(SCALE_TABLE) is True
    x = images(4, gen)
    with torch.no_grad():
        _, y, z, scales, y_lik, z_lik = model(x, training=False)
        z_strings = model.entropy_bottleneck.compress(z)
        z_hat = model.entropy_bottleneck.decompress(z_strings, z.shape[2:])
        indexes = model.gaussian_conditional.build_indexes(model.h_s(z_hat))
        y_strings = model.gaussian_conditional.compress(y, indexes)
        y_hat = model.gaussian_conditional.decompress(y_strings, indexes)
    assert torch.equal(y_hat, torch.round(y))
    total_est = 0.0
    for i in range(x.shape[0]):
        for lik, string in ((y_lik[i], y_strings[i]), (z_lik[i], z_strings[i])):
            est_bits = -torch.log2(lik).sum().item()
            total_est += est_bits
            assert len(string) <= est_bits / 8 * 1.01 + 16, (len(string), est_bits / 8)
    assert total_est > 1000  # the model codes real information, not just zeros
