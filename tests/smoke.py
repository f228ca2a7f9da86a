"""Smoke test of an installed wheel (run by `make smoke` in a clean venv with numpy only):
the package imports without torch, codes and decodes in both formats, and rejects a
corrupt stream with its documented exception."""

import numpy as np

import fastrans

rng = np.random.default_rng(0)
cdfs = np.array([[0, 20000, 50000, 65536]], np.int32)
table = fastrans.CdfTable(cdfs, [4], [-1])
symbols = rng.integers(-3, 4, 10_000).astype(np.int32)
indexes = np.zeros_like(symbols)
for fmt in ("compressai", "fastrans"):
    data = table.encode(symbols, indexes, format=fmt)
    assert np.array_equal(table.decode(data, indexes, format=fmt), symbols), fmt
    try:
        table.decode(data[:-4], indexes, format=fmt)
    except fastrans.CorruptStreamError:
        pass
    else:
        raise AssertionError(f"truncated {fmt} stream was not detected")
try:
    import torch  # noqa: F401
except ImportError:
    pass
else:
    raise AssertionError("the clean venv should not have torch")
print("smoke test passed:", fastrans.__version__)
