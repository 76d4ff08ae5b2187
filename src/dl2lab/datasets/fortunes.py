"""Read the quotes of a ``fortune`` file (Debian ``fortunes``).

A fortune file holds records separated by lines that contain only ``%``.
Many records end with an attribution on its own line, usually indented::

    A billion here, a billion there -- pretty soon it adds up to real money.
            -- Sen. Everett Dirksen, on the U.S. defense budget

**Attribution rule.** The attribution is removed and the quote kept: when
one of the last three lines of a record (not its first line) starts, after
indentation, with ``--`` or an em dash, that line and every line after it
are dropped. A dash inside a line (``real money -- said he``) is text and
stays. The author's name is not part of what the quote says, and it would
give the class away (``-- Larry Wall`` only ever appears under Perl).
"""

from __future__ import annotations

import re
from pathlib import Path

from dl2lab.errors import Dl2labError

_ATTRIBUTION = re.compile(r"^\s*(--|\u2014)")
ATTRIBUTION_WINDOW = 3


def strip_attribution(lines: list[str]) -> list[str]:
    """Drop a trailing ``-- Author`` block (see the module docstring).

    Args:
        lines: The lines of one record.

    Returns:
        The lines of the quote itself.
    """
    first_candidate = max(1, len(lines) - ATTRIBUTION_WINDOW)
    for i in range(first_candidate, len(lines)):
        if _ATTRIBUTION.match(lines[i]):
            return lines[:i]
    return lines


def parse_fortunes(text: str) -> list[str]:
    """Split a fortune file into quotes, attributions removed.

    Args:
        text: The file's content.

    Returns:
        One string per record, whitespace (line breaks, tabs) collapsed to
        single spaces; empty records are skipped.
    """
    quotes = []
    record: list[str] = []
    for line in [*text.splitlines(), "%"]:
        if line.strip() == "%":
            kept = strip_attribution([ln for ln in record if ln.strip()])
            quote = " ".join(" ".join(kept).split())
            if quote:
                quotes.append(quote)
            record = []
        else:
            record.append(line)
    return quotes


def read_fortunes(path: str | Path) -> list[str]:
    """Read and parse one fortune file (see :func:`parse_fortunes`).

    Raises:
        Dl2labError: If the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise Dl2labError(f"cannot read fortune file {str(path)!r}: {exc}") from exc
    return parse_fortunes(text)
