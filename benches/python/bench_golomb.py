"""Times ``fastrans.golomb.nbits`` against Cool-Chic's torch formula on 10^6 values.

Run by hand (not a test): ``PYTHONPATH=python python benches/python/bench_golomb.py``.
Both sides run in the same process on the same values (Laplace-distributed integers, the
shape of quantized network parameters); each is timed as the best of several repeats, and
the totals are checked to agree before the ratio is printed. Cool-Chic keeps its sent
parameters in float tensors, so fastrans is also timed from that float tensor (including
the cast to int32), which is what a drop-in call costs. torch runs on one thread by default
(``--torch-threads``), like fastrans.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np
import torch

from fastrans import golomb


def coolchic_nbits(symbol: torch.Tensor, count: int) -> torch.Tensor:
    """Cool-Chic's exp-Golomb size: Σ 2⌊log2(|v|/2^k + 1)⌋ + k + 1 + [v≠0]."""
    nbins = 2 * torch.floor(torch.log2(symbol.abs() / (2**count) + 1)) + count + 1 + (symbol != 0)
    return nbins.sum()


def best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6, help="number of values")
    parser.add_argument("--k", type=int, default=3, help="exp-Golomb order")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--scale", type=float, default=30.0, help="Laplace scale of values")
    parser.add_argument(
        "--torch-threads", type=int, default=1, help="torch intra-op threads (fastrans uses 1)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.torch_threads)

    rng = np.random.default_rng(0)
    ints = np.rint(rng.laplace(0.0, args.scale, args.n)).astype(np.int64)
    ints32 = ints.astype(np.int32)
    floats = torch.from_numpy(ints.astype(np.float32))

    ours = golomb.nbits(ints, args.k)
    theirs = int(coolchic_nbits(floats, args.k).item())
    if not ours == golomb.nbits(ints32, args.k) == theirs:
        raise SystemExit(f"mismatch: fastrans {ours} bits, torch formula {theirs} bits")

    t_torch = best_time(lambda: coolchic_nbits(floats, args.k).item(), args.repeats)
    t_ours = best_time(lambda: golomb.nbits(ints, args.k), args.repeats)
    t_ours32 = best_time(lambda: golomb.nbits(ints32, args.k), args.repeats)
    t_ours_f = best_time(lambda: golomb.nbits(floats.to(torch.int32), args.k), args.repeats)

    print(f"{args.n} values, k={args.k}, {ours} bits, torch threads={torch.get_num_threads()}")
    print(f"torch formula (float32 tensor)       : {t_torch * 1e3:8.3f} ms")
    print(f"fastrans.golomb.nbits (int64 array)  : {t_ours * 1e3:8.3f} ms")
    print(f"fastrans.golomb.nbits (int32 array)  : {t_ours32 * 1e3:8.3f} ms")
    print(f"fastrans.golomb.nbits (from float32) : {t_ours_f * 1e3:8.3f} ms")
    print(f"speed-up, int64 input : {t_torch / t_ours:6.1f}x")
    print(f"speed-up, int32 input : {t_torch / t_ours32:6.1f}x")
    print(f"speed-up, float input : {t_torch / t_ours_f:6.1f}x")


if __name__ == "__main__":
    main()
