"""Eight Python threads sharing one CdfTable / ScaleCoder encode and decode at once, in
both formats and with every ``threads=`` setting, and get exactly what one thread gets.
Tables and coders are immutable and the native calls release the GIL, so the threads
really run together (benches/python/bench_threads.py measures that)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import fastrans
from fastrans import BufferedEncoder, ScaleCoder, StreamDecoder

SCALES = np.exp(np.linspace(np.log(0.11), np.log(64.0), 64)).astype(np.float32)
TABLE = fastrans.gaussian_table(SCALES)
CODER = ScaleCoder(TABLE, SCALES)
THREADS = 8


def w1(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(np.log(0.12), np.log(30.0), n)).astype(np.float32)
    means = rng.normal(0, 3.0, n).astype(np.float32)
    y = (means + scales * rng.standard_normal(n)).astype(np.float32)
    return y, means, scales


def run_together(work: Callable[[int], Any]) -> list[Any]:
    """``work(k)`` on THREADS threads released at once; their results (or errors) in order."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def body(k: int) -> None:
        barrier.wait()
        try:
            results[k] = work(k)
        except BaseException as exc:  # reported below, with the thread's number
            results[k] = exc

    threads = [threading.Thread(target=body, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, r in enumerate(results):
        assert not isinstance(r, BaseException), f"thread {k} raised {r!r}"
    return results


def test_cdf_table_shared_by_eight_threads() -> None:
    inputs = []
    for k in range(THREADS):
        y, means, scales = w1(40_000 + 997 * k, k)
        inputs.append((np.rint(y - means).astype(np.int32), fastrans.scale_indexes(scales, SCALES)))
    expected = [
        {fmt: TABLE.encode(s, i, format=fmt, threads=1) for fmt in ("fastrans", "compressai")}
        for s, i in inputs
    ]

    def work(k: int) -> list[tuple[bytes, np.ndarray]]:
        s, i = inputs[k]
        out = []
        for _ in range(3):
            for fmt, threads in (
                ("fastrans", None),
                ("fastrans", 1),
                ("fastrans", 2),
                ("compressai", None),
            ):
                data = TABLE.encode(s, i, format=fmt, threads=threads)
                out.append((data, TABLE.decode(expected[k][fmt], i, format=fmt, threads=threads)))
                assert data == expected[k][fmt]
        return out

    for k, res in enumerate(run_together(work)):
        for data, decoded in res:
            assert data in expected[k].values()
            np.testing.assert_array_equal(decoded, inputs[k][0])


def test_scale_coder_shared_by_eight_threads() -> None:
    inputs = [w1(30_000 + 1009 * k, 100 + k) for k in range(THREADS)]
    expected = [CODER.encode(y, s, m, threads=1) for y, m, s in inputs]
    want = [np.rint(y - m) + m for y, m, _ in inputs]

    def work(k: int) -> list[tuple[bytes, np.ndarray]]:
        y, m, s = inputs[k]
        out = []
        for fmt in ("fastrans", "compressai", "fastrans"):
            data = CODER.encode(y, s, m, format=fmt)
            out.append((data, CODER.decode(data, s, m, format=fmt)))
        return out

    for k, res in enumerate(run_together(work)):
        assert res[0][0] == expected[k] == res[2][0]
        for _, decoded in res:
            np.testing.assert_array_equal(decoded, want[k].astype(np.float32))


def test_stream_coders_one_per_thread_shared_table() -> None:
    inputs = []
    for k in range(THREADS):
        rng = np.random.default_rng(k)
        idx = rng.integers(0, 64, 5000).astype(np.int32)
        inputs.append((rng.integers(-20, 20, 5000).astype(np.int32), idx))

    def work(k: int) -> tuple[bytes, np.ndarray]:
        s, i = inputs[k]
        enc = BufferedEncoder(TABLE)
        for a in range(0, s.size, 500):
            enc.encode(s[a : a + 500], i[a : a + 500])
        data = enc.flush()
        dec = StreamDecoder(TABLE, data)
        parts = [dec.decode(i[a : a + 700]) for a in range(0, i.size, 700)]
        dec.finish()
        return data, np.concatenate(parts)

    for k, (data, decoded) in enumerate(run_together(work)):
        s, i = inputs[k]
        assert data == TABLE.encode(s, i, format="compressai")
        np.testing.assert_array_equal(decoded, s)


def test_one_stream_decoder_shared_by_threads_stays_consistent() -> None:
    """Threads racing on one StreamDecoder each get whole calls: together they decode the
    stream exactly once, in some order, and finish() holds."""
    s = np.arange(-400, 400, dtype=np.int32) % 7 - 3
    i = np.zeros(s.size, np.int32)
    data = TABLE.encode(s, i, format="compressai")
    dec = StreamDecoder(TABLE, data)
    per = s.size // THREADS

    def work(k: int) -> np.ndarray:
        return dec.decode(i[:per])

    parts = run_together(work)
    dec.finish()
    assert sorted(map(tuple, parts)) == sorted(tuple(s[a : a + per]) for a in range(0, s.size, per))
