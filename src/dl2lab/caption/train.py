"""Training the captioner with teacher forcing, early stopping on validation.

Every (image, reference) pair is one training example: an image with three
references is seen three times per epoch, once with each caption. Training
stops when the validation loss has not improved for ``patience`` epochs, and
the weights of the best epoch are kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np

from dl2lab.caption.model import CELLS, CONDITIONS, build_captioner
from dl2lab.caption.teacher import masked_accuracy, masked_loss, teacher_forcing
from dl2lab.errors import Dl2labError
from dl2lab.progress import bar

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (saved next to the model).

    Attributes:
        cell: Recurrent cell: simple, lstm or gru.
        condition: How the image enters: every-step or initial-state.
        dropout: Dropout rate on the recurrent input and output.
        epochs: Most epochs to run.
        batch_size: Examples per gradient step.
        learning_rate: Adam's learning rate.
        patience: Epochs without validation improvement before stopping.
        seed: Seed of the initialisation and of the shuffling.
        vocab_size: Most ids in the caption vocabulary.
        max_len: Positions per caption, ``<s>`` and ``<eos>`` included.
        embedding_dim: Embedding, projection and state size.
    """

    cell: str = "simple"
    condition: str = "every-step"
    dropout: float = 0.0
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 2e-3
    patience: int = 3
    seed: int = 0
    vocab_size: int = 1000
    max_len: int = 20
    embedding_dim: int = 128

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise Dl2labError(
                f"`cell` must be one of {', '.join(CELLS)}; got {self.cell!r}"
            )
        if self.condition not in CONDITIONS:
            raise Dl2labError(
                f"`condition` must be one of {', '.join(CONDITIONS)}; got "
                f"{self.condition!r}"
            )
        for name in ("epochs", "batch_size", "patience", "vocab_size", "max_len"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise Dl2labError(f"`{name}` must be a positive integer; got {value!r}")
        if not 0 <= self.dropout < 1:
            raise Dl2labError(f"`dropout` must be in [0, 1); got {self.dropout!r}")
        if not self.learning_rate > 0:
            raise Dl2labError(
                f"`learning_rate` must be positive; got {self.learning_rate!r}"
            )

    def to_dict(self) -> dict:
        """Return the settings as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build from :meth:`to_dict` output (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class TrainResult:
    """What :func:`fit_captioner` returns.

    Attributes:
        model: The trained Keras model (weights of the best epoch).
        history: Per-epoch ``loss``, ``masked_accuracy``, ``val_loss``,
            ``val_masked_accuracy``.
        best_epoch: 1-based epoch whose weights were kept.
        seconds: Wall time of the training.
        n_examples: Training (image, caption) pairs.
    """

    model: object
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float
    n_examples: int


def caption_pairs(
    features: np.ndarray, references: Sequence[Sequence[str]]
) -> tuple[np.ndarray, list[str]]:
    """Repeat each image's features once per reference caption.

    Args:
        features: float (n, d).
        references: For each image, its list of captions.

    Returns:
        ``(features (m, d), captions (m,))`` with m the number of references.
    """
    if len(features) != len(references):
        raise Dl2labError(
            f"`references` must hold one list per image: got {len(references)} "
            f"lists for {len(features)} images"
        )
    rows = [i for i, refs in enumerate(references) for _ in refs]
    captions = [caption for refs in references for caption in refs]
    return np.asarray(features, dtype="float32")[rows], captions


def _progress_callback(epochs: int, steps: int):
    import keras

    class ProgressBar(keras.callbacks.Callback):
        """One dl2lab progress bar over all training batches."""

        def on_train_begin(self, logs=None):
            self.bar = bar(epochs * steps, desc="train captioner", unit="batch")

        def on_train_batch_end(self, batch, logs=None):
            self.bar.update(1)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.bar.set_postfix(
                epoch=epoch + 1,
                loss=f"{logs.get('loss', float('nan')):.3f}",
                val_loss=f"{logs.get('val_loss', float('nan')):.3f}",
            )
            log.info("epoch %d: %s", epoch + 1, logs)

        def on_train_end(self, logs=None):
            self.bar.close()

    return ProgressBar()


def fit_captioner(
    train_features: np.ndarray,
    train_token_ids: np.ndarray,
    val_features: np.ndarray,
    val_token_ids: np.ndarray,
    config: TrainConfig,
    vocab_size: int,
) -> TrainResult:
    """Train a captioner on encoded captions with teacher forcing.

    Args:
        train_features: float (m, d), one row per training caption.
        train_token_ids: int (m, max_len) encoded captions
            (``CaptionVocabulary.encode_batch``).
        val_features: float (k, d) validation rows (k >= 1).
        val_token_ids: int (k, max_len) validation captions.
        config: Hyper-parameters.
        vocab_size: Number of ids of the vocabulary (Embedding input size).

    Returns:
        A :class:`TrainResult`.

    Raises:
        Dl2labError: If the arrays do not fit together.
    """
    import keras

    for name, feats, ids in (
        ("train", train_features, train_token_ids),
        ("val", val_features, val_token_ids),
    ):
        if len(feats) != len(ids) or len(feats) == 0:
            raise Dl2labError(
                f"`{name}_features` and `{name}_token_ids` must have the same "
                f"non-zero number of rows; got {len(feats)} and {len(ids)}"
            )
        if np.asarray(ids).shape[1] != config.max_len:
            raise Dl2labError(
                f"`{name}_token_ids` must have max_len = {config.max_len} columns; "
                f"got {np.asarray(ids).shape[1]}"
            )
    keras.utils.set_random_seed(config.seed)
    inputs, targets = teacher_forcing(train_token_ids)
    val_inputs, val_targets = teacher_forcing(val_token_ids)
    model = build_captioner(
        int(np.shape(train_features)[1]),
        vocab_size=vocab_size,
        max_len=config.max_len,
        embedding_dim=config.embedding_dim,
        cell=config.cell,
        condition=config.condition,
        dropout=config.dropout,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=masked_loss,
        metrics=[masked_accuracy],
    )
    steps = -(-len(inputs) // config.batch_size)
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True
    )
    start = time.perf_counter()
    fitted = model.fit(
        {"features": np.asarray(train_features, "float32"), "token_ids": inputs},
        targets,
        validation_data=(
            {"features": np.asarray(val_features, "float32"), "token_ids": val_inputs},
            val_targets,
        ),
        epochs=config.epochs,
        batch_size=config.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[stopper, _progress_callback(config.epochs, steps)],
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in values] for k, values in fitted.history.items()}
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    return TrainResult(model, history, best_epoch, seconds, len(inputs))
