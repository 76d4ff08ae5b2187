"""``tweets-gold``: real tweets labelled by reading, with a fixed split.

The labels live in the repository (``data/tweets_gold.csv``: id, label,
ambiguous, second_label, drawn_by, split; never the text) and the text is
joined in from the fetched ``tweets`` dataset. How the tweets were chosen,
read and split is in ``docs/annotation-guide.md``; the files are built from
the annotators' files by ``scripts/build_tweets_gold.py`` with
:func:`build_tables`.

A sample of tweets was read a second time by a different annotator
(``data/tweets_gold_second_reading.csv``); :func:`agreement` compares the
two readings.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from dl2lab.datasets import built, tweets
from dl2lab.datasets.split import stratified_split
from dl2lab.errors import Dl2labError

NAME = "tweets-gold"
LABELS = ("politics", "technology", "religion", "none")
DRAWS = ("random", "tech_search", "religion_search")
SEED = 2026
FRACTIONS = (0.6, 0.2, 0.2)
GOLD_FILE = "tweets_gold.csv"
SECOND_FILE = "tweets_gold_second_reading.csv"
GOLD_COLUMNS = ("id", "label", "ambiguous", "second_label", "drawn_by", "split")
SECOND_COLUMNS = ("id", "label", "ambiguous", "second_label", "batch", "second_batch")
N_BATCHES = 3


# --------------------------------------------------------------------------
# Building the stored files from the annotators' files


def read_labels(path: str | os.PathLike) -> pd.DataFrame:
    """Read one annotator file: ``id<TAB>label<TAB>ambiguous<TAB>second_label``.

    Args:
        path: The ``labels_K.tsv`` file.

    Returns:
        Columns ``id``, ``label``, ``ambiguous`` (bool), ``second_label``
        (``""`` unless ambiguous).

    Raises:
        Dl2labError: Naming the file and line of the first malformed row.
    """
    path = Path(path)
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            fields += [""] * (4 - len(fields))
            ident, label, ambiguous, second = (f.strip() for f in fields[:4])
            where = f"{path}, line {number}"
            if len(fields) > 4 or not ident.isdigit():
                raise Dl2labError(
                    f"{where}: expected id<TAB>label<TAB>0|1<TAB>second_label; "
                    f"got {line[:80]!r}"
                )
            if label not in LABELS:
                raise Dl2labError(
                    f"{where}: label {label!r} is not one of {', '.join(LABELS)}"
                )
            if ambiguous not in ("0", "1"):
                raise Dl2labError(
                    f"{where}: ambiguous must be 0 or 1; got {ambiguous!r}"
                )
            if ambiguous == "1" and (second not in LABELS or second == label):
                raise Dl2labError(
                    f"{where}: an ambiguous tweet needs a second label other than "
                    f"{label!r}; got {second!r}"
                )
            if ambiguous == "0" and second:
                raise Dl2labError(
                    f"{where}: second label {second!r} given but ambiguous is 0"
                )
            rows.append((ident, label, ambiguous == "1", second))
    table = pd.DataFrame(rows, columns=["id", "label", "ambiguous", "second_label"])
    repeated = table["id"][table["id"].duplicated()]
    if len(repeated):
        raise Dl2labError(f"{path}: tweet {repeated.iloc[0]} is labelled twice")
    return table


def _batch_ids(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [line.split("\t", 1)[0] for line in handle if line.strip()]
    except OSError as exc:
        raise Dl2labError(f"cannot read batch file {str(path)!r}: {exc}") from exc


def build_tables(label_dir: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the gold table and the second-reading table from annotator files.

    ``label_dir`` holds ``selection.csv`` (id, random, tech_search,
    religion_search, text), ``batch_K.tsv`` (the ids each annotator read),
    ``labels_K.tsv`` and ``second_reading_ids.json`` (batch index -> ids of
    that batch read again, by the annotator of batch ``(index + 1) % 3``).
    A tweet's primary label comes from its own batch; the other reading goes
    to the second table.

    Args:
        label_dir: The folder of annotator files.

    Returns:
        ``(gold, second)`` with columns :data:`GOLD_COLUMNS` and
        :data:`SECOND_COLUMNS`, sorted by id.

    Raises:
        Dl2labError: If a file is missing, malformed or incomplete (a batch
            not fully labelled), or the readings do not cover the selection.
    """
    label_dir = Path(label_dir)
    try:
        selection = pd.read_csv(
            label_dir / "selection.csv",
            dtype={"id": str},
            usecols=["id", *DRAWS],
        )
        second_ids = json.loads((label_dir / "second_reading_ids.json").read_text())
    except (OSError, ValueError) as exc:
        raise Dl2labError(
            f"cannot read the selection in {str(label_dir)!r}: {exc}"
        ) from exc
    reread = {int(k): set(map(str, v)) for k, v in second_ids.items()}

    primaries, seconds = [], []
    for k in range(N_BATCHES):
        labels_path = label_dir / f"labels_{k + 1}.tsv"
        if not labels_path.is_file():
            raise Dl2labError(f"labels file {str(labels_path)!r} does not exist yet")
        labels = read_labels(labels_path)
        batch = _batch_ids(label_dir / f"batch_{k + 1}.tsv")
        unlabelled = set(batch) - set(labels["id"])
        if unlabelled:
            raise Dl2labError(
                f"{labels_path} labels {len(batch) - len(unlabelled)} of the "
                f"{len(batch)} tweets of batch_{k + 1}.tsv; wait until it is complete"
            )
        extra = set(labels["id"]) - set(batch)
        if extra:
            raise Dl2labError(
                f"{labels_path} labels {len(extra)} tweets that are not in "
                f"batch_{k + 1}.tsv (e.g. {sorted(extra)[0]})"
            )
        # Rows re-read for the previous batch are second readings.
        previous = (k - 1) % N_BATCHES
        is_second = labels["id"].isin(reread.get(previous, set()))
        primaries.append(labels[~is_second].assign(batch=k + 1))
        seconds.append(labels[is_second].assign(batch=previous + 1, second_batch=k + 1))

    gold = pd.concat(primaries, ignore_index=True)
    if gold["id"].duplicated().any():
        first = gold["id"][gold["id"].duplicated()].iloc[0]
        raise Dl2labError(f"tweet {first} has a primary label in two batches")
    missing = set(selection["id"]) - set(gold["id"])
    if missing or len(gold) != len(selection):
        raise Dl2labError(
            f"the batches label {len(gold)} tweets as their own but selection.csv "
            f"has {len(selection)} ({len(missing)} missing)"
        )

    # How each tweet was drawn, and the split, stratified by label and draw.
    gold = gold.merge(selection, on="id", how="left", validate="one_to_one")
    flags = gold[list(DRAWS)].astype(bool)
    gold["drawn_by"] = flags.apply(
        lambda row: "+".join(d for d in DRAWS if row[d]), axis=1
    )
    strata = (
        gold["label"] + "|" + flags["random"].map({True: "random", False: "search"})
    )
    gold["split"] = stratified_split(strata, gold["id"], FRACTIONS, SEED)

    second = pd.concat(seconds, ignore_index=True)
    second = second.merge(
        gold[["id", "batch"]].rename(columns={"batch": "own"}), on="id", how="left"
    )
    wrong = second[second["own"] != second["batch"]]
    if len(wrong):
        raise Dl2labError(
            f"tweet {wrong['id'].iloc[0]} is listed as re-read for batch "
            f"{wrong['batch'].iloc[0]} but is not in that batch"
        )
    gold = _sort_by_id(gold)[list(GOLD_COLUMNS)]
    second = _sort_by_id(second)[list(SECOND_COLUMNS)]
    return gold, second


