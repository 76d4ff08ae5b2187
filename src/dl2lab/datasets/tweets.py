"""``tweets``: the 20,761 real tweets of Debian ``r-cran-dslabs``.

The R package dslabs ships the table ``trump_tweets`` (tweets of
@realDonaldTrump, 2009-2018) in its lazy-load database
``data/Rdata.rdx``/``Rdata.rdb``. The text is kept exactly as stored: HTML
entities (``&amp;``), t.co links, handles and hashtags are the preprocessing's
job (:mod:`dl2lab.text`).

Columns: ``id`` (the tweet's ``id_str``, a string: the ids exceed 2**53),
``created_at`` (UTC timestamp) and ``text``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from dl2lab.datasets import built, packages
from dl2lab.datasets.rdata_io import read_lazyload
from dl2lab.errors import Dl2labError

NAME = "tweets"
PACKAGE = "r-cran-dslabs"
RDATA = "usr/lib/R/site-library/dslabs/data/Rdata"
TABLE = "trump_tweets"
N_TWEETS = 20761
COLUMNS = ("id", "created_at", "text")


def read_table(root: str | os.PathLike) -> pd.DataFrame:
    """Read ``trump_tweets`` from an unpacked ``r-cran-dslabs`` tree.

    Args:
        root: The unpacked package (what :func:`packages.fetch_deb` returns).

    Returns:
        The tweets with columns ``id``, ``created_at``, ``text``, in the
        package's order.

    Raises:
        Dl2labError: If the table is missing or lacks the expected columns.
    """
    base = Path(root) / RDATA
    table = read_lazyload(f"{base}.rdx", f"{base}.rdb", TABLE)
    if not isinstance(table, pd.DataFrame):
        raise Dl2labError(
            f"object {TABLE!r} in {base}.rdb is a {type(table).__name__}, "
            "expected a data frame"
        )
    missing = {"id_str", "created_at", "text"} - set(table.columns)
    if missing:
        raise Dl2labError(
            f"table {TABLE!r} in {base}.rdb lacks columns {sorted(missing)}; "
            f"it has {list(table.columns)}"
        )
    # POSIXct counts seconds since 1970-01-01 UTC whatever its display zone.
    seconds = pd.to_numeric(table["created_at"], errors="coerce")
    return pd.DataFrame(
        {
            "id": table["id_str"].astype(str).to_numpy(),
            "created_at": pd.to_datetime(seconds.to_numpy(), unit="s", utc=True),
            "text": table["text"].fillna("").astype(str).to_numpy(),
        }
    )


def fetch(from_dir: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Fetch ``r-cran-dslabs`` and store the tweets as parquet in the cache.

    Args:
        from_dir: Folder holding ``r-cran-dslabs_*.deb`` instead of apt.
        force: Fetch the package and build the table again.

    Returns:
        The dataset folder (``tweets.parquet`` and ``meta.json``).
    """

    def builder(folder: Path) -> dict[str, Any]:
        root = packages.fetch_deb(PACKAGE, from_dir=from_dir, force=force)
        table = read_table(root)
        if table["id"].duplicated().any():
            raise Dl2labError(f"table {TABLE!r} of {PACKAGE} has duplicate ids")
        table.to_parquet(folder / "tweets.parquet", index=False)
        info = packages.provenance(root)
        return {
            "rows": len(table),
            "source_package": info["package"],
            "source_version": info["version"],
            "source_file": f"{RDATA}.rdb:{TABLE}",
        }

    return built.build(NAME, builder, force=force)


def load(from_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Return the tweets (columns ``id``, ``created_at``, ``text``).

    Args:
        from_dir: Passed to :func:`fetch` when the cache is empty.
    """
    folder = fetch(from_dir=from_dir)
    return pd.read_parquet(folder / "tweets.parquet")


def status() -> list[str]:
    """Lines for ``dl2lab data list``: the state, then what was built from what."""
    meta = built.read_meta(NAME)
    if meta is None:
        return ["not fetched"]
    return [
        "fetched",
        f"{meta['rows']:,} tweets from {meta['source_package']} "
        f"{meta['source_version']}",
    ]
