"""GaussianConditional / LaplaceConditional update(): the tables equal those of CompressAI
1.2.8's arithmetic (its padded float32 grid, replayed here in torch) for any scale table,
and the native table_from_edges refuses bad input with the exact exception type."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import fastrans
from fastrans import _native
from fastrans.entropy_models import GaussianConditional, LaplaceConditional

SCALE_TABLE = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def compressai_grid(model: GaussianConditional) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """CompressAI 1.2.8's GaussianConditional.update() up to its pmfs, line for line:
    ``(pmf [rows, max_length], tail_mass [rows, 1], pmf_center [rows])``."""
    multiplier = -model._standardized_quantile(model.tail_mass / 2)
    pmf_center = torch.ceil(model.scale_table * multiplier).int()
    pmf_length = 2 * pmf_center + 1
    max_length = torch.max(pmf_length).item()
    samples = torch.abs(torch.arange(max_length).int() - pmf_center[:, None])
    samples_scale = model.scale_table.unsqueeze(1)
    samples = samples.float()
    samples_scale = samples_scale.float()
    upper = model._standardized_cumulative((0.5 - samples) / samples_scale)
    lower = model._standardized_cumulative((-0.5 - samples) / samples_scale)
    pmf = upper - lower
    tail_mass = 2 * lower[:, :1]
    return pmf, tail_mass, pmf_center


def compressai_tables(model: GaussianConditional) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CompressAI's ``(_quantized_cdf, _cdf_length, _offset)``: its ``_pmf_to_cdf`` quantizes
    ``pmf[i, :length] ++ tail`` per row (our pmf_to_quantized_cdf is bit-exact with its C++
    one, test_conformance) into a zero-padded ``[rows, max_length + 2]`` array."""
    pmf, tail_mass, pmf_center = compressai_grid(model)
    lengths = (2 * pmf_center + 1).tolist()
    cdf = np.zeros((len(lengths), max(lengths) + 2), np.int32)
    for i, n in enumerate(lengths):
        row = torch.cat((pmf[i, :n], tail_mass[i]))
        cdf[i, : n + 2] = fastrans.pmf_to_quantized_cdf(row, model.entropy_coder_precision)
    return cdf, np.array(lengths, np.int32) + 2, -pmf_center.numpy()


def assert_compressai_tables(model: GaussianConditional) -> None:
    model.update(force=True)
    cdf, lengths, offsets = compressai_tables(model)
    np.testing.assert_array_equal(model._quantized_cdf.numpy(), cdf)
    np.testing.assert_array_equal(model._cdf_length.numpy(), lengths)
    np.testing.assert_array_equal(model._offset.numpy(), offsets)


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
@pytest.mark.parametrize("threads", [1, 2])
def test_edges_give_the_grids_pmf_bit_for_bit(cls, threads: int) -> None:
    # The premise of update(): the CDF evaluated once per edge on a ragged 1-D tensor gives
    # the float32 values CompressAI's padded 2-D grid gives, on every row (torch's CDF ops
    # are elementwise, whatever the shape, the vector/scalar split or the thread count).
    model = cls(SCALE_TABLE)
    torch.set_num_threads(threads)
    pmf, tail_mass, pmf_center = compressai_grid(model)
    centers = pmf_center.long()
    counts = centers + 2
    rows = torch.repeat_interleave(torch.arange(len(counts)), counts)
    dist = (torch.arange(int(counts.sum())) - (torch.cumsum(counts, 0) - counts)[rows]).float()
    edges = model._standardized_cumulative((0.5 - dist) / model.scale_table[rows])
    start = 0
    for i, c in enumerate(centers.tolist()):
        edge = edges[start : start + c + 2]
        start += c + 2
        half = edge[:-1] - edge[1:]  # distance 0 ..= c
        row = torch.cat((half.flip(0), half[1:]))
        assert torch.equal(row.view(torch.int32), pmf[i, : 2 * c + 1].view(torch.int32)), i
        assert torch.equal((2 * edge[-1:]).view(torch.int32), tail_mass[i].view(torch.int32))


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
def test_update_builds_compressais_tables_for_the_64_scales(cls) -> None:
    assert_compressai_tables(cls(SCALE_TABLE))


@pytest.mark.parametrize("tail_mass", [1e-3, 1e-6, 1e-9, 1e-12])
@pytest.mark.parametrize("precision", [12, 16])
def test_update_builds_compressais_tables_for_other_settings(tail_mass, precision) -> None:
    assert_compressai_tables(
        GaussianConditional(
            [0.05, 0.11, 0.5, 3.0, 17.0, 80.0],
            tail_mass=tail_mass,
            entropy_coder_precision=precision,
        )
    )


@settings(max_examples=40, deadline=None)
@given(
    scales=st.lists(
        st.floats(0.015625, 300.0, allow_nan=False, width=32), min_size=1, max_size=12, unique=True
    ),
    laplace=st.booleans(),
)
def test_update_builds_compressais_tables_for_any_scale_table(scales, laplace) -> None:
    cls = LaplaceConditional if laplace else GaussianConditional
    if laplace:
        scales = [s / 4 for s in scales]  # Laplace tails are longer: keep within 2^16 bins
    assert_compressai_tables(cls(sorted(scales)))


def test_table_from_edges_bad_input() -> None:
    edges = np.array([0.6, 0.3, 0.1, 0.01], np.float32)
    centers = np.array([2], np.int32)
    t = _native.table_from_edges(edges, centers, 16)
    assert t.cdf_lengths().tolist() == [7] and t.offsets().tolist() == [-2]
    with pytest.raises(ValueError, match="edges has 4 entries but the centers need 3"):
        _native.table_from_edges(edges, np.array([1], np.int32), 16)
    with pytest.raises(ValueError, match=r"centers\[0\] = -1"):
        _native.table_from_edges(edges, np.array([-1, 1], np.int32), 16)
    with pytest.raises(ValueError, match="centers is empty"):
        _native.table_from_edges(edges, np.zeros(0, np.int32), 16)
    with pytest.raises(ValueError, match="precision=17"):
        _native.table_from_edges(edges, centers, 17)
    with pytest.raises(ValueError, match="finite and non-negative"):
        _native.table_from_edges(edges[::-1].copy(), centers, 16)
    with pytest.raises(ValueError, match="C-contiguous"):
        _native.table_from_edges(np.repeat(edges, 2)[::2], centers, 16)
    with pytest.raises(TypeError):
        _native.table_from_edges(edges.astype(np.float64), centers, 16)
