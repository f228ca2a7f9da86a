"""LaplaceConditional: GaussianConditional with a Laplace distribution of scale ``b``
(density ``exp(-|x| / b) / 2b``), for codecs whose latents have heavier tails.

Why this module: only the standardized CDF and its tail quantile differ from the Gaussian;
tables, indexes, step, state_dict and coding are GaussianConditional's.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from fastrans.entropy_models.gaussian import GaussianConditional

__all__ = ["LaplaceConditional"]


class LaplaceConditional(GaussianConditional):
    """Conditional Laplace entropy model; ``scales`` are the Laplace scale ``b``.

    Same arguments, methods and state_dict keys as :class:`GaussianConditional`.
    """

    _parametric_family = "laplace"

    def _standardized_cumulative(self, inputs: Tensor) -> Tensor:
        # F(x) = 1/2 + sign(x) (1 - exp(-|x|)) / 2; written with expm1 so that the lower
        # tail keeps its precision and no exp() overflows (a torch.where of exp(x) would
        # give NaN gradients).
        return 0.5 - 0.5 * torch.sign(inputs) * torch.expm1(-torch.abs(inputs))

    @staticmethod
    def _standardized_quantile(quantile: float) -> float:
        # F(-m) = exp(-m) / 2 for m >= 0.
        if quantile < 0.5:
            return math.log(2 * quantile)
        return -math.log(2 * (1 - quantile))
