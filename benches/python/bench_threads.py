"""Does a decode release the GIL? One Python thread doing K independent decodes against
two Python threads doing K/2 each (every call with ``threads=1``, so any speedup comes
from the two Python threads running native code at once). Prints the times and the
speedup; on 2 free cores it approaches 2x, with the GIL held it would be <= 1x.

    PYTHONPATH=python python benches/python/bench_threads.py [--n 983040] [--calls 16]
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


def timed(workers: int, calls: int, job: object) -> float:
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
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=320 * 48 * 64, help="symbols per stream (W1)")
    ap.add_argument("--calls", type=int, default=16, help="decodes per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many")
    args = ap.parse_args()

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
            f"{name:30s} 1 thread {one * 1e3:7.1f} ms  2 threads {two * 1e3:7.1f} ms  "
            f"speedup {one / two:.2f}x"
        )


if __name__ == "__main__":
    main()
