"""CdfTable, pmf_to_quantized_cdf and scale_indexes: round trips, properties, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastrans
from fastrans import CdfTable, CorruptStreamError

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def small_table() -> CdfTable:
    cdfs = np.array([[0, 30000, 60000, 65000, 65536], [0, 65536, 0, 0, 0]], np.int32)
    return CdfTable(cdfs, [5, 2], [-1, 3])


# --- round trips -------------------------------------------------------------------------


def test_zero_and_one_symbol(gc_table):
    empty = gc_table.encode([], [], format="compressai")
    assert empty == b"\x00\x00\x00\x80\x00\x00\x00\x00"
    assert gc_table.decode(empty, np.zeros(0, np.int32), format="compressai").size == 0
    one = gc_table.encode([5], [3], format="compressai")
    np.testing.assert_array_equal(gc_table.decode(one, [3], format="compressai"), [5])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(I32_MIN, I32_MAX), st.integers(0, 63)), min_size=0, max_size=200)
)
def test_round_trip_any_int32(gc_table, pairs):
    s = np.array([p[0] for p in pairs], np.int64)
    i = np.array([p[1] for p in pairs], np.int64)
    data = gc_table.encode(s, i, format="compressai")
    np.testing.assert_array_equal(gc_table.decode(data, i, format="compressai"), s)


def test_escape_heavy_and_every_index(gc_table):
    rng = np.random.default_rng(7)
    idx = np.repeat(np.arange(64, dtype=np.int32), 50)
    sym = rng.integers(-5000, 5000, idx.size).astype(np.int32)  # mostly escapes for small scales
    sym[:64] = [I32_MIN, I32_MAX] * 32
    data = gc_table.encode(sym, idx, format="compressai")
    np.testing.assert_array_equal(gc_table.decode(data, idx, format="compressai"), sym)


def test_decode_keeps_the_shape_of_indexes(gc_table):
    idx = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    sym = np.arange(24).reshape(2, 3, 4) - 12
    data = gc_table.encode(sym, idx, format="compressai")
    out = gc_table.decode(data, idx, format="compressai")
    assert out.shape == (2, 3, 4) and out.dtype == np.int32
    np.testing.assert_array_equal(out, sym)


def test_accepts_torch_tensors_and_other_dtypes(gc_table):
    torch = pytest.importorskip("torch")
    s = torch.tensor([1, -2, 3000], dtype=torch.int64)
    i = torch.tensor([0, 10, 63], dtype=torch.int16)
    data = gc_table.encode(s, i, format="compressai")
    assert data == gc_table.encode(
        np.array([1, -2, 3000], np.int32), [0, 10, 63], format="compressai"
    )
    f = np.array([1.0, -2.0, 3000.0])
    assert gc_table.encode(f, i.numpy(), format="compressai") == data


# --- table attributes ----------------------------------------------------------------------


def test_table_attributes_round_trip(vectors, gc_table):
    assert gc_table.num_tables == 64
    assert gc_table.precision == 16
    np.testing.assert_array_equal(gc_table.cdfs, vectors["gc_cdf"])
    np.testing.assert_array_equal(gc_table.cdf_lengths, vectors["gc_cdf_length"])
    np.testing.assert_array_equal(gc_table.offsets, vectors["gc_offset"])
    again = CdfTable(gc_table.cdfs, gc_table.cdf_lengths, gc_table.offsets)
    assert again.fingerprint == gc_table.fingerprint
    other = CdfTable(gc_table.cdfs, gc_table.cdf_lengths, gc_table.offsets + 1)
    assert other.fingerprint != gc_table.fingerprint
    assert "num_tables=64" in repr(gc_table)


def test_from_pmfs_matches_rowwise_pmf_to_quantized_cdf():
    rng = np.random.default_rng(3)
    pmfs = rng.random((5, 40)).astype(np.float32)
    pmfs /= pmfs.sum(1, keepdims=True) * 1.01
    lengths = np.array([40, 10, 1, 25, 33], np.int32)
    tails = np.array([0.01, 1e-9, 0.0, 0.2, 0.05], np.float32)
    t = CdfTable.from_pmfs(pmfs, lengths, tails, -lengths // 2)
    for k in range(5):
        want = fastrans.pmf_to_quantized_cdf(np.append(pmfs[k, : lengths[k]], tails[k]))
        np.testing.assert_array_equal(t.cdfs[k, : lengths[k] + 2], want)
    np.testing.assert_array_equal(t.cdf_lengths, lengths + 2)
    np.testing.assert_array_equal(t.offsets, -lengths // 2)


# --- scale_indexes ---------------------------------------------------------------------------


def test_scale_indexes_matches_compressai_rule(vectors):
    table = vectors["gc_scale_table"].astype(np.float32)
    rng = np.random.default_rng(0)
    scales = np.exp(rng.uniform(np.log(0.01), np.log(400), (3, 7, 11))).astype(np.float32)
    scales.flat[:4] = [table[5], -1.0, 0.0, np.inf]
    got = fastrans.scale_indexes(scales, table)
    bounded = np.maximum(scales, np.float32(0.11))
    want = len(table) - 1 - (bounded[..., None] <= table[:-1]).sum(-1)
    assert got.shape == scales.shape
    np.testing.assert_array_equal(got, want)


def test_scale_indexes_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        fastrans.scale_indexes([1.0, np.nan], [0.5, 1.0])
    with pytest.raises(ValueError, match="empty"):
        fastrans.scale_indexes([1.0], np.zeros(0, np.float32))
    with pytest.raises(TypeError):
        fastrans.scale_indexes(np.array(["a"]), [1.0])


# --- bad input -------------------------------------------------------------------------------


def test_pmf_to_quantized_cdf_bad_input():
    for bad in ([0.5, -0.1], [np.nan, 1.0], [0.0, 0.0], [], [np.inf]):
        with pytest.raises(ValueError):
            fastrans.pmf_to_quantized_cdf(np.array(bad, np.float64))
    with pytest.raises(ValueError, match="precision"):
        fastrans.pmf_to_quantized_cdf([0.5, 0.5], precision=17)
    with pytest.raises(ValueError, match="precision"):
        fastrans.pmf_to_quantized_cdf([0.5, 0.5], precision=0)
    with pytest.raises(TypeError):
        fastrans.pmf_to_quantized_cdf([0.5, 0.5], precision=16.0)
    with pytest.raises(ValueError, match="1-D"):
        fastrans.pmf_to_quantized_cdf([[0.5, 0.5]])
    with pytest.raises(ValueError, match="slots"):
        fastrans.pmf_to_quantized_cdf(np.full(20, 0.05), precision=4)


@pytest.mark.parametrize(
    "cdfs, lengths, offsets, match",
    [
        ([[0, 10, 65536]], [3], [0, 0], "offsets"),
        ([[0, 10, 65536]], [4], [0], "cdf_lengths"),
        ([[0, 10, 65536]], [1], [0], "cdf_lengths"),
        ([[1, 10, 65536]], [3], [0], "start at 0"),
        ([[0, 10, 65535]], [3], [0], "2\\^precision"),
        ([[0, 10, 10, 65536]], [4], [0], "strictly increasing"),
        ([[0, 20, 10, 65536]], [4], [0], "strictly increasing"),
        (np.zeros((0, 3), np.int32), [], [], "no rows"),
    ],
)
def test_cdf_table_bad_rows(cdfs, lengths, offsets, match):
    with pytest.raises(ValueError, match=match):
        CdfTable(np.array(cdfs, np.int32), lengths, offsets)


def test_cdf_table_bad_types_and_shapes():
    with pytest.raises(ValueError, match="2-D"):
        CdfTable([0, 65536], [2], [0])
    with pytest.raises(ValueError, match="int32 range"):
        CdfTable(np.array([[0, 2**40]]), [2], [0])
    with pytest.raises(TypeError):
        CdfTable(np.array([["a", "b"]]), [2], [0])
    with pytest.raises(ValueError, match="precision"):
        CdfTable([[0, 65536]], [2], [0], precision=20)
    with pytest.raises(ValueError, match="whole numbers"):
        CdfTable(np.array([[0.0, 0.5, 65536.0]]), [3], [0])


def test_encode_bad_arguments_write_nothing(gc_table):
    with pytest.raises(ValueError, match="one index per symbol"):
        gc_table.encode([1, 2], [0], format="compressai")
    with pytest.raises(ValueError, match="out of range"):
        gc_table.encode([1, 2], [0, 64], format="compressai")
    with pytest.raises(ValueError, match="out of range"):
        gc_table.encode([1], [-1], format="compressai")
    with pytest.raises(ValueError, match="int32 range"):
        gc_table.encode([2**31], [0], format="compressai")
    with pytest.raises(ValueError, match="format"):
        gc_table.encode([1], [0], format="zip")
    with pytest.raises(TypeError, match="threads"):
        gc_table.encode([1], [0], format="compressai", threads="all")
    with pytest.raises(ValueError, match="threads"):
        gc_table.encode([1], [0], format="compressai", threads=0)
    p12 = CdfTable([[0, 4096]], [2], [0], precision=12)
    with pytest.raises(ValueError, match="precision 16"):
        p12.encode([1], [0], format="compressai")


def test_decode_corrupt_streams(gc_table):
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 64, 400).astype(np.int32)
    sym = rng.integers(-30, 30, 400).astype(np.int32)
    data = gc_table.encode(sym, idx, format="compressai")
    for bad in (b"", data[:-4], data[:-1], data + b"\x00" * 4, b"\xff" * 8):
        with pytest.raises(CorruptStreamError):
            gc_table.decode(bad, idx, format="compressai")
    with pytest.raises(CorruptStreamError):
        gc_table.decode(data, idx[:-1], format="compressai")
    with pytest.raises(TypeError, match="bytes"):
        gc_table.decode("text", idx, format="compressai")
    assert issubclass(CorruptStreamError, fastrans.FastransError)
    assert issubclass(fastrans.FastransError, ValueError)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 120))
def test_garbage_raises_only_corrupt_stream(gc_table, data, n):
    idx = np.arange(n, dtype=np.int32) % 64
    try:
        out = gc_table.decode(data, idx, format="compressai")
    except CorruptStreamError:
        return
    assert out.shape == (n,)
