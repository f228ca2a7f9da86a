"""W1 end to end beside CompressAI and constriction, interleaved (run by hand).

usage: python benches/python/bench_w1_interleaved.py [--rounds N] [--warm]

The same systems and calls as a back-to-back comparison, but every round times each
system once, in turn, and each keeps its best round. On a shared machine whose speed
drifts by 2x over seconds, running all repetitions of one system, then the next, can put
one system's whole window in a slow spell; interleaving exposes every system to the same
spells, so the ratios are the robust statistic.

`--warm` runs each job once, untimed, just before its timed run: a call that follows an
idle spell or another library's AVX-512 work can run about 1 ms slower while the clock
ramps up (docs/PERFORMANCE.md), which weighs on millisecond calls and not on 50-200 ms
ones. The default (cold) figures are the conservative ones, and are what a codec sees
right after its network's forward pass. Needs compressai (numpy<2) and constriction: run
it from the benchmark venv (`make bench-venv`, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from fastrans.workloads import SCALE_TABLE, w1  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warm", action="store_true", help="an untimed run before each timed one")
    a = ap.parse_args()
    import constriction
    import torch
    from compressai import ans
    from compressai.entropy_models import GaussianConditional

    import fastrans

    y, means, scales = w1()
    n = y.size
    gc = GaussianConditional(None)
    gc.update_scale_table(torch.tensor(SCALE_TABLE, dtype=torch.float32))
    gc.update()
    cdf, lens, offs = (gc._quantized_cdf.numpy(), gc._cdf_length.numpy(), gc._offset.numpy())
    ty, tm, ts = (torch.from_numpy(v) for v in (y, means, scales))
    sym = np.rint(y - means).astype(np.int32).ravel()
    idx = gc.build_indexes(ts).numpy().astype(np.int32).ravel()
    lists = (sym.tolist(), idx.tolist(), cdf.tolist(), lens.tolist(), offs.tolist())
    sd = np.maximum(scales, 0.11).astype(np.float64).ravel()
    mu = np.zeros(n)
    model = constriction.stream.model.QuantizedGaussian(int(sym.min()) - 1, int(sym.max()) + 1)
    table = fastrans.CdfTable(cdf, lens, offs)
    coder = fastrans.ScaleCoder(table, SCALE_TABLE)

    def c_enc() -> object:
        c = constriction.stream.stack.AnsCoder()
        c.encode_reverse(sym, model, mu, sd)
        return c.get_compressed()

    streams = {
        "compressai": gc.compress(ty, gc.build_indexes(ts), tm),
        "constriction": c_enc(),
        "ans": ans.RansEncoder().encode_with_indexes(*lists),
        "fastrans": coder.encode(y, scales, means, threads=1),
        "fastrans/compressai": coder.encode(y, scales, means, format="compressai", threads=1),
        "table/compressai": table.encode(sym, idx, format="compressai"),
    }
    jobs: dict[str, Callable[[], object]] = {
        "compressai enc": lambda: gc.compress(ty, gc.build_indexes(ts), tm),
        "compressai dec": lambda: gc.decompress(
            streams["compressai"], gc.build_indexes(ts), means=tm
        ),
        "constriction enc": c_enc,
        "constriction dec": lambda: constriction.stream.stack.AnsCoder(
            streams["constriction"]
        ).decode(model, mu, sd),
        "fastrans enc": lambda: coder.encode(y, scales, means, threads=1),
        "fastrans dec": lambda: coder.decode(streams["fastrans"], scales, means, threads=1),
        "fastrans 2 threads enc": lambda: coder.encode(y, scales, means, threads=2),
        "fastrans 2 threads dec": lambda: coder.decode(
            streams["fastrans"], scales, means, threads=2
        ),
        "ScaleCoder compressai-format enc": lambda: coder.encode(
            y, scales, means, format="compressai", threads=1
        ),
        "ScaleCoder compressai-format dec": lambda: coder.decode(
            streams["fastrans/compressai"], scales, means, format="compressai", threads=1
        ),
        "compressai.ans enc (lists prebuilt)": lambda: ans.RansEncoder().encode_with_indexes(
            *lists
        ),
        "compressai.ans dec (lists prebuilt)": lambda: ans.RansDecoder().decode_with_indexes(
            streams["ans"], *lists[1:]
        ),
        "CdfTable compressai-format enc": lambda: table.encode(sym, idx, format="compressai"),
        "CdfTable compressai-format dec": lambda: table.decode(
            streams["table/compressai"], idx, format="compressai"
        ),
    }
    assert streams["table/compressai"] == streams["ans"] == streams["compressai"][0]
    assert streams["fastrans/compressai"] == streams["ans"]
    best = {k: float("inf") for k in jobs}
    for _ in range(a.rounds):
        for name, job in jobs.items():
            if a.warm:
                job()
            t = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - t)
    warm = ", each after an untimed warm-up run" if a.warm else ""
    print(f"W1: {n} symbols, best of {a.rounds} interleaved rounds{warm}")
    for name, t in best.items():
        print(f"{name:40s} {t * 1e3:8.2f} ms {n / t / 1e6:7.1f} Msym/s")

    def ratio(a_: str, b_: str) -> str:
        return f"{best[a_] / best[b_]:.1f}x"

    print(
        "fastrans vs CompressAI: enc",
        ratio("compressai enc", "fastrans enc"),
        "dec",
        ratio("compressai dec", "fastrans dec"),
    )
    print(
        "fastrans vs constriction: enc",
        ratio("constriction enc", "fastrans enc"),
        "dec",
        ratio("constriction dec", "fastrans dec"),
    )
    print(
        "2 threads vs 1: enc",
        ratio("fastrans enc", "fastrans 2 threads enc"),
        "dec",
        ratio("fastrans dec", "fastrans 2 threads dec"),
    )
    print(
        "CdfTable format=compressai vs compressai.ans: enc",
        ratio("compressai.ans enc (lists prebuilt)", "CdfTable compressai-format enc"),
        "dec",
        ratio("compressai.ans dec (lists prebuilt)", "CdfTable compressai-format dec"),
    )
    print(
        "ScaleCoder format=compressai vs CompressAI: enc",
        ratio("compressai enc", "ScaleCoder compressai-format enc"),
        "dec",
        ratio("compressai dec", "ScaleCoder compressai-format dec"),
    )


if __name__ == "__main__":
    main()
