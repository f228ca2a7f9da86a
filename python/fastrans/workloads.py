"""The reference workloads, shipped with the package so that the demo and ``fastrans bench``
run anywhere (the same generators as the project's shared/bench/workloads.py).

W1: a hyperprior-style latent: y, means, scales of shape (1, 320, 48, 64), float32, scales
log-uniform in 0.12..30, means ~ N(0, 3). ``SCALE_TABLE`` is CompressAI's default 64-entry
scale table.
"""

from __future__ import annotations

import math

import numpy as np

SCALE_TABLE = np.exp(np.linspace(np.log(0.11), np.log(256.0), 64))


def w1(shape: tuple[int, ...] = (1, 320, 48, 64), seed: int = 0):
    """(y, means, scales), float32 arrays of ``shape``."""
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(np.log(0.12), np.log(30.0), size=shape)).astype(np.float32)
    means = rng.normal(0, 3.0, size=shape).astype(np.float32)
    y = (means + scales * rng.standard_normal(size=shape)).astype(np.float32)
    return y, means, scales


def gaussian_pmfs(scale_table: np.ndarray, tail_mass: float = 1e-9):
    """CompressAI-layout pmfs of zero-mean discretized Gaussians, in float64 numpy:
    ``(pmfs, pmf_lengths, tail_masses, offsets)`` ready for ``CdfTable.from_pmfs``."""
    erfc = np.vectorize(math.erfc)
    multiplier = -_normal_ppf(tail_mass / 2)
    centers = np.ceil(np.asarray(scale_table, np.float64) * multiplier).astype(np.int32)
    lengths = 2 * centers + 1
    width = int(lengths.max())
    samples = np.abs(np.arange(width)[None, :] - centers[:, None]).astype(np.float64)
    s = np.asarray(scale_table, np.float64)[:, None]
    upper = 0.5 * erfc(-(0.5 - samples) / s / math.sqrt(2))
    lower = 0.5 * erfc(-(-0.5 - samples) / s / math.sqrt(2))
    pmfs = upper - lower
    tails = 2 * lower[:, 0]
    return pmfs, lengths, tails, -centers


def _normal_ppf(p: float) -> float:
    """Inverse standard normal CDF by bisection (only used once per table, no scipy)."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
