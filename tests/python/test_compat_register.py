"""fastrans.compat.compressai: register() against a stand-in for CompressAI's module layout
(compressai is kept out of CI; `make test-compressai` runs the real one), the table caches
(identity, content, threads) and the size checks on caller lists.

The stand-in copies what register() relies on: ``compressai._available_entropy_coders``,
``get_entropy_coder``, ``compressai.ans``'s three classes, the ``_EntropyCoder`` proxy,
``EntropyModel`` with its buffers and ``_check_*`` methods, and a model module that imported
the coder classes by name (as ``compressai.models.google`` does)."""

from __future__ import annotations

import random
import sys
import threading
import time
import types
from collections import OrderedDict

import numpy as np
import pytest

from fastrans.compat import compressai as compat

torch = pytest.importorskip("torch")


class AnsStandIn:
    """Marks objects made by the stand-in's "ans" classes."""

    def __init__(self) -> None:
        self.kind = type(self).__name__


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

    ans = types.ModuleType("compressai.ans")
    for name in ("RansEncoder", "BufferedRansEncoder", "RansDecoder"):
        setattr(ans, name, type(name, (AnsStandIn,), {}))
    pkg.ans = ans

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

    class EntropyModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.entropy_coder = _EntropyCoder(pkg.get_entropy_coder())
            self.register_buffer("_offset", torch.IntTensor())
            self.register_buffer("_quantized_cdf", torch.IntTensor())
            self.register_buffer("_cdf_length", torch.IntTensor())

        def quantize(self, inputs, mode, means=None):
            out = inputs - means if means is not None else inputs
            return torch.round(out).int()

        @staticmethod
        def dequantize(inputs, means=None, dtype=torch.float):
            return inputs.type_as(means) + means if means is not None else inputs.type(dtype)

        def _check_cdf_size(self):
            if self._quantized_cdf.numel() == 0:
                raise ValueError("Uninitialized CDFs. Run update() first")

        def _check_cdf_length(self):
            if self._cdf_length.numel() == 0:
                raise ValueError("Uninitialized CDF lengths. Run update() first")

        def _check_offsets_size(self):
            if self._offset.numel() == 0:
                raise ValueError("Uninitialized offsets. Run update() first")

        def compress(self, inputs, indexes, means=None):
            return "ans-compress"

        def decompress(self, strings, indexes, dtype=torch.float, means=None):
            return "ans-decompress"

    em._EntropyCoder = _EntropyCoder
    em.EntropyModel = EntropyModel
    em_pkg.entropy_models = em
    pkg.entropy_models = em_pkg
    models = types.ModuleType("compressai.models")
    google = types.ModuleType("compressai.models.google")
    google.BufferedRansEncoder = ans.BufferedRansEncoder
    google.RansDecoder = ans.RansDecoder
    google.unrelated = 3
    for name, mod in (
        ("compressai", pkg),
        ("compressai.ans", ans),
        ("compressai.entropy_models", em_pkg),
        ("compressai.entropy_models.entropy_models", em),
        ("compressai.models", models),
        ("compressai.models.google", google),
    ):
        monkeypatch.setitem(sys.modules, name, mod)
    return types.SimpleNamespace(pkg=pkg, em=em, ans=ans, google=google)


def gc_args(vectors, as_lists=True):
    arrays = (vectors["gc_cdf"], vectors["gc_cdf_length"], vectors["gc_offset"])
    return tuple(a.tolist() for a in arrays) if as_lists else arrays


def test_register_makes_fastrans_selectable(fake_compressai, vectors):
    pkg, em = fake_compressai.pkg, fake_compressai.em
    with pytest.raises(ValueError):
        pkg.set_entropy_coder("fastrans")
    first = compat.register()
    assert compat.register() == first  # idempotent, and says the same
    assert pkg._available_entropy_coders.count("fastrans") == 1
    pkg.set_entropy_coder("fastrans")
    coder = em._EntropyCoder(pkg.get_entropy_coder())
    assert coder.name == "fastrans"
    assert em._EntropyCoder("ans")._encoder == "ans-encoder"  # others untouched
    s, i, b = (vectors.ragged(n)[0] for n in ("gc_sym", "gc_idx", "gc_bytes"))
    args = gc_args(vectors)
    data = coder.encode_with_indexes(s.tolist(), i.tolist(), *args)
    assert data == b.astype(np.uint8).tobytes()
    assert coder.decode_with_indexes(data, i.tolist(), *args) == s.tolist()


def test_register_names_what_it_patched(fake_compressai):
    patched = compat.register()
    prefix = "compressai.entropy_models.entropy_models"
    assert patched == [
        f"{prefix}._EntropyCoder.__init__",
        f"{prefix}.EntropyModel.compress",
        f"{prefix}.EntropyModel.decompress",
        "compressai.models.google.BufferedRansEncoder",
        "compressai.models.google.RansDecoder",
    ]
    assert fake_compressai.google.unrelated == 3


