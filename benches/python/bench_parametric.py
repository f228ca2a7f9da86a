"""Per-symbol parametric models beside constriction, interleaved (run by hand).

usage: python benches/python/bench_parametric.py [--n N] [--rounds R]

Cool-Chic-like latents: means on a 1/256 grid in [-8, 8), scales log-uniform 0.05..60,
support -64..63, symbols drawn from the Laplace law of their own mean and scale and
clipped into the support. fastrans.ParametricCoder("laplace" / "gaussian", lower=-64,
upper=63) codes them on one thread, and constriction's QuantizedLaplace(-64, 63) /
QuantizedGaussian(-64, 63) with the same means and scales through its stack AnsCoder
(one thread too). Every round times each job once, in turn, and each keeps its best
round: on a shared machine the ratios are the robust statistic. A 3-component Gaussian
mixture is then coded by fastrans and compared with its exact information content
(float64 CDFs). Needs constriction: run it from the benchmark venv (docs/PERFORMANCE.md)
with this build's fastrans first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

import fastrans


def _phi(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF in float64 (math.erfc, element by element)."""
    erfc = np.frompyfunc(math.erfc, 1, 1)
    return 0.5 * erfc(-x / math.sqrt(2.0)).astype(np.float64)


def _best(jobs: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    best = dict.fromkeys(jobs, math.inf)
    for _ in range(rounds):
        for name, job in jobs.items():
            t = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1 << 20)
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    import constriction

    n = a.n
    rng = np.random.default_rng(0)
    means = (np.floor(rng.uniform(-8, 8, n) * 256) / 256).astype(np.float32)
    scales = np.exp(rng.uniform(math.log(0.05), math.log(60), n)).astype(np.float32)
    sym = np.clip(np.rint(rng.laplace(means, scales)), -64, 63).astype(np.int32)
    m64, s64 = means.astype(np.float64), scales.astype(np.float64)

    rows = []
    for family, cmodel in (
        ("laplace", constriction.stream.model.QuantizedLaplace(-64, 63)),
        ("gaussian", constriction.stream.model.QuantizedGaussian(-64, 63)),
    ):
        coder = fastrans.ParametricCoder(family, lower=-64, upper=63)
        data = coder.encode(sym, means, scales, threads=1)
        assert np.array_equal(coder.decode(data, means, scales, threads=1), sym)
        enc = constriction.stream.stack.AnsCoder()
        enc.encode_reverse(sym, cmodel, m64, s64)
        words = enc.get_compressed()
        back = constriction.stream.stack.AnsCoder(words).decode(cmodel, m64, s64)
        assert np.array_equal(back, sym)

        def c_enc(model=cmodel) -> object:
            c = constriction.stream.stack.AnsCoder()
            c.encode_reverse(sym, model, m64, s64)
            return c.get_compressed()

        def c_dec(model=cmodel, words=words) -> object:
            return constriction.stream.stack.AnsCoder(words).decode(model, m64, s64)

        jobs = {
            "fastrans encode": lambda coder=coder: coder.encode(sym, means, scales, threads=1),
            "constriction encode": c_enc,
            "fastrans decode": lambda coder=coder, data=data: coder.decode(
                data, means, scales, threads=1
            ),
            "constriction decode": c_dec,
        }
        t = _best(jobs, a.rounds)
        rows.append((family, t, len(data), 4 * words.size))

    print(f"n = {n} symbols, support -64..63, one thread, best of {a.rounds} interleaved rounds")
    print(
        "| law | fastrans enc | constriction enc | ratio | fastrans dec | constriction dec "
        "| ratio | fastrans bytes | constriction bytes | rate vs constriction |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for family, t, fb, cb in rows:
        ms = {k: n / v / 1e6 for k, v in t.items()}
        print(
            f"| {family} | {ms['fastrans encode']:.1f} | {ms['constriction encode']:.1f} | "
            f"{ms['fastrans encode'] / ms['constriction encode']:.1f}x | "
            f"{ms['fastrans decode']:.1f} | {ms['constriction decode']:.1f} | "
            f"{ms['fastrans decode'] / ms['constriction decode']:.1f}x | {fb} | {cb} | "
            f"{100 * (fb - cb) / cb:+.3f}% |"
        )

    # A 3-component Gaussian mixture against its exact information content.
    k = 3
    mm = (np.floor(rng.uniform(-8, 8, (k, n)) * 256) / 256).astype(np.float32)
    ss = np.exp(rng.uniform(math.log(0.05), math.log(60), (k, n))).astype(np.float32)
    w = rng.uniform(0.05, 1, (k, n))
    w = (w / w.sum(axis=0)).astype(np.float32)
    pick = (rng.uniform(size=n)[None, :] > np.cumsum(w, axis=0)).sum(axis=0).clip(0, k - 1)
    cols = np.arange(n)
    draw = rng.normal(mm[pick, cols], ss[pick, cols])
    msym = np.clip(np.rint(draw), -64, 63).astype(np.int32)
    mix = fastrans.ParametricCoder("gaussian", lower=-64, upper=63)
    t0 = time.perf_counter()
    mdata = mix.encode(msym, mm, ss, w, threads=1)
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert np.array_equal(mix.decode(mdata, mm, ss, w, threads=1), msym)
    t_dec = time.perf_counter() - t0
    w64, mm64, ss64 = (v.astype(np.float64) for v in (w, mm, ss))
    hi = np.where(msym == 63, np.inf, msym + 0.5)
    lo = np.where(msym == -64, -np.inf, msym - 0.5)
    p = (w64 * (_phi((hi - mm64) / ss64) - _phi((lo - mm64) / ss64))).sum(axis=0)
    info = float(-np.log2(p).sum() / 8)
    print(
        f"\nK=3 Gaussian mixture, one thread: encode {n / t_enc / 1e6:.1f} Msym/s, decode "
        f"{n / t_dec / 1e6:.1f} Msym/s; {len(mdata)} bytes vs {info:.0f} bytes of exact "
        f"information ({100 * (len(mdata) - info) / info:+.3f}%)"
    )


if __name__ == "__main__":
    main()
