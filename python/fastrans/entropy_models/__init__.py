"""Torch entropy models with CompressAI 1.2's API, coded by fastrans.

``EntropyBottleneck``, ``GaussianConditional``, ``LaplaceConditional`` and
``GaussianMixtureConditional`` keep CompressAI's constructor arguments, methods and
state_dict keys (checkpoints load with plain ``load_state_dict``), add a quantization bin
width ``step`` and ``stream_format="fastrans"|"compressai"``, build their tables natively
in one batched call, and refuse stale tables (:class:`StaleTablesError`).
See docs/entropy_models.md.
"""

from fastrans.entropy_models._base import EntropyModel, StaleTablesError
from fastrans.entropy_models.bottleneck import EntropyBottleneck
from fastrans.entropy_models.gaussian import GaussianConditional
from fastrans.entropy_models.laplace import LaplaceConditional
from fastrans.entropy_models.mixture import GaussianMixtureConditional

__all__ = [
    "EntropyBottleneck",
    "EntropyModel",
    "GaussianConditional",
    "GaussianMixtureConditional",
    "LaplaceConditional",
    "StaleTablesError",
]
