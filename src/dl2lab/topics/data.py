"""Labelled texts for the topic classifier: built-in datasets and user files.

A *source* is either the name of a dataset in the registry (``topics``,
``tweets-gold``) or a path to a ``.csv``, ``.jsonl`` or ``.parquet`` file.
Every source becomes a frame with the same columns:

- ``text`` (str), ``label`` (str);
- ``split``: ``train``, ``val``, ``test``, or None when a file has no split
  column (all its rows are then training rows for ``train``, and all are
  scored by ``evaluate``);
- ``ambiguous`` (bool): True for gold tweets whose readers hesitated between
  two labels; False elsewhere;
- ``source``: the source it came from.

Several sources are concatenated, so training data can combine the quotes of
``topics`` with real tweets.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dl2lab.errors import Dl2labError

DATASET_SOURCES = ("topics", "tweets-gold")
FILE_SUFFIXES = (".csv", ".jsonl", ".parquet")
SPLITS = ("train", "val", "test")
COLUMNS = ["text", "label", "split", "ambiguous", "source"]


def _decode(path: Path, data: bytes) -> str:
    """Decode UTF-8 (a BOM is allowed) or name the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Dl2labError(
            f"file {str(path)!r} is not valid UTF-8: line {line} holds the byte "
            f"{data[exc.start : exc.start + 1]!r} at offset {exc.start}; "
            f"save the file as UTF-8"
        ) from None