def test_swapped_coder_classes_follow_the_selected_coder(fake_compressai, vectors):
    compat.register()
    google, pkg = fake_compressai.google, fake_compressai.pkg
    assert google.BufferedRansEncoder().kind == "BufferedRansEncoder"  # "ans" selected
    assert isinstance(google.RansDecoder(), AnsStandIn)
    pkg.set_entropy_coder("fastrans")
    enc = google.BufferedRansEncoder()
    dec = google.RansDecoder()
    assert isinstance(enc, compat.BufferedRansEncoder)
    assert isinstance(dec, compat.RansDecoder)
    s, i, b = (vectors.ragged(n)[0] for n in ("gc_sym", "gc_idx", "gc_bytes"))
    args = gc_args(vectors)
    enc.encode_with_indexes(s.tolist(), i.tolist(), *args)
    data = enc.flush()
    assert data == b.astype(np.uint8).tobytes()
    dec.set_stream(data)
    got = [v for k in range(0, len(i), 7) for v in dec.decode_stream(i[k : k + 7].tolist(), *args)]
    assert got == s.tolist()
    assert fake_compressai.ans.RansDecoder is not google.RansDecoder  # ans itself untouched


def stand_in_model(em, vectors):
    m = em.EntropyModel()
    m._quantized_cdf = torch.from_numpy(vectors["gc_cdf"].copy())
    m._cdf_length = torch.from_numpy(vectors["gc_cdf_length"].copy())
    m._offset = torch.from_numpy(vectors["gc_offset"].copy())
    return m


def test_entropy_model_codes_from_tensors_when_fastrans_is_selected(fake_compressai, vectors):
    compat.register()
    em, pkg = fake_compressai.em, fake_compressai.pkg
    ans_model = stand_in_model(em, vectors)
    assert ans_model.compress(None, None) == "ans-compress"  # "ans" keeps CompressAI's code
    assert ans_model.decompress(None, None) == "ans-decompress"
    pkg.set_entropy_coder("fastrans")
    m = stand_in_model(em, vectors)
    s, i, b = (vectors.ragged(n)[0] for n in ("gc_sym", "gc_idx", "gc_bytes"))
    x = torch.from_numpy(s.astype(np.float32)).reshape(1, 1, -1) + 0.25
    idx = torch.from_numpy(i.astype(np.int64)).reshape(1, 1, -1)
    strings = m.compress(x, idx)
    assert strings == [b.astype(np.uint8).tobytes()]
    out = m.decompress(strings, idx)
    assert out.dtype == torch.float32 and torch.equal(out, torch.round(x))
    means = torch.full((1, 1, 1), 0.5)
    assert torch.equal(m.decompress(strings, idx, torch.float, means), torch.round(x) + 0.5)


def test_entropy_model_path_raises_compressais_value_errors(fake_compressai, vectors):
    compat.register()
    em, pkg = fake_compressai.em, fake_compressai.pkg
    pkg.set_entropy_coder("fastrans")
    empty = em.EntropyModel()
    x = torch.zeros(1, 2, 3)
    idx = torch.zeros(1, 2, 3, dtype=torch.int32)
    with pytest.raises(ValueError, match="Uninitialized CDFs"):
        empty.compress(x, idx)
    with pytest.raises(ValueError, match="Uninitialized CDFs"):
        empty.decompress([b"abc"], idx)
    m = stand_in_model(em, vectors)
    with pytest.raises(ValueError, match="same size"):
        m.compress(x, idx[:, :1])
    with pytest.raises(ValueError, match="at least 2"):
        m.compress(x[0, 0], idx[0, 0])
    with pytest.raises(ValueError, match="list of bytes"):
        m.decompress("sss", idx)
    with pytest.raises(ValueError, match="batch size"):
        m.decompress([b"a", b"b"], idx)
    for bad in (["sss"], [3]):
        with pytest.raises(ValueError, match=r"strings\[0\] must be bytes"):
            m.decompress(bad, idx)
    with pytest.raises(ValueError, match="spatial"):
        m.decompress([b"\0" * 8], idx, torch.float, torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="whole numbers"):
        m.compress(x, idx.float() + 0.5)
    with pytest.raises(ValueError, match="int32 range"):
        m.compress(x, idx.long() + 2**32)
    with pytest.raises(ValueError, match="out of range"):
        m.compress(x, idx + 1000)


def test_entropy_model_table_follows_buffer_edits(fake_compressai, vectors):
    compat.register()
    fake_compressai.pkg.set_entropy_coder("fastrans")
    m = stand_in_model(fake_compressai.em, vectors)
    x = torch.zeros(1, 1, 4)
    idx = torch.zeros(1, 1, 4, dtype=torch.int32)
    before = m.compress(x, idx)
    m._offset += 1  # in place: symbol 0 is now outside row 0's first bin
    after = m.compress(x, idx)
    assert after != before
    assert torch.equal(m.decompress(after, idx), x)


