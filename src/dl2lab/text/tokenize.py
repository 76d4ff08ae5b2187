"""A tweet-aware tokeniser built from one compiled regular expression.

:func:`tokenize` splits a text into ``(kind, token)`` pairs in a single left
to right scan. At each position the first alternative that matches wins, in
this order:

=============  ============================================================
kind           what it matches
=============  ============================================================
``url``        ``http://``, ``https://`` or ``www.`` up to the next space,
               or a bare domain such as ``trump.com/jobs``; trailing
               punctuation (``.,;:!?)]}'"…``) is left out of the link
``emoji``      one emoji sequence: a flag (two regional indicators), a
               keycap, a tag sequence (the flag of Scotland), or pictographs
               with their variation selector and skin tone joined by ZWJ
               (U+200D) into one family, profession or gendered sign
``mention``    ``@handle`` (letters, digits, ``_``), not inside a word or
               an e-mail address; a possessive ``'s`` after it is dropped
``hashtag``    ``#tag`` holding at least one letter (``#1`` is not a tag);
               a possessive ``'s`` after it is dropped
``number``     digits with ``.,:`` separators and an optional ordinal or
               unit suffix: ``45.8``, ``1,000``, ``9:45``, ``2nd``, ``1990s``,
               ``12pm``, ``100k``, ``50%``
``emoticon``   a western emoticon such as ``:)``, ``;-)``, ``:D``, ``<3``
``word``       letters, marks, digits and ``_``, with inner apostrophes and
               joiners kept (``don't``, ``Trump’s``, Persian ZWNJ), so that
               scripts written with combining marks (Devanagari, Thai...)
               stay whole; hyphens split words
``invisible``  control and format characters, lone surrogates, private-use
               and unassigned code points (never tokens; the cleaner drops
               them)
``punct``      any other character; a run of the same character is one
               token (``...``, ``!!!``)
=============  ============================================================

Whitespace (any Unicode space) separates tokens and is never a token.

The scan uses the standard :mod:`re` module, about three times faster here
than the :mod:`regex` module. :mod:`re` knows no Unicode properties, so the
classes it needs are built once at import (about 50 ms) from :mod:`regex`'s
Unicode data: pictographs (``\\p{Extended_Pictographic}``, newer than
Python's own ``unicodedata``), combining marks (without them ``re``'s ``\\w``
splits Hindi words at every vowel sign) and invisible characters.
"""

from __future__ import annotations

import re

import regex


def _class_body(prop: str, chars: str) -> str:
    """Ranges of the ``chars`` (in code point order) having ``prop``, for [...]."""
    parts = []
    for match in regex.finditer(prop + "+", chars):
        first, last = match.group()[0], match.group()[-1]
        parts.append(
            re.escape(first) + ("" if first == last else "-" + re.escape(last))
        )
    return "".join(parts)


# Pictographs, marks and invisible characters, as bodies of [...] classes.
# Above U+1FFFF only tag characters, variation selectors and private use
# matter; they are added by hand.
_BELOW = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x20000)))
_PICTOGRAPHIC = _class_body(r"\p{Extended_Pictographic}", _BELOW)
_MARK = _class_body(r"\p{M}", _BELOW) + "\U000e0100-\U000e01ef"
_CONTROL = (
    _class_body(r"[\p{Cc}\p{Cf}\p{Co}]", _BELOW)
    + "\ud800-\udfff\U000e0000-\U000e007f\U000f0000-\U0010ffff"
)
del _BELOW
_W = rf"[\w{_MARK}]"

KINDS = (
    "url",
    "emoji",
    "mention",
    "hashtag",
    "number",
    "emoticon",
    "word",
    "invisible",
    "punct",
)

# Characters that end a sentence or close a bracket are not part of a link
# when they come last: "see http://t.co/abc." links to http://t.co/abc.
# Brackets belong to a link only in balanced pairs (Wikipedia's "Foo_(bar)").
# The small ASCII class comes first: it decides most characters of a link
# without scanning the long class of pictographs.
_URL_CHAR = rf"(?:[A-Za-z0-9/._~%=&?+#@:;,!*$'-]|[^\s<>()\"“”‘’«»{_PICTOGRAPHIC}])"
_URL_END = rf"[^\s<>()\"“”‘’«»{_PICTOGRAPHIC}.,;:!?\]}}'…]"
_URL_PAIR = rf"\({_URL_CHAR}*\)"
_URL_PATH = rf"(?:{_URL_CHAR}|{_URL_PAIR})*(?:{_URL_END}|{_URL_PAIR})"
_TLDS = "com|net|org|gov|edu|mil|info|biz|io|co|us|uk|ly|tv|me|ru|de|fr|ca"
_URL = (
    rf"(?i:https?://|www\.){_URL_PATH}"
    # Possessive runs: a word without a dot fails at once, no backtracking.
    rf"|(?<![\w@.])(?:[A-Za-z0-9-]++\.)+(?i:{_TLDS})(?![\w@])(?:/{_URL_PATH})?"
)

