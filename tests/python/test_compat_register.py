"""register() against a stand-in for CompressAI's module layout (compressai is kept out of
CI); the stand-in copies the two things register() relies on: the list
``compressai._available_entropy_coders`` and the ``_EntropyCoder`` proxy class."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from fastrans.compat import compressai as compat


@pytest.fixture
def fake_compressai(monkeypatch):
    pkg = types.ModuleType("compressai")
    pkg._available_entropy_coders = ["ans"]
    pkg._entropy_coder = "ans"

    def set_entropy_coder(name):
        if name not in pkg._available_entropy_coders:
            raise ValueError(name)
        pkg._entropy_coder = name

    pkg.set_entropy_coder = set_entropy_coder
    pkg.get_entropy_coder = lambda: pkg._entropy_coder
    em_pkg = types.ModuleType("compressai.entropy_models")
    em = types.ModuleType("compressai.entropy_models.entropy_models")

    class _EntropyCoder:
        def __init__(self, method):
            if method not in pkg._available_entropy_coders:
                raise ValueError(f"Unknown entropy coder {method}")
            self.name = method
            self._encoder = "ans-encoder"
            self._decoder = "ans-decoder"

        def encode_with_indexes(self, *args):
            return self._encoder.encode_with_indexes(*args)

        def decode_with_indexes(self, *args):
            return self._decoder.decode_with_indexes(*args)

    em._EntropyCoder = _EntropyCoder
    em_pkg.entropy_models = em
    pkg.entropy_models = em_pkg
    monkeypatch.setitem(sys.modules, "compressai", pkg)
    monkeypatch.setitem(sys.modules, "compressai.entropy_models", em_pkg)
    monkeypatch.setitem(sys.modules, "compressai.entropy_models.entropy_models", em)
    return pkg, em


def test_register_makes_fastrans_selectable(fake_compressai, vectors):
    pkg, em = fake_compressai
    with pytest.raises(ValueError):
        pkg.set_entropy_coder("fastrans")
    compat.register()
    compat.register()  # idempotent
    assert pkg._available_entropy_coders.count("fastrans") == 1
    pkg.set_entropy_coder("fastrans")
    coder = em._EntropyCoder(pkg.get_entropy_coder())
    assert coder.name == "fastrans"
    assert em._EntropyCoder("ans")._encoder == "ans-encoder"  # others untouched
    s, i, b = (vectors.ragged(n)[0] for n in ("gc_sym", "gc_idx", "gc_bytes"))
    args = (
        vectors["gc_cdf"].tolist(),
        vectors["gc_cdf_length"].tolist(),
        vectors["gc_offset"].tolist(),
    )
    data = coder.encode_with_indexes(s.tolist(), i.tolist(), *args)
    assert data == b.astype(np.uint8).tobytes()
    assert coder.decode_with_indexes(data, i.tolist(), *args) == s.tolist()


def test_register_without_compressai_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "compressai", None)
    with pytest.raises(ImportError):
        compat.register()
