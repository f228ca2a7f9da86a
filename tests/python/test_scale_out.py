"""fastrans where users scale out: forked children, pickles, process pools, thread counts."""

from __future__ import annotations

import copy
import multiprocessing as mp
import os
import pickle
import sys
import threading

import numpy as np
import pytest

import fastrans
from fastrans.workloads import SCALE_TABLE, w1


def _table() -> fastrans.CdfTable:
    return fastrans.gaussian_table(SCALE_TABLE)


def _latent(seed: int = 0, shape=(1, 32, 48, 64)):
    return w1(shape, seed=seed)


def _encode_in_child(threads: int | None) -> bytes:
    """What a pool worker does: code a latent big enough to be split across threads."""
    y, means, scales = _latent(1)
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    return coder.encode(y, scales, means, threads=threads)


def _round_trip_in_child(args: tuple[fastrans.ScaleCoder, bytes]) -> np.ndarray:
    coder, data = args
    _, means, scales = _latent(1)
    return coder.decode(data, scales, means, threads=2)


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
@pytest.mark.parametrize("threads", [None, 1, 2, 8])
def test_a_child_codes_after_the_parent_used_its_threads(method: str, threads: int | None):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"{method} is not available on {sys.platform}")
    # The parent codes with its pool first, so a forked child inherits a pool's bookkeeping.
    want = _encode_in_child(threads)
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        got = pool.map_async(_encode_in_child, [threads, threads, 1]).get(timeout=120)
    assert got == [want, want, want]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_grandchild_forked_from_a_forked_child_codes_too():
    want = _encode_in_child(2)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: code (builds its own pool), then fork again and code there
        try:
            ok = _encode_in_child(2) == want
            pid2 = os.fork()
            if pid2 == 0:
                os._exit(0 if _encode_in_child(None) == want else 3)
            _, status = os.waitpid(pid2, 0)
            ok = ok and os.waitstatus_to_exitcode(status) == 0
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1"
    os.close(r)
    assert os.waitstatus_to_exitcode(status) == 0


def test_coder_objects_travel_to_spawned_workers_by_value():
    y, means, scales = _latent(1)
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    data = coder.encode(y, scales, means)
    with mp.get_context("spawn").Pool(1) as pool:
        (out,) = pool.map_async(_round_trip_in_child, [(coder, data)]).get(timeout=120)
    assert np.array_equal(out, coder.decode(data, scales, means))


# --- pickle and deepcopy --------------------------------------------------------------


def _tables() -> list[fastrans.CdfTable]:
    cdfs = np.array([[0, 1, 65535, 65536, 0], [0, 30000, 60000, 65000, 65536]], np.int32)
    return [
        _table(),
        fastrans.laplace_table(SCALE_TABLE[:8], precision=12),
        fastrans.CdfTable(cdfs, [4, 5], [-1, -7]),
    ]


@pytest.mark.parametrize("table", _tables(), ids=["gaussian", "laplace12", "explicit"])
@pytest.mark.parametrize("clone", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_cdf_table_pickles_by_value(table: fastrans.CdfTable, clone):
    other = clone(pickle.dumps(table)) if clone is pickle.loads else clone(table)
    assert other is not table
    assert other.fingerprint == table.fingerprint
    assert other.precision == table.precision
    assert np.array_equal(other.cdfs, table.cdfs)
    assert np.array_equal(other.offsets, table.offsets)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, table.num_tables, 5000).astype(np.int32)
    sym = rng.integers(-40, 40, 5000).astype(np.int32)  # both inside and escaped
    formats = ("fastrans", "compressai") if table.precision == 16 else ("fastrans",)
    for fmt in formats:
        data = table.encode(sym, idx, format=fmt)
        assert other.encode(sym, idx, format=fmt) == data
        assert np.array_equal(other.decode(data, idx, format=fmt), sym)


def test_scale_coder_pickles_and_deepcopies_by_value():
    y, means, scales = _latent(2, (1, 8, 16, 16))
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE, scale_bound=0.2)
    data = coder.encode(y, scales, means)
    for other in (pickle.loads(pickle.dumps(coder)), copy.deepcopy(coder)):
        assert other.table.fingerprint == coder.table.fingerprint
        assert other.encode(y, scales, means) == data
        assert np.array_equal(other.decode(data, scales, means), coder.decode(data, scales, means))


def test_a_tampered_table_pickle_is_a_value_error():
    table = _tables()[2]
    func, (cdfs, lengths, offsets, precision, fingerprint) = table.__reduce__()
    # Same shape, still a valid table, but not the one that was sealed.
    cdfs = cdfs.copy()
    cdfs[1, 1] += 1
    with pytest.raises(ValueError, match="altered"):
        func(cdfs, lengths, offsets, precision, fingerprint)
    # An invalid table (not increasing) is refused by the constructor's validation.
    broken = table.cdfs.copy()
    broken[0, 2] = 0
    with pytest.raises(ValueError):
        func(broken, lengths, offsets, precision, fingerprint)
    with pytest.raises(ValueError):
        func(table.cdfs, lengths, offsets, 17, fingerprint)


