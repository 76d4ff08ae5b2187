"""Captioned photos that users bring: Flickr8k and COCO captions.

Neither set can be downloaded by dl2lab (they are not in a package
registry), so these loaders read the files a user already has and return the
same table as the built-in sets: one row per image, its captions as
``references`` (normalised like every other caption in dl2lab,
:func:`dl2lab.datasets.emoji.normalise_caption`), and a split.

- Flickr8k: ``Flickr8k.token.txt``, lines ``IMAGE.jpg#K<TAB>caption``. When
  the official split lists (``Flickr_8k.trainImages.txt``,
  ``Flickr_8k.devImages.txt``, ``Flickr_8k.testImages.txt``) sit beside the
  token file they give the split (dev is ``val``); otherwise images are split
  80/10/10 by a fixed seed.
- COCO: a captions JSON (``captions_train2017.json`` ...), with ``images``
  (``id``, ``file_name``) and ``annotations`` (``image_id``, ``caption``).
  ``split`` names the split of the whole file, or None for 80/10/10 by seed.

Captions of images missing from ``image_dir`` are dropped and counted
(``on_missing="skip"``, the default, logs how many) or raise
(``on_missing="fail"``).
"""

from __future__ import annotations

import collections
import json
import logging
import os
from pathlib import Path

import pandas as pd

from dl2lab.datasets.emoji import assign_groups, normalise_caption
from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

FLICKR_SPLITS = {
    "train": "Flickr_8k.trainImages.txt",
    "val": "Flickr_8k.devImages.txt",
    "test": "Flickr_8k.testImages.txt",
}
SPLITS = ("train", "val", "test")
COLUMNS = [
    "image",
    "references",
    "split",
    "group",
    "style",
    "source_package",
    "source_version",
    "source_file",
]


def load_flickr8k(
    token_file: str | os.PathLike,
    image_dir: str | os.PathLike,
    seed: int = 0,
    on_missing: str = "skip",
) -> pd.DataFrame:
    """Read Flickr8k's captions and pair them with the image files.

    Args:
        token_file: ``Flickr8k.token.txt``.
        image_dir: Folder of the ``.jpg`` files.
        seed: Seed of the 80/10/10 split when no official lists are found.
        on_missing: ``"skip"`` or ``"fail"`` for captions of missing images.

    Returns:
        One row per image, columns as the built-in caption sets.

    Raises:
        Dl2labError: If a file is missing or a line is malformed.
    """
    token_file, image_dir = _check_paths(token_file, image_dir, on_missing)
    captions: dict[str, list[str]] = collections.defaultdict(list)
    try:
        lines = token_file.read_bytes().decode("utf-8-sig").split("\n")
    except UnicodeDecodeError as exc:
        raise Dl2labError(f"{token_file} is not UTF-8 text: {exc}") from None
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        name, tab, caption = line.partition("\t")
        image, hash_mark, index = name.rpartition("#")
        if not tab or not hash_mark or not image or not index.strip().isdigit():
            raise Dl2labError(
                f"{token_file}:{number}: expected 'IMAGE.jpg#K<TAB>caption'; "
                f"got {line[:60]!r}"
            )
        text = normalise_caption(caption)
        if text:
            captions[image.strip()].append(text)

    official = _flickr_split_lists(token_file.parent)
    rows = _rows(captions, image_dir, on_missing, token_file, "flickr8k")
    if official:
        table = pd.DataFrame(rows, columns=COLUMNS)
        names = table["group"]
        table["split"] = [official.get(n, "unlisted") for n in names]
        unlisted = int((table["split"] == "unlisted").sum())
        if unlisted:
            log.warning("%d Flickr8k images are in no split list; dropped", unlisted)
            table = table[table["split"] != "unlisted"]
        return table.reset_index(drop=True)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["split"] = assign_groups(table["group"], seed) if len(table) else []
    return table


