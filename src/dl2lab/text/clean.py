"""The tweet cleaning pipeline: text in, tokens out, never an exception.

Every step can be switched in :class:`CleanConfig`. They always run in this
order (the order matters only where two steps touch the same token):

1. ``html``: remove HTML tags, then decode entities (``&amp;`` -> ``&``).
2. ``normalize``: Unicode NFKC (full-width letters, ligatures, ``…``),
   leaving symbols and emoji alone.
3. tokenise (always): :func:`dl2lab.text.tokenize.tokenize` splits the text
   into URLs, emoji, mentions, hashtags, numbers, emoticons, words and
   punctuation; invisible control and format characters are dropped, and
   curly apostrophes in words become ``'``.
4. ``urls``, ``mentions``, ``hashtags``: a placeholder (``<url>``,
   ``<user>``, ``<hashtag>``), dropped, or kept (``@handle``, ``#tag``);
   hashtags can also become their words, split at CamelCase and digits
   (``#TimeToGetTough`` -> ``time to get tough``), which then go through
   the word steps below.
5. ``casefold``: :meth:`str.casefold`, which lowercases beyond ASCII
   (``ß`` -> ``ss``, Greek final sigma). URLs keep their case.
6. ``emoji``: each emoji sequence (skin tone and ZWJ joins included) kept as
   one token without variation selectors, dropped, or turned into the words
   of its name (``👍🏽`` -> ``thumbs up medium skin tone``). Emoticons such
   as ``:)`` follow the same setting (words: smile, sad, wink, laugh...).
7. ``punctuation``: punctuation and symbol tokens dropped or kept.
8. ``numbers``: kept, replaced by ``<num>`` or dropped.
9. ``max_repeat``: a letter repeated three times or more is cut to
   ``max_repeat`` copies ("soooo" -> "soo" with 2, "so" with 1; 0 = off).
10. ``stopwords``: a named list (``sklearn``: scikit-learn's
    ENGLISH_STOP_WORDS), compared case-insensitively.
11. ``word_form``: ``stem`` (NLTK English Snowball), ``lemma`` (WordNet,
    not part-of-speech aware, see :mod:`dl2lab.text.morph`) or ``keep``.

Placeholders are never stemmed, dropped as stopwords or cased. Results are
cached per :class:`Cleaner`: for each whitespace-separated chunk of text
(after steps 1-2) and for each word, so a chunk or word seen before costs one
look-up.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any

from dl2lab.errors import Dl2labError
from dl2lab.progress import progress
from dl2lab.text.config import CHOICES, STEPS, CleanConfig
from dl2lab.text.emojis import canonical, emoji_words
from dl2lab.text.normalize import nfkc, shorten_elongation, strip_markup
from dl2lab.text.stopwords import stopword_set
from dl2lab.text.tokenize import TOKEN_RE, split_hashtag

URL_TOKEN = "<url>"
USER_TOKEN = "<user>"
HASHTAG_TOKEN = "<hashtag>"
NUMBER_TOKEN = "<num>"
PLACEHOLDERS = (URL_TOKEN, USER_TOKEN, HASHTAG_TOKEN, NUMBER_TOKEN)

__all__ = [
    "CHOICES",
    "PLACEHOLDERS",
    "STEPS",
    "CleanConfig",
    "Cleaner",
    "trace",
]

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "\u00ad": None})


_EMOTICON_MOUTHS = {")": "smile", "]": "smile", "}": "smile", "(": "sad"}
_EMOTICON_MOUTHS.update({"[": "sad", "{": "sad", "d": "laugh", "p": "tongue"})
_EMOTICON_MOUTHS.update({"/": "unsure", "\\": "unsure", "|": "unsure", "*": "kiss"})


def _emoticon_words(token: str) -> tuple[str, ...]:
    if token.endswith("3"):
        return ("broken", "heart") if "/" in token else ("heart",)
    if token.startswith(";"):
        return ("wink",)
    return (_EMOTICON_MOUTHS.get(token[-1].lower(), "emoticon"),)


class Cleaner:
    """Turn texts into token lists with the steps of a :class:`CleanConfig`.

    Args:
        config: The steps to run; the defaults when None. A dict is accepted
            and read with :meth:`CleanConfig.from_dict`.

    A Cleaner keeps caches of cleaned chunks and words (at most 262,144
    each), so reuse one instance for a whole corpus.
    """

    def __init__(self, config: CleanConfig | dict | None = None) -> None:
        if config is None:
            config = CleanConfig()
        elif isinstance(config, dict):
            config = CleanConfig.from_dict(config)
        elif not isinstance(config, CleanConfig):
            raise Dl2labError(
                "`config` must be a CleanConfig, a dict or None; "
                f"got {type(config).__name__}"
            )
        self.config = config
        self._stopwords = stopword_set(config.stopwords)
        self._word_form: Callable[[str], str] | None = None
        if config.word_form == "stem":
            from dl2lab.text.morph import stem

            self._word_form = stem
        elif config.word_form == "lemma":
            from dl2lab.text.morph import lemmatize, load_wordnet

            load_wordnet()
            self._word_form = lemmatize
        self._word = functools.lru_cache(maxsize=1 << 18)(self._clean_word)
        self._token = functools.lru_cache(maxsize=1 << 16)(self._clean_token)
        self._chunk = functools.lru_cache(maxsize=1 << 18)(self._scan)

    def __repr__(self) -> str:
        return f"Cleaner({self.config!r})"

    # ------------------------------------------------------------------
    # Public API

    def tokens(self, text: str) -> list[str]:
        """Clean one text.

        Args:
            text: Any string (empty, emoji only, control characters, lone
                surrogates and megabytes long included).

        Returns:
            The tokens, possibly none.

        Raises:
            Dl2labError: Only if ``text`` is not a ``str``.
        """
        if not isinstance(text, str):
            raise Dl2labError(
                f"`text` must be a str; got {type(text).__name__} {text!r:.60}"
            )
        config = self.config
        if config.html:
            text = strip_markup(text)
        if config.normalize:
            text = nfkc(text)

        # No token spans whitespace and the tokeniser's look-behinds see a
        # space like the start of a text, so each whitespace-separated chunk
        # is cleaned on its own and cached: most chunks are common words.
        out: list[str] = []
        chunk = self._chunk
        for piece in text.split():
            out.extend(chunk(piece))
        return out

    def _scan(self, text: str) -> tuple[str, ...]:
        """Tokenise ``text`` and apply steps 4-11 to every token."""
        config = self.config
        out: list[str] = []
        append = out.append
        word = self._word
        for match in TOKEN_RE.finditer(text):
            kind = match.lastgroup
            if kind == "word":
                token = word(match.group())
                if token is not None:
                    append(token)
            elif kind == "url":
                if config.urls == "placeholder":
                    append(URL_TOKEN)
                elif config.urls == "keep":
                    append(match.group())
            elif kind == "punct":
                if config.punctuation == "keep":
                    append(match.group())
            elif kind != "invisible":
                out.extend(self._token(kind, match.group()))
        return tuple(out)

    def batch(self, texts: Iterable[str]) -> list[list[str]]:
        """Clean many texts (with a progress bar when bars are on).

        Args:
            texts: The texts; any iterable of ``str``.

        Returns:
            One token list per text, in order.
        """
        total = len(texts) if hasattr(texts, "__len__") else None
        tokens = self.tokens
        return [
            tokens(text)
            for text in progress(texts, total=total, desc="cleaning", unit="text")
        ]

    __call__ = tokens

    # ------------------------------------------------------------------
    # Steps on one token

    def _clean_word(self, token: str) -> str | None:
        """Steps 5 and 9-11 on one word; None when it is a stopword."""
        config = self.config
        token = token.translate(_APOSTROPHES)
        if config.casefold:
            token = token.casefold()
        if config.max_repeat:
            token = shorten_elongation(token, config.max_repeat)
        if self._stopwords and token.casefold() in self._stopwords:
            return None
        if self._word_form is not None:
            token = self._word_form(token)
        return token or None

    def _words(self, words: Iterable[str]) -> tuple[str, ...]:
        out = []
        for piece in words:
            if piece[:1].isnumeric():
                out.extend(self._token("number", piece))
            else:
                cleaned = self._word(piece)
                if cleaned is not None:
                    out.append(cleaned)
        return tuple(out)

    def _clean_token(self, kind: str, token: str) -> tuple[str, ...]:
        """Steps 4-8 on a token that is not a word, URL or punctuation."""
        config = self.config
        fold = str.casefold if config.casefold else str
        if kind == "emoji":
            if config.emoji == "keep":
                return (canonical(token),)
            if config.emoji == "words":
                return self._words(emoji_words(token)) or (canonical(token),)
            return ()
        if kind == "number":
            if config.numbers == "placeholder":
                return (NUMBER_TOKEN,)
            return (fold(token),) if config.numbers == "keep" else ()
        if kind in ("mention", "hashtag") and token[-2:-1] in ("'", "’"):
            token = token[:-2]  # the possessive 's the tokeniser let through
        if kind == "mention":
            if config.mentions == "placeholder":
                return (USER_TOKEN,)
            return (fold(token),) if config.mentions == "keep" else ()
        if kind == "hashtag":
            if config.hashtags == "words":
                return self._words(split_hashtag(token))
            if config.hashtags == "placeholder":
                return (HASHTAG_TOKEN,)
            return (fold(token),) if config.hashtags == "keep" else ()
        if kind == "emoticon":
            if config.emoji == "keep":
                return (token,)
            if config.emoji == "words":
                return self._words(_emoticon_words(token))
            return ()
        return ()  # pragma: no cover - every kind is handled above


def trace(text: str, config: CleanConfig | None = None) -> list[tuple[str, Any]]:
    """Show what each step does to ``text``, in pipeline order.

    The steps are switched on one at a time, starting from the bare
    tokeniser, up to ``config``; each entry is the result with that step and
    all earlier ones on. Steps that ``config`` leaves off are skipped.

    Args:
        text: Any string.
        config: The target configuration (defaults when None).

    Returns:
        ``[("input", text), ("html", text), ("normalize", text),
        ("tokenize", tokens), ("urls", tokens), ...]``.
    """
    config = config or CleanConfig()
    steps: list[tuple[str, Any]] = [("input", text)]
    if config.html:
        text = strip_markup(text)
        steps.append(("html", text))
    if config.normalize:
        text = nfkc(text)
        steps.append(("normalize", text))
    current = CleanConfig.tokenize_only()
    steps.append(("tokenize", Cleaner(current).tokens(text)))
    for name in STEPS[2:]:
        value = getattr(config, name)
        if value == getattr(current, name):
            continue
        current = dataclasses.replace(current, **{name: value})
        steps.append((name, Cleaner(current).tokens(text)))
    return steps
