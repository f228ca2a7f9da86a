"""fastrans.entropy_models: CompressAI conformance, state_dict compatibility, likelihood
formulas, bin widths, stale-table detection, bad inputs, batches and torch.compile."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import EB_KEYS
from torch import nn

import fastrans
from fastrans.entropy_models import (
    EntropyBottleneck,
    EntropyModel,
    GaussianConditional,
    GaussianMixtureConditional,
    LaplaceConditional,
    StaleTablesError,
)

SCALE_TABLE = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()


pytestmark = pytest.mark.usefixtures("one_torch_thread")



GC_KEYS = [
    "_offset", "_quantized_cdf", "_cdf_length", "scale_table", "scale_bound",
    "likelihood_lower_bound.bound", "lower_bound_scale.bound",
]  # fmt: skip


def phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def eb_from_vectors(vectors, **kwargs) -> EntropyBottleneck:
    """A 32-channel EntropyBottleneck holding CompressAI's tables, loaded by load_state_dict."""
    eb = EntropyBottleneck(32, stream_format="compressai", **kwargs)
    sd = eb.state_dict()
    sd["_quantized_cdf"] = torch.from_numpy(vectors["eb_cdf"])
    sd["_cdf_length"] = torch.from_numpy(vectors["eb_cdf_length"])
    sd["_offset"] = torch.from_numpy(vectors["eb_offset"])
    q = sd["quantiles"].clone()
    q[:, 0, 1] = torch.from_numpy(vectors["eb_medians"]).reshape(-1)
    sd["quantiles"] = q
    eb.load_state_dict(sd)
    return eb


def trained_eb(channels: int = 4, step: float = 1.0, **kwargs) -> EntropyBottleneck:
    torch.manual_seed(0)
    eb = EntropyBottleneck(channels, step=step, stream_format="compressai", **kwargs)
    return eb


def gc(cls=GaussianConditional, **kwargs):
    kwargs.setdefault("stream_format", "compressai")
    m = cls(SCALE_TABLE, **kwargs)
    m.update()
    return m


# ---------------------------------------------------------------- CompressAI conformance


def test_eb_stream_is_compressais_bytes(vectors) -> None:
    eb = eb_from_vectors(vectors)
    z = torch.from_numpy(vectors["eb_z"])
    strings = eb.compress(z)
    assert strings == [vectors["eb_bytes"].tobytes()]
    z_hat = eb.decompress(strings, z.shape[2:])
    assert z_hat.dtype == torch.float32
    assert torch.equal(z_hat, torch.from_numpy(vectors["eb_zhat"]))


def test_gc_update_builds_compressais_tables(vectors) -> None:
    m = GaussianConditional(vectors["gc_scale_table"].tolist())
    assert m.update() is True
    assert np.array_equal(m._quantized_cdf.numpy(), vectors["gc_cdf"])
    assert np.array_equal(m._cdf_length.numpy(), vectors["gc_cdf_length"])
    assert np.array_equal(m._offset.numpy(), vectors["gc_offset"])
    assert m._quantized_cdf.dtype == m._offset.dtype == m._cdf_length.dtype == torch.int32


def test_gc_stream_matches_conformance_stream(vectors) -> None:
    m = GaussianConditional(vectors["gc_scale_table"].tolist(), stream_format="compressai")
    m.update()
    sym, idx = vectors.ragged("gc_sym")[0], vectors.ragged("gc_idx")[0]
    x = torch.from_numpy(sym.astype(np.float32))[None]
    strings = m.compress(x, torch.from_numpy(idx.astype(np.int32))[None])
    assert strings == [vectors.ragged("gc_bytes")[0].tobytes()]


# ---------------------------------------------------------------- state_dict


