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
captions always give the same ids (the rule of
:class:`dl2lab.text.vocab.Vocabulary`, which stores them).

Cutting rule: a caption with more than ``max_len - 2`` words keeps its first
``max_len - 2`` and still ends with `<eos>`, so every encoded caption is
``<s> w1 ... wk <eos>`` with ``k <= max_len - 2``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dl2lab.errors import Dl2labError
from dl2lab.text.vocab import Vocabulary

PAD, UNK, START, EOS = "<pad>", "<unk>", "<s>", "<eos>"
SPECIALS = (PAD, UNK, START, EOS)
PAD_ID, UNK_ID, START_ID, EOS_ID = 0, 1, 2, 3
DEFAULT_SIZE = 1000
DEFAULT_MAX_LEN = 20

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def tokenize(caption: str) -> list[str]:
    """Split a caption into lower-case words by the module's rule."""
    text = unicodedata.normalize("NFKC", str(caption)).lower().replace("\u2019", "'")
    return _WORD.findall(text)


class CaptionVocabulary:
    """Word ids for captions, on top of :class:`dl2lab.text.vocab.Vocabulary`.

    The ids, ranking and storage are those of the text vocabulary, built with
    the four special symbols reserved; this class adds the caption
    tokenisation and the `<s>` ... `<eos>` framing.

    Args:
        words: The ordinary words, in id order (ids start at 4).
        counts: Their counts in the training captions, if known.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int] | None = None):
        words = list(words)
        clash = sorted(set(words) & set(SPECIALS))
        if clash:
            raise Dl2labError(f"`words` must not contain special symbols; got {clash}")
        self.vocab = Vocabulary(words, counts, reserved=SPECIALS, max_words=None)

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
        if isinstance(size, bool) or not isinstance(size, int) or size < 5:
            raise Dl2labError(f"`size` must be an int >= 5; got {size!r}")
        if isinstance(captions, str):
            raise Dl2labError("`captions` must be a list of captions, not one str")
        vocab = Vocabulary.build(
            [tokenize(caption) for caption in captions],
            max_words=size - len(SPECIALS),
            min_count=min_count,
            reserved=SPECIALS,
        )
        return cls(vocab.words, vocab.counts)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def tokens(self) -> list[str]:
        """Every token in id order, specials first."""
        return self.vocab.tokens

    def tokenize(self, caption: str) -> list[str]:
        """Split ``caption`` into words (see the module's rule)."""
        return tokenize(caption)

    def token_to_id(self, token: str) -> int:
        """Return the id of word ``token``; ``UNK_ID`` if unknown or special."""
        return UNK_ID if token in SPECIALS else self.vocab.token_to_id(token)

    def id_to_token(self, token_id: int) -> str:
        """Return the token of ``token_id``."""
        return self.vocab.id_to_token(token_id)

    def encode(
        self, caption: str | Sequence[str], max_len: int = DEFAULT_MAX_LEN
    ) -> list[int]:
        """Return ``[<s>, w1, ..., wk, <eos>]`` ids with ``k <= max_len - 2``.

        Args:
            caption: A caption, or a list of its tokens.
            max_len: Longest result, `<s>` and `<eos>` included.

        Returns:
            The ids, unpadded. A special symbol written inside the caption
            is an unknown word, never a real `<eos>`.
        """
        if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 2:
            raise Dl2labError(f"`max_len` must be an int >= 2; got {max_len!r}")
        words = tokenize(caption) if isinstance(caption, str) else list(caption)
        ids = [self.token_to_id(word) for word in words[: max_len - 2]]
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

    def save(self, path: str | os.PathLike) -> Path:
        """Write the vocabulary as JSON (the text vocabulary's format)."""
        return self.vocab.save(path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> CaptionVocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            Dl2labError: If the file is missing, not a vocabulary, or not one
                with the caption symbols reserved.
        """
        vocab = Vocabulary.load(path)
        if tuple(vocab.reserved) != SPECIALS:
            raise Dl2labError(
                f"vocabulary {str(path)!r} reserves {list(vocab.reserved)}; a "
                f"caption vocabulary reserves {list(SPECIALS)}"
            )
        return cls(vocab.words, vocab.counts)
