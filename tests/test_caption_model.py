"""The exam's caption decoder, fixed, and teacher forcing with a masked loss."""

import numpy as np
import pytest

from dl2lab.caption.model import CELLS, CONDITIONS, build_captioner, describe
from dl2lab.caption.teacher import (
    EOS_ID,
    START_ID,
    masked_accuracy,
    masked_loss,
    teacher_forcing,
    token_accuracy,
)
from dl2lab.errors import Dl2labError


@pytest.mark.parametrize("feature_dim", [1280, 2048])
def test_exam_model_predicts_every_position(feature_dim):
    model = build_captioner(feature_dim)
    features = np.random.default_rng(0).normal(size=(3, feature_dim))
    token_ids = np.random.default_rng(1).integers(0, 1000, size=(3, 20))
    probs = np.asarray(model({"features": features, "token_ids": token_ids}))
    # The exam's SimpleRNN(128) without return_sequences gives (3, 1000);
    # fixed, every one of the 20 positions gets a distribution.
    assert probs.shape == (3, 20, 1000)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)


def test_exam_model_parameters():
    model = build_captioner(2048)
    shapes = {w.path: tuple(w.shape) for w in model.weights}
    assert shapes["project_features/kernel"] == (2048, 128)
    assert not any(p.startswith("project_features/bias") for p in shapes)
    assert shapes["embedding/embeddings"] == (1000, 128)
    # The hidden-to-hidden matrix is (128, 128), not (128, 1000).
    assert shapes["rnn/simple_rnn_cell/recurrent_kernel"] == (128, 128)
    assert shapes["rnn/simple_rnn_cell/kernel"] == (128, 128)
    assert shapes["probs/kernel"] == (128, 1000)
    expected = 2048 * 128 + 1000 * 128 + (128 * 128 * 2 + 128) + (128 * 1000 + 1000)
    assert model.count_params() == expected


def test_positions_do_not_see_the_future():
    model = build_captioner(8, vocab_size=20, max_len=6, embedding_dim=4, cell="gru")
    features = np.ones((1, 8), "float32")
    a = np.array([[START_ID, 5, 6, 7, 8, 9]])
    b = np.array([[START_ID, 5, 6, 11, 12, 13]])
    pa = np.asarray(model({"features": features, "token_ids": a}))
    pb = np.asarray(model({"features": features, "token_ids": b}))
    np.testing.assert_allclose(pa[0, :3], pb[0, :3], rtol=1e-6)
    assert not np.allclose(pa[0, 3], pb[0, 3])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_variant_builds_and_describes_itself(cell, condition):
    model = build_captioner(
        16, vocab_size=30, max_len=7, embedding_dim=8, cell=cell,
        condition=condition, dropout=0.2,
    )  # fmt: skip
    assert describe(model) == {
        "feature_dim": 16, "vocab_size": 30, "max_len": 7, "embedding_dim": 8,
        "cell": cell, "condition": condition,
    }  # fmt: skip
    probs = model(
        {"features": np.ones((2, 16)), "token_ids": np.full((2, 7), START_ID)}
    )
    assert tuple(probs.shape) == (2, 7, 30)
    names = {layer.name for layer in model.layers}
    assert "lambda" not in " ".join(names)
    # The image changes the prediction through either route.
    other = model(
        {"features": -np.ones((2, 16)), "token_ids": np.full((2, 7), START_ID)}
    )
    assert not np.allclose(np.asarray(probs), np.asarray(other))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"feature_dim": 0}, "`feature_dim` must be a positive integer; got 0"),
        ({"vocab_size": 4}, r"`vocab_size` must be at least 5.*got 4"),
        ({"max_len": 1}, r"`max_len` must be at least 2.*got 1"),
        ({"cell": "rnn"}, "`cell` must be one of simple, lstm, gru; got 'rnn'"),
        ({"condition": "first"}, "`condition` must be one of every-step, "),
        ({"dropout": 1.0}, r"`dropout` must be a number in \[0, 1\); got 1.0"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    settings = {"feature_dim": 8, **kwargs}
    with pytest.raises(Dl2labError, match=message):
        build_captioner(**settings)


def test_teacher_forcing_shifts_by_one():
    token_ids = np.array(
        [[START_ID, 10, 11, 12, EOS_ID, 0, 0], [START_ID, 20, EOS_ID, 0, 0, 0, 0]]
    )
    inputs, targets = teacher_forcing(token_ids)
    np.testing.assert_array_equal(
        inputs, [[START_ID, 10, 11, 12, 0, 0, 0], [START_ID, 20, 0, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(
        targets, [[10, 11, 12, EOS_ID, 0, 0, 0], [20, EOS_ID, 0, 0, 0, 0, 0]]
    )
    # A caption filling every position: the last target is always padding.
    full = np.array([[START_ID, 4, 5, 6, EOS_ID]])
    inputs, targets = teacher_forcing(full)
    np.testing.assert_array_equal(inputs, [[START_ID, 4, 5, 6, 0]])
    np.testing.assert_array_equal(targets, [[4, 5, 6, EOS_ID, 0]])


def test_teacher_forcing_rejects_unencoded_rows():
    with pytest.raises(Dl2labError, match=r"row 1 must start with <s> \(id 2\)"):
        teacher_forcing(np.array([[START_ID, 4, EOS_ID], [4, 5, EOS_ID]]))
    with pytest.raises(Dl2labError, match=r"row 0 has no <eos> \(id 3\)"):
        teacher_forcing(np.array([[START_ID, 4, 5]]))
    with pytest.raises(Dl2labError, match=r"must have shape \(n, max_len\)"):
        teacher_forcing(np.array([START_ID, EOS_ID]))


def test_masked_loss_and_accuracy_ignore_padding():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 6))
    probs = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32")
    targets = np.array([[4, 5, EOS_ID, 0], [5, EOS_ID, 0, 0]])
    real = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    expected = -np.mean([np.log(probs[i, j, targets[i, j]]) for i, j in real])
    assert float(masked_loss(targets, probs)) == pytest.approx(expected, rel=1e-5)
    # Whatever the model says at padded positions changes nothing.
    changed = probs.copy()
    changed[1, 3] = np.roll(changed[1, 3], 2)
    changed[0, 3] = np.eye(6)[0]
    assert float(masked_loss(targets, changed)) == pytest.approx(expected, rel=1e-5)
    hits = [probs[i, j].argmax() == targets[i, j] for i, j in real]
    assert float(masked_accuracy(targets, changed)) == pytest.approx(np.mean(hits))
    assert token_accuracy(targets, changed) == (pytest.approx(np.mean(hits)), 5)
