"""Greedy and beam decoding on tiny captioners with hand-set weights."""

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

from dl2lab.caption.decode import (
    Caption,
    beam_search,
    block_tokens,
    greedy_decode,
    make_stepper,
)
from dl2lab.caption.model import build_captioner
from dl2lab.caption.teacher import EOS_ID, PAD_ID, START_ID, UNK_ID
from dl2lab.errors import Dl2labError

GAIN = 3.0  # embedding scale; tanh(GAIN) is what the output layer sees


def markov_captioner(transitions, image_logits=None, max_len=6):
    """A SimpleRNN captioner whose next word depends on the previous word only.

    The embedding of word i is GAIN * e_i, the RNN's input kernel is the
    identity and its recurrent kernel zero, so the state after reading word i
    is tanh(GAIN) * e_i. The output kernel's row i is
    ``transitions[i] / tanh(GAIN)``: the next-word logits are exactly
    ``transitions[previous word]``. Image k (one-hot features) adds
    ``image_logits[k]`` through extra state dimensions.

    Args:
        transitions: (V, V) next-word logits given the previous word.
        image_logits: (F, V) extra logits per image type, or None.
        max_len: Model positions.
    """
    transitions = np.asarray(transitions, dtype="float32")
    V = transitions.shape[0]
    if image_logits is None:
        image_logits = np.zeros((1, V), dtype="float32")
    image_logits = np.asarray(image_logits, dtype="float32")
    F = image_logits.shape[0]
    E = V + F
    model = build_captioner(F, vocab_size=V, max_len=max_len, embedding_dim=E)
    scale = np.tanh(GAIN)
    projection = np.zeros((F, E), dtype="float32")
    projection[np.arange(F), V + np.arange(F)] = GAIN
    model.get_layer("project_features").set_weights([projection])
    embedding = np.zeros((V, E), dtype="float32")
    embedding[np.arange(V), np.arange(V)] = GAIN
    model.get_layer("embedding").set_weights([embedding])
    model.get_layer("rnn").set_weights(
        [
            np.eye(E, dtype="float32"),
            np.zeros((E, E), "float32"),
            np.zeros(E, "float32"),
        ]
    )
    kernel = np.concatenate([transitions, image_logits], axis=0) / scale
    model.get_layer("probs").set_weights([kernel, np.zeros(V, dtype="float32")])
    return model


def one_hot(indices, depth):
    return np.eye(depth, dtype="float32")[indices]


def ids(captions):
    return [c.token_ids for c in captions]


def log_softmax(x):
    x = np.asarray(x, dtype="float64")
    x = x - x.max()
    return x - np.log(np.exp(x).sum())


# Vocabulary of the hand-set models: the 4 specials and three words.
V = 7
W4, W5, W6 = 4, 5, 6


def base_transitions():
    t = np.zeros((V, V), dtype="float32")
    t[:, PAD_ID] = -20.0  # the model itself almost never predicts padding
    return t


def test_markov_captioner_outputs_the_hand_set_distribution():
    t = np.random.default_rng(0).normal(size=(V, V)).astype("float32")
    model = markov_captioner(t)
    tokens = np.array([[START_ID, W4, W6, EOS_ID, W5, W5]], dtype="int32")
    probs = np.asarray(
        model({"features": np.ones((1, 1), "float32"), "token_ids": tokens})
    )
    for position, previous in enumerate(tokens[0]):
        expected = np.exp(log_softmax(t[previous]))
        np.testing.assert_allclose(probs[0, position], expected, rtol=1e-4, atol=1e-6)


def test_eos_as_first_word_gives_an_empty_caption():
    t = base_transitions()
    t[START_ID, EOS_ID] = 10.0
    model = markov_captioner(t)
    features = np.ones((2, 1), "float32")
    for captions in (greedy_decode(model, features), beam_search(model, features, 3)):
        assert ids(captions) == [(), ()]
        assert all(c.finished and c.length == 1 for c in captions)
        expected = log_softmax(t[START_ID])[EOS_ID]
        assert captions[0].log_prob == pytest.approx(expected, abs=1e-6)


