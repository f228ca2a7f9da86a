"""``python -m fastrans demo``: learned compression of a photograph, end to end, on a CPU.

Why this module: it is the user's first hour in one command. It trains the small
hyperprior of :mod:`fastrans.demo.model` on the photograph for about a minute, then
compresses the photograph to a file (:mod:`fastrans.demo.container`), decodes that file with
a model freshly loaded from the saved checkpoint, and checks that the decoded latents and the
reconstruction are bit-identical to the encoder's. It prints bits per pixel (the real file
against the model's estimate from its likelihoods), PSNR and the encode/decode times, and
writes ``original.png``, ``reconstruction.png``, ``model.pt`` and ``image.ftdm`` to ``--out``.

The model is trained on random crops of the very image it then compresses: this shows the
pipeline, not a codec that generalises (that takes a dataset and hours). The decoder runs
the hyper-synthesis in float32 to find each element's scale (and so its table), so the
round trip is exact on the machine (and torch build) that encoded; across machines, float
convolutions may differ in the last bit, which is the usual hyperprior caveat, not a coding
one.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

import fastrans
from fastrans._progress import Progress
from fastrans.demo import images
from fastrans.demo.container import HEADER_SIZE, CodedImage
from fastrans.demo.model import Hyperprior
from fastrans.errors import CorruptStreamError
from fastrans.workloads import SCALE_TABLE


@dataclass
class Options:
    seconds: float = 60.0
    size: int = 256
    image: Path | None = None
    synthetic: bool = False
    out: Path = Path("fastrans-demo")
    lmbda: float = 0.01
    channels: tuple[int, int] = (32, 48)
    levels: int = 3
    crop: int = 64
    batch: int = 4
    threads: int | None = None
    format: str = "fastrans"
    lr: float = 2e-3
    seed: int = 0


def check_options(o: Options) -> None:
    """Bad arguments raise ValueError naming the option and the fix."""
    if not (o.seconds > 0 and math.isfinite(o.seconds)):
        raise ValueError(f"--seconds {o.seconds}: give a training time > 0 (e.g. 60)")
    grid = 4 << o.levels
    if o.size < grid or o.size % grid or o.size > 4096:
        raise ValueError(f"--size {o.size}: give a multiple of {grid} in {grid}..4096 (e.g. 256)")
    if not (o.lmbda > 0 and math.isfinite(o.lmbda)):
        raise ValueError(f"--lmbda {o.lmbda}: give a rate-distortion weight > 0 (e.g. 0.01)")
    if o.threads is not None and o.threads < 1:
        raise ValueError(f"--threads {o.threads}: give a thread count >= 1")
    if o.image is not None and o.synthetic:
        raise ValueError("--image and --synthetic exclude each other: give one")


# ---------------------------------------------------------------------------- training


def _bits(likelihoods: Tensor) -> Tensor:
    return -torch.log2(likelihoods).sum()


def _lr(base: float, frac: float) -> float:
    """Cosine decay to a tenth of ``base`` over the time budget."""
    return base * (0.1 + 0.45 * (1 + math.cos(math.pi * min(frac, 1.0))))


def train(model: Hyperprior, x: Tensor, o: Options) -> int:
    """Trains on random crops (and flips) of ``x`` for ``o.seconds``; returns the step count."""
    gen = torch.Generator().manual_seed(o.seed)
    # Small crops: many cheap steps beat few large ones in a one-minute budget.
    crop = min(o.size, o.crop)
    batch = o.batch
    base_lr = o.lr
    opt = torch.optim.Adam(model.main_parameters(), lr=base_lr)
    aux_opt = torch.optim.Adam(model.aux_parameters(), lr=1e-2)
    model.train()
    steps, start = 0, time.perf_counter()
    with Progress("train", o.seconds) as bar:
        while (elapsed := time.perf_counter() - start) < o.seconds:
            for g in opt.param_groups:
                g["lr"] = _lr(base_lr, elapsed / o.seconds)
            tops = torch.randint(0, o.size - crop + 1, (batch,), generator=gen).tolist()
            lefts = torch.randint(0, o.size - crop + 1, (batch,), generator=gen).tolist()
            flips = torch.randint(0, 2, (batch,), generator=gen).tolist()
            crops = [
                x[0, :, t : t + crop, s : s + crop].flip(-1)
                if f
                else x[0, :, t : t + crop, s : s + crop]
                for t, s, f in zip(tops, lefts, flips)
            ]
            xb = torch.stack(crops)
            x_hat, y_lik, z_lik = model(xb)
            bpp = (_bits(y_lik) + _bits(z_lik)) / (batch * crop * crop)
            mse = torch.mean((x_hat - xb) ** 2)
            # The rate weight ramps up over the first quarter: a rate term at full weight
            # from step 0 can drive every latent to zero before the transforms learn.
            loss = o.lmbda * 255**2 * mse + min(1.0, 4 * elapsed / o.seconds) * bpp
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.main_parameters(), 1.0)
            opt.step()
            aux = model.entropy_bottleneck.loss()
            aux_opt.zero_grad(set_to_none=True)
            aux.backward()
            aux_opt.step()
            steps += 1
            psnr = -10 * math.log10(max(float(mse.detach()), 1e-10))
            bar.update(
                time.perf_counter() - start,
                f"{steps} steps  bpp {float(bpp.detach()):.3f}  psnr {psnr:.2f} dB",
            )
    model.eval()
    return steps


# ---------------------------------------------------------------------------- coding


class LatentCoder:
    """Codes y given its means and scales with the fused ``fastrans.ScaleCoder`` (scale ->
    table row and value -> symbol in the same pass as the coding). Both sides build the
    tables from the scale table alone (``gaussian_table``), so nothing else is shipped."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.coder = fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)

    def encode(self, y: Tensor, scales: Tensor, means: Tensor) -> bytes:
        return self.coder.encode(y.numpy(), scales.numpy(), means.numpy(), format=self.fmt)

    def decode(self, data: bytes, scales: Tensor, means: Tensor) -> Tensor:
        out = self.coder.decode(data, scales.numpy(), means.numpy(), format=self.fmt)
        return torch.from_numpy(np.asarray(out, np.float32).reshape(means.shape))


