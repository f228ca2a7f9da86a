"""Quantize and code a network's own parameters, as overfitted codecs (Cool-Chic) do.

Cool-Chic sends its decoder networks in the bitstream: each module's weights and biases are
quantized with a per-module step, ``q = round(p / step)``, and the integers are written
with exp-Golomb codes. :func:`quantize_model` runs its greedy search on any ``nn.Module``
(one call reproduces Cool-Chic 5.x's whole search with ``step_grids=COOLCHIC5_STEP_GRIDS``
and ``signed="coolchic5"``); :func:`encode_parameters` / :func:`decode_parameters` write and
read the result in a self-describing, checksummed layout (``fastrans._param_stream``) or as
Cool-Chic 5.x's parameter string (``format="coolchic5"``).

Conventions:

- A parameter whose own name is ``bias`` is a bias; every other parameter is a weight.
  Each module codes all its weights as one exp-Golomb sequence (one step, one ``k``) and
  all its biases as another, parameters in ``named_parameters()`` order, row-major.
- Dequantization is ``(q as float64) * step`` cast to the parameter's dtype, on both sides,
  so the receiver's tensors are bit-identical to the sender's.
- Requires torch (``pip install fastrans[torch]``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from fastrans import _param_stream, golomb
from fastrans.errors import CorruptStreamError, FastransError

__all__ = [
    "ArchitectureMismatchError",
    "COOLCHIC5_ORDERS",
    "COOLCHIC5_STEP_GRIDS",
    "COOLCHIC_MAX_VALUE",
    "CoolChic5Header",
    "DEFAULT_BIAS_STEPS",
    "DEFAULT_WEIGHT_STEPS",
    "FORMATS",
    "ModuleHeader",
    "ModuleQuantization",
    "QuantizationResult",
    "decode_parameters",
    "encode_parameters",
    "quantize_model",
]

#: Cool-Chic's weight steps: 2^-12 .. 2^0.
DEFAULT_WEIGHT_STEPS: tuple[float, ...] = tuple(2.0**e for e in range(-12, 1))
#: Cool-Chic's bias steps: 2^-24 .. 2^0.
DEFAULT_BIAS_STEPS: tuple[float, ...] = tuple(2.0**e for e in range(-24, 1))


def _powers(lo: int, hi: int) -> tuple[float, ...]:
    return tuple(2.0**e for e in range(lo, hi + 1))


#: Cool-Chic 5.x's step grids per module (``step_grids=`` of :func:`quantize_model`). Its
#: optional inter-frame module ``ifce`` uses the ARM's grids:
#: ``{**COOLCHIC5_STEP_GRIDS, "ifce": COOLCHIC5_STEP_GRIDS["arm"]}``.
COOLCHIC5_STEP_GRIDS: Mapping[str, Mapping[str, tuple[float, ...]]] = {
    "arm": {"weight": _powers(-8, 0), "bias": _powers(-16, 0)},
    "upsampling": {"weight": _powers(-12, 0), "bias": (1.0,)},
    "synthesis": {"weight": _powers(-12, 0), "bias": _powers(-24, 0)},
}
#: Cool-Chic 5.x's exp-Golomb orders, for weights and biases alike: 0 .. 12.
COOLCHIC5_ORDERS: tuple[int, ...] = tuple(range(13))
#: Cool-Chic's limit on a sent integer: a step giving a larger ``|round(p / step)|`` is
#: skipped.
COOLCHIC_MAX_VALUE = 65535

#: ``format=`` of :func:`encode_parameters` / :func:`decode_parameters`.
FORMATS = ("fastrans", "coolchic5")

_DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
}


class ArchitectureMismatchError(FastransError):
    """The stream was made for a network with other modules, parameters or shapes."""


@dataclass(frozen=True)
class ModuleQuantization:
    """The choice made for one module, and the integers it sends."""

    name: str
    weight_step: float
    bias_step: float
    weight_k: int
    bias_k: int
    weight_bits: int
    bias_bits: int
    #: RD cost of the chosen pair (NaN when read back by ``decode_parameters``).
    cost: float
    #: Step pairs skipped because a quantized value exceeded ``max_value``.
    skipped: int
    weight_values: np.ndarray = field(repr=False, compare=False)
    bias_values: np.ndarray = field(repr=False, compare=False)

    @property
    def bits(self) -> int:
        """Exact exp-Golomb bits of this module's parameters."""
        return self.weight_bits + self.bias_bits


