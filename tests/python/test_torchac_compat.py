"""fastrans.compat.torchac: torchac's float-CDF functions over fastrans' stream. Round
trips for L = 2..1024 with random and peaked CDFs, torch and numpy in and out, bad inputs
with their exception types, mismatches and damage."""

from __future__ import annotations

import numpy as np
import pytest

import fastrans
from fastrans._info import parse_stream_header
from fastrans.compat import torchac

torch = pytest.importorskip("torch")


def _cdfs(rng, shape, levels, peaked):
    if peaked:
        centre = rng.uniform(0, levels, shape)[..., None]
        pmf = np.exp(-3.0 * np.abs(np.arange(levels) - centre)) + 1e-9
    else:
        pmf = rng.uniform(0, 1, (*shape, levels))
    pmf /= pmf.sum(axis=-1, keepdims=True)
    cdf = np.concatenate([np.zeros((*shape, 1)), np.cumsum(pmf, axis=-1)], axis=-1)
    u = rng.uniform(0, 1, (*shape, 1))
    sym = np.minimum((cdf[..., 1:] <= u).sum(axis=-1), levels - 1)
    return cdf.astype(np.float32), sym.astype(np.int16)


@pytest.mark.parametrize("levels", [2, 3, 16, 128, 257, 1024])
@pytest.mark.parametrize("peaked", [False, True])
def test_round_trip_torch(levels, peaked):
    rng = np.random.default_rng(levels)
    cdf, sym = _cdfs(rng, (2, 3, 40), levels, peaked)
    cdf_t, sym_t = torch.from_numpy(cdf), torch.from_numpy(sym)
    data = torchac.encode_float_cdf(cdf_t, sym_t, check_input_bounds=True)
    assert isinstance(data, bytes)
    assert data == torchac.encode_float_cdf(cdf_t, sym_t, threads=1)
    out = torchac.decode_float_cdf(cdf_t, data)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int16
    assert out.shape == sym_t.shape
    assert torch.equal(out, sym_t)


def test_numpy_in_numpy_out_and_empty():
    rng = np.random.default_rng(0)
    cdf, sym = _cdfs(rng, (100,), 8, False)
    data = torchac.encode_float_cdf(cdf, sym, needs_normalization=False)
    out = torchac.decode_float_cdf(cdf, data)
    assert isinstance(out, np.ndarray) and out.dtype == np.int16
    np.testing.assert_array_equal(out, sym)
    empty = np.zeros((0, 5), np.float32)
    data = torchac.encode_float_cdf(empty, np.zeros(0, np.int16))
    assert torchac.decode_float_cdf(empty, data).shape == (0,)


def test_bad_inputs_raise_exact_types():
    rng = np.random.default_rng(1)
    cdf, sym = _cdfs(rng, (4, 5), 6, False)
    bad = cdf.copy()
    bad[2, 3, 4] = bad[2, 3, 3] - 0.1
    with pytest.raises(ValueError, match=r"cdf\[13, 4\]"):
        torchac.encode_float_cdf(bad, sym)
    bad = cdf.copy()
    bad[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match=r"cdf\[1, 2\].*not finite"):
        torchac.encode_float_cdf(bad, sym)
    out_of_range = sym.copy()
    out_of_range[1, 1] = 6
    with pytest.raises(ValueError, match=r"symbols\[6\]"):
        torchac.encode_float_cdf(cdf, out_of_range)
    with pytest.raises(ValueError, match="shape"):
        torchac.encode_float_cdf(cdf, sym[:, :4])
    with pytest.raises(ValueError, match="L <="):
        torchac.encode_float_cdf(cdf[..., :2], sym)
    with pytest.raises(TypeError, match="needs_normalization"):
        torchac.encode_float_cdf(cdf, sym, needs_normalization="yes")
    with pytest.raises(TypeError, match="byte_stream"):
        torchac.decode_float_cdf(cdf, "not bytes")
    data = torchac.encode_float_cdf(cdf, sym)
    with pytest.raises(ValueError, match="symbols"):
        torchac.decode_float_cdf(cdf[:3], data)
    bad = cdf.copy()
    bad[3, 4, 1] = np.inf
    with pytest.raises(ValueError, match=r"cdf\[19, 1\]"):
        torchac.decode_float_cdf(bad, data)


def test_mismatches_and_damage():
    rng = np.random.default_rng(2)
    cdf, sym = _cdfs(rng, (3000,), 32, True)
    data = torchac.encode_float_cdf(cdf, sym)
    other, _ = _cdfs(rng, (3000,), 31, True)
    with pytest.raises(fastrans.TableMismatchError):
        torchac.decode_float_cdf(other, data)
    coder = fastrans.ParametricCoder("gaussian")
    zeros, ones = np.zeros(3000, np.float32), np.ones(3000, np.float32)
    with pytest.raises(fastrans.TableMismatchError):
        coder.decode(data, zeros, ones)
    with pytest.raises(fastrans.TableMismatchError):
        torchac.decode_float_cdf(cdf, coder.encode(np.zeros(3000, np.int32), zeros, ones))
    for i in range(0, len(data), 97):
        bad = bytearray(data)
        bad[i] ^= 0x40
        with pytest.raises(fastrans.CorruptStreamError):
            torchac.decode_float_cdf(cdf, bytes(bad))
    with pytest.raises(fastrans.CorruptStreamError):
        torchac.decode_float_cdf(cdf, data[:-3])


def test_streams_of_several_chunks_on_one_and_two_threads():
    # Float-CDF chunks hold at most 2**17 symbols: 300k symbols of about 4 bits are three
    # chunks (far fewer bits a symbol would make the chunks' own bytes too dear, and the
    # encoder takes fewer), which code on either thread count to the same bytes and
    # symbols; a bad row in the last chunk is named whichever thread meets it.
    rng = np.random.default_rng(7)
    cdf, sym = _cdfs(rng, (300_000,), 16, False)
    data = torchac.encode_float_cdf(cdf, sym, threads=1)
    header = parse_stream_header(data)
    assert (header.chunks, header.chunk_symbols) == (3, 100_000)
    assert data == torchac.encode_float_cdf(cdf, sym, threads=2)
    for threads in (1, 2):
        np.testing.assert_array_equal(torchac.decode_float_cdf(cdf, data, threads=threads), sym)
    bad = cdf.copy()
    bad[299_998, 2] = np.nan
    for threads in (1, 2):
        with pytest.raises(ValueError, match=r"cdf\[299998, 2\]"):
            torchac.decode_float_cdf(bad, data, threads=threads)
        with pytest.raises(ValueError, match=r"cdf\[299998, 2\]"):
            torchac.encode_float_cdf(bad, sym, threads=threads)
