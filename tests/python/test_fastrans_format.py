"""The native fastrans-format functions: encode_fastrans / decode_fastrans, the parametric
tables and ScaleCoder (both formats), called on fastrans._native directly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastrans import _native
from fastrans.errors import CorruptStreamError, TableMismatchError

SCALE_TABLE = np.exp(np.linspace(np.log(0.11), np.log(256.0), 64))
TABLE = _native.gaussian_table(SCALE_TABLE, 16, 1e-9)
SCALES32 = SCALE_TABLE.astype(np.float32)


def w1(n, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(np.log(0.12), np.log(30.0), size=n)).astype(np.float32)
    means = rng.normal(0, 3.0, size=n).astype(np.float32)
    y = (means + scales * rng.standard_normal(size=n)).astype(np.float32)
    return y, means, scales


def symbols_indexes(y, means, scales):
    symbols = np.rint(y - means).astype(np.int32)
    indexes = _native.scale_indexes(scales, SCALES32, 0.11)
    return symbols, indexes


def test_round_trip_and_thread_independence():
    y, means, scales = w1(300_000, 1)
    symbols, indexes = symbols_indexes(y, means, scales)
    data = TABLE.encode_fastrans(symbols, indexes, 1)
    for threads in (0, 2, 8):
        assert TABLE.encode_fastrans(symbols, indexes, threads) == data
        np.testing.assert_array_equal(
            TABLE.decode_fastrans(data, indexes, threads), symbols
        )
    compressai = TABLE.encode_compressai(symbols, indexes)
    assert len(data) <= len(compressai) * 1.0005 + 16


def test_empty_stream():
    empty = np.zeros(0, np.int32)
    data = TABLE.encode_fastrans(empty, empty, 0)
    assert len(data) == 10
    assert TABLE.decode_fastrans(data, empty, 0).shape == (0,)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-30, 30),
            st.integers(0, 63),
            st.booleans(),
        ),
        max_size=2000,
    ),
    st.sampled_from([0, 1, 2]),
)
def test_any_symbols_round_trip(items, threads):
    symbols = np.array([big if wide else small for big, small, _, wide in items], np.int32)
    indexes = np.array([row for _, _, row, _ in items], np.int32)
    data = TABLE.encode_fastrans(symbols, indexes, threads)
    np.testing.assert_array_equal(TABLE.decode_fastrans(data, indexes, 1), symbols)


def test_corruption_is_detected():
    y, means, scales = w1(5000, 2)
    symbols, indexes = symbols_indexes(y, means, scales)
    data = TABLE.encode_fastrans(symbols, indexes, 1)
    for bit in range(0, len(data) * 8, 7):
        bad = bytearray(data)
        bad[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(CorruptStreamError):
            TABLE.decode_fastrans(bytes(bad), indexes, 1)
    with pytest.raises(CorruptStreamError):
        TABLE.decode_fastrans(data[:-1], indexes, 1)
    with pytest.raises(CorruptStreamError):
        TABLE.decode_fastrans(data + b"\0", indexes, 1)


def test_other_tables_raise_table_mismatch():
    y, means, scales = w1(100, 3)
    symbols, indexes = symbols_indexes(y, means, scales)
    data = TABLE.encode_fastrans(symbols, indexes, 1)
    other = _native.laplace_table(SCALE_TABLE, 16, 1e-9)
    with pytest.raises(TableMismatchError):
        other.decode_fastrans(data, indexes, 1)


def test_bad_arguments():
    s = np.zeros(4, np.int32)
    with pytest.raises(ValueError, match="indexes has 3"):
        TABLE.encode_fastrans(s, s[:3], 1)
    with pytest.raises(ValueError, match="out of range"):
        TABLE.encode_fastrans(s, np.full(4, 64, np.int32), 1)
    with pytest.raises(ValueError, match="negative"):
        TABLE.encode_fastrans(s, s, -1)
    data = TABLE.encode_fastrans(s, s, 1)
    with pytest.raises(ValueError, match="holds 4 symbols"):
        TABLE.decode_fastrans(data, s[:3], 1)
    with pytest.raises(TypeError):
        TABLE.decode_fastrans("text", s, 1)  # type: ignore[arg-type]


def test_gaussian_table_layout():
    scales = np.array([0.11, 1.0, 10.0])
    t = _native.gaussian_table(scales, 16, 1e-9)
    assert t.num_tables == 3
    np.testing.assert_array_equal(t.offsets(), [-1, -7, -62])
    np.testing.assert_array_equal(t.cdf_lengths(), [5, 17, 127])
    np.testing.assert_array_equal(t.cdfs()[0, :5], [0, 1, 65534, 65535, 65536])
    assert t.fingerprint == _native.gaussian_table(scales, 16, 1e-9).fingerprint
    lap = _native.laplace_table(np.array([1.0]), 16, 1e-9)
    np.testing.assert_array_equal(lap.offsets(), [-21])


@pytest.mark.parametrize("fn", [_native.gaussian_table, _native.laplace_table])
def test_parametric_tables_reject_bad_arguments(fn):
    with pytest.raises(ValueError, match="scale_table"):
        fn(np.array([1.0, -1.0]), 16, 1e-9)
    with pytest.raises(ValueError, match="scale_table"):
        fn(np.array([np.nan]), 16, 1e-9)
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros(0), 16, 1e-9)
    with pytest.raises(ValueError, match="tail_mass"):
        fn(np.array([1.0]), 16, 0.0)
    with pytest.raises(ValueError, match="precision"):
        fn(np.array([1.0]), 17, 1e-9)


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_scale_coder_matches_the_array_path(fmt):
    coder = _native.ScaleCoder(TABLE, SCALES32, 0.11)
    assert coder.num_tables == 64
    y, means, scales = w1(50_000, 4)
    symbols, indexes = symbols_indexes(y, means, scales)
    data = coder.encode(y, scales, means, fmt, 0)
    if fmt == "compressai":
        assert data == TABLE.encode_compressai(symbols, indexes)
    else:
        assert data == TABLE.encode_fastrans(symbols, indexes, 1)
    out = coder.decode(data, scales, means, fmt, 0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, symbols.astype(np.float32) + means)
    no_means = coder.encode(y, scales, None, fmt, 1)
    np.testing.assert_array_equal(coder.decode(no_means, scales, None, fmt, 1), np.rint(y))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-1e6, 1e6, width=32),
            st.floats(0, 300, width=32),
            st.floats(-100, 100, width=32),
        ),
        max_size=500,
    ),
    st.sampled_from(["fastrans", "compressai"]),
)
def test_scale_coder_round_trips_and_matches_torch_rounding(items, fmt):
    y = np.array([v for v, _, _ in items], np.float32)
    scales = np.array([s for _, s, _ in items], np.float32)
    means = np.array([m for _, _, m in items], np.float32)
    coder = _native.ScaleCoder(TABLE, SCALES32, 0.11)
    data = coder.encode(y, scales, means, fmt, 0)
    symbols = np.rint(y - means).astype(np.int32)  # numpy's rint: half to even, like torch.round
    indexes = _native.scale_indexes(scales, SCALES32, 0.11)
    if fmt == "compressai":
        assert data == TABLE.encode_compressai(symbols, indexes)
    np.testing.assert_array_equal(
        coder.decode(data, scales, means, fmt, 1), symbols.astype(np.float32) + means
    )


@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_scale_coder_rejects_bad_inputs(fmt):
    coder = _native.ScaleCoder(TABLE, SCALES32, 0.11)
    ok = np.ones(8, np.float32)
    for bad, what in [(np.nan, "NaN"), (np.inf, "not finite"), (3e9, "int32")]:
        v = ok.copy()
        v[5] = bad
        with pytest.raises(ValueError, match=what):
            coder.encode(v, ok, ok, fmt, 1)
    nan = ok.copy()
    nan[2] = np.nan
    with pytest.raises(ValueError, match=r"scales\[2\] is NaN"):
        coder.encode(ok, nan, ok, fmt, 1)
    with pytest.raises(ValueError, match=r"means\[2\] is NaN"):
        coder.encode(ok, ok, nan, fmt, 1)
    with pytest.raises(ValueError, match="scales has 7"):
        coder.encode(ok, ok[:7], None, fmt, 1)
    with pytest.raises(ValueError, match="format"):
        coder.encode(ok, ok, None, "zip", 1)
    data = coder.encode(ok, ok, None, fmt, 1)
    with pytest.raises(ValueError, match=r"scales\[2\] is NaN"):
        coder.decode(data, nan, None, fmt, 1)
    with pytest.raises(ValueError, match="means has 7"):
        coder.decode(data, ok, ok[:7], fmt, 1)
    with pytest.raises(ValueError, match="format"):
        coder.decode(data, ok, None, "zip", 1)


def test_scale_coder_rejects_bad_construction():
    with pytest.raises(ValueError, match="scale_table has 3 entries"):
        _native.ScaleCoder(TABLE, SCALES32[:3], 0.11)
    with pytest.raises(ValueError, match="scale_bound"):
        _native.ScaleCoder(TABLE, SCALES32, float("nan"))


def test_scalar_coder_switch_gives_the_same_results():
    """FASTRANS_SIMD=0 (read once per process) selects the scalar lanes encoder and
    decoder, FASTRANS_SIMD=avx2 leaves out the AVX-512 kernels; a fresh interpreter with
    either writes the same bytes (from symbols and from floats) and decodes a multi-chunk
    stream, a damaged one and a mismatched one exactly as one with every kernel."""
    import hashlib
    import os
    import subprocess
    import sys

    script = """
