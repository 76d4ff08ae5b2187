"""Training the captioner on tiny data, and the two baselines."""

import numpy as np
import pytest

from dl2lab.caption.baselines import (
    most_frequent_caption,
    nearest_neighbour_captions,
    nearest_neighbours,
)
from dl2lab.caption.data import SplitData
from dl2lab.caption.decode import beam_search, greedy_decode
from dl2lab.caption.evaluate import evaluate_methods
from dl2lab.caption.run import train_on_splits
from dl2lab.caption.teacher import teacher_forcing
from dl2lab.caption.train import TrainConfig, caption_pairs
from dl2lab.caption.vocab import CaptionVocabulary
from dl2lab.errors import Dl2labError

CLASSES = [
    ["red apple"],
    ["green apple", "apple that is green"],
    ["smiling cat face"],
    ["cat face with tears of joy"],
    ["flag of france"],
    ["flag of japan"],
]


def synthetic_split(n_per_class, seed, dim=12):
    """Features = one-hot class (first 6 dims) + noise; captions per class."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CLASSES)), n_per_class)
    features = np.zeros((len(labels), dim), dtype="float32")
    features[np.arange(len(labels)), labels] = 3.0
    features += rng.normal(scale=0.3, size=features.shape).astype("float32")
    references = [CLASSES[c] for c in labels]
    return SplitData([f"img{i}.png" for i in range(len(labels))], references, features)


def test_teacher_forcing_shifts_a_real_caption():
    caption = "grinning face with big eyes"
    vocab = CaptionVocabulary.build([caption, "grinning cat"])
    token_ids = vocab.encode_batch([caption], max_len=20)
    inputs, targets = teacher_forcing(token_ids)
    words = caption.split()
    assert [vocab.id_to_token(i) for i in inputs[0, :6]] == ["<s>", *words]
    assert [vocab.id_to_token(i) for i in targets[0, :6]] == [*words, "<eos>"]
    assert not inputs[0, 6:].any() and not targets[0, 6:].any()
    assert inputs.shape == targets.shape == (1, 20)


def test_caption_pairs_repeat_images_per_reference():
    features = np.arange(6, dtype="float32").reshape(3, 2)
    x, captions = caption_pairs(features, [["a"], ["b", "c"], ["d"]])
    assert captions == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(x, features[[0, 1, 1, 2]])
    with pytest.raises(Dl2labError, match="got 1 lists for 3 images"):
        caption_pairs(features, [["a"]])


def test_training_learns_to_caption_unseen_images():
    splits = {
        "train": synthetic_split(6, seed=0),
        "val": synthetic_split(2, seed=1),
    }
    test = synthetic_split(2, seed=2)
    config = TrainConfig(epochs=60, batch_size=16, patience=60, embedding_dim=32)
    model, vocab, result, val_bleu = train_on_splits(splits, config)
    assert result.history["val_loss"][-1] < result.history["val_loss"][0] / 4
    assert result.history["masked_accuracy"][-1] > 0.8
    captions = [vocab.decode(c.token_ids) for c in greedy_decode(model, test.features)]
    # Every test image gets one of its own class's references.
    assert all(c in refs for c, refs in zip(captions, test.references, strict=True))
    beam = [vocab.decode(c.token_ids) for c in beam_search(model, test.features, 3)]
    assert all(c in refs for c, refs in zip(beam, test.references, strict=True))
    assert val_bleu[4] == pytest.approx(1.0)

    results = {
        r.method: r
        for r in evaluate_methods(
            model, vocab, splits["train"].features, splits["train"].references,
            test.features, test.references, beam_sizes=(0, 1, 3),
        )
    }  # fmt: skip
    assert results["greedy"].captions == results["beam-1"].captions
    assert results["greedy"].bleu[4] == pytest.approx(1.0)
    assert results["nearest-neighbour"].bleu[4] == pytest.approx(1.0)
    assert results["most-frequent"].bleu[4] < 0.2


def test_train_config_rejects_bad_values():
    with pytest.raises(Dl2labError, match="`cell` must be one of .*got 'tree'"):
        TrainConfig(cell="tree")
    with pytest.raises(Dl2labError, match="`epochs` must be a positive integer; got 0"):
        TrainConfig(epochs=0)
    with pytest.raises(Dl2labError, match=r"`dropout` must be in \[0, 1\); got 1.5"):
        TrainConfig(dropout=1.5)
    config = TrainConfig(cell="gru", dropout=0.25)
    assert TrainConfig.from_dict({**config.to_dict(), "extra": 1}) == config


def test_most_frequent_caption():
    assert most_frequent_caption(["b", "a", "b", "a", "c"]) == "a"  # tie: a < b
    assert most_frequent_caption(["x", "y", "y"]) == "y"
    with pytest.raises(Dl2labError, match="at least one caption"):
        most_frequent_caption([])


def test_nearest_neighbour_uses_cosine_similarity():
    train = np.array([[1.0, 0.0], [0.0, 1.0], [10.0, 10.0]])
    # [3, 1] is closest in angle to [1, 0] although nearer [10, 10] in distance.
    query = np.array([[3.0, 1.0], [0.1, 5.0], [2.0, 2.1]])
    np.testing.assert_array_equal(nearest_neighbours(train, query), [0, 1, 2])
    assert nearest_neighbour_captions(train, ["x", "y", "z"], query) == ["x", "y", "z"]
    with pytest.raises(Dl2labError, match="got 2 captions for 3 images"):
        nearest_neighbour_captions(train, ["x", "y"], query)
    with pytest.raises(Dl2labError, match=r"`features` must have shape \(n, 2\)"):
        nearest_neighbours(train, np.ones((1, 3)))