# ---------------------------------------------------------------- caches


def test_same_lists_are_recognised_without_converting(monkeypatch, vectors):
    cdfs, sizes, offsets = gc_args(vectors)
    table = compat.table_from(cdfs, sizes, offsets)
    calls = []
    original = compat._by_content
    monkeypatch.setattr(compat, "_by_content", lambda *a: calls.append(1) or original(*a))
    for _ in range(50):
        assert compat.table_from(cdfs, sizes, offsets) is table
    assert calls == []
    # Equal but new lists: converted, found by content.
    assert compat.table_from([list(r) for r in cdfs], list(sizes), list(offsets)) is table
    assert calls == [1]


def test_same_cdf_list_with_array_sizes_and_offsets(vectors):
    cdfs, sizes, offsets = gc_args(vectors)
    table = compat.table_from(cdfs, sizes, offsets)
    got = compat.table_from(cdfs, np.array(sizes), np.array(offsets))
    assert got is table  # found by content
    shifted = compat.table_from(cdfs, np.array(sizes), np.array(offsets) - 1)
    assert shifted is not table
    assert compat.table_from(cdfs, sizes, offsets) is table


@pytest.mark.parametrize("edit", ["replace_row", "append_to_row", "sizes", "offsets", "pop_row"])
def test_edited_lists_are_converted_again(edit, vectors):
    cdfs, sizes, offsets = gc_args(vectors)
    table = compat.table_from(cdfs, sizes, offsets)
    if edit == "replace_row":
        cdfs[3] = list(cdfs[4])
        sizes[3] = sizes[4]
    elif edit == "append_to_row":
        cdfs[3].append(0)
    elif edit == "sizes":
        sizes[0] -= 1
        cdfs[0][sizes[0] - 1] = 65536
    elif edit == "offsets":
        offsets[0] -= 1
    else:
        cdfs.pop()
        sizes.pop()
        offsets.pop()
    new = compat.table_from(cdfs, sizes, offsets)
    assert new is not table
    want = compat.CdfTable(compat._padded(cdfs), sizes, offsets)
    assert new.fingerprint == want.fingerprint


class YieldingDict(OrderedDict):
    """An OrderedDict whose lookups give the GIL away after finding the entry: the window
    in which another thread evicts it (an unguarded get + move_to_end raised KeyError)."""

    def get(self, key, default=None):
        value = super().get(key, default)
        time.sleep(0)
        return value


def test_caches_are_safe_across_threads(monkeypatch, vectors):
    """16 threads code through 40 distinct tables (more than the caches hold) with the
    interpreter switching threads every microsecond; every round trip must hold."""
    monkeypatch.setattr(compat, "_cache", YieldingDict())
    monkeypatch.setattr(compat, "_seen", YieldingDict())
    base_cdf, base_sizes, base_offsets = gc_args(vectors)
    tables = []
    for k in range(40):
        rows = [3 + (k + r) % 5 for r in range(4)]
        tables.append(
            (
                [list(base_cdf[r]) for r in rows],
                [base_sizes[r] for r in rows],
                [base_offsets[r] + k for r in rows],
            )
        )
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(60):
                cdfs, sizes, offsets = tables[rng.randrange(40)]
                if rng.random() < 0.3:  # new lists of the same content
                    cdfs, sizes, offsets = [list(r) for r in cdfs], list(sizes), list(offsets)
                symbols = [rng.randrange(-20, 20) for _ in range(12)]
                indexes = [rng.randrange(4) for _ in range(12)]
                data = compat.RansEncoder().encode_with_indexes(
                    symbols, indexes, cdfs, sizes, offsets
                )
                dec = compat.RansDecoder()
                assert dec.decode_with_indexes(data, indexes, cdfs, sizes, offsets) == symbols
                dec.set_stream(data)
                got = dec.decode_stream(indexes[:5], cdfs, sizes, offsets)
                got += dec.decode_stream(indexes[5:], cdfs, sizes, offsets)
                assert got == symbols
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(s,)) for s in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert errors == []
    assert len(compat._cache) <= compat._CACHE_SIZE
    assert len(compat._seen) <= compat._CACHE_SIZE


def test_ragged_lists_too_wide_or_too_big_are_refused_before_padding():
    with pytest.raises(ValueError, match="at most 65537"):
        compat.table_from([[0, 65536], list(range(70000))], [2, 70000], [0, 0])
    rows = [[0, 65536]] * 2100
    rows.append([0] * 65537)
    with pytest.raises(ValueError, match="cells"):
        compat.table_from(rows, [2] * 2101, [0] * 2101)


def test_register_without_compressai_raises_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "compressai", None)
    with pytest.raises(ImportError):
        compat.register()
