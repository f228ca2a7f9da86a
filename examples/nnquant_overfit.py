"""Overfit a tiny network to one image, then quantize and code the network itself.

This is what overfitted codecs such as Cool-Chic do with their decoder: the network is
part of the bitstream. Here a small coordinate MLP learns a synthetic 32×32 RGB image;
``fastrans.nnquant.quantize_model`` then picks a (weight step, bias step) per layer by
rate-distortion cost, ``encode_parameters`` writes the network, and a fresh network
restored with ``decode_parameters`` reproduces the quantized one bit for bit.

Run: ``PYTHONPATH=python python examples/nnquant_overfit.py`` (a few seconds on CPU).
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from fastrans.nnquant import decode_parameters, encode_parameters, quantize_model

SIZE = 32
LAMBDA = 1e-3  # weight of the rate (bits per pixel) against the MSE


def target_image() -> torch.Tensor:
    """A smooth synthetic image, (SIZE*SIZE, 3) in [0, 1]."""
    y, x = torch.meshgrid(torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij")
    r = 0.5 + 0.5 * torch.sin(3 * x + 2 * y)
    g = 0.5 + 0.5 * torch.cos(4 * x * y)
    b = torch.exp(-(x**2 + y**2) * 2)
    return torch.stack([r, g, b], -1).reshape(-1, 3)


def coords() -> torch.Tensor:
    """Fourier features of the pixel coordinates, (SIZE*SIZE, 16)."""
    y, x = torch.meshgrid(torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij")
    xy = torch.stack([x, y], -1).reshape(-1, 2)
    freqs = torch.tensor([1.0, 2.0, 4.0, 8.0]) * math.pi
    ang = xy[:, :, None] * freqs
    return torch.cat([ang.sin(), ang.cos()], -1).reshape(-1, 16)


def make_net() -> nn.Module:
    return nn.Sequential(
        nn.Linear(16, 24), nn.ReLU(), nn.Linear(24, 24), nn.ReLU(), nn.Linear(24, 3)
    )


def psnr(mse: float) -> float:
    return 10 * math.log10(1.0 / mse)


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    inputs, image = coords(), target_image()
    net = make_net()
    t0 = time.perf_counter()
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(300):
        opt.zero_grad()
        loss = ((net(inputs) - image) ** 2).mean()
        loss.backward()
        opt.step()
    n_params = sum(p.numel() for p in net.parameters())
    with torch.no_grad():
        mse_fp = float(((net(inputs) - image) ** 2).mean())
    print(
        f"overfitted {n_params} parameters in {time.perf_counter() - t0:.1f} s, "
        f"PSNR {psnr(mse_fp):.2f} dB at full precision"
    )

    def rd_cost(model: nn.Module, rate_bits: int) -> float:
        mse = float(((model(inputs) - image) ** 2).mean())
        return mse + LAMBDA * rate_bits / (SIZE * SIZE)

    t0 = time.perf_counter()
    result = quantize_model(net, rd_cost)
    data = encode_parameters(net, result)
    print(f"quantize_model + encode_parameters: {time.perf_counter() - t0:.1f} s")
    for name, mq in result.modules.items():
        print(
            f"  layer {name}: weight step 2^{math.log2(mq.weight_step):.0f} (k={mq.weight_k}), "
            f"bias step 2^{math.log2(mq.bias_step):.0f} (k={mq.bias_k}), {mq.bits} bits"
        )

    receiver = make_net()
    decode_parameters(data, receiver)
    same = all(torch.equal(a, b) for a, b in zip(net.parameters(), receiver.parameters()))
    with torch.no_grad():
        mse_q = float(((receiver(inputs) - image) ** 2).mean())
    print(
        f"network: {result.total_bits} bits of parameters, {len(data)} bytes with header "
        f"and checksum"
    )
    print(
        f"bits per parameter: {result.total_bits / n_params:.2f} "
        f"(vs 32 for float32), {8 * len(data) / n_params:.2f} with the header"
    )
    print(f"PSNR after quantization: {psnr(mse_q):.2f} dB; receiver bit-identical: {same}")


if __name__ == "__main__":
    main()
