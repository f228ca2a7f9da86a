"""The torch models' fast paths give the general path's bytes and values: the indexes
``build_indexes`` returned are recognised (and only while unchanged), the EntropyBottleneck
codes with cached channel indexes, and the stale-table digest is computed once per
parameter change."""

from __future__ import annotations

import copy
import pickle

import pytest

torch = pytest.importorskip("torch")

from fastrans.entropy_models import (  # noqa: E402
    EntropyBottleneck,
    GaussianConditional,
    LaplaceConditional,  # noqa: E402
    _base,
)
from fastrans.workloads import SCALE_TABLE  # noqa: E402


def _latent(shape=(3, 16, 8, 12), seed=0):
    g = torch.Generator().manual_seed(seed)
    scales = torch.rand(shape, generator=g) * 12 + 0.01
    scales[0, 0, 0, :4] = torch.tensor([0.0, -1.0, 300.0, 0.05])  # bound, clamp, last row
    means = torch.randn(shape, generator=g) * 3
    y = means + scales * torch.randn(shape, generator=g)
    y[1, 2, 3, 4] = 1e7  # an escaped symbol
    return y, means, scales


def _model(cls=GaussianConditional, fmt="fastrans"):
    m = cls(None, stream_format=fmt)
    m.update_scale_table(torch.from_numpy(SCALE_TABLE).float())
    return m


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
@pytest.mark.parametrize("with_means", [True, False])
def test_fused_and_general_paths_write_the_same_bytes(cls, fmt, with_means):
    y, means, scales = _latent()
    m = _model(cls, fmt)
    mu = means if with_means else None
    idx = m.build_indexes(scales)
    assert m._fused_scales(idx) is not None
    fused = m.compress(y, idx, mu)
    general = m.compress(y, idx.clone(), mu)  # a copy is not recognised
    assert m._fused_scales(idx.clone()) is None
    assert fused == general
    out_fused = m.decompress(fused, idx, means=mu)
    out_general = m.decompress(fused, idx.clone(), means=mu)
    assert torch.equal(out_fused, out_general)
    want = torch.round(y - means) + means if with_means else torch.round(y)
    assert torch.equal(out_fused, want)


def test_indexes_or_scales_written_after_build_are_not_trusted():
    y, means, scales = _latent()
    m = _model()
    idx = m.build_indexes(scales)
    idx[0, 0, 0, 0] = 5  # the caller edits the rows: they must be coded as given
    assert m._fused_scales(idx) is None
    data = m.compress(y, idx, means)
    assert data == m.compress(y, idx.clone(), means)
    idx = m.build_indexes(scales)
    scales.mul_(2)  # the scales change after the rows were built
    assert m._fused_scales(idx) is None
    assert m.compress(y, idx, means) == m.compress(y, idx.clone(), means)


def test_only_the_last_built_indexes_are_recognised():
    _, _, scales = _latent()
    m = _model()
    first = m.build_indexes(scales)
    second = m.build_indexes(scales * 2)
    assert m._fused_scales(first) is None
    assert m._fused_scales(second) is not None


def test_calls_the_fused_path_cannot_reproduce_take_the_general_one():
    y, means, scales = _latent()
    m = _model()
    idx = m.build_indexes(scales)
    for y_, mu in ((y.double(), means.double()), (y, means[:1]), (y, means.double())):
        assert m.compress(y_, idx, mu) == m.compress(y_, idx.clone(), mu)
    stepped = GaussianConditional(None, step=0.5)
    stepped.update_scale_table(torch.from_numpy(SCALE_TABLE).float())
    s_idx = stepped.build_indexes(scales)
    assert stepped._fused_scales(s_idx) is None


def test_bad_values_through_the_fused_path_are_value_errors_and_write_nothing():
    y, means, scales = _latent()
    m = _model()
    idx = m.build_indexes(scales)
    for bad in (float("nan"), float("inf")):
        y2 = y.clone()
        y2[2, 1, 1, 1] = bad
        with pytest.raises(ValueError):
            m.compress(y2, idx, means)
    with pytest.raises(ValueError):
        m.decompress([b"\x00"], idx, means=means)  # three items, one string


def test_a_model_pickles_and_copies_after_build_indexes():
    y, means, scales = _latent()
    m = _model()
    idx = m.build_indexes(scales)
    data = m.compress(y, idx, means)
    for other in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert other._fused_scales(idx) is None
        assert torch.equal(other.decompress(data, idx, means=means), torch.round(y - means) + means)


def test_bottleneck_codes_batches_and_shapes_with_cached_channel_indexes():
    eb = EntropyBottleneck(8)
    eb.update(force=True)
    for shape in ((2, 8, 5, 7), (1, 8, 3), (2, 8, 5, 7)):
        z = torch.randn(shape) * 4
        strings = eb.compress(z)
        medians = eb._extend_ndims(eb._get_medians().detach(), len(shape) - 2)
        want = eb.dequantize(eb.quantize(z, "symbols", medians), medians)
        assert torch.equal(eb.decompress(strings, shape[2:]), want)
        general = _base.EntropyModel.compress(eb, z, eb._build_indexes(z.shape), medians)
        assert strings == general


def test_the_table_digest_is_computed_once_per_parameter_change(monkeypatch):
    calls = []
    real = _base.digest

    def counting(tensors, extra):
        calls.append(1)
        return real(tensors, extra)

    monkeypatch.setattr(_base, "digest", counting)
    eb = EntropyBottleneck(4)
    eb.update(force=True)
    z = torch.randn(1, 4, 3, 3)
    calls.clear()
    for _ in range(5):
        eb.compress(z)
    assert len(calls) == 0  # the digest update() took serves every call
    with torch.no_grad():
        eb.matrices[0].add_(0.1)  # an optimiser-style in-place step
    with pytest.raises(_base.StaleTablesError):
        eb.compress(z)
    assert len(calls) == 1
    eb.update(force=True)
    eb.compress(z)
    eb.quantiles = torch.nn.Parameter(eb.quantiles.detach().clone() + 1)  # a new object
    with pytest.raises(_base.StaleTablesError):
        eb.compress(z)


def test_models_code_on_the_threads_they_are_given():
    y, means, scales = _latent()
    m = _model()
    idx = m.build_indexes(scales)
    want = m.compress(y, idx, means)
    for threads in (1, 2):
        m.threads = threads
        assert m.compress(y, idx, means) == want
        assert m.compress(y, idx.clone(), means) == want
    m.threads = 0
    with pytest.raises(ValueError):
        m.compress(y, idx, means)
    assert GaussianConditional(SCALE_TABLE.tolist()).threads is None
