"""fastrans.entropy_models as a CompressAI 1.2.8 drop-in: 1.2.6+ state_dict keys and the
older ones, scales CompressAI clamps, the exception types CompressAI code catches, checked
index casts, scale tables from checkpoints checked before anything is allocated, and the
ImportError without torch."""

from __future__ import annotations

import importlib
import math
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import EB_KEYS
from torch import nn

from fastrans._arrays import as_i32
from fastrans.entropy_models import (
    ArgumentTypeError,
    EntropyBottleneck,
    EntropyModel,
    GaussianConditional,
    LaplaceConditional,
    StaleTablesError,
)
from fastrans.entropy_models._base import checked_i32

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SCALE_TABLE = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()



def legacy(sd: dict, prefix: str = "") -> dict:
    """A state_dict with the names used before CompressAI 1.2.6."""
    names = {"matrices": "_matrix", "biases": "_bias", "factors": "_factor"}
    out = {}
    for k, v in sd.items():
        rest = k[len(prefix) :] if k.startswith(prefix) else None
        head, _, tail = (rest or "").partition(".")
        if rest is not None and head in names and tail.isdigit():
            out[f"{prefix}{names[head]}{tail}"] = v
        else:
            out[k] = v
    return out


def updated_eb(channels: int = 8, seed: int = 0) -> EntropyBottleneck:
    torch.manual_seed(seed)
    eb = EntropyBottleneck(channels, stream_format="compressai")
    with torch.no_grad():
        for p in [*eb.matrices, *eb.biases, *eb.factors]:
            p.add_(0.1 * torch.randn_like(p))
    eb.update(force=True)
    return eb


