"""The training loop shared by every Keras model: early stopping, class
weights, a progress bar, and determinism for a seed."""

from __future__ import annotations

import logging
from typing import Any

import keras
import numpy as np

from dl2lab.errors import Dl2labError
from dl2lab.progress import bar

log = logging.getLogger(__name__)


class ProgressBar(keras.callbacks.Callback):
    """A :func:`dl2lab.progress.bar` over all training batches of all epochs.

    Args:
        epochs: Planned number of epochs.
        steps: Batches per epoch.
    """

    def __init__(self, epochs: int, steps: int):
        super().__init__()
        self.bar = bar(epochs * steps, desc="train", unit="batch")

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(1)
        if logs and "loss" in logs:
            self.bar.set_postfix(loss=f"{float(logs['loss']):.4f}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        log.info(
            "epoch %d: %s",
            epoch + 1,
            ", ".join(f"{key} {float(value):.4f}" for key, value in logs.items()),
        )

    def on_train_end(self, logs=None):
        self.bar.close()


def class_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """Return 'balanced' weights: n / (n_classes * count) for each class id.

    Classes absent from ``y`` get weight 1 (they never occur in a batch).
    """
    counts = np.bincount(y, minlength=n_classes)
    return {
        c: float(len(y) / (n_classes * counts[c])) if counts[c] else 1.0
        for c in range(n_classes)
    }


def check_training_args(epochs: int, batch_size: int, patience: int) -> None:
    """Refuse non-positive epochs / batch size and negative patience."""
    for name, value, least in (
        ("--epochs", epochs, 1),
        ("--batch-size", batch_size, 1),
        ("--patience", patience, 0),
    ):
        if not isinstance(value, int) or value < least:
            raise Dl2labError(f"`{name}` must be an integer >= {least}; got {value!r}")


def fit_keras(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    epochs: int,
    batch_size: int,
    patience: int = 3,
    weights: dict[int, float] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` with early stopping on validation loss.

    The weights of the epoch with the lowest validation loss are restored at
    the end. Call :func:`keras.utils.set_random_seed` before building the
    model: with it, training on CPU is repeatable bit for bit.

    Args:
        model: A compiled model (sparse categorical cross-entropy).
        x_train: Training inputs.
        y_train: Training label ids.
        x_val: Validation inputs (may be empty: then no early stopping).
        y_val: Validation label ids.
        epochs: Most epochs to run.
        batch_size: Examples per update.
        patience: Epochs without improvement before stopping.
        weights: Optional class-id -> loss weight.

    Returns:
        The history: ``loss``, ``accuracy`` and, with validation data,
        ``val_loss``, ``val_accuracy``, one value per epoch run, plus
        ``best_epoch`` (1-based).
    """
    steps = int(np.ceil(len(x_train) / batch_size))
    callbacks: list[keras.callbacks.Callback] = [ProgressBar(epochs, steps)]
    has_val = len(x_val) > 0
    stopper = None
    if has_val:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        )
        callbacks.append(stopper)
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val) if has_val else None,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        class_weight=weights,
        callbacks=callbacks,
        verbose=0,
    )
    result: dict[str, Any] = {
        k: [float(v) for v in vs] for k, vs in history.history.items()
    }
    result["best_epoch"] = (
        int(stopper.best_epoch) + 1 if stopper is not None else len(result["loss"])
    )
    return result
