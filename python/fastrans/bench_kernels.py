"""``python -m fastrans bench --kernels``: each kernel family this CPU has, and two threads
against one, in one run.

Why this module: the vector kernels are what make ``format="fastrans"`` fast, and how much
they give depends on the CPU (AVX-512 or only AVX2, which core). This answers "what do the
kernels give on my machine?" the way the project's targets are stated: W1 through
``ScaleCoder`` (floats in, bytes out, and back) and a longer stream of symbols through
``CdfTable``, one thread, each family against the scalar lanes, and two threads against
one, every ratio taken within one round where all families met the same machine, the
median over the rounds reported. Each family runs under :func:`fastrans.simd_limit`, and
its bytes and values are checked against the scalar lanes'.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import fastrans
from fastrans._simd import FAMILIES
from fastrans.bench import best_of
from fastrans.workloads import SCALE_TABLE, w1


@dataclass
class Timings:
    """One family's best encode and decode times of each round, per thread count."""

    encode: dict[int, list[float]] = field(default_factory=dict)
    decode: dict[int, list[float]] = field(default_factory=dict)

    def add(self, threads: int, te: float, td: float) -> None:
        self.encode.setdefault(threads, []).append(te)
        self.decode.setdefault(threads, []).append(td)


def _median_ratio(num: list[float], den: list[float]) -> float:
    """The median over rounds of ``num[r] / den[r]`` (same-round pairs)."""
    return statistics.median(n / d for n, d in zip(num, den))


@dataclass
class Workload:
    """A round trip to time: ``encode(threads)`` gives bytes, ``decode(data, threads)``
    the values, which must equal ``expected`` (and the bytes the scalar lanes')."""

    title: str
    encode: Callable[[int], bytes]
    decode: Callable[[bytes, int], np.ndarray]
    expected: np.ndarray


def workloads(shape: tuple[int, ...]) -> list[Workload]:
    """W1 of ``shape`` through ``ScaleCoder`` (floats in and out), and three W1s' symbols
    and rows through ``CdfTable`` (a stream of six chunks at full size, which two threads
    share three and three)."""
    y, means, scales = w1(shape)
    table = fastrans.gaussian_table(SCALE_TABLE)
    coder = fastrans.ScaleCoder(table, SCALE_TABLE)
    symbols = np.tile(np.rint(y - means).astype(np.int32).ravel(), 3)
    rows = np.tile(fastrans.scale_indexes(scales.ravel(), SCALE_TABLE), 3)
    return [
        Workload(
            f"W1 through ScaleCoder: {y.size} symbols",
            lambda t: coder.encode(y, scales, means, threads=t),
            lambda d, t: np.asarray(coder.decode(d, scales, means, threads=t)).reshape(y.shape),
            np.rint(y - means) + means,
        ),
        Workload(
            f"three W1s' symbols through CdfTable: {symbols.size} symbols",
            lambda t: table.encode(symbols, rows, threads=t),
            lambda d, t: table.decode(d, rows, threads=t),
            symbols,
        ),
    ]


def _round_trip(work: Workload, threads: int, reps: int) -> tuple[float, float, bytes, Any]:
    """Best encode and decode times of ``work``, its bytes and its values."""
    te, data = best_of(lambda: work.encode(threads), reps)
    td, out = best_of(lambda: work.decode(data, threads), reps)
    return te, td, data, out


def measure(
    work: Workload, reps: int, rounds: int, thread_counts: tuple[int, ...]
) -> dict[str, Timings]:
    """Best-of-``reps`` times of ``work`` for every family up to the one in use (what the
    CPU has, within ``FASTRANS_SIMD``) and every thread count, the families alternating
    within each of ``rounds`` rounds. Raises RuntimeError if a family's bytes or values
    differ from the scalar lanes'."""
    best = fastrans.simd_info().in_use
    families = FAMILIES[: FAMILIES.index(best) + 1]
    with fastrans.simd_limit("scalar"):
        want = work.encode(1)
    timings = {f: Timings() for f in families}
    for _ in range(rounds):
        for family in families:
            for threads in thread_counts:
                with fastrans.simd_limit(family):
                    te, td, data, out = _round_trip(work, threads, reps)
                if data != want or not np.array_equal(out, work.expected):
                    raise RuntimeError(
                        f"{work.title}, {family}, threads={threads}: not the scalar lanes' result"
                    )
                timings[family].add(threads, te, td)
    return timings


def format_report(timings: dict[str, Timings], title: str) -> str:
    """The table: each family's best times over the rounds, its median same-round ratio
    to the scalar lanes, and (two thread counts measured) two threads against one."""
    scalar = timings["scalar"]
    counts = sorted(scalar.encode)
    two = len(counts) > 1
    head = f"  {'kernels':12} {'encode ms':>9} {'decode ms':>9}"
    head += f" {'enc x scalar':>12} {'dec x scalar':>12}"
    if two:
        head += f" {'enc x 1 thread':>14} {'dec x 1 thread':>14}"
    lines = [f"{title}, one thread unless noted", head]
    for family, t in timings.items():
        line = (
            f"  {family:12} {1e3 * min(t.encode[1]):9.2f} {1e3 * min(t.decode[1]):9.2f} "
            f"{_median_ratio(scalar.encode[1], t.encode[1]):11.2f}x "
            f"{_median_ratio(scalar.decode[1], t.decode[1]):11.2f}x"
        )
        if two:
            n = counts[1]
            line += (
                f" {_median_ratio(t.encode[1], t.encode[n]):13.2f}x"
                f" {_median_ratio(t.decode[1], t.decode[n]):13.2f}x"
            )
        lines.append(line)
    if two:
        lines.append(f"  (x 1 thread: threads={counts[1]} against threads=1, same family)")
    return "\n".join(lines)


def run(reps: int = 5, rounds: int = 7, small: bool = False) -> int:
    """Measures and prints the report; 0, or 1 if a family's result differed."""
    if reps < 1:
        raise ValueError(f"--reps {reps}: give at least 1 repetition")
    if rounds < 1:
        raise ValueError(f"--rounds {rounds}: give at least 1 round")
    shape = (1, 32, 24, 32) if small else (1, 320, 48, 64)
    cores = os.cpu_count() or 1
    thread_counts = (1, 2) if cores >= 2 else (1,)
    info = fastrans.simd_info()
    print(
        f"fastrans {fastrans.__version__} bench --kernels: {info.cpu}, {cores} cores; "
        f"{info.in_use} kernels in use (the CPU has {info.supported}); format=fastrans end "
        f"to end, best of {reps} per round, median ratio over {rounds} rounds"
    )
    for work in workloads(shape):
        try:
            timings = measure(work, reps, rounds, thread_counts)
        except RuntimeError as exc:
            print(f"bench --kernels: {exc}")
            return 1
        print(format_report(timings, work.title))
    return 0
