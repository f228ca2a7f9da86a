"""format="compressai" on workload W1 beside compressai.ans, in one run (run by hand).

usage: python benches/python/bench_compressai_format.py [--reps N]

compressai.ans is timed with its Python lists already built (the fairest view of its C++
coder); fastrans is timed from numpy arrays (its normal path) and through the drop-in
classes of fastrans.compat.compressai given the same lists. Needs compressai (numpy<2), so
run it from the benchmark venv (`make bench-venv`, docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fastrans  # noqa: E402
from fastrans.compat import compressai as compat  # noqa: E402
from fastrans.workloads import SCALE_TABLE, w1  # noqa: E402


def best(f, reps):
    ts, out = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    import torch
    from compressai import ans
    from compressai.entropy_models import GaussianConditional

    y, means, scales = w1()
    gc = GaussianConditional(None)
    gc.update_scale_table(torch.tensor(SCALE_TABLE, dtype=torch.float32))
    gc.update()
    cdf, lens, offs = (gc._quantized_cdf.numpy(), gc._cdf_length.numpy(), gc._offset.numpy())
    idx = gc.build_indexes(torch.from_numpy(scales)).numpy().astype(np.int32).ravel()
    sym = np.rint(y - means).astype(np.int32).ravel()
    n = sym.size
    lists = (sym.tolist(), idx.tolist(), cdf.tolist(), lens.tolist(), offs.tolist())

    te_c, data_c = best(lambda: ans.RansEncoder().encode_with_indexes(*lists), a.reps)
    td_c, out_c = best(lambda: ans.RansDecoder().decode_with_indexes(data_c, *lists[1:]), a.reps)
    table = fastrans.CdfTable(cdf, lens, offs)
    te_f, data_f = best(lambda: table.encode(sym, idx, format="compressai"), a.reps)
    td_f, out_f = best(lambda: table.decode(data_f, idx, format="compressai"), a.reps)
    te_k, data_k = best(lambda: compat.RansEncoder().encode_with_indexes(*lists), a.reps)
    td_k, out_k = best(lambda: compat.RansDecoder().decode_with_indexes(data_k, *lists[1:]), a.reps)
    assert data_f == data_c == data_k, "streams differ"
    assert out_c == sym.tolist() and np.array_equal(out_f, sym) and out_k == sym.tolist()

    print(f"W1: {n} symbols, best of {a.reps}; stream {len(data_c)} bytes (identical)")
    print(f"{'coder':40} {'enc ms':>8} {'dec ms':>8} {'enc x':>7} {'dec x':>7}")
    for name, te, td in (
        ("compressai.ans (lists prebuilt)", te_c, td_c),
        ("fastrans CdfTable format=compressai", te_f, td_f),
        ("fastrans.compat.compressai (lists)", te_k, td_k),
    ):
        print(f"{name:40} {te * 1e3:8.2f} {td * 1e3:8.2f} {te_c / te:7.1f} {td_c / td:7.1f}")


if __name__ == "__main__":
    main()
