"""The topics command line, scores, and every kind of bad input."""

import dl2lab  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

# isort: split

import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from dl2lab.cli import main
from dl2lab.errors import Dl2labError
from dl2lab.topics.data import load_sources, read_file, train_val_test
from dl2lab.topics.evaluate import evaluation_sets, score
from dl2lab.topics.folder import load_folder
from dl2lab.topics.train import TrainOptions, train

TOPIC_WORDS = {
    "politics": "vote senate election law president congress tax policy",
    "technology": "computer software internet code phone app data server",
    "religion": "god church prayer faith bible holy jesus temple",
    "none": "pizza dog sunny weekend music football coffee garden",
}
LABELS = sorted(TOPIC_WORDS)


def write_corpus(path, per_label=10, seed=0, split=False):
    rng = np.random.default_rng(seed)
    rows = []
    for label, words in TOPIC_WORDS.items():
        for i in range(per_label):
            row = {"tweet": " ".join(rng.choice(words.split(), 6)), "topic": label}
            if split:
                row["split"] = "test" if i < 2 else "train"
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("data") / "corpus.csv", split=True)


@pytest.fixture(scope="module")
def tfidf_dir(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "tfidf"
    code = main(
        ["topics", "train", "--data", str(corpus), "--text-column", "tweet",
         "--label-column", "topic", "--model", "tfidf", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    return out


@pytest.fixture(scope="module")
def average_dir(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "average"
    frame = load_sources([str(corpus)], "tweet", "topic")
    train(frame, out, TrainOptions(model="average", epochs=2))
    return out


# Scores


def test_score_matches_hand_computed_metrics():
    y_true = np.array([0, 0, 1, 1, 2])
    probs = np.eye(4)[[0, 1, 1, 1, 0]]
    result = score(y_true, probs, ["a", "b", "c", "d"])
    assert result["accuracy"] == pytest.approx(3 / 5)
    # F1: a 1/2 (P 1/2, R 1/2), b 4/5 (P 2/3, R 1), c 0; d never occurs.
    assert result["per_class"]["a"]["precision"] == pytest.approx(0.5)
    assert result["per_class"]["b"]["f1"] == pytest.approx(0.8)
    assert result["per_class"]["c"]["support"] == 1
    assert result["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert result["confusion"] == [
        [1, 1, 0, 0],
        [0, 2, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 0],
    ]


def test_ambiguous_rows_give_two_evaluation_sets():
    frame = pd.DataFrame(
        {
            "text": ["a", "b", "c", "d"],
            "label": ["x", "y", "x", "y"],
            "split": ["test", "test", "train", "test"],
            "ambiguous": [False, True, False, False],
            "source": "tweets-gold",
        }
    )
    sets = evaluation_sets(frame)
    assert list(sets) == [
        "tweets-gold test (ambiguous included)",
        "tweets-gold test (ambiguous left out)",
    ]
    assert sets["tweets-gold test (ambiguous included)"]["text"].tolist() == [
        "a",
        "b",
        "d",
    ]
    assert sets["tweets-gold test (ambiguous left out)"]["text"].tolist() == ["a", "d"]


def test_validation_rows_are_carved_per_label_when_no_val_split(tmp_path):
    path = write_corpus(tmp_path / "c.csv", per_label=20)
    frame = load_sources([str(path)], "tweet", "topic")
    train_rows, val, test = train_val_test(frame, seed=3, val_fraction=0.1)
    assert len(test) == 0
    # 10% of 20 rows per label; the rest stay for training.
    assert val["label"].value_counts().to_dict() == {label: 2 for label in LABELS}
    assert train_rows["label"].value_counts().to_dict() == {k: 18 for k in LABELS}
    again, _, _ = train_val_test(frame, seed=3, val_fraction=0.1)
    assert again.equals(train_rows)


def test_tfidf_probabilities_equal_scikit_learn(tfidf_dir, corpus):
    from sklearn.linear_model import LogisticRegression

    classifier = load_folder(tfidf_dir)
    frame = load_sources([str(corpus)], "tweet", "topic")
    train_rows, _, _ = train_val_test(frame, seed=0)
    joined = classifier._joined(train_rows["text"].tolist())
    x = classifier.vectorizer.transform(joined)
    y = [LABELS.index(label) for label in train_rows["label"]]
    reference = LogisticRegression(C=classifier.C, max_iter=2000, random_state=0)
    reference.fit(x, y)
    texts = ["vote tax law", "god church", "", "pizza and code"]
    np.testing.assert_allclose(
        classifier.predict_proba(texts),
        reference.predict_proba(classifier.vectorizer.transform(
            classifier._joined(texts)
        )),
        atol=1e-5,
    )  # fmt: skip


# Commands


def test_evaluate_prints_per_class_scores_and_writes_json(
    tfidf_dir, corpus, tmp_path, capsys
):
    out = tmp_path / "scores.json"
    code = main(
        ["topics", "evaluate", str(tfidf_dir), "--data", str(corpus),
         "--text-column", "tweet", "--label-column", "topic", "--json", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert f"== {corpus} test: n=8" in printed
    for label in LABELS:
        assert f"  {label}" in printed
    scores = json.loads(out.read_text())
    assert scores[f"{corpus} test"]["n"] == 8
    assert len(scores[f"{corpus} test"]["confusion"]) == 4


def test_predict_texts_as_arguments_with_top_k(average_dir, capsys):
    texts = ["vote for the tax law", "", "the of and"]
    code = main(["topics", "predict", str(average_dir), *texts, "--top-k", "2"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == texts
    for row in rows:
        assert len(row["probs"]) == 2
        assert row["label"] == next(iter(row["probs"]))
        values = list(row["probs"].values())
        assert values == sorted(values, reverse=True)
        assert 0 <= sum(values) <= 1 + 1e-6


def test_predict_reads_stdin_in_batches(average_dir, monkeypatch, capsys):
    lines = [f"church prayer number {i}" for i in range(7)]
    data = ("\n".join(lines) + "\n\n").encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["topics", "predict", str(average_dir), "--batch-size", "3"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # One row per input line, the blank one included, so rows line up.
    assert [r["text"] for r in rows] == [*lines, ""]
    for row in rows:
        assert sum(row["probs"].values()) == pytest.approx(1.0, abs=1e-5)
        assert set(row["probs"]) == set(LABELS)


def test_predict_input_table_to_csv_file(tfidf_dir, tmp_path, capsys):
    table = tmp_path / "in.jsonl"
    table.write_text('{"body": "code on my phone"}\n{"body": "holy bible"}\n')
    out = tmp_path / "out.csv"
    code = main(
        ["topics", "predict", str(tfidf_dir), "--input", str(table),
         "--text-column", "body", "--output", str(out), "--top-k", "1"]
    )  # fmt: skip
    assert code == 0
    result = pd.read_csv(out)
    assert list(result.columns) == ["text", "label", "label_1", "prob_1"]
    assert result["text"].tolist() == ["code on my phone", "holy bible"]
    assert (result["label"] == result["label_1"]).all()


def test_batched_predictions_equal_one_call(average_dir):
    from dl2lab.topics.predict import predict_stream

    classifier = load_folder(average_dir)
    texts = [f"vote {w}" for w in TOPIC_WORDS["technology"].split()]
    whole = classifier.predict_proba(texts)
    rows = list(predict_stream(classifier, texts, batch_size=3))
    for row, probs in zip(rows, whole, strict=True):
        assert [row["probs"][label] for label in LABELS] == pytest.approx(
            probs.tolist(), abs=1e-6
        )


# Bad input: each a Dl2labError naming what was wrong, nothing written


def test_missing_column_lists_the_columns_found(corpus, tmp_path):
    with pytest.raises(
        Dl2labError,
        match=r"has no column 'text' \(--text-column\); columns found: tweet, topic, "
        r"split",
    ):
        read_file(corpus)


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(Dl2labError, match=r"empty.csv' is empty"):
        read_file(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,label\n")
    with pytest.raises(Dl2labError, match=r"header.csv' holds no rows"):
        read_file(header_only)


def test_bytes_that_are_not_utf8_name_the_line(tmp_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"text,label\nhello,none\ncaf\xe9 time,none\n")
    with pytest.raises(Dl2labError, match=r"not valid UTF-8: line 3 holds the byte"):
        read_file(bad)


def test_jsonl_line_that_is_not_json_is_named(tmp_path):
    bad = tmp_path / "rows.jsonl"
    bad.write_text('{"text": "a", "label": "x"}\n{"text": oops}\n')
    with pytest.raises(Dl2labError, match=r"rows.jsonl' line 2 is not JSON"):
        read_file(bad)


def test_single_class_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "one.csv"
    pd.DataFrame({"text": ["a b", "c d", "e f"], "label": "politics"}).to_csv(
        path, index=False
    )
    frame = load_sources([str(path)])
    with pytest.raises(Dl2labError, match=r"single class \('politics', 3 training"):
        train(frame, tmp_path / "out", TrainOptions(model="tfidf"))
    assert not (tmp_path / "out").exists()


def test_unknown_label_at_evaluate_lists_known_labels(tfidf_dir, tmp_path):
    path = tmp_path / "new.csv"
    pd.DataFrame({"text": ["goal!", "vote"], "label": ["sports", "politics"]}).to_csv(
        path, index=False
    )
    with pytest.raises(
        Dl2labError,
        match=r"never saw: 'sports'; the model knows: none, politics, religion, "
        r"technology",
    ):
        from dl2lab.topics.evaluate import evaluate

        evaluate(load_folder(tfidf_dir), evaluation_sets(load_sources([str(path)])))


def test_incomplete_folder_names_the_missing_file(average_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(average_dir, copy)
    (copy / "vocab.json").unlink()
    with pytest.raises(Dl2labError, match=r"is incomplete: missing vocab.json"):
        load_folder(copy)
    (copy / "config.json").unlink()
    with pytest.raises(Dl2labError, match=r"missing config.json"):
        load_folder(copy)


def test_folder_from_another_format_version_is_refused(tfidf_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tfidf_dir, copy)
    config = json.loads((copy / "config.json").read_text())
    config["format_version"] = 0
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(Dl2labError, match=r"format version 0 .*reads format version 1"):
        load_folder(copy)


def test_label_names_that_disagree_with_the_mapping_are_refused(tfidf_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tfidf_dir, copy)
    (copy / "label_names.json").write_text(json.dumps(LABELS[::-1]))
    with pytest.raises(Dl2labError, match=r"does not match the label_to_id mapping"):
        load_folder(copy)


def test_failed_training_leaves_the_previous_folder_untouched(
    average_dir, corpus, tmp_path, monkeypatch
):
    target = tmp_path / "model"
    shutil.copytree(average_dir, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("dl2lab.topics.plots.plot_confusion", broken)
    frame = load_sources([str(corpus)], "tweet", "topic")
    with pytest.raises(OSError, match="disk full"):
        train(frame, target, TrainOptions(model="tfidf"))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_cli_reports_bad_input_without_traceback(tmp_path, capsys):
    code = main(
        ["topics", "train", "--data", str(tmp_path / "nope.csv"), "--model", "tfidf",
         "--out", str(tmp_path / "m")]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "nope.csv' does not exist" in err
    assert "Traceback" not in err
    assert main(["topics", "predict", str(tmp_path / "m"), "x"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_bad_options_are_named(average_dir, capsys):
    assert main(["topics", "predict", str(average_dir), "x", "--top-k", "9"]) == 2
    assert "`--top-k` must be between 1 and the number of labels (4); got 9" in (
        capsys.readouterr().err
    )
    with pytest.raises(Dl2labError, match=r"`--epochs` must be an integer >= 1"):
        TrainOptions(model="average", epochs=-1).resolved()
    with pytest.raises(Dl2labError, match=r"--model 'gru' is unknown"):
        TrainOptions(model="gru").resolved()


def test_stdin_that_is_not_utf8_names_the_line(average_dir, monkeypatch, capsys):
    data = b"vote today\n\xff\xfe bad\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["topics", "predict", str(average_dir)]) == 2
    assert "stdin line 2 is not valid UTF-8 (byte 1)" in capsys.readouterr().err


def test_zero_and_negative_options_are_refused_not_defaulted():
    with pytest.raises(Dl2labError, match=r"`--epochs` must be an integer >= 1"):
        TrainOptions(model="average", epochs=0).resolved()
    with pytest.raises(Dl2labError, match=r"`--batch-size`"):
        TrainOptions(model="average", batch_size=0).resolved()
    with pytest.raises(Dl2labError, match=r"`--max-len` must be an integer >= 1"):
        TrainOptions(model="average", max_len=0).resolved()
    with pytest.raises(Dl2labError, match=r"`--seed` must be an integer >= 0; got -1"):
        TrainOptions(model="average", seed=-1).resolved()


def test_bad_hparams_are_named_before_training():
    bad = TrainOptions(model="average", hparams={"embedding_dim": "abc"})
    with pytest.raises(Dl2labError, match="--hparam embedding_dim must be a number"):
        bad.resolved()
    negative = TrainOptions(model="average", hparams={"embedding_dim": -3})
    with pytest.raises(Dl2labError, match="--hparam embedding_dim must be positive"):
        negative.resolved()
    with pytest.raises(Dl2labError, match="model 'tfidf' takes no --hparam"):
        TrainOptions(model="tfidf", hparams={"embedding_dim": 8}).resolved()


def test_out_never_replaces_a_users_folder(corpus, tmp_path, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("my thesis")
    code = main(
        ["topics", "train", "--data", str(corpus), "--text-column", "tweet",
         "--label-column", "topic", "--model", "tfidf", "--out", str(precious)]
    )  # fmt: skip
    assert code == 2
    assert "is not empty and was not written by dl2lab" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.txt"]


def test_truncated_model_file_is_named_not_a_traceback(tfidf_dir, tmp_path, capsys):
    damaged = tmp_path / "damaged"
    shutil.copytree(tfidf_dir, damaged)
    arrays = next(p for p in damaged.iterdir() if p.suffix == ".npz")
    arrays.write_bytes(arrays.read_bytes()[:100])
    assert main(["topics", "predict", str(damaged), "vote"]) == 2
    assert "holds a damaged model file" in capsys.readouterr().err
