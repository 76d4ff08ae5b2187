"""Read the verses of a SWORD ``zText`` Bible module (e.g. Debian ``sword-text-web``).

A zText module keeps each testament in three files:

- ``ot.bzs`` / ``nt.bzs``: the blocks, 12 bytes each, little-endian
  ``(offset, compressed size, uncompressed size)`` into the ``.bzz`` file;
- ``ot.bzz`` / ``nt.bzz``: the blocks, each a zlib stream;
- ``ot.bzv`` / ``nt.bzv``: one 10-byte entry per verse slot, little-endian
  ``(block, offset in the uncompressed block, size)``.

Slots follow the module's versification: a book heading slot, then per
chapter a chapter heading slot followed by one slot per verse. The OSIS
markup says which book and chapter start (``<div type="book"
osisID="Matt"/>``, ``<chapter osisID="Matt.1"/>``), so the verse number of a
slot is its distance from the chapter's heading slot, and no versification
table is needed.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dl2lab.errors import Dl2labError

_BOOK = re.compile(r'<div\b[^>]*\btype="book"[^>]*>')
_OSIS_ID = re.compile(r'\bosisID="([^"]+)"')
_START = re.compile(r'\bsID="')
_CHAPTER = re.compile(r'<chapter\b[^>]*\bosisID="([^".]+)\.(\d+)"')
# Footnotes and headings are not part of the verse text.
_DROPPED = re.compile(r"<(note|title)\b[^>]*(?<!/)>.*?</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?’”)])")


@dataclass(frozen=True)
class Verse:
    """One verse: ``book`` (OSIS id, e.g. ``"Matt"``), ``chapter``, ``verse``,
    ``text`` (plain text), ``file`` (the ``.bzz`` file it came from)."""

    book: str
    chapter: int
    verse: int
    text: str
    file: str


def osis_to_text(markup: str) -> str:
    """Plain text of an OSIS fragment: notes and titles dropped, tags removed.

    Args:
        markup: The OSIS text of one verse slot.

    Returns:
        The words with single spaces, e.g. ``"Jesus wept."``.
    """
    text = _DROPPED.sub(" ", markup)
    text = _TAG.sub("", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    text = text.replace("&amp;", "&")
    text = _SPACE.sub(" ", text).strip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def read_testament(folder: str | Path, testament: str) -> Iterator[Verse]:
    """Yield the non-empty verses of one testament of a zText module.

    Args:
        folder: The module's data folder (holding ``ot.bzs`` ...).
        testament: ``"ot"`` or ``"nt"``.

    Yields:
        The verses in order.

    Raises:
        Dl2labError: If a file is missing, its size is not a whole number
            of entries, or an entry points outside its block or file.
    """
    folder = Path(folder)
    try:
        bzs = (folder / f"{testament}.bzs").read_bytes()
        bzv = (folder / f"{testament}.bzv").read_bytes()
        bzz = (folder / f"{testament}.bzz").read_bytes()
    except OSError as exc:
        raise Dl2labError(
            f"cannot read SWORD module in {str(folder)!r}: {exc}"
        ) from exc
    for name, data, size in ((".bzs", bzs, 12), (".bzv", bzv, 10)):
        if len(data) % size:
            raise Dl2labError(
                f"{folder / (testament + name)} has {len(data)} bytes, not a "
                f"multiple of its {size}-byte entries; the module is damaged"
            )
    blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs), 12)]
    zfile = str(folder / f"{testament}.bzz")
    cache: dict[int, bytes] = {}

    def block(index: int) -> bytes:
        if index not in cache:
            if index >= len(blocks):
                raise Dl2labError(f"{zfile}: verse points to missing block {index}")
            offset, csize, usize = blocks[index]
            try:
                data = zlib.decompress(bzz[offset : offset + csize])
            except zlib.error as exc:
                raise Dl2labError(f"{zfile}: block {index} is damaged: {exc}") from exc
            if len(data) != usize:
                raise Dl2labError(
                    f"{zfile}: block {index} holds {len(data)} bytes; its index "
                    f"says {usize}"
                )
            cache.clear()  # verses are read in order: one block at a time
            cache[index] = data
        return cache[index]

    book, chapter, chapter_slot = "", 0, 0
    for slot in range(len(bzv) // 10):
        index, offset, size = struct.unpack_from("<IIH", bzv, slot * 10)
        if size == 0:
            continue
        data = block(index)
        if offset + size > len(data):
            raise Dl2labError(f"{zfile}: verse slot {slot} runs past its block")
        markup = data[offset : offset + size].decode("utf-8", errors="replace")

        # Headings: a book or chapter start resets the verse count.
        # Book markers: a start (sID) opens a book; what follows an end
        # marker (eID) in the same slot is an appendix such as a glossary.
        ident = None
        for marker in _BOOK.finditer(markup):
            if _START.search(marker.group(0)):
                ident = _OSIS_ID.search(marker.group(0))
                if ident:
                    book, chapter = ident.group(1), 0
            else:
                markup = markup[: marker.start()]
                break
        heading = _CHAPTER.search(markup)
        if heading:
            book, chapter, chapter_slot = heading.group(1), int(heading.group(2)), slot
            continue
        if ident or not chapter:
            continue
        text = osis_to_text(markup)
        if text:
            yield Verse(book, chapter, slot - chapter_slot, text, zfile)


def read_module(folder: str | Path) -> Iterator[Verse]:
    """Yield the verses of both testaments (those present) of a zText module."""
    folder = Path(folder)
    found = False
    for testament in ("ot", "nt"):
        if (folder / f"{testament}.bzv").is_file():
            found = True
            yield from read_testament(folder, testament)
    if not found:
        raise Dl2labError(
            f"no ot.bzv or nt.bzv in {str(folder)!r}; expected a SWORD zText module"
        )
