"""Times update() of fastrans' GaussianConditional (64-scale table) and
EntropyBottleneck(192) against CompressAI's, when compressai is importable.

Run by hand (not a test):  PYTHONPATH=python python benches/python/bench_update.py
Targets (docs/entropy_models.md): >= 20x CompressAI for GaussianConditional.update(),
>= 3x for EntropyBottleneck.update() (the density network's evaluation is the floor).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from fastrans.entropy_models import EntropyBottleneck, GaussianConditional

SCALE_TABLE = torch.exp(torch.linspace(math.log(0.11), math.log(256), 64)).tolist()


def best_of(fn: Callable[[], object], repeat: int = 25) -> float:
    """Best of ``repeat`` timed calls after a warm-up: on a shared machine the minimum is
    the stable statistic (interference only ever adds time)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    torch.manual_seed(0)
    gc = GaussianConditional(SCALE_TABLE)
    eb = EntropyBottleneck(192)
    rows = {
        "GaussianConditional(64).update": best_of(lambda: gc.update(force=True)),
        "EntropyBottleneck(192).update": best_of(lambda: eb.update(force=True)),
    }
    with torch.no_grad():
        floor = best_of(
            lambda: eb._likelihood(
                torch.arange(int(eb._cdf_length.max()) - 2)[None, :]
                + (eb.quantiles[:, 0, 1] - 10)[:, None, None],
                stop_gradient=True,
            )
        )
    print(f"{'':40s} {'fastrans':>10s} {'compressai':>11s} {'ratio':>7s}")
    try:
        from compressai.entropy_models import EntropyBottleneck as CEB
        from compressai.entropy_models import GaussianConditional as CGC
    except ImportError:
        theirs: dict[str, float] = {}
    else:
        cgc = CGC(SCALE_TABLE)
        ceb = CEB(192)
        # Parameters only: CompressAI's own buffers resize only through a parent's override.
        tables = ("_quantized_cdf", "_offset", "_cdf_length")
        params = {k: v for k, v in eb.state_dict().items() if k not in tables}
        ceb.load_state_dict(params, strict=False)
        theirs = {
            "GaussianConditional(64).update": best_of(cgc.update),
            "EntropyBottleneck(192).update": best_of(lambda: ceb.update(force=True)),
        }
        gc.update(force=True)
        cgc.update()
        same = torch.equal(gc._quantized_cdf, cgc._quantized_cdf.int())
        print(f"GaussianConditional tables identical to CompressAI's: {same}")
    for name, ours in rows.items():
        other = theirs.get(name)
        if other is None:
            print(f"{name:40s} {ours * 1e3:8.2f}ms {'-':>11s} {'-':>7s}")
        else:
            print(f"{name:40s} {ours * 1e3:8.2f}ms {other * 1e3:9.2f}ms {other / ours:6.1f}x")
    print(f"{'EB(192) density network alone':40s} {floor * 1e3:8.2f}ms")


if __name__ == "__main__":
    main()
