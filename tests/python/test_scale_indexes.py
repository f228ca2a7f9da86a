"""``scale_indexes`` (CompressAI's ``build_indexes``) against the literal rule, while the
native side keeps the last scale table's index: alternating tables and bounds, many
threads at once, and NaN refused wherever it sits."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import fastrans


def literal(scales: np.ndarray, table: np.ndarray, bound: float) -> np.ndarray:
    """CompressAI 1.2.8: clamp to the bound, count the entries of table[:-1] >= the scale."""
    s = np.maximum(scales.astype(np.float32), np.float32(bound))
    head = table.astype(np.float32)[:-1]
    return (len(head) - (s[:, None] <= head[None, :]).sum(axis=1)).astype(np.int32)


TABLES = [
    np.exp(np.linspace(np.log(0.11), np.log(256), 64)).astype(np.float32),
    np.exp(np.linspace(np.log(0.05), np.log(60), 100)).astype(np.float32),
    np.array([3.0, 1.0, 2.0, 0.5], np.float32),  # unsorted: the literal rule's fallback
    np.array([0.7], np.float32),
]


def _scales(seed: int, n: int = 20_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = np.exp(rng.uniform(np.log(1e-3), np.log(400), n)).astype(np.float32)
    s[:8] = [0.0, -1.0, -0.0, 0.11, 256.0, np.inf, 1e-45, 3.4e38]
    return s


def test_alternating_tables_and_bounds_match_the_literal_rule():
    for round_ in range(3):
        for k, table in enumerate(TABLES):
            for bound in (0.11, 0.0, 1.5):
                scales = _scales(10 * round_ + k)
                got = fastrans.scale_indexes(scales, table, bound)
                assert np.array_equal(got, literal(scales, table, bound)), (k, bound)


def test_many_threads_with_different_tables_each_get_their_own_rows():
    results: dict[int, bool] = {}

    def work(k: int) -> None:
        table = TABLES[k % 2]
        scales = _scales(k, 5000)
        want = literal(scales, table, 0.11)
        results[k] = all(
            np.array_equal(fastrans.scale_indexes(scales, table, 0.11), want) for _ in range(20)
        )

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: True for k in range(8)}


@pytest.mark.parametrize("where", [0, 7, 19_999])
def test_a_nan_scale_is_named_wherever_it_sits(where: int):
    scales = _scales(3)
    scales[where] = np.nan
    with pytest.raises(ValueError, match=rf"scales\[{where}\] is NaN"):
        fastrans.scale_indexes(scales, TABLES[0])


@pytest.mark.parametrize(
    "table,bound,match",
    [
        (np.array([], np.float32), 0.11, "empty"),
        (np.array([0.5, np.inf], np.float32), 0.11, "not finite"),
        (np.array([0.5, 1.0], np.float32), float("nan"), "not finite"),
    ],
)
def test_bad_tables_and_bounds_are_value_errors(table, bound, match):
    with pytest.raises(ValueError, match=match):
        fastrans.scale_indexes(np.ones(4, np.float32), table, bound)
