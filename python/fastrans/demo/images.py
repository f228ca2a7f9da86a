"""Getting a photograph in and PNGs out, with as few dependencies as possible.

Why this module: the demo must run on a fresh machine. The default photograph ships inside
scikit-image (``skimage.data.astronaut()``); without it a deterministic synthetic scene is
drawn with numpy. A user's own file is read with Pillow (PNG, JPEG, ...) or, for PNG,
scikit-image's ``io.imread``; when neither is installed the error names the package.
PNGs are written by hand (zlib + three chunks), so writing needs nothing.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


class ImageError(ValueError):
    """An image that cannot be read or used (missing file, missing reader, bad size)."""


def default_photo() -> tuple[np.ndarray, str]:
    """``(uint8 HxWx3, description)``: scikit-image's astronaut, else a synthetic scene."""
    try:
        from skimage import data

        return np.asarray(data.astronaut()), "skimage.data.astronaut() (512x512 photograph)"
    except Exception as exc:  # ImportError, or a data file missing from the install
        reason = "scikit-image is not installed" if isinstance(exc, ImportError) else str(exc)
        return synthetic_scene(512), f"a generated scene ({reason}; pip install scikit-image)"


def synthetic_scene(size: int) -> np.ndarray:
    """A smooth, deterministic landscape (sky, sun, hills, lake, texture), uint8 size x size x 3.

    Drawn on the unit square, so every size shows the same picture."""
    v, u = np.meshgrid(
        (np.arange(size) + 0.5) / size, (np.arange(size) + 0.5) / size, indexing="ij"
    )
    sky = np.stack([0.35 + 0.4 * v, 0.55 + 0.3 * v, 0.95 - 0.1 * v], axis=-1)
    img = sky.copy()
    sun = np.exp(-(((u - 0.72) ** 2 + (v - 0.22) ** 2) / 0.004))
    img += sun[..., None] * np.array([0.6, 0.45, 0.0])
    far = 0.55 + 0.06 * np.sin(7 * u + 1.0) + 0.03 * np.sin(17 * u)
    near = 0.68 + 0.08 * np.sin(4 * u - 0.5) + 0.02 * np.sin(23 * u + 2.0)
    grass = 0.08 * np.sin(90 * u + 40 * v) * np.sin(70 * v)
    hill_far = np.array([0.30, 0.45, 0.35])
    hill_near = np.array([0.20, 0.55, 0.18])
    img = np.where((v > far)[..., None], hill_far + 0.15 * (v - far)[..., None], img)
    img = np.where((v > near)[..., None], hill_near + grass[..., None], img)
    lake = (v > 0.82) & (np.abs(u - 0.35) < 0.3 - 0.5 * (v - 0.82))
    ripple = 0.05 * np.sin(120 * v + 6 * np.sin(9 * u))
    img = np.where(lake[..., None], np.array([0.25, 0.4, 0.7]) + ripple[..., None], img)
    return (np.clip(img, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def read_image(path: Path) -> np.ndarray:
    """A user's image as uint8 HxWx3 (grey is repeated, alpha dropped)."""
    if not path.is_file():
        raise ImageError(f"--image {path}: no such file")
    try:
        from PIL import Image

        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except ImportError:
        pass
    except Exception as exc:
        raise ImageError(f"--image {path}: Pillow cannot read it ({exc})") from exc
    if path.suffix.lower() == ".png":
        try:
            from skimage import io
        except ImportError:
            pass
        else:
            a = np.asarray(io.imread(path))
            if a.ndim == 2:
                a = np.repeat(a[..., None], 3, axis=-1)
            if a.dtype != np.uint8:
                raise ImageError(f"--image {path}: {a.dtype} PNGs are not supported (8-bit only)")
            return a[..., :3]
    raise ImageError(
        f"--image {path}: reading images needs Pillow (pip install pillow)"
        + ("" if path.suffix.lower() != ".png" else " or scikit-image")
    )


def to_tensor(img: np.ndarray, size: int) -> torch.Tensor:
    """Centre square crop, resized (antialiased) to ``size`` x ``size``: float 1x3xHxW in [0, 1]."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ImageError(f"expected an RGB image (H, W, 3), got shape {img.shape}")
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = img[top : top + side, left : left + side]
    x = torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1)[None].float() / 255
    if side != size:
        x = F.interpolate(
            x, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
    return x.clamp_(0.0, 1.0)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """1x3xHxW float in [0, 1] to HxWx3 uint8 (round to nearest)."""
    return (x[0].clamp(0, 1).permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def write_png(path: Path, img: np.ndarray) -> None:
    """Writes uint8 HxWx3 as an 8-bit RGB PNG (no filter, zlib level 9)."""
    h, w, c = img.shape
    if c != 3 or img.dtype != np.uint8:
        raise ValueError(f"write_png needs uint8 HxWx3, got {img.dtype} {img.shape}")
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def jpeg_near_bpp(img: np.ndarray, bpp: float) -> tuple[int, float, np.ndarray] | None:
    """The baseline JPEG (Pillow, 4:2:0) of ``img`` whose size is closest to ``bpp`` bits a
    pixel without exceeding it where a quality allows: ``(quality, its bpp, decoded)``, or
    None without Pillow."""
    try:
        from PIL import Image
    except ImportError:
        return None
    import io

    pixels = img.shape[0] * img.shape[1]

    def at(quality: int) -> tuple[int, float, np.ndarray]:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=quality, optimize=True)
        decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
        return quality, 8 * buf.tell() / pixels, decoded

    lo, hi = 1, 95
    best = at(lo)
    while lo <= hi:  # bpp grows with quality: the largest quality that fits
        mid = (lo + hi) // 2
        cand = at(mid)
        if cand[1] <= bpp:
            best, lo = cand, mid + 1
        else:
            hi = mid - 1
    return best


def side_by_side(*imgs: np.ndarray, gap: int = 8) -> np.ndarray:
    """Equal-sized uint8 HxWx3 images left to right, separated by white columns."""
    h = imgs[0].shape[0]
    white = np.full((h, gap, 3), 255, np.uint8)
    parts: list[np.ndarray] = []
    for i, im in enumerate(imgs):
        if i:
            parts.append(white)
        parts.append(im)
    return np.concatenate(parts, axis=1)
