"""Shared fixtures: the CompressAI 1.2.8 conformance vectors (tests/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

VECTORS = Path(__file__).resolve().parents[1] / "data" / "compressai_1.2.8_vectors.npz"


class Vectors:
    """Access to the npz with the ragged lists split back into lists of arrays."""

    def __init__(self, path: Path) -> None:
        self.data = np.load(path)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.data[key]

    def ragged(self, name: str) -> list[np.ndarray]:
        flat, lens = self.data[f"{name}_flat"], self.data[f"{name}_len"]
        return np.split(flat, np.cumsum(lens)[:-1])


@pytest.fixture(scope="module")
def vectors() -> Vectors:
    if not VECTORS.exists():
        pytest.fail(f"conformance vectors not found at {VECTORS}")
    return Vectors(VECTORS)


@pytest.fixture(scope="module")
def gc_table(vectors: Vectors):
    import fastrans

    return fastrans.CdfTable(vectors["gc_cdf"], vectors["gc_cdf_length"], vectors["gc_offset"])


@pytest.fixture
def one_torch_thread():
    """Tiny tensors on a shared 2-core machine: torch's thread pool only adds contention."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
