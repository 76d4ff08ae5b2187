"""Built datasets in the cache: one folder each, complete or rebuilt.

A dataset is built into ``cache_dir()/datasets/NAME/`` through a temporary
sibling folder that is renamed into place (:func:`dl2lab.atomic.output_dir`),
and ``meta.json``, written last inside it, records the size of every data
file. A folder whose meta is missing or disagrees with its files is treated
as partial and built again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dl2lab.atomic import output_dir, write_text
from dl2lab.errors import Dl2labError
from dl2lab.paths import cache_dir

log = logging.getLogger(__name__)

META = "meta.json"
META_FORMAT = 1


def dataset_dir(name: str) -> Path:
    """Return the cache folder of built dataset ``name`` (it may not exist)."""
    return cache_dir() / "datasets" / name


def read_meta(name: str) -> dict[str, Any] | None:
    """Return the meta of a complete built dataset, or None.

    The dataset is complete when ``meta.json`` parses, has the current format
    and every data file it lists exists with the recorded size.
    """
    folder = dataset_dir(name)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if folder.exists():
            log.warning("built dataset %s is partial or corrupt; rebuilding", folder)
        return None
    if not isinstance(meta, dict) or meta.get("format") != META_FORMAT:
        return None
    for rel, size in meta.get("files", {}).items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != size:
            log.warning("%s is missing or changed; rebuilding %s", path, folder)
            return None
    return meta


def build(
    name: str, builder: Callable[[Path], dict[str, Any]], force: bool = False
) -> Path:
    """Build dataset ``name`` unless a complete build is cached.

    Args:
        name: Dataset name (the folder name).
        builder: Called with an empty temporary folder to fill; returns the
            meta to record (provenance, counts). The sizes of the files it
            wrote are added under ``"files"``.
        force: Build again even when a complete build exists.

    Returns:
        The dataset folder.
    """
    folder = dataset_dir(name)
    if not force and read_meta(name) is not None:
        log.debug("reusing built dataset %s", folder)
        return folder
    with output_dir(folder) as tmp:
        meta = dict(builder(tmp))
        meta["format"] = META_FORMAT
        meta["files"] = {
            str(p.relative_to(tmp)): p.stat().st_size
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        write_text(tmp / META, json.dumps(meta, indent=1, sort_keys=True))
    log.info("built dataset %s in %s", name, folder)
    return folder


def read_split(path: Path, split: str | None):
    """Read a built parquet table, keeping one split when ``split`` is given.

    Raises:
        Dl2labError: If ``split`` is not train, val, test or None.
    """
    import pandas as pd

    if split not in (None, "train", "val", "test"):
        raise Dl2labError(f"`split` must be train, val, test or None; got {split!r}")
    table = pd.read_parquet(path)
    if split is not None:
        table = table[table["split"] == split].reset_index(drop=True)
    return table


def split_count_lines(meta: dict, labels) -> list[str]:
    """Lines ``"train: politics 507, ..."`` from a meta's ``split/label`` counts."""
    lines = []
    for split in ("train", "val", "test"):
        parts = [f"{lab} {meta['counts'].get(f'{split}/{lab}', 0)}" for lab in labels]
        lines.append(f"{split}: " + ", ".join(parts))
    return lines
