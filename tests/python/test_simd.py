"""``fastrans.simd_info`` and ``fastrans.simd_limit``: the kernel families a call uses, a
limit held by a block (its helper threads too) and set back, the same bytes in every
family, bad families refused before anything changes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import fastrans
from fastrans import _native
from fastrans._simd import FAMILIES

SCALE_TABLE = np.exp(np.linspace(np.log(0.11), np.log(256.0), 64)).astype(np.float32)


def _rank(family: str) -> int:
    return FAMILIES.index(family)


def _capped(family: str) -> str:
    """What a limit of ``family`` leaves in use on this CPU."""
    return min(fastrans.simd_info().supported, family, key=_rank)


def test_simd_info_names_the_cpu_and_families_in_order():
    info = fastrans.simd_info()
    assert isinstance(info.cpu, str) and info.cpu
    assert info.supported in FAMILIES and info.in_use in FAMILIES
    assert _rank(info.in_use) <= _rank(info.supported)
    assert info.cpu in str(info) and info.in_use in str(info)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_limit_holds_in_its_block_and_is_set_back(family):
    before = fastrans.simd_info().in_use
    with fastrans.simd_limit(family) as limit:
        assert limit.family == family
        assert fastrans.simd_info().in_use == min(before, family, key=_rank)
    assert fastrans.simd_info().in_use == before


def test_the_limit_is_set_back_when_the_block_raises():
    before = fastrans.simd_info().in_use
    with pytest.raises(KeyError):
        with fastrans.simd_limit("scalar"):
            raise KeyError("inside")
    assert fastrans.simd_info().in_use == before


def test_a_nested_limit_never_raises_the_outer_one():
    limit = fastrans.simd_limit("avx2")
    with fastrans.simd_limit("scalar"):
        with limit:
            assert fastrans.simd_info().in_use == "scalar"
        # One object nests in itself too.
        with limit, limit:
            assert fastrans.simd_info().in_use == "scalar"
        assert fastrans.simd_info().in_use == "scalar"
    with limit:
        with fastrans.simd_limit("avx512-ifma"):
            assert fastrans.simd_info().in_use == _capped("avx2")


def test_a_limit_belongs_to_the_thread_that_set_it():
    seen: list[str] = []
    before = fastrans.simd_info().in_use
    with fastrans.simd_limit("scalar"):
        t = threading.Thread(target=lambda: seen.append(fastrans.simd_info().in_use))
        t.start()
        t.join()
    assert seen == [before]


@pytest.mark.parametrize("family", ["", "AVX2", "avx", "sse4", "0", "avx512ifma", "scalar "])
def test_an_unknown_family_is_a_value_error_and_changes_nothing(family):
    before = fastrans.simd_info().in_use
    choices = "scalar, avx2, avx512, avx512-ifma"
    with pytest.raises(ValueError, match=f"unknown kernel family.*{choices}"):
        fastrans.simd_limit(family)
    with pytest.raises(ValueError, match="unknown kernel family"):
        _native.set_simd_limit(family)
    assert fastrans.simd_info().in_use == before


@pytest.mark.parametrize("family", [None, 2, b"avx2", ["avx2"]])
def test_a_family_not_a_str_is_a_type_error(family):
    with pytest.raises(TypeError, match="family must be a str"):
        fastrans.simd_limit(family)


def _coded(threads: int) -> tuple[bytes, np.ndarray, bytes, np.ndarray]:
    """A multi-chunk ScaleCoder and CdfTable round trip (16-lane chunks: every vector
    kernel takes them)."""
    rng = np.random.default_rng(11)
    n = 700_000
    table = fastrans.gaussian_table(SCALE_TABLE)
    rows = rng.integers(0, 64, size=n).astype(np.int32)
    scales = SCALE_TABLE[rows]
    means = rng.normal(0, 3, size=n).astype(np.float32)
    values = (means + rng.normal(0, 1, size=n).astype(np.float32) * scales).astype(np.float32)
    coder = fastrans.ScaleCoder(table, SCALE_TABLE)
    data = coder.encode(values, scales, means, threads=threads)
    decoded = coder.decode(data, scales, means, threads=threads)
    symbols = np.rint(values - means).astype(np.int32)
    sym_data = table.encode(symbols, rows, threads=threads)
    return data, decoded, sym_data, table.decode(sym_data, rows, threads=threads)


@pytest.mark.parametrize("threads", [1, 2])
def test_every_family_codes_the_same_bytes_and_values(threads):
    want = _coded(threads)
    for family in FAMILIES:
        with fastrans.simd_limit(family):
            got = _coded(threads)
        assert got[0] == want[0] and got[2] == want[2], family
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[3], want[3])


@pytest.mark.parametrize("setting", ["0", "avx2"])
def test_fastrans_simd_sets_the_process_limit(setting):
    script = "import fastrans; i = fastrans.simd_info(); print(i.supported, i.in_use)"
    env = dict(os.environ, FASTRANS_SIMD=setting)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    supported, in_use = done.stdout.split()
    assert in_use == min(supported, {"0": "scalar", "avx2": "avx2"}[setting], key=_rank)
