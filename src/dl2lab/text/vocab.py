"""Vocabulary: tokens to ids and back, with reserved padding and OOV ids.

Ids:

- ``PAD_ID = 0`` (``<pad>``) fills sequences shorter than ``max_len``. Keras'
  ``Embedding(mask_zero=True)`` treats id 0 as padding, so it must never be
  a word.
- ``OOV_ID = 1`` (``<unk>``) stands for every token outside the vocabulary.
- Further reserved tokens, if any, take ids 2, 3, ...; then the words, most
  frequent first. Ties in frequency are broken by the token's string order,
  so the same corpus always gives the same ids whatever its order.

``max_words`` counts real words only, as the exam's "vocabulary size of
20,000" means words: ``len(vocab)`` (the ``input_dim`` of an Embedding) is
``max_words + len(reserved)`` when the corpus has enough words, and every id
that :meth:`Vocabulary.encode` returns is below ``len(vocab)``.

``DEFAULT_MAX_LEN = 18`` is the 99th percentile of tokens per tweet over the
20,761 real tweets of ``load("tweets")`` cleaned with the default
:class:`~dl2lab.text.clean.CleanConfig` (median 10, 95th percentile 15,
maximum 34), so 1 tweet in 100 loses its last tokens. ``bench/preprocess.py``
recomputes it and draws ``docs/tokens-per-tweet.png``. Without stopword
removal tweets are longer (99th percentile 30): pass ``max_len`` then.

Sides: :meth:`Vocabulary.encode` pads at the front (``padding="pre"``) and
cuts at the end (``truncating="post"``). Front padding puts the real tokens
last, next to the final state of a recurrent layer, which then works even
without a mask; cutting the end keeps the start of the tweet, where its
subject usually is, and drops what tweets end with: links and hashtags.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dl2lab.atomic import write_text
from dl2lab.errors import Dl2labError

PAD_ID = 0
OOV_ID = 1
PAD_TOKEN = "<pad>"
OOV_TOKEN = "<unk>"
DEFAULT_MAX_WORDS = 20_000
DEFAULT_MAX_LEN = 18
# Percentile of tokens per real tweet that DEFAULT_MAX_LEN was taken from.
MAX_LEN_PERCENTILE = 99

_FORMAT = "dl2lab-vocabulary"
_FORMAT_VERSION = 1
_SIDES = ("pre", "post")


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise Dl2labError(f"`{name}` must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise Dl2labError(f"`{name}` must be an integer >= {minimum}; got {value}")
    return int(value)


def _check_token_lists(token_lists) -> list[Sequence[str]]:
    if isinstance(token_lists, str):
        raise Dl2labError(
            "`token_lists` must be a list of token lists; got a str "
            f"{token_lists!r:.40} (clean texts with Cleaner.batch first)"
        )
    lists = list(token_lists)
    for i, tokens in enumerate(lists):
        if isinstance(tokens, str) or not isinstance(tokens, Sequence):
            raise Dl2labError(
                f"`token_lists[{i}]` must be a list of str tokens; got "
                f"{type(tokens).__name__} {tokens!r:.40} (a whole text? clean it "
                "with Cleaner.tokens first)"
            )
    return lists


class Vocabulary:
    """A fixed mapping between tokens and integer ids.

    Build one with :meth:`build` or :meth:`load`; the constructor takes the
    parts as they are stored.

    Args:
        words: The real words in id order (ids start after ``reserved``).
        counts: How often each word occurred in the training corpus.
        reserved: Reserved tokens; the first is padding (id 0), the second
            OOV (id 1).
        max_words: The ``max_words`` the vocabulary was built with.
        min_count: The ``min_count`` it was built with.
    """

    def __init__(
        self,
        words: Sequence[str],
        counts: Sequence[int] | None = None,
        reserved: Sequence[str] = (PAD_TOKEN, OOV_TOKEN),
        max_words: int | None = DEFAULT_MAX_WORDS,
        min_count: int = 1,
    ) -> None:
        reserved = tuple(reserved)
        if len(reserved) < 2 or not all(isinstance(t, str) for t in reserved):
            raise Dl2labError(
                "`reserved` must hold at least the padding and OOV tokens (str); "
                f"got {reserved!r}"
            )
        words = list(words)
        counts = [0] * len(words) if counts is None else [int(c) for c in counts]
        if len(counts) != len(words):
            raise Dl2labError(
                f"`counts` must have one entry per word ({len(words)}); "
                f"got {len(counts)}"
            )
        self._id_to_token = [*reserved, *words]
        self._token_to_id = {token: i for i, token in enumerate(self._id_to_token)}
        if len(self._token_to_id) != len(self._id_to_token):
            dup = Counter(self._id_to_token).most_common(1)[0][0]
            raise Dl2labError(
                f"vocabulary tokens must be unique; {dup!r} appears twice"
            )
        self.reserved = reserved
        self.counts = counts
        self.max_words = max_words
        self.min_count = min_count

    # ------------------------------------------------------------------
    # Construction

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        max_words: int | None = DEFAULT_MAX_WORDS,
        min_count: int = 1,
        reserved: Sequence[str] = (PAD_TOKEN, OOV_TOKEN),
    ) -> Vocabulary:
        """Count tokens and keep the most frequent words.

        Args:
            token_lists: One list of tokens per text (from
                :meth:`dl2lab.text.clean.Cleaner.batch`).
            max_words: How many real words to keep at most (reserved tokens
                not counted); None keeps all.
            min_count: Drop words seen fewer times than this.
            reserved: Reserved tokens, padding first and OOV second.

        Returns:
            The vocabulary. Occurrences of reserved tokens in the data are
            not counted as words.
        """
        if max_words is not None:
            max_words = _check_int("max_words", max_words, 1)
        min_count = _check_int("min_count", min_count, 1)
        counter: Counter[str] = Counter()
        for tokens in _check_token_lists(token_lists):
            counter.update(tokens)
        for token in reserved:
            counter.pop(token, None)
        for token in counter:
            if not isinstance(token, str):
                raise Dl2labError(
                    f"tokens must be str; got {type(token).__name__} {token!r:.40}"
                )
        ranked = sorted(
            (item for item in counter.items() if item[1] >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        if max_words is not None:
            ranked = ranked[:max_words]
        return cls(
            [token for token, _ in ranked],
            [count for _, count in ranked],
            reserved=reserved,
            max_words=max_words,
            min_count=min_count,
        )

    # ------------------------------------------------------------------
    # Look-ups

    def __len__(self) -> int:
        return len(self._id_to_token)

    def __contains__(self, token: object) -> bool:
        return token in self._token_to_id

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Vocabulary)
            and self._id_to_token == other._id_to_token
            and self.counts == other.counts
        )

    def __repr__(self) -> str:
        return (
            f"Vocabulary({len(self.words)} words + {len(self.reserved)} reserved, "
            f"max_words={self.max_words}, min_count={self.min_count})"
        )

    @property
    def words(self) -> list[str]:
        """The real words, in id order (without reserved tokens)."""
        return self._id_to_token[len(self.reserved) :]

    @property
    def tokens(self) -> list[str]:
        """Every token in id order, reserved ones first."""
        return list(self._id_to_token)

    def token_to_id(self, token: str) -> int:
        """Return the id of ``token``, or ``OOV_ID`` if it is unknown."""
        return self._token_to_id.get(token, OOV_ID)

    def id_to_token(self, i: int) -> str:
        """Return the token with id ``i``.

        Raises:
            Dl2labError: If ``i`` is not in ``[0, len(vocab))``.
        """
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise Dl2labError(f"a token id must be an integer; got {i!r}")
        if not 0 <= i < len(self._id_to_token):
            raise Dl2labError(
                f"token id {int(i)} is out of range; expected 0 <= id < {len(self)}"
            )
        return self._id_to_token[int(i)]

    # ------------------------------------------------------------------
    # Sequences

    def encode(
        self,
        token_lists: Iterable[Sequence[str]],
        max_len: int = DEFAULT_MAX_LEN,
        padding: str = "pre",
        truncating: str = "post",
    ) -> np.ndarray:
        """Turn token lists into a padded matrix of ids.

        Args:
            token_lists: One list of tokens per text.
            max_len: Length of every row.
            padding: ``"pre"`` puts the padding (id 0) before the tokens,
                ``"post"`` after them.
            truncating: ``"post"`` keeps the first ``max_len`` tokens of a
                longer list, ``"pre"`` the last ones.

        Returns:
            int32 array of shape ``(len(token_lists), max_len)``; unknown
            tokens are ``OOV_ID``.
        """
        max_len = _check_int("max_len", max_len, 1)
        for name, side in (("padding", padding), ("truncating", truncating)):
            if side not in _SIDES:
                raise Dl2labError(f"`{name}` must be 'pre' or 'post'; got {side!r}")
        lists = _check_token_lists(token_lists)
        token_ids = np.full((len(lists), max_len), PAD_ID, dtype=np.int32)
        # A literal "<pad>" in the data is an unknown token, not padding.
        pad_token = self._id_to_token[PAD_ID]
        index = self._token_to_id

        def lookup(token: str, default: int) -> int:
            return default if token == pad_token else index.get(token, default)

        for row, tokens in enumerate(lists):
            ids = [lookup(token, OOV_ID) for token in tokens]
            if len(ids) > max_len:
                ids = ids[:max_len] if truncating == "post" else ids[-max_len:]
            if not ids:
                continue
            if padding == "post":
                token_ids[row, : len(ids)] = ids
            else:
                token_ids[row, max_len - len(ids) :] = ids
        return token_ids

    def decode(self, token_ids: Iterable[int]) -> list[str]:
        """Turn one sequence of ids back into tokens, dropping padding.

        Args:
            token_ids: One row of ids (a list or a 1-D array).

        Returns:
            The tokens; OOV ids give ``<unk>``.

        Raises:
            Dl2labError: If an id is out of range or the input is not 1-D.
        """
        array = np.asarray(token_ids)
        if array.ndim != 1:
            raise Dl2labError(
                f"`token_ids` must be one sequence (1-D); got shape {array.shape}"
            )
        return [self.id_to_token(i) for i in array.tolist() if i != PAD_ID]

    def coverage(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Return the share of tokens that are in the vocabulary (0 if none)."""
        known = total = 0
        for tokens in _check_token_lists(token_lists):
            total += len(tokens)
            known += sum(1 for token in tokens if token in self._token_to_id)
        return known / total if total else 0.0

    # ------------------------------------------------------------------
    # Storage

    def to_dict(self) -> dict:
        """Return the JSON-ready form that :meth:`save` writes."""
        return {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "pad_id": PAD_ID,
            "oov_id": OOV_ID,
            "reserved": list(self.reserved),
            "max_words": self.max_words,
            "min_count": self.min_count,
            "words": self.words,
            "counts": self.counts,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON, atomically.

        Args:
            path: Destination file.

        Returns:
            The path written.
        """
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=0)
        return write_text(path, text + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            Dl2labError: If the file is missing, not JSON, or not a vocabulary.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise Dl2labError(f"vocabulary file {str(path)!r} does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Dl2labError(
                f"vocabulary file {str(path)!r} is not readable JSON: {exc}"
            ) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise Dl2labError(
                f"file {str(path)!r} is not a dl2lab vocabulary; expected a JSON "
                f'object with "format": "{_FORMAT}"'
            )
        if data.get("version") != _FORMAT_VERSION:
            raise Dl2labError(
                f"vocabulary file {str(path)!r} has format version "
                f"{data.get('version')!r}; expected {_FORMAT_VERSION}"
            )
        try:
            return cls(
                data["words"],
                data["counts"],
                reserved=data["reserved"],
                max_words=data.get("max_words"),
                min_count=data.get("min_count", 1),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Dl2labError(
                f"vocabulary file {str(path)!r} is damaged: {exc!s}"
            ) from None
