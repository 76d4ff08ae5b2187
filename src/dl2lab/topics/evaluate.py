"""Scores of a topic classifier: accuracy, macro-F1, per-class P/R/F1 and the
confusion matrix, on any labelled frame (see :mod:`dl2lab.topics.data`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from dl2lab.errors import Dl2labError


def label_ids(
    labels: Sequence[str], label_names: Sequence[str], where: str
) -> np.ndarray:
    """Map labels to ids; a label the model never saw is an error.

    Args:
        labels: The labels to map.
        label_names: The model's labels, in id order.
        where: What the labels come from, for the error message.

    Raises:
        Dl2labError: Naming the unknown label(s) and listing the known ones.
    """
    index = {name: i for i, name in enumerate(label_names)}
    unknown = sorted({label for label in labels if label not in index})
    if unknown:
        raise Dl2labError(
            f"{where} holds label(s) the model never saw: "
            f"{', '.join(map(repr, unknown))}; the model knows: "
            f"{', '.join(label_names)}"
        )
    return np.array([index[label] for label in labels], dtype=np.int64)


def score(
    y_true: np.ndarray, probs: np.ndarray, label_names: Sequence[str]
) -> dict[str, Any]:
    """Score predicted ``probs`` against true label ids.

    Macro-F1 averages the F1 of every label that occurs as a true or a
    predicted label (scikit-learn's convention), so predicting a class that
    never occurs is penalised.

    Returns:
        ``n``, ``accuracy``, ``macro_f1``, ``per_class`` (label -> precision,
        recall, f1, support) and ``confusion`` (rows: true label, columns:
        predicted label, in ``label_names`` order).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(probs).argmax(axis=1) if len(y_true) else y_true
    ids = list(range(len(label_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=ids, zero_division=0
    )
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    return {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "macro_f1": float(np.mean(f1[present])) if present else float("nan"),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(label_names)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=ids).tolist(),
    }


def evaluation_sets(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The named test sets of a combined frame.

    Each source contributes its ``test`` rows (all rows when it has no split
    column). A source with ambiguous rows (``tweets-gold``) gives two sets:
    all test rows, and the test rows that are not ambiguous.
    """
    sets: dict[str, pd.DataFrame] = {}
    for source, rows in frame.groupby("source", sort=False):
        test = rows[rows["split"].isna() | (rows["split"] == "test")]
        name = f"{source} test" if rows["split"].notna().any() else str(source)
        sets[name] = test
        if test["ambiguous"].any():
            sets[f"{name} (ambiguous included)"] = sets.pop(name)
            sets[f"{name} (ambiguous left out)"] = test[~test["ambiguous"]]
    return sets


def evaluate(classifier, sets: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Score ``classifier`` (anything with ``predict_proba`` and
    ``label_names``) on each named set.

    Raises:
        Dl2labError: If a set holds a label the classifier does not know.
    """
    results = {}
    for name, rows in sets.items():
        y_true = label_ids(rows["label"].tolist(), classifier.label_names, name)
        probs = classifier.predict_proba(rows["text"].tolist())
        results[name] = score(y_true, probs, classifier.label_names)
    return results


def format_report(
    results: dict[str, dict[str, Any]], label_names: Sequence[str]
) -> str:
    """A plain-text report: one block per set with per-class rows and the
    confusion matrix."""
    lines = []
    width = max(len(n) for n in [*label_names, "label"])
    for name, result in results.items():
        lines.append(
            f"== {name}: n={result['n']}  accuracy {result['accuracy']:.3f}  "
            f"macro-F1 {result['macro_f1']:.3f}"
        )
        lines.append(f"  {'label':<{width}}  precision  recall     f1  support")
        for label in label_names:
            c = result["per_class"][label]
            lines.append(
                f"  {label:<{width}}  {c['precision']:9.3f}  {c['recall']:6.3f}  "
                f"{c['f1']:5.3f}  {c['support']:7d}"
            )
        lines.append("  confusion (rows: true, columns: predicted)")
        lines.append("  " + " " * width + "".join(f"{n[:8]:>9}" for n in label_names))
        for label, row in zip(label_names, result["confusion"], strict=True):
            lines.append(f"  {label:<{width}}" + "".join(f"{v:>9d}" for v in row))
    return "\n".join(lines)