@dataclass(frozen=True)
class QuantizationResult:
    """What :func:`quantize_model` chose, per module, in coding order."""

    modules: dict[str, ModuleQuantization]
    signed: str

    @property
    def total_bits(self) -> int:
        """Exact exp-Golomb bits of all coded parameters (stream header not included)."""
        return sum(m.bits for m in self.modules.values())

    def coolchic5_header(self) -> CoolChic5Header:
        """What a receiver of ``encode_parameters(..., format="coolchic5")`` must be told.

        Needs ``signed="coolchic5"`` (ValueError otherwise).
        """
        if self.signed != "coolchic5":
            raise ValueError(
                f"this result was coded with signed={self.signed!r}; Cool-Chic 5.x's string "
                "needs quantize_model(..., signed='coolchic5')"
            )
        return CoolChic5Header(
            {
                n: ModuleHeader(m.weight_step, m.bias_step, m.weight_k, m.bias_k)
                for n, m in self.modules.items()
            },
            -self.total_bits % 8,
        )


@dataclass(frozen=True)
class ModuleHeader:
    """One module's steps and exp-Golomb orders, as Cool-Chic 5.x's header holds them."""

    weight_step: float
    bias_step: float
    weight_k: int
    bias_k: int


@dataclass(frozen=True)
class CoolChic5Header:
    """What Cool-Chic 5.x keeps beside its parameter string: per module (in string order)
    the steps and orders, and the zero bits padding the string's start (0..=7)."""

    modules: Mapping[str, ModuleHeader]
    padding: int


def _kind(param_name: str) -> str:
    return "bias" if param_name.rsplit(".", 1)[-1] == "bias" else "weight"


def _params(model: nn.Module, name: str) -> list[tuple[str, nn.Parameter]]:
    try:
        module = model.get_submodule(name) if name else model
    except AttributeError:
        raise ValueError(f"modules: {name!r} is not a submodule of the model") from None
    return list(module.named_parameters())


def _default_modules(model: nn.Module) -> list[str]:
    if any(True for _ in model.parameters(recurse=False)):
        return [""]  # the model owns parameters itself: code it as one module
    return [n for n, m in model.named_children() if any(True for _ in m.parameters())]


def _check_steps(steps: Iterable[float], what: str) -> list[float]:
    out = [float(s) for s in steps]
    if not out:
        raise ValueError(f"{what} is empty: pass at least one quantization step")
    for s in out:
        if not (math.isfinite(s) and s > 0):
            raise ValueError(f"{what} holds {s}: steps must be finite and > 0")
    return out


def _grids(
    step_grids: Any,
    names: list[str],
    w_default: list[float],
    b_default: list[float],
) -> dict[str, tuple[list[float], list[float]]]:
    """``(weight steps, bias steps)`` per module name, defaults where ``step_grids`` is silent."""
    out = {n: (w_default, b_default) for n in names}
    if step_grids is None:
        return out
    if not isinstance(step_grids, Mapping):
        raise TypeError(
            "step_grids must map module names to {'weight': [...], 'bias': [...]}, got "
            f"{type(step_grids).__name__}"
        )
    for name, grid in step_grids.items():
        if name not in out:
            raise ValueError(
                f"step_grids names {name!r}, which is not a module being quantized {names}"
            )
        if not isinstance(grid, Mapping):
            raise TypeError(f"step_grids[{name!r}] must be a dict with 'weight' and/or 'bias'")
        unknown = set(grid) - {"weight", "bias"}
        if unknown:
            raise ValueError(
                f"step_grids[{name!r}] has {sorted(map(str, unknown))}; only 'weight' and "
                "'bias' are known"
            )
        out[name] = (
            _check_steps(grid["weight"], f"step_grids[{name!r}]['weight']")
            if "weight" in grid
            else w_default,
            _check_steps(grid["bias"], f"step_grids[{name!r}]['bias']")
            if "bias" in grid
            else b_default,
        )
    return out


def _quantize(p: torch.Tensor, step: float, max_value: int) -> np.ndarray | None:
    """``round(p / step)`` as int64, or None when a value exceeds ``max_value`` or its
    dequantized value would not be finite in ``p``'s dtype."""
    q = torch.round(p.detach().to(torch.float64) / step)
    if q.numel() and float(q.abs().max()) > max_value:
        return None
    if not torch.isfinite((q * step).to(p.dtype)).all():
        return None
    return q.to(torch.int64).numpy().reshape(-1)


