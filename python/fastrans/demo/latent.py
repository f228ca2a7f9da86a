"""``python -m fastrans demo --latent``: code the reference latent W1 and show sizes and speeds.

Builds the 64 Gaussian tables, rounds y - means to symbols, maps scales to table rows,
then encodes and decodes in both stream formats and checks the round trip bit-exactly.
Needs numpy only.
"""

from __future__ import annotations

import numpy as np

import fastrans
from fastrans.bench import best_of
from fastrans.workloads import SCALE_TABLE, gaussian_pmfs, w1

REPS = 5


def _timed(f):
    """Best of ``REPS`` calls after an untimed one: a first call pays for page faults, the
    pool's start and cold caches, which a codec pays once and not per image."""
    f()
    return best_of(f, REPS)


def run(shape: tuple[int, ...] = (1, 320, 48, 64)) -> int:
    y, means, scales = w1(shape)
    n = y.size
    t_table, table = _timed(lambda: fastrans.CdfTable.from_pmfs(*gaussian_pmfs(SCALE_TABLE)))
    symbols = np.rint(y - means).astype(np.int32)
    t_idx, indexes = _timed(lambda: fastrans.scale_indexes(scales, SCALE_TABLE))
    print(
        f"fastrans {fastrans.__version__} demo: latent of shape {shape} ({n} symbols); "
        f"times are the best of {REPS} calls after a warm-up"
    )
    print(f"  64 Gaussian tables built in {t_table * 1e3:.1f} ms; indexes in {t_idx * 1e3:.1f} ms")
    ok = True
    for fmt in ("compressai", "fastrans"):
        try:
            te, data = _timed(lambda fmt=fmt: table.encode(symbols, indexes, format=fmt))
        except (NotImplementedError, AttributeError):
            print(f"  format={fmt:10}  not available in this build")
            continue
        td, out = _timed(lambda d=data, fmt=fmt: table.decode(d, indexes, format=fmt))
        exact = bool(np.array_equal(out, symbols))
        ok &= exact
        print(
            f"  format={fmt:10}  {len(data):9d} bytes  {8 * len(data) / n:5.3f} bits/symbol  "
            f"encode {te * 1e3:7.2f} ms ({n / te / 1e6:6.1f} Msym/s)  "
            f"decode {td * 1e3:7.2f} ms ({n / td / 1e6:6.1f} Msym/s)  "
            f"round trip {'exact' if exact else 'FAILED'}"
        )
    return 0 if ok else 1
