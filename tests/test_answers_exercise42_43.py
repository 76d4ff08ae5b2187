"""Exercise 4.2 and 4.3 checks: exact inspections, experiments' direction."""

import numpy as np
import pytest

from dl2lab.answers import captioners, exercise42
from dl2lab.answers.core import CHECKS, Context


@pytest.fixture(scope="module")
def ctx():
    # One context for the whole file: the exam's network and the trained
    # captioners are built once, as in a real run.
    return Context(quick=True, seed=0)


def run(ctx, statement_id):
    kind, fn = CHECKS[statement_id]
    outcome = fn(ctx)
    return kind, outcome


def test_every_statement_of_4_2_and_4_3_has_a_check():
    ids = {f"4.2.{i}" for i in range(1, 9)} | {f"4.3.{i}" for i in range(1, 8)}
    assert ids <= set(CHECKS)


# ---------------------------------------------------------------------------
# Inspections: exact numbers


def test_4_2_1_layers_minus_2_is_the_pooled_vector(ctx):
    kind, outcome = run(ctx, "4.2.1")
    assert kind == "inspection"
    assert outcome.verdict == "False"
    assert outcome.evidence["layers[-2]"] == "avg_pool (None, 2048)"
    assert outcome.evidence["layers[-3]"] == "conv5_block3_out (None, 7, 7, 2048)"


def test_4_2_2_projection_output_is_one_vector(ctx):
    _, outcome = run(ctx, "4.2.2")
    assert outcome.verdict == "False"
    assert outcome.evidence["Dense output (img_features)"] == "(None, 128)"


def test_4_2_3_repeat_vector_gives_a_time_axis(ctx):
    _, outcome = run(ctx, "4.2.3")
    assert outcome.verdict == "True"
    assert outcome.evidence["RepeatVector output"] == "(None, 20, 128)"


def test_4_2_4_projection_has_2048_times_128_parameters(ctx):
    _, outcome = run(ctx, "4.2.4")
    assert outcome.verdict == "True"
    assert outcome.evidence["projection parameters"] == 2048 * 128 == 262_144


def test_4_2_6_recurrent_kernel_is_128_by_128(ctx):
    _, outcome = run(ctx, "4.2.6")
    assert outcome.verdict == "False"
    assert outcome.evidence["hidden-to-hidden (recurrent_kernel)"] == "(128, 128)"
    assert outcome.evidence["hidden-to-output (softmax Dense kernel)"] == "(128, 1000)"


def test_4_3_7_lstm_has_four_times_the_parameters(ctx):
    _, outcome = run(ctx, "4.3.7")
    assert outcome.verdict == "False"
    # SimpleRNN: input kernel + recurrent kernel + bias; LSTM: four gates.
    simple = 128 * 128 + 128 * 128 + 128
    assert outcome.evidence["SimpleRNN(128) parameters"] == simple == 32_896
    assert outcome.evidence["LSTM(128) parameters"] == 4 * simple == 131_584


# ---------------------------------------------------------------------------
# Experiments on the exam's network


def test_4_2_5_one_step_changes_every_resnet_convolution(ctx):
    before = [w.copy() for w in exercise42.exam_network(ctx)["model"].get_weights()]
    kind, outcome = run(ctx, "4.2.5")
    assert kind == "experiment"
    assert outcome.verdict == "True"
    n = outcome.evidence["ResNet50 convolution kernels"]
    assert n == 53
    assert outcome.evidence["convolution kernels changed by one SGD step"] == n
    assert outcome.evidence["smallest convolution kernel gradient norm"] > 0
    key = "gradient norm, ImageNet classifier (not on the caption's path)"
    assert outcome.evidence[key] == 0
    key = "trainable backbone weights after base_model.trainable = False"
    assert outcome.evidence[key] == 0
    # The shared network is left as it was for the other checks.
    after = exercise42.exam_network(ctx)["model"].get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_4_2_7_attention_weights_are_a_distribution_over_49_regions(ctx):
    _, outcome = run(ctx, "4.2.7")
    assert outcome.verdict == "True"
    evidence = outcome.evidence
    assert evidence["attention weights shape (images, positions, regions)"] == (
        "(2, 20, 49)"
    )
    assert evidence["largest |sum of weights - 1| over positions"] < 1e-4
    assert evidence["gradient norm reaching the attention's region projection"] > 0
    assert evidence["attention weights on layers[-2] (one pooled vector)"] == (
        pytest.approx(1.0)
    )