def test_state_dict_keys_are_compressais() -> None:
    assert list(EntropyBottleneck(8).state_dict()) == EB_KEYS
    assert list(GaussianConditional(None).state_dict()) == GC_KEYS
    assert list(LaplaceConditional(None).state_dict()) == GC_KEYS
    assert list(GaussianMixtureConditional().state_dict()) == GC_KEYS
    sd = EntropyBottleneck(8, filters=(2,)).state_dict()
    assert list(sd) == [
        "quantiles", "_offset", "_quantized_cdf", "_cdf_length", "target",
        "likelihood_lower_bound.bound", "matrices.0", "matrices.1", "biases.0", "biases.1",
        "factors.0",
    ]  # fmt: skip
    assert sd["matrices.0"].shape == (8, 2, 1) and sd["matrices.1"].shape == (8, 1, 2)
    assert sd["quantiles"].shape == (8, 1, 3)
    assert torch.equal(sd["target"], torch.tensor([-math.log(2e9 - 1), 0, math.log(2e9 - 1)]))


def test_load_state_dict_resizes_buffers_through_a_parent() -> None:
    torch.manual_seed(1)
    src = nn.Module()
    src.eb = EntropyBottleneck(6, stream_format="compressai")
    src.gc = GaussianConditional(None, stream_format="compressai")
    src.eb.update()
    src.gc.update_scale_table(SCALE_TABLE[:40])
    dst = nn.Module()
    dst.eb = EntropyBottleneck(6, stream_format="compressai")
    dst.gc = GaussianConditional(SCALE_TABLE, stream_format="compressai")
    dst.gc.update()
    dst.load_state_dict(src.state_dict())  # plain load: empty / larger buffers resize
    assert dst.gc.scale_table.shape == (40,)
    assert dst.gc._quantized_cdf.shape == src.gc._quantized_cdf.shape
    x = torch.randn(2, 6, 5, 3) * 4
    assert dst.eb.compress(x) == src.eb.compress(x)
    assert not dst.eb.tables_are_stale() and not dst.gc.tables_are_stale()
    y, s = torch.randn(2, 3, 4, 4) * 3, torch.rand(2, 3, 4, 4) * 5
    assert dst.gc.compress(y, dst.gc.build_indexes(s)) == src.gc.compress(
        y, src.gc.build_indexes(s)
    )
    _, lik_src = src.eb(x, training=False)
    _, lik_dst = dst.eb(x, training=False)
    assert torch.equal(lik_src, lik_dst)


def test_pickle_and_deepcopy_keep_tables() -> None:
    m = gc()
    y, s = torch.randn(1, 2, 3, 3), torch.rand(1, 2, 3, 3) + 0.2
    expected = m.compress(y, m.build_indexes(s))
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert clone.compress(y, clone.build_indexes(s)) == expected


# ---------------------------------------------------------------- likelihoods and step


@pytest.mark.parametrize("step", [1.0, 0.5, 2.0])
def test_gaussian_likelihood_is_the_bin_mass(step: float) -> None:
    m = GaussianConditional(None, step=step, likelihood_bound=0)
    x = torch.tensor([[0.1, -1.3, 2.6, 7.0]], dtype=torch.float64)
    scales = torch.tensor([[0.7, 1.5, 0.05, 3.0]], dtype=torch.float64)
    means = torch.tensor([[0.2, -0.4, 2.0, 1.0]], dtype=torch.float64)
    out, lik = m(x, scales, means, training=False)
    for i in range(4):
        q = round((x[0, i].item() - means[0, i].item()) / step)
        assert out[0, i].item() == pytest.approx(q * step + means[0, i].item(), abs=1e-12)
        s = max(
            scales[0, i].item() / step, float(np.float32(0.11))
        )  # the bound is a float32 buffer
        expected = phi((q + 0.5) / s) - phi((q - 0.5) / s)
        assert lik[0, i].item() == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_laplace_likelihood_is_the_bin_mass() -> None:
    m = LaplaceConditional(None, step=0.5, likelihood_bound=0)
    x = torch.tensor([[0.0, 0.6, -2.2]], dtype=torch.float64)
    b = torch.tensor([[1.0, 0.3, 2.0]], dtype=torch.float64)

    def cdf(t: float) -> float:
        return 0.5 * math.exp(t) if t < 0 else 1 - 0.5 * math.exp(-t)

    _, lik = m(x, b, training=False)
    for i in range(3):
        q = round(x[0, i].item() / 0.5)
        s = b[0, i].item() / 0.5
        assert lik[0, i].item() == pytest.approx(cdf((q + 0.5) / s) - cdf((q - 0.5) / s), rel=1e-9)


