"""The settings of the cleaning pipeline, importable without its machinery.

The command line reads the choices and defaults from here to build its
options without compiling the tokeniser. :class:`CleanConfig` is documented
with the pipeline in :mod:`dl2lab.text.clean`, which re-exports it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from dl2lab.errors import Dl2labError
from dl2lab.text.stopwords import STOPWORD_LISTS

CHOICES: dict[str, tuple[str, ...]] = {
    "urls": ("placeholder", "drop", "keep"),
    "mentions": ("placeholder", "drop", "keep"),
    "hashtags": ("words", "placeholder", "drop", "keep"),
    "emoji": ("keep", "drop", "words"),
    "punctuation": ("drop", "keep"),
    "numbers": ("placeholder", "drop", "keep"),
    "stopwords": STOPWORD_LISTS,
    "word_form": ("stem", "lemma", "keep"),
}

# The order in which the steps run (also the order of CleanConfig's fields).
STEPS = (
    "html",
    "normalize",
    "urls",
    "mentions",
    "hashtags",
    "casefold",
    "emoji",
    "punctuation",
    "numbers",
    "max_repeat",
    "stopwords",
    "word_form",
)


@dataclasses.dataclass(frozen=True)
class CleanConfig:
    """Which cleaning steps run, and how (see the module docstring).

    Args:
        html: Remove tags and decode entities.
        normalize: Unicode NFKC normalisation.
        urls: ``"placeholder"`` (``<url>``), ``"drop"`` or ``"keep"``.
        mentions: ``"placeholder"`` (``<user>``), ``"drop"`` or ``"keep"``
            (``@handle``).
        hashtags: ``"words"`` (split CamelCase, then word steps),
            ``"placeholder"`` (``<hashtag>``), ``"drop"`` or ``"keep"``
            (``#tag`` as one token).
        casefold: Case-fold words, mentions, hashtags and numbers.
        emoji: ``"keep"`` (one token each), ``"drop"`` or ``"words"``.
        punctuation: ``"drop"`` or ``"keep"`` punctuation and symbol tokens.
        numbers: ``"placeholder"`` (``<num>``), ``"drop"`` or ``"keep"``.
        max_repeat: Copies kept of a letter repeated 3+ times (0 = off).
        stopwords: Stopword list name: ``"sklearn"`` or ``"none"``.
        word_form: ``"stem"`` (Snowball), ``"lemma"`` (WordNet) or ``"keep"``.
    """

    html: bool = True
    normalize: bool = True
    urls: str = "placeholder"
    mentions: str = "placeholder"
    hashtags: str = "words"
    casefold: bool = True
    emoji: str = "keep"
    punctuation: str = "drop"
    numbers: str = "placeholder"
    max_repeat: int = 2
    stopwords: str = "sklearn"
    word_form: str = "stem"

    def __post_init__(self) -> None:
        for name in ("html", "normalize", "casefold"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise Dl2labError(
                    f"CleanConfig `{name}` must be True or False; got {value!r}"
                )
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise Dl2labError(
                    f"CleanConfig `{name}` must be one of "
                    f"{', '.join(map(repr, allowed))}; got {value!r}"
                )
        if (
            isinstance(self.max_repeat, bool)
            or not isinstance(self.max_repeat, int)
            or self.max_repeat < 0
        ):
            raise Dl2labError(
                "CleanConfig `max_repeat` must be an integer >= 0 (0 = off); "
                f"got {self.max_repeat!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CleanConfig:
        """Build a config from :meth:`to_dict` output; missing keys get defaults.

        Raises:
            Dl2labError: On an unknown key or a bad value.
        """
        if not isinstance(data, dict):
            raise Dl2labError(
                f"a clean config must be a dict; got {type(data).__name__}"
            )
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise Dl2labError(
                f"unknown clean config key(s) {', '.join(map(repr, unknown))}; "
                f"expected some of: {', '.join(STEPS)}"
            )
        return cls(**data)

    @classmethod
    def tokenize_only(cls) -> CleanConfig:
        """Return a config with every step off: the bare tokeniser."""
        return cls(
            html=False,
            normalize=False,
            urls="keep",
            mentions="keep",
            hashtags="keep",
            casefold=False,
            emoji="keep",
            punctuation="keep",
            numbers="keep",
            max_repeat=0,
            stopwords="none",
            word_form="keep",
        )
