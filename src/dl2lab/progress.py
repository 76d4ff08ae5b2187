"""Progress bars for long work, switched on or off by the command line.

The library reports progress through :func:`progress`; whether bars are drawn
is the caller's decision (:func:`set_enabled`). By default bars are shown only
when stderr is a terminal, so tests and logs stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

_enabled: bool | None = None


def set_enabled(enabled: bool | None) -> None:
    """Force progress bars on (True), off (False) or automatic (None)."""
    global _enabled
    _enabled = enabled


def is_enabled() -> bool:
    """Return whether progress bars are drawn right now."""
    if _enabled is None:
        return sys.stderr.isatty()
    return _enabled


def progress(
    iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it"
) -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar when bars are enabled.

    Args:
        iterable: What to iterate over.
        total: Number of items, when ``iterable`` has no length.
        desc: Short label in front of the bar.
        unit: Name of one item.

    Returns:
        An iterator over the same items.
    """
    return iter(
        tqdm(
            iterable,
            total=total,
            desc=desc,
            unit=unit,
            disable=not is_enabled(),
            file=sys.stderr,
            leave=False,
        )
    )


def bar(total: int, desc: str = "", unit: str = "it") -> tqdm:
    """Return a manual progress bar (call ``update`` and ``close``)."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not is_enabled(),
        file=sys.stderr,
        leave=False,
    )
