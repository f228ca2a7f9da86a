"""Quantizers and parametrizers: formulas at chosen points, limits, gradients, noise laws,
the ``step`` bin width in every mode, CompressAI's LowerBound rule and state, bad inputs."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fastrans import parametrizers, quantizers
from fastrans.parametrizers import LowerBound, LowerBoundFunction, NonNegativeParametrizer
from fastrans.quantizers import (
    QUANTIZER_TYPES,
    generate_kumaraswamy_noise,
    noise_quantize,
    quantize,
    quantize_ste,
    softround,
    softround_conditional_mean,
    softround_inverse,
)

F64 = torch.float64
N_SAMPLES = 100_000


def t64(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


def ref_softround(x: float, t: float) -> float:
    """The defining formula, in plain floats."""
    fl = math.floor(x)
    d = x - fl - 0.5
    return fl + math.tanh(d / t) / (2 * math.tanh(1 / (2 * t))) + 0.5


def ref_softround_grad(x: float, t: float) -> float:
    d = x - math.floor(x) - 0.5
    return (1 / t) / math.cosh(d / t) ** 2 / (2 * math.tanh(1 / (2 * t)))


def kumaraswamy_b(a: float) -> float:
    """b such that the Kumaraswamy(a, b) mode ((a-1)/(ab-1))**(1/a) is 1/2."""
    return (2**a * (a - 1) + 1) / a


def kumaraswamy_moment(a: float, n: int) -> float:
    """E[X**n] = b B(1 + n/a, b) for X ~ Kumaraswamy(a, b)."""
    b = kumaraswamy_b(a)
    log_beta = math.lgamma(1 + n / a) + math.lgamma(b) - math.lgamma(1 + n / a + b)
    return b * math.exp(log_beta)


finite = st.floats(-1e3, 1e3, allow_nan=False)
temperatures = st.floats(0.05, 5.0)


# ---------------------------------------------------------------------------- softround


@pytest.mark.parametrize("t", [0.1, 0.3, 1.0, 4.0])
def test_softround_matches_formula_at_chosen_points(t: float) -> None:
    xs = [-1.75, -0.9, -0.5, 0.0, 0.1, 0.25, 0.5, 0.7, 1.3, 2.99, 17.4]
    got = softround(t64(*xs), t)
    want = t64(*(ref_softround(x, t) for x in xs))
    torch.testing.assert_close(got, want, rtol=0, atol=1e-14)


def test_softround_known_values() -> None:
    # t = 1/(2 atanh(1/2)) makes 2 tanh(1/(2t)) = 1, so softround(x) = floor + 1/2 + tanh(d/t).
    t = 1 / (2 * math.atanh(0.5))
    got = softround(t64(0.25, 1.75), t)
    torch.testing.assert_close(got, t64(0.5 - math.tanh(0.25 / t), 1.5 + math.tanh(0.25 / t)))
    # Half-integers are exact fixed points; integers are fixed points up to rounding (the two
    # tanh values of the ratio -1/2 are computed separately).
    for tt in (1e-3, 0.3, 1e3):
        halves = t64(-2.5, -0.5, 0.5, 7.5)
        assert torch.equal(softround(halves, tt), halves)
        ints = t64(-3.0, 0.0, 1.0, 8.0)
        torch.testing.assert_close(softround(ints, tt), ints, rtol=0, atol=1e-15)


@given(finite, temperatures, st.integers(-50, 50))
def test_softround_is_periodic_odd_and_stays_in_its_unit_interval(
    x: float, t: float, k: int
) -> None:
    xt = t64(x)
    y = softround(xt, t)
    assert math.floor(x) - 1e-12 <= y.item() <= math.floor(x) + 1 + 1e-12
    torch.testing.assert_close(softround(xt + k, t), y + k, rtol=0, atol=1e-9)
    torch.testing.assert_close(softround(-xt, t), -y, rtol=0, atol=1e-9)


@settings(max_examples=20)
@given(temperatures)
def test_softround_is_increasing(t: float) -> None:
    x = torch.linspace(-3, 3, 2001, dtype=F64)
    assert bool((softround(x, t).diff() > 0).all())


def test_softround_small_temperature_is_round() -> None:
    # Away from half-integers (|d| >= 0.01), tanh(d / 1e-4) is exactly +-1 in float64.
    x = torch.linspace(-5, 5, 1001, dtype=F64)
    x = x[(x - x.floor() - 0.5).abs() >= 0.01]
    assert torch.equal(softround(x, 1e-4), torch.round(x))
    # Far below float32's smallest normal: still round, and no NaN at half-integers.
    x32 = torch.tensor([-1.5, -0.2, 0.5, 0.6, 2.4])
    assert torch.equal(softround(x32, 1e-60), torch.tensor([-1.5, 0.0, 0.5, 1.0, 2.0]))


@pytest.mark.parametrize("t", [10.0, 100.0, 1e3, 1e6])
def test_softround_large_temperature_is_identity(t: float) -> None:
    # softround(x) - x = d (1/12 - d^2/3) / t^2 + O(t^-4), and |d (1/12 - d^2/3)| <= 0.0161.
    x = torch.linspace(-4, 4, 4001, dtype=F64)
    err = (softround(x, t) - x).abs().max().item()
    assert err <= 0.0161 / t**2 + 1e-14
    if t == 10.0:
        assert err >= 0.015 / t**2  # the bound is tight: softround is not the identity


@pytest.mark.parametrize("t", [0.1, 0.3, 2.0])
def test_softround_gradient_matches_derivative(t: float) -> None:
    xs = [-1.2, -0.5, 0.0, 0.3, 0.5, 0.75, 3.1]
    x = t64(*xs).requires_grad_()
    softround(x, t).sum().backward()
    assert x.grad is not None
    torch.testing.assert_close(x.grad, t64(*(ref_softround_grad(v, t) for v in xs)))


def test_softround_accepts_tensor_temperature() -> None:
    x = torch.linspace(-2, 2, 101, dtype=F64)
    torch.testing.assert_close(softround(x, torch.tensor(0.3, dtype=F64)), softround(x, 0.3))
    torch.testing.assert_close(
        softround_inverse(x, torch.tensor(0.3, dtype=F64)), softround_inverse(x, 0.3)
    )


# ---------------------------------------------------------------------------- inverse / mean


@pytest.mark.parametrize("t", [0.2, 0.5, 1.0, 10.0])
def test_softround_inverse_round_trips(t: float) -> None:
    x = torch.linspace(-3, 3, 601, dtype=F64) + 1e-3
    torch.testing.assert_close(softround_inverse(softround(x, t), t), x, rtol=0, atol=1e-9)
    torch.testing.assert_close(softround(softround_inverse(x, t), t), x, rtol=0, atol=1e-12)
    ints = t64(-2.0, -1.0, 0.0, 1.0, 5.0)
    torch.testing.assert_close(softround_inverse(ints, t), ints, rtol=0, atol=1e-12)


def test_softround_inverse_saturates_finitely_at_small_temperature() -> None:
    # At t = 0.01, 2 tanh(50) is 2 in float64: atanh(+-1) = +-inf is clamped to the cell edge.
    y = t64(-1.0, -0.5, 0.0, 0.0001, 0.4999, 0.5, 2.9999)
    x = softround_inverse(y, 0.01)
    assert bool(torch.isfinite(x).all())
    assert bool(((x >= y.floor()) & (x <= y.floor() + 1)).all())
    assert x[0].item() == -1.0 and x[2].item() == 0.0


@pytest.mark.parametrize("t", [0.1, 0.3, 1.0])
def test_conditional_mean_is_midpoint_of_preimage(t: float) -> None:
    y = torch.linspace(-2, 2, 401, dtype=F64)
    mid = 0.5 * (softround_inverse(y - 0.5, t) + softround_inverse(y + 0.5, t))
    torch.testing.assert_close(softround_conditional_mean(y, t), mid, rtol=0, atol=1e-9)


def test_conditional_mean_monte_carlo() -> None:
    # X ~ U(-3, 4), Z = softround(X) + U: the mean of X over samples with Z near z0.
    g = torch.Generator().manual_seed(7)
    t = 0.3
    x = torch.rand(1_000_000, generator=g, dtype=F64) * 7 - 3
    z = softround(x, t) + torch.rand(x.shape, generator=g, dtype=F64) - 0.5
    for z0 in (-0.8, 0.2, 0.45, 1.3):
        sel = (z - z0).abs() < 0.005
        assert int(sel.sum()) > 1000
        want = softround_conditional_mean(t64(z0), t).item()
        assert abs(x[sel].mean().item() - want) < 0.03


def test_conditional_mean_limits() -> None:
    y = torch.linspace(-2, 2, 401, dtype=F64)
    # t -> inf: softround is the identity, so E[X | X + U = y] = y.
    torch.testing.assert_close(softround_conditional_mean(y, 1e4), y, rtol=0, atol=1e-8)
    # t -> 0: softround is round, so X is uniform on the cell of round(y) and the mean is
    # round(y); away from half-integers the gap is t * atanh(0.98) ~ 2.3 t.
    y = y[(y - y.floor() - 0.5).abs() > 0.01]
    err = (softround_conditional_mean(y, 1e-6) - torch.round(y)).abs().max().item()
    assert err <= 2.4e-6


# ---------------------------------------------------------------------------- Kumaraswamy


def test_kumaraswamy_a1_is_the_uniform_shifted() -> None:
    u = torch.rand(N_SAMPLES, generator=torch.Generator().manual_seed(1), dtype=F64)
    torch.testing.assert_close(generate_kumaraswamy_noise(u, 1.0), u - 0.5, rtol=0, atol=1e-15)


@pytest.mark.parametrize("a", [1.0, 2.0, 5.0, 12.0])
def test_kumaraswamy_moments(a: float) -> None:
    u = torch.rand(N_SAMPLES, generator=torch.Generator().manual_seed(2), dtype=F64)
    n = generate_kumaraswamy_noise(u, a)
    m1, m2 = kumaraswamy_moment(a, 1), kumaraswamy_moment(a, 2)
    mean, var = m1 - 0.5, m2 - m1**2
    if a == 1.0:
        assert (mean, var) == pytest.approx((0.0, 1 / 12), abs=1e-15)
    se = math.sqrt(var / N_SAMPLES)
    assert abs(n.mean().item() - mean) < 5 * se
    assert n.var().item() == pytest.approx(var, rel=0.03)


@settings(deadline=None, max_examples=15)
@given(st.floats(1.2, 30.0))
def test_kumaraswamy_mode_is_one_half(a: float) -> None:
    # x(u) is the inverse CDF, so the density is du/dx: its maximum sits at noise 0.
    u = torch.linspace(1e-6, 1 - 1e-6, 20_001, dtype=F64)
    x = generate_kumaraswamy_noise(u, a)
    density = (u[1:] - u[:-1]) / (x[1:] - x[:-1])
    peak = 0.5 * (x[1:] + x[:-1])[density.argmax()]
    assert abs(peak.item()) < 2e-3


def test_kumaraswamy_histogram_peaks_at_zero() -> None:
    torch.manual_seed(3)
    n = quantize(torch.zeros(N_SAMPLES), "kumaraswamy", "none", noise_parameter=5.0)
    centre = int(((n > -0.01) & (n < 0.01)).sum())
    left = int(((n > -0.06) & (n < -0.04)).sum())
    right = int(((n > 0.04) & (n < 0.06)).sum())
    # Density ratio from the exact pdf is about 1.10 on each side; counts are ~7000 (sd ~85).
    assert centre > 1.05 * left and centre > 1.05 * right


@pytest.mark.parametrize("a", [0.3, 1.0, 3.0, 64.0])
def test_kumaraswamy_support(a: float) -> None:
    u = torch.rand(N_SAMPLES, generator=torch.Generator().manual_seed(4))
    n = generate_kumaraswamy_noise(u, a)
    assert bool(((n >= -0.5) & (n <= 0.5)).all())
    edges = generate_kumaraswamy_noise(t64(0.0, 1.0), a)
    assert edges.tolist() == [-0.5, 0.5]
    assert bool((generate_kumaraswamy_noise(torch.linspace(0, 1, 1001), a).diff() >= 0).all())


def test_kumaraswamy_accepts_tensor_parameter() -> None:
    u = torch.rand(1000, generator=torch.Generator().manual_seed(5), dtype=F64)
    torch.testing.assert_close(
        generate_kumaraswamy_noise(u, torch.tensor(3.0, dtype=F64)),
        generate_kumaraswamy_noise(u, 3.0),
    )


# ---------------------------------------------------------------------------- quantize modes


def test_quantize_defaults_are_cool_chics() -> None:
    x = torch.linspace(-3, 3, 257, dtype=F64)
    torch.manual_seed(10)
    a = quantize(x)
    torch.manual_seed(10)
    b = quantize(x, "kumaraswamy", "softround", 0.3, 1.0, 1.0)
    assert torch.equal(a, b)
    assert torch.equal(quantize(x, "none", "softround_alone"), softround(x, 0.3))


def test_quantize_softround_is_softround_noise_softround() -> None:
    x = torch.linspace(-3, 3, 257, dtype=F64)
    for noise_type, p in (("kumaraswamy", 2.0), ("gaussian", 0.4)):
        torch.manual_seed(11)
        got = quantize(x, noise_type, "softround", 0.2, p)
        torch.manual_seed(11)
        if noise_type == "kumaraswamy":
            n = generate_kumaraswamy_noise(torch.rand(x.shape, dtype=F64), p)
        else:
            n = torch.randn(x.shape, dtype=F64) * p
        torch.testing.assert_close(got, softround(softround(x, 0.2) + n, 0.2))


def test_quantize_deterministic_modes() -> None:
    x = torch.linspace(-3, 3, 257, dtype=F64)
    for noise_type in ("kumaraswamy", "gaussian", "none"):  # ignored by these modes
        assert torch.equal(quantize(x, noise_type, "hardround"), torch.round(x))
        assert torch.equal(quantize(x, noise_type, "ste", 0.7), torch.round(x))
        assert torch.equal(quantize(x, noise_type, "softround_alone", 0.7), softround(x, 0.7))
    assert torch.equal(quantize(x, "none", "none"), x)


def test_quantize_none_adds_the_noise_only() -> None:
    x = torch.linspace(-3, 3, N_SAMPLES, dtype=F64)
    torch.manual_seed(12)
    n = quantize(x, "gaussian", "none", noise_parameter=0.7) - x
    assert abs(n.mean().item()) < 5 * 0.7 / math.sqrt(N_SAMPLES)
    assert n.std().item() == pytest.approx(0.7, rel=0.02)
    torch.manual_seed(12)
    k = quantize(x, "kumaraswamy", "none") - x  # a = 1: uniform on [-1/2, 1/2)
    assert bool(((k >= -0.5) & (k < 0.5)).all())
    assert k.var().item() == pytest.approx(1 / 12, rel=0.02)


@pytest.mark.parametrize("step", [0.25, 0.3, 4.0])
@pytest.mark.parametrize("mode", QUANTIZER_TYPES)
@pytest.mark.parametrize("noise_type", ["kumaraswamy", "gaussian"])
def test_step_scales_every_mode(step: float, mode: str, noise_type: str) -> None:
    x = torch.linspace(-2, 2, 101, dtype=F64)
    torch.manual_seed(13)
    got = quantize(x * step, noise_type, mode, 0.4, 0.8, step=step)
    torch.manual_seed(13)
    want = quantize(x, noise_type, mode, 0.4, 0.8) * step
    exact = step in (0.25, 4.0)  # powers of two scale without rounding
    torch.testing.assert_close(got, want, rtol=0 if exact else 1e-12, atol=0 if exact else 1e-12)
    if mode == "hardround":
        torch.testing.assert_close(got, torch.round(x) * step)


def test_step_in_ste_and_noise_quantize() -> None:
    x = torch.linspace(-2, 2, 101, dtype=F64)
    torch.testing.assert_close(quantize_ste(x, 0.3), torch.round(x / 0.3) * 0.3)
    assert torch.equal(quantize_ste(x), torch.round(x))
    torch.manual_seed(14)
    n = noise_quantize(torch.zeros(N_SAMPLES, dtype=F64), 0.3)
    assert bool(((n >= -0.15) & (n < 0.15)).all())
    assert n.var().item() == pytest.approx(0.09 / 12, rel=0.02)
    assert abs(n.mean().item()) < 5 * 0.3 / math.sqrt(12 * N_SAMPLES)


def test_half_precision_inputs_keep_their_dtype() -> None:
    x = torch.linspace(-2, 2, 1000, dtype=torch.float16)
    for mode in QUANTIZER_TYPES:
        y = quantize(x, "kumaraswamy", mode, noise_parameter=3.0)
        assert y.dtype == torch.float16 and bool(torch.isfinite(y).all())
    assert noise_quantize(x).dtype == torch.float16


# ---------------------------------------------------------------------------- gradients


def grad_of(fn, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_()
    fn(x).sum().backward()
    assert x.grad is not None
    return x.grad


def test_ste_gradient_is_softround_derivative() -> None:
    xs = [-1.3, -0.5, 0.0, 0.2, 0.5, 0.9, 2.0]
    x = t64(*xs)
    g = grad_of(lambda v: quantize(v, "none", "ste", 0.25), x)
    torch.testing.assert_close(g, t64(*(ref_softround_grad(v, 0.25) for v in xs)))
    # With a bin width, d/dx step * softround(x / step) = softround'(x / step).
    g = grad_of(lambda v: quantize(v, "none", "ste", 0.25, step=0.5), x)
    torch.testing.assert_close(g, t64(*(ref_softround_grad(v / 0.5, 0.25) for v in xs)))


def test_mode_gradients() -> None:
    x = torch.linspace(-2, 2, 41, dtype=F64) + 0.01
    ones = torch.ones_like(x)
    assert torch.equal(grad_of(lambda v: quantize(v, "none", "hardround"), x), torch.zeros_like(x))
    assert torch.equal(grad_of(lambda v: quantize(v, "gaussian", "none"), x), ones)
    assert torch.equal(grad_of(quantize_ste, x), ones)
    assert torch.equal(grad_of(lambda v: quantize_ste(v, 0.3), x), ones)
    assert torch.equal(grad_of(noise_quantize, x), ones)
    g = grad_of(lambda v: quantize(v, "kumaraswamy", "softround", 0.3, 2.0), x)
    assert bool((g > 0).all())  # a composition of increasing functions


def test_ste_forward_is_exactly_round_with_gradients_on() -> None:
    x = torch.rand(10_000, generator=torch.Generator().manual_seed(15)) * 200 - 100
    x.requires_grad_()
    assert torch.equal(quantize(x, "none", "ste"), torch.round(x))
    assert torch.equal(quantize_ste(x), torch.round(x))


def test_quantize_compiles_without_graph_breaks() -> None:
    dynamo = pytest.importorskip("torch._dynamo")
    dynamo.reset()
    compiled = torch.compile(quantize, backend="eager", fullgraph=True)
    x = torch.linspace(-2, 2, 64, dtype=F64)
    torch.manual_seed(16)
    got = compiled(x, "kumaraswamy", "softround", 0.2, 2.0, 0.5)
    torch.manual_seed(16)
    torch.testing.assert_close(got, quantize(x, "kumaraswamy", "softround", 0.2, 2.0, 0.5))


# ---------------------------------------------------------------------------- LowerBound


def test_lower_bound_forward_and_gradient_rule() -> None:
    lb = LowerBound(0.5)
    x = t64(-1.0, 0.2, 0.5, 0.7, 3.0, -2.0, 0.4, 0.5, 1.0).requires_grad_()
    upstream = t64(1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -2.0, -3.0, -4.0)
    y = lb(x)
    torch.testing.assert_close(y, torch.clamp(x.detach(), min=0.5))
    y.backward(upstream)
    # Blocked only where x < bound and the gradient is positive (descent would push x down).
    assert x.grad is not None
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, -1.0, -2.0, -3.0, -4.0]


def test_lower_bound_function_and_state() -> None:
    lb = LowerBound(0.11)
    assert list(lb.state_dict()) == ["bound"]
    assert lb.bound.shape == (1,) and lb.bound.dtype == torch.get_default_dtype()
    assert lb.bound.item() == pytest.approx(0.11)
    lb.load_state_dict({"bound": torch.tensor([2.0])})  # a CompressAI checkpoint entry
    assert torch.equal(lb(torch.tensor([1.0, 3.0])), torch.tensor([2.0, 3.0]))
    out = LowerBoundFunction.apply(torch.tensor([-1.0, 1.0]), torch.tensor([0.0]))
    assert torch.equal(out, torch.tensor([0.0, 1.0]))


# ---------------------------------------------------------------------------- non-negative


def test_non_negative_parametrizer_state_matches_compressai() -> None:
    p = NonNegativeParametrizer(minimum=1e-6)
    assert sorted(p.state_dict()) == ["lower_bound.bound", "pedestal"]
    assert p.minimum == 1e-6 and p.reparam_offset == 2**-18
    assert p.pedestal.item() == pytest.approx(2**-36, rel=1e-6)
    assert p.lower_bound.bound.item() == pytest.approx(math.sqrt(1e-6 + 2**-36), rel=1e-6)
    q = NonNegativeParametrizer()
    q.load_state_dict(p.state_dict())
    assert torch.equal(q.lower_bound.bound, p.lower_bound.bound)


@given(st.floats(0.0, 1.0), st.lists(st.floats(-10, 10), min_size=1, max_size=20))
def test_non_negative_parametrizer_round_trip(minimum: float, values: list[float]) -> None:
    p = NonNegativeParametrizer(minimum=minimum).double()
    v = t64(*values)
    got = p(p.init(v))
    # The buffers are float32 (CompressAI's), so the floor itself is rounded to float32.
    torch.testing.assert_close(got, torch.clamp(v, min=minimum), rtol=1e-6, atol=1e-10)
    assert bool((got >= minimum * (1 - 1e-6) - 1e-10).all())


def test_non_negative_parametrizer_gradient_follows_lower_bound() -> None:
    p = NonNegativeParametrizer(minimum=0.25)  # bound is sqrt(0.25 + 2**-36) ~ 0.5
    x = torch.tensor([0.1, 0.1, 2.0], requires_grad=True)
    p(x).backward(torch.tensor([1.0, -1.0, 1.0]))
    assert x.grad is not None
    b = p.lower_bound.bound.item()
    # d/dx max(x, b)^2 = 2 max(x, b) where the gradient passes.
    torch.testing.assert_close(x.grad, torch.tensor([0.0, -2 * b, 4.0]))


def test_quantizers_reexports_parametrizers() -> None:
    assert quantizers.LowerBound is parametrizers.LowerBound
    assert quantizers.NonNegativeParametrizer is parametrizers.NonNegativeParametrizer


# ---------------------------------------------------------------------------- bad inputs

X = torch.zeros(3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quantizer_type": "round"}, "quantizer_type must be one of 'softround_alone'"),
        ({"quantizer_type": None}, "quantizer_type must be one of"),
        ({"quantizer_noise_type": "uniform"}, "quantizer_noise_type must be one of 'kumaraswamy'"),
        ({"soft_round_temperature": 0.0}, "soft_round_temperature must be finite and > 0"),
        ({"soft_round_temperature": -0.3}, "soft_round_temperature must be finite and > 0"),
        ({"soft_round_temperature": math.nan}, "soft_round_temperature"),
        ({"soft_round_temperature": math.inf}, "soft_round_temperature"),
        ({"noise_parameter": 0.0}, r"noise_parameter must be in \(0, 64\]"),
        ({"noise_parameter": 65.0}, r"noise_parameter must be in \(0, 64\]"),
        ({"noise_parameter": -1.0, "quantizer_noise_type": "gaussian"}, "noise_parameter must"),
        ({"noise_parameter": -1.0, "quantizer_type": "hardround"}, "noise_parameter must"),
        ({"step": 0.0}, "step must be a finite bin width > 0"),
        ({"step": -1.0}, "step must be a finite bin width > 0"),
        ({"step": math.inf}, "step must be a finite bin width > 0"),
        ({"quantizer_noise_type": "none"}, "quantizer_noise_type must be 'kumaraswamy' or"),
    ],
)
def test_quantize_rejects_bad_values(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        quantize(X, **kwargs)


def test_kumaraswamy_parameter_above_the_cap_is_fine_when_unused() -> None:
    # Modes without noise ignore the noise type, so only positivity is checked.
    assert torch.equal(quantize(X, "kumaraswamy", "hardround", noise_parameter=100.0), X)


@pytest.mark.parametrize(
    "call",
    [
        lambda: quantize([0.0, 1.0]),
        lambda: quantize(torch.zeros(3, dtype=torch.int64)),
        lambda: quantize(X, soft_round_temperature="0.3"),
        lambda: quantize(X, soft_round_temperature=True),
        lambda: quantize(X, noise_parameter=torch.tensor(1)),
        lambda: quantize(X, step=torch.tensor(0.5)),
        lambda: softround(torch.zeros(2, dtype=torch.int32), 0.3),
        lambda: softround_inverse(X, None),
        lambda: softround_conditional_mean(None, 0.3),
        lambda: generate_kumaraswamy_noise(torch.zeros(2, dtype=torch.uint8), 1.0),
        lambda: quantize_ste(X, step="1"),
        lambda: noise_quantize(torch.zeros(2, dtype=torch.bool)),
        lambda: LowerBound("x"),
        lambda: NonNegativeParametrizer(minimum=None),
    ],
)
def test_wrong_types_raise_type_error(call) -> None:
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: softround(X, 0.0), "t must be finite and > 0"),
        (lambda: softround_inverse(X, -1.0), "t must be finite and > 0"),
        (lambda: softround_conditional_mean(X, math.inf), "t must be finite and > 0"),
        (lambda: generate_kumaraswamy_noise(X, 0.0), r"a must be in \(0, 64\]"),
        (lambda: generate_kumaraswamy_noise(X, 1e4), r"a must be in \(0, 64\]"),
        (lambda: quantize_ste(X, 0.0), "step must be"),
        (lambda: noise_quantize(X, math.nan), "step must be"),
        (lambda: LowerBound(math.nan), "bound must be a finite number"),
        (lambda: NonNegativeParametrizer(minimum=-1.0), "minimum must be >= 0"),
        (lambda: NonNegativeParametrizer(minimum=math.inf), "minimum must be a finite"),
        (lambda: NonNegativeParametrizer(reparam_offset=0.0), "reparam_offset must be > 0"),
    ],
)
def test_bad_values_raise_value_error(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