def _dequantize(q: np.ndarray, step: float, like: torch.Tensor) -> torch.Tensor:
    return (torch.from_numpy(q).to(torch.float64) * step).to(like.dtype).reshape(like.shape)


def _split(
    params: list[tuple[str, nn.Parameter]], values: np.ndarray, kind: str
) -> list[np.ndarray]:
    """``values`` of one kind cut back into one flat array per parameter of that kind."""
    out, at = [], 0
    for n, p in params:
        if _kind(n) == kind:
            out.append(values[at : at + p.numel()])
            at += p.numel()
    return out


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


@torch.no_grad()
def quantize_model(
    model: nn.Module,
    rd_cost: Callable[[nn.Module, int], Any],
    modules: Sequence[str] | None = None,
    *,
    step_grids: Mapping[str, Mapping[str, Iterable[float]]] | None = None,
    weight_steps: Iterable[float] = DEFAULT_WEIGHT_STEPS,
    bias_steps: Iterable[float] = DEFAULT_BIAS_STEPS,
    ks: Iterable[int] = range(13),
    signed: str = "sign_magnitude",
    max_value: int = COOLCHIC_MAX_VALUE,
) -> QuantizationResult:
    """Choose a (weight step, bias step) pair per module by greedy RD search; quantize in place.

    ``modules``: names for ``model.get_submodule`` (default: the model itself if it owns
    parameters, else its children that have parameters, in declaration order); this is the
    coding order of the result. They are *searched* in sorted name order (Python's string
    order, as Cool-Chic does). Each module's grids come from ``step_grids[name]``
    (``{"weight": [...], "bias": [...]}``; a kind left out, or a module not named, uses
    ``weight_steps`` / ``bias_steps``). For each module, weight steps are the outer loop and
    bias steps the inner: a pair for which some ``|round(p / step)|`` exceeds ``max_value``
    (default 65535, Cool-Chic's limit) or dequantizes to infinity is skipped, never clipped;
    otherwise the module is set to its quantized values, the best exp-Golomb order in ``ks``
    is found for weights and for biases, and ``rd_cost(model, rate_bits)`` is called, where
    ``rate_bits`` is the exact exp-Golomb size of the modules already decided plus this
    trial (modules not yet searched are still full precision and count 0). The strictly
    lowest cost wins (the first pair on ties); full precision is restored between trials,
    and the winner is left in the model. A module without biases (or weights) tries only
    the first bias (weight) step.

    Returns the per-module steps, orders, bits and the integers to send.
    """
    signed = golomb._signed(signed)
    w_steps = _check_steps(weight_steps, "weight_steps")
    b_steps = _check_steps(bias_steps, "bias_steps")
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Iterable):
        raise TypeError(f"ks must be an iterable of ints, got {ks!r}")
    k_list = [golomb._k(k, "ks[i]") for k in ks]
    if not k_list:
        raise ValueError("ks is empty: pass at least one exp-Golomb order, e.g. range(13)")
    if isinstance(max_value, bool) or not isinstance(max_value, int):
        raise TypeError(f"max_value must be an int in 0..=2**62, got {max_value!r}")
    if not 0 <= max_value <= golomb.MAX_MAGNITUDE:
        raise ValueError(f"max_value={max_value!r} must be an int in 0..=2**62")
    names = list(_default_modules(model) if modules is None else modules)
    if not names:
        raise ValueError("no module to quantize: the model has no parameters")
    if len(set(names)) != len(names):
        raise ValueError(f"modules lists a name twice: {names}")
    grids = _grids(step_grids, names, w_steps, b_steps)
    seen: dict[int, str] = {}
    for name in names:
        params = _params(model, name)
        if not params:
            raise ValueError(f"modules: {name!r} has no parameters to send")
        for n, p in params:
            if p.dtype not in _DTYPES:
                raise TypeError(f"{name}.{n} has dtype {p.dtype}; only float parameters are coded")
            if not torch.isfinite(p).all():
                raise ValueError(f"{name}.{n} holds NaN or infinity; it cannot be quantized")
            if id(p) in seen:
                raise ValueError(f"{name}.{n} is also in module {seen[id(p)]!r}: send it once")
            seen[id(p)] = name

    chosen: dict[str, ModuleQuantization] = {}
    decided_bits = 0
    for name in sorted(names):
        params = _params(model, name)
        full = [p.detach().clone() for _, p in params]
        has_w = any(_kind(n) == "weight" for n, _ in params)
        has_b = any(_kind(n) == "bias" for n, _ in params)
        mod_w, mod_b = grids[name]
        best: ModuleQuantization | None = None
        skipped = 0
        try:
            for sw in mod_w if has_w else mod_w[:1]:
                for sb in mod_b if has_b else mod_b[:1]:
                    qs = [
                        _quantize(f, sb if _kind(n) == "bias" else sw, max_value)
                        for (n, _), f in zip(params, full)
                    ]
                    if any(q is None for q in qs):
                        skipped += 1
                        continue
                    ints = [q for q in qs if q is not None]
                    for (n, p), q in zip(params, ints):
                        p.copy_(_dequantize(q, sb if _kind(n) == "bias" else sw, p))
                    w = _concat([q for (n, _), q in zip(params, ints) if _kind(n) == "weight"])
                    b = _concat([q for (n, _), q in zip(params, ints) if _kind(n) == "bias"])
                    kw, bw = golomb.best_k(w, k_list, signed) if w.size else (k_list[0], 0)
                    kb, bb = golomb.best_k(b, k_list, signed) if b.size else (k_list[0], 0)
                    cost = float(rd_cost(model, decided_bits + bw + bb))
                    if math.isnan(cost):
                        raise ValueError(f"rd_cost returned NaN for module {name!r}")
                    if best is None or cost < best.cost:
                        best = ModuleQuantization(name, sw, sb, kw, kb, bw, bb, cost, 0, w, b)
                    for (_, p), f in zip(params, full):
                        p.copy_(f)
        except BaseException:
            for (_, p), f in zip(params, full):
                p.copy_(f)
            raise
        if best is None:
            raise ValueError(
                f"module {name!r}: every step pair makes some |round(p / step)| exceed "
                f"max_value={max_value}; add larger steps to its grids"
            )
        best = dataclasses.replace(best, skipped=skipped)
        _load(params, best)
        chosen[name] = best
        decided_bits += best.bits
    return QuantizationResult({n: chosen[n] for n in names}, signed)


