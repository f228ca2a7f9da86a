"""fastrans.nnquant: greedy choice vs brute force, Cool-Chic 5.x's search and parameter
string, exact rate, bit-exact round-trips, streams no encoder writes."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from fastrans import CorruptStreamError, _param_stream, golomb
from fastrans.nnquant import (
    COOLCHIC5_ORDERS,
    COOLCHIC5_STEP_GRIDS,
    ArchitectureMismatchError,
    CoolChic5Header,
    QuantizationResult,
    decode_parameters,
    encode_parameters,
    quantize_model,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def mse_cost(x: torch.Tensor, ref: nn.Module, lmbda: float = 1e-4):  # type: ignore[no-untyped-def]
    target = ref(x).detach()

    def cost(model: nn.Module, bits: int) -> float:
        return float(((model(x) - target) ** 2).mean().detach()) + lmbda * bits

    return cost


def coolchic_bits(q: torch.Tensor, k: int) -> int:
    """Cool-Chic's formula, written independently of fastrans.golomb."""
    q = q.double().reshape(-1)
    return int((2 * torch.floor(torch.log2(q.abs() / 2**k + 1)) + k + 1 + (q != 0)).sum())


def net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 3, 1),
        nn.Flatten(),
        nn.Linear(3 * 5 * 5, 6),
    )


def test_greedy_matches_brute_force_on_a_tiny_module() -> None:
    torch.manual_seed(1)
    lin = nn.Linear(3, 2)
    x = torch.randn(8, 3)
    target = lin(x).detach()
    lmbda = 3e-4

    def cost(m: nn.Module, bits: int) -> float:
        return float(((m(x) - target) ** 2).mean().detach()) + lmbda * bits

    w_steps, b_steps, ks = [2.0**-e for e in range(0, 7)], [2.0**-e for e in range(0, 9)], range(5)
    # Brute force over every (weight step, bias step, weight k, bias k), written apart from
    # nnquant: quantize with torch, size with Cool-Chic's formula.
    ref = nn.Linear(3, 2)
    full_w, full_b = lin.weight.detach().clone(), lin.bias.detach().clone()
    best = None
    for sw, sb, kw, kb in itertools.product(w_steps, b_steps, ks, ks):
        qw, qb = torch.round(full_w / sw), torch.round(full_b / sb)
        with torch.no_grad():
            ref.weight.copy_(qw * sw)
            ref.bias.copy_(qb * sb)
        bits = coolchic_bits(qw, kw) + coolchic_bits(qb, kb)
        c = cost(ref, bits)
        if best is None or c < best[0]:
            best = (c, sw, sb, kw, kb, bits)
    assert best is not None

    result = quantize_model(lin, cost, [""], weight_steps=w_steps, bias_steps=b_steps, ks=ks)
    mq = result.modules[""]
    assert (mq.weight_step, mq.bias_step, mq.weight_k, mq.bias_k, mq.bits) == best[1:]
    assert mq.cost == pytest.approx(best[0], rel=1e-12)
    assert mq.skipped == 0
    assert torch.equal(lin.weight, torch.round(full_w / mq.weight_step) * mq.weight_step)


def test_reported_rate_is_the_bits_written() -> None:
    model = net()
    x = torch.randn(4, 2, 5, 5)
    seen: list[int] = []
    base = mse_cost(x, net())

    def cost(m: nn.Module, bits: int) -> float:
        seen.append(bits)
        return base(m, bits)

    result = quantize_model(model, cost)
    assert set(result.modules) == {"0", "2", "4"}
    data = encode_parameters(model, result)
    layout, records = _param_stream.read(data)
    assert layout == "sign_magnitude"
    total = 0
    for rec in records:
        mq = result.modules[rec.name]
        for payload, bits, k, values in (
            (rec.weight_payload, mq.weight_bits, mq.weight_k, mq.weight_values),
            (rec.bias_payload, mq.bias_bits, mq.bias_k, mq.bias_values),
        ):
            assert 8 * len(payload) - bits in range(8)  # only the last byte's padding
            assert bits == coolchic_bits(torch.from_numpy(values), k)
            n = values.size
            assert golomb.nbits(golomb.decode(payload, n, k), k) == bits
            total += bits
    assert total == result.total_bits
    assert max(seen) >= result.total_bits and result.total_bits in seen