def test_likelihoods_sum_to_one_over_bins() -> None:
    step = 0.25
    grid = torch.arange(-400, 401, dtype=torch.float64)[None] * step + 0.3
    for cls in (GaussianConditional, LaplaceConditional):
        m = cls(None, step=step, likelihood_bound=0)
        _, lik = m(grid, torch.full_like(grid, 2.0), torch.full_like(grid, 0.3), training=False)
        assert lik.sum().item() == pytest.approx(1.0, abs=1e-6)
    eb = EntropyBottleneck(1, step=step, likelihood_bound=0).double()
    _, lik = eb(grid.reshape(1, 1, -1), training=False)
    assert lik.sum().item() == pytest.approx(1.0, abs=1e-4)


def test_eb_likelihood_is_the_density_difference() -> None:
    torch.manual_seed(3)
    eb = EntropyBottleneck(2, step=0.5, likelihood_bound=0)
    x = torch.randn(3, 2, 4)
    out, lik = eb(x, training=False)
    med = eb.quantiles[:, 0, 1].detach().reshape(1, 2, 1)
    assert torch.allclose(out, torch.round((x - med) / 0.5) * 0.5 + med)
    v = out.permute(1, 0, 2).reshape(2, 1, -1)
    up = eb._logits_cumulative(v + 0.25, stop_gradient=True)
    lo = eb._logits_cumulative(v - 0.25, stop_gradient=True)
    direct = (torch.sigmoid(up) - torch.sigmoid(lo)).reshape(2, 3, 4).permute(1, 0, 2)
    assert torch.allclose(lik, direct, rtol=1e-6, atol=0)


def test_training_noise_has_the_bin_width() -> None:
    torch.manual_seed(0)
    m = GaussianConditional(None, step=0.25)
    x = torch.zeros(1, 20000)
    out, _ = m(x, torch.ones_like(x), training=True)
    assert out.abs().max().item() <= 0.125
    assert out.abs().max().item() > 0.12
    assert torch.equal(
        m.quantize(torch.tensor([0.3, -0.2]), "symbols"), torch.tensor([1, -1], dtype=torch.int32)
    )
    assert torch.equal(m.quantize(torch.tensor([0.3]), "dequantize"), torch.tensor([0.25]))


@pytest.mark.parametrize("step", [0.5, 3.0])
def test_step_round_trips_equal_forward(step: float) -> None:
    torch.manual_seed(4)
    eb = EntropyBottleneck(3, step=step, stream_format="compressai")
    eb.update()
    x = torch.randn(2, 3, 5, 4) * 6
    assert torch.equal(eb.decompress(eb.compress(x), x.shape[2:]), eb(x, training=False)[0])
    for cls in (GaussianConditional, LaplaceConditional):
        m = gc(cls, step=step)
        y, s, mu = torch.randn(2, 3, 4, 4) * 5, torch.rand(2, 3, 4, 4) * 4, torch.randn(2, 3, 4, 4)
        idx = m.build_indexes(s)
        y_hat = m.decompress(m.compress(y, idx, mu), idx, means=mu)
        assert torch.allclose(y_hat, m(y, s, mu, training=False)[0], atol=1e-5)
        assert torch.equal(idx, GaussianConditional.build_indexes(gc(), s / step))


def test_eb_update_step_one_equals_compressai_arithmetic() -> None:
    torch.manual_seed(5)
    eb = EntropyBottleneck(3)
    eb.update()
    med = eb.quantiles[:, 0, 1]
    minima = torch.clamp(torch.ceil(med - eb.quantiles[:, 0, 0]).int(), min=0)
    maxima = torch.clamp(torch.ceil(eb.quantiles[:, 0, 2] - med).int(), min=0)
    assert torch.equal(eb._offset, -minima)
    assert torch.equal(eb._cdf_length, maxima + minima + 3)
    samples = (
        torch.arange(int((maxima + minima + 1).max()))[None, :] + (med - minima)[:, None, None]
    )
    pmf, lo, up = eb._likelihood(samples, stop_gradient=True)
    tail = torch.sigmoid(lo[:, 0, :1]) + torch.sigmoid(-up[:, 0, -1:])
    for c in range(3):
        n = int(maxima[c] + minima[c] + 1)
        prob = torch.cat((pmf[c, 0, :n], tail[c]))
        cdf = fastrans.pmf_to_quantized_cdf(prob.detach().numpy())
        assert np.array_equal(eb._quantized_cdf[c, : n + 2].numpy(), cdf)


