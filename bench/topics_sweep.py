"""The sweep behind the Keras models' default sizes.

Trains the ``average`` model (the cheapest, so several seeds fit) on the
``tweets-gold`` train split for each embedding size and batch size, and
prints the macro-F1 on the gold validation split (mean over seeds) with the
training time. The test split is never looked at. The exam uses an
embedding size of 5; one of its questions asks whether 5 is suitable.

    .venv/bin/python bench/topics_sweep.py
"""

import sys
import time

import dl2lab  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

# isort: split

import numpy as np

from dl2lab.topics.data import load_sources, train_val_test
from dl2lab.topics.evaluate import label_ids, score
from dl2lab.topics.train import TrainOptions, fit_classifier

DIMS = (5, 16, 32, 64, 128)
BATCH_SIZES = (32, 128)
SEEDS = (0, 1, 2)


def main() -> int:
    frame = load_sources(["tweets-gold"])
    train, val, _ = train_val_test(frame)
    labels = sorted(set(frame["label"]))
    y_val = label_ids(val["label"], labels, "val")
    print("| embedding_dim | batch | val macro-F1 (mean of 3 seeds) | train s |")
    print("|---|---|---|---|")
    for dim in DIMS:
        for batch in BATCH_SIZES:
            scores, seconds = [], []
            for seed in SEEDS:
                options = TrainOptions(
                    model="average",
                    seed=seed,
                    batch_size=batch,
                    hparams={"embedding_dim": dim},
                ).resolved()
                start = time.perf_counter()
                classifier, _ = fit_classifier(options, train, val, labels)
                seconds.append(time.perf_counter() - start)
                probs = classifier.predict_proba(val["text"].tolist())
                scores.append(score(y_val, probs, labels)["macro_f1"])
            print(
                f"| {dim} | {batch} | {np.mean(scores):.3f} "
                f"(± {np.std(scores):.3f}) | {np.mean(seconds):.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
