"""``python -m fastrans bench``: throughput and sizes on the reference workloads, fastrans
beside the libraries users have today, in one run.

Why this module: a user's first question is "how much faster on my machine?". Every system
is timed end to end on the same arrays (floats in, bytes out, and back; table lookups and
symbol rounding included), the best of ``reps`` runs is kept, and every round trip is
checked. CompressAI and constriction are timed when they are importable (CompressAI pins
numpy<2, so it usually lives in another venv: see the project's bench README).

W1 (from :mod:`fastrans.workloads`): a 1x320x48x64 hyperprior latent with means and scales,
coded with the 64 Gaussian tables of CompressAI's scale table (GaussianConditional's job).
W2: a 16x192x16x16 factorized latent with a per-channel spread, coded with one table per
channel (EntropyBottleneck's job; here the channels' exact discretized Gaussians).
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import fastrans
from fastrans._progress import Progress
from fastrans.workloads import SCALE_TABLE, gaussian_pmfs, w1

W1_SHAPE, W1_SMALL = (1, 320, 48, 64), (1, 32, 24, 32)
W2_SHAPE, W2_SMALL = (16, 192, 16, 16), (2, 32, 8, 8)


def w2(shape: tuple[int, int, int, int] = W2_SHAPE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(z, spread)``: z ~ N(0, spread[c]^2) per channel c, float32 (shared/bench's W2)."""
    rng = np.random.default_rng(seed)
    spread = np.linspace(0.5, 8.0, shape[1], dtype=np.float32)
    z = rng.standard_normal(size=shape).astype(np.float32) * spread.reshape(1, -1, 1, 1)
    return z.astype(np.float32), spread


@dataclass
class Result:
    workload: str
    system: str
    symbols: int
    encode_s: float
    decode_s: float
    nbytes: int
    exact: bool


@dataclass
class Job:
    workload: str
    system: str
    symbols: int
    # () -> (encode seconds, decode seconds, bytes, exact), timing best of reps inside
    run: Callable[[int], tuple[float, float, int, bool]]


def best_of(f: Callable[[], Any], reps: int) -> tuple[float, Any]:
    """The best time of ``reps`` calls of ``f``, and the last call's result."""
    best, out = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def _threads_label(threads: int | None) -> str:
    return f"threads={threads}" if threads else f"threads=all({os.cpu_count()})"


# ---------------------------------------------------------------------------- W1


def _w1_jobs(shape: tuple[int, ...]) -> list[Job]:
    y, means, scales = w1(shape)
    n = y.size
    expected = np.rint(y - means) + means
    jobs: list[Job] = []
    coder = fastrans.ScaleCoder(fastrans.gaussian_table(SCALE_TABLE), SCALE_TABLE)

    def fastrans_job(
        fmt: str, threads: int | None
    ) -> Callable[[int], tuple[float, float, int, bool]]:
        def run(reps: int) -> tuple[float, float, int, bool]:
            te, data = best_of(
                lambda: coder.encode(y, scales, means, format=fmt, threads=threads), reps
            )
            td, out = best_of(
                lambda: coder.decode(data, scales, means, format=fmt, threads=threads), reps
            )
            exact = bool(np.array_equal(np.asarray(out).reshape(y.shape), expected))
            return te, td, len(data), exact

        return run

    for threads in (1, None):
        name = f"fastrans ScaleCoder format=fastrans {_threads_label(threads)}"
        jobs.append(Job("W1", name, n, fastrans_job("fastrans", threads)))
    jobs.append(
        Job("W1", "fastrans ScaleCoder format=compressai", n, fastrans_job("compressai", 1))
    )

    try:
        import torch
        from compressai.entropy_models import GaussianConditional
    except ImportError:
        pass
    else:

        def compressai_run(reps: int) -> tuple[float, float, int, bool]:
            gc = GaussianConditional(None)
            gc.update_scale_table(torch.tensor(SCALE_TABLE, dtype=torch.float32))
            gc.update()
            ty, tm, ts = (torch.from_numpy(v) for v in (y, means, scales))
            te, s = best_of(lambda: gc.compress(ty, gc.build_indexes(ts), tm), reps)
            td, out = best_of(lambda: gc.decompress(s, gc.build_indexes(ts), means=tm), reps)
            return te, td, sum(map(len, s)), bool(torch.equal(out, torch.round(ty - tm) + tm))

        jobs.append(Job("W1", "compressai GaussianConditional", n, compressai_run))

    try:
        import constriction
    except ImportError:
        pass
    else:

        def constriction_run(reps: int) -> tuple[float, float, int, bool]:
            sym = np.rint(y - means).astype(np.int32).ravel()
            sd = np.maximum(scales, 0.11).astype(np.float64).ravel()
            mu = np.zeros(n)
            model = constriction.stream.model.QuantizedGaussian(
                int(sym.min()) - 1, int(sym.max()) + 1
            )

            def enc() -> np.ndarray:
                c = constriction.stream.stack.AnsCoder()
                c.encode_reverse(sym, model, mu, sd)
                return c.get_compressed()

            te, comp = best_of(enc, reps)
            td, out = best_of(
                lambda: constriction.stream.stack.AnsCoder(comp).decode(model, mu, sd), reps
            )
            return te, td, int(comp.nbytes), bool(np.array_equal(out, sym))

        jobs.append(Job("W1", "constriction AnsCoder", n, constriction_run))
    return jobs