# ---------------------------------------------------------------- stale and missing tables


def test_unupdated_models_raise() -> None:
    eb = EntropyBottleneck(2, stream_format="compressai")
    with pytest.raises(StaleTablesError, match="call update"):
        eb.compress(torch.zeros(1, 2, 2, 2))
    with pytest.raises(StaleTablesError, match="call update"):
        eb.decompress([b"\0" * 8], (2, 2))
    m = GaussianConditional(SCALE_TABLE, stream_format="compressai")
    with pytest.raises(StaleTablesError, match="call update"):
        m.compress(torch.zeros(1, 4), torch.zeros(1, 4, dtype=torch.int32))
    with pytest.raises(ValueError, match="update_scale_table"):
        GaussianConditional(None).update()
    with pytest.raises(ValueError, match="update_scale_table"):
        GaussianConditional(None).build_indexes(torch.ones(1, 2))


def test_stale_tables_are_detected_after_training() -> None:
    torch.manual_seed(6)
    eb = EntropyBottleneck(3, stream_format="compressai")
    assert eb.update() is True
    assert eb.update() is False  # fresh: nothing to do
    x = torch.randn(1, 3, 4, 4)
    eb.compress(x)
    opt = torch.optim.SGD(eb.parameters(), lr=0.1)
    _, lik = eb(x, training=True)
    (-lik.log2().sum() + eb.loss()).backward()
    opt.step()
    assert eb.tables_are_stale()
    with pytest.raises(StaleTablesError, match="stale"):
        eb.compress(x)
    assert eb.update() is True  # needed, so never a silent no-op
    assert eb.decompress(eb.compress(x), (4, 4)).shape == x.shape
    eb.double()  # same values in another dtype: still fresh
    assert not eb.tables_are_stale()


def test_stale_scale_table_is_detected() -> None:
    m = gc()
    with torch.no_grad():
        m.scale_table[3] *= 1.01
    with pytest.raises(StaleTablesError, match="stale"):
        m.compress(torch.zeros(1, 2), torch.zeros(1, 2, dtype=torch.int32))
    assert m.update() is True and m.update() is False
    assert m.update_scale_table(m.scale_table.tolist()) is False
    assert m.update_scale_table(SCALE_TABLE[:10]) is True
    assert m._quantized_cdf.shape[0] == 10


def test_hand_edited_tables_rebuild_the_native_table() -> None:
    m = gc()
    y, idx = torch.tensor([[0.0, 1.0, -2.0]]), torch.tensor([[5, 5, 5]], dtype=torch.int32)
    before = m.compress(y, idx)
    m.update(force=True)
    with torch.no_grad():
        m._offset[5] -= 1  # in place: the cached native table must not be reused
    assert m.compress(y, idx) != before


def test_failed_update_scale_table_leaves_tables_alone() -> None:
    m = gc()
    snapshot = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(ValueError, match="increasing"):
        m.update_scale_table([0.5, 0.2])
    with pytest.raises(ValueError, match="increasing"):
        m.update_scale_table([0.5, float("nan")])
    for k, v in m.state_dict().items():
        assert torch.equal(v, snapshot[k])


# ---------------------------------------------------------------- bad inputs


