"""Captioned images for the captioner: the ``--data`` choices and their features.

``--data`` names a table of captioned images (columns ``image``,
``references``, ``split``; see ``dl2lab.datasets``):

==========================  ================================================
``emoji``                   emoji drawings, test emoji never seen in training
``emoji:concept``           the same
``emoji:style``             test drawings by a design team never seen in
                            training (the emoji themselves were)
``clipart``                 openclipart drawings with their titles
``flickr8k:DIR``            Flickr8k from a local folder (captions file and
                            image folder inside DIR)
``coco:JSON,IMAGE_DIR``     a COCO captions file and its image folder
==========================  ================================================
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

DATA_CHOICES = (
    "emoji",
    "emoji:concept",
    "emoji:style",
    "clipart",
    "flickr8k:DIR",
    "coco:JSON,IMAGE_DIR",
)
_FLICKR_TOKENS = ("Flickr8k.token.txt", "captions.txt")
_FLICKR_IMAGES = ("Flicker8k_Dataset", "Flickr8k_Dataset", "Images", "images")


def load_data(spec: str) -> pd.DataFrame:
    """Load the captioned images that ``spec`` names.

    Args:
        spec: One of :data:`DATA_CHOICES` (DIR, JSON, IMAGE_DIR filled in).

    Returns:
        A DataFrame with at least ``image``, ``references`` and ``split``.

    Raises:
        Dl2labError: If ``spec`` is not understood or its files are missing.
    """
    from dl2lab.datasets import registry

    kind, _, rest = str(spec).partition(":")
    if kind == "emoji" and rest in ("", "concept", "style"):
        return registry.load("emoji", split=rest or "concept")
    if kind == "clipart" and not rest:
        return registry.load("clipart")
    if kind == "flickr8k" and rest:
        return _flickr8k(Path(rest))
    if kind == "coco" and rest.count(",") == 1:
        json_path, image_dir = rest.split(",")
        captions = _captions_module(spec)
        return captions.load_coco(json_path, image_dir)
    raise Dl2labError(
        f"`--data` must be one of {', '.join(DATA_CHOICES)}; got {spec!r}"
    )


def _captions_module(spec: str):
    try:
        from dl2lab.datasets import captions
    except ModuleNotFoundError:
        raise Dl2labError(
            f"`--data {spec}`: this installation has no Flickr8k/COCO reader "
            "(dl2lab.datasets.captions)"
        ) from None
    return captions


def _flickr8k(folder: Path) -> pd.DataFrame:
    if not folder.is_dir():
        raise Dl2labError(
            f"`--data flickr8k:DIR`: {str(folder)!r} is not a folder; expected the "
            f"Flickr8k folder holding {_FLICKR_TOKENS[0]} and the images"
        )
    tokens = next((folder / n for n in _FLICKR_TOKENS if (folder / n).is_file()), None)
    images = next((folder / n for n in _FLICKR_IMAGES if (folder / n).is_dir()), None)
    if tokens is None or images is None:
        raise Dl2labError(
            f"`--data flickr8k:DIR`: {str(folder)!r} must hold a captions file "
            f"({' or '.join(_FLICKR_TOKENS)}) and an image folder "
            f"({' or '.join(_FLICKR_IMAGES)})"
        )
    return _captions_module(f"flickr8k:{folder}").load_flickr8k(tokens, images)


def subsample(
    table: pd.DataFrame, max_images: int | None, seed: int = 0
) -> pd.DataFrame:
    """Keep at most ``max_images`` rows, the same share of every split.

    Splits are already assigned, so a sample never moves an image (or its
    group) to another split; the same seed gives the same sample.

    Args:
        table: From :func:`load_data`.
        max_images: Most rows to keep; None keeps all.
        seed: Seed of the sample.

    Returns:
        The sampled rows in their original order.

    Raises:
        Dl2labError: If ``max_images`` is not a positive integer.
    """
    if max_images is None or max_images >= len(table):
        return table
    if not isinstance(max_images, int) or max_images < 1:
        raise Dl2labError(
            f"`max_images` must be a positive integer; got {max_images!r}"
        )
    fraction = max_images / len(table)
    rng = np.random.default_rng(seed)
    keep = []
    for _, part in table.groupby("split", sort=True):
        n = max(1, int(round(fraction * len(part))))
        keep.extend(rng.choice(part.index.to_numpy(), size=n, replace=False))
    return table.loc[sorted(keep)].reset_index(drop=True)


@dataclass
class SplitData:
    """One split's images with their features.

    Attributes:
        images: Image paths, one per row.
        references: The reference captions of each image.
        features: float32 (n, d).
    """

    images: list[str]
    references: list[list[str]]
    features: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def split_features(
    table: pd.DataFrame,
    backbone: str,
    weights: str | None = None,
    splits: tuple[str, ...] = ("train", "val", "test"),
    batch_size: int = 32,
) -> dict[str, SplitData]:
    """Compute (or read from the cache) the features of each split's images.

    Images that cannot be read are left out with a warning.

    Args:
        table: From :func:`load_data`.
        backbone: Backbone name (``dl2lab.vision.backbones``).
        weights: Local weights file for the backbone, if any.
        splits: Which splits to return.
        batch_size: Images per forward pass.

    Returns:
        ``{split: SplitData}``.

    Raises:
        Dl2labError: If a split has no readable image.
    """
    from dl2lab.vision.features import extract_features

    wanted = table[table["split"].isin(splits)].reset_index(drop=True)
    paths = [str(Path(p).resolve()) for p in wanted["image"]]
    result = extract_features(
        paths, backbone=backbone, weights=weights, batch_size=batch_size,
        on_error="skip",
    )  # fmt: skip
    for path, reason in result.skipped:
        log.warning("left out unreadable image %s: %s", path, reason)
    row_of = {path: i for i, path in enumerate(result.paths)}
    out = {}
    for split in splits:
        part = wanted[wanted["split"] == split]
        keep = [
            (path, list(refs))
            for path, refs in zip(
                (str(Path(p).resolve()) for p in part["image"]),
                part["references"],
                strict=True,
            )
            if path in row_of and len(refs)
        ]
        if not keep:
            raise Dl2labError(
                f"split {split!r} has no readable image with a caption; got "
                f"{len(part)} rows"
            )
        rows = [row_of[path] for path, _ in keep]
        out[split] = SplitData(
            [p for p, _ in keep],
            [refs for _, refs in keep],
            np.asarray(result.features[rows], dtype="float32"),
        )
    return out
