"""Corpus BLEU against sacrebleu, and its edge cases."""

import math
import random

import pytest
from sacrebleu.metrics import BLEU

from dl2lab.caption.bleu import corpus_bleu, strip_specials
from dl2lab.errors import Dl2labError


def words(text):
    return text.split()


def sacrebleu_scores(hypotheses, references):
    """BLEU-1..4 from sacrebleu on the same tokens, as fractions."""
    depth = max(len(refs) for refs in references)
    # sacrebleu takes reference streams; None fills images with fewer refs.
    streams = [
        [" ".join(refs[k]) if k < len(refs) else None for refs in references]
        for k in range(depth)
    ]
    hyps = [" ".join(h) for h in hypotheses]
    return {
        n: BLEU(
            tokenize="none", smooth_method="none", effective_order=True,
            max_ngram_order=n,
        ).corpus_score(hyps, streams).score / 100
        for n in range(1, 5)
    }  # fmt: skip


WORDS = ("a", "b", "c", "d", "e")


def random_corpus(rng, words=WORDS):
    n = rng.randint(1, 8)
    hyps = [[rng.choice(words) for _ in range(rng.randint(0, 7))] for _ in range(n)]
    refs = [
        [[rng.choice(words) for _ in range(rng.randint(1, 7))]
         for _ in range(rng.randint(1, 4))]
        for _ in range(n)
    ]  # fmt: skip
    return hyps, refs


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_sacrebleu(seed):
    hyps, refs = random_corpus(random.Random(seed))
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu_scores(hyps, refs)
    for n in range(1, 5):
        assert ours[n] == pytest.approx(theirs[n], abs=1e-12)


def test_agrees_with_sacrebleu_on_real_captions():
    hyps = [
        words("grinning face with big eyes"),
        words("red apple"),
        words("cat face"),
        words(""),
        words("flag of france"),
    ]
    refs = [
        [words("grinning face with big eyes"), words("smiling face")],
        [words("red apple")],
        [words("cat face with wry smile"), words("grinning cat")],
        [words("woman with headscarf")],
        [words("flag france"), words("flag of germany")],
    ]
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu_scores(hyps, refs)
    for n in range(1, 5):
        assert ours[n] == pytest.approx(theirs[n], abs=1e-12)
    assert 0 < ours[4] < ours[1] < 1


def test_hand_computed_example():
    # Caption "the cat sat" against "the cat sat down" and "a cat":
    # 1-grams 3/3, 2-grams 2/2, 3-grams 1/1, no 4-grams (effective order 3).
    # Both references are 1 word away from length 3; the shorter one (2) is
    # the closest, so hyp 3 >= ref 2 and there is no brevity penalty.
    score = corpus_bleu([["the", "cat", "sat"]], [[
        ["the", "cat", "sat", "down"], ["a", "cat"]]])  # fmt: skip
    assert score.ref_len == 2
    assert score.brevity_penalty == 1.0
    assert score[1] == score[2] == score[3] == score[4] == 1.0
    # Against "the cat sat down" only: brevity penalty exp(1 - 4/3).
    score = corpus_bleu([["the", "cat", "sat"]], [[["the", "cat", "sat", "down"]]])
    assert score[4] == pytest.approx(math.exp(1 - 4 / 3))
    # Half the unigrams right: BLEU-1 = 0.5; no bigram matches: BLEU-2 = 0.
    score = corpus_bleu([["red", "dog"]], [[["red", "cat"]]])
    assert score[1] == pytest.approx(0.5)
    assert score[2] == 0.0


def test_short_identical_caption_scores_one():
    perfect = {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    assert corpus_bleu([["apple"]], [[["apple"]]]).bleu == perfect
    score = corpus_bleu([["red", "apple"]], [[["red", "apple"], ["green", "pear"]]])
    assert score[4] == 1.0


def test_empty_caption_scores_zero_without_error():
    score = corpus_bleu([[]], [[["red", "apple"]]])
    assert score.bleu == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
    assert score.brevity_penalty == 0.0
    assert corpus_bleu([], []).bleu[4] == 0.0
    assert corpus_bleu([["<s>", "<eos>"]], [[["apple"]]])[1] == 0.0


def test_specials_and_padding_are_stripped():
    plain = corpus_bleu([["red", "apple"]], [[["a", "red", "apple"]]])
    marked = corpus_bleu(
        [["<s>", "red", "apple", "<eos>", "<pad>", "<pad>"]],
        [[["<s>", "a", "red", "apple", "<eos>"]]],
    )
    assert plain == marked
    assert strip_specials(["<s>", "x", "<unk>", "<eos>", "<pad>"]) == ["x", "<unk>"]


def test_clipping_counts_the_best_reference():
    # "the the the" against refs holding "the" twice and once: 2/3 unigrams.
    score = corpus_bleu([["the"] * 3], [[["the", "the", "a"], ["the", "b", "c"]]])
    assert score.matches[0] == 2 and score.totals[0] == 3


def test_bad_input_is_named():
    with pytest.raises(Dl2labError, match="got 2 captions and 1 reference lists"):
        corpus_bleu([["a"], ["b"]], [[["a"]]])
    with pytest.raises(Dl2labError, match=r"`references\[0\]` must be a non-empty"):
        corpus_bleu([["a"]], [[]])
