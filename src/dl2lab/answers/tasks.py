"""Data and training shared by the experiments, built once per run.

Experiments train dl2lab's own models on dl2lab's own real data: the
``tweets-gold`` tweets cleaned by :class:`~dl2lab.text.clean.Cleaner` and
encoded with :class:`~dl2lab.text.vocab.Vocabulary`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl2lab.answers.core import Context

# The sizes of the exam's Exercise 3 models.
EXAM_WORDS, EXAM_DIM, EXAM_LEN, EXAM_CLASSES = 20000, 5, 50, 4


@dataclass
class TextTask:
    """Encoded tweets with integer labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    vocab_size: int
    max_len: int
    label_names: list[str]
    train_tokens: list[list[str]]
    val_tokens: list[list[str]]


def tweet_task(ctx: Context) -> TextTask:
    """Return the tweets-gold train and validation splits, encoded.

    Validation here is the gold ``val`` split plus ``test``: the answer key
    selects no model on it, so the larger held-out set gives steadier numbers.
    """
    return ctx.cached("tweet_task", lambda: _build_tweet_task(ctx))


def _build_tweet_task(ctx: Context) -> TextTask:
    from dl2lab.datasets.registry import load
    from dl2lab.text.clean import Cleaner
    from dl2lab.text.vocab import DEFAULT_MAX_LEN, Vocabulary

    frame = load("tweets-gold")
    label_names = sorted(frame["label"].unique())
    cleaner = Cleaner()
    train = frame[frame["split"] == "train"]
    held = frame[frame["split"] != "train"]
    train_tokens = cleaner.batch(train["text"].tolist())
    val_tokens = cleaner.batch(held["text"].tolist())
    vocab = Vocabulary.build(train_tokens)
    ids = {name: i for i, name in enumerate(label_names)}
    return TextTask(
        x_train=vocab.encode(train_tokens, DEFAULT_MAX_LEN),
        y_train=train["label"].map(ids).to_numpy(np.int32),
        x_val=vocab.encode(val_tokens, DEFAULT_MAX_LEN),
        y_val=held["label"].map(ids).to_numpy(np.int32),
        vocab_size=len(vocab),
        max_len=DEFAULT_MAX_LEN,
        label_names=label_names,
        train_tokens=train_tokens,
        val_tokens=val_tokens,
    )


def fit_classifier(
    model,
    task: TextTask,
    epochs: int,
    learning_rate: float = 1e-2,
    batch_size: int = 64,
    seed: int = 0,
    y_train: np.ndarray | None = None,
    optimizer: str = "adam",
):
    """Compile and train ``model`` on ``task`` without early stopping.

    Returns:
        The Keras ``History.history`` dict (loss, accuracy, val_loss,
        val_accuracy per epoch).
    """
    import keras

    keras.utils.set_random_seed(seed)
    opt = (
        keras.optimizers.Adam(learning_rate)
        if optimizer == "adam"
        else keras.optimizers.SGD(learning_rate)
    )
    model.compile(
        optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        task.x_train,
        task.y_train if y_train is None else y_train,
        validation_data=(task.x_val, task.y_val),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
    )
    return history.history


def macro_f1(model, task: TextTask) -> float:
    """Macro-F1 of a Keras classifier on the task's held-out tweets."""
    from sklearn.metrics import f1_score

    preds = model.predict(task.x_val, verbose=0).argmax(-1)
    return float(
        f1_score(
            task.y_val, preds, average="macro",
            labels=list(range(len(task.label_names))), zero_division=0,
        )
    )  # fmt: skip


def tweet_tokens(ctx: Context) -> list[list[str]]:
    """Return the 20,761 real tweets cleaned by the default Cleaner (cached)."""

    def build():
        from dl2lab.datasets.registry import load
        from dl2lab.text.clean import Cleaner

        texts = load("tweets")["text"].fillna("").tolist()
        return Cleaner().batch(texts)

    return ctx.cached("all_tweet_tokens", build)