def test_bad_inputs_raise_exact_types() -> None:
    m = gc()
    y = torch.randn(2, 3, 4)
    s = torch.rand(2, 3, 4) + 0.1
    idx = m.build_indexes(s)
    with pytest.raises(ValueError, match="does not broadcast"):
        m(y, torch.rand(2, 4, 4))
    with pytest.raises(ValueError, match="does not broadcast"):
        m(y, s, torch.zeros(3, 3, 4))
    with pytest.raises(ValueError, match="one index per element"):
        m.compress(y, idx[:, :2])
    with pytest.raises(ValueError, match="at least 2"):
        m.compress(y[0, 0], idx[0, 0])
    assert m.build_indexes(-s).eq(0).all()  # CompressAI's bound: row 0
    with pytest.raises(ValueError, match="NaN"):
        m.build_indexes(
            s.masked_fill(
                torch.zeros_like(s, dtype=torch.bool).index_fill_(2, torch.tensor([1]), True),
                float("nan"),
            )
        )
    with pytest.raises(TypeError, match="floating-point"):
        m.build_indexes(torch.ones(2, 2, dtype=torch.int32))
    with pytest.raises(ValueError, match="outside the table"):
        m.compress(y, torch.full_like(idx, 64))
    with pytest.raises(ValueError, match="outside the table"):
        m.decompress([b"\0" * 8] * 2, torch.full_like(idx, -1))
    with pytest.raises(ValueError, match="NaN or infinite"):
        m.compress(y.masked_fill(y > 0, float("inf")), idx)
    with pytest.raises(ValueError, match="NaN or infinite"):
        m.compress(y, idx, torch.full_like(y, float("nan")))
    strings = m.compress(y, idx)
    with pytest.raises(ValueError, match="one string per batch item"):
        m.decompress(strings[:1], idx)
    with pytest.raises(TypeError, match="list of bytes"):
        m.decompress(strings[0], idx)
    with pytest.raises(TypeError, match=r"strings\[1\] must be bytes"):
        m.decompress([strings[0], "x"], idx)
    with pytest.raises(fastrans.CorruptStreamError):
        m.decompress([strings[0][:3], strings[1]], idx)
    with pytest.raises(TypeError, match="torch.Tensor"):
        m.compress(y.numpy(), idx)
    with pytest.raises(ValueError, match="symbols must stay"):
        m.compress(y * 1e12, idx)


def test_bad_constructor_and_mode_arguments() -> None:
    with pytest.raises(ValueError, match="stream_format"):
        GaussianConditional(None, stream_format="zip")
    with pytest.raises(ValueError, match="entropy_coder"):
        EntropyBottleneck(2, entropy_coder="rangecoder")
    with pytest.raises(ValueError, match="step"):
        EntropyBottleneck(2, step=0)
    with pytest.raises(TypeError, match="step"):
        EntropyBottleneck(2, step="1")
    with pytest.raises(ValueError, match="channels"):
        EntropyBottleneck(0)
    with pytest.raises(ValueError, match="increasing"):
        GaussianConditional([0.2, 0.1])
    with pytest.raises(ValueError, match="empty"):
        GaussianConditional([])
    with pytest.raises(TypeError, match="scale_table"):
        GaussianConditional("0.1")
    with pytest.raises(ValueError, match="scale_bound"):
        GaussianConditional(None, scale_bound=-1)
    with pytest.raises(ValueError, match="entropy_coder_precision"):
        GaussianConditional(None, entropy_coder_precision=17)
    with pytest.raises(ValueError, match="K must"):
        GaussianMixtureConditional(K=0)
    with pytest.raises(ValueError, match="mode"):
        GaussianConditional(None).quantize(torch.zeros(1), "floor")
    eb = EntropyBottleneck(2)
    with pytest.raises(ValueError, match=r"expected \(batch, 2"):
        eb(torch.zeros(1, 3, 2))
    with pytest.raises(ValueError, match=r"expected \(batch, 2"):
        eb.compress(torch.zeros(1, 3, 2))
    assert isinstance(eb, EntropyModel)


def test_strings_from_another_table_decode_garbage_in_compressai_format() -> None:
    # Documented limit: CompressAI's stream carries no table identity.
    a, b = gc(), gc(cls=LaplaceConditional)
    y, s = torch.randn(1, 64) * 3, torch.rand(1, 64) * 3 + 0.2
    ia, ib = a.build_indexes(s), b.build_indexes(s)
    try:
        out = b.decompress(a.compress(y, ia), ib)
    except fastrans.CorruptStreamError:
        return
    assert not torch.equal(out, torch.round(y))