def test_a_tampered_pickle_byte_stream_never_crashes():
    """Flipping bytes of a real pickle: loads either fails with an exception or gives a
    table that validates; never a crash or a table that disagrees with its seal."""
    blob = bytearray(pickle.dumps(_tables()[2]))
    rng = np.random.default_rng(7)
    for _ in range(300):
        mutated = bytearray(blob)
        for pos in rng.integers(0, len(blob), 2):
            mutated[pos] ^= 1 << int(rng.integers(0, 8))
        try:
            table = pickle.loads(bytes(mutated))
        except Exception:
            continue
        if isinstance(table, fastrans.CdfTable):
            assert table.fingerprint == _tables()[2].fingerprint


def test_stream_coders_pickle_only_where_their_state_can_travel():
    table = _tables()[2]
    enc = fastrans.BufferedEncoder(table)
    copy.deepcopy(enc)  # empty: travels
    enc.encode([0, 1], [0, 1])
    with pytest.raises(TypeError, match="flush"):
        pickle.dumps(enc)
    data = enc.flush()
    dec = fastrans.StreamDecoder(table, data)
    fresh = pickle.loads(pickle.dumps(dec))
    assert list(fresh.decode([0, 1])) == [0, 1]
    fresh.finish()
    dec.decode([0])
    with pytest.raises(TypeError, match="part-way"):
        copy.deepcopy(dec)


# --- thread counts --------------------------------------------------------------------


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads via /proc")
def test_many_thread_counts_leave_at_most_one_thread_per_core():
    y, means, scales = _latent(4, (1, 16, 32, 32))
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    want = coder.encode(y, scales, means, threads=1)
    coder.encode(y, scales, means)  # the pool exists from here on
    before = _os_threads()
    for threads in range(2, 41):
        assert coder.encode(y, scales, means, threads=threads) == want
    assert coder.encode(y, scales, means, threads=1024) == want
    assert _os_threads() <= before


@pytest.mark.parametrize("bad", [0, -1, 1025, 10**6, 2**63, 2**70])
@pytest.mark.parametrize("fmt", ["fastrans", "compressai"])
def test_threads_out_of_range_is_one_value_error_everywhere(bad: int, fmt: str):
    table = _tables()[2]
    with pytest.raises(ValueError, match="1..=1024"):
        table.encode([0], [0], format=fmt, threads=bad)
    data = table.encode([0], [0], format=fmt)
    with pytest.raises(ValueError, match="1..=1024"):
        table.decode(data, [0], format=fmt, threads=bad)
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    with pytest.raises(ValueError, match="1..=1024"):
        coder.encode([0.0], [1.0], format=fmt, threads=bad)


@pytest.mark.parametrize("bad", [1.0, "2", True])
def test_threads_of_the_wrong_type_is_a_type_error(bad):
    with pytest.raises(TypeError):
        _tables()[2].encode([0], [0], threads=bad)


def test_threads_calling_from_many_python_threads_share_the_pool():
    y, means, scales = _latent(5, (1, 8, 32, 32))
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    want = coder.encode(y, scales, means, threads=1)
    results: list[bytes] = []

    def work() -> None:
        for _ in range(5):
            results.append(coder.encode(y, scales, means, threads=2))

    workers = [threading.Thread(target=work) for _ in range(6)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert results == [want] * 30


# --- arrays from pickle protocol 5 buffers and other views ------------------------------


def _misaligned(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` whose data starts one byte past an aligned address (what a pickle-5
    buffer or ``frombuffer`` at an odd offset can give)."""
    raw = bytearray(a.nbytes + 1)
    view = np.frombuffer(raw, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    view[...] = a
    assert not view.flags.aligned
    return view


def test_misaligned_arrays_code_like_aligned_ones():
    y, means, scales = _latent(6, (1, 4, 16, 16))
    coder = fastrans.ScaleCoder(_table(), _misaligned(SCALE_TABLE.astype(np.float32)))
    want = coder.encode(y, scales, means)
    assert coder.encode(_misaligned(y), _misaligned(scales), _misaligned(means)) == want
    out = coder.decode(want, _misaligned(scales), _misaligned(means))
    assert np.array_equal(out, coder.decode(want, scales, means))
    table = _tables()[2]
    sym, idx = np.array([0, 1, -5, 9], np.int32), np.array([0, 1, 1, 0], np.int32)
    data = table.encode(sym, idx)
    assert table.encode(_misaligned(sym), _misaligned(idx)) == data
    assert np.array_equal(table.decode(data, _misaligned(idx)), sym)
    lengths = _misaligned(table.cdf_lengths)
    again = fastrans.CdfTable(_misaligned(table.cdfs), lengths, table.offsets)
    assert again.fingerprint == table.fingerprint


def test_the_native_module_refuses_a_misaligned_array_with_a_value_error():
    table = _tables()[2]
    idx = _misaligned(np.array([0, 1], np.int32))
    with pytest.raises(ValueError, match="not aligned"):
        table._native.encode_compressai(np.array([0, 1], np.int32), idx)


def test_pickle_protocol_5_out_of_band_buffers_round_trip():
    coder = fastrans.ScaleCoder(_table(), SCALE_TABLE)
    buffers: list[pickle.PickleBuffer] = []
    blob = pickle.dumps(coder, protocol=5, buffer_callback=buffers.append)
    # Hand the buffers back at an odd offset, as a transport may.
    shifted = []
    for b in buffers:
        raw = bytearray(len(b.raw()) + 1)
        raw[1:] = b.raw()
        shifted.append(memoryview(raw)[1:])
    other = pickle.loads(blob, buffers=shifted)
    y, means, scales = _latent(7, (1, 4, 16, 16))
    assert other.encode(y, scales, means) == coder.encode(y, scales, means)