def load_coco(
    json_path: str | os.PathLike,
    image_dir: str | os.PathLike,
    split: str | None = None,
    seed: int = 0,
    on_missing: str = "skip",
) -> pd.DataFrame:
    """Read a COCO captions JSON and pair its captions with the image files.

    Args:
        json_path: ``captions_*.json``.
        image_dir: Folder of the images it lists (``file_name``).
        split: The split of every image in the file, or None for 80/10/10.
        seed: Seed of the split when ``split`` is None.
        on_missing: ``"skip"`` or ``"fail"`` for captions of missing images.

    Returns:
        One row per image, columns as the built-in caption sets.

    Raises:
        Dl2labError: If a file is missing or the JSON lacks the COCO fields.
    """
    json_path, image_dir = _check_paths(json_path, image_dir, on_missing)
    if split is not None and split not in SPLITS:
        raise Dl2labError(f"`split` must be train, val, test or None; got {split!r}")
    try:
        with _open_text(json_path) as handle:
            data = json.load(handle)
        names = {int(i["id"]): str(i["file_name"]) for i in data["images"]}
        captions: dict[str, list[str]] = collections.defaultdict(list)
        for note in data["annotations"]:
            image_id = int(note["image_id"])
            if image_id not in names:
                raise Dl2labError(
                    f"{json_path}: annotation {note.get('id')!r} refers to image "
                    f"id {image_id}, which is not in 'images'"
                )
            text = normalise_caption(note["caption"])
            if text:
                captions[names[image_id]].append(text)
    except ValueError as exc:
        if isinstance(exc, Dl2labError):
            raise
        raise Dl2labError(f"{json_path} is not valid JSON: {exc}") from None
    except (KeyError, TypeError) as exc:
        raise Dl2labError(
            f"{json_path} is not a COCO captions file: missing or bad field {exc}; "
            "expected 'images' [{id, file_name}] and 'annotations' "
            "[{image_id, caption}]"
        ) from None
    rows = _rows(captions, image_dir, on_missing, json_path, "coco")
    table = pd.DataFrame(rows, columns=COLUMNS)
    if split is not None:
        table["split"] = split
    else:
        table["split"] = assign_groups(table["group"], seed) if len(table) else []
    return table


def _check_paths(text_file, image_dir, on_missing) -> tuple[Path, Path]:
    if on_missing not in ("skip", "fail"):
        raise Dl2labError(f"`on_missing` must be 'skip' or 'fail'; got {on_missing!r}")
    text_file, image_dir = Path(text_file), Path(image_dir)
    if not text_file.is_file():
        raise Dl2labError(f"captions file {str(text_file)!r} does not exist")
    if not image_dir.is_dir():
        raise Dl2labError(f"image folder {str(image_dir)!r} does not exist")
    return text_file, image_dir


def _open_text(path: Path):
    # utf-8-sig: some copies of these files start with a byte-order mark.
    return path.open(encoding="utf-8-sig", errors="strict")


def _flickr_split_lists(folder: Path) -> dict[str, str]:
    split_of: dict[str, str] = {}
    for split, name in FLICKR_SPLITS.items():
        path = folder / name
        if not path.is_file():
            return {}
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                split_of[line.strip()] = split
    return split_of


def _rows(captions, image_dir: Path, on_missing: str, source: Path, kind: str):
    rows, missing = [], []
    for name in sorted(captions):
        path = image_dir / name
        if not path.is_file():
            missing.append(name)
            continue
        rows.append(
            {
                "image": str(path.resolve()),
                "references": captions[name],
                "split": "",
                "group": name,
                "style": kind,
                "source_package": kind,
                "source_version": "",
                "source_file": str(source.resolve()),
            }
        )
    if missing and on_missing == "fail":
        raise Dl2labError(
            f"{len(missing)} images of {source} are not in {str(image_dir)!r}, "
            f"e.g. {missing[0]!r}"
        )
    if missing:
        log.warning(
            "%d images of %s are missing from %s (e.g. %s); their captions are dropped",
            len(missing),
            source,
            image_dir,
            missing[0],
        )
    return rows