def test_beams_that_never_end_return_the_best_unfinished_hypothesis():
    t = base_transitions()
    t[:, EOS_ID] = -30.0  # <eos> practically never
    t[START_ID, [W4, W5, W6]] = [1.0, 2.0, 0.0]
    t[W5, [W4, W5, W6]] = [3.0, 0.0, 0.0]
    t[W4, [W4, W5, W6]] = [0.0, 0.0, 2.5]
    t[W6, [W4, W5, W6]] = [0.0, 2.0, 0.0]
    max_len = 6
    model = markov_captioner(t, max_len=max_len)
    features = np.ones((1, 1), "float32")
    # The best path of max_len - 1 = 5 words, by exhaustive search.
    best = max(
        itertools.product([W4, W5, W6], repeat=max_len - 1),
        key=lambda path: sum(
            log_softmax(t[a])[b]
            for a, b in zip((START_ID, *path[:-1]), path, strict=True)
        ),
    )
    for beam_size in (1, 2, 5):
        (caption,) = beam_search(model, features, beam_size)
        assert not caption.finished
        assert caption.length == max_len - 1
        assert caption.token_ids == best
    (greedy,) = greedy_decode(model, features)
    assert not greedy.finished and len(greedy.token_ids) == max_len - 1


def test_unk_is_emitted_only_when_allowed():
    t = base_transitions()
    t[:, UNK_ID] = 5.0
    t[:, W4] = 2.0
    t[W4, EOS_ID] = 4.0
    t[UNK_ID, EOS_ID] = 6.0
    model = markov_captioner(t)
    features = np.ones((1, 1), "float32")
    for decode in (greedy_decode, lambda m, f, **k: beam_search(m, f, 3, **k)):
        (plain,) = decode(model, features)
        assert plain.token_ids == (W4,)
        (unk,) = decode(model, features, allow_unk=True)
        assert unk.token_ids == (UNK_ID,)


def test_start_and_pad_are_never_emitted():
    t = base_transitions()
    t[:, START_ID] = 8.0
    t[:, PAD_ID] = 8.0
    t[:, W6] = 1.0
    t[W6, EOS_ID] = 12.0
    model = markov_captioner(t)
    captions = beam_search(model, np.ones((1, 1), "float32"), 2)
    assert captions[0].token_ids == (W6,)
    assert ids(greedy_decode(model, np.ones((1, 1), "float32"))) == [(W6,)]


def test_beam_search_beats_greedy_where_the_first_word_misleads():
    t = base_transitions()
    # Greedy takes W4 (more probable first word) but W4 is followed by a flat
    # distribution; W5 then <eos> is the most probable caption overall.
    t[START_ID, [W4, W5, EOS_ID]] = [2.0, 1.5, -5.0]
    t[W4, [EOS_ID, W4, W5, W6]] = [0.0, 0.0, 0.0, 0.0]
    t[W5, EOS_ID] = 6.0
    t[W6, EOS_ID] = 6.0
    model = markov_captioner(t)
    features = np.ones((1, 1), "float32")
    (greedy,) = greedy_decode(model, features)
    (beam,) = beam_search(model, features, 2, length_penalty=0.0)
    assert greedy.token_ids[0] == W4
    assert beam.token_ids == (W5,)
    assert beam.log_prob > greedy.log_prob
    expected = log_softmax(t[START_ID])[W5] + log_softmax(t[W5])[EOS_ID]
    assert beam.log_prob == pytest.approx(expected, abs=1e-5)


def test_images_are_decoded_independently_in_one_batch():
    t = base_transitions()
    t[[W4, W5, W6], EOS_ID] = 4.0
    image_logits = np.zeros((3, V), "float32")
    image_logits[0, W4] = image_logits[1, W5] = image_logits[2, W6] = 6.0
    image_logits[:, EOS_ID] = [-2.0, -2.0, 2.0]  # a different length each
    model = markov_captioner(t, image_logits)
    features = one_hot([2, 0, 1, 0], 3)
    for beam_size in (1, 3):
        batch = ids(beam_search(model, features, beam_size))
        single = [ids(beam_search(model, f[None], beam_size))[0] for f in features]
        assert batch == single
    assert ids(greedy_decode(model, features, batch_size=3)) == ids(
        greedy_decode(model, features)
    )


