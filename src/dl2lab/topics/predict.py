"""Label new texts with a saved topic classifier, in batches.

Each text gets its most likely label and the probabilities of the ``top_k``
most likely labels (all of them by default), written as JSON lines or CSV.
A text that cleans to nothing still gets a valid distribution (for the Keras
models, the one the model gives a row of padding).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from dl2lab.errors import Dl2labError

FORMATS = ("jsonl", "csv")


def check_top_k(top_k: int | None, n_labels: int) -> int:
    """Return ``top_k`` (None: all labels) after checking its range."""
    if top_k is None:
        return n_labels
    if not isinstance(top_k, int) or not 1 <= top_k <= n_labels:
        raise Dl2labError(
            f"`--top-k` must be between 1 and the number of labels ({n_labels}); "
            f"got {top_k!r}"
        )
    return top_k


def records(
    texts: list[str], probs: np.ndarray, label_names: list[str], top_k: int
) -> list[dict[str, Any]]:
    """Turn probabilities into one record per text.

    Returns:
        Dicts with ``text``, ``label`` (the most likely) and ``probs`` (the
        ``top_k`` most likely labels, most likely first, to their
        probability).
    """
    out = []
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    for text, row, ranked in zip(texts, probs, order, strict=True):
        out.append(
            {
                "text": text,
                "label": label_names[ranked[0]],
                "probs": {label_names[i]: float(row[i]) for i in ranked},
            }
        )
    return out


def predict_stream(
    classifier, texts: Iterable[str], top_k: int | None = None, batch_size: int = 256
) -> Iterator[dict[str, Any]]:
    """Predict ``texts`` (any iterable, e.g. lines of stdin) batch by batch.

    Args:
        classifier: A loaded classifier (``predict_proba``, ``label_names``).
        texts: The texts.
        top_k: How many labels to report per text (None: all).
        batch_size: Texts per call to the model.

    Yields:
        One record per text (see :func:`records`), in input order.
    """
    k = check_top_k(top_k, len(classifier.label_names))
    if not isinstance(batch_size, int) or batch_size < 1:
        raise Dl2labError(f"`--batch-size` must be an integer >= 1; got {batch_size!r}")
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            yield from records(
                batch, classifier.predict_proba(batch), classifier.label_names, k
            )
            batch = []
    if batch:
        yield from records(
            batch, classifier.predict_proba(batch), classifier.label_names, k
        )


def write_records(
    rows: Iterable[dict[str, Any]], handle: TextIO, fmt: str, top_k: int
) -> int:
    """Write records as JSON lines or CSV; return how many were written.

    CSV columns: ``text, label, label_1, prob_1, ..., label_k, prob_k``.
    """
    if fmt not in FORMATS:
        raise Dl2labError(
            f"`--format` must be one of {', '.join(FORMATS)}; got {fmt!r}"
        )
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(handle, lineterminator="\n")
        header = ["text", "label"]
        for i in range(1, top_k + 1):
            header += [f"label_{i}", f"prob_{i}"]
        writer.writerow(header)
    for row in rows:
        if writer is None:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            cells = [row["text"], row["label"]]
            for label, prob in row["probs"].items():
                cells += [label, f"{prob:.6f}"]
            writer.writerow(cells)
        count += 1
    return count


def read_texts(path: str | Path, text_column: str = "text") -> list[str]:
    """Texts to predict from a file.

    A ``.csv``, ``.jsonl`` or ``.parquet`` file gives its ``text_column``;
    any other file gives one text per line (blank lines skipped).

    Raises:
        Dl2labError: Missing or empty file, bytes that are not UTF-8 (naming
            the line), or a missing column (listing the columns found).
    """
    from dl2lab.topics.data import FILE_SUFFIXES, _decode, check_columns, read_table

    path = Path(path)
    if path.suffix.lower() in FILE_SUFFIXES:
        frame = read_table(path)
        check_columns(path, frame, text_column=text_column)
        return frame[text_column].fillna("").astype(str).tolist()
    if not path.is_file():
        raise Dl2labError(f"input file {str(path)!r} does not exist")
    text = _decode(path, path.read_bytes())
    return [line for line in text.splitlines() if line.strip()]
