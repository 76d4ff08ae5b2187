"""The reference baseline: TF-IDF over word 1-2 grams + logistic regression.

Texts go through the same :class:`~dl2lab.text.clean.Cleaner` as the Keras
models; the cleaned tokens are joined by spaces and scikit-learn builds the
TF-IDF features (sublinear term frequency, word unigrams and bigrams, seen at
least twice). The inverse regularisation strength ``C`` is chosen on the
validation split from a small grid.

The fitted model is stored as plain arrays and JSON (no pickle), so loading a
model folder never executes code from it: probabilities are the softmax of
``features @ coef.T + intercept``, which is what scikit-learn's multinomial
``LogisticRegression.predict_proba`` computes.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from dl2lab.progress import progress

ARRAYS_FILE = "tfidf.npz"
NGRAMS_FILE = "tfidf-ngrams.json"
C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
VECTORIZER_OPTIONS = {
    "token_pattern": r"\S+",
    "lowercase": False,
    "ngram_range": (1, 2),
    "sublinear_tf": True,
}


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


class TfidfClassifier:
    """Cleaner + TF-IDF vectorizer + multinomial logistic regression.

    Args:
        clean_config: ``CleanConfig.to_dict()`` of the cleaner.
        vectorizer: A fitted ``TfidfVectorizer``.
        coef: (n_classes, n_features) weights.
        intercept: (n_classes,) biases.
        label_names: Label of each class, in order.
        C: The regularisation strength that was chosen.
    """

    files = (ARRAYS_FILE, NGRAMS_FILE)
    name = "tfidf"

    def __init__(self, clean_config, vectorizer, coef, intercept, label_names, C):
        from dl2lab.text.clean import CleanConfig, Cleaner

        self.clean_config = clean_config
        self.cleaner = Cleaner(CleanConfig.from_dict(clean_config))
        self.vectorizer = vectorizer
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.label_names = list(label_names)
        self.C = float(C)

    def _joined(self, texts: list[str]) -> list[str]:
        return [" ".join(tokens) for tokens in self.cleaner.batch(list(texts))]

    @classmethod
    def fit(
        cls,
        train_texts: list[str],
        y_train: np.ndarray,
        val_texts: list[str],
        y_val: np.ndarray,
        label_names: list[str],
        *,
        seed: int = 0,
        balance: bool = False,
        c_grid: tuple[float, ...] = C_GRID,
        min_df: int = 2,
    ) -> tuple[TfidfClassifier, dict[str, Any]]:
        """Fit the vectorizer on the training texts and pick ``C`` on val.

        Returns:
            The classifier and a history with ``C`` and ``val_macro_f1``
            (one value per grid point) and the chosen ``best_C``.
        """
        from dl2lab.text.clean import CleanConfig, Cleaner

        config = CleanConfig()
        cleaner = Cleaner(config)
        join = [" ".join(t) for t in cleaner.batch(list(train_texts))]
        join_val = [" ".join(t) for t in cleaner.batch(list(val_texts))]
        min_df = min_df if len(join) >= 50 else 1
        vectorizer = TfidfVectorizer(min_df=min_df, **VECTORIZER_OPTIONS)
        x_train = vectorizer.fit_transform(join)
        x_val = vectorizer.transform(join_val) if join_val else None

        # Pick C on validation macro-F1 (the last grid point without val data)
        history: dict[str, Any] = {"C": [], "val_macro_f1": []}
        best = None
        grid = c_grid if x_val is not None else c_grid[-1:]
        for C in progress(grid, desc="tfidf C", unit="fit"):
            regression = LogisticRegression(
                C=C,
                max_iter=2000,
                class_weight="balanced" if balance else None,
                random_state=seed,
            )
            regression.fit(x_train, y_train)
            score = (
                float(f1_score(y_val, regression.predict(x_val), average="macro"))
                if x_val is not None
                else float("nan")
            )
            history["C"].append(float(C))
            history["val_macro_f1"].append(score)
            if best is None or score > best[0]:
                best = (score, C, regression)
        _, C, regression = best
        history["best_C"] = float(C)

        # Classes missing from the training rows get a row of -inf logits' worth
        coef = np.zeros((len(label_names), x_train.shape[1]))
        intercept = np.full(len(label_names), -1e9)
        if len(regression.classes_) == 2:
            # scikit-learn stores one row for two classes: logits (-z/2, z/2)
            # give the same softmax as its sigmoid.
            half = regression.coef_[0] / 2
            coef[regression.classes_] = np.stack([-half, half])
            intercept[regression.classes_] = [
                -regression.intercept_[0] / 2,
                regression.intercept_[0] / 2,
            ]
        else:
            coef[regression.classes_] = regression.coef_
            intercept[regression.classes_] = regression.intercept_
        classifier = cls(config.to_dict(), vectorizer, coef, intercept, label_names, C)
        return classifier, history

    def predict_proba(self, texts: list[str], batch_size: int = 4096) -> np.ndarray:
        """Return ``probs`` (n, n_classes), float32."""
        out = []
        for start in range(0, len(texts), batch_size):
            features = self.vectorizer.transform(
                self._joined(texts[start : start + batch_size])
            )
            out.append(_softmax(features @ self.coef.T + self.intercept))
        if not out:
            return np.zeros((0, len(self.label_names)), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def count_params(self) -> int:
        """Weights and biases of the regression (the idf values are not trained)."""
        return int(self.coef.size + self.intercept.size)

    def n_outputs(self) -> int:
        """Number of classes the regression scores."""
        return int(self.coef.shape[0])

    def save(self, folder: Path) -> dict[str, Any]:
        """Write the arrays (``tfidf.npz``) and the n-gram columns (JSON)."""
        buffer = io.BytesIO()
        np.savez(
            buffer, idf=self.vectorizer.idf_, coef=self.coef, intercept=self.intercept
        )
        (folder / ARRAYS_FILE).write_bytes(buffer.getvalue())
        ngrams = {k: int(v) for k, v in self.vectorizer.vocabulary_.items()}
        (folder / NGRAMS_FILE).write_text(json.dumps(ngrams, ensure_ascii=False))
        return {"clean": self.clean_config, "hparams": {"C": self.C}}

    @classmethod
    def load(
        cls, folder: Path, config: dict[str, Any], label_names: list[str]
    ) -> TfidfClassifier:
        """Read a classifier saved by :meth:`save`."""
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as arrays:
            idf, coef, intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        ngrams = json.loads((folder / NGRAMS_FILE).read_text(encoding="utf-8"))
        vectorizer = TfidfVectorizer(vocabulary=ngrams, **VECTORIZER_OPTIONS)
        vectorizer.idf_ = idf
        return cls(
            config["clean"], vectorizer, coef, intercept, label_names,
            config["hparams"]["C"],
        )  # fmt: skip