def _load(params: list[tuple[str, nn.Parameter]], mq: ModuleQuantization) -> None:
    """Sets ``params`` to the dequantized values of ``mq``."""
    ws = _split(params, mq.weight_values, "weight")
    bs = _split(params, mq.bias_values, "bias")
    wi, bi = iter(ws), iter(bs)
    with torch.no_grad():
        for n, p in params:
            if _kind(n) == "bias":
                p.copy_(_dequantize(next(bi), mq.bias_step, p))
            else:
                p.copy_(_dequantize(next(wi), mq.weight_step, p))


def _specs(params: list[tuple[str, nn.Parameter]]) -> tuple[_param_stream.ParamSpec, ...]:
    return tuple(
        _param_stream.ParamSpec(n, _kind(n), _DTYPES.get(p.dtype, str(p.dtype)), tuple(p.shape))
        for n, p in params
    )


def _format(format: Any) -> str:
    if not isinstance(format, str):
        raise TypeError(f"format must be one of {FORMATS}, got {format!r}")
    if format not in FORMATS:
        raise ValueError(f"format={format!r} is not a format: use one of {FORMATS}")
    return format


def encode_parameters(
    model: nn.Module, result: QuantizationResult, format: str = "fastrans"
) -> bytes:
    """The coded network: ``result``'s integers, with its steps, orders and architecture.

    ``format="fastrans"``: the self-describing, checksummed container. ``"coolchic5"``:
    Cool-Chic 5.x's parameter string, nothing else — per module in ``result``'s order its
    weights then its biases (parameters in ``named_parameters()`` order, row-major), each
    value with its kind's order, zero padding at the start; ``result`` must have been made
    with ``signed="coolchic5"`` and the receiver needs ``result.coolchic5_header()``.

    ``model`` must still hold the quantized values ``quantize_model`` left in it (a
    ValueError says so otherwise).
    """
    if not isinstance(result, QuantizationResult):
        raise TypeError(f"result must be what quantize_model returned, got {type(result).__name__}")
    format = _format(format)
    if format == "coolchic5":
        result.coolchic5_header()  # ValueError unless signed="coolchic5"
    records = []
    for name, mq in result.modules.items():
        params = _params(model, name)
        ws = _split(params, mq.weight_values, "weight")
        bs = _split(params, mq.bias_values, "bias")
        if (
            sum(a.size for a in ws) != mq.weight_values.size
            or sum(a.size for a in bs) != mq.bias_values.size
        ):
            raise ValueError(f"module {name!r} does not have the parameters result describes")
        wi, bi = iter(ws), iter(bs)
        for n, p in params:
            step, q = (mq.bias_step, next(bi)) if _kind(n) == "bias" else (mq.weight_step, next(wi))
            if not torch.equal(_dequantize(q, step, p), p.detach()):
                raise ValueError(
                    f"{name}.{n} no longer holds its quantized values; run quantize_model again"
                )
        if format == "coolchic5":
            continue
        pads = (
            (-mq.weight_bits % 8, -mq.bias_bits % 8) if result.signed == "coolchic5" else (0, 0)
        )
        records.append(
            _param_stream.ModuleRecord(
                name,
                mq.weight_step,
                mq.bias_step,
                mq.weight_k,
                mq.bias_k,
                _specs(params),
                golomb.encode(mq.weight_values, mq.weight_k, result.signed),
                golomb.encode(mq.bias_values, mq.bias_k, result.signed),
                *pads,
            )
        )
    if format == "coolchic5":
        values, orders = [], []
        for mq in result.modules.values():
            values += [mq.weight_values, mq.bias_values]
            orders += [
                np.full(mq.weight_values.size, mq.weight_k, np.uint8),
                np.full(mq.bias_values.size, mq.bias_k, np.uint8),
            ]
        return golomb.encode(_concat(values), _concat(orders), "coolchic5")
    return _param_stream.write(result.signed, records)


