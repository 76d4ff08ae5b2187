"""Teacher forcing: shifted caption arrays and the padding-masked loss.

During training the decoder reads the caption shifted right by one, starting
with ``<s>``, and must predict the next word at every position::

    encoded   <s>  a    red  apple <eos> <pad> ...
    input     <s>  a    red  apple <pad> <pad> ...
    target    a    red  apple <eos> <pad> <pad> ...

Positions whose target is ``<pad>`` (id 0) count neither in the loss nor in
the accuracy, so short captions are not rewarded for predicting padding.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from dl2lab.caption.vocab import EOS_ID, PAD_ID, START_ID, UNK_ID
from dl2lab.errors import Dl2labError

SPECIAL_IDS = (PAD_ID, UNK_ID, START_ID, EOS_ID)


def teacher_forcing(token_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split encoded captions into decoder inputs and next-word targets.

    Args:
        token_ids: int array (n, max_len), each row ``<s> w1 .. wn <eos>``
            followed by padding (``CaptionVocabulary.encode_batch``).

    Returns:
        ``(inputs, targets)``, both int32 (n, max_len): ``inputs`` is
        ``<s> w1 .. wn`` and ``targets`` is ``w1 .. wn <eos>``, each padded
        with 0. The last position's target is always padding, because
        ``<s>`` and ``<eos>`` both count in ``max_len`` (as in the exam).

    Raises:
        Dl2labError: If a row does not start with ``<s>`` or has no ``<eos>``.
    """
    token_ids = np.asarray(token_ids)
    if token_ids.ndim != 2 or token_ids.shape[1] < 2:
        raise Dl2labError(
            f"`token_ids` must have shape (n, max_len) with max_len >= 2; "
            f"got shape {token_ids.shape}"
        )
    if len(token_ids) and not np.all(token_ids[:, 0] == START_ID):
        row = int(np.argmax(token_ids[:, 0] != START_ID))
        raise Dl2labError(
            f"`token_ids` row {row} must start with <s> (id {START_ID}); "
            f"got {token_ids[row, :5].tolist()}..."
        )
    has_eos = (token_ids == EOS_ID).any(axis=1)
    if not np.all(has_eos):
        row = int(np.argmin(has_eos))
        raise Dl2labError(
            f"`token_ids` row {row} has no <eos> (id {EOS_ID}); got "
            f"{token_ids[row].tolist()}"
        )
    inputs = np.where(token_ids == EOS_ID, PAD_ID, token_ids).astype("int32")
    targets = np.zeros_like(inputs)
    targets[:, :-1] = token_ids[:, 1:]
    return inputs, targets


@keras.saving.register_keras_serializable(package="dl2lab")
def masked_loss(targets, probs):
    """Mean cross-entropy over the positions whose target is not padding.

    Args:
        targets: int (n, max_len) next-word ids, 0 for padding.
        probs: float (n, max_len, vocab_size) softmax outputs.

    Returns:
        A scalar: the summed cross-entropy of the real words divided by their
        number (0 when the batch holds only padding).
    """
    targets = ops.cast(targets, "int32")
    mask = ops.cast(ops.not_equal(targets, PAD_ID), probs.dtype)
    losses = keras.losses.sparse_categorical_crossentropy(targets, probs)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="dl2lab")
def masked_accuracy(targets, probs):
    """Share of non-padding positions whose most probable word is the target.

    Args:
        targets: int (n, max_len) next-word ids, 0 for padding.
        probs: float (n, max_len, vocab_size) softmax outputs.

    Returns:
        A scalar in [0, 1].
    """
    targets = ops.cast(targets, "int32")
    mask = ops.cast(ops.not_equal(targets, PAD_ID), "float32")
    hits = ops.cast(
        ops.equal(ops.cast(ops.argmax(probs, axis=-1), "int32"), targets), "float32"
    )
    return ops.sum(hits * mask) / ops.maximum(ops.sum(mask), 1.0)


def token_accuracy(targets: np.ndarray, probs: np.ndarray) -> tuple[float, int]:
    """Exact masked accuracy over a whole set, computed in numpy.

    Args:
        targets: int (n, max_len) next-word ids, 0 for padding.
        probs: float (n, max_len, vocab_size) predictions.

    Returns:
        ``(accuracy, n_tokens)``: the share of non-padding positions predicted
        right, and how many positions counted.
    """
    mask = np.asarray(targets) != PAD_ID
    hits = (np.argmax(probs, axis=-1) == targets) & mask
    n_tokens = int(mask.sum())
    return (float(hits.sum()) / n_tokens if n_tokens else 0.0), n_tokens
