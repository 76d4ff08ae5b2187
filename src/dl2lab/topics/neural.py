"""Keras topic classifiers over cleaned tokens: text -> token_ids -> probs.

A :class:`KerasTextClassifier` bundles the :class:`~dl2lab.text.clean.Cleaner`
configuration, the :class:`~dl2lab.text.vocab.Vocabulary`, ``max_len`` and one
of the models of :mod:`dl2lab.topics.models`, so it turns raw text into
probabilities by itself and saves as ``model.keras`` + ``vocab.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from dl2lab.topics.fitting import class_weights, fit_keras
from dl2lab.topics.models import build_model, resolve_hparams

MODEL_FILE = "model.keras"
VOCAB_FILE = "vocab.json"
MAX_WORDS = 20000
# Padding after the tokens: every model masks it (the cnn excepted), and the
# transformer's learned positions then count from the first word.
PADDING = "post"


class KerasTextClassifier:
    """Cleaner + vocabulary + Keras model.

    Args:
        name: Model name (``average``, ``lstm``, ``cnn``, ``transformer``).
        model: The Keras model from ``token_ids`` to ``probs``.
        clean_config: ``CleanConfig.to_dict()`` of the cleaner used.
        vocab: The vocabulary built on the training texts.
        max_len: Length of every ``token_ids`` row.
        label_names: Label of each output, in order.
        hparams: The model's hyper-parameters.
    """

    files = (MODEL_FILE, VOCAB_FILE)

    def __init__(
        self,
        name: str,
        model: keras.Model,
        clean_config: dict[str, Any],
        vocab,
        max_len: int,
        label_names: list[str],
        hparams: dict[str, Any],
    ):
        from dl2lab.text.clean import CleanConfig, Cleaner

        self.name = name
        self.model = model
        self.clean_config = clean_config
        self.cleaner = Cleaner(CleanConfig.from_dict(clean_config))
        self.vocab = vocab
        self.max_len = max_len
        self.label_names = list(label_names)
        self.hparams = hparams

    @classmethod
    def fit(
        cls,
        name: str,
        train_texts: list[str],
        y_train: np.ndarray,
        val_texts: list[str],
        y_val: np.ndarray,
        label_names: list[str],
        *,
        epochs: int,
        batch_size: int,
        seed: int,
        patience: int = 3,
        balance: bool = False,
        max_len: int | None = None,
        max_words: int = MAX_WORDS,
        hparams: dict[str, Any] | None = None,
    ) -> tuple[KerasTextClassifier, dict[str, Any]]:
        """Clean, build the vocabulary, build and train a model.

        Returns:
            The classifier and its training history (see ``fit_keras``).
        """
        from dl2lab.text.clean import CleanConfig, Cleaner
        from dl2lab.text.vocab import DEFAULT_MAX_LEN, Vocabulary

        hp = resolve_hparams(name, hparams or {})
        max_len = int(max_len or DEFAULT_MAX_LEN)
        keras.utils.set_random_seed(seed)

        # Text -> token_ids with a vocabulary from the training texts only
        config = CleanConfig()
        cleaner = Cleaner(config)
        train_tokens = cleaner.batch(list(train_texts))
        vocab = Vocabulary.build(train_tokens, max_words=max_words)
        x_train = vocab.encode(train_tokens, max_len, padding=PADDING)
        x_val = vocab.encode(cleaner.batch(list(val_texts)), max_len, padding=PADDING)

        # Model and training
        model = build_model(name, len(vocab), max_len, len(label_names), **hp)
        weights = class_weights(y_train, len(label_names)) if balance else None
        history = fit_keras(
            model, x_train, y_train, x_val, y_val, epochs, batch_size, patience, weights
        )
        classifier = cls(name, model, config.to_dict(), vocab, max_len, label_names, hp)
        return classifier, history

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return the ``token_ids`` (n, max_len) of raw ``texts``."""
        return self.vocab.encode(
            self.cleaner.batch(list(texts)), self.max_len, padding=PADDING
        )

    def predict_proba(self, texts: list[str], batch_size: int = 512) -> np.ndarray:
        """Return ``probs`` (n, n_classes), float32, each row summing to 1."""
        if len(texts) == 0:
            return np.zeros((0, len(self.label_names)), dtype=np.float32)
        token_ids = self.encode(texts)
        return np.asarray(
            self.model.predict(token_ids, batch_size=batch_size, verbose=0),
            dtype=np.float32,
        )

    def count_params(self) -> int:
        """Number of weights of the model."""
        return int(self.model.count_params())

    def n_outputs(self) -> int:
        """Width of the model's probability output."""
        return int(self.model.output_shape[-1])

    def save(self, folder: Path) -> dict[str, Any]:
        """Write ``model.keras`` and ``vocab.json`` into ``folder``.

        Returns:
            The entries this model adds to the folder's config.
        """
        self.model.save(folder / MODEL_FILE)
        self.vocab.save(folder / VOCAB_FILE)
        return {
            "clean": self.clean_config,
            "max_len": self.max_len,
            "vocab_size": len(self.vocab),
            "hparams": self.hparams,
        }

    @classmethod
    def load(
        cls, folder: Path, config: dict[str, Any], label_names: list[str]
    ) -> KerasTextClassifier:
        """Read a classifier saved by :meth:`save` (``safe_mode=True``)."""
        # Importing the module registers the custom layers before loading.
        import dl2lab.topics.models  # noqa: F401
        from dl2lab.text.vocab import Vocabulary

        model = keras.saving.load_model(folder / MODEL_FILE, safe_mode=True)
        vocab = Vocabulary.load(folder / VOCAB_FILE)
        return cls(
            config["model"],
            model,
            config["clean"],
            vocab,
            int(config["max_len"]),
            label_names,
            config["hparams"],
        )
