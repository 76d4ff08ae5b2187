"""Word forms: Snowball stemming and WordNet lemmatisation, both cached.

Stemming uses NLTK's English Snowball stemmer ("Porter 2"). It lowercases
its input and strips a possessive ``'s``.

Lemmatisation uses NLTK's WordNet reader on the WordNet 3.0 database of the
Debian package ``wordnet-base`` (fetched with
:func:`dl2lab.datasets.packages.fetch_deb`, no hub download). The package
lacks the ``lexnames`` file that NLTK's reader opens first, so it is written
from the table in the package's own ``lexnames(5WN)`` manual page. The files
are copied, not linked, into ``<cache>/nltk_data/corpora/wordnet``: NLTK
only opens files under a folder of ``nltk.data.path`` and resolves links
before checking, so a link into the package tree would be refused.

Lemmatisation is **not part-of-speech aware**: NLTK's tagger model is also a
hub download. The rule is: a possessive ``'s`` is dropped, then the shortest
WordNet noun lemma is taken; if WordNet knows the word as a noun only in that
same form (or not at all), the shortest verb lemma is taken instead. So
"taxes" gives "tax", "went" gives "go" and "running" gives "run", but
"media" gives "medium" and "was" gives "wa" (a noun in WordNet), where a
tagger would have said "verb". A part-of-speech tagger that runs offline
would fix this.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import threading
from pathlib import Path

import regex

from dl2lab.atomic import output_dir, write_text
from dl2lab.errors import Dl2labError
from dl2lab.paths import cache_dir

log = logging.getLogger(__name__)

# Files of a WordNet database that NLTK's reader uses.
_WORDNET_FILES = tuple(
    f"{kind}.{pos}"
    for kind in ("index", "data")
    for pos in ("noun", "verb", "adj", "adv")
) + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))
_LEXNAME_ROW = regex.compile(r"^(\d\d)\t(\S+)", regex.MULTILINE)
_SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
_COMPLETE = "complete.txt"
_lock = threading.Lock()


# --------------------------------------------------------------------------
# Stemming


@functools.cache
def _snowball():
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


@functools.lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """Return the English Snowball stem of ``word`` (cached).

    Args:
        word: One token.

    Returns:
        The stem, lower case: "running" gives "run", "taxes" gives "tax",
        "Trump's" gives "trump".
    """
    return _snowball().stem(word)


# --------------------------------------------------------------------------
# Lemmatisation


def wordnet_dir(from_dir: str | os.PathLike | None = None) -> Path:
    """Return the NLTK-ready WordNet folder, building it on first use.

    Args:
        from_dir: Folder holding ``wordnet-base_*.deb``, for machines without
            apt; by default the package is downloaded with ``apt-get download``.

    Returns:
        ``<cache>/nltk_data/corpora/wordnet``.
    """
    target = cache_dir() / "nltk_data" / "corpora" / "wordnet"
    if (target / _COMPLETE).is_file() and all(
        (target / name).is_file() for name in (*_WORDNET_FILES, "lexnames")
    ):
        return target

    from dl2lab.datasets.packages import fetch_deb

    root = fetch_deb("wordnet-base", from_dir=from_dir)
    source = root / "usr" / "share" / "wordnet"
    manual = root / "usr" / "share" / "man" / "man5" / "lexnames.5WN.gz"
    missing = [n for n in _WORDNET_FILES if not (source / n).is_file()]
    if missing or not manual.is_file():
        raise Dl2labError(
            f"package wordnet-base unpacked at {str(root)!r} lacks "
            f"{', '.join(missing) or manual.name}; expected the WordNet 3.0 database"
        )
    with output_dir(target) as tmp:
        for name in _WORDNET_FILES:
            shutil.copyfile(source / name, tmp / name)
        write_text(tmp / "lexnames", _lexnames(manual))
        write_text(tmp / _COMPLETE, "copied from Debian wordnet-base\n")
    log.info("WordNet data ready in %s", target)
    return target


def _lexnames(manual: Path) -> str:
    import gzip

    text = gzip.decompress(manual.read_bytes()).decode("utf-8", "replace")
    rows = _LEXNAME_ROW.findall(text)
    if [int(number) for number, _ in rows] != list(range(len(rows))) or not rows:
        raise Dl2labError(
            f"could not read the lexicographer file table from {str(manual)!r}; "
            "expected rows '00<TAB>adj.all' ... in order"
        )
    lines = [
        f"{number}\t{name}\t{_SYNTACTIC_CATEGORY[name.split('.')[0]]}"
        for number, name in rows
    ]
    return "\n".join(lines) + "\n"


@functools.cache
def _wordnet():
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _EnglishWordNet(WordNetCorpusReader):
        # The mapping between WordNet versions only serves the multilingual
        # Open Multilingual Wordnet, which is not used; it would need
        # index.sense, which wordnet-base does not ship.
        def map_wn(self, version="wordnet"):
            return None

    folder = wordnet_dir()
    with _lock:
        nltk_data = str(folder.parent.parent)
        if nltk_data not in nltk.data.path:
            nltk.data.path.insert(0, nltk_data)
    import warnings

    with warnings.catch_warnings():
        # "The multilingual functions are not available": expected, see above.
        warnings.simplefilter("ignore", UserWarning)
        return _EnglishWordNet(str(folder), None)


def load_wordnet() -> None:
    """Load the WordNet reader now (about 5 s) instead of on the first word."""
    _wordnet()


@functools.lru_cache(maxsize=1 << 17)
def lemmatize(word: str) -> str:
    """Return the WordNet lemma of ``word`` (noun first, then verb; cached).

    Args:
        word: One token, ideally lower case.

    Returns:
        The lemma, or ``word`` itself when WordNet does not know it.
    """
    if word.endswith(("'s", "’s")) and len(word) > 2:
        word = word[:-2]
    reader = _wordnet()
    nouns = reader._morphy(word, "n")
    noun = min(nouns, key=len) if nouns else word
    if noun != word:
        return noun
    verbs = reader._morphy(word, "v")
    return min(verbs, key=len) if verbs else word