import hashlib, numpy as np
from fastrans import _native
st = np.exp(np.linspace(np.log(0.11), np.log(256.0), 64))
table = _native.gaussian_table(st, 16, 1e-9)
rng = np.random.default_rng(5)
n = 1_200_000
idx = rng.integers(0, 64, size=n).astype(np.int32)
sym = np.rint(rng.normal(0, 1, size=n) * st[idx]).astype(np.int32)
data = table.encode_fastrans(sym, idx, 1)
out = [hashlib.sha256(table.decode_fastrans(data, idx, 1).tobytes()).hexdigest()]
out.append(hashlib.sha256(data).hexdigest())
coder = _native.ScaleCoder(table, st.astype(np.float32), 0.11)
scales = st[idx].astype(np.float32)
means = rng.normal(0, 2, size=n).astype(np.float32)
values = (means + sym).astype(np.float32) + rng.uniform(-0.5, 0.5, size=n).astype(np.float32)
out.append(hashlib.sha256(coder.encode(values, scales, means, "fastrans", 1)).hexdigest())
bad = bytearray(data); bad[len(bad) // 2] ^= 4
for d, ix in ((bytes(bad), idx), (data, (idx + 1) % 64)):
    try:
        table.decode_fastrans(d, ix, 1)
        out.append("ok")
    except Exception as e:
        out.append(type(e).__name__ + ": " + str(e))
print("|".join(out))
"""
    runs = []
    # Every kernel this CPU has, AVX2 at most (the AVX2 encoder and decoder), none.
    for simd in ("1", "avx2", "0"):
        env = dict(os.environ, FASTRANS_SIMD=simd)
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        runs.append(done.stdout.strip())
    assert runs[0] == runs[1] == runs[2]
    assert runs[0].split("|")[0] != hashlib.sha256(b"").hexdigest()
