"""A fixed, stratified train/val/test split that does not depend on row order.

Within each stratum the records are ordered by their key (an id or the
text), shuffled with ``numpy.random.RandomState(seed)`` and cut: the first
``round(n * test)`` go to test, the next ``round(n * val)`` to val, the rest
to train. Strata are visited in sorted order with one generator, so the same
records, keys and seed always give the same split, however the rows are
ordered on input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dl2lab.errors import Dl2labError

SPLITS = ("train", "val", "test")


def stratified_split(
    strata: Sequence[str],
    keys: Sequence[str],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> np.ndarray:
    """Assign each record to ``train``, ``val`` or ``test``.

    Args:
        strata: One stratum per record (usually its label); each split gets
            the same share of every stratum, up to rounding.
        keys: One unique key per record; fixes the order before shuffling.
        fractions: Shares of train, val and test; they must sum to 1.
        seed: Seed of the shuffle.

    Returns:
        An array of split names, one per record, in input order.

    Raises:
        Dl2labError: If the lengths differ, keys repeat or the fractions are
            not three non-negative numbers summing to 1.
    """
    strata = [str(s) for s in strata]
    keys = [str(k) for k in keys]
    if len(strata) != len(keys):
        raise Dl2labError(
            f"`strata` and `keys` must have the same length; got {len(strata)} "
            f"and {len(keys)}"
        )
    if len(set(keys)) != len(keys):
        raise Dl2labError("`keys` must be unique; some records share a key")
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise Dl2labError(
            f"`fractions` must be three non-negative shares (train, val, test) "
            f"summing to 1; got {fractions!r}"
        )
    _, val_share, test_share = fractions
    rng = np.random.RandomState(seed)
    out = np.empty(len(keys), dtype=object)
    by_stratum: dict[str, list[int]] = {}
    for i, stratum in enumerate(strata):
        by_stratum.setdefault(stratum, []).append(i)
    for stratum in sorted(by_stratum):
        members = sorted(by_stratum[stratum], key=lambda i: keys[i])
        order = [members[j] for j in rng.permutation(len(members))]
        n_test = int(round(len(order) * test_share))
        n_val = int(round(len(order) * val_share))
        for rank, i in enumerate(order):
            if rank < n_test:
                out[i] = "test"
            elif rank < n_test + n_val:
                out[i] = "val"
            else:
                out[i] = "train"
    return out.astype(str)