def _sort_by_id(table: pd.DataFrame) -> pd.DataFrame:
    order = table["id"].astype(int).sort_values(kind="stable").index
    return table.loc[order].reset_index(drop=True)


def to_csv(table: pd.DataFrame) -> str:
    """Render a gold or second-reading table as stored (ambiguous as 0/1)."""
    out = table.copy()
    out["ambiguous"] = out["ambiguous"].astype(int)
    return out.to_csv(index=False, lineterminator="\n")


# --------------------------------------------------------------------------
# Reading the stored files


def _data_file(name: str) -> Path:
    return Path(str(resources.files("dl2lab.datasets").joinpath("data", name)))


def read_stored(name: str = GOLD_FILE, folder: Path | None = None) -> pd.DataFrame:
    """Read a stored label file (gold or second reading) with proper types.

    Args:
        name: :data:`GOLD_FILE` or :data:`SECOND_FILE`.
        folder: Where it lives; by default the package's ``data`` folder.
    """
    path = (folder / name) if folder else _data_file(name)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as exc:
        raise Dl2labError(f"cannot read stored labels {str(path)!r}: {exc}") from exc
    table["ambiguous"] = table["ambiguous"].map({"0": False, "1": True})
    if table["ambiguous"].isna().any() or not table["label"].isin(LABELS).all():
        raise Dl2labError(f"{path} has a label or ambiguous flag out of range")
    return table


