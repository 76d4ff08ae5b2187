"""The fixed stratified split: stratified, deterministic, disjoint, order-free."""

from __future__ import annotations

import numpy as np
import pytest

from dl2lab.datasets.split import stratified_split
from dl2lab.errors import Dl2labError


def records():
    strata = ["a"] * 100 + ["b"] * 30 + ["c"] * 7
    keys = [f"id{i:03d}" for i in range(len(strata))]
    return strata, keys


def test_each_stratum_is_cut_by_the_fractions():
    strata, keys = records()
    split = stratified_split(strata, keys, (0.8, 0.1, 0.1), seed=3)
    strata = np.array(strata)
    # round(n * 0.1) go to test and to val: a 10/10, b 3/3, c round(0.7) = 1/1.
    expected = {"a": (80, 10, 10), "b": (24, 3, 3), "c": (5, 1, 1)}
    for stratum, (n_train, n_val, n_test) in expected.items():
        part = split[strata == stratum]
        assert (part == "train").sum() == n_train
        assert (part == "val").sum() == n_val
        assert (part == "test").sum() == n_test


def test_every_record_in_exactly_one_split():
    strata, keys = records()
    split = stratified_split(strata, keys, (0.6, 0.2, 0.2), seed=0)
    assert len(split) == len(keys)
    assert set(split) == {"train", "val", "test"}
    groups = [set(np.array(keys)[split == s]) for s in ("train", "val", "test")]
    assert not groups[0] & groups[1] and not groups[0] & groups[2]
    assert not groups[1] & groups[2]
    assert set().union(*groups) == set(keys)


def test_same_seed_same_split_whatever_the_row_order():
    strata, keys = records()
    first = dict(zip(keys, stratified_split(strata, keys, seed=7), strict=True))
    order = np.random.RandomState(1).permutation(len(keys))
    shuffled_keys = [keys[i] for i in order]
    shuffled_strata = [strata[i] for i in order]
    second = stratified_split(shuffled_strata, shuffled_keys, seed=7)
    assert dict(zip(shuffled_keys, second, strict=True)) == first


def test_another_seed_gives_another_split():
    strata, keys = records()
    assert list(stratified_split(strata, keys, seed=1)) != list(
        stratified_split(strata, keys, seed=2)
    )


@pytest.mark.parametrize(
    ("strata", "keys", "fractions", "message"),
    [
        (["a"], ["1", "2"], (0.8, 0.1, 0.1), "same length; got 1 and 2"),
        (["a", "a"], ["1", "1"], (0.8, 0.1, 0.1), "`keys` must be unique"),
        (["a"], ["1"], (0.8, 0.3, 0.1), r"summing to 1; got \(0.8, 0.3, 0.1\)"),
        (["a"], ["1"], (1.1, -0.1, 0.0), "non-negative"),
    ],
)
def test_bad_arguments(strata, keys, fractions, message):
    with pytest.raises(Dl2labError, match=message):
        stratified_split(strata, keys, fractions)