# ---------------------------------------------------------------------------- W2


def _w2_jobs(shape: tuple[int, int, int, int]) -> list[Job]:
    z, spread = w2(shape)
    n = z.size
    pmfs, lengths, tails, offsets = gaussian_pmfs(spread.astype(np.float64))
    table = fastrans.CdfTable.from_pmfs(pmfs, lengths, tails, offsets)
    expected = np.rint(z).astype(np.int32)
    channel = np.arange(shape[1], dtype=np.int32).reshape(1, -1, 1, 1)
    jobs: list[Job] = []

    def fastrans_job(
        fmt: str, threads: int | None
    ) -> Callable[[int], tuple[float, float, int, bool]]:
        def run(reps: int) -> tuple[float, float, int, bool]:
            def enc() -> bytes:
                idx = np.broadcast_to(channel, shape)
                return table.encode(np.rint(z).astype(np.int32), idx, format=fmt, threads=threads)

            te, data = best_of(enc, reps)
            td, out = best_of(
                lambda: table.decode(
                    data, np.broadcast_to(channel, shape), format=fmt, threads=threads
                ),
                reps,
            )
            return te, td, len(data), bool(np.array_equal(np.asarray(out).reshape(shape), expected))

        return run

    for threads in (1, None):
        name = f"fastrans CdfTable format=fastrans {_threads_label(threads)}"
        jobs.append(Job("W2", name, n, fastrans_job("fastrans", threads)))
    jobs.append(Job("W2", "fastrans CdfTable format=compressai", n, fastrans_job("compressai", 1)))

    try:
        from compressai.ans import RansDecoder, RansEncoder
    except ImportError:
        pass
    else:

        def compressai_run(reps: int) -> tuple[float, float, int, bool]:
            # What EntropyBottleneck.compress / decompress do: per batch item, Python lists.
            cdfs = [r[:k].tolist() for r, k in zip(table.cdfs, table.cdf_lengths)]
            cl, off = table.cdf_lengths.tolist(), table.offsets.tolist()
            idx = np.broadcast_to(channel[0], shape[1:]).ravel().tolist()

            def enc() -> list[bytes]:
                sym = np.rint(z).astype(np.int32)
                return [
                    RansEncoder().encode_with_indexes(sym[i].ravel().tolist(), idx, cdfs, cl, off)
                    for i in range(shape[0])
                ]

            def dec() -> np.ndarray:
                d = RansDecoder()
                return np.array([d.decode_with_indexes(s, idx, cdfs, cl, off) for s in strings])

            te, strings = best_of(enc, reps)
            td, out = best_of(dec, reps)
            return (
                te,
                td,
                sum(map(len, strings)),
                bool(np.array_equal(out.reshape(shape), expected)),
            )

        jobs.append(Job("W2", "compressai ans (EntropyBottleneck's calls)", n, compressai_run))

    try:
        import constriction
    except ImportError:
        pass
    else:

        def constriction_run(reps: int) -> tuple[float, float, int, bool]:
            sym = expected.ravel()
            sd = (
                np.broadcast_to(spread.astype(np.float64).reshape(1, -1, 1, 1), shape)
                .ravel()
                .copy()
            )
            mu = np.zeros(n)
            model = constriction.stream.model.QuantizedGaussian(
                int(sym.min()) - 1, int(sym.max()) + 1
            )

            def enc() -> np.ndarray:
                c = constriction.stream.stack.AnsCoder()
                c.encode_reverse(np.rint(z).astype(np.int32).ravel(), model, mu, sd)
                return c.get_compressed()

            te, comp = best_of(enc, reps)
            td, out = best_of(
                lambda: constriction.stream.stack.AnsCoder(comp).decode(model, mu, sd), reps
            )
            return te, td, int(comp.nbytes), bool(np.array_equal(out, sym))

        jobs.append(Job("W2", "constriction AnsCoder", n, constriction_run))
    return jobs