def test_4_2_8_probs_depend_on_past_words_and_image_only(ctx):
    _, outcome = run(ctx, "4.2.8")
    assert outcome.verdict == "True"
    values = list(outcome.evidence.values())
    past, future, image = values[0], values[1], values[2]
    assert past < 1e-5
    assert future > 100 * max(past, 1e-7)
    assert image > 100 * max(past, 1e-7)


# ---------------------------------------------------------------------------
# The numpy SimpleRNN used for vanishing gradients


def _random_rnn(seed=0, units=8, dim=5, steps=6, n=3):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.5, size=(dim, units))
    recurrent = rng.normal(scale=0.5, size=(units, units))
    bias = rng.normal(scale=0.1, size=units)
    inputs = rng.normal(size=(n, steps, dim))
    return kernel, recurrent, bias, inputs


def test_numpy_simple_rnn_matches_keras():
    import keras

    kernel, recurrent, bias, inputs = _random_rnn()
    layer = keras.layers.SimpleRNN(8, return_sequences=True)
    layer.build(inputs.shape)
    layer.set_weights([kernel, recurrent, bias])
    expected = np.asarray(layer(inputs.astype("float32")))
    got = captioners.simple_rnn_states(kernel, recurrent, bias, inputs)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_first_input_gradient_matches_finite_differences():
    kernel, recurrent, bias, inputs = _random_rnn()
    norms = captioners.first_input_gradient_norms(kernel, recurrent, bias, inputs)
    eps = 1e-6
    for steps in (1, 3, 6):
        x = inputs[:1, :steps]
        columns = []
        for k in range(x.shape[-1]):
            up, down = x.copy(), x.copy()
            up[0, 0, k] += eps
            down[0, 0, k] -= eps
            h_up = captioners.simple_rnn_states(kernel, recurrent, bias, up)[0, -1]
            h_down = captioners.simple_rnn_states(kernel, recurrent, bias, down)[0, -1]
            columns.append((h_up - h_down) / (2 * eps))
        jacobian = np.stack(columns, axis=1)  # (units, dim)
        assert norms[0, steps - 1] == pytest.approx(np.linalg.norm(jacobian), rel=1e-5)


# ---------------------------------------------------------------------------
# Experiments with captioners trained on emoji drawings (quick sizes)


def _pair(text):
    return [float(v) for v in text.split(" / ")]


def test_4_3_1_teacher_forcing_reads_the_answer(ctx):
    _, outcome = run(ctx, "4.3.1")
    assert outcome.verdict == "False"
    evidence = outcome.evidence
    forced = evidence["word accuracy, teacher forcing (reference fed in)"]
    free = evidence["word accuracy, greedy decoding (image only)"]
    assert forced > free + 0.1
    assert evidence["leak: teacher forcing minus greedy"] == pytest.approx(
        forced - free
    )


def test_4_3_2_a_decoder_without_images_still_learns_language(ctx):
    _, outcome = run(ctx, "4.3.2")
    assert outcome.verdict == "True"
    evidence = outcome.evidence
    unigram = evidence["test loss, training word frequencies"]
    alone = evidence["test loss, decoder trained without images (language only)"]
    real = evidence["test loss, decoder trained with the images"]
    wrong = evidence["test loss, same decoder given shuffled test images"]
    assert evidence["test loss, uniform over the vocabulary"] > unigram
    assert alone < unigram - 0.1
    # The decoder trained with images does use them.
    assert wrong > real + 0.3
    assert outcome.figure is None  # no figure_dir in the tests


def test_4_3_3_greedy_decoding_writes_finished_captions(ctx):
    _, outcome = run(ctx, "4.3.3")
    assert outcome.verdict == "True"
    evidence = outcome.evidence
    assert evidence["captions ending with <eos>, non-empty"] >= 0.9
    key = next(k for k in evidence if k.startswith("same captions re-running"))
    same, total = evidence[key].split("/")
    assert same == total
    assert (
        evidence["BLEU-1, greedy"]
        > evidence["BLEU-1, most frequent training caption"] + 0.1
    )


