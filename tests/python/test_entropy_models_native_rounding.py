"""The models' general path rounds natively (``fastrans._native.encode_floats_*``): the
same bytes as the torch rounding it replaces, in both formats; decoded values are
``round(x - m) + m``; bad inputs raise what they raised before; calls the native pass
cannot reproduce (float64, broadcast means, a bin width other than 1) still go through
torch."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fastrans import _native  # noqa: E402
from fastrans.entropy_models import (  # noqa: E402
    EntropyBottleneck,
    GaussianConditional,
    LaplaceConditional,
    _base,
)
from fastrans.entropy_models.bottleneck import EntropyBottleneck as _EB  # noqa: E402
from fastrans.workloads import SCALE_TABLE  # noqa: E402

FORMATS = ["fastrans", "compressai"]


def _latent(shape=(3, 16, 8, 12), seed=0):
    g = torch.Generator().manual_seed(seed)
    scales = torch.rand(shape, generator=g) * 12 + 0.01
    means = torch.randn(shape, generator=g) * 3
    y = means + scales * torch.randn(shape, generator=g)
    # Ties (round half to even) and an escaped symbol.
    y.view(-1)[:6] = means.view(-1)[:6] + torch.tensor([0.5, -0.5, 1.5, 2.5, -2.5, 0.0])
    y.view(-1)[y.numel() // 2] = 1e7
    return y, means, scales


def _model(cls=GaussianConditional, fmt="fastrans", **kwargs):
    m = cls(None, stream_format=fmt, **kwargs)
    m.update_scale_table(torch.from_numpy(SCALE_TABLE).float())
    return m


def _bottleneck(fmt="fastrans", channels=8, **kwargs):
    eb = EntropyBottleneck(channels, stream_format=fmt, **kwargs)
    with torch.no_grad():
        eb.quantiles[:, 0, 1] = torch.linspace(-1.3, 0.7, channels)  # non-zero medians
    eb.update(force=True)
    return eb


@pytest.fixture
def calls(monkeypatch):
    """Counts the native float coder's calls, by function name."""
    seen: dict[str, int] = {}
    for name in (
        "encode_floats_with_indexes",
        "decode_floats_with_indexes",
        "encode_floats_by_channel",
        "decode_floats_by_channel",
    ):
        real = getattr(_native, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            seen[_name] = seen.get(_name, 0) + 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(_native, name, spy)
    return seen


@pytest.fixture
def torch_only(monkeypatch):
    """Switches the native pass off: the code path as it was before it."""

    def off(monkey=monkeypatch):
        monkey.setattr(_base.EntropyModel, "_compress_native", lambda *a: None)
        monkey.setattr(_base.EntropyModel, "_decompress_native", lambda *a: None)
        monkey.setattr(_EB, "_compress_channels", lambda *a: None)
        monkey.setattr(_EB, "_decompress_channels", lambda *a: None)

    return off


def _reference_bytes(m, y, idx, means, fmt):
    """What the torch path writes: torch.round in float32, then the table coder."""
    v = y - means if means is not None else y
    symbols = torch.round(v).int().numpy()
    table = m._ready_table()
    idx = idx.int().numpy()
    return [table.encode(symbols[b], idx[b], format=fmt) for b in range(y.shape[0])]


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("with_means", [True, False])
def test_indexes_not_from_build_indexes_give_the_torch_paths_bytes(
    cls, fmt, with_means, calls, torch_only
):
    y, means, scales = _latent()
    m = _model(cls, fmt)
    mu = means if with_means else None
    idx = m.build_indexes(scales).clone()  # not recognised by the fused path
    native = m.compress(y, idx, mu)
    assert calls["encode_floats_with_indexes"] == y.shape[0]
    assert native == _reference_bytes(m, y, idx, mu, fmt)
    out = m.decompress(native, idx, means=mu)
    assert calls["decode_floats_with_indexes"] == y.shape[0]
    want = torch.round(y - means) + means if with_means else torch.round(y)
    assert out.dtype == torch.float32 and torch.equal(out, want)
    # int64 indexes (another dtype, the same rows) take the native pass too.
    assert m.compress(y, idx.long(), mu) == native
    torch_only()
    assert m.compress(y, idx, mu) == native
    assert torch.equal(m.decompress(native, idx, means=mu), out)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", [(2, 8, 4, 4), (1, 8, 5), (3, 8), (2, 8, 0, 3)])
def test_bottleneck_gives_the_torch_paths_bytes(fmt, shape, calls, torch_only):
    eb = _bottleneck(fmt)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(shape, generator=g) * 4
    k = min(4, x.numel())
    x.view(-1)[:k] = torch.tensor([0.5, -0.5, 2.5, 1e6])[:k]
    medians = eb.quantiles[:, 0, 1].detach()
    native = eb.compress(x)
    assert calls["encode_floats_by_channel"] == shape[0]
    out = eb.decompress(native, shape[2:])
    assert calls["decode_floats_by_channel"] == shape[0]
    m = medians.reshape(-1, *([1] * (len(shape) - 2)))
    assert out.dtype == torch.float32 and torch.equal(out, torch.round(x - m) + m)
    torch_only()
    assert eb.compress(x) == native
    assert torch.equal(eb.decompress(native, shape[2:]), out)


def _outcome(f, *args):
    try:
        return ("ok", f(*args))
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return (type(e), str(e))


def _refused_as_before(monkeypatch, torch_only, f, *args):
    """``f(*args)`` raises a ValueError, of the type and message it raised without the
    native pass; nothing is returned."""
    with_native = _outcome(f, *args)
    with monkeypatch.context() as mp:
        torch_only(mp)
        before = _outcome(f, *args)
    assert with_native[0] != "ok" and issubclass(with_native[0], ValueError), with_native
    assert with_native == before


def _bad_cases():
    y, means, scales = _latent((2, 4, 6, 6), seed=3)
    cases = {}
    for name, at, value in [
        ("nan", (1, 2, 3, 4), float("nan")),
        ("inf", (0, 0, 0, 0), float("inf")),
        ("-inf", (1, 3, 5, 5), float("-inf")),
        ("beyond 2**30", (1, 0, 1, 2), 2.0**30 + 256),
    ]:
        bad = y.clone()
        bad[at] = value
        cases[name] = (bad, means, None)
    nan_means = means.clone()
    nan_means[0, 1, 2, 3] = float("nan")
    cases["nan means"] = (y, nan_means, None)
    cases["index out of range"] = (y, means, (1, 1, 1, 1))
    cases["negative index"] = (y, means, (0, 3, 0, 0))
    return scales, cases


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_inputs_raise_what_the_torch_path_raised(fmt, torch_only, monkeypatch):
    scales, cases = _bad_cases()
    m = _model(GaussianConditional, fmt)
    idx = m.build_indexes(scales).clone()
    for name, (y, means, bad_index) in cases.items():
        ix = idx.clone()
        if bad_index is not None:
            ix[bad_index] = -1 if name == "negative index" else m._ready_table().num_tables
        _refused_as_before(monkeypatch, torch_only, m.compress, y, ix, means)
    # decompress: an index out of range, a damaged stream.
    y, means, _ = cases["nan means"]
    data = m.compress(y, idx, None)
    ix = idx.clone()
    ix[0, 0, 0, 0] = m._ready_table().num_tables
    for strings, ixs in [(data, ix), ([data[0][:-3], data[1]], idx)]:
        _refused_as_before(monkeypatch, torch_only, m.decompress, strings, ixs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_bottleneck_inputs_raise_what_the_torch_path_raised(fmt, torch_only, monkeypatch):
    eb = _bottleneck(fmt)
    x = torch.randn(2, 8, 3, 3)
    for value in (float("nan"), float("inf"), -(2.0**31)):
        bad = x.clone()
        bad[1, 4, 2, 0] = value
        _refused_as_before(monkeypatch, torch_only, eb.compress, bad)
    data = eb.compress(x)
    damaged = [data[0], data[1][:-2]]
    _refused_as_before(monkeypatch, torch_only, eb.decompress, damaged, (3, 3))


def test_calls_the_native_pass_cannot_reproduce_go_through_torch(calls):
    y, means, scales = _latent((2, 4, 5, 5), seed=7)
    m = _model()
    idx = m.build_indexes(scales).clone()
    table = m._ready_table()
    # float64 inputs: torch rounds the float64 difference.
    y64, m64 = y.double() * 1.0001, means.double()
    data = m.compress(y64, idx, m64)
    sym = torch.round(y64 - m64).int().numpy()
    assert data == [table.encode(sym[b], idx[b].int().numpy()) for b in range(2)]
    assert torch.equal(m.decompress(data, idx, means=m64), torch.round(y64 - m64) + m64)
    # Broadcast means.
    mb = means[:, :, :1, :1].contiguous()
    data = m.compress(y, idx, mb)
    sym = torch.round(y - mb).int().numpy()
    assert data == [table.encode(sym[b], idx[b].int().numpy()) for b in range(2)]
    assert torch.equal(m.decompress(data, idx, means=mb), torch.round(y - mb) + mb)
    # A float64 result without means.
    out = m.decompress(data, idx, dtype=torch.float64)
    assert out.dtype == torch.float64
    assert calls == {}
    # A bin width other than 1.
    ms = _model(step=0.5)
    idx2 = ms.build_indexes(scales).clone()
    data = ms.compress(y, idx2, means)
    back = ms.decompress(data, idx2, means=means)
    assert torch.equal(back, torch.round((y - means) / 0.5) * 0.5 + means)
    eb = _bottleneck(step=0.25)
    x = torch.randn(2, 8, 3, 3)
    out = eb.decompress(eb.compress(x), (3, 3))
    med = eb.quantiles[:, 0, 1].detach().reshape(-1, 1, 1)
    assert torch.equal(out, torch.round((x - med) / 0.25) * 0.25 + med)
    # float64 values for a bottleneck (torch subtracts the medians in float64).
    eb64 = _bottleneck()
    x64 = x.double() + 1e-9
    med = eb64.quantiles[:, 0, 1].detach().reshape(-1, 1, 1)
    out = eb64.decompress(eb64.compress(x64), (3, 3))
    assert torch.equal(out, torch.round(x64 - med.double()).float() + med)
    # (Its float32 medians still decode natively: decoding never sees the values.)
    assert calls == {"decode_floats_by_channel": 2}


def test_results_land_on_the_models_device_and_dtype(calls):
    y, means, scales = _latent((1, 4, 3, 3), seed=2)
    m = _model()
    idx = m.build_indexes(scales).clone()
    data = m.compress(y, idx, means)
    out = m.decompress(data, idx, means=means)
    assert out.device == means.device and out.dtype == torch.float32
    out = m.decompress(m.compress(y, idx), idx)
    assert out.device == idx.device and out.dtype == torch.float32
    assert isinstance(out, torch.Tensor) and np.array_equal(out.numpy(), torch.round(y).numpy())


@pytest.mark.parametrize("fmt", FORMATS)
def test_bottleneck_medians_follow_in_place_writes(fmt, torch_only, monkeypatch):
    eb = _bottleneck(fmt)
    x = torch.randn(2, 8, 3, 3) * 3
    first = eb.compress(x)
    with torch.no_grad():
        eb.quantiles[:, 0, 1] += 0.5  # an optimiser-style in-place step
    eb.update(force=True)
    native = eb.compress(x)
    out = eb.decompress(native, (3, 3))
    med = eb.quantiles[:, 0, 1].detach().reshape(-1, 1, 1)
    assert torch.equal(out, torch.round(x - med) + med)
    with monkeypatch.context() as mp:
        torch_only(mp)
        assert eb.compress(x) == native
    assert native != first
