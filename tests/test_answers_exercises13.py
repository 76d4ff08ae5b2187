"""Exercise 1, 3.2 and 3.4 checks: inspections exactly, experiments by direction.

All checks run once in quick mode with seed 0 (module fixture); each test
reads the evidence of one statement. Thresholds sit well inside the measured
values so that the direction, not the exact number, is what is tested.
"""

import pytest

from dl2lab.answers.core import Context, run_checks

IDS = [
    "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7",
    "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6",
    "3.4.1", "3.4.2", "3.4.3", "3.4.4", "3.4.5",
]  # fmt: skip


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    context = Context(quick=True, seed=0, figure_dir=tmp_path_factory.mktemp("fig"))
    return {f.statement.id: f for f in run_checks(IDS, context)}


def evidence(found, sid):
    return found[sid].outcome.evidence


def test_every_check_has_reasoning_and_a_verdict(found):
    assert sorted(found) == sorted(IDS)
    for f in found.values():
        assert f.outcome.verdict in ("True", "False", "depends")
        assert len(f.outcome.reasoning) > 80


# Inspections: exact numbers computed by hand.


def test_model1_parameters_are_mostly_in_the_embedding(found):
    ev = evidence(found, "3.2.5")
    assert ev["Embedding parameters (20,000 x 5)"] == 20000 * 5
    assert ev["Dense parameters (5 x 4 + 4)"] == 5 * 4 + 4
    assert ev["GlobalAveragePooling1D parameters"] == 0
    assert found["3.2.5"].outcome.verdict == "False"


def test_self_attention_parameters_are_four_projections(found):
    ev = evidence(found, "3.4.5")
    d = ev["embedding_dim"]
    assert ev["self-attention parameters in one block"] == 4 * (d * d + d)
    assert found["3.4.5"].outcome.verdict == "False"


def test_four_classes(found):
    assert evidence(found, "3.2.1")["distinct labels"] == 4
    assert found["3.2.1"].outcome.verdict == "True"


# Experiments: direction with a margin.


def test_optimiser_settings_can_underfit(found):
    ev = evidence(found, "1.1")
    best = ev["best possible training loss (least squares)"]
    assert ev["training loss after 100 steps, lr=0.001"] > 100 * best
    assert ev["training loss after 100 steps, lr=0.1"] < 1.01 * best
    assert found["1.1"].outcome.verdict == "True"


def test_smaller_batches_have_noisier_gradients(found):
    ev = evidence(found, "1.2")
    noise = [ev[f"gradient noise, batch {b}"] for b in (1, 2, 4, 8, 16, 32, 64)]
    assert all(a > b for a, b in zip(noise, noise[1:], strict=False))
    assert found["1.2"].outcome.verdict == "False"


def test_doubling_filters_does_not_double_overfitting(found):
    assert evidence(found, "1.3")["gap ratio, doubled / base"] < 1.5
    assert found["1.3"].outcome.verdict == "False"


def test_learning_rate_and_batch_size_move_generalisation(found):
    ev = evidence(found, "1.4")
    assert ev["spread across settings"] > 0.1
    assert (
        ev["spread across settings"]
        > 5 * ev["spread across 3 seeds at the best setting (std)"]
    )
    assert found["1.4"].outcome.verdict == "True"


def test_lower_learning_rate_does_not_cure_overfitting(found):
    ev = evidence(found, "1.5")
    assert ev["final training accuracy, lr=0.001"] > 0.9
    assert ev["gain in best held-out accuracy from the lower rate"] < 0.02
    assert found["1.5"].outcome.verdict == "False"


def test_batchnorm_cures_underfitting_of_a_deep_sigmoid_network(found):
    ev = evidence(found, "1.6")
    plain = ev["final training loss, without normalisation"]
    assert plain > 0.9 * ev["training loss of always predicting the class shares"]
    assert ev["final training loss, with BatchNorm"] < 0.5 * plain
    assert found["1.6"].outcome.verdict == "True"


def test_model1_fits_random_labels(found):
    ev = evidence(found, "1.7")
    assert ev["training accuracy on random labels"] > 0.95
    assert found["1.7"].outcome.verdict == "True"
    assert found["1.7"].disagrees_with_exam


def test_vocabulary_of_20000_keeps_every_word_of_10000_tweets(found):
    ev = evidence(found, "3.2.2")
    assert ev["distinct words in them"] < 20000
    assert (
        ev["held-out token coverage, 20,000 words"]
        >= ev["held-out token coverage, 5,000 words"]
    )
    assert found["3.2.2"].outcome.verdict == "True"


def test_embedding_of_5_loses_to_larger_ones(found):
    ev = evidence(found, "3.2.3")
    assert ev["loss of macro-F1 at 5 vs best"] > 0.05
    assert found["3.2.3"].outcome.verdict == "False"


def test_length_50_covers_real_tweets(found):
    ev = evidence(found, "3.2.4")
    assert ev["99th percentile, bare tokens"] < 50
    assert ev["share of tweets cut at 50, bare tokens"] <= 0.01
    assert found["3.2.4"].outcome.verdict == "True"
    assert found["3.2.4"].disagrees_with_exam


def test_model1_ignores_word_order_and_the_lstm_does_not(found):
    ev = evidence(found, "3.2.6")
    assert ev["largest change of a probability, model 1 (average)"] < 1e-5
    assert ev["largest change of a probability, model 2 (LSTM)"] > 1e-3
    assert found["3.2.6"].outcome.verdict == "False"
    assert found["3.2.6"].disagrees_with_exam


def test_self_attention_alone_is_order_blind(found):
    ev = evidence(found, "3.4.1")
    assert ev["pooled output change under permutation, without positions"] < 1e-4
    assert ev["per-token output, permuted back, change, without positions"] < 1e-4
    assert ev["pooled output change under permutation, with positions"] > 1e-2
    assert found["3.4.1"].outcome.verdict == "False"


def test_positions_matter_when_order_carries_the_answer(found):
    ev = evidence(found, "3.4.2")
    without = ev["order task accuracy, without positions"]
    assert (
        without
        <= ev["order task accuracy of always giving the more frequent answer"] + 0.03
    )
    assert ev["order task accuracy, with positions"] > without + 0.2


def test_pretrained_minilm_fine_tunes(found):
    ev = evidence(found, "3.4.3")
    assert (
        ev["held-out macro-F1, MiniLM fine-tuned"]
        > ev["held-out macro-F1, always the majority class"] + 0.1
    )
    assert found["3.4.3"].outcome.verdict == "True"


def test_transformer_learns_a_toy_translation(found):
    ev = evidence(found, "3.4.4")
    assert ev["token accuracy of greedy decoding"] > 0.8
    assert found["3.4.4"].outcome.verdict == "True"
