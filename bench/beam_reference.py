"""A plain beam search, one hypothesis at a time, against the batched one.

The reference below follows the textbook description: for every image, for
every hypothesis, run the whole model on that hypothesis's prefix, list its
continuations, sort all candidates, keep the best ``beam_size``. It applies
the same rules as :func:`dl2lab.caption.decode.beam_search` (length
normalisation, finished hypotheses kept in the beam, ``<unk>``, ``<pad>`` and
``<s>`` blocked, optional n-gram blocking), written independently, so the two
must return identical captions. This script checks that and prints the speed
ratio at beam 5 on 100 images.

    .venv/bin/python bench/beam_reference.py MODEL_DIR [--images 100]

MODEL_DIR is a folder written by ``dl2lab caption train``; the test images
of its data are used. Without MODEL_DIR a randomly initialised exam-sized
decoder (1280-d features, 1000 words) is used on random features.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from dl2lab.caption.decode import DEFAULT_LENGTH_PENALTY, beam_search
from dl2lab.caption.model import build_captioner, describe
from dl2lab.caption.vocab import EOS_ID, PAD_ID, START_ID, UNK_ID


@dataclass
class Hypothesis:
    tokens: list[int]
    log_prob: float
    length: int
    finished: bool


def reference_beam_search(
    model,
    features: np.ndarray,
    beam_size: int,
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
    allow_unk: bool = False,
    no_repeat_ngram_size: int = 0,
) -> list[tuple[int, ...]]:
    """Beam search one image and one hypothesis at a time (slow, obvious)."""
    settings = describe(model)
    max_len, V = settings["max_len"], settings["vocab_size"]
    out = []
    for row in np.asarray(features, dtype="float32"):
        beam = [Hypothesis([], 0.0, 0, False)]
        for t in range(max_len - 1):
            candidates = []  # (score, tie-break order, hypothesis)
            for rank, hyp in enumerate(beam):
                if hyp.finished:
                    score = hyp.log_prob / max(hyp.length, 1) ** length_penalty
                    candidates.append((score, rank * V + PAD_ID, hyp))
                    continue
                prefix = np.zeros((1, max_len), dtype="int32")
                prefix[0, : t + 1] = [START_ID, *hyp.tokens]
                probs = model.predict_on_batch(
                    {"features": row[None], "token_ids": prefix}
                )
                with np.errstate(divide="ignore"):
                    log_probs = np.log(np.asarray(probs)[0, t])
                banned = {PAD_ID, START_ID} | (set() if allow_unk else {UNK_ID})
                k = no_repeat_ngram_size
                if k >= 1 and len(hyp.tokens) >= k:
                    tail = tuple(hyp.tokens[len(hyp.tokens) - k + 1 :])
                    for i in range(len(hyp.tokens) - k + 1):
                        if tuple(hyp.tokens[i : i + k - 1]) == tail:
                            banned.add(hyp.tokens[i + k - 1])
                allowed = [
                    v for v in range(V) if v not in banned and log_probs[v] > -np.inf
                ]
                if not allowed:
                    allowed = [EOS_ID]
                for v in allowed:
                    log_prob = hyp.log_prob + float(log_probs[v])
                    score = log_prob / (t + 1) ** length_penalty
                    new = Hypothesis([*hyp.tokens, v], log_prob, t + 1, v == EOS_ID)
                    candidates.append((score, rank * V + v, new))
            candidates.sort(key=lambda c: (-c[0], c[1]))
            beam = [hyp for _, _, hyp in candidates[:beam_size]]
            if all(hyp.finished for hyp in beam):
                break
        finished = [hyp for hyp in beam if hyp.finished]
        best = finished[0] if finished else beam[0]
        out.append(tuple(v for v in best.tokens if v not in (EOS_ID, PAD_ID)))
    return out


def compare(
    model, features, beam_size: int = 5, length_penalty: float = DEFAULT_LENGTH_PENALTY
) -> dict:
    """Time both searches on the same features; check identical captions."""
    # Compile both paths outside the timings.
    beam_search(model, features, beam_size, length_penalty)
    reference_beam_search(model, features[:1], beam_size, length_penalty)
    start = time.perf_counter()
    batched = [
        c.token_ids for c in beam_search(model, features, beam_size, length_penalty)
    ]
    batched_seconds = time.perf_counter() - start
    start = time.perf_counter()
    reference = reference_beam_search(model, features, beam_size, length_penalty)
    reference_seconds = time.perf_counter() - start
    same = sum(a == b for a, b in zip(batched, reference, strict=True))
    return {
        "images": len(features),
        "beam_size": beam_size,
        "length_penalty": length_penalty,
        "identical": same,
        "batched_seconds": batched_seconds,
        "reference_seconds": reference_seconds,
        "speedup": reference_seconds / batched_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", nargs="?")
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()
    if args.model_dir:
        from dl2lab.caption.data import load_data, split_features, subsample
        from dl2lab.caption.store import load_captioner

        captioner = load_captioner(args.model_dir)
        config = captioner.config
        table = subsample(
            load_data(config["data"]),
            config.get("max_images"),
            config["train"]["seed"],
        )
        test = split_features(
            table, config["backbone"], config.get("weights"), ("test",)
        )
        model, features = captioner.model, test["test"].features[: args.images]
    else:
        model = build_captioner(1280)
        rng = np.random.default_rng(0)
        features = rng.normal(size=(args.images, 1280)).astype("float32")
    result = compare(model, features, args.beam_size)
    print(
        f"beam {result['beam_size']} on {result['images']} images: batched "
        f"{result['batched_seconds']:.2f} s, per-hypothesis reference "
        f"{result['reference_seconds']:.1f} s, speed-up {result['speedup']:.1f}x; "
        f"identical captions {result['identical']}/{result['images']}"
    )


if __name__ == "__main__":
    main()