@pytest.mark.parametrize("signed", ["sign_magnitude", "zigzag"])
def test_round_trip_is_bit_exact(signed: str) -> None:
    model = net()
    x = torch.randn(4, 2, 5, 5)
    result = quantize_model(model, mse_cost(x, net()), signed=signed)
    data = encode_parameters(model, result)
    other = net()
    for p in other.parameters():
        nn.init.normal_(p)
    back = decode_parameters(data, other)
    for (n, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert torch.equal(a, b), n
    for name, mq in result.modules.items():
        got = back.modules[name]
        assert (got.weight_step, got.bias_step, got.weight_k, got.bias_k, got.bits) == (
            mq.weight_step,
            mq.bias_step,
            mq.weight_k,
            mq.bias_k,
            mq.bits,
        )
        np.testing.assert_array_equal(got.weight_values, mq.weight_values)
        assert math.isnan(got.cost)


def test_round_trip_float64_conv1d_without_bias() -> None:
    model = nn.Sequential(nn.Conv1d(2, 3, 3, bias=False), nn.Linear(4, 2)).double()
    x = torch.randn(2, 2, 6, dtype=torch.float64)
    result = quantize_model(model, lambda m, bits: float(m(x).abs().mean()) + 1e-3 * bits)
    assert result.modules["0"].bias_bits == 0 and result.modules["0"].bias_values.size == 0
    other = nn.Sequential(nn.Conv1d(2, 3, 3, bias=False), nn.Linear(4, 2)).double()
    decode_parameters(encode_parameters(model, result), other)
    for a, b in zip(model.parameters(), other.parameters()):
        assert torch.equal(a, b)


def test_too_small_step_is_skipped_not_clipped() -> None:
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, -0.5]]))
        lin.bias.fill_(0.25)
    # 1.0 / 2^-70 = 2^70 > 2^62: that pair is not codable and must be skipped.
    r = quantize_model(
        lin, lambda m, bits: float(bits), weight_steps=[2.0**-70, 0.5], bias_steps=[0.25]
    )
    mq = r.modules[""]
    assert (mq.skipped, mq.weight_step) == (1, 0.5)
    assert mq.weight_values.tolist() == [2, -1]
    # A user bound (Cool-Chic's 65535): 1.0 / 2^-16 = 65536 is over it.
    r = quantize_model(
        lin,
        lambda m, bits: -float(bits),
        weight_steps=[2.0**-16, 2.0**-15],
        bias_steps=[0.25],
        max_value=65535,
    )
    assert (r.modules[""].skipped, r.modules[""].weight_step) == (1, 2.0**-15)
    assert lin.weight.tolist() == [[1.0, -0.5]]
    with pytest.raises(ValueError, match="larger steps"):
        quantize_model(lin, lambda m, bits: 0.0, weight_steps=[2.0**-70], bias_steps=[1.0])
    assert lin.weight.tolist() == [[1.0, -0.5]]  # left at full precision