@dataclass
class Decoded:
    z_hat: Tensor
    y_hat: Tensor
    x_hat: Tensor
    seconds: float
    coding_seconds: float


@dataclass
class Encoded(Decoded):
    """What the decoder will reconstruct, plus the file's contents."""

    coded: CodedImage


@torch.no_grad()
def encode(model: Hyperprior, x: Tensor, fmt: str) -> Encoded:
    """Image -> file bytes; also returns what the encoder knows of the decoder's result."""
    eb = model.entropy_bottleneck
    eb.stream_format = fmt
    coder = LatentCoder(fmt)
    start = time.perf_counter()
    y = model.g_a(x)
    z = model.h_a(y)
    t = time.perf_counter()
    z_strings = eb.compress(z)
    coding = time.perf_counter() - t
    z_hat = eb.decompress(z_strings, z.shape[2:])  # what the decoder will see
    means, scales = model.hyper(z_hat)
    t = time.perf_counter()
    y_string = coder.encode(y, scales, means)
    coding += time.perf_counter() - t
    seconds = time.perf_counter() - start
    y_hat = torch.round(y - means) + means
    x_hat = model.g_s(y_hat).clamp(0, 1)
    h, w = x.shape[2:]
    coded = CodedImage(h, w, fmt, model.identity(), z_strings[0], y_string)
    return Encoded(z_hat, y_hat, x_hat, seconds, coding, coded=coded)


@torch.no_grad()
def decode(model: Hyperprior, data: bytes) -> Decoded:
    """File bytes -> reconstruction, with nothing but the file and the model."""
    start = time.perf_counter()
    coded = CodedImage.from_bytes(data)
    if coded.model_id != model.identity():
        raise fastrans.TableMismatchError(
            f"the file was made by model {coded.model_id:#010x}, this is {model.identity():#010x}: "
            "decode it with the model.pt saved beside it"
        )
    eb = model.entropy_bottleneck
    eb.stream_format = coded.format
    coder = LatentCoder(coded.format)
    if coded.height % model.grid or coded.width % model.grid:
        raise CorruptStreamError(
            f"the file's image size {coded.height}x{coded.width} is not a multiple of "
            f"this model's {model.grid}"
        )
    zh, zw = coded.height // model.grid, coded.width // model.grid
    t = time.perf_counter()
    z_hat = eb.decompress([coded.z], (zh, zw))
    coding = time.perf_counter() - t
    means, scales = model.hyper(z_hat)
    t = time.perf_counter()
    y_hat = coder.decode(coded.y, scales, means)
    coding += time.perf_counter() - t
    x_hat = model.g_s(y_hat).clamp(0, 1)
    return Decoded(z_hat, y_hat, x_hat, time.perf_counter() - start, coding)


@torch.no_grad()
def estimated_bits(model: Hyperprior, x: Tensor) -> float:
    """The model's own rate estimate: -log2 of the likelihoods of the rounded latents."""
    _, y_lik, z_lik = model(x)
    return float(_bits(y_lik) + _bits(z_lik))


# ---------------------------------------------------------------------------- the run


def _load_image(o: Options) -> tuple[np.ndarray, str]:
    if o.image is not None:
        return images.read_image(o.image), str(o.image)
    if o.synthetic:
        return images.synthetic_scene(o.size), "a generated scene (--synthetic)"
    return images.default_photo()