# ---------------------------------------------------------------------------- report


def format_table(results: list[Result]) -> str:
    head = (
        f"{'':2}{'system':50} {'enc Msym/s':>10} {'dec Msym/s':>10} {'bytes':>10} "
        f"{'bits/sym':>8}  exact"
    )
    lines = [head]
    workload = None
    for r in results:
        if r.workload != workload:
            workload = r.workload
            lines.append(f"{r.workload}: {r.symbols} symbols")
        lines.append(
            f"{'':2}{r.system:50} {r.symbols / r.encode_s / 1e6:10.1f} "
            f"{r.symbols / r.decode_s / 1e6:10.1f} {r.nbytes:10d} {8 * r.nbytes / r.symbols:8.3f}  "
            f"{'yes' if r.exact else 'NO'}"
        )
    return "\n".join(lines)


def _require_matplotlib() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("--plot needs matplotlib: pip install matplotlib") from exc
    return plt


def plot_results(results: list[Result], path: Path) -> None:
    """Horizontal bars of encode / decode Msym/s, one panel per workload."""
    plt = _require_matplotlib()
    workloads = sorted({r.workload for r in results})
    fig, axes = plt.subplots(
        len(workloads), 1, figsize=(9, 1.2 + 0.8 * len(results)), squeeze=False
    )
    for ax, wl in zip(axes[:, 0], workloads):
        rows = [r for r in results if r.workload == wl]
        ys = np.arange(len(rows))
        ax.barh(ys - 0.2, [r.symbols / r.encode_s / 1e6 for r in rows], 0.4, label="encode")
        ax.barh(ys + 0.2, [r.symbols / r.decode_s / 1e6 for r in rows], 0.4, label="decode")
        for bars in ax.containers:
            ax.bar_label(bars, fmt="%.0f", padding=2, fontsize=8)
        ax.set_yticks(ys, [r.system for r in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, 1.15 * max(r.symbols / min(r.encode_s, r.decode_s) / 1e6 for r in rows))
        ax.set_xlabel("million symbols per second (linear, from zero)")
        ax.set_title(f"{wl}: {rows[0].symbols} symbols, end to end")
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def run(reps: int = 5, small: bool = False, plot: Path | None = None) -> int:
    """Runs every job, prints the table (and draws the plot); 1 if a round trip failed."""
    if reps < 1:
        raise ValueError(f"--reps {reps}: give at least 1 repetition")
    if plot is not None:
        _require_matplotlib()  # fail before the minutes of timing, not after
    jobs = _w1_jobs(W1_SMALL if small else W1_SHAPE) + _w2_jobs(W2_SMALL if small else W2_SHAPE)
    results = []
    with Progress("bench", len(jobs)) as bar:
        for i, job in enumerate(jobs):
            bar.update(i, f"{job.workload} {job.system}")
            te, td, nbytes, exact = job.run(reps)
            results.append(Result(job.workload, job.system, job.symbols, te, td, nbytes, exact))
        bar.update(len(jobs), "done")
    others = [name for name in ("compressai", "constriction") if not _installed(name)]
    print(
        f"fastrans {fastrans.__version__} bench: end to end (floats -> bytes -> floats), "
        f"best of {reps}, {os.cpu_count()} cores; {fastrans.simd_info()}"
    )
    print(format_table(results))
    if others:
        print(f"(not installed, skipped: {', '.join(others)})")
    if plot is not None:
        plot_results(results, plot)
        print(f"wrote {plot}")
    return 0 if all(r.exact for r in results) else 1
