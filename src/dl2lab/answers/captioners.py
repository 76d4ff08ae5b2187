"""Captioners trained on real drawings, shared by the Exercise 4.3 checks.

The experiments train the exam's decoder on the emoji ``concept`` split
(EfficientNet-Lite0 ImageNet features, test emoji never seen in training)
once per run, through ``Context.cached``, and decode it. The numpy SimpleRNN
helpers give gradients by hand for the vanishing-gradient check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl2lab.answers.core import Context
from dl2lab.answers.exercise42 import EXAM_MAX_LEN, EXAM_VOCAB_SIZE

# ---------------------------------------------------------------------------
# 4.3: training and decoding


def simple_rnn_states(kernel, recurrent, bias, inputs) -> np.ndarray:
    """Run a SimpleRNN (tanh) in numpy: ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Args:
        kernel: W, (input_dim, units).
        recurrent: U, (units, units).
        bias: b, (units,).
        inputs: x, (n, T, input_dim).

    Returns:
        The states, (n, T, units), starting from ``h_0 = 0``.
    """
    n, steps, _ = inputs.shape
    h = np.zeros((n, recurrent.shape[0]))
    states = []
    for t in range(steps):
        h = np.tanh(inputs[:, t] @ kernel + h @ recurrent + bias)
        states.append(h)
    return np.stack(states, axis=1)


def first_input_gradient_norms(kernel, recurrent, bias, inputs) -> np.ndarray:
    """Norm of ``d h_T / d x_1`` for every sequence length T, by back-propagation.

    For a sequence of the first T inputs, the Jacobian of the last state with
    respect to the first input is ``D_T U' D_{T-1} U' ... D_1 W'`` with
    ``D_t = diag(1 - h_t^2)``; it is built for T = 1, 2, ... in one pass.

    Args:
        kernel, recurrent, bias: The SimpleRNN's W, U and b.
        inputs: (n, T, input_dim) input sequences.

    Returns:
        (n, T) Frobenius norms, column T-1 for sequences of length T.
    """
    states = simple_rnn_states(kernel, recurrent, bias, inputs)  # (n, T, units)
    slopes = 1.0 - states**2
    jacobian = slopes[:, 0, :, None] * kernel.T[None]  # (n, units, input_dim)
    norms = [np.linalg.norm(jacobian, axis=(1, 2))]
    for t in range(1, inputs.shape[1]):
        # (units, units) @ (n, units, input_dim), broadcast over n (BLAS).
        jacobian = slopes[:, t, :, None] * (recurrent.T @ jacobian)
        norms.append(np.linalg.norm(jacobian, axis=(1, 2)))
    return np.stack(norms, axis=1)


# ---------------------------------------------------------------------------
# The trained captioners shared by the 4.3 experiments

# Drawings per split of the emoji ``concept`` split (test emoji never seen in
# training): quick mode for the tests, full size for the report.
QUICK_SIZES = {"train": 400, "val": 100, "test": 400}
FULL_SIZES = {"train": 2000, "val": 250, "test": 400}
BACKBONE = "efficientnet-lite0"


@dataclass
class CaptionData:
    """Emoji drawings with features and encoded captions.

    Attributes:
        splits: ``{split: SplitData}`` for train, val and test.
        vocab: The ``CaptionVocabulary`` of the training captions.
        pairs: ``{split: (features (m, d), token_ids (m, 20))}``, one row per
            (drawing, reference) pair.
    """

    splits: dict
    vocab: object
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]


def caption_data(ctx: Context) -> CaptionData:
    """Return the emoji captioning data of this run, built once.

    A seeded sample of each split of ``load("emoji", split="concept")``
    (:data:`QUICK_SIZES` or :data:`FULL_SIZES` drawings), EfficientNet-Lite0
    features from the feature cache, and a vocabulary of the training
    captions.
    """
    return ctx.cached("caption_data", lambda: _build_caption_data(ctx))


def _build_caption_data(ctx: Context) -> CaptionData:
    import pandas as pd

    from dl2lab.caption.data import split_features
    from dl2lab.caption.train import caption_pairs
    from dl2lab.caption.vocab import CaptionVocabulary
    from dl2lab.datasets.registry import load

    table = load("emoji", split="concept")
    sizes = QUICK_SIZES if ctx.quick else FULL_SIZES
    parts = []
    for split, size in sizes.items():
        rows = table[table["split"] == split]
        parts.append(rows.sample(min(size, len(rows)), random_state=ctx.seed))
    sample = pd.concat(parts, ignore_index=True)
    splits = split_features(sample, BACKBONE, splits=tuple(sizes))
    train_captions = caption_pairs(
        splits["train"].features, splits["train"].references
    )[1]
    vocab = CaptionVocabulary.build(train_captions, size=EXAM_VOCAB_SIZE)
    pairs = {}
    for split, data in splits.items():
        features, captions = caption_pairs(data.features, data.references)
        pairs[split] = (features, vocab.encode_batch(captions, EXAM_MAX_LEN))
    return CaptionData(splits, vocab, pairs)


def train_config(ctx: Context, cell: str = "simple"):
    """The one training budget of every captioner here: fixed epochs.

    Patience equals the number of epochs, so no run stops early and every
    loss curve has the same length; the weights of the epoch with the lowest
    validation loss are kept.

    Args:
        ctx: The run's context (quick mode trains 12 epochs, else 20).
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.

    Returns:
        A ``dl2lab.caption.train.TrainConfig``.
    """
    from dl2lab.caption.train import TrainConfig

    epochs = 12 if ctx.quick else 20
    return TrainConfig(
        cell=cell, epochs=epochs, patience=epochs, seed=ctx.seed, batch_size=32
    )


def trained(ctx: Context, name: str):
    """Return the ``TrainResult`` of captioner ``name``, trained once per run.

    Args:
        ctx: The run's context; the result is kept in its cache.
        name: ``"simple"``, ``"lstm"`` or ``"blind"``.

    ``simple`` is the exam's decoder, ``lstm`` the same with an LSTM, and
    ``blind`` the exam's decoder trained with every feature set to zero: it
    never sees an image, so all it can learn is how captions go on. (Shuffled
    features would also carry no information, but a decoder can memorise
    random pairings of features and captions, which adds noise at test time.)
    """
    return ctx.cached(f"captioner:{name}", lambda: _train(ctx, name))


def _train(ctx: Context, name: str):
    from dl2lab.caption.train import fit_captioner

    data = caption_data(ctx)
    features, token_ids = data.pairs["train"]
    val_features, val_ids = data.pairs["val"]
    if name == "blind":
        features, val_features = np.zeros_like(features), np.zeros_like(val_features)
    config = train_config(ctx, cell="lstm" if name == "lstm" else "simple")
    return fit_captioner(
        features, token_ids, val_features, val_ids, config, len(data.vocab)
    )


def teacher_forced(model, features: np.ndarray, token_ids: np.ndarray):
    """Per-token cross-entropy and accuracy with the reference fed as input.

    Args:
        model: A captioner from ``build_captioner``.
        features: float (m, d), one row per caption.
        token_ids: int (m, 20) encoded captions (``<s>`` ... ``<eos>``).

    Returns:
        ``(loss, accuracy, probs)``: mean cross-entropy (nats per word) over
        the non-padding targets, the share of them predicted right, and the
        probs (m, 20, vocab).
    """
    from dl2lab.caption.teacher import PAD_ID, teacher_forcing, token_accuracy

    inputs, targets = teacher_forcing(token_ids)
    probs = np.asarray(
        model.predict(
            {"features": features, "token_ids": inputs}, batch_size=256, verbose=0
        ),
        dtype="float64",
    )
    mask = targets != PAD_ID
    picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    loss = float(-np.log(np.maximum(picked[mask], 1e-12)).mean())
    accuracy, _ = token_accuracy(targets, probs)
    return loss, accuracy, probs


def unigram_loss(
    train_ids: np.ndarray, token_ids: np.ndarray, vocab_size: int
) -> float:
    """Cross-entropy of the next words under the training word frequencies.

    The baseline that knows no order and no image: every position predicts
    the training distribution of target words (``<eos>`` included), with
    add-one smoothing so unseen words get a finite loss.

    Args:
        train_ids: int (n, max_len) encoded training captions.
        token_ids: int (m, max_len) encoded captions to score.
        vocab_size: Number of ids.

    Returns:
        Mean cross-entropy in nats per word of ``token_ids``' targets.
    """
    from dl2lab.caption.teacher import PAD_ID, teacher_forcing

    _, train_targets = teacher_forcing(train_ids)
    counts = np.bincount(train_targets[train_targets != PAD_ID], minlength=vocab_size)
    probs = (counts + 1.0) / (counts.sum() + vocab_size)
    _, targets = teacher_forcing(token_ids)
    return float(-np.log(probs[targets[targets != PAD_ID]]).mean())
