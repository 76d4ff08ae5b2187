"""Two captioners without a decoder, to measure the trained model against.

- :func:`most_frequent_caption`: every image gets the training caption seen
  most often. On data whose captions are nearly all distinct (emoji names) it
  scores close to 0, which says how little can be won without the image.
- :func:`nearest_neighbour_captions`: an image gets the first reference of
  the training image whose features are closest by cosine similarity. It
  uses the same features as the model, so it shows what plain retrieval
  already achieves; a decoder that cannot beat it has learned little beyond
  memorising training captions.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

import numpy as np

from dl2lab.errors import Dl2labError


def most_frequent_caption(captions: Sequence[str]) -> str:
    """Return the most frequent caption (ties: the alphabetically first).

    Args:
        captions: All training captions, every reference of every image.

    Returns:
        The caption.

    Raises:
        Dl2labError: If ``captions`` is empty.
    """
    counts = collections.Counter(captions)
    if not counts:
        raise Dl2labError("`captions` must hold at least one caption; got none")
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def _unit_rows(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features, dtype="float32")
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.maximum(norms, 1e-12)


def nearest_neighbours(
    train_features: np.ndarray, features: np.ndarray, batch_size: int = 1024
) -> np.ndarray:
    """Index of the most cosine-similar training row for each row of features.

    Args:
        train_features: float (m, d).
        features: float (n, d), the same kind of features.
        batch_size: Rows compared at once (bounds memory to batch x m).

    Returns:
        int (n,) indices into ``train_features`` (ties: the lowest index).

    Raises:
        Dl2labError: If the shapes do not fit.
    """
    train_features = np.asarray(train_features)
    features = np.asarray(features)
    if train_features.ndim != 2 or len(train_features) == 0:
        raise Dl2labError(
            f"`train_features` must have shape (m, d) with m >= 1; got "
            f"{train_features.shape}"
        )
    if features.ndim != 2 or features.shape[1] != train_features.shape[1]:
        raise Dl2labError(
            f"`features` must have shape (n, {train_features.shape[1]}); got "
            f"{features.shape}"
        )
    train = _unit_rows(train_features)
    query = _unit_rows(features)
    out = np.empty(len(query), dtype="int64")
    for begin in range(0, len(query), batch_size):
        similarity = query[begin : begin + batch_size] @ train.T  # (batch, m)
        out[begin : begin + batch_size] = np.argmax(similarity, axis=1)
    return out


def nearest_neighbour_captions(
    train_features: np.ndarray,
    train_captions: Sequence[str],
    features: np.ndarray,
) -> list[str]:
    """Caption each image with the caption of its nearest training image.

    Args:
        train_features: float (m, d) features of the training images.
        train_captions: One caption per training image (its first reference).
        features: float (n, d) features of the images to caption.

    Returns:
        n captions.

    Raises:
        Dl2labError: If ``train_captions`` does not match ``train_features``.
    """
    if len(train_captions) != len(train_features):
        raise Dl2labError(
            f"`train_captions` must hold one caption per training image: got "
            f"{len(train_captions)} captions for {len(train_features)} images"
        )
    return [train_captions[i] for i in nearest_neighbours(train_features, features)]
