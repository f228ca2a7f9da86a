"""Does a decode release the GIL? One Python thread doing K independent decodes against
two Python threads doing K/2 each (every call with ``threads=1``, so any speedup comes
from the two Python threads running native code at once). Prints the times and the
speedup and the CPU/wall ratio; on 2 free cores the speedup approaches 2x, with the GIL
held both would stay <= 1x.

    PYTHONPATH=python python benches/python/bench_threads.py [--n 983040] [--calls 16]

With ``--table``, instead: ``CdfTable`` fastrans encode and decode of a 2,949,120-symbol
stream (three W1s: six 16-lane chunks) with ``threads=1`` and ``threads=2``, the calls
alternating, the median of ``--calls`` calls of each per round, ``--repeats`` rounds (the
figures of docs/PERFORMANCE.md, "Threads: the caller works too"). Run it with the machine
otherwise idle, and with ``FASTRANS_SIMD=avx2`` for the AVX2 kernels.
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np

import fastrans


def w1(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(np.log(0.12), np.log(30.0), n)).astype(np.float32)
    means = rng.normal(0, 3.0, n).astype(np.float32)
    y = (means + scales * rng.standard_normal(n)).astype(np.float32)
    return y, means, scales


def timed(workers: int, calls: int, job: object) -> tuple[float, float]:
    """Wall time of ``calls`` jobs spread over ``workers`` threads, and the process CPU
    time over that wall time (> 1 only if threads ran native code at once: with the GIL
    held it stays <= 1 whatever the machine's load)."""
    per = calls // workers
    barrier = threading.Barrier(workers + 1)

    def body() -> None:
        barrier.wait()
        for _ in range(per):
            job()  # type: ignore[operator]

    threads = [threading.Thread(target=body) for _ in range(workers)]
    for t in threads:
        t.start()
    barrier.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return wall, (time.process_time() - c0) / wall


def gil_probe(job: object) -> tuple[float, int]:
    """Load-independent check: how far a pure-Python thread counts while ``job`` runs
    once on this thread. With the GIL held during the native call it could not count."""
    count, stop = [0], [False]

    def spin() -> None:
        while not stop[0]:
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.02)
    c0, t0 = count[0], time.perf_counter()
    job()  # type: ignore[operator]
    wall, advanced = time.perf_counter() - t0, count[0] - c0
    stop[0] = True
    t.join()
    return wall, advanced


def table_threads(calls: int, rounds: int) -> None:
    """``threads=2`` against ``threads=1`` for ``CdfTable``'s fastrans coders (see the
    module doc)."""
    from fastrans.workloads import SCALE_TABLE
    from fastrans.workloads import w1 as w1_latent

    y, means, scales = w1_latent((3, 320, 48, 64))
    symbols = np.round(y - means).astype(np.int32).ravel()
    indexes = fastrans.scale_indexes(scales, SCALE_TABLE).astype(np.int32).ravel()
    table = fastrans.gaussian_table(SCALE_TABLE.astype(np.float32))
    data = table.encode(symbols, indexes, threads=1)
    assert table.encode(symbols, indexes, threads=2) == data
    assert np.array_equal(table.decode(data, indexes, threads=2), symbols)
    jobs = {
        "encode": lambda t: table.encode(symbols, indexes, threads=t),
        "decode": lambda t: table.decode(data, indexes, threads=t),
    }
    print(f"CdfTable, {symbols.size} symbols, medians of {calls} calls")
    for r in range(rounds):
        times: dict[tuple[str, int], list[float]] = {(k, t): [] for k in jobs for t in (1, 2)}
        for _ in range(calls):
            for (name, t), out in times.items():
                t0 = time.perf_counter()
                jobs[name](t)
                out.append(time.perf_counter() - t0)
        med = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
        print(
            f"round {r}: "
            + "  ".join(
                f"{k} {med[k, 1]:.2f} -> {med[k, 2]:.2f} ms ({med[k, 1] / med[k, 2]:.2f}x)"
                for k in jobs
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=320 * 48 * 64, help="symbols per stream (W1)")
    ap.add_argument("--calls", type=int, default=16, help="decodes per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many")
    ap.add_argument("--table", action="store_true", help="CdfTable threads=1 vs threads=2")
    args = ap.parse_args()
    if args.table:
        table_threads(args.calls, args.repeats)
        return

    scale_table = np.exp(np.linspace(np.log(0.11), np.log(256.0), 64)).astype(np.float32)
    coder = fastrans.ScaleCoder(fastrans.gaussian_table(scale_table), scale_table)
    y, means, scales = w1(args.n)
    jobs = {
        "ScaleCoder.decode fastrans": (
            lambda data: lambda: coder.decode(data, scales, means, threads=1)
        )(coder.encode(y, scales, means, threads=1)),
        "ScaleCoder.decode compressai": (
            lambda data: lambda: coder.decode(data, scales, means, format="compressai")
        )(coder.encode(y, scales, means, format="compressai")),
    }
    print(f"{args.n} symbols per decode, {args.calls} decodes per measurement")
    for name, job in jobs.items():
        job()  # warm up (pools, page faults)
        one = min(timed(1, args.calls, job) for _ in range(args.repeats))
        two = min(timed(2, args.calls, job) for _ in range(args.repeats))
        print(
            f"{name:30s} 1 thread {one[0] * 1e3:7.1f} ms  2 threads {two[0] * 1e3:7.1f} ms  "
            f"speedup {one[0] / two[0]:.2f}x  cpu/wall {one[1]:.2f} -> {two[1]:.2f}"
        )
        wall, advanced = gil_probe(job)
        print(f"{'':30s} a Python thread counted {advanced} during one {wall * 1e3:.0f} ms decode")


if __name__ == "__main__":
    main()
