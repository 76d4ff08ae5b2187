"""Emoji tokens: one canonical token per emoji, or its name as words.

The tokeniser already groups an emoji sequence (skin tone, ZWJ family, flag,
keycap) into one token. Here that token is either kept in a canonical form
or turned into the words of its CLDR short name, which the PyPI package
``emoji`` knows for every sequence of Unicode's emoji list.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

# Variation selectors 15 (text) and 16 (emoji) only choose how a character is
# drawn: "❤" and "❤️" are the same heart and should be one vocabulary entry.
_VARIATION = str.maketrans("", "", "\ufe0e\ufe0f")
_NAME_WORD = regex.compile(r"[^\W_]+")
_FLAG = regex.compile(r"\p{Regional_Indicator}{2}|\U0001F3F4[\U000E0020-\U000E007F]+")


def canonical(token: str) -> str:
    """Return ``token`` without variation selectors (U+FE0E, U+FE0F)."""
    return token.translate(_VARIATION)


@functools.lru_cache(maxsize=8192)
def emoji_words(token: str) -> tuple[str, ...]:
    """Return the words of the emoji's English name, lower case.

    Skin tones and genders are part of the name (``👍🏽`` gives ``thumbs up
    medium skin tone``); flags get the word ``flag`` first (``🇺🇸`` gives
    ``flag united states``). A sequence that the ``emoji`` package does not
    know is named piece by piece, falling back to the Unicode character name.

    Args:
        token: One emoji token from :func:`dl2lab.text.tokenize.tokenize`.

    Returns:
        The words, possibly empty (for a lone variation selector).
    """
    import emoji  # about 40 ms to import; only needed in this mode

    name = emoji.demojize(token, delimiters=(" ", " "))
    words: list[str] = []
    for piece in name.split():
        if any(char.isalpha() for char in piece):
            words.extend(_NAME_WORD.findall(piece.lower()))
        else:
            # Left as is by the package: name its characters one by one.
            for char in piece:
                words.extend(_NAME_WORD.findall(unicodedata.name(char, "").lower()))
    if _FLAG.fullmatch(token):
        words.insert(0, "flag")
    return tuple(w for w in words if w)
