"""The captioner's vocabulary: words to ids and back, with `<s>` and `<eos>`.

As in the exam (Exercise 4): 1000 ids including four special symbols, and
sequences of at most 20 tokens including `<s>` and `<eos>`.

==========  ====  ==========================================
symbol      id    meaning
==========  ====  ==========================================
``<pad>``   0     padding after `<eos>` (masked by the model)
``<unk>``   1     any word outside the vocabulary
``<s>``     2     start of a caption (the decoder's first input)
``<eos>``   3     end of a caption
==========  ====  ==========================================

Tokenisation rule: Unicode NFKC, lower case, then the words are the runs of
letters and digits, with an apostrophe kept inside a word ("o'clock",
"man's"); every other character (punctuation, ':' and ',', emoji) separates
words and is dropped. The other ``size - 4`` ids go to the most frequent
words of the training captions, ties broken alphabetically, so the same
captions always give the same ids.

Cutting rule: a caption with more than ``max_len - 2`` words keeps its first
``max_len - 2`` and still ends with `<eos>`, so every encoded caption is
``<s> w1 ... wk <eos>`` with ``k <= max_len - 2``.
"""

from __future__ import annotations

import collections
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dl2lab.atomic import write_text
from dl2lab.errors import Dl2labError

PAD, UNK, START, EOS = "<pad>", "<unk>", "<s>", "<eos>"
SPECIALS = (PAD, UNK, START, EOS)
PAD_ID, UNK_ID, START_ID, EOS_ID = 0, 1, 2, 3
DEFAULT_SIZE = 1000
DEFAULT_MAX_LEN = 20
FORMAT = "dl2lab-caption-vocabulary"

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def tokenize(caption: str) -> list[str]:
    """Split a caption into lower-case words by the module's rule."""
    text = unicodedata.normalize("NFKC", str(caption)).lower().replace("\u2019", "'")
    return _WORD.findall(text)


class CaptionVocabulary:
    """Word ids for captions.

    Args:
        words: The ordinary words, in id order (ids start at 4).
    """

    def __init__(self, words: Sequence[str]) -> None:
        words = list(words)
        clash = sorted(set(words) & set(SPECIALS))
        if clash:
            raise Dl2labError(f"`words` must not contain special symbols; got {clash}")
        if len(set(words)) != len(words):
            raise Dl2labError("`words` must not repeat a word")
        self._tokens = [*SPECIALS, *words]
        self._ids = {token: i for i, token in enumerate(self._tokens)}

    @classmethod
    def build(
        cls,
        captions: Iterable[str],
        size: int = DEFAULT_SIZE,
        min_count: int = 1,
    ) -> CaptionVocabulary:
        """Keep the ``size - 4`` most frequent words of ``captions``.

        Args:
            captions: Training captions (strings).
            size: Number of ids including the 4 special symbols.
            min_count: Words seen fewer times stay out (become `<unk>`).

        Returns:
            The vocabulary; it has fewer than ``size`` ids when the captions
            have fewer distinct words.
        """
        if not isinstance(size, int) or size < len(SPECIALS) + 1:
            raise Dl2labError(f"`size` must be an int >= 5; got {size!r}")
        if min_count < 1:
            raise Dl2labError(f"`min_count` must be >= 1; got {min_count!r}")
        if isinstance(captions, str):
            raise Dl2labError("`captions` must be a list of captions, not one str")
        counts = collections.Counter()
        for caption in captions:
            counts.update(tokenize(caption))
        ranked = sorted(
            (item for item in counts.items() if item[1] >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        return cls([word for word, _ in ranked[: size - len(SPECIALS)]])

    def __len__(self) -> int:
        return len(self._tokens)

    @property
    def tokens(self) -> list[str]:
        """Every token in id order, specials first."""
        return list(self._tokens)

    def tokenize(self, caption: str) -> list[str]:
        """Split ``caption`` into words (see the module's rule)."""
        return tokenize(caption)

    def token_to_id(self, token: str) -> int:
        """Return the id of ``token``, or ``UNK_ID`` if it is not known."""
        return self._ids.get(token, UNK_ID)

    def id_to_token(self, token_id: int) -> str:
        """Return the token of ``token_id``."""
        if not 0 <= int(token_id) < len(self._tokens):
            raise Dl2labError(
                f"`token_id` must be in [0, {len(self._tokens)}); got {token_id!r}"
            )
        return self._tokens[int(token_id)]

    def encode(
        self, caption: str | Sequence[str], max_len: int = DEFAULT_MAX_LEN
    ) -> list[int]:
        """Return ``[<s>, w1, ..., wk, <eos>]`` ids with ``k <= max_len - 2``.

        Args:
            caption: A caption, or a list of its tokens.
            max_len: Longest result, `<s>` and `<eos>` included.

        Returns:
            The ids, unpadded.
        """
        if not isinstance(max_len, int) or max_len < 2:
            raise Dl2labError(f"`max_len` must be an int >= 2; got {max_len!r}")
        words = tokenize(caption) if isinstance(caption, str) else list(caption)
        ids = [self._ids.get(word, UNK_ID) for word in words[: max_len - 2]]
        return [START_ID, *ids, EOS_ID]

    def encode_batch(
        self, captions: Iterable[str], max_len: int = DEFAULT_MAX_LEN
    ) -> np.ndarray:
        """Encode captions into an int32 ``(n, max_len)`` array padded with 0."""
        if isinstance(captions, str):
            raise Dl2labError("`captions` must be a list of captions, not one str")
        rows = [self.encode(caption, max_len) for caption in captions]
        out = np.zeros((len(rows), max_len), dtype=np.int32)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return out

    def decode_tokens(self, token_ids: Iterable[int]) -> list[str]:
        """Return the words of ``token_ids``, up to the first `<eos>`.

        `<s>` and `<pad>` are dropped; `<unk>` is kept as ``"<unk>"``.
        """
        words = []
        for token_id in np.asarray(list(token_ids)).ravel().tolist():
            if token_id == EOS_ID:
                break
            if token_id in (PAD_ID, START_ID):
                continue
            words.append(self.id_to_token(token_id))
        return words

    def decode(self, token_ids: Iterable[int]) -> str:
        """Return the caption of ``token_ids`` (specials stripped) as one str."""
        return " ".join(self.decode_tokens(token_ids))

    def to_dict(self) -> dict:
        """Return a JSON-ready description."""
        return {"format": FORMAT, "version": 1, "tokens": self._tokens}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON, atomically."""
        return write_text(path, json.dumps(self.to_dict(), ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> CaptionVocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            Dl2labError: If the file is missing or not a caption vocabulary.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise Dl2labError(
                f"caption vocabulary {str(path)!r} cannot be read: {exc}"
            ) from None
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or not isinstance(tokens, list)
            or tuple(tokens[: len(SPECIALS)]) != SPECIALS
        ):
            raise Dl2labError(
                f"caption vocabulary {str(path)!r} is not a {FORMAT} file "
                f"starting with {', '.join(SPECIALS)}"
            )
        return cls(tokens[len(SPECIALS) :])