def test_full_precision_restored_between_trials_and_modules() -> None:
    model = net()
    full = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = torch.randn(2, 2, 5, 5)
    base = mse_cost(x, net())
    w_steps = [2.0**-6, 2.0**-3, 2.0**-5]
    order = ["0", "2", "4"]

    def cost(m: nn.Module, bits: int) -> float:
        changed = [
            n for n in order if not torch.equal(m.get_submodule(n).weight, full[f"{n}.weight"])
        ]
        # Modules are done in order: the changed ones are a prefix (later ones untouched).
        assert changed == order[: len(changed)] and changed
        # The module on trial holds round(full / step) * step for a grid step, never a
        # re-quantization of an earlier trial.
        w = m.get_submodule(changed[-1]).weight
        f = full[f"{changed[-1]}.weight"]
        assert any(torch.equal(w, torch.round(f / s) * s) for s in w_steps)
        return base(m, bits)

    quantize_model(model, cost, weight_steps=w_steps, bias_steps=[2.0**-8, 1.0])

    calls = []

    def failing(m: nn.Module, bits: int) -> float:
        calls.append(bits)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return 0.0

    model = net()
    with pytest.raises(RuntimeError, match="boom"):
        quantize_model(model, failing)
    for n, p in model.named_parameters():
        assert torch.equal(p, full[n]), n