def test_4_3_4_beam_search_finds_more_probable_captions(ctx):
    _, outcome = run(ctx, "4.3.4")
    evidence = outcome.evidence
    greedy = evidence["mean score, greedy"]
    beam = evidence["mean score, beam 3"]
    assert beam > greedy
    low, high = (
        float(v)
        for v in evidence["90% bootstrap interval of the BLEU-2 gain"]
        .strip("[]")
        .split(", ")
    )
    assert low <= evidence["BLEU-2 gain of the beam"] <= high
    expected = "True" if low > 0 else ("False" if high < 0 else "depends")
    assert outcome.verdict == expected
    # On 400 unseen emoji the gain is clear of zero (about +0.02 BLEU-2).
    assert low > 0.005
    assert outcome.verdict == "True"


def test_4_3_5_gradients_vanish_more_for_longer_sequences(ctx):
    _, outcome = run(ctx, "4.3.5")
    assert outcome.verdict == "False"
    evidence = outcome.evidence
    norms = [
        evidence[f"median ||dh_T/dx_1||, trained, T={t}"] for t in (1, 2, 5, 10, 20)
    ]
    assert all(a > b for a, b in zip(norms, norms[1:], strict=False))
    assert evidence["shrink factor from T=5 to T=20, trained"] > 10


def test_4_3_6_verdict_follows_the_two_measured_gaps(ctx):
    _, outcome = run(ctx, "4.3.6")
    evidence = outcome.evidence
    simple_train, lstm_train = _pair(evidence["final training loss, SimpleRNN / LSTM"])
    simple_test, lstm_test = _pair(
        evidence["test loss (unseen emoji), SimpleRNN / LSTM"]
    )
    assert evidence["test-loss advantage of the LSTM (nats)"] == pytest.approx(
        simple_test - lstm_test, abs=1e-3
    )
    assert evidence["training-loss excess of the LSTM (nats)"] == pytest.approx(
        lstm_train - simple_train, abs=1e-3
    )
    assert evidence["recurrent parameters, SimpleRNN / LSTM"] == "32896 / 131584"
    # Twelve epochs on 400 drawings: the LSTM fits far more slowly, and its
    # held-out loss is within the 0.15-nat margin of the SimpleRNN's.
    assert lstm_train - simple_train > 0.5
    assert abs(simple_test - lstm_test) < 0.15
    assert outcome.verdict == "depends"
    assert "fit more slowly" in outcome.condition


# ---------------------------------------------------------------------------
# Helpers of the caption experiments


def test_unigram_loss_by_hand():
    # Train targets (after <s>): "a b <eos>" and "a <eos>": a x2, b x1, <eos> x2.
    train = np.array([[2, 4, 5, 3, 0], [2, 4, 3, 0, 0]])
    test = np.array([[2, 5, 3, 0, 0]])  # targets: b, <eos>
    vocab_size = 6
    # Add-one smoothing: (count + 1) / (5 + 6).
    expected = -(np.log(2 / 11) + np.log(3 / 11)) / 2
    got = captioners.unigram_loss(train, test, vocab_size)
    assert got == pytest.approx(expected)


def test_teacher_forced_loss_matches_the_training_loss():
    import keras

    from dl2lab.caption.model import build_captioner
    from dl2lab.caption.teacher import masked_loss, teacher_forcing

    keras.utils.set_random_seed(0)
    model = build_captioner(6, vocab_size=9, max_len=5, embedding_dim=4)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(3, 6)).astype("float32")
    token_ids = np.array(
        [[2, 4, 5, 3, 0], [2, 6, 3, 0, 0], [2, 7, 8, 4, 3]], dtype="int32"
    )
    loss, accuracy, probs = captioners.teacher_forced(model, features, token_ids)
    inputs, targets = teacher_forcing(token_ids)
    model.compile(loss=masked_loss)
    expected = model.evaluate(
        {"features": features, "token_ids": inputs}, targets, verbose=0
    )
    assert loss == pytest.approx(float(expected), rel=1e-5)
    assert probs.shape == (3, 5, 9)
    mask = targets != 0
    assert accuracy == pytest.approx(
        ((probs.argmax(-1) == targets) & mask).sum() / mask.sum()
    )
