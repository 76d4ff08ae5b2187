"""Where dl2lab keeps fetched packages, built datasets and feature caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return the cache root: ``$DL2LAB_CACHE`` or ``~/.cache/dl2lab``.

    The folder is created if missing.
    """
    root = os.environ.get("DL2LAB_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "dl2lab"
    )
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path
