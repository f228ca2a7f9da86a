"""Byte-for-byte agreement with CompressAI 1.2.8 (vectors in tests/data)."""

from __future__ import annotations

import numpy as np
import pytest

import fastrans
from fastrans.compat import compressai as compat


def test_pmf_to_quantized_cdf_all_vectors(vectors):
    pmfs = vectors.ragged("pmf")
    cdfs = vectors.ragged("pmf_cdf")
    precisions = vectors["pmf_precision"]
    assert len(pmfs) == len(cdfs) == len(precisions) == 300
    for k, (pmf, want, p) in enumerate(zip(pmfs, cdfs, precisions)):
        got = fastrans.pmf_to_quantized_cdf(pmf, int(p))
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want, err_msg=f"pmf #{k} (len {pmf.size}, p={p})")


def test_gc_streams_encode_byte_identical(vectors, gc_table):
    syms, idxs, streams = (
        vectors.ragged("gc_sym"),
        vectors.ragged("gc_idx"),
        vectors.ragged("gc_bytes"),
    )
    assert len(streams) == 12
    for k, (s, i, b) in enumerate(zip(syms, idxs, streams)):
        got = gc_table.encode(s, i, format="compressai")
        assert got == b.astype(np.uint8).tobytes(), f"stream {k}"


def test_gc_streams_decode(vectors, gc_table):
    syms, idxs, streams = (
        vectors.ragged("gc_sym"),
        vectors.ragged("gc_idx"),
        vectors.ragged("gc_bytes"),
    )
    escapes = 0
    for k, (s, i, b) in enumerate(zip(syms, idxs, streams)):
        out = gc_table.decode(b.astype(np.uint8).tobytes(), i, format="compressai")
        np.testing.assert_array_equal(out, s, err_msg=f"stream {k}")
        lengths = vectors["gc_cdf_length"][i]
        v = s - vectors["gc_offset"][i]
        escapes += int(np.sum((v < 0) | (v >= lengths - 2)))
    assert escapes > 0, "the vectors are expected to exercise the escape path"


def test_entropy_bottleneck_stream(vectors):
    table = fastrans.CdfTable(vectors["eb_cdf"], vectors["eb_cdf_length"], vectors["eb_offset"])
    z = vectors["eb_z"]
    medians = vectors["eb_medians"].astype(np.float32).reshape(1, -1, 1, 1)
    symbols = np.rint(z - medians).astype(np.int32)
    indexes = np.broadcast_to(np.arange(z.shape[1], dtype=np.int32).reshape(1, -1, 1, 1), z.shape)
    data = table.encode(symbols, indexes, format="compressai")
    assert data == vectors["eb_bytes"].tobytes()
    out = table.decode(data, indexes, format="compressai")
    np.testing.assert_array_equal(out.astype(np.float32) + medians, vectors["eb_zhat"])


def test_buffered_encoder_and_stream_decoder(vectors, gc_table):
    syms, idxs = vectors.ragged("buf_sym"), vectors.ragged("buf_idx")
    enc = fastrans.BufferedEncoder(gc_table)
    for s, i in zip(syms, idxs):
        enc.encode(s, i)
    assert len(enc) == sum(s.size for s in syms)
    data = enc.flush()
    assert data == vectors["buf_bytes"].tobytes()
    assert len(enc) == 0
    dec = fastrans.StreamDecoder(gc_table, data)
    for s, i in zip(syms, idxs):
        np.testing.assert_array_equal(dec.decode(i), s)
    assert dec.remaining_bytes == 0
    dec.finish()


def test_compat_classes_with_python_lists(vectors):
    cdfs = vectors["gc_cdf"].tolist()
    sizes = vectors["gc_cdf_length"].tolist()
    offsets = vectors["gc_offset"].tolist()
    s, i, b = (vectors.ragged(n)[3] for n in ("gc_sym", "gc_idx", "gc_bytes"))
    data = compat.RansEncoder().encode_with_indexes(s.tolist(), i.tolist(), cdfs, sizes, offsets)
    assert data == b.astype(np.uint8).tobytes()
    out = compat.RansDecoder().decode_with_indexes(data, i.tolist(), cdfs, sizes, offsets)
    assert out == s.tolist()

    buf = compat.BufferedRansEncoder()
    syms, idxs = vectors.ragged("buf_sym"), vectors.ragged("buf_idx")
    for s, i in zip(syms, idxs):
        buf.encode_with_indexes(s.tolist(), i.tolist(), cdfs, sizes, offsets)
    data = buf.flush()
    assert data == vectors["buf_bytes"].tobytes()
    dec = compat.RansDecoder()
    dec.set_stream(data)
    for s, i in zip(syms, idxs):
        assert dec.decode_stream(i.tolist(), cdfs, sizes, offsets) == s.tolist()


def test_compat_buffered_encoder_mixes_tables(vectors, gc_table):
    eb = (vectors["eb_cdf"], vectors["eb_cdf_length"], vectors["eb_offset"])
    gc = (vectors["gc_cdf"], vectors["gc_cdf_length"], vectors["gc_offset"])
    rng = np.random.default_rng(1)
    s1, i1 = rng.integers(-5, 5, 200), rng.integers(0, 32, 200)
    s2, i2 = rng.integers(-40, 40, 300), rng.integers(0, 64, 300)
    buf = compat.BufferedRansEncoder()
    buf.encode_with_indexes(s1, i1, *eb)
    buf.encode_with_indexes(s2, i2, *gc)
    data = buf.flush()
    dec = compat.RansDecoder()
    dec.set_stream(data)
    assert dec.decode_stream(i1, *eb) == s1.tolist()
    assert dec.decode_stream(i2, *gc) == s2.tolist()


def test_compat_decode_stream_needs_set_stream():
    with pytest.raises(ValueError, match="set_stream"):
        compat.RansDecoder().decode_stream([0], [[0, 65536]], [2], [0])
