"""Scoring captioners on a test split: the model's decoders and both baselines.

Every method captions the same test images and is scored with corpus BLEU-1..4
(:mod:`dl2lab.caption.bleu`) against all references of each image, tokenised
by the caption vocabulary's rule. Decoders are also timed (captions per
second, features already computed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dl2lab.caption.baselines import most_frequent_caption, nearest_neighbour_captions
from dl2lab.caption.bleu import corpus_bleu
from dl2lab.caption.decode import DEFAULT_LENGTH_PENALTY, beam_search, greedy_decode


@dataclass
class MethodResult:
    """Scores of one captioning method on one set of images.

    Attributes:
        method: ``greedy``, ``beam-3``, ``most-frequent``, ``nearest-neighbour``.
        bleu: ``{n: BLEU-n}`` in [0, 1].
        captions: The generated captions, in image order.
        seconds: Time to caption all images with the step already compiled
            (decoders only, else None).
    """

    method: str
    bleu: dict[int, float]
    captions: list[str]
    seconds: float | None = None

    @property
    def captions_per_second(self) -> float | None:
        if not self.seconds:
            return None
        return len(self.captions) / self.seconds

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "bleu": {str(n): v for n, v in self.bleu.items()},
            "seconds": self.seconds,
            "captions_per_second": self.captions_per_second,
        }


def score(
    captions: Sequence[str], references: Sequence[Sequence[str]], tokenize
) -> dict[int, float]:
    """BLEU-1..4 of caption strings against reference strings."""
    hyps = [tokenize(c) for c in captions]
    refs = [[tokenize(r) for r in refs] for refs in references]
    return corpus_bleu(hyps, refs).bleu


def decode_captions(
    model,
    vocab,
    features: np.ndarray,
    beam_size: int = 1,
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
    no_repeat_ngram_size: int = 0,
    allow_unk: bool = False,
) -> tuple[list[str], float]:
    """Caption features with greedy (beam_size 0) or beam search; time it.

    Args:
        model: The decoder.
        vocab: Its ``CaptionVocabulary``.
        features: float (n, d).
        beam_size: 0 for greedy decoding, else the beam size.
        length_penalty: See :func:`dl2lab.caption.decode.beam_search`.
        no_repeat_ngram_size: Block repeated n-grams (0: off).
        allow_unk: Whether ``<unk>`` may be emitted.

    Returns:
        ``(captions, seconds)``.
    """
    start = time.perf_counter()
    if beam_size == 0:
        decoded = greedy_decode(
            model, features, allow_unk=allow_unk,
            no_repeat_ngram_size=no_repeat_ngram_size,
        )  # fmt: skip
    else:
        decoded = beam_search(
            model, features, beam_size, length_penalty=length_penalty,
            allow_unk=allow_unk, no_repeat_ngram_size=no_repeat_ngram_size,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    return [vocab.decode(c.token_ids) for c in decoded], seconds


def evaluate_methods(
    model,
    vocab,
    train_features: np.ndarray,
    train_references: Sequence[Sequence[str]],
    test_features: np.ndarray,
    test_references: Sequence[Sequence[str]],
    beam_sizes: Sequence[int] = (0, 3),
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
) -> list[MethodResult]:
    """Score the decoders and both baselines on the same test images.

    Args:
        model: The trained decoder.
        vocab: Its vocabulary (its tokenizer is used for BLEU).
        train_features: float (m, d) training images (for the baselines).
        train_references: Their captions.
        test_features: float (n, d) test images.
        test_references: Their references.
        beam_sizes: 0 means greedy; others are beam sizes.
        length_penalty: For beam search.

    Returns:
        One :class:`MethodResult` per decoder, then most-frequent and
        nearest-neighbour.
    """
    tokenize = vocab.tokenize
    results = []
    for beam_size in beam_sizes:
        # The first run compiles the step for these batch shapes; the second,
        # identical run is the one timed.
        for _ in range(2):
            captions, seconds = decode_captions(
                model, vocab, test_features, beam_size, length_penalty
            )
        name = "greedy" if beam_size == 0 else f"beam-{beam_size}"
        results.append(
            MethodResult(
                name, score(captions, test_references, tokenize), captions, seconds
            )  # fmt: skip
        )
    every_caption = [c for refs in train_references for c in refs]
    frequent = [most_frequent_caption(every_caption)] * len(test_references)
    results.append(
        MethodResult(
            "most-frequent", score(frequent, test_references, tokenize), frequent
        )
    )
    nearest = nearest_neighbour_captions(
        train_features, [refs[0] for refs in train_references], test_features
    )
    results.append(
        MethodResult(
            "nearest-neighbour", score(nearest, test_references, tokenize), nearest
        )
    )
    return results


def format_table(results: Sequence[MethodResult]) -> str:
    """Render results as a plain-text table (BLEU times 100)."""
    lines = [
        f"{'method':<18} {'BLEU-1':>7} {'BLEU-2':>7} {'BLEU-3':>7} {'BLEU-4':>7} "
        f"{'captions/s':>11}"
    ]
    for r in results:
        speed = f"{r.captions_per_second:11.0f}" if r.captions_per_second else " " * 11
        bleu = " ".join(f"{100 * r.bleu[n]:7.1f}" for n in range(1, 5))
        lines.append(f"{r.method:<18} {bleu} {speed}")
    return "\n".join(lines)