# One pictograph: with an optional variation selector 16 and skin tone, or a
# lone skin tone. The trade mark, registered and copyright signs are far more
# often typography than pictures in tweets, so they count as emoji only with
# an explicit variation selector 16 (U+FE0F).
_SKIN_TONE = "[\U0001f3fb-\U0001f3ff]"
_PICTO = (
    rf"(?:[©®™]\uFE0F|(?![©®™])[{_PICTOGRAPHIC}][\uFE0E\uFE0F]?"
    rf"{_SKIN_TONE}?|{_SKIN_TONE})"
)
# Every emoji but a keycap starts above U+00A8: the look-ahead rejects ASCII
# positions before the long classes are scanned.
_EMOJI = (
    r"[0-9#*]\uFE0F?\u20E3"
    r"|(?=[^\x00-\xa8])(?:[\U0001F1E6-\U0001F1FF]{2}"
    r"|\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"
    rf"|{_PICTO}(?:\u200D{_PICTO})*)"
)

_POSSESSIVE = r"(?:['’](?i:s)(?!\w))?"
_MENTION = rf"(?<![\w@])@[A-Za-z0-9_]+(?![@\w]){_POSSESSIVE}"
_HASHTAG = rf"(?<![\w#&])#(?={_W}*[^\W\d_]){_W}+{_POSSESSIVE}"
_NUMBER = (
    r"(?<![\w.])\d+(?:[.,:]\d+)*"
    r"(?:%|(?i:st|nd|rd|th|s|am|pm|k|m|bn)(?!\w))?(?![\w])"
)
_EMOTICON = r"(?<![\w:;=])(?:[:;=]['\-^]?[)(\]\[DPp/\\|*}{]|</?3)(?![\w)(\]\[/\\|])"
# Inner apostrophes (', ’, ʼ), ZWJ, ZWNJ and soft hyphen join word pieces.
# A word starts with a letter, digit or "_" (a cheap test that rejects
# spaces and punctuation at once); marks may follow.
# Marks are tested only where a run of \w ends, not at every character.
_WORD_RUN = rf"\w+(?:[{_MARK}]+\w*)*"
_WORD = rf"{_WORD_RUN}(?:['’ʼ\u200C\u200D\u00AD]{_WORD_RUN})*"
_INVISIBLE = rf"[{_CONTROL}]+"
_PUNCT = r"(?P<p>[^\w\s])(?P=p)*"

TOKEN_RE = re.compile(
    rf"(?P<url>{_URL})"
    rf"|(?P<emoji>{_EMOJI})"
    rf"|(?P<mention>{_MENTION})"
    rf"|(?P<hashtag>{_HASHTAG})"
    rf"|(?P<number>{_NUMBER})"
    rf"|(?P<emoticon>{_EMOTICON})"
    rf"|(?P<word>{_WORD})"
    rf"|(?P<invisible>{_INVISIBLE})"
    rf"|(?P<punct>{_PUNCT})",
)

# CamelCase pieces of a hashtag: an acronym before a capitalised word
# ("USAFirst" -> USA, First), a capitalised or lower-case word, an all-caps
# word, digits, or a run of an uncased script (Arabic, CJK...).
_HASHTAG_PART = regex.compile(
    r"\p{Lu}+\p{M}*(?=\p{Lu}[\p{Ll}\p{M}])"
    r"|\p{Lu}?\p{M}*[\p{Ll}\p{M}]+"
    r"|[\p{Lu}\p{M}]+"
    r"|\p{N}+"
    r"|[\p{Lo}\p{Lm}\p{Lt}\p{M}]+"
)


def tokenize(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into ``(kind, token)`` pairs (see the module docstring).

    Args:
        text: Any string.

    Returns:
        The tokens in order; possessive ``'s`` after mentions and hashtags is
        removed, every other token is the exact slice of ``text``.
    """
    pairs = []
    for match in TOKEN_RE.finditer(text):
        # ``lastgroup`` names the outermost group, never the inner ``p``.
        kind = match.lastgroup
        token = match.group()
        if kind in ("mention", "hashtag") and token[-2:-1] in ("'", "’"):
            token = token[:-2]
        pairs.append((kind, token))
    return pairs


def split_hashtag(tag: str) -> list[str]:
    """Split the body of a hashtag into words at case changes and digits.

    Args:
        tag: The hashtag with or without its leading ``#``.

    Returns:
        The pieces in order: ``"TimeToGetTough"`` gives ``["Time", "To",
        "Get", "Tough"]``, ``"USAFirst"`` gives ``["USA", "First"]``,
        ``"Trump2016"`` gives ``["Trump", "2016"]``; underscores separate
        pieces and are dropped.
    """
    return _HASHTAG_PART.findall(tag.lstrip("#"))
