"""Read the 423 verses of a Dhammapada translation from ``display-dhammapada``.

The package ships two English translations as plain text: John Richards'
(1993, ``dhammapada-english-transl.txt``) and F. Max Müller's (1881,
``dhammapada-alternate.txt``). After an introduction, both give 26 chapters
headed ``N. Title``; each verse is a paragraph ending with its number, on
the last line or alone on the next one.
"""

from __future__ import annotations

import re
from pathlib import Path

from dl2lab.errors import Dl2labError

N_VERSES = 423
_CHAPTER = re.compile(r"^\d+\.\s+\S")
# "... 57", "... 58, 59", "... 137, 138, 139, 140" or "... 58-59": one
# verse or a group of verses.
_NUMBER_AT_END = re.compile(r"(?:^|\s)(\d+(?:\s*[,-]\s*\d+)*)\s*$")


def parse_dhammapada(text: str, what: str = "text") -> list[tuple[int, int, str]]:
    """Split a translation into its verses.

    Args:
        text: The whole file.
        what: Name of the source, used in error messages.

    Returns:
        ``(first, last, text)`` per numbered paragraph, whitespace collapsed;
        ``first == last`` except where the translator joined verses
        (``"58, 59"``). Together they cover 1 to 423 in order.

    Raises:
        Dl2labError: If the verses are not found in order 1..423.
    """
    lines = text.splitlines()
    start = _body_start(lines)
    if start is None:
        raise Dl2labError(
            f"{what}: no 'The Dhammapada' title followed by chapter '1. ...'"
        )

    # Paragraphs after the first chapter heading; headings are skipped.
    paragraphs, current = [], []
    for line in lines[start:]:
        if line.strip().startswith("-----") or line.strip().startswith("The End"):
            break
        if not line.strip():
            if current:
                paragraphs.append(current)
            current = []
        elif not (not current and _CHAPTER.match(line.strip())):
            current.append(line.strip())
    if current:
        paragraphs.append(current)

    # A verse ends at the paragraph closed by the next expected number.
    verses: list[tuple[int, int, str]] = []
    pending: list[str] = []
    done = 0
    for paragraph in paragraphs:
        joined = " ".join(paragraph)
        match = _NUMBER_AT_END.search(joined)
        numbers = [int(n) for n in re.split(r"[,-]", match.group(1))] if match else []
        if numbers and numbers[0] == done + 1:
            last = numbers[-1]
            pending.append(joined[: match.start()].strip())
            verses.append((done + 1, last, " ".join(" ".join(pending).split())))
            pending, done = [], last
        else:
            pending.append(joined)
    if done != N_VERSES:
        raise Dl2labError(
            f"{what}: found verses 1..{done} in order; expected 1..{N_VERSES}"
        )
    return verses


def _body_start(lines: list[str]) -> int | None:
    """Index of the first chapter heading after the last 'The Dhammapada'."""
    found = None
    for i, line in enumerate(lines):
        if line.strip() != "The Dhammapada":
            continue
        for j in range(i + 1, min(i + 6, len(lines))):
            if re.match(r"^1\.\s+\S", lines[j].strip()):
                found = j
                break
    return found


def read_dhammapada(path: str | Path) -> list[tuple[int, int, str]]:
    """Read and parse one translation file (see :func:`parse_dhammapada`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise Dl2labError(f"cannot read {str(path)!r}: {exc}") from exc
    return parse_dhammapada(text, what=str(path))