def save_model(model: Hyperprior, path: Path) -> None:
    torch.save(
        {"n": model.n, "m": model.m, "levels": model.levels, "state_dict": model.state_dict()}, path
    )


def load_model(path: Path) -> Hyperprior:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model = Hyperprior(int(ckpt["n"]), int(ckpt["m"]), int(ckpt["levels"]))
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def run(o: Options, out: Callable[[str], None] = print) -> int:
    """The whole demo; returns the exit status (1 when a round trip is not bit-exact)."""
    check_options(o)
    # Half the cores, at most 4: these small convolutions scale poorly, and on a busy
    # machine a thread that waits for a taken core stalls every step (3-6x slower).
    threads = o.threads or max(1, min(4, (os.cpu_count() or 2) // 2))
    torch.set_num_threads(threads)
    torch.manual_seed(o.seed)
    fmt = o.format
    pixels, source = _load_image(o)
    x = images.to_tensor(pixels, o.size)
    original = images.to_uint8(x)
    x = torch.from_numpy(original).permute(2, 0, 1)[None].float() / 255  # exactly the PNG
    n, m = o.channels
    model = Hyperprior(n, m, o.levels)
    params = sum(p.numel() for p in model.parameters())
    out(f"fastrans {fastrans.__version__} demo: learned compression of {source}")
    out(
        f"  image {o.size}x{o.size}; model: mean-scale hyperprior N={n} M={m} "
        f"({params / 1e3:.0f}k parameters); torch threads {threads}; lambda {o.lmbda}"
    )
    steps = train(model, x, o)
    model.entropy_bottleneck.update(force=True, update_quantiles=True)
    model.gaussian_conditional.update()
    out(f"  trained {steps} steps in {o.seconds:g} s")

    o.out.mkdir(parents=True, exist_ok=True)
    file, ckpt = o.out / "image.ftdm", o.out / "model.pt"
    enc = encode(model, x, fmt)
    data = enc.coded.to_bytes()
    file.write_bytes(data)
    save_model(model, ckpt)

    receiver = load_model(ckpt)  # the decoder has the checkpoint and the file, nothing else
    dec = decode(receiver, file.read_bytes())
    recon = images.to_uint8(dec.x_hat)
    images.write_png(o.out / "original.png", original)
    images.write_png(o.out / "reconstruction.png", recon)

    hw = o.size * o.size
    bpp_file = 8 * len(data) / hw
    bpp_est = estimated_bits(model, x) / hw
    exact = {
        "z latents": bool(torch.equal(dec.z_hat, enc.z_hat)),
        "y latents": bool(torch.equal(dec.y_hat, enc.y_hat)),
        "reconstruction": bool(torch.equal(dec.x_hat, enc.x_hat)),
    }
    out(
        f"  compressed to {file}: {len(data)} bytes (header {HEADER_SIZE}, "
        f"z {len(enc.coded.z)}, y {len(enc.coded.y)}), format={fmt}"
    )
    out(
        f"  bpp: {bpp_file:.4f} bits per pixel in the file; the model's estimate from its "
        f"likelihoods: {bpp_est:.4f} ({100 * (bpp_file / bpp_est - 1):+.1f}%)"
    )
    out(
        "    (the file is larger than the estimate by its header, each stream's framing and "
        "checksum, the coder's final state and the 16-bit quantized tables; the estimate "
        "is the ideal information content under the model's float likelihoods)"
    )
    out(f"  PSNR: {images.psnr(original, recon):.2f} dB")
    jpeg = images.jpeg_near_bpp(original, bpp_file)
    pictures = [original, recon]
    if jpeg is None:
        out("  JPEG comparison skipped: pip install Pillow")
    else:
        quality, bpp_jpeg, jpeg_img = jpeg
        pictures.append(jpeg_img)
        out(
            f"  JPEG (Pillow, quality {quality}) at {bpp_jpeg:.4f} bpp on the same image: "
            f"PSNR {images.psnr(original, jpeg_img):.2f} dB"
        )
    images.write_png(o.out / "comparison.png", images.side_by_side(*pictures))
    out(
        f"  encode: {_ms(enc.seconds)} (entropy coding {_ms(enc.coding_seconds)});  "
        f"decode: {_ms(dec.seconds)} (entropy decoding {_ms(dec.coding_seconds)})"
    )
    ok = all(exact.values())
    if ok:
        out(
            "  round trip: bit-exact (z and y latents, and the reconstruction, equal the encoder's)"
        )
    else:
        bad = ", ".join(k for k, v in exact.items() if not v)
        out(f"  round trip: FAILED ({bad} differ from the encoder's)")
    out(
        f"  wrote {o.out / 'comparison.png'} (original | reconstruction"
        f"{' | JPEG' if jpeg else ''}), {o.out / 'reconstruction.png'}, {ckpt}"
    )
    sys.stdout.flush()
    return 0 if ok else 1