class Parent(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        self.entropy_bottleneck = EntropyBottleneck(channels, stream_format="compressai")


# ---------------------------------------------------------------- EntropyBottleneck keys


def test_eb_state_dict_has_compressai_128_keys_and_parameter_count():
    eb = EntropyBottleneck(32)
    assert list(eb.state_dict()) == EB_KEYS
    assert len(list(eb.parameters())) == 15  # CompressAI's count for the default filters
    assert isinstance(eb.matrices, nn.ParameterList)


@pytest.mark.parametrize("keys", ["new", "legacy"])
def test_eb_checkpoint_loads_and_codes_without_update(keys):
    src = updated_eb()
    sd = src.state_dict() if keys == "new" else legacy(src.state_dict())
    if keys == "legacy":
        assert "_matrix0" in sd and "matrices.0" not in sd
    dst = EntropyBottleneck(8, stream_format="compressai")
    result = dst.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    for a, b in zip(src.parameters(), dst.parameters()):
        assert torch.equal(a, b)
    # The digest is taken after the ParameterLists loaded: the tables are fresh.
    assert not dst.tables_are_stale()
    x = torch.randn(2, 8, 5, 3) * 4
    assert dst.compress(x) == src.compress(x)


def test_eb_legacy_keys_load_through_a_parent_module():
    src = Parent()
    src.entropy_bottleneck.update()
    sd = legacy(src.state_dict(), "entropy_bottleneck.")
    assert "entropy_bottleneck._bias4" in sd
    dst = Parent()
    dst.load_state_dict(sd)
    assert torch.equal(dst.entropy_bottleneck.biases[4], src.entropy_bottleneck.biases[4])
    assert not dst.entropy_bottleneck.tables_are_stale()


def test_eb_legacy_and_new_key_missing_parameter_is_reported():
    sd = legacy(updated_eb().state_dict())
    del sd["_factor2"]
    dst = EntropyBottleneck(8)
    with pytest.raises(RuntimeError, match="factors.2"):
        dst.load_state_dict(sd)


def test_eb_checkpoint_without_tables_leaves_changed_model_stale():
    eb = updated_eb()
    other = updated_eb(seed=1)
    sd = {k: v for k, v in other.state_dict().items() if k not in ("_offset", "_quantized_cdf")}
    eb.load_state_dict(sd, strict=False)
    assert eb.tables_are_stale()
    with pytest.raises(StaleTablesError):
        eb.compress(torch.zeros(1, 8, 2, 2))


def test_compressai_remap_of_old_keys_leaves_fastrans_keys_alone():
    # CompressionModel.load_state_dict renames keys starting with _matrix / _bias /
    # _factor under an EntropyBottleneck; fastrans' own keys no longer start so.
    src = Parent()
    src.entropy_bottleneck.update()
    sd = src.state_dict()
    prefix = "entropy_bottleneck."
    assert not any(k[len(prefix) :].startswith(("_matrix", "_bias", "_factor")) for k in sd)
    dst = Parent()
    dst.load_state_dict(sd)
    assert not dst.entropy_bottleneck.tables_are_stale()


# ---------------------------------------------------------------- scales CompressAI clamps


@pytest.mark.parametrize("cls", [GaussianConditional, LaplaceConditional])
def test_zero_and_negative_scales_take_row_zero(cls):
    m = cls(SCALE_TABLE, stream_format="compressai")
    m.update()
    scales = torch.tensor([[-3.0, -0.0, 0.0, 1e-30, 0.05, 0.11, 0.12]])
    idx = m.build_indexes(scales)
    assert idx.tolist() == [[0, 0, 0, 0, 0, 0, 1]]
    y = torch.tensor([[0.2, -1.4, 3.0, 0.0, 2.0, -1.0, 0.4]])
    strings = m.compress(y, idx)
    assert torch.equal(m.decompress(strings, idx), torch.round(y))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_scales_raise_value_error(bad):
    m = GaussianConditional(SCALE_TABLE)
    with pytest.raises(ValueError, match=r"scales\[1\] (is NaN|= -?inf is not finite)"):
        m.build_indexes(torch.tensor([[1.0, bad]]))


# ---------------------------------------------------------------- exception types


def test_missing_tables_is_a_value_error_as_in_compressai():
    m = GaussianConditional(SCALE_TABLE)
    x = torch.zeros(1, 2, 3)
    with pytest.raises(ValueError, match="no coding tables") as info:
        m.compress(x, torch.zeros(1, 2, 3, dtype=torch.int32))
    assert isinstance(info.value, StaleTablesError) and isinstance(info.value, RuntimeError)
    eb = EntropyBottleneck(2)
    with pytest.raises(ValueError):
        eb.compress(x)
    with pytest.raises(ValueError):
        eb.decompress([b"abc"], (3,))


@pytest.mark.parametrize("strings", ["sss", b"sss", ["sss"], [1]])
def test_bad_strings_are_type_and_value_errors(strings):
    m = GaussianConditional(SCALE_TABLE)
    m.update()
    idx = torch.zeros(1, 3, 4, 4, dtype=torch.int32)
    for exc in (ValueError, TypeError, ArgumentTypeError):
        with pytest.raises(exc):
            m.decompress(strings, idx)
    eb = EntropyBottleneck(3)
    eb.update()
    if not isinstance(strings, list):
        with pytest.raises(ValueError):
            eb.decompress(strings, (4, 4))


@pytest.mark.parametrize("table", [1, 0.5, "abc", {0.5: 1}, [0.5, "x"]])
def test_scale_table_of_wrong_type_is_a_value_error(table):
    with pytest.raises(ValueError):
        GaussianConditional(table)
    with pytest.raises(TypeError):
        GaussianConditional(table)


def test_quantize_and_dequantize_aliases_warn_and_agree():
    m = EntropyModel()
    x = torch.randn(1, 3, 4, 4)
    means = torch.randn(1, 3, 4, 4)
    with pytest.warns(UserWarning, match="_quantize is deprecated"):
        q = m._quantize(x, "dequantize", means)
    assert torch.equal(q, m.quantize(x, "dequantize", means))
    s = torch.randint(-5, 5, (1, 3, 4, 4))
    with pytest.warns(UserWarning, match="_dequantize is deprecated"):
        d = m._dequantize(s, means)
    assert torch.equal(d, m.dequantize(s, means))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.quantize(x, "symbols")  # the current names do not warn


# ---------------------------------------------------------------- index casts


def gc_ready() -> GaussianConditional:
    m = GaussianConditional(SCALE_TABLE, stream_format="compressai")
    m.update()
    return m


def test_whole_float_and_int64_indexes_code_like_int32():
    m = gc_ready()
    torch.manual_seed(1)
    y = torch.randn(2, 4, 5) * 3
    idx = torch.randint(0, 64, y.shape, dtype=torch.int32)
    want = m.compress(y, idx)
    assert m.compress(y, idx.long()) == want
    assert m.compress(y, idx.double()) == want
    assert torch.equal(m.decompress(want, idx.float()), m.decompress(want, idx))


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda i: i.long() + 2**32, ValueError, "int32 range"),
        (lambda i: i.long() - 2**40, ValueError, "int32 range"),
        (lambda i: i.float() + 0.7, ValueError, "whole numbers"),
        (lambda i: i.double().index_fill(-1, torch.tensor([2]), math.nan), ValueError, "whole"),
        (lambda i: i > 3, TypeError, "integers"),
        (lambda i: i.to(torch.complex64), TypeError, "integers"),
    ],
)
def test_indexes_that_would_wrap_or_truncate_are_refused(make, exc, match):
    m = gc_ready()
    y = torch.randn(1, 4, 5)
    idx = torch.randint(0, 64, y.shape, dtype=torch.int32)
    strings = m.compress(y, idx)
    with pytest.raises(exc, match=match):
        m.compress(y, make(idx))
    with pytest.raises(exc, match=match):
        m.decompress(strings, make(idx))