def agreement(gold: pd.DataFrame, second: pd.DataFrame) -> dict[str, Any]:
    """Compare the second readings with the primary labels.

    Args:
        gold: The gold table (primary labels).
        second: The second-reading table.

    Returns:
        ``n`` (tweets read twice), ``agree`` (share with the same label),
        ``kappa`` (Cohen's kappa, scikit-learn), ``agree_lenient`` (share
        where one reading's label is the other's label or second label).
    """
    from sklearn.metrics import cohen_kappa_score

    both = second.merge(gold, on="id", suffixes=("_second", "_primary"))
    if len(both) != len(second):
        raise Dl2labError("some re-read tweets are not in the gold table")
    a, b = both["label_primary"], both["label_second"]
    lenient = (
        (a == b)
        | (a == both["second_label_second"])
        | (b == both["second_label_primary"])
    )
    return {
        "n": len(both),
        "agree": float((a == b).mean()),
        "kappa": float(cohen_kappa_score(a, b, labels=list(LABELS))),
        "agree_lenient": float(lenient.mean()),
    }


# --------------------------------------------------------------------------
# The dataset


def fetch(from_dir: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Fetch the tweets and join their text to the stored labels.

    Args:
        from_dir: Folder holding ``r-cran-dslabs_*.deb`` instead of apt.
        force: Fetch and build again.

    Returns:
        The dataset folder (``tweets_gold.parquet`` and ``meta.json``).

    Raises:
        Dl2labError: If a labelled id is not among the fetched tweets.
    """
    digest = hashlib.sha256(_data_file(GOLD_FILE).read_bytes()).hexdigest()
    meta = built.read_meta(NAME)
    # Stored labels that changed since the last build make it stale.
    stale = meta is not None and meta.get("labels_sha256") != digest

    def builder(folder: Path) -> dict[str, Any]:
        tweets.fetch(from_dir=from_dir, force=force)
        gold = read_stored(GOLD_FILE)
        table = join_text(gold, tweets.load())
        table.to_parquet(folder / "tweets_gold.parquet", index=False)
        rate = agreement(gold, read_stored(SECOND_FILE))
        counts = table.groupby(["split", "label"]).size()
        return {
            "rows": len(table),
            "labels_sha256": digest,
            "counts": {f"{s}/{lab}": int(n) for (s, lab), n in counts.items()},
            "ambiguous": int(table["ambiguous"].sum()),
            "agreement": rate,
        }

    return built.build(NAME, builder, force=force or stale)


def join_text(gold: pd.DataFrame, tweet_table: pd.DataFrame) -> pd.DataFrame:
    """Add the tweet text to gold labels; every id must be found.

    Args:
        gold: Stored labels (from :func:`read_stored`).
        tweet_table: The ``tweets`` dataset.

    Returns:
        Columns ``id, text, label, ambiguous, second_label, drawn_by, split``.
    """
    text = tweet_table.set_index("id")["text"]
    unknown = gold["id"][~gold["id"].isin(text.index)]
    if len(unknown):
        raise Dl2labError(
            f"{len(unknown)} labelled tweet ids are not in the fetched tweets "
            f"(first: {unknown.iloc[0]})"
        )
    out = gold.copy()
    out.insert(1, "text", text.loc[gold["id"]].to_numpy())
    return out


def load(
    split: str | None = None, from_dir: str | os.PathLike | None = None
) -> pd.DataFrame:
    """Return the labelled tweets with their text.

    Args:
        split: Keep only ``train``, ``val`` or ``test``; None keeps all.
        from_dir: Passed to :func:`fetch` when the cache is empty.

    Returns:
        Columns ``id, text, label, ambiguous (bool), second_label ("" unless
        ambiguous), drawn_by, split``.
    """
    return built.read_split(fetch(from_dir=from_dir) / "tweets_gold.parquet", split)


def status() -> list[str]:
    """Lines for ``dl2lab data list``: state, counts per split, agreement."""
    meta = built.read_meta(NAME)
    if meta is None:
        return ["not fetched"]
    lines = ["fetched", f"{meta['rows']:,} tweets, {meta['ambiguous']} ambiguous"]
    lines += built.split_count_lines(meta, LABELS)
    rate = meta["agreement"]
    lines.append(
        f"second reading of {rate['n']} tweets: {100 * rate['agree']:.1f}% same "
        f"label, Cohen's kappa {rate['kappa']:.3f} ({100 * rate['agree_lenient']:.1f}"
        "% counting a tie's second label)"
    )
    return lines
