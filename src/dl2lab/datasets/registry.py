"""Names of the datasets dl2lab can fetch, and where their code lives.

Each dataset is a module with two functions:

- ``fetch(from_dir: Path | None = None, force: bool = False) -> Path``: build
  the dataset into the cache (fetching packages as needed, or taking them
  from ``from_dir``) and return the folder it lives in. A second call reuses
  the cache; a corrupt or partial cache is rebuilt.
- ``load(**options) -> pandas.DataFrame``: read the built dataset (calling
  ``fetch`` first when the cache is empty).

Modules are imported only when their dataset is used, so that listing the
datasets costs nothing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pandas as pd

from dl2lab.errors import Dl2labError

# name -> (module, one-line description)
DATASETS: dict[str, tuple[str, str]] = {
    "topics": (
        "dl2lab.datasets.topics",
        "short real texts in 4 classes from Debian packages (fortunes, ...)",
    ),
    "tweets": ("dl2lab.datasets.tweets", "20,761 real tweets from r-cran-dslabs"),
    "tweets-gold": (
        "dl2lab.datasets.gold",
        "real tweets labelled by reading, with a fixed split",
    ),
    "emoji": (
        "dl2lab.datasets.emoji",
        "emoji drawings by several design teams with their names (npm)",
    ),
    "clipart": (
        "dl2lab.datasets.clipart",
        "openclipart-svg drawings with their titles (Debian)",
    ),
}


def dataset_module(name: str) -> ModuleType:
    """Return the module that implements dataset ``name``.

    Raises:
        Dl2labError: If ``name`` is not a known dataset.
    """
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise Dl2labError(f"unknown dataset {name!r}; expected one of: {known}")
    return importlib.import_module(DATASETS[name][0])


def load(name: str, **options) -> pd.DataFrame:
    """Load dataset ``name`` as a DataFrame, fetching it first if needed."""
    return dataset_module(name).load(**options)