def _dequantized_or_corrupt(
    params: list[tuple[str, nn.Parameter]], mq: ModuleQuantization
) -> None:
    """Checks that every value of ``mq`` dequantizes to a finite number in its parameter's
    dtype (what quantize_model can produce); CorruptStreamError otherwise."""
    ws = iter(_split(params, mq.weight_values, "weight"))
    bs = iter(_split(params, mq.bias_values, "bias"))
    for n, p in params:
        q, step = (next(bs), mq.bias_step) if _kind(n) == "bias" else (next(ws), mq.weight_step)
        if not torch.isfinite(_dequantize(q, step, p)).all():
            raise _corrupt(
                f"module {mq.name!r}: {n} dequantizes to infinity in {p.dtype} "
                f"(step {step}), which no encoder writes"
            )


def _model_params(model: nn.Module, name: str) -> list[tuple[str, nn.Parameter]]:
    try:
        return _params(model, name)
    except ValueError:
        raise ArchitectureMismatchError(
            f"the stream codes module {name!r}, which this model does not have"
        ) from None


def decode_parameters(
    data: Any,
    model: nn.Module,
    format: str = "fastrans",
    *,
    header: CoolChic5Header | None = None,
) -> QuantizationResult:
    """Loads the coded network ``data`` into ``model`` (bit-identical to the sender's).

    ``format="fastrans"`` reads the container (``header`` must be None).
    ``format="coolchic5"`` reads Cool-Chic 5.x's parameter string, which says nothing about
    itself: ``header`` (a :class:`CoolChic5Header`, e.g. ``result.coolchic5_header()``)
    gives the modules in string order, their steps and orders and the leading padding; the
    value counts come from ``model``'s parameters.

    Raises CorruptStreamError for damaged bytes or a header field no encoder writes (a step
    that is not finite and > 0, an order above 62, a padding above 7, values that dequantize
    to infinity) and ArchitectureMismatchError when the stream was made for other modules,
    parameter names, dtypes or shapes; ``model`` is left untouched in both cases. Returns
    the steps, orders and bits read (cost is NaN).
    """
    from fastrans._arrays import as_bytes

    format = _format(format)
    raw = as_bytes(data)
    if format == "coolchic5":
        return _decode_coolchic5(raw, model, header)
    if header is not None:
        raise ValueError("header= is for format='coolchic5'; the fastrans container has its own")
    layout, records = _param_stream.read(raw)
    loads = []
    out: dict[str, ModuleQuantization] = {}
    for rec in records:
        params = _model_params(model, rec.name)
        mine = _specs(params)
        if mine != rec.params:
            raise ArchitectureMismatchError(
                f"module {rec.name!r}: the stream was made for parameters "
                f"{[(p.name, p.dtype, p.shape) for p in rec.params]}, this model has "
                f"{[(p.name, p.dtype, p.shape) for p in mine]}"
            )
        n_w = sum(math.prod(p.shape) for p in rec.params if p.kind == "weight")
        n_b = sum(math.prod(p.shape) for p in rec.params if p.kind == "bias")
        pad_w = rec.weight_padding if layout == "coolchic5" else None
        pad_b = rec.bias_padding if layout == "coolchic5" else None
        w = golomb.decode(rec.weight_payload, n_w, rec.weight_k, layout, pad_w)
        b = golomb.decode(rec.bias_payload, n_b, rec.bias_k, layout, pad_b)
        mq = ModuleQuantization(
            rec.name,
            rec.weight_step,
            rec.bias_step,
            rec.weight_k,
            rec.bias_k,
            golomb.nbits(w, rec.weight_k, layout),
            golomb.nbits(b, rec.bias_k, layout),
            math.nan,
            0,
            w,
            b,
        )
        _dequantized_or_corrupt(params, mq)
        loads.append((params, mq))
        out[rec.name] = mq
    for params, mq in loads:
        _load(params, mq)
    return QuantizationResult(out, layout)