@pytest.mark.parametrize("k", [1, 2, 3])
def test_no_repeat_ngram_blocks_repeats(k):
    t = base_transitions()
    t[:, EOS_ID] = -3.0
    t[W4, W4] = t[W5, W4] = 4.0  # the model loves "w4 w4 w4 ..."
    t[START_ID, W4] = 4.0
    t[W4, W5] = 3.0
    model = markov_captioner(t, max_len=10)
    features = np.ones((1, 1), "float32")
    (free,) = greedy_decode(model, features)
    assert free.token_ids[:3] == (W4, W4, W4)
    for captions in (
        greedy_decode(model, features, no_repeat_ngram_size=k),
        beam_search(model, features, 3, no_repeat_ngram_size=k),
    ):
        words = captions[0].token_ids
        grams = [words[i : i + k] for i in range(len(words) - k + 1)]
        assert len(grams) == len(set(grams)), words


def test_block_tokens_on_hand_made_rows():
    log_probs = np.zeros((3, V))
    generated = np.array([[W4, W5, W4], [W5, W6, W4], [W4, W4, W4]])
    out = block_tokens(log_probs.copy(), generated, no_repeat_ngram_size=2)
    blocked = {i: set(np.nonzero(np.isinf(out[i]))[0]) for i in range(3)}
    # Row 0 ends with W4, and "W4 W5" occurred: W5 is blocked.
    assert blocked[0] == {PAD_ID, START_ID, UNK_ID, W5}
    # Row 1 ends with W4, never followed before: only the specials.
    assert blocked[1] == {PAD_ID, START_ID, UNK_ID}
    assert blocked[2] == {PAD_ID, START_ID, UNK_ID, W4}
    # When every word is blocked the caption may still end.
    everything = np.full((1, V), -np.inf)
    everything[0, EOS_ID] = -1.5
    everything[0, W4] = 0.0
    out = block_tokens(everything, np.array([[W4]]), no_repeat_ngram_size=1)
    assert out[0, EOS_ID] == -1.5 and np.isinf(out[0, W4])


def random_captioner(cell, condition, vocab_size=12, max_len=7, seed=0):
    import keras  # after dl2lab, which picks the backend

    keras.utils.set_random_seed(seed)
    model = build_captioner(
        6, vocab_size=vocab_size, max_len=max_len, embedding_dim=8, cell=cell,
        condition=condition,
    )  # fmt: skip
    # Sharpen the output so that captions vary and some end early.
    kernel, bias = model.get_layer("probs").get_weights()
    bias[EOS_ID] += 1.0
    model.get_layer("probs").set_weights([kernel * 6, bias])
    return model


SETTINGS = [
    ("simple", "every-step"),
    ("lstm", "every-step"),
    ("gru", "every-step"),
    ("simple", "initial-state"),
    ("lstm", "initial-state"),
    ("gru", "initial-state"),
]


@pytest.mark.parametrize(("cell", "condition"), SETTINGS)
def test_beam_size_one_is_greedy_and_incremental_equals_full(cell, condition):
    model = random_captioner(cell, condition)
    features = np.random.default_rng(1).normal(size=(16, 6)).astype("float32") * 2
    greedy = greedy_decode(model, features)
    assert len({c.token_ids for c in greedy}) > 3  # the test sees varied captions
    assert ids(beam_search(model, features, 1)) == ids(greedy)
    assert ids(beam_search(model, features, 1, length_penalty=0.0)) == ids(greedy)
    assert ids(greedy_decode(model, features, stepper="full")) == ids(greedy)
    beam = beam_search(model, features, 3)
    full = beam_search(model, features, 3, stepper="full")
    assert ids(full) == ids(beam)
    np.testing.assert_allclose(
        [c.log_prob for c in full], [c.log_prob for c in beam], atol=1e-4
    )


