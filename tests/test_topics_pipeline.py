"""Train, save, reload in a fresh process, and predict: every topic model.

Every model is trained for a step or two on a tiny synthetic corpus (four
topics, each with its own words); the point is the round trip, not accuracy.
"""

import dl2lab  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

# isort: split

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dl2lab.topics.folder import load_folder
from dl2lab.topics.train import MODEL_NAMES, TrainOptions, train

TOPIC_WORDS = {
    "politics": "vote senate election law president congress tax policy",
    "technology": "computer software internet code phone app data server",
    "religion": "god church prayer faith bible holy jesus temple",
    "none": "pizza dog sunny weekend music football coffee garden",
}
WORDS = {label: words.split() for label, words in TOPIC_WORDS.items()}
SHARED = ["today", "really", "great", "big", "new", "people", "time"]
# The last two clean to nothing (stopwords, punctuation only).
PROBES = ["vote for the new tax law", "my phone app crashed", "", "the of and , !"]
# Tiny settings per model: one or two epochs of a few batches.
FAST = {
    "average": {"epochs": 2},
    "lstm": {"epochs": 1, "hparams": {"units": 8, "dense_units": 8}},
    "cnn": {"epochs": 1, "hparams": {"filters": 8, "dense_units": 8}},
    "transformer": {
        "epochs": 1,
        "hparams": {"num_blocks": 1, "ff_dim": 16, "embedding_dim": 8, "num_heads": 2},
    },
    "minilm": {"epochs": 1, "batch_size": 32},
    "minilm-frozen": {"epochs": 2},
    "tfidf": {},
}


def synthetic_frame(per_label: int = 12, seed: int = 0) -> pd.DataFrame:
    """Texts of 5 topic words and 2 shared words, no split column."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, words in WORDS.items():
        for _ in range(per_label):
            picked = [*rng.choice(words, 5), *rng.choice(SHARED, 2)]
            rng.shuffle(picked)
            rows.append({"text": " ".join(picked), "label": label})
    return pd.DataFrame(rows)


def as_sources(frame: pd.DataFrame, name: str = "fixture.csv") -> pd.DataFrame:
    """The frame in the columns of :func:`dl2lab.topics.data.load_sources`."""
    return frame.assign(split=None, ambiguous=False, source=name)[
        ["text", "label", "split", "ambiguous", "source"]
    ]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train every model once; return name -> (folder, probs in this process)."""
    root = tmp_path_factory.mktemp("topics")
    frame = as_sources(synthetic_frame(per_label=6))
    # Two rows marked test so that the metrics have a test set.
    frame.loc[[0, 12], "split"] = "test"
    out = {}
    for name in MODEL_NAMES:
        settings = dict(FAST[name])
        options = TrainOptions(model=name, seed=0, **settings)
        folder = root / name
        train(frame, folder, options, data=["fixture.csv"])
        out[name] = (folder, load_folder(folder).predict_proba(PROBES))
    return out


@pytest.fixture(scope="module")
def reloaded(trained):
    """Reload every folder in one fresh Python process; return its probs."""
    script = (
        "import json, sys\n"
        "from dl2lab.topics.folder import load_folder\n"
        "folders, probes = json.loads(sys.stdin.read())\n"
        "print(json.dumps({n: load_folder(f).predict_proba(probes).tolist() "
        "for n, f in folders.items()}))\n"
    )
    folders = {name: str(folder) for name, (folder, _) in trained.items()}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps([folders, PROBES]),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fresh_process_reload_gives_identical_probabilities(trained, reloaded, name):
    folder, probs = trained[name]
    again = np.asarray(reloaded[name], dtype=np.float32)
    np.testing.assert_array_equal(again, probs)
    # Valid distributions, including the texts that clean to nothing.
    assert probs.shape == (len(PROBES), 4)
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_folder_holds_everything_it_promises(trained, name):
    folder, _ = trained[name]
    config = json.loads((folder / "config.json").read_text())
    for file in [*config["files"], "training-curve.png", "confusion-matrix.png"]:
        assert (folder / file).is_file(), file
    assert json.loads((folder / "label_names.json").read_text()) == sorted(WORDS)
    assert config["label_to_id"] == {k: i for i, k in enumerate(sorted(WORDS))}
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["n_train"] + metrics["n_val"] == 22  # 24 rows, 2 in test
    assert set(metrics["test"]) == {"fixture.csv test"}
    assert metrics["test"]["fixture.csv test"]["n"] == 2
    versions = json.loads((folder / "versions.json").read_text())
    assert versions["dl2lab"] == dl2lab.__version__
    # Nothing but the folder itself was left next to it.
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def _weights(folder: Path) -> list[np.ndarray]:
    import keras

    model = keras.saving.load_model(folder / "model.keras", safe_mode=True)
    return [np.asarray(w) for w in model.get_weights()]


def test_same_seed_gives_identical_weights(tmp_path):
    name = "average"
    frame = as_sources(synthetic_frame())
    runs = []
    for run in range(2):
        options = TrainOptions(model=name, seed=7, **FAST[name])
        train(frame, tmp_path / f"run{run}", options)
        runs.append(_weights(tmp_path / f"run{run}"))
    other = TrainOptions(model=name, seed=8, **FAST[name])
    train(frame, tmp_path / "other", other)
    assert len(runs[0]) == len(runs[1])
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
    differs = [
        not np.array_equal(a, b)
        for a, b in zip(runs[0], _weights(tmp_path / "other"), strict=True)
    ]
    assert any(differs)


def test_early_stopping_restores_the_best_epoch(tmp_path):
    frame = as_sources(synthetic_frame())
    options = TrainOptions(model="average", epochs=30, patience=2, seed=0)
    metrics = train(frame, tmp_path / "m", options)
    history = metrics["history"]
    best = history["best_epoch"]
    assert best == int(np.argmin(history["val_loss"])) + 1
    # The kept model's val loss is the best epoch's, not the last one's.
    from dl2lab.topics.evaluate import label_ids
    from dl2lab.topics.folder import load_folder as load

    classifier = load(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["training"]["patience"] == 2
    from dl2lab.topics.data import train_val_test

    _, val, _ = train_val_test(frame, seed=0)
    probs = classifier.predict_proba(val["text"].tolist())
    y = label_ids(val["label"], classifier.label_names, "val")
    loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    assert loss == pytest.approx(history["val_loss"][best - 1], rel=1e-4)