def test_strings_from_another_table_raise_in_fastrans_format() -> None:
    a = gc(stream_format="fastrans")
    b = gc(cls=LaplaceConditional, stream_format="fastrans")
    y, s = torch.randn(2, 16) * 3, torch.rand(2, 16) * 3 + 0.2
    idx = a.build_indexes(s)
    strings = a.compress(y, idx)
    assert torch.equal(a.decompress(strings, idx), torch.round(y))
    with pytest.raises(fastrans.TableMismatchError):
        b.decompress(strings, b.build_indexes(s))
    eb = EntropyBottleneck(16, stream_format="fastrans")
    eb.update()
    z = torch.randn(2, 16, 3, 3)
    assert torch.equal(eb.decompress(eb.compress(z), (3, 3)), eb(z, training=False)[0])


# ---------------------------------------------------------------- batches, mixture


def test_batches_code_each_item_alone() -> None:
    torch.manual_seed(7)
    eb = trained_eb(4)
    eb.update()
    z = torch.randn(3, 4, 5, 5) * 3
    strings = eb.compress(z)
    assert len(strings) == 3
    assert [eb.compress(z[i : i + 1])[0] for i in range(3)] == strings
    assert torch.equal(eb.decompress(strings, (5, 5)), eb(z, training=False)[0])
    assert eb.compress(z[:0]) == [] and eb.decompress([], (5, 5)).shape == (0, 4, 5, 5)
    for cls in (GaussianConditional, LaplaceConditional):
        m = gc(cls)
        y, s, mu = torch.randn(3, 2, 6) * 4, torch.rand(3, 2, 6) * 3, torch.randn(3, 2, 6)
        idx = m.build_indexes(s)
        strings = m.compress(y, idx, mu)
        assert [
            m.compress(y[i : i + 1], idx[i : i + 1], mu[i : i + 1])[0] for i in range(3)
        ] == strings
        assert torch.equal(m.decompress(strings, idx, means=mu), m(y, s, mu, training=False)[0])


def mixture_params(b: int, m: int, k: int, hw: tuple[int, int]):
    torch.manual_seed(8)
    scales = torch.rand(b, k * m, *hw) * 3 + 0.05
    means = torch.randn(b, k * m, *hw) * 2
    w = torch.softmax(torch.randn(b, k, m, *hw), dim=1).reshape(b, k * m, *hw)
    return scales, means, w


@pytest.mark.parametrize("step", [1.0, 0.5])
def test_mixture_round_trips_batches(step: float) -> None:
    gmc = GaussianMixtureConditional(K=3, stream_format="compressai", step=step)
    scales, means, w = mixture_params(3, 4, 3, (5, 6))
    y = means[:, :4] + torch.randn(3, 4, 5, 6)
    y[:, 2] = 0.1  # an all-zero channel is skipped
    (strings, abs_max, bitmap), y_hat = gmc.compress(y, scales, means, w)
    assert len(strings) == 3 and bitmap.tolist() == [1, 1, 0, 1]
    assert torch.equal(y_hat, gmc(y, scales, means, w, training=False)[0])
    out = gmc.decompress(strings, abs_max, bitmap, scales, means, w)
    assert torch.equal(out, y_hat)
    (one, _, _), _ = gmc.compress(y[1:2], scales[1:2], means[1:2], w[1:2])
    assert len(one) == 1


def test_mixture_likelihood_is_the_weighted_sum() -> None:
    gmc = GaussianMixtureConditional(K=2, likelihood_bound=0)
    scales, means, w = mixture_params(1, 3, 2, (2, 2))
    y = torch.randn(1, 3, 2, 2) * 2
    _, lik = gmc(y, scales, means, w, training=False)
    q = torch.round(y)
    expected = torch.zeros_like(y)
    for k in range(2):
        sk, mk, wk = (t[:, 3 * k : 3 * k + 3] for t in (scales, means, w))
        sk = sk.clamp(min=0.11)
        cdf = lambda v: 0.5 * torch.erfc(-v / math.sqrt(2))  # noqa: E731
        expected += wk * (cdf((q - mk + 0.5) / sk) - cdf((q - mk - 0.5) / sk))
    assert torch.allclose(lik, expected, rtol=1e-5, atol=1e-7)


