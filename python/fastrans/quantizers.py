"""Differentiable stand-ins for rounding, used while training learned codecs.

Why this module: ``round`` has a zero gradient almost everywhere, so training replaces it
by additive noise, soft rounding (Agustsson & Theis, "Universally Quantized Neural
Compression", Sec. 4.1) or a straight-through estimator. ``quantize`` reproduces Cool-Chic's
modes and defaults; ``quantize_ste`` and ``noise_quantize`` are CompressAI's two training
quantizers. Every quantizer takes a bin width ``step`` and computes
``step * Q(x / step)`` (noise included), so ``step=1`` is the usual integer grid.

Everything here is pure torch (no ``.item()``, no numpy), so it traces and compiles.
Python-number arguments are validated; tensor-valued temperatures and noise parameters
(Cool-Chic passes 0-d tensors to avoid recompiles) are trusted, because checking their
values would force a device sync.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Literal, Union

import torch
from torch import Tensor

from fastrans.parametrizers import LowerBound, NonNegativeParametrizer

__all__ = [
    "DEFAULT_NOISE_PARAMETER",
    "DEFAULT_SOFT_ROUND_TEMPERATURE",
    "KUMARASWAMY_MAX_PARAMETER",
    "LowerBound",
    "NOISE_TYPES",
    "NonNegativeParametrizer",
    "QUANTIZER_TYPES",
    "generate_kumaraswamy_noise",
    "noise_quantize",
    "quantize",
    "quantize_ste",
    "softround",
    "softround_conditional_mean",
    "softround_inverse",
]

NoiseType = Literal["kumaraswamy", "gaussian", "none"]
QuantizerType = Literal["softround_alone", "softround", "hardround", "ste", "none"]
#: A Python number (validated) or a tensor broadcastable to ``x`` (trusted).
Parameter = Union[float, Tensor]

NOISE_TYPES: tuple[str, ...] = ("kumaraswamy", "gaussian", "none")
QUANTIZER_TYPES: tuple[str, ...] = ("softround_alone", "softround", "hardround", "ste", "none")
#: Cool-Chic's defaults, used when ``quantize`` gets ``None``.
DEFAULT_SOFT_ROUND_TEMPERATURE = 0.3
DEFAULT_NOISE_PARAMETER = 1.0
#: Largest Kumaraswamy ``a`` accepted: ``b`` grows like ``2**a``, and past about 100 it
#: leaves float32's range, so every sample would silently collapse to -1/2.
KUMARASWAMY_MAX_PARAMETER = 64.0

# Quantizer types that add noise, and those that ignore it (Cool-Chic ignores it too, so
# quantize(x, quantizer_type="ste") works with the default noise type).
_NOISY_TYPES = ("softround", "none")
_LN2 = math.log(2.0)


# ---------------------------------------------------------------------------- validation


def _check_float_tensor(name: str, x: object) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor, got dtype {x.dtype}; cast it with "
            f"{name}.float()"
        )


def _check_parameter(name: str, value: object, upper: float = math.inf) -> None:
    """Validates a positive parameter given as a Python number; tensors are only type-checked."""
    if isinstance(value, Tensor):
        if not value.is_floating_point():
            raise TypeError(
                f"{name} must be a floating-point tensor or a Python number, got dtype "
                f"{value.dtype}"
            )
        return
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}")
    v = float(value)
    if not (math.isfinite(v) and 0.0 < v <= upper):
        bound = f"in (0, {upper:g}]" if math.isfinite(upper) else "finite and > 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def _check_step(step: object) -> float:
    if isinstance(step, bool) or not isinstance(step, Real):
        raise TypeError(f"step must be a positive bin width, got {type(step).__name__}")
    s = float(step)
    if not (math.isfinite(s) and s > 0.0):
        raise ValueError(f"step must be a finite bin width > 0, got {step!r}; use 1.0 for integers")
    return s


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")


# ---------------------------------------------------------------------------- soft round


def _softround(x: Tensor, t: Parameter) -> Tensor:
    floor_x = torch.floor(x)
    delta = x - floor_x - 0.5
    scale: Parameter
    if isinstance(t, Tensor):
        scale = 2.0 * torch.tanh(0.5 / t)
    else:
        # A temperature below the dtype's smallest normal would divide by zero (0/0 = NaN at
        # half-integers); at such t the result is round(x) either way.
        t = max(t, torch.finfo(x.dtype).tiny)
        scale = 2.0 * math.tanh(0.5 / t)
    # softround(x) = floor(x) + 1/2 + tanh(delta / t) / (2 tanh(1 / 2t)); equals x at integers
    # and half-integers, round(x) as t -> 0 and x as t -> inf.
    return floor_x + 0.5 + torch.tanh(delta / t) / scale


def softround(x: Tensor, t: Parameter) -> Tensor:
    """Soft rounding ``floor(x) + 1/2 + tanh(d / t) / (2 tanh(1 / (2t)))``, d = x - floor(x) - 1/2.

    Continuous, increasing and differentiable; maps every interval ``[k, k + 1]`` onto itself.
    ``t -> 0`` gives ``round(x)``, large ``t`` gives ``x``. ``t`` is Cool-Chic's temperature,
    TensorFlow Compression's ``1 / alpha``.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, or ``t`` is not a number/tensor.
        ValueError: ``t`` is a number that is not finite and > 0.
    """
    _check_float_tensor("x", x)
    _check_parameter("t", t)
    return _softround(x, t)


def softround_inverse(y: Tensor, t: Parameter) -> Tensor:
    """The inverse of :func:`softround`: ``softround_inverse(softround(x, t), t) == x``.

    ``m + clamp(t * atanh(2 (y - m) tanh(1 / (2t))), -1/2, 1/2)`` with ``m = floor(y) + 1/2``.
    The clamp keeps the forward pass finite where ``atanh`` saturates (small ``t``); the
    gradient there can still be infinite, as in TensorFlow Compression.

    Raises:
        TypeError: ``y`` is not a floating-point tensor, or ``t`` is not a number/tensor.
        ValueError: ``t`` is a number that is not finite and > 0.
    """
    _check_float_tensor("y", y)
    _check_parameter("t", t)
    return _softround_inverse(y, t)


def _softround_inverse(y: Tensor, t: Parameter) -> Tensor:
    m = torch.floor(y) + 0.5
    scale: Parameter
    if isinstance(t, Tensor):
        scale = 2.0 * torch.tanh(0.5 / t)
    else:
        scale = 2.0 * math.tanh(0.5 / t)
    r = torch.atanh((y - m) * scale) * t
    return m + r.clamp(-0.5, 0.5)


def softround_conditional_mean(y: Tensor, t: Parameter) -> Tensor:
    """``E[X | softround(X, t) + U = y]`` for ``U ~ U(-1/2, 1/2)`` and ``X`` locally uniform.

    Given ``y``, ``X`` lies in ``[s^-1(y - 1/2), s^-1(y + 1/2)]``, an interval of length one
    (``s(x + 1) = s(x) + 1``), so the mean is its midpoint ``s^-1(y - 1/2) + 1/2``. This is
    the decoder-side reconstruction of Agustsson & Theis (TensorFlow Compression's
    ``soft_round_conditional_mean``).

    Raises:
        TypeError: ``y`` is not a floating-point tensor, or ``t`` is not a number/tensor.
        ValueError: ``t`` is a number that is not finite and > 0.
    """
    _check_float_tensor("y", y)
    _check_parameter("t", t)
    return _softround_inverse(y - 0.5, t) + 0.5


# ---------------------------------------------------------------------------- noise


def _kumaraswamy_noise(u: Tensor, a: Parameter) -> Tensor:
    # b makes the mode ((a - 1) / (a b - 1))**(1/a) equal 1/2: a b - 1 = 2**a (a - 1), i.e.
    # b = 1 + (a - 1) (2**a - 1) / a, written with expm1 so small a keeps its precision.
    b: Parameter
    if isinstance(a, Tensor):
        b = 1.0 + (a - 1.0) * torch.expm1(a * _LN2) / a
    else:
        b = 1.0 + (a - 1.0) * math.expm1(a * _LN2) / a
    # Inverse CDF of Kumaraswamy(a, b): x = (1 - (1 - u)**(1/b))**(1/a), with
    # 1 - (1 - u)**(1/b) = -expm1(log1p(-u) / b) to stay accurate when b is large.
    x = (-torch.expm1(torch.log1p(-u) / b)) ** (1.0 / a)
    return x - 0.5


def generate_kumaraswamy_noise(u: Tensor, a: Parameter) -> Tensor:
    """Kumaraswamy(a, b) samples from uniform samples ``u`` in [0, 1), shifted to [-1/2, 1/2).

    ``b`` is chosen from ``a`` so the mode is 1/2 (for ``a >= 1``): ``a = 1`` is the uniform
    distribution, larger ``a`` concentrates the noise around 0 (Kim et al., "C3").

    Raises:
        TypeError: ``u`` is not a floating-point tensor, or ``a`` is not a number/tensor.
        ValueError: ``a`` is a number outside (0, KUMARASWAMY_MAX_PARAMETER].
    """
    _check_float_tensor("u", u)
    _check_parameter("a", a, KUMARASWAMY_MAX_PARAMETER)
    return _kumaraswamy_noise(u, a)


def _rand_like(x: Tensor, normal: bool) -> Tensor:
    # 16-bit floats hold too few uniform levels (and too small a range for Kumaraswamy's b):
    # draw in float32 and cast the finished noise back.
    if x.dtype in (torch.float16, torch.bfloat16):
        dtype = torch.float32
    else:
        dtype = x.dtype
    if normal:
        return torch.randn(x.shape, dtype=dtype, device=x.device)
    return torch.rand(x.shape, dtype=dtype, device=x.device)


def _noise(x: Tensor, noise_type: str, parameter: Parameter) -> Tensor:
    if noise_type == "gaussian":
        n = _rand_like(x, normal=True) * parameter
    else:
        n = _kumaraswamy_noise(_rand_like(x, normal=False), parameter)
    return n.to(x.dtype)


# ---------------------------------------------------------------------------- quantizers


def _straight_through(forward: Tensor, backward: Tensor) -> Tensor:
    """``forward`` exactly in the forward pass, the gradient of ``backward`` in the backward."""
    return forward + (backward - backward.detach())


def quantize(
    x: Tensor,
    quantizer_noise_type: NoiseType = "kumaraswamy",
    quantizer_type: QuantizerType = "softround",
    soft_round_temperature: Parameter | None = None,
    noise_parameter: Parameter | None = None,
    step: float = 1.0,
) -> Tensor:
    """Cool-Chic's training quantizer, on a grid of bin width ``step``.

    With ``z = x / step``, ``t = soft_round_temperature`` (0.3 when None), ``n`` the noise,
    the result is ``step * y`` where ``y`` is, by ``quantizer_type``:

    - ``"softround_alone"``: ``softround(z, t)``;
    - ``"softround"`` (default): ``softround(softround(z, t) + n, t)``, needs noise;
    - ``"hardround"``: ``round(z)`` (zero gradient);
    - ``"ste"``: ``round(z)`` forward, the gradient of ``softround(z, t)`` backward;
    - ``"none"``: ``z + n`` (``z`` itself with noise ``"none"``).

    ``quantizer_noise_type`` picks ``n`` (``noise_parameter`` p, 1.0 when None):
    ``"kumaraswamy"`` (default) with ``a = p`` in [-1/2, 1/2), ``"gaussian"`` with standard
    deviation ``p``, or ``"none"``. Types ``softround_alone``, ``hardround`` and ``ste`` use no
    noise and ignore the noise type, as Cool-Chic does.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, or a parameter is not a number/tensor.
        ValueError: an unknown mode string; a temperature, noise parameter or ``step`` that
            is not finite and > 0 (Kumaraswamy ``a`` at most KUMARASWAMY_MAX_PARAMETER);
            ``quantizer_type="softround"`` with ``quantizer_noise_type="none"``.
    """
    _check_float_tensor("x", x)
    _check_choice("quantizer_noise_type", quantizer_noise_type, NOISE_TYPES)
    _check_choice("quantizer_type", quantizer_type, QUANTIZER_TYPES)
    t: Parameter = (
        DEFAULT_SOFT_ROUND_TEMPERATURE if soft_round_temperature is None else soft_round_temperature
    )
    p: Parameter = DEFAULT_NOISE_PARAMETER if noise_parameter is None else noise_parameter
    _check_parameter("soft_round_temperature", t)
    noisy = quantizer_type in _NOISY_TYPES and quantizer_noise_type != "none"
    if noisy and quantizer_noise_type == "kumaraswamy":
        _check_parameter("noise_parameter", p, KUMARASWAMY_MAX_PARAMETER)
    else:
        _check_parameter("noise_parameter", p)
    bin_width = _check_step(step)
    if quantizer_type == "softround" and quantizer_noise_type == "none":
        raise ValueError(
            "quantizer_type='softround' adds noise between two soft roundings, so "
            "quantizer_noise_type must be 'kumaraswamy' or 'gaussian', got 'none'; use "
            "quantizer_type='softround_alone' for soft rounding without noise"
        )

    z = x if bin_width == 1.0 else x / bin_width
    if quantizer_type == "hardround":
        y = torch.round(z)
    elif quantizer_type == "ste":
        y = _straight_through(torch.round(z), _softround(z, t))
    elif quantizer_type == "softround_alone":
        y = _softround(z, t)
    elif quantizer_type == "softround":
        y = _softround(_softround(z, t) + _noise(z, quantizer_noise_type, p), t)
    elif noisy:  # "none" with noise
        y = z + _noise(z, quantizer_noise_type, p)
    else:  # "none" without noise
        y = z
    return y if bin_width == 1.0 else y * bin_width


def quantize_ste(x: Tensor, step: float = 1.0) -> Tensor:
    """``step * round(x / step)`` forward, identity gradient backward (CompressAI's STE).

    Raises:
        TypeError: ``x`` is not a floating-point tensor or ``step`` is not a number.
        ValueError: ``step`` is not finite and > 0.
    """
    _check_float_tensor("x", x)
    bin_width = _check_step(step)
    q = torch.round(x) if bin_width == 1.0 else torch.round(x / bin_width) * bin_width
    return _straight_through(q, x)


def noise_quantize(x: Tensor, step: float = 1.0) -> Tensor:
    """``x + step * u`` with ``u ~ U[-1/2, 1/2)`` i.i.d., CompressAI's training proxy for
    ``step * round(x / step)``; the gradient is the identity.

    Raises:
        TypeError: ``x`` is not a floating-point tensor or ``step`` is not a number.
        ValueError: ``step`` is not finite and > 0.
    """
    _check_float_tensor("x", x)
    bin_width = _check_step(step)
    u = (_rand_like(x, normal=False) - 0.5).to(x.dtype)
    return x + (u if bin_width == 1.0 else u * bin_width)
