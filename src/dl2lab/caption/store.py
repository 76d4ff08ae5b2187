"""A trained captioner on disk: one folder that ``predict`` needs nothing else for.

Folder layout (written whole or not at all, :func:`dl2lab.atomic.output_dir`):

==================  =======================================================
``model.keras``     the decoder (reloads with ``safe_mode=True``)
``vocab.json``      the caption vocabulary
``config.json``     data, backbone, weights file and training settings
``versions.json``   Python, dl2lab, Keras and backend, numpy versions
``metrics.json``    training history, best epoch, time, validation scores
``curve.png``       loss and masked accuracy per epoch
==================  =======================================================
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from dl2lab.atomic import output_dir, temporary_path, write_text
from dl2lab.errors import Dl2labError

FILES = ("model.keras", "vocab.json", "config.json")


@dataclass
class Captioner:
    """A loaded captioner folder.

    Attributes:
        model: The Keras decoder.
        vocab: The ``CaptionVocabulary``.
        config: The dict of ``config.json``.
        folder: Where it was loaded from.
    """

    model: object
    vocab: object
    config: dict
    folder: Path


def versions() -> dict[str, str]:
    """Return the versions of what produced a model."""
    import keras
    import numpy

    from dl2lab import __version__

    found = {
        "python": platform.python_version(),
        "dl2lab": __version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": numpy.__version__,
    }
    if found["backend"] == "jax":
        import jax

        found["jax"] = jax.__version__
    return found


def plot_history(history: dict[str, list[float]], path: str | os.PathLike) -> Path:
    """Draw loss and masked accuracy per epoch, training and validation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for ax, key, title in (
        (axes[0], "loss", "masked cross-entropy"),
        (axes[1], "masked_accuracy", "masked next-word accuracy"),
    ):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = history.get(prefix + key)
            if values:
                epochs = range(1, len(values) + 1)
                label = "validation" if prefix else "training"
                ax.plot(epochs, values, style, marker="o", ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = Path(path)
    with temporary_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return path


def save_captioner(
    folder: str | os.PathLike,
    model,
    vocab,
    config: dict,
    metrics: dict,
    history: dict[str, list[float]],
) -> Path:
    """Write a captioner folder atomically.

    Args:
        folder: Destination; a folder dl2lab wrote there before is replaced,
            anything else is refused.
        model: The trained Keras decoder.
        vocab: Its ``CaptionVocabulary``.
        config: JSON-ready settings (data, backbone, training).
        metrics: JSON-ready results of training.
        history: Per-epoch training curves.

    Returns:
        The folder.
    """
    folder = Path(folder)
    with output_dir(folder, guard=True) as tmp:
        model.save(tmp / "model.keras")
        vocab.save(tmp / "vocab.json")
        write_text(tmp / "config.json", json.dumps(config, indent=2) + "\n")
        write_text(tmp / "versions.json", json.dumps(versions(), indent=2) + "\n")
        metrics = {**metrics, "history": history}
        write_text(tmp / "metrics.json", json.dumps(metrics, indent=2) + "\n")
        plot_history(history, tmp / "curve.png")
    return folder


def load_captioner(folder: str | os.PathLike) -> Captioner:
    """Load a folder written by :func:`save_captioner`.

    Raises:
        Dl2labError: If the folder or one of its files is missing or broken.
    """
    import keras

    from dl2lab.caption.vocab import CaptionVocabulary

    folder = Path(folder)
    if not folder.is_dir():
        raise Dl2labError(
            f"captioner folder {str(folder)!r} does not exist; expected a folder "
            "written by `dl2lab caption train --out`"
        )
    for name in FILES:
        if not (folder / name).is_file():
            raise Dl2labError(
                f"captioner folder {str(folder)!r} has no {name}; expected "
                f"{', '.join(FILES)} (written by `dl2lab caption train`)"
            )
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Dl2labError(f"{folder / 'config.json'}: not valid JSON ({exc})") from exc
    try:
        model = keras.saving.load_model(
            folder / "model.keras", safe_mode=True, compile=False
        )
    except Exception as exc:  # Keras raises many types for a broken archive
        raise Dl2labError(
            f"{folder / 'model.keras'}: cannot be loaded as a Keras model ({exc})"
        ) from exc
    vocab = CaptionVocabulary.load(folder / "vocab.json")
    return Captioner(model, vocab, config, folder)
