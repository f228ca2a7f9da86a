"""Torch entropy models with CompressAI 1.2's API, coded by fastrans.

``EntropyBottleneck``, ``GaussianConditional``, ``LaplaceConditional`` and
``GaussianMixtureConditional`` keep CompressAI's constructor arguments, methods and
state_dict keys (checkpoints load with plain ``load_state_dict``), add a quantization bin
width ``step`` and ``stream_format="fastrans"|"compressai"``, build their tables natively
in one batched call, and refuse stale tables (:class:`StaleTablesError`).
See docs/entropy_models.md.
"""

try:
    import torch  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - exercised by hiding torch
    if exc.name != "torch":
        raise
    raise ImportError(
        "fastrans.entropy_models needs torch, which is not installed: pip install 'fastrans[torch]'"
    ) from exc

from fastrans.entropy_models._base import ArgumentTypeError, EntropyModel, StaleTablesError
from fastrans.entropy_models.bottleneck import EntropyBottleneck
from fastrans.entropy_models.gaussian import GaussianConditional
from fastrans.entropy_models.laplace import LaplaceConditional
from fastrans.entropy_models.mixture import GaussianMixtureConditional

__all__ = [
    "ArgumentTypeError",
    "EntropyBottleneck",
    "EntropyModel",
    "GaussianConditional",
    "GaussianMixtureConditional",
    "LaplaceConditional",
    "StaleTablesError",
]