def _decode_coolchic5(
    raw: bytes, model: nn.Module, header: CoolChic5Header | None
) -> QuantizationResult:
    if not isinstance(header, CoolChic5Header):
        raise TypeError(
            "format='coolchic5' needs header=, a CoolChic5Header (the steps, orders and "
            f"padding Cool-Chic keeps in its header), got {type(header).__name__}"
        )
    pad = header.padding
    if not golomb._is_int(pad):
        raise TypeError(f"header.padding must be an int, got {pad!r}")
    if not 0 <= pad <= 7:
        raise _corrupt(f"padding {pad} is not in 0..=7")
    if not header.modules:
        raise _corrupt("the header lists no module")
    plan = []
    for name, mh in header.modules.items():
        if not isinstance(mh, ModuleHeader):
            raise TypeError(f"header.modules[{name!r}] must be a ModuleHeader")
        for what, step in (("weight", mh.weight_step), ("bias", mh.bias_step)):
            if not (golomb._is_int(step) or isinstance(step, (float, np.floating))):
                raise TypeError(f"module {name!r}: the {what} step must be a number, got {step!r}")
            if not (math.isfinite(step) and step > 0):
                raise _corrupt(f"module {name!r} has {what} step {step!r}")
        for what, k in (("weight", mh.weight_k), ("bias", mh.bias_k)):
            if not golomb._is_int(k):
                raise TypeError(f"module {name!r}: the {what} order must be an int, got {k!r}")
            if not 0 <= k <= golomb.MAX_K:
                raise _corrupt(f"module {name!r} has {what} order {k}, not in 0..=62")
        params = _model_params(model, name)
        n_w = sum(p.numel() for n, p in params if _kind(n) == "weight")
        n_b = sum(p.numel() for n, p in params if _kind(n) == "bias")
        plan.append((name, mh, params, n_w, n_b))
    orders = _concat(
        [
            np.full(n, k, np.uint8)
            for _, mh, _, n_w, n_b in plan
            for n, k in ((n_w, mh.weight_k), (n_b, mh.bias_k))
        ]
    )
    values = golomb.decode(raw, orders.size, orders, "coolchic5", header.padding)
    loads, out, at = [], {}, 0
    for name, mh, params, n_w, n_b in plan:
        w, b = values[at : at + n_w], values[at + n_w : at + n_w + n_b]
        at += n_w + n_b
        mq = ModuleQuantization(
            name,
            float(mh.weight_step),
            float(mh.bias_step),
            int(mh.weight_k),
            int(mh.bias_k),
            golomb.nbits(w, int(mh.weight_k), "coolchic5"),
            golomb.nbits(b, int(mh.bias_k), "coolchic5"),
            math.nan,
            0,
            w,
            b,
        )
        _dequantized_or_corrupt(params, mq)
        loads.append((params, mq))
        out[name] = mq
    for params, mq in loads:
        _load(params, mq)
    return QuantizationResult(out, "coolchic5")


def _corrupt(msg: str) -> Exception:
    return CorruptStreamError(f"corrupt stream: {msg}")
