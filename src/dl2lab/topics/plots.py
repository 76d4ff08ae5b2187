"""Training-curve and confusion-matrix figures for a model folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_training_curve(history: dict[str, Any], path: Path, title: str) -> Path:
    """Draw loss and accuracy per epoch (or, for TF-IDF, val macro-F1 per C).

    Args:
        history: What the model's ``fit`` returned.
        path: The PNG to write.
        title: Figure title.

    Returns:
        ``path``.
    """
    plt = _pyplot()
    if "C" in history:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.semilogx(history["C"], history["val_macro_f1"], marker="o")
        ax.axvline(history["best_C"], color="grey", linestyle=":", label="chosen C")
        ax.set_xlabel("C (inverse regularisation)")
        ax.set_ylabel("validation macro-F1")
        ax.legend()
    else:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
            for prefix, style in (("", "-"), ("val_", "--")):
                values = history.get(prefix + metric)
                if values:
                    epochs = np.arange(1, len(values) + 1)
                    ax.plot(epochs, values, style, marker="o", label=prefix + metric)
            best = history.get("best_epoch")
            if best:
                ax.axvline(best, color="grey", linestyle=":", label="kept epoch")
            ax.set_xlabel("epoch")
            ax.set_ylabel(metric)
            ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confusion(
    confusion: Sequence[Sequence[int]],
    label_names: Sequence[str],
    path: Path,
    title: str,
) -> Path:
    """Draw a confusion matrix (rows: true label, columns: predicted)."""
    plt = _pyplot()
    matrix = np.asarray(confusion)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(matrix, cmap="Blues")
    ticks = np.arange(len(label_names))
    ax.set_xticks(ticks, label_names, rotation=30, ha="right")
    ax.set_yticks(ticks, label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(
                j, i, str(matrix[i, j]), ha="center", va="center",
                color="white" if matrix[i, j] > threshold else "black",
            )  # fmt: skip
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
