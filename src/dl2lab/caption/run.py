"""The captioner end to end: data -> features -> training -> folder, and back.

These are the library forms of ``dl2lab caption train / evaluate / predict``;
the command line only parses arguments and prints what they return.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from dl2lab.caption.data import SplitData, load_data, split_features, subsample
from dl2lab.caption.decode import DEFAULT_LENGTH_PENALTY, beam_search, greedy_decode
from dl2lab.caption.evaluate import MethodResult, evaluate_methods, score
from dl2lab.caption.store import Captioner, load_captioner, save_captioner
from dl2lab.caption.train import TrainConfig, caption_pairs, fit_captioner
from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)


def train_on_splits(
    splits: dict[str, SplitData], config: TrainConfig
) -> tuple[object, object, object, dict]:
    """Build the vocabulary and train on the train split, validating on val.

    Args:
        splits: ``train`` and ``val`` :class:`SplitData`.
        config: Hyper-parameters.

    Returns:
        ``(model, vocab, train_result, val_scores)`` where ``val_scores`` has
        the greedy BLEU-1..4 on the validation images.
    """
    from dl2lab.caption.vocab import CaptionVocabulary

    train, val = splits["train"], splits["val"]
    train_x, train_captions = caption_pairs(train.features, train.references)
    val_x, val_captions = caption_pairs(val.features, val.references)
    vocab = CaptionVocabulary.build(train_captions, size=config.vocab_size)
    result = fit_captioner(
        train_x,
        vocab.encode_batch(train_captions, config.max_len),
        val_x,
        vocab.encode_batch(val_captions, config.max_len),
        config,
        vocab_size=len(vocab),
    )
    greedy = greedy_decode(result.model, val.features)
    val_bleu = score(
        [vocab.decode(c.token_ids) for c in greedy], val.references, vocab.tokenize
    )
    return result.model, vocab, result, val_bleu


def train_captioner(
    data: str,
    out: str | os.PathLike,
    backbone: str = "efficientnet-lite0",
    weights: str | None = None,
    config: TrainConfig | None = None,
    max_images: int | None = None,
) -> dict:
    """Train on ``data`` and write the captioner folder ``out``.

    Args:
        data: A ``--data`` choice (:data:`dl2lab.caption.data.DATA_CHOICES`).
        out: Output folder (replaced atomically when training succeeds).
        backbone: Feature extractor name.
        weights: Local weights file of the backbone, if any.
        config: Hyper-parameters (defaults: :class:`TrainConfig`).
        max_images: Use a seeded sample of at most this many images, the
            same share of each split (None: all); evaluation reuses it.

    Returns:
        The metrics written to ``metrics.json`` (without the history).
    """
    config = config or TrainConfig()
    table = subsample(load_data(data), max_images, config.seed)
    splits = split_features(table, backbone, weights, ("train", "val"))
    model, vocab, result, val_bleu = train_on_splits(splits, config)
    metrics = {
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history["loss"]),
        "train_seconds": round(result.seconds, 2),
        "train_images": len(splits["train"]),
        "train_pairs": result.n_examples,
        "val_images": len(splits["val"]),
        "val_loss": result.history["val_loss"][result.best_epoch - 1],
        "val_masked_accuracy": result.history["val_masked_accuracy"][
            result.best_epoch - 1
        ],
        "val_bleu_greedy": {str(n): v for n, v in val_bleu.items()},
        "vocab_size": len(vocab),
    }
    settings = {
        "data": data,
        "backbone": backbone,
        "weights": str(Path(weights).resolve()) if weights else None,
        "feature_dim": int(splits["train"].features.shape[1]),
        "max_images": max_images,
        "train": config.to_dict(),
    }
    save_captioner(out, model, vocab, settings, metrics, result.history)
    return metrics


def evaluate_captioner(
    folder: str | os.PathLike,
    beam_sizes: tuple[int, ...] = (0, 3),
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
    split: str = "test",
) -> list[MethodResult]:
    """Score a captioner folder and both baselines on its data's test split.

    Args:
        folder: Written by :func:`train_captioner`.
        beam_sizes: 0 for greedy, others beam sizes.
        length_penalty: For beam search.
        split: Which split to score (``test`` or ``val``).

    Returns:
        The :class:`MethodResult` list of
        :func:`dl2lab.caption.evaluate.evaluate_methods`.
    """
    captioner = load_captioner(folder)
    config = captioner.config
    table = subsample(
        load_data(config["data"]),
        config.get("max_images"),
        config.get("train", {}).get("seed", 0),
    )
    splits = split_features(
        table, config["backbone"], config.get("weights"), ("train", split)
    )
    return evaluate_methods(
        captioner.model,
        captioner.vocab,
        splits["train"].features,
        splits["train"].references,
        splits[split].features,
        splits[split].references,
        beam_sizes=beam_sizes,
        length_penalty=length_penalty,
    )


def predict_images(
    captioner: Captioner | str | os.PathLike,
    images: list[str],
    beam_size: int = 3,
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
    no_repeat_ngram_size: int = 0,
    allow_unk: bool = False,
) -> list[dict]:
    """Caption image files with a trained captioner.

    Args:
        captioner: A loaded :class:`Captioner` or its folder.
        images: Image files (PNG, JPEG, SVG...).
        beam_size: 1 for greedy, more for beam search.
        length_penalty: For beam search.
        no_repeat_ngram_size: Block repeated n-grams (0: off).
        allow_unk: Whether ``<unk>`` may be emitted.

    Returns:
        One dict per image: ``image``, ``caption``, ``log_prob``, ``score``,
        ``finished``, ``beam_size``.

    Raises:
        Dl2labError: If an image cannot be read (the message names it).
    """
    from dl2lab.vision.features import extract_features

    if not isinstance(captioner, Captioner):
        captioner = load_captioner(captioner)
    if not images:
        raise Dl2labError("`IMAGE` must name at least one image file; got none")
    config = captioner.config
    result = extract_features(
        images, backbone=config["backbone"], weights=config.get("weights"),
        on_error="fail",
    )  # fmt: skip
    features = np.asarray(result.features, dtype="float32")
    if beam_size == 1:
        decoded = greedy_decode(
            captioner.model, features, allow_unk=allow_unk,
            no_repeat_ngram_size=no_repeat_ngram_size,
        )  # fmt: skip
    else:
        decoded = beam_search(
            captioner.model, features, beam_size, length_penalty=length_penalty,
            allow_unk=allow_unk, no_repeat_ngram_size=no_repeat_ngram_size,
        )  # fmt: skip
    return [
        {
            "image": str(image),
            "caption": captioner.vocab.decode(c.token_ids),
            "log_prob": round(c.log_prob, 4),
            "score": round(c.score, 4),
            "finished": c.finished,
            "beam_size": beam_size,
        }
        for image, c in zip(images, decoded, strict=True)
    ]
