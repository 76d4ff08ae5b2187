"""Train a topic classifier on labelled texts and write its model folder.

:func:`train` takes a combined frame (:mod:`dl2lab.topics.data`), keeps its
test rows aside, trains on the train rows with early stopping on the val
rows, scores the result on every test set of the training sources, and
writes the folder described in :mod:`dl2lab.topics.folder` atomically: it
appears whole at the end, or not at all.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from dl2lab.atomic import output_dir
from dl2lab.errors import Dl2labError
from dl2lab.topics.data import train_val_test
from dl2lab.topics.evaluate import evaluate, evaluation_sets, label_ids, score
from dl2lab.topics.fitting import check_training_args
from dl2lab.topics.models import KERAS_MODELS

log = logging.getLogger(__name__)

MODEL_NAMES = (*KERAS_MODELS, "minilm", "minilm-frozen", "tfidf")
DEFAULT_EPOCHS = {
    "average": 40,
    "lstm": 12,
    "cnn": 12,
    "transformer": 20,
    "minilm": 4,
    "minilm-frozen": 60,
    "tfidf": 1,
}
DEFAULT_BATCH_SIZE = {"minilm": 16}
DEFAULT_PATIENCE = {"minilm": 1}


@dataclasses.dataclass
class TrainOptions:
    """How to train.

    Attributes:
        model: One of ``MODEL_NAMES``.
        epochs: Most epochs (None: the model's default).
        batch_size: Examples per update (None: 32 for Keras models).
        seed: Seed for weights, shuffling and the validation split.
        patience: Epochs without a better val loss before stopping (None:
            the model's default).
        balance: Weight the loss by inverse class frequency.
        max_len: Length of ``token_ids`` rows for the Keras models (None: the
            vocabulary module's default).
        hparams: Overrides of the model's hyper-parameters.
        val_fraction: Share of training rows used for validation when no
            source has a val split.
    """

    model: str = "average"
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = 0
    patience: int | None = None
    balance: bool = False
    max_len: int | None = None
    hparams: dict[str, Any] = dataclasses.field(default_factory=dict)
    val_fraction: float = 0.1

    def resolved(self) -> TrainOptions:
        """Return a copy with every default filled in, checked."""
        if self.model not in MODEL_NAMES:
            raise Dl2labError(
                f"--model {self.model!r} is unknown; expected one of: "
                f"{', '.join(MODEL_NAMES)}"
            )
        options = dataclasses.replace(
            self,
            epochs=DEFAULT_EPOCHS[self.model] if self.epochs is None else self.epochs,
            batch_size=(
                DEFAULT_BATCH_SIZE.get(self.model, 32)
                if self.batch_size is None
                else self.batch_size
            ),
            patience=(
                self.patience
                if self.patience is not None
                else DEFAULT_PATIENCE.get(self.model, 3)
            ),
        )
        check_training_args(options.epochs, options.batch_size, options.patience)
        if options.seed < 0:
            raise Dl2labError(f"`--seed` must be an integer >= 0; got {options.seed}")
        if options.max_len is not None and options.max_len < 1:
            raise Dl2labError(
                f"`--max-len` must be an integer >= 1; got {options.max_len}"
            )
        _check_hparams(options.model, options.hparams)
        if not 0 < options.val_fraction < 1:
            raise Dl2labError(
                f"`--val-fraction` must be in (0, 1); got {options.val_fraction!r}"
            )
        return options


def _check_hparams(model: str, hparams: dict[str, Any]) -> None:
    """Refuse hyper-parameters of the wrong type or sign before any training."""
    from dl2lab.topics.models import DEFAULTS

    if model == "tfidf" and hparams:
        raise Dl2labError(
            f"model 'tfidf' takes no --hparam; got {', '.join(sorted(hparams))}"
        )
    defaults = DEFAULTS.get(model, {})
    for key, value in hparams.items():
        default = defaults.get(key)
        numeric = isinstance(default, int | float) and not isinstance(default, bool)
        if numeric or (default is None and isinstance(value, int | float)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Dl2labError(
                    f"--hparam {key} must be a number like {default!r}; got {value!r}"
                )
            if value < 0 or (value == 0 and key != "dropout"):
                raise Dl2labError(f"--hparam {key} must be positive; got {value!r}")


def fit_classifier(
    options: TrainOptions,
    train: pd.DataFrame,
    val: pd.DataFrame,
    label_names: list[str],
):
    """Train the classifier named by ``options.model`` on frames.

    Returns:
        The classifier and its training history.
    """
    texts, y = train["text"].tolist(), label_ids(train["label"], label_names, "train")
    val_texts = val["text"].tolist()
    y_val = label_ids(val["label"], label_names, "val")
    common = {"seed": options.seed, "balance": options.balance}
    if options.model in KERAS_MODELS:
        from dl2lab.topics.neural import KerasTextClassifier

        return KerasTextClassifier.fit(
            options.model, texts, y, val_texts, y_val, label_names,
            epochs=options.epochs, batch_size=options.batch_size,
            patience=options.patience, max_len=options.max_len,
            hparams=options.hparams, **common,
        )  # fmt: skip
    if options.model == "tfidf":
        from dl2lab.topics.tfidf import TfidfClassifier

        return TfidfClassifier.fit(texts, y, val_texts, y_val, label_names, **common)
    if options.model == "minilm":
        from dl2lab.topics.minilm import MiniLMClassifier

        return MiniLMClassifier.fit(
            texts, y, val_texts, y_val, label_names,
            epochs=options.epochs, batch_size=options.batch_size,
            patience=options.patience, **options.hparams, **common,
        )  # fmt: skip
    from dl2lab.topics.minilm import FrozenMiniLMClassifier

    return FrozenMiniLMClassifier.fit(
        texts, y, val_texts, y_val, label_names,
        epochs=options.epochs, batch_size=options.batch_size,
        patience=options.patience, hparams=options.hparams, **common,
    )  # fmt: skip


def throughput(
    classifier, texts: list[str], warmup: list[str] | None = None, at_most: int = 1000
) -> float:
    """Texts per second of one ``predict_proba`` call on up to ``at_most`` texts.

    A first call on ``warmup`` (other texts, ideally as many: the Keras models
    compile once per batch shape) is not counted.
    """
    texts = list(texts)[:at_most]
    if not texts:
        return float("nan")
    classifier.predict_proba(list(warmup)[: len(texts)] if warmup else texts[:8])
    start = time.perf_counter()
    classifier.predict_proba(texts)
    return len(texts) / (time.perf_counter() - start)


def train(
    frame: pd.DataFrame,
    out: str | Path,
    options: TrainOptions,
    data: list[str] | None = None,
) -> dict[str, Any]:
    """Train on ``frame`` and write the model folder ``out``.

    Args:
        frame: Labelled rows from :func:`dl2lab.topics.data.load_sources`.
        out: The model folder to write (replaced whole if it exists).
        options: How to train.
        data: The ``--data`` sources, recorded in the config.

    Returns:
        The metrics written to ``metrics.json``.

    Raises:
        Dl2labError: No training rows, a single class, or bad options.
    """
    options = options.resolved()
    train_rows, val_rows, _ = train_val_test(frame, options.seed, options.val_fraction)
    if len(train_rows) == 0:
        raise Dl2labError(
            "--data has no training rows (every row is in a val or test split)"
        )
    trainable = train_rows["label"].tolist() + val_rows["label"].tolist()
    classes = sorted(set(trainable))
    if len(classes) < 2:
        raise Dl2labError(
            f"--data holds a single class ({classes[0]!r}, {len(trainable)} training "
            f"rows); a classifier needs at least 2 labels"
        )
    label_names = sorted(set(frame["label"]))

    # Fit
    log.info(
        "training %s on %d texts (%d for validation)",
        options.model,
        len(train_rows),
        len(val_rows),
    )
    start = time.perf_counter()
    classifier, history = fit_classifier(options, train_rows, val_rows, label_names)
    seconds = time.perf_counter() - start
    epochs_run = len(history.get("loss", [1]))

    # Score
    y_val = label_ids(val_rows["label"], label_names, "val")
    val_score = score(
        y_val, classifier.predict_proba(val_rows["text"].tolist()), label_names
    )
    tests = evaluate(classifier, evaluation_sets(frame[frame["split"] == "test"]))
    metrics = {
        "model": options.model,
        "n_train": len(train_rows),
        "n_val": len(val_rows),
        "train_seconds": seconds,
        "train_samples_per_second": len(train_rows) * epochs_run / seconds,
        "epochs_run": epochs_run,
        "best_epoch": history.get("best_epoch"),
        "predict_texts_per_second": throughput(
            classifier, val_rows["text"].tolist(), train_rows["text"].tolist(), 200
        ),
        "n_params": classifier.count_params(),
        "val": val_score,
        "test": tests,
        "history": history,
    }
    config = {
        "training": {
            **dataclasses.asdict(options),
            "data": list(data or []),
            "label_counts": train_rows["label"].value_counts().sort_index().to_dict(),
        }
    }

    # Write the folder whole
    from dl2lab import __version__
    from dl2lab.topics.folder import (
        CONFUSION_FILE,
        CURVE_FILE,
        write_folder,
    )
    from dl2lab.topics.plots import plot_confusion, plot_training_curve

    config["dl2lab_version"] = __version__
    shown = next(iter(tests.items()), ("validation", val_score))
    with output_dir(out, guard=True) as tmp:
        write_folder(tmp, classifier, config, metrics)
        plot_training_curve(history, tmp / CURVE_FILE, f"{options.model} training")
        plot_confusion(
            shown[1]["confusion"],
            label_names,
            tmp / CONFUSION_FILE,
            f"{options.model} on {shown[0]}\nmacro-F1 {shown[1]['macro_f1']:.3f}",
        )
    return metrics


def scores_summary(metrics: dict[str, Any]) -> list[str]:
    """One line per scored set: accuracy and macro-F1."""
    lines = [
        f"val: accuracy {metrics['val']['accuracy']:.3f}, "
        f"macro-F1 {metrics['val']['macro_f1']:.3f} (n={metrics['val']['n']})"
    ]
    for name, result in metrics["test"].items():
        lines.append(
            f"{name}: accuracy {result['accuracy']:.3f}, "
            f"macro-F1 {result['macro_f1']:.3f} (n={result['n']})"
        )
    return lines