def test_stream_for_another_architecture_is_rejected() -> None:
    model = net()
    result = quantize_model(
        model, lambda m, bits: float(bits), weight_steps=[0.5], bias_steps=[0.5]
    )
    data = encode_parameters(model, result)
    wider = nn.Sequential(
        nn.Conv2d(2, 5, 3, padding=1), nn.ReLU(), nn.Conv2d(5, 3, 1), nn.Flatten(), nn.Linear(75, 6)
    )
    before = [p.detach().clone() for p in wider.parameters()]
    with pytest.raises(ArchitectureMismatchError, match="module '0'"):
        decode_parameters(data, wider)
    for a, b in zip(before, wider.parameters()):
        assert torch.equal(a, b)  # untouched
    with pytest.raises(ArchitectureMismatchError):
        decode_parameters(data, nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(ArchitectureMismatchError):
        decode_parameters(data, net().double())


def test_corrupt_stream_is_rejected() -> None:
    model = net()
    result = quantize_model(
        model, lambda m, bits: float(bits), weight_steps=[0.25], bias_steps=[0.25]
    )
    data = encode_parameters(model, result)
    target = net()
    for i in range(0, len(data), max(1, len(data) // 40)):
        bad = bytearray(data)
        bad[i] ^= 0x10
        with pytest.raises(CorruptStreamError):
            decode_parameters(bytes(bad), target)
    for cut in (0, 5, len(data) // 2, len(data) - 1):
        with pytest.raises(CorruptStreamError):
            decode_parameters(data[:cut], target)
    with pytest.raises(CorruptStreamError):
        decode_parameters(data + b"\x00", target)


def test_bad_arguments() -> None:
    model = net()

    def zero(m: nn.Module, bits: int) -> float:
        return 0.0

    with pytest.raises(ValueError, match="weight_steps is empty"):
        quantize_model(model, zero, weight_steps=[])
    with pytest.raises(ValueError, match="bias_steps holds -1.0"):
        quantize_model(model, zero, bias_steps=[-1.0])
    with pytest.raises(ValueError, match="0..=62"):
        quantize_model(model, zero, ks=[63])
    with pytest.raises(ValueError, match="ks is empty"):
        quantize_model(model, zero, ks=[])
    with pytest.raises(ValueError, match="layout"):
        quantize_model(model, zero, signed="twos")
    with pytest.raises(ValueError, match="not a submodule"):
        quantize_model(model, zero, ["nope"])
    with pytest.raises(ValueError, match="no parameters"):
        quantize_model(model, zero, ["1"])
    with pytest.raises(ValueError, match="also in module"):
        quantize_model(model, zero, ["", "0"])
    with pytest.raises(ValueError, match="max_value"):
        quantize_model(model, zero, max_value=2**63)
    with pytest.raises(ValueError, match="NaN"):
        quantize_model(model, lambda m, bits: math.nan)
    with torch.no_grad():
        model[0].bias[0] = math.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        quantize_model(model, zero)
    model = net()
    result = quantize_model(model, zero, weight_steps=[0.5], bias_steps=[0.5])
    with torch.no_grad():
        model[4].weight.add_(1e-3)
    with pytest.raises(ValueError, match="quantize_model again"):
        encode_parameters(model, result)
    with pytest.raises(TypeError, match="quantize_model returned"):
        encode_parameters(model, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        decode_parameters("not bytes", model)
    assert isinstance(result, QuantizationResult)


# --- Cool-Chic 5.x: per-module grids, sorted search, its parameter string ---------------


def cc5_bits(q: np.ndarray, k: int) -> int:
    """Length of Cool-Chic 5.x's code (v > 0 -> 2v - 1, v <= 0 -> -2v), in Python ints."""
    total = 0
    for v in q.tolist():
        u = 2 * v - 1 if v > 0 else -2 * v
        total += 2 * (u + 2**k).bit_length() - k - 1
    return total


class Toy(nn.Module):
    """Children declared out of sorted order (sorted: arm, synthesis, upsampling)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(5)
        self.upsampling = nn.ConvTranspose2d(2, 2, 4, stride=2, padding=1)
        self.synthesis = nn.Conv2d(2, 3, 3, padding=1)
        self.arm = nn.Linear(6, 2)
        with torch.no_grad():
            self.arm.weight[0, 0] = 300.0  # 300 / 2^-8 = 76800 > 65535: that step is skipped


INPUTS = {"arm": (4, 6), "synthesis": (2, 2, 4, 4), "upsampling": (2, 2, 3, 3)}


def toy_cost(lmbda: float = 2e-4):  # type: ignore[no-untyped-def]
    ref = Toy()
    torch.manual_seed(6)
    xs = {n: torch.randn(*s) for n, s in INPUTS.items()}
    targets = {n: ref.get_submodule(n)(x).detach() for n, x in xs.items()}

    def cost(m: nn.Module, bits: int) -> float:
        d = sum(
            float(((m.get_submodule(n)(x) - targets[n]) ** 2).mean().detach())
            for n, x in xs.items()
        )
        return d + lmbda * bits

    return cost


def reference_search(lmbda: float) -> dict[str, tuple[float, float, int, int, int]]:
    """Cool-Chic 5.x's loop, written apart from nnquant: modules in sorted order, its grids,
    weight steps outer, 65535 cap, first strictly lower cost, best k by the code length."""
    model, cost = Toy(), toy_cost(lmbda)
    grids = {
        "arm": ([2.0**e for e in range(-8, 1)], [2.0**e for e in range(-16, 1)]),
        "synthesis": ([2.0**e for e in range(-12, 1)], [2.0**e for e in range(-24, 1)]),
        "upsampling": ([2.0**e for e in range(-12, 1)], [1.0]),
    }
    decided, out = 0, {}
    for name in sorted(grids):
        mod = model.get_submodule(name)
        fw, fb = mod.weight.detach().clone(), mod.bias.detach().clone()
        best = None
        for sw, sb in itertools.product(*grids[name]):
            qw, qb = torch.round(fw.double() / sw), torch.round(fb.double() / sb)
            if max(qw.abs().max(), qb.abs().max()) > 65535:
                continue
            with torch.no_grad():
                mod.weight.copy_(qw * sw)
                mod.bias.copy_(qb * sb)
            iw, ib = qw.long().numpy().ravel(), qb.long().numpy().ravel()
            bw = [cc5_bits(iw, k) for k in range(13)]
            bb = [cc5_bits(ib, k) for k in range(13)]
            kw, kb = bw.index(min(bw)), bb.index(min(bb))
            c = cost(model, decided + bw[kw] + bb[kb])
            if best is None or c < best[0]:
                best = (c, sw, sb, kw, kb, bw[kw] + bb[kb], qw * sw, qb * sb)
        assert best is not None
        with torch.no_grad():
            mod.weight.copy_(best[6])
            mod.bias.copy_(best[7])
        decided += best[5]
        out[name] = best[1:6]
    return out


def test_coolchic5_grids_constant() -> None:
    g = COOLCHIC5_STEP_GRIDS
    assert set(g) == {"arm", "upsampling", "synthesis"}
    assert g["arm"]["weight"] == tuple(2.0**e for e in range(-8, 1))
    assert g["arm"]["bias"] == tuple(2.0**e for e in range(-16, 1))
    assert g["upsampling"]["weight"] == tuple(2.0**e for e in range(-12, 1))
    assert g["upsampling"]["bias"] == (1.0,)
    assert g["synthesis"]["weight"] == tuple(2.0**e for e in range(-12, 1))
    assert g["synthesis"]["bias"] == tuple(2.0**e for e in range(-24, 1))
    assert COOLCHIC5_ORDERS == tuple(range(13))


def test_one_call_reproduces_coolchic5_search() -> None:
    lmbda = 2e-4
    expected = reference_search(lmbda)
    model, base = Toy(), toy_cost(lmbda)
    full = {n: p.detach().clone() for n, p in model.named_parameters()}
    order: list[str] = []
    rates: list[int] = []

    def cost(m: nn.Module, bits: int) -> float:
        changed = [n for n in ("arm", "synthesis", "upsampling") if not torch.equal(
            m.get_submodule(n).weight, full[f"{n}.weight"])]
        if changed and (not order or order[-1] != changed[-1]):
            order.append(changed[-1])
        rates.append(bits)
        return base(m, bits)

    result = quantize_model(
        model, cost, step_grids=COOLCHIC5_STEP_GRIDS, ks=COOLCHIC5_ORDERS, signed="coolchic5"
    )
    assert order == ["arm", "synthesis", "upsampling"]  # sorted, not declaration order
    assert list(result.modules) == ["upsampling", "synthesis", "arm"]  # coding order
    got = {
        n: (m.weight_step, m.bias_step, m.weight_k, m.bias_k, m.bits)
        for n, m in result.modules.items()
    }
    assert got == expected
    assert result.modules["upsampling"].bias_step == 1.0
    assert result.modules["arm"].skipped == 17  # 2^-8 weights x 17 bias steps: over 65535
    assert result.modules["arm"].weight_step >= 2.0**-7
    # The upsampling's 13 trials see the two decided modules' bits plus their own; the
    # winner's rate is among them.
    up = result.modules["upsampling"]
    decided = result.modules["arm"].bits + result.modules["synthesis"].bits
    skipped = sum(m.skipped for m in result.modules.values())
    assert len(rates) == 9 * 17 + 13 * 25 + 13 - skipped and min(rates[-13:]) > decided
    assert decided + cc5_bits(up.weight_values, up.weight_k) + cc5_bits(up.bias_values, 0) in rates


def test_value_cap_defaults_to_65535_and_skips() -> None:
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, -0.5]]))
        lin.bias.fill_(0.25)
    seen: list[float] = []

    def cost(m: nn.Module, bits: int) -> float:
        seen.append(float(m.weight[0, 0]))
        return -float(bits)  # prefers the finest step it is allowed

    # 1.0 / 2^-16 = 65536 is over the cap; 65535 / 65535 (step 2^-16 * 65536 / 65535) not.
    r = quantize_model(lin, cost, weight_steps=[2.0**-16, 2.0**-15], bias_steps=[0.25])
    assert (r.modules[""].skipped, r.modules[""].weight_step) == (1, 2.0**-15)
    assert seen == [1.0]  # the skipped pair was never tried, nothing was clipped
    assert int(np.abs(r.modules[""].weight_values).max()) == 32768
    r = quantize_model(
        lin, cost, weight_steps=[1 / 65535, 2.0**-15], bias_steps=[0.25], max_value=65535
    )
    assert r.modules[""].skipped == 0 and r.modules[""].weight_values.tolist()[0] == 65535


def test_step_grids_per_module_and_defaults() -> None:
    model = net()
    tried: dict[str, set[tuple[float, float]]] = {"0": set(), "2": set(), "4": set()}
    full = {n: p.detach().clone() for n, p in model.named_parameters()}

    def cost(m: nn.Module, bits: int) -> float:
        for n in tried:
            w = m.get_submodule(n).weight
            if not torch.equal(w, full[f"{n}.weight"]):
                last = n
        b = m.get_submodule(last).bias
        fw, fb = full[f"{last}.weight"], full[f"{last}.bias"]
        for sw in (0.5, 0.25, 2.0**-3, 2.0**-4):
            for sb in (0.5, 2.0**-6, 2.0**-7):
                if torch.equal(m.get_submodule(last).weight, torch.round(fw / sw) * sw) and (
                    torch.equal(b, torch.round(fb / sb) * sb)
                ):
                    tried[last].add((sw, sb))
        return float(bits)

    quantize_model(
        model,
        cost,
        step_grids={"2": {"weight": [0.25, 2.0**-3]}, "4": {"bias": [2.0**-6, 2.0**-7]}},
        weight_steps=[0.5, 2.0**-4],
        bias_steps=[0.5],
    )
    assert {sw for sw, _ in tried["0"]} <= {0.5, 2.0**-4} and {sb for _, sb in tried["0"]} == {0.5}
    assert {sw for sw, _ in tried["2"]} <= {0.25, 2.0**-3} and {sb for _, sb in tried["2"]} == {0.5}
    assert {sb for _, sb in tried["4"]} <= {2.0**-6, 2.0**-7}


def test_bad_step_grids() -> None:
    model = net()

    def zero(m: nn.Module, bits: int) -> float:
        return 0.0

    with pytest.raises(ValueError, match="'arm'.*not a module"):
        quantize_model(model, zero, step_grids=COOLCHIC5_STEP_GRIDS)
    with pytest.raises(TypeError, match="step_grids"):
        quantize_model(model, zero, step_grids=[("0", {})])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step_grids"):
        quantize_model(model, zero, step_grids={"0": [0.5]})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="'weights'"):
        quantize_model(model, zero, step_grids={"0": {"weights": [0.5]}})
    with pytest.raises(ValueError, match="is empty"):
        quantize_model(model, zero, step_grids={"0": {"weight": []}})
    with pytest.raises(ValueError, match="holds 0.0"):
        quantize_model(model, zero, step_grids={"0": {"bias": [0.0]}})
    with pytest.raises(ValueError, match="holds inf"):
        quantize_model(model, zero, step_grids={"0": {"bias": [math.inf]}})
    with pytest.raises(TypeError, match="max_value"):
        quantize_model(model, zero, max_value=True)
    with pytest.raises(TypeError, match="max_value"):
        quantize_model(model, zero, max_value=65535.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_value"):
        quantize_model(model, zero, max_value=-1)
    with pytest.raises(TypeError, match="ks"):
        quantize_model(model, zero, ks=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        quantize_model(model, zero, ["0", "0"])
    for p in model.parameters():
        assert torch.isfinite(p).all()


def coolchic5_result() -> tuple[Toy, QuantizationResult]:
    model = Toy()
    result = quantize_model(
        model, toy_cost(), step_grids=COOLCHIC5_STEP_GRIDS, signed="coolchic5"
    )
    return model, result


def test_coolchic5_parameter_string() -> None:
    model, result = coolchic5_result()
    data = encode_parameters(model, result, "coolchic5")
    header = result.coolchic5_header()
    assert list(header.modules) == ["upsampling", "synthesis", "arm"]
    assert header.padding == -result.total_bits % 8 == 8 * len(data) - result.total_bits
    # The string, rebuilt bit by bit: per module its weights then biases, each value with
    # its kind's order, Cool-Chic's value map, zero padding first.
    bits = "0" * header.padding
    for mq in result.modules.values():
        for vals, k in ((mq.weight_values, mq.weight_k), (mq.bias_values, mq.bias_k)):
            for v in vals.tolist():
                u = (2 * v - 1 if v > 0 else -2 * v) + 2**k
                bits += "0" * (u.bit_length() - 1 - k) + f"{u:b}"
    assert bits == "".join(f"{b:08b}" for b in data)
    receiver = Toy()
    for p in receiver.parameters():
        nn.init.normal_(p)
    # A header parsed with numpy (numpy integers and floats) reads the same.
    np_header = CoolChic5Header(
        {
            n: dataclasses.replace(
                m,
                weight_step=np.float64(m.weight_step),
                weight_k=np.int64(m.weight_k),
                bias_k=np.uint8(m.bias_k),
            )
            for n, m in header.modules.items()
        },
        np.int32(header.padding),  # type: ignore[arg-type]
    )
    decode_parameters(data, Toy(), "coolchic5", header=np_header)
    back = decode_parameters(data, receiver, "coolchic5", header=header)
    for (n, a), (_, b) in zip(model.state_dict().items(), receiver.state_dict().items()):
        assert torch.equal(a, b), n
    assert back.signed == "coolchic5" and back.total_bits == result.total_bits
    # The container holds Cool-Chic 5.x's codes too (with each payload's padding).
    other = Toy()
    decode_parameters(encode_parameters(model, result), other)
    for a, b in zip(model.parameters(), other.parameters()):
        assert torch.equal(a, b)
    assert _param_stream.read(encode_parameters(model, result))[0] == "coolchic5"


def test_coolchic5_string_bad_input() -> None:
    model, result = coolchic5_result()
    data = encode_parameters(model, result, "coolchic5")
    header = result.coolchic5_header()
    target = Toy()
    before = [p.detach().clone() for p in target.parameters()]

    def untouched() -> None:
        for a, b in zip(before, target.parameters()):
            assert torch.equal(a, b)

    with pytest.raises(TypeError, match="header"):
        decode_parameters(data, target, "coolchic5")
    with pytest.raises(ValueError, match="header"):
        decode_parameters(encode_parameters(model, result), target, header=header)
    with pytest.raises(ValueError, match="format"):
        decode_parameters(data, target, "coolchic4", header=header)
    with pytest.raises(TypeError, match="format"):
        encode_parameters(model, result, 5)  # type: ignore[arg-type]
    with pytest.raises(CorruptStreamError):
        decode_parameters(data[:-1], target, "coolchic5", header=header)
    with pytest.raises(CorruptStreamError):
        decode_parameters(data + b"\x00", target, "coolchic5", header=header)
    wrong_pad = dataclasses.replace(header, padding=(header.padding + 1) % 8)
    with pytest.raises(CorruptStreamError):
        decode_parameters(data, target, "coolchic5", header=wrong_pad)
    mods = dict(header.modules)
    for field, bad in (
        ("weight_step", 1e308),  # finite, but the values dequantize to infinity
        ("weight_step", 0.0),
        ("bias_step", math.nan),
        ("weight_k", 63),
        ("bias_k", 255),
    ):
        m = dict(mods, arm=dataclasses.replace(mods["arm"], **{field: bad}))
        with pytest.raises(CorruptStreamError):
            decode_parameters(data, target, "coolchic5", header=CoolChic5Header(m, header.padding))
    for pad in (8, -1):
        with pytest.raises(CorruptStreamError, match="padding"):
            decode_parameters(data, target, "coolchic5", header=CoolChic5Header(mods, pad))
    for pad in (True, 1.0, None):
        with pytest.raises(TypeError, match="padding"):
            decode_parameters(data, target, "coolchic5", header=CoolChic5Header(mods, pad))  # type: ignore[arg-type]
    for field, bad in (("weight_step", "0.5"), ("bias_k", 1.0), ("weight_k", True)):
        m = dict(mods, arm=dataclasses.replace(mods["arm"], **{field: bad}))
        with pytest.raises(TypeError, match="must be"):
            decode_parameters(data, target, "coolchic5", header=CoolChic5Header(m, header.padding))
    with pytest.raises(ArchitectureMismatchError, match="'ifce'"):
        decode_parameters(
            data,
            target,
            "coolchic5",
            header=CoolChic5Header({**mods, "ifce": mods["arm"]}, header.padding),
        )
    untouched()
    # A result made for another layout cannot be written as Cool-Chic 5.x's string.
    m2 = net()
    r2 = quantize_model(m2, lambda m, bits: float(bits), weight_steps=[0.5], bias_steps=[0.5])
    with pytest.raises(ValueError, match="coolchic5"):
        encode_parameters(m2, r2, "coolchic5")
    with pytest.raises(ValueError, match="coolchic5"):
        r2.coolchic5_header()


# --- streams with a valid CRC whose fields no encoder writes ----------------------------


def rewritten(data: bytes, **changes: object) -> bytes:
    """``data`` with the first module record's fields changed, CRC recomputed."""
    layout, records = _param_stream.read(data)
    records[0] = dataclasses.replace(records[0], **changes)  # type: ignore[arg-type]
    return _param_stream.write(layout, records)


@pytest.mark.parametrize(
    "changes",
    [
        {"weight_k": 63},
        {"weight_k": 255},
        {"bias_k": 100},
        {"weight_step": 1e308},
        {"bias_step": 1e308},
        {"weight_step": math.inf},
        {"weight_step": -0.5},
        {"bias_step": math.nan},
        {"weight_step": 0.0},
    ],
)
def test_crc_valid_stream_with_impossible_fields(changes: dict[str, object]) -> None:
    model = net()
    result = quantize_model(
        model, lambda m, bits: float(bits), weight_steps=[0.25], bias_steps=[0.25]
    )
    data = rewritten(encode_parameters(model, result), **changes)
    target = net()
    before = [p.detach().clone() for p in target.parameters()]
    with pytest.raises(CorruptStreamError):
        decode_parameters(data, target)
    for a, b in zip(before, target.parameters()):
        assert torch.equal(a, b)


def test_crc_valid_stream_with_impossible_structure() -> None:
    model = net()
    result = quantize_model(
        model, lambda m, bits: float(bits), weight_steps=[0.25], bias_steps=[0.25]
    )
    data = encode_parameters(model, result)
    layout, records = _param_stream.read(data)
    specs = records[0].params
    flipped = tuple(
        dataclasses.replace(p, kind="weight" if p.kind == "bias" else "bias") for p in specs
    )
    cases = [
        _param_stream.write(layout, []),  # no module
        _param_stream.write(layout, [records[0], records[0]]),  # a module twice
        _param_stream.write(layout, [dataclasses.replace(records[0], params=())]),
        _param_stream.write(layout, [dataclasses.replace(records[0], params=specs + specs)]),
        _param_stream.write(layout, [dataclasses.replace(records[0], params=flipped)]),
        _param_stream.write("coolchic5", [dataclasses.replace(records[0], weight_padding=8)]),
    ]
    for bad in cases:
        with pytest.raises(CorruptStreamError):
            _param_stream.read(bad)
        with pytest.raises(CorruptStreamError):
            decode_parameters(bad, net())


def test_step_that_dequantizes_to_infinity_is_skipped() -> None:
    # float16's largest value, 65504, rounds to 1 x 65536 at step 2^16: infinity in float16.
    lin = nn.Linear(2, 1).half()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[65504.0, 1.0]]))
        lin.bias.zero_()
    r = quantize_model(lin, lambda m, bits: float(bits), weight_steps=[2.0**16, 32.0])
    mq = r.modules[""]
    assert (mq.skipped, mq.weight_step) == (1 * 25, 32.0)  # every bias step with 2^16
    assert torch.isfinite(lin.weight).all()
    other = nn.Linear(2, 1).half()
    decode_parameters(encode_parameters(lin, r), other)
    assert torch.equal(other.weight, lin.weight)