def _read_jsonl(path: Path, text: str) -> pd.DataFrame:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise Dl2labError(
                f"file {str(path)!r} line {number} is not JSON: {exc.msg}"
            ) from None
        if not isinstance(row, dict):
            raise Dl2labError(
                f"file {str(path)!r} line {number} is a JSON "
                f"{type(row).__name__}; expected an object with named fields"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``.csv``, ``.jsonl`` or ``.parquet`` file as it is.

    CSV cells are read as strings (an empty cell is ``""``).

    Raises:
        Dl2labError: Missing or empty file, unknown suffix, bytes that are not
            UTF-8 (naming the line), a line that is not JSON, or no rows.
    """
    path = Path(path)
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise Dl2labError(
            f"data file {str(path)!r} has suffix {path.suffix!r}; expected one of "
            f"{', '.join(FILE_SUFFIXES)} (or a dataset: {', '.join(DATASET_SOURCES)})"
        )
    if not path.is_file():
        raise Dl2labError(f"data file {str(path)!r} does not exist")
    data = path.read_bytes()
    if not data.strip():
        raise Dl2labError(f"data file {str(path)!r} is empty; expected labelled rows")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        elif suffix == ".jsonl":
            frame = _read_jsonl(path, _decode(path, data))
        else:
            frame = pd.read_csv(
                io.StringIO(_decode(path, data)), dtype=str, keep_default_na=False
            )
    except Dl2labError:
        raise
    except Exception as exc:  # pandas and pyarrow raise many types
        raise Dl2labError(f"cannot read data file {str(path)!r}: {exc}") from None
    if len(frame) == 0:
        raise Dl2labError(f"data file {str(path)!r} holds no rows")
    return frame


def check_columns(path: str | Path, frame: pd.DataFrame, **columns: str) -> None:
    """Refuse a frame that lacks a column; ``columns`` maps option -> name.

    Raises:
        Dl2labError: Naming the option and the column, listing those found.
    """
    for option, column in columns.items():
        if column not in frame.columns:
            found = ", ".join(map(str, frame.columns)) or "(none)"
            flag = "--" + option.replace("_", "-")
            raise Dl2labError(
                f"data file {str(path)!r} has no column {column!r} ({flag}); "
                f"columns found: {found}"
            )


def read_file(
    path: str | Path, text_column: str = "text", label_column: str = "label"
) -> pd.DataFrame:
    """Read a labelled file into the common columns.

    Args:
        path: A ``.csv``, ``.jsonl`` or ``.parquet`` file.
        text_column: Column holding the text.
        label_column: Column holding the label. An optional ``split`` column
            with values train / val / test is kept.

    Returns:
        A frame with the columns ``text, label, split, ambiguous, source``.

    Raises:
        Dl2labError: Everything :func:`read_table` refuses, a missing column
            (listing the columns found), a missing label, or an unknown split.
    """
    frame = read_table(path)
    path = Path(path)
    check_columns(path, frame, text_column=text_column, label_column=label_column)
    labels = frame[label_column]
    missing = labels.isna() | (labels.astype(str).str.strip() == "")
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise Dl2labError(
            f"data file {str(path)!r}: row {row + 1} has no label in column "
            f"{label_column!r}; every row needs one"
        )
    split = pd.Series([None] * len(frame), dtype=object)
    if "split" in frame.columns:
        split = frame["split"].astype(str).str.strip().str.lower()
        bad = sorted(set(split) - set(SPLITS))
        if bad:
            raise Dl2labError(
                f"data file {str(path)!r}: column 'split' holds {bad[0]!r}; "
                f"expected one of {', '.join(SPLITS)}"
            )
    texts = frame[text_column].where(frame[text_column].notna(), "")
    return pd.DataFrame(
        {
            "text": texts.astype(str).to_numpy(),
            "label": labels.astype(str).str.strip().to_numpy(),
            "split": split.to_numpy(),
            "ambiguous": np.zeros(len(frame), dtype=bool),
            "source": str(path),
        }
    )[COLUMNS]


def _load_dataset(name: str) -> pd.DataFrame:
    from dl2lab.datasets import registry

    frame = registry.load(name)
    ambiguous = (
        frame["ambiguous"].astype(bool).to_numpy()
        if "ambiguous" in frame.columns
        else np.zeros(len(frame), dtype=bool)
    )
    return pd.DataFrame(
        {
            "text": frame["text"].astype(str).to_numpy(),
            "label": frame["label"].astype(str).to_numpy(),
            "split": frame["split"].astype(str).to_numpy(),
            "ambiguous": ambiguous,
            "source": name,
        }
    )[COLUMNS]


def load_source(
    source: str, text_column: str = "text", label_column: str = "label"
) -> pd.DataFrame:
    """Load one source: a dataset name or a file path (see the module doc)."""
    if source in DATASET_SOURCES:
        return _load_dataset(source)
    if Path(source).suffix.lower() not in FILE_SUFFIXES:
        raise Dl2labError(
            f"--data {source!r} is neither a dataset ({', '.join(DATASET_SOURCES)}) "
            f"nor a {'/'.join(FILE_SUFFIXES)} file"
        )
    return read_file(source, text_column, label_column)


def load_sources(
    sources: Sequence[str], text_column: str = "text", label_column: str = "label"
) -> pd.DataFrame:
    """Load and concatenate several sources (repeated ``--data``).

    Returns:
        One frame with the columns ``text, label, split, ambiguous, source``.
    """
    if not sources:
        raise Dl2labError("no --data given; expected a dataset name or a file")
    frames = [load_source(s, text_column, label_column) for s in sources]
    return pd.concat(frames, ignore_index=True)


def train_val_test(
    frame: pd.DataFrame, seed: int = 0, val_fraction: float = 0.1
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a combined frame for training.

    Rows keep their own split. Rows without one are training rows. When no
    row is marked ``val``, a stratified ``val_fraction`` of the training rows
    (at least one per label that has two or more rows) becomes the validation
    set, drawn with ``seed``.

    Returns:
        The train, val and test frames (test may be empty).
    """
    split = frame["split"].fillna("train")
    train = frame[split == "train"]
    val = frame[split == "val"]
    test = frame[split == "test"]
    if len(val) == 0 and len(train) > 0:
        rng = np.random.default_rng(seed)
        picked = []
        for _, group in train.groupby("label", sort=True):
            if len(group) < 2:
                continue
            count = max(1, int(round(val_fraction * len(group))))
            picked.extend(rng.choice(group.index.to_numpy(), count, replace=False))
        val = train.loc[sorted(picked)]
        train = train.drop(index=picked)
    return (
        train.reset_index(drop=True),
        val.reset_index(drop=True),
        test.reset_index(drop=True),
    )
