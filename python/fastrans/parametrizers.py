"""Bounded and non-negative reparametrizations with CompressAI's gradients and state.

Why this module: entropy models and GDN keep scales, likelihoods and weights above a floor.
A plain ``torch.max(x, bound)`` has zero gradient below the floor, so a parameter that falls
under it can never climb back; CompressAI's ``LowerBound`` lets the gradient through when it
would push ``x`` up towards the bound. Checkpoints trained with CompressAI must load here
unchanged, so buffers, their shapes and their state_dict keys (``bound``, ``pedestal``,
``lower_bound.bound``) are CompressAI's.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["LowerBound", "LowerBoundFunction", "NonNegativeParametrizer"]


def _finite_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from exc
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {out!r}")
    return out


class LowerBoundFunction(torch.autograd.Function):
    """``torch.max(x, bound)`` whose backward passes the gradient where ``x >= bound`` or
    where the gradient is negative (descent would raise ``x`` towards the bound); elsewhere
    the gradient is zero. This is CompressAI's rule, bit for bit (NaN gradients included).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, bound: Tensor) -> Tensor:
        ctx.save_for_backward(x, bound)
        return torch.max(x, bound)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        x, bound = ctx.saved_tensors
        passes = (x >= bound) | (grad_output < 0)
        # A product, not torch.where, so NaN gradients propagate exactly as in CompressAI.
        return passes.to(grad_output.dtype) * grad_output, None


class LowerBound(nn.Module):
    """Lower bound ``max(x, bound)`` with the gradient rule of :class:`LowerBoundFunction`.

    Holds the bound in a 1-element buffer ``bound`` (default dtype), as CompressAI does, so
    its state_dict loads CompressAI's.
    """

    bound: Tensor

    def __init__(self, bound: float) -> None:
        super().__init__()
        self.register_buffer("bound", torch.tensor([_finite_float("bound", bound)]))

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = LowerBoundFunction.apply(x, self.bound)
        return out


class NonNegativeParametrizer(nn.Module):
    """Stores a value ``v >= minimum`` as ``p`` with ``v = max(p, sqrt(minimum + o**2))**2 - o**2``.

    ``o`` is ``reparam_offset``; the pedestal ``o**2`` keeps the gradient of ``p**2`` away
    from zero near ``v = 0``. :meth:`init` maps a value to its stored form, :meth:`forward`
    maps it back, so ``forward(init(v)) == max(v, minimum)`` up to rounding.

    Buffers (CompressAI's): ``pedestal`` (1 element) and ``lower_bound.bound``.
    """

    pedestal: Tensor

    def __init__(self, minimum: float = 0.0, reparam_offset: float = 2**-18) -> None:
        super().__init__()
        self.minimum = _finite_float("minimum", minimum)
        if self.minimum < 0:
            raise ValueError(
                f"minimum must be >= 0 (the smallest value the parameter may take), "
                f"got {self.minimum!r}"
            )
        self.reparam_offset = _finite_float("reparam_offset", reparam_offset)
        if self.reparam_offset <= 0:
            raise ValueError(
                f"reparam_offset must be > 0 (CompressAI uses 2**-18), got {self.reparam_offset!r}"
            )
        pedestal = self.reparam_offset**2
        self.register_buffer("pedestal", torch.tensor([pedestal]))
        self.lower_bound = LowerBound((self.minimum + pedestal) ** 0.5)

    def init(self, x: Tensor) -> Tensor:
        """The stored form of value ``x`` (values below zero are stored as zero)."""
        return torch.sqrt(torch.max(x + self.pedestal, self.pedestal))

    def forward(self, x: Tensor) -> Tensor:
        """The value represented by stored form ``x``; always ``>= minimum``."""
        out = self.lower_bound(x)
        return out**2 - self.pedestal
