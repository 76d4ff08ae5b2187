"""Corpus BLEU-1 to BLEU-4 of generated captions against all their references.

BLEU-n is the geometric mean of the modified n-gram precisions of orders 1..n,
times a brevity penalty, computed over the whole corpus:

- a caption's n-gram counts are clipped by the largest count of that n-gram in
  any one of its image's references, then summed over the corpus;
- the reference length of a caption is the length of its reference closest in
  length (the shorter one on a tie); the brevity penalty is
  ``exp(1 - ref_len / hyp_len)`` when the corpus of captions is shorter than
  its references, 1 otherwise, and 0 when every caption is empty.

Smoothing, the one documented choice: *effective order* and nothing else.
An n-gram order that no caption of the corpus is long enough to contain (a
corpus of two-word captions has no 3-grams) is left out of the geometric
mean, so a short caption identical to its reference scores 1.0. An order
whose n-grams exist but never match gives precision 0 and BLEU 0: a system
that never gets four words in a row right scores BLEU-4 = 0 rather than a
small positive number. This equals sacrebleu's
``BLEU(tokenize="none", smooth_method="none", effective_order=True,
max_ngram_order=n)`` on the same whitespace-joined tokens (tested).

``<s>``, ``<eos>`` and ``<pad>`` are stripped from captions and references
before counting. Scores are fractions in [0, 1]; tables print them times 100.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dl2lab.errors import Dl2labError

MAX_ORDER = 4
SPECIAL_TOKENS = frozenset({"<s>", "<eos>", "<pad>"})


@dataclass(frozen=True)
class BleuScore:
    """Corpus BLEU with the statistics it was computed from.

    Attributes:
        bleu: ``{n: BLEU-n}`` for n = 1..4, each in [0, 1].
        matches: Clipped n-gram matches per order (orders 1..4).
        totals: Caption n-grams per order.
        hyp_len: Total caption length in words.
        ref_len: Total closest-reference length in words.
        brevity_penalty: The brevity penalty.
    """

    bleu: dict[int, float]
    matches: tuple[int, ...]
    totals: tuple[int, ...]
    hyp_len: int
    ref_len: int
    brevity_penalty: float

    def __getitem__(self, n: int) -> float:
        return self.bleu[n]


def strip_specials(tokens: Sequence[str]) -> list[str]:
    """Drop ``<s>``, ``<eos>`` and ``<pad>`` from a token list."""
    return [t for t in tokens if t not in SPECIAL_TOKENS]


def _ngrams(tokens: Sequence[str], max_order: int) -> Counter:
    counts: Counter = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i : i + n])] += 1
    return counts


def _closest_length(hyp_len: int, ref_lens: Sequence[int]) -> int:
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def corpus_bleu(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
) -> BleuScore:
    """Score tokenised captions against all the references of their images.

    Args:
        hypotheses: One token list per image (may be empty).
        references: For each image, a non-empty list of reference token lists.

    Returns:
        A :class:`BleuScore` holding BLEU-1..4.

    Raises:
        Dl2labError: If the two lists differ in length or an image has no
            reference.
    """
    if len(hypotheses) != len(references):
        raise Dl2labError(
            f"`references` must hold one list per caption: got {len(hypotheses)} "
            f"captions and {len(references)} reference lists"
        )
    matches = [0] * MAX_ORDER
    totals = [0] * MAX_ORDER
    hyp_len = ref_len = 0
    for i, (hyp, refs) in enumerate(zip(hypotheses, references, strict=True)):
        if isinstance(refs, str) or not refs:
            raise Dl2labError(
                f"`references[{i}]` must be a non-empty list of token lists; "
                f"got {refs!r}"
            )
        hyp = strip_specials(hyp)
        refs = [strip_specials(r) for r in refs]
        best: Counter = Counter()
        for ref in refs:
            best |= _ngrams(ref, MAX_ORDER)  # element-wise max of counts
        for gram, count in _ngrams(hyp, MAX_ORDER).items():
            order = len(gram) - 1
            totals[order] += count
            matches[order] += min(count, best[gram])
        hyp_len += len(hyp)
        ref_len += _closest_length(len(hyp), [len(r) for r in refs])

    if hyp_len == 0:
        penalty = 0.0
    elif hyp_len < ref_len:
        penalty = math.exp(1 - ref_len / hyp_len)
    else:
        penalty = 1.0
    bleu = {n: _bleu_n(matches, totals, penalty, n) for n in range(1, MAX_ORDER + 1)}
    return BleuScore(bleu, tuple(matches), tuple(totals), hyp_len, ref_len, penalty)


def _bleu_n(matches, totals, penalty: float, n: int) -> float:
    log_sum, orders = 0.0, 0
    for k in range(n):
        if totals[k] == 0:
            break  # effective order: no caption holds (k+1)-grams
        if matches[k] == 0:
            return 0.0
        log_sum += math.log(matches[k] / totals[k])
        orders += 1
    if orders == 0:
        return 0.0
    return penalty * math.exp(log_sum / orders)
