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

The :mod:`regex` module is used instead of :mod:`re` because it knows the
Unicode properties needed here (``\\p{Extended_Pictographic}``, marks, regional
indicators); the standard module's ``\\w`` splits Hindi words at every vowel
sign.
"""

from __future__ import annotations

import regex

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
_URL_CHAR = r"[^\s<>()\"“”‘’«»\p{Extended_Pictographic}]"
_URL_END = r"[^\s<>()\"“”‘’«»\p{Extended_Pictographic}.,;:!?\]}'…]"
_URL_PAIR = rf"\({_URL_CHAR}*\)"
_URL_PATH = rf"(?:{_URL_CHAR}|{_URL_PAIR})*(?:{_URL_END}|{_URL_PAIR})"
_TLDS = "com|net|org|gov|edu|mil|info|biz|io|co|us|uk|ly|tv|me|ru|de|fr|ca"
_URL = (
    rf"(?:https?://|www\.){_URL_PATH}"
    rf"|(?<![\w@.])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*"
    rf"\.(?:{_TLDS})(?![\w@])(?:/{_URL_PATH})?"
)

# One pictograph: with an optional variation selector 16 and skin tone, or a
# lone skin tone. The trade mark, registered and copyright signs are far more
# often typography than pictures in tweets, so they count as emoji only with
# an explicit variation selector 16 (U+FE0F).
_PICTO = (
    r"(?:[©®™]\uFE0F|(?![©®™])\p{Extended_Pictographic}[\uFE0E\uFE0F]?"
    r"\p{Emoji_Modifier}?|\p{Emoji_Modifier})"
)
_EMOJI = (
    r"\p{Regional_Indicator}{2}"
    r"|[0-9#*]\uFE0F?\u20E3"
    r"|\U0001F3F4[\U000E0020-\U000E007E]+\U000E007F"
    rf"|{_PICTO}(?:\u200D{_PICTO})*"
)

_POSSESSIVE = r"(?:['’]s(?!\w))?"
_MENTION = rf"(?<![\w@])@[A-Za-z0-9_]+(?![@\w]){_POSSESSIVE}"
_HASHTAG = rf"(?<![\w#&])#(?=\w*[^\W\d_])\w+{_POSSESSIVE}"
_NUMBER = (
    r"(?<![\w.])\d+(?:[.,:]\d+)*"
    r"(?:%|(?:st|nd|rd|th|s|am|pm|k|m|bn)(?!\w))?(?![\w])"
)
_EMOTICON = r"(?<![\w:;=])(?:[:;=]['\-^]?[)(\]\[DPp/\\|*}{]|</?3)(?![\w)(\]\[/\\|])"
# Inner apostrophes (', ’, ʼ), ZWJ, ZWNJ and soft hyphen join word pieces.
_WORD = r"\w+(?:['’ʼ\u200C\u200D\u00AD]\w+)*"
_INVISIBLE = r"[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+"
_PUNCT = r"(?P<p>[^\w\s])(?P=p)*"

TOKEN_RE = regex.compile(
    rf"(?P<url>{_URL})"
    rf"|(?P<emoji>{_EMOJI})"
    rf"|(?P<mention>{_MENTION})"
    rf"|(?P<hashtag>{_HASHTAG})"
    rf"|(?P<number>{_NUMBER})"
    rf"|(?P<emoticon>{_EMOTICON})"
    rf"|(?P<word>{_WORD})"
    rf"|(?P<invisible>{_INVISIBLE})"
    rf"|(?P<punct>{_PUNCT})",
    regex.IGNORECASE,
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
