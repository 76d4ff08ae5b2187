"""Text-level cleaning steps: markup, Unicode normalisation, elongation.

These work on strings and never raise on any ``str``, including lone
surrogates and control characters.
"""

from __future__ import annotations

import html
import unicodedata

import regex

# An HTML/XML tag or comment. A "<" followed by a digit or a space ("<3",
# "a < b") is not a tag.
_TAG = regex.compile(r"<!--.*?-->|</?[A-Za-z][^<>]{0,1000}>", regex.DOTALL)

# Symbols and pictographs are left as they are by the NFKC step: NFKC would
# turn "™" into the letters "TM" (so "Trump™" would become "trumptm") and the
# information emoji into the letter "i".
_PROTECTED = regex.compile(r"([\p{So}\p{Extended_Pictographic}]+)")

# Three or more of the same letter in a row.
_ELONGATED = regex.compile(r"(\w)\1{2,}")


def strip_markup(text: str) -> str:
    """Remove HTML tags, then decode HTML entities.

    Tags go first: a tweet that talks about a tag writes it escaped
    (``&lt;b&gt;``), and decoding first would make it a tag to remove. One
    decoding pass, as a browser does: ``&amp;amp;`` becomes ``&amp;``.

    Args:
        text: Any string.

    Returns:
        ``text`` without tags (each replaced by a space, so that words on
        both sides stay apart) and with ``&amp;``, ``&#39;``, ``&eacute;``...
        decoded.
    """
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def nfkc(text: str) -> str:
    """Apply Unicode NFKC normalisation, leaving symbols and emoji alone.

    NFKC folds compatibility forms into their plain equivalents: full-width
    ``ＡＢＣ`` and ``＠``, ligatures (``ﬁ``), superscripts, the ellipsis ``…``
    (three dots), non-breaking spaces, and composes accents written as two
    code points. Symbols (Unicode category So) and pictographs are kept as
    they are (see ``_PROTECTED``).

    Args:
        text: Any string.

    Returns:
        The normalised string.
    """
    if text.isascii():
        return text
    try:
        if unicodedata.is_normalized("NFKC", text):
            return text
    except ValueError:  # pragma: no cover - defensive, never seen raised
        pass
    pieces = _PROTECTED.split(text)
    # Odd indices are the protected runs captured by the split.
    for i in range(0, len(pieces), 2):
        if pieces[i] and not pieces[i].isascii():
            pieces[i] = unicodedata.normalize("NFKC", pieces[i])
    return "".join(pieces)


def shorten_elongation(word: str, max_repeat: int = 2) -> str:
    """Cut runs of three or more identical letters down to ``max_repeat``.

    Rule: only runs of at least three are touched, so ordinary double letters
    survive. With ``max_repeat=2`` "soooo" gives "soo" and "goooood" gives
    "good"; with ``max_repeat=1`` "soooo" gives "so" but "goooood" gives
    "god", which is why 2 is the default. ``max_repeat=0`` leaves the word
    unchanged.

    Args:
        word: One token.
        max_repeat: How many copies of a repeated letter to keep (0 = off).

    Returns:
        The shortened token.
    """
    if max_repeat <= 0 or len(word) < 3:
        return word
    return _ELONGATED.sub(lambda m: m.group(1) * max_repeat, word)
