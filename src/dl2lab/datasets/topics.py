"""``topics``: short real texts in four classes, from Debian packages.

Sources and labels (a label comes from the file a text is in, so labels are
noisy: a quote in ``computers`` may be a joke about anything):

- politics: ``fortunes`` file ``politics``;
- technology: ``fortunes`` files ``computers``, ``linux``, ``perl``,
  ``debian``, ``linuxcookie``;
- none: ``fortunes`` files ``work``, ``men-women``, ``art``, ``education``,
  ``food``, ``love``, ``kids``, ``sports``;
- religion: two sources, so the class is not recognisable by one book's
  style: the Dhammapada (``display-dhammapada``; each numbered verse, or
  group of verses as the translator joined them, in one of its two English
  translations chosen at random, never both, so no verse crosses splits) and
  the World English Bible (``sword-text-web``, modern English, public
  domain; Psalms, Proverbs, the Gospels and the Letters, as runs of
  consecutive verses of one chapter packed up to 160 characters, about the
  length of a quote, so that length does not give the class away).

Construction, in order: quotes lose their ``-- Author`` line (the rule is in
:mod:`dl2lab.datasets.fortunes`); whitespace is collapsed; texts longer than
280 characters or shorter than 20 are dropped; duplicates (same letters and
digits, ignoring case) are kept once, and a text found under two labels is
dropped; every class is capped at the size of the smallest class by a seeded
random draw (religion: half from each source, as far as each has texts);
finally a stratified 80/10/10 train/val/test split with seed 2026.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dl2lab.datasets import built, packages
from dl2lab.datasets.dhammapada import read_dhammapada
from dl2lab.datasets.fortunes import read_fortunes
from dl2lab.datasets.split import stratified_split
from dl2lab.datasets.sword import Verse, read_module
from dl2lab.errors import Dl2labError

NAME = "topics"
LABELS = ("politics", "technology", "religion", "none")
SEED = 2026
FRACTIONS = (0.8, 0.1, 0.1)
MAX_CHARS = 280
MIN_CHARS = 20
COLUMNS = (
    "text",
    "label",
    "split",
    "source_package",
    "source_version",
    "source_file",
    "source_ref",
)

FORTUNE_DIR = "usr/share/games/fortunes"
FORTUNE_FILES = {
    "politics": ("politics",),
    "technology": ("computers", "linux", "perl", "debian", "linuxcookie"),
    "none": (
        "work",
        "men-women",
        "art",
        "education",
        "food",
        "love",
        "kids",
        "sports",
    ),
}
DHAMMAPADA_DIR = "usr/share/display-dhammapada"
DHAMMAPADA_FILES = ("dhammapada-english-transl.txt", "dhammapada-alternate.txt")
SWORD_MODULE = "usr/share/sword/modules/texts/ztext/engWEB2015eb"
# Books whose verses speak of faith directly, not genealogies, laws, history.
BIBLE_BOOKS = frozenset(
    {"Ps", "Prov", "Matt", "Mark", "Luke", "John", "Rom", "1Cor", "2Cor", "Gal"}
    | {"Eph", "Phil", "Col", "1Thess", "2Thess", "1Tim", "2Tim", "Titus", "Phlm"}
    | {"Heb", "Jas", "1Pet", "2Pet", "1John", "2John", "3John", "Jude"}
)
# Verses are joined up to this length: about the length of a quote, so the
# class is not told apart by length.
BIBLE_PACK_CHARS = 160
PACKAGES = ("fortunes", "display-dhammapada", "sword-text-web")


# --------------------------------------------------------------------------
# Records from each source: (text, label, package, file, ref)


def fortune_records(root: Path) -> list[tuple[str, str, str, str, str]]:
    """Quotes of the chosen ``fortunes`` files, labelled by file."""
    records = []
    for label, names in FORTUNE_FILES.items():
        for name in names:
            rel = f"{FORTUNE_DIR}/{name}"
            for i, quote in enumerate(read_fortunes(root / rel), start=1):
                records.append((quote, label, "fortunes", rel, f"record {i}"))
    return records


def dhammapada_records(
    root: Path, seed: int = SEED
) -> list[tuple[str, str, str, str, str]]:
    """Each verse group once, in one of the two translations (seeded coin)."""
    first, second = (
        read_dhammapada(root / DHAMMAPADA_DIR / f) for f in DHAMMAPADA_FILES
    )
    rng = np.random.RandomState(seed)
    records = []
    for start, end, text in first:
        rel, chosen = f"{DHAMMAPADA_DIR}/{DHAMMAPADA_FILES[0]}", text
        if rng.rand() < 0.5:
            # The other translation's paragraphs for the same verses.
            parts = [t for s, e, t in second if start <= s and e <= end]
            rel, chosen = f"{DHAMMAPADA_DIR}/{DHAMMAPADA_FILES[1]}", " ".join(parts)
        ref = f"verse {start}" if start == end else f"verses {start}-{end}"
        records.append((chosen, "religion", "display-dhammapada", rel, ref))
    return records


def pack_verses(verses: list[Verse], max_chars: int = MAX_CHARS) -> list[tuple]:
    """Join runs of consecutive verses of one chapter, up to ``max_chars``.

    Args:
        verses: Verses in order.
        max_chars: Longest text; a verse longer than this stays alone.

    Returns:
        ``(text, file, ref)`` tuples, e.g. ref ``"Matt 5:3-5"``.
    """
    out: list[tuple] = []
    run: list[Verse] = []

    def close() -> None:
        if run:
            ref = f"{run[0].book} {run[0].chapter}:{run[0].verse}"
            if len(run) > 1:
                ref += f"-{run[-1].verse}"
            out.append((" ".join(v.text for v in run), run[0].file, ref))

    for verse in verses:
        same_chapter = run and (run[-1].book, run[-1].chapter) == (
            verse.book,
            verse.chapter,
        )
        joined = sum(len(v.text) + 1 for v in run) + len(verse.text)
        if same_chapter and verse.verse == run[-1].verse + 1 and joined <= max_chars:
            run.append(verse)
        else:
            close()
            run = [verse]
    close()
    return out


def bible_records(root: Path) -> list[tuple[str, str, str, str, str]]:
    """Passages of the chosen books of the World English Bible."""
    verses = [v for v in read_module(root / SWORD_MODULE) if v.book in BIBLE_BOOKS]
    records = []
    for text, path, ref in pack_verses(verses, BIBLE_PACK_CHARS):
        rel = str(Path(path).relative_to(root))
        records.append((text, "religion", "sword-text-web", rel, ref))
    return records


# --------------------------------------------------------------------------
# Building the corpus


def dedup_key(text: str) -> str:
    """Letters and digits only, case-folded: the identity of a text."""
    return re.sub(r"[\W_]+", "", text.casefold())


def build_corpus(
    records: list[tuple[str, str, str, str, str]],
    versions: dict[str, str],
    seed: int = SEED,
) -> pd.DataFrame:
    """Filter, deduplicate, balance and split records into the corpus.

    Args:
        records: ``(text, label, package, file, ref)`` from every source.
        versions: Package name -> version, for provenance.
        seed: Seed of the balancing draw and of the split.

    Returns:
        The corpus with columns :data:`COLUMNS`.

    Raises:
        Dl2labError: If a class ends up empty.
    """
    table = pd.DataFrame(
        records,
        columns=["text", "label", "source_package", "source_file", "source_ref"],
    )
    table["source_version"] = table["source_package"].map(versions)

    # Length limits, then duplicates: once per label, never under two labels.
    length = table["text"].str.len()
    table = table[(length <= MAX_CHARS) & (length >= MIN_CHARS)].copy()
    table["key"] = table["text"].map(dedup_key)
    table = table.drop_duplicates(subset=["key", "label"], keep="first")
    table = table[~table["key"].duplicated(keep=False)]

    counts = table["label"].value_counts()
    missing = [label for label in LABELS if counts.get(label, 0) == 0]
    if missing:
        raise Dl2labError(f"the sources gave no text for class(es) {missing}")
    cap = int(counts.min())

    # Balance: a seeded draw of `cap` texts per class, in a fixed order.
    rng = np.random.RandomState(seed)
    kept = []
    for label in LABELS:
        part = table[table["label"] == label].sort_values("key")
        if label == "religion":
            part = _draw_evenly(part, cap, rng)
        elif len(part) > cap:
            part = part.iloc[np.sort(rng.choice(len(part), cap, replace=False))]
        kept.append(part)
    corpus = pd.concat(kept, ignore_index=True)
    corpus["split"] = stratified_split(corpus["label"], corpus["key"], FRACTIONS, seed)
    return corpus[list(COLUMNS)]


def _draw_evenly(part: pd.DataFrame, cap: int, rng: np.random.RandomState):
    """Draw ``cap`` rows sharing them as evenly as possible between sources."""
    groups = [g for _, g in part.groupby("source_package", sort=True)]
    sizes = [len(g) for g in groups]
    share = [0] * len(groups)
    remaining = min(cap, sum(sizes))
    while remaining:
        open_groups = [i for i in range(len(groups)) if share[i] < sizes[i]]
        for i in open_groups[:remaining]:
            share[i] += 1
            remaining -= 1
    drawn = [
        g.iloc[np.sort(rng.choice(len(g), n, replace=False))]
        for g, n in zip(groups, share, strict=True)
    ]
    return pd.concat(drawn)


# --------------------------------------------------------------------------
# The dataset


def fetch(from_dir: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Fetch the three packages and build the corpus into the cache.

    Args:
        from_dir: Folder holding the ``.deb`` files instead of apt.
        force: Fetch the packages and build again.

    Returns:
        The dataset folder (``topics.parquet`` and ``meta.json``).
    """

    def builder(folder: Path) -> dict[str, Any]:
        roots = {
            name: packages.fetch_deb(name, from_dir=from_dir, force=force)
            for name in PACKAGES
        }
        versions = {n: packages.provenance(r)["version"] for n, r in roots.items()}
        records = (
            fortune_records(roots["fortunes"])
            + dhammapada_records(roots["display-dhammapada"])
            + bible_records(roots["sword-text-web"])
        )
        corpus = build_corpus(records, versions)
        corpus.to_parquet(folder / "topics.parquet", index=False)
        counts = corpus.groupby(["split", "label"]).size()
        sources = corpus.groupby(["label", "source_package"]).size()
        return {
            "rows": len(corpus),
            "versions": versions,
            "counts": {f"{s}/{lab}": int(n) for (s, lab), n in counts.items()},
            "sources": {f"{lab}/{p}": int(n) for (lab, p), n in sources.items()},
        }

    return built.build(NAME, builder, force=force)


def load(
    split: str | None = None, from_dir: str | os.PathLike | None = None
) -> pd.DataFrame:
    """Return the corpus.

    Args:
        split: Keep only ``train``, ``val`` or ``test``; None keeps all.
        from_dir: Passed to :func:`fetch` when the cache is empty.

    Returns:
        Columns ``text, label, split, source_package, source_version,
        source_file, source_ref``.
    """
    return built.read_split(fetch(from_dir=from_dir) / "topics.parquet", split)


def status() -> list[str]:
    """Lines for ``dl2lab data list``: state, counts per split, sources."""
    meta = built.read_meta(NAME)
    if meta is None:
        return ["not fetched"]
    lines = ["fetched", f"{meta['rows']:,} texts"]
    lines += built.split_count_lines(meta, LABELS)
    sources = ", ".join(
        f"{key.split('/')[1]} {n}"
        for key, n in meta["sources"].items()
        if key.startswith("religion/")
    )
    lines.append(f"religion from {sources}")
    lines.append(
        "packages: " + ", ".join(f"{n} {v}" for n, v in meta["versions"].items())
    )
    return lines