def outcome(fn):
    try:
        return fn()
    except (TypeError, ValueError) as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just(torch.int64), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=6)),
        st.tuples(st.just(torch.float64), st.lists(st.floats(width=64), max_size=6)),
        st.tuples(st.just(torch.float32), st.lists(st.floats(width=32), max_size=6)),
        st.tuples(st.just(torch.int16), st.lists(st.integers(-(2**15), 2**15 - 1), max_size=6)),
        st.tuples(st.just(torch.bool), st.lists(st.booleans(), max_size=6)),
    )
)
def test_torch_index_casts_agree_with_the_numpy_layer(case):
    dtype, values = case
    t = torch.tensor(values, dtype=dtype)
    want = outcome(lambda: as_i32(t.numpy(), "indexes"))
    got = outcome(lambda: checked_i32("indexes", t))
    if isinstance(want, np.ndarray) and want.size:
        assert isinstance(got, np.ndarray) and np.array_equal(got.reshape(-1), want)
    elif isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray) and got.size == 0
    else:
        assert got is want


def test_float_scales_passed_as_indexes_are_refused():
    m = gc_ready()
    y = torch.randn(1, 4, 5)
    scales = torch.rand(1, 4, 5) * 10 + 0.05
    with pytest.raises(ValueError, match="whole numbers"):
        m.compress(y, scales)


# ---------------------------------------------------------------- sizes before allocations


def test_huge_scale_is_refused_before_the_edge_grid_is_built():
    m = GaussianConditional([0.5, 3e7])
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="scale_table holds 3e"):
            m.update()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak} bytes traced before refusing"


def test_largest_scale_that_fits_builds_and_the_next_is_refused():
    mult = -GaussianConditional._standardized_quantile(1e-9 / 2)
    fits = 32767 / mult * (1 - 1e-6)
    GaussianConditional([0.5, fits]).update()
    with pytest.raises(ValueError, match="at most 65535"):
        GaussianConditional([0.5, 32768 / mult * (1 + 1e-6)]).update()


def test_too_many_scales_are_refused_by_total_size():
    table = torch.linspace(1000, 5000, 6000).tolist()
    with pytest.raises(ValueError, match="CDF entries"):
        GaussianConditional(table).update()


@pytest.mark.parametrize(
    "bad", [[0.5, -1.0], [0.5, math.inf], [0.5, math.nan], [0.5, 1e10], [2.0, 1.0], [0.0, 1.0]]
)
def test_scale_table_from_a_checkpoint_gets_the_constructor_checks(bad):
    sd = GaussianConditional([0.5, 1.0]).state_dict()
    for k in ("_offset", "_quantized_cdf", "_cdf_length"):
        del sd[k]
    sd["scale_table"] = torch.tensor(bad)
    m = GaussianConditional(None)
    with pytest.raises(ValueError, match="scale_table"):
        m.load_state_dict(sd, strict=False)
    # Assigned past load_state_dict: update() still refuses, naming scale_table.
    m.scale_table = torch.tensor(bad)
    with pytest.raises(ValueError, match="scale_table"):
        m.update(force=True)


def test_scale_table_of_wrong_shape_from_a_checkpoint_is_refused():
    m = GaussianConditional(None)
    m.scale_table = torch.ones(2, 2)
    with pytest.raises(ValueError, match="scale_table must be 1-D"):
        m.update()


def test_eb_quantiles_too_wide_are_refused_before_sampling():
    eb = EntropyBottleneck(4)
    with torch.no_grad():
        eb.quantiles[1, 0, 2] = 1e12  # the int32 cast would wrap
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="quantiles span"):
            eb.update()
    finally:
        tracemalloc.stop()
    with torch.no_grad():
        eb.quantiles[1, 0, 2] = math.inf
    with pytest.raises(ValueError, match="quantiles span"):
        eb.update()
    with torch.no_grad():
        eb.quantiles[1, 0, 2] = 65535.0 + eb.quantiles[1, 0, 0]  # one bin more than fits
    with pytest.raises(ValueError, match="65535"):
        eb.update()


def test_eb_decompress_refuses_a_huge_size_before_allocating():
    eb = EntropyBottleneck(4)
    eb.update()
    with pytest.raises(ValueError, match="elements"):
        eb.decompress([b"\0" * 8], (2**20, 2**20))
    with pytest.raises(ValueError, match="non-negative"):
        eb.decompress([b"\0" * 8], (-1, 4))


# ---------------------------------------------------------------- without torch


def test_import_without_torch_says_how_to_install(monkeypatch):
    for name in list(sys.modules):
        if name == "fastrans.entropy_models" or name.startswith("fastrans.entropy_models."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'fastrans\[torch\]'") as info:
        importlib.import_module("fastrans.entropy_models")
    assert type(info.value) is ImportError


def test_numpy_layer_and_torch_layer_agree_on_index_errors():
    from fastrans._arrays import as_i32

    for bad, exc in ((np.array([0.7]), ValueError), (np.array([2**32]), ValueError)):
        with pytest.raises(exc):
            as_i32(bad, "indexes")
    with pytest.raises(TypeError):
        as_i32(np.array([True]), "indexes")