@pytest.mark.parametrize(("cell", "condition"), SETTINGS[:4])
def test_incremental_step_probabilities_equal_the_full_model(cell, condition):
    model = random_captioner(cell, condition)
    rng = np.random.default_rng(2)
    features = rng.normal(size=(5, 6)).astype("float32")
    tokens = rng.integers(4, 12, size=(5, 7)).astype("int32")
    tokens[:, 0] = START_ID
    full = np.asarray(model({"features": features, "token_ids": tokens}))
    stepper = make_stepper(model, "incremental")
    state = stepper.start(features)
    for t in range(7):
        log_probs, state = stepper.step(state, tokens[:, t], t)
        np.testing.assert_allclose(np.exp(log_probs), full[:, t], rtol=1e-4, atol=1e-6)


def test_wide_beam_finds_the_exhaustive_best_caption():
    # With more beams than hypotheses nothing is pruned, so beam search must
    # return the best caption under its own scoring rule.
    rng = np.random.default_rng(3)
    t = rng.normal(size=(V, V)).astype("float32") * 1.5
    max_len = 5
    model = markov_captioner(t, max_len=max_len)
    words = [W4, W5, W6]

    def log_prob(path, finished):
        tokens = (*path, EOS_ID) if finished else path
        previous = (START_ID, *tokens[:-1])
        return sum(log_softmax(t[a])[b] for a, b in zip(previous, tokens, strict=True))

    for alpha in (0.0, 1.0):
        finished = [
            (log_prob(p, True) / (len(p) + 1) ** alpha, p)
            for n in range(max_len - 1)
            for p in itertools.product(words, repeat=n)
        ]
        # A blocked word (unk, pad, <s>) takes a share of the probability, so
        # renormalise nothing: the scores above are the model's own.
        best_score, best = max(finished)
        (caption,) = beam_search(model, np.ones((1, 1), "float32"), 200, alpha)
        assert caption.finished
        assert caption.token_ids == best
        assert caption.score == pytest.approx(best_score, abs=1e-5)


def test_bad_arguments_are_named():
    model = markov_captioner(base_transitions())
    features = np.ones((1, 1), "float32")
    with pytest.raises(Dl2labError, match="`beam_size` must be an integer >= 1; got 0"):
        beam_search(model, features, 0)
    with pytest.raises(Dl2labError, match="`length_penalty`.*got -1"):
        beam_search(model, features, 2, length_penalty=-1)
    with pytest.raises(Dl2labError, match="`stepper` must be one of.*got 'fast'"):
        greedy_decode(model, features, stepper="fast")
    with pytest.raises(Dl2labError, match=r"`features` must have shape.*\(3,\)"):
        greedy_decode(model, np.ones(3))


def test_caption_record():
    caption = Caption((4, 5), -1.0, 3, True, -1 / 3)
    assert caption.token_ids == (4, 5) and caption.finished


RELOAD = """
import json, sys
import numpy as np
import keras
import dl2lab
from dl2lab.caption.decode import beam_search, greedy_decode
model = keras.saving.load_model(sys.argv[1], safe_mode=True, compile=False)
features = np.load(sys.argv[2])
print(json.dumps({
    "greedy": [list(c.token_ids) for c in greedy_decode(model, features)],
    "beam": [list(c.token_ids) for c in beam_search(model, features, 3)],
}))
"""


@pytest.mark.parametrize(("cell", "condition"), [("lstm", "initial-state")])
def test_saved_model_gives_identical_captions_in_a_fresh_process(
    tmp_path, cell, condition
):
    model = random_captioner(cell, condition, seed=5)
    features = np.random.default_rng(4).normal(size=(12, 6)).astype("float32") * 2
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "features.npy", features)
    out = subprocess.run(
        [sys.executable, "-c", RELOAD, str(tmp_path / "model.keras"),
         str(tmp_path / "features.npy")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    reloaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert reloaded["greedy"] == [list(c) for c in ids(greedy_decode(model, features))]
    assert reloaded["beam"] == [list(c) for c in ids(beam_search(model, features, 3))]
