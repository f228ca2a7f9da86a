"""The torch entropy models beside the core they call, and beside CompressAI (run by hand).

usage: python benches/python/bench_entropy_models.py [--reps N]

What CompressAI-style code calls is ``GaussianConditional.build_indexes`` then
``compress`` / ``decompress``, and ``EntropyBottleneck.compress`` / ``decompress`` on the
hyperprior's small z; this times those calls end to end (tensors in, bytes, tensors out)
against ``ScaleCoder.encode`` / ``decode`` on the same W1 latent, with torch and fastrans on
one thread, and against CompressAI 1.2.8's own models when it is importable (the benchmark
venv: ``make bench-venv``). Best of ``--reps`` calls after a warm-up; ratios from one run.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import fastrans
from fastrans.bench import best_of
from fastrans.entropy_models import (
    EntropyBottleneck,
    GaussianConditional,
    GaussianMixtureConditional,
    LaplaceConditional,
)
from fastrans.workloads import SCALE_TABLE, w1


def best(f: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """Best of ``reps`` timed calls after an untimed one (``fastrans.bench``'s timer)."""
    f()
    return best_of(f, reps)


def gaussian_rows(reps: int) -> list[tuple[str, float, float]]:
    y, means, scales = w1()
    ty, tm, ts = (torch.from_numpy(a) for a in (y, means, scales))
    rows = []
    coder = fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)
    te, data = best(lambda: coder.encode(y, scales, means, threads=1), reps)
    td, _ = best(lambda: coder.decode(data, scales, means, threads=1), reps)
    rows.append(("fastrans ScaleCoder (the core)", te, td))
    for fmt in ("fastrans", "compressai"):
        gc = GaussianConditional(None, stream_format=fmt)
        gc.threads = 1
        gc.update_scale_table(torch.from_numpy(SCALE_TABLE).float())

        def enc(gc: GaussianConditional = gc) -> list[bytes]:
            return gc.compress(ty, gc.build_indexes(ts), tm)

        te, strings = best(enc, reps)

        def dec(gc: GaussianConditional = gc, strings: list[bytes] = strings) -> torch.Tensor:
            return gc.decompress(strings, gc.build_indexes(ts), means=tm)

        td, y_hat = best(dec, reps)
        assert torch.equal(y_hat, torch.round(ty - tm) + tm)
        rows.append((f"fastrans GaussianConditional, {fmt} format", te, td))
    try:
        from compressai.entropy_models import GaussianConditional as CaiGC
    except ImportError:
        return rows
    cgc = CaiGC(None)
    cgc.update_scale_table(torch.from_numpy(SCALE_TABLE).float())
    cgc.update()
    te, strings = best(lambda: cgc.compress(ty, cgc.build_indexes(ts), tm), max(2, reps // 5))
    td, _ = best(
        lambda: cgc.decompress(strings, cgc.build_indexes(ts), means=tm), max(2, reps // 5)
    )
    rows.append(("CompressAI 1.2.8 GaussianConditional", te, td))
    return rows


def bottleneck_rows(reps: int) -> list[tuple[str, float, float]]:
    torch.manual_seed(0)
    z = torch.randn(1, 192, 4, 4) * 3
    rows = []
    eb = EntropyBottleneck(192)
    eb.threads = 1
    eb.update(force=True)
    te, strings = best(lambda: eb.compress(z), reps)
    td, _ = best(lambda: eb.decompress(strings, z.shape[-2:]), reps)
    rows.append(("fastrans EntropyBottleneck", te, td))
    try:
        from compressai.entropy_models import EntropyBottleneck as CaiEB
    except ImportError:
        return rows
    ceb = CaiEB(192)
    ceb.update(force=True)
    te, strings = best(lambda: ceb.compress(z), reps)
    td, _ = best(lambda: ceb.decompress(strings, z.shape[-2:]), reps)
    rows.append(("CompressAI 1.2.8 EntropyBottleneck", te, td))
    return rows


def fixed_cost_rows(reps: int) -> list[tuple[str, float, float]]:
    """Every model on a 1x8x2x2 latent (32 symbols): what a call costs beyond its coding,
    the Python and torch around the native pass."""
    g = torch.Generator().manual_seed(0)
    y = torch.randn(1, 8, 2, 2, generator=g) * 3
    scales = torch.rand(1, 8, 2, 2, generator=g) * 3 + 0.2
    means = torch.randn(1, 8, 2, 2, generator=g)
    rows = []
    table = torch.from_numpy(SCALE_TABLE).float()
    for label, model in (
        ("GaussianConditional", GaussianConditional(None)),
        ("LaplaceConditional", LaplaceConditional(None)),
        ("GaussianConditional, per_symbol_means", GaussianConditional(None, per_symbol_means=True)),
    ):
        model.threads = 1
        model.update_scale_table(table)
        model.update()
        tb, idx = best(lambda m=model: m.build_indexes(scales), reps)
        rows.append((f"{label}.build_indexes", tb, math.nan))
        te, strings = best(lambda m=model, i=idx: m.compress(y, i, means), reps)
        td, _ = best(lambda m=model, s=strings, i=idx: m.decompress(s, i, means=means), reps)
        rows.append((f"{label}.compress / decompress", te, td))
    eb = EntropyBottleneck(8)
    eb.threads = 1
    eb.update(force=True)
    te, strings = best(lambda: eb.compress(y), reps)
    td, _ = best(lambda: eb.decompress(strings, y.shape[-2:]), reps)
    rows.append(("EntropyBottleneck", te, td))
    k = 3
    ks = torch.rand(1, k * 8, 2, 2, generator=g) * 3 + 0.2
    km = torch.randn(1, k * 8, 2, 2, generator=g)
    kw = torch.softmax(torch.randn(1, k, 8, 2, 2, generator=g), 1).reshape(1, k * 8, 2, 2)
    gmc = GaussianMixtureConditional(K=k)
    gmc.threads = 1
    te, ((strings, abs_max, bitmap), _) = best(lambda: gmc.compress(y, ks, km, kw), reps)
    td, _ = best(lambda: gmc.decompress(strings, abs_max, bitmap, ks, km, kw), reps)
    rows.append(("GaussianMixtureConditional, K=3", te, td))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    a = ap.parse_args()
    torch.set_num_threads(1)
    print(
        f"fastrans {fastrans.__version__}, torch {torch.__version__}, one thread, best of {a.reps}"
    )
    for title, rows, unit in (
        ("W1 1x320x48x64 (with build_indexes)", gaussian_rows(a.reps), 1e3),
        ("z 1x192x4x4", bottleneck_rows(a.reps * 10), 1e6),
    ):
        print(title)
        ref_e, ref_d = rows[0][1], rows[0][2]
        name = "ms" if unit == 1e3 else "us"
        for label, te, td in rows:
            print(
                f"  {label:42} encode {te * unit:9.2f} {name} ({te / ref_e:5.2f}x)  "
                f"decode {td * unit:9.2f} {name} ({td / ref_d:5.2f}x)"
            )
    print("fixed cost of a call: 1x8x2x2 (32 symbols)")
    for label, te, td in fixed_cost_rows(a.reps * 10):
        dec = "" if math.isnan(td) else f"  decompress {td * 1e6:7.1f} us"
        print(f"  {label:52} {te * 1e6:7.1f} us{dec}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