def test_mixture_rate_matches_likelihoods() -> None:
    gmc = GaussianMixtureConditional(K=3, stream_format="compressai")
    scales, means, w = mixture_params(2, 8, 3, (8, 8))
    comp = torch.randint(0, 3, (2, 1, 8, 8, 8))
    pick = lambda t: t.reshape(2, 3, 8, 8, 8).gather(1, comp).squeeze(1)  # noqa: E731
    y = pick(means) + pick(scales) * torch.randn(2, 8, 8, 8)
    _, lik = gmc(y, scales, means, w, training=False)
    (strings, _, _), _ = gmc.compress(y, scales, means, w)
    for i, s in enumerate(strings):
        bits = -torch.log2(lik[i]).sum().item()
        assert len(s) <= bits / 8 * 1.01 + 16


def test_mixture_bad_inputs() -> None:
    gmc = GaussianMixtureConditional(K=2, stream_format="compressai")
    scales, means, w = mixture_params(2, 3, 2, (2, 2))
    y = torch.randn(2, 3, 2, 2)
    with pytest.raises(ValueError, match="K \\* M channels"):
        gmc(y, scales[:, :5], means, w)
    with pytest.raises(ValueError, match="K \\* M channels"):
        gmc.compress(y[:1], scales, means, w)
    # Scales below scale_bound (zero, negative) are bounded, as GaussianConditional's.
    (strings, abs_max, bitmap), y_hat = gmc.compress(y, -scales, means, w)
    assert torch.equal(gmc.decompress(strings, abs_max, bitmap, -scales, means, w), y_hat)
    with pytest.raises(ValueError, match="NaN or infinite"):
        gmc.compress(y, scales.clone().fill_(math.inf), means, w)
    with pytest.raises(ValueError, match="weights hold a negative"):
        gmc.compress(y, scales, means, -w)
    (strings, abs_max, bitmap), _ = gmc.compress(y, scales, means, w)
    with pytest.raises(ValueError, match="zero_bitmap"):
        gmc.decompress(strings, abs_max, bitmap[:2], scales, means, w)
    with pytest.raises(ValueError, match="one string per batch item"):
        gmc.decompress(strings[:1], abs_max, bitmap, scales, means, w)
    with pytest.raises(ValueError, match="abs_max"):
        gmc.decompress(strings, -1, bitmap, scales, means, w)


# ---------------------------------------------------------------- torch.compile, devices


def test_forward_compiles() -> None:
    torch.manual_seed(9)
    eb = EntropyBottleneck(4)
    m = GaussianConditional(None)
    gmc = GaussianMixtureConditional(K=2)
    z, y = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    s = torch.rand(2, 4, 3, 3) + 0.2
    scales, means, w = mixture_params(2, 4, 2, (3, 3))
    for module, args in ((eb, (z,)), (m, (y, s)), (gmc, (y, scales, means, w))):
        module.eval()
        compiled = torch.compile(module, backend="eager", fullgraph=True)
        out, lik = compiled(*args)
        ref_out, ref_lik = module(*args)
        assert torch.equal(out, ref_out) and torch.equal(lik, ref_lik)
        module.train()
        out, lik = torch.compile(module, backend="eager", fullgraph=True)(*args)
        assert out.shape == args[0].shape and lik.requires_grad == any(
            p.requires_grad for p in module.parameters()
        )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_tensors_code_on_cpu_and_come_back() -> None:
    m = gc().cuda()
    y, s = torch.randn(2, 3, 4, device="cuda"), torch.rand(2, 3, 4, device="cuda") + 0.2
    idx = m.build_indexes(s)
    out = m.decompress(m.compress(y, idx), idx)
    assert out.device.type == "cuda" and torch.equal(out, torch.round(y))


# ---------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(
    b=st.integers(1, 3),
    n=st.integers(0, 40),
    step=st.sampled_from([0.25, 1.0, 1.5]),
    spread=st.floats(0.01, 1e3),
    seed=st.integers(0, 2**31 - 1),
)
def test_gaussian_round_trip_property(
    b: int, n: int, step: float, spread: float, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    m = gc(step=step)
    y = torch.randn(b, n, generator=g) * spread
    s = torch.rand(b, n, generator=g) * spread
    mu = torch.randn(b, n, generator=g)
    idx = m.build_indexes(s)
    y_hat = m.decompress(m.compress(y, idx, mu), idx, means=mu)
    assert torch.allclose(y_hat, m(y, s, mu, training=False)[0], atol=1e-3 * step)
