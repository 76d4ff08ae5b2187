"""Named stopword lists.

``"sklearn"`` is scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words, lower
case, no contractions). It is read from the installed scikit-learn's source
file rather than imported, because importing ``sklearn`` costs more than a
second and the command line should start fast; a test checks the two are
equal. The list is known to be aggressive: it removes "bill", "system",
"fire", "call", "interest" and the numbers "one" to "twenty", which can carry
a topic. NLTK's own stopword list is not offered because it is a corpus that
must be downloaded from a hub.

``"none"`` removes nothing.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from pathlib import Path

from dl2lab.errors import Dl2labError

STOPWORD_LISTS = ("sklearn", "none")


@functools.cache
def stopword_set(name: str) -> frozenset[str]:
    """Return the stopword list called ``name`` as a frozenset.

    Args:
        name: One of :data:`STOPWORD_LISTS`.

    Returns:
        The words (lower case).

    Raises:
        Dl2labError: If ``name`` is not a known list.
    """
    if name == "none":
        return frozenset()
    if name == "sklearn":
        return _sklearn_words()
    raise Dl2labError(
        f"unknown stopword list {name!r}; expected one of: {', '.join(STOPWORD_LISTS)}"
    )


def _sklearn_words() -> frozenset[str]:
    spec = importlib.util.find_spec("sklearn")
    if spec is not None and spec.submodule_search_locations:
        source = (
            Path(next(iter(spec.submodule_search_locations)))
            / "feature_extraction"
            / "_stop_words.py"
        )
        try:
            words = _literal_words(source.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            words = None
        if words:
            return words
    # The source layout changed: fall back to the (slow) import.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _literal_words(source: str) -> frozenset[str] | None:
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Assign)
            and any(
                isinstance(t, ast.Name) and t.id == "ENGLISH_STOP_WORDS"
                for t in node.targets
            )
            and isinstance(node.value, ast.Call)
            and node.value.args
        ):
            return frozenset(ast.literal_eval(node.value.args[0]))
    return None
