"""Tweet preprocessing, tokenisation and vocabulary (Exercise 3.1).

Usage::

    from dl2lab.text import Cleaner, CleanConfig, Vocabulary

    cleaner = Cleaner(CleanConfig(emoji="words"))
    token_lists = cleaner.batch(texts)
    vocab = Vocabulary.build(token_lists, max_words=20_000)
    token_ids = vocab.encode(token_lists)  # int32 (n, DEFAULT_MAX_LEN)

Names are imported on first use, so that ``dl2lab.text.cli`` (and with it
``dl2lab --help``) stays fast.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CleanConfig": "dl2lab.text.clean",
    "Cleaner": "dl2lab.text.clean",
    "trace": "dl2lab.text.clean",
    "tokenize": "dl2lab.text.tokenize",
    "Vocabulary": "dl2lab.text.vocab",
    "PAD_ID": "dl2lab.text.vocab",
    "OOV_ID": "dl2lab.text.vocab",
    "DEFAULT_MAX_LEN": "dl2lab.text.vocab",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'dl2lab.text' has no attribute {name!r}")
