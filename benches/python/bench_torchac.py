"""fastrans.compat.torchac beside torchac itself: 100k symbols, each with its own float
CDF over L = 128 levels, one thread unless --threads (run by hand; torchac has no threads).

usage: python benches/python/bench_torchac.py [--n N] [--levels L] [--reps R] [--threads T]

The CDFs are discretized Laplace laws with random centres and scales (float32 tensors of
shape (n, L+1)), the symbols drawn from them. Reported: Msym/s each way (best of the
repetitions, from torch tensors to bytes and back), and the bytes beside the ideal
information content -sum(log2 p(sym)) of the float CDFs. torchac is timed when it
imports (it compiles a C++ extension on first import, which needs ninja and a compiler).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fastrans.compat import torchac as compat


def best(f, reps):
    ts, out = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def laplace_cdfs(n: int, levels: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centre = rng.uniform(0, levels - 1, (n, 1))
    scale = np.exp(rng.uniform(np.log(0.3), np.log(20), (n, 1)))
    edges = np.arange(levels + 1) - 0.5
    z = (edges - centre) / scale
    cdf = np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0)))
    cdf = (cdf - cdf[:, :1]) / (cdf[:, -1:] - cdf[:, :1])
    cdf = cdf.astype(np.float32)
    u = rng.uniform(0, 1, (n, 1)).astype(np.float32)
    sym = np.minimum((cdf[:, 1:] <= u).sum(axis=1), levels - 1).astype(np.int16)
    pmf = np.diff(cdf.astype(np.float64), axis=1)[np.arange(n), sym]
    ideal_bytes = float(-np.log2(np.maximum(pmf, 1e-300)).sum() / 8)
    return cdf, sym, ideal_bytes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--levels", type=int, default=128)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    cdf_np, sym_np, ideal = laplace_cdfs(a.n, a.levels)
    cdf, sym = torch.from_numpy(cdf_np), torch.from_numpy(sym_np)
    print(f"{a.n} symbols, L = {a.levels}, ideal {ideal:.0f} bytes")
    print(f"{'coder':<26}{'encode Msym/s':>14}{'decode Msym/s':>14}{'bytes':>10}{'vs ideal':>10}")

    def row(name, enc, dec):
        te, data = best(enc, a.reps)
        td, out = best(lambda: dec(data), a.reps)
        assert torch.equal(out.to(torch.int16), sym), name
        over = (len(data) / ideal - 1) * 100
        speeds = f"{a.n / te / 1e6:>14.1f}{a.n / td / 1e6:>14.1f}"
        print(f"{name:<26}{speeds}{len(data):>10}{over:>9.3f}%")
        return te, td, len(data)

    ours = row(
        f"fastrans.compat.torchac t{a.threads}",
        lambda: compat.encode_float_cdf(cdf, sym, threads=a.threads),
        lambda d: compat.decode_float_cdf(cdf, d, threads=a.threads),
    )
    try:
        import torchac
    except Exception as exc:  # noqa: BLE001 - any failure to build or import
        print(f"torchac not timed: {type(exc).__name__}: {exc}")
        return
    theirs = row(
        "torchac",
        lambda: torchac.encode_float_cdf(cdf, sym),
        lambda d: torchac.decode_float_cdf(cdf, d),
    )
    print(
        f"speed-up: encode {theirs[0] / ours[0]:.1f}x, decode {theirs[1] / ours[1]:.1f}x; "
        f"size {(ours[2] / theirs[2] - 1) * 100:+.3f}% vs torchac"
    )


if __name__ == "__main__":
    main()
