"""``emoji``: the same emoji drawn by several design teams, with their names.

Sources (npm, fetched with ``npm pack``, or from ``--from DIR``):

- ``openmoji``: colour SVGs and black line-art SVGs of every emoji, and
  ``data/openmoji.json`` with each emoji's CLDR annotation ("woman surfing:
  medium-light skin tone"), group and skin tone.
- ``emoji-datasource-google`` and ``emoji-datasource-twitter``: 64-pixel
  PNGs of 1,911 emoji and 1,875 skin-tone variants, and ``emoji.json`` with
  their Unicode names ("WOMAN SURFING").

Which emoji: the Unicode emoji of ``openmoji.json``, except its own extras
(groups ``extras-openmoji``: brand logos and invented symbols;
``extras-unicode``: regional indicators and other non-emoji) and the
``component`` swatches (skin tones and hair styles shown alone).

One record per (drawing, emoji), four styles: ``openmoji`` (colour),
``openmoji-black`` (line art, same design team), ``google``, ``twitter``.
Line art cannot show skin tones, so a line-art drawing byte-identical to
another of the same concept is left out by :func:`load` (the skin-tone
variants of most person emoji; ``keep_duplicates=True`` keeps them).
The SVGs are rasterised onto white at 224x224 (the exam's input size); the
PNGs are kept as shipped (64x64, transparent background, composited onto
white by :func:`dl2lab.vision.images.load_image`).

References: the CLDR annotation and the Unicode name, each normalised by
:func:`normalise_caption`, duplicates dropped (annotation first). A
skin-tone variant's Unicode name is its base emoji's name followed by its
tones, as CLDR names sequences ("father christmas: light skin tone").

Splits, both from a fixed seed and never sharing an image:

- ``concept``: the emoji are grouped into concepts by dropping the skin-tone
  modifiers (U+1F3FB..U+1F3FF) and variation selectors from their code
  points; 10% of the concepts go to ``val`` and 10% to ``test`` with every
  drawing of every tone, so a test caption such as "man artist" must be
  composed from "woman artist" and "man cook".
- ``style``: one design team (default chosen by the seed) is held out as
  ``test``: known emoji in an unseen style. For val, 10% of the concepts
  send one training team's drawings to val while the other team's stay in
  train, so every val emoji, like every test emoji, was seen in train in
  another style.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dl2lab.datasets import built, packages
from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

NAME = "emoji"
OPENMOJI = ("openmoji", "17.0.0")
DATASOURCES = {
    "google": ("emoji-datasource-google", "16.0.0"),
    "twitter": ("emoji-datasource-twitter", "16.0.0"),
}
STYLES = ("openmoji", "openmoji-black", "google", "twitter")
TEAMS = ("openmoji", "google", "twitter")
SPLITS = ("concept", "style")
EXCLUDED_GROUPS = ("extras-openmoji", "extras-unicode", "component")
SKIN_TONES = {
    "1F3FB": "light skin tone",
    "1F3FC": "medium-light skin tone",
    "1F3FD": "medium skin tone",
    "1F3FE": "medium-dark skin tone",
    "1F3FF": "dark skin tone",
}
SIDE = 224
DEFAULT_SEED = 0
VAL_FRACTION = 0.1
TEST_FRACTION = 0.1

_DROP = re.compile(r"[^\w\s']|_")
_EDGE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")


def normalise_caption(text: str) -> str:
    """Normalise a name into a caption: the rule used for every reference.

    NFKC, lower case, typographic apostrophes made straight, ``&`` read as
    "and"; every other character that is not a letter, digit, apostrophe
    or space (``:``, ``,``, ``-``, ``(``, ``*``, ``#``...) becomes a space,
    apostrophes not inside a word are dropped, and runs of spaces are
    collapsed. "Woman Surfing: medium-light skin tone" becomes "woman
    surfing medium light skin tone"; "flag: Côte d’Ivoire" becomes "flag
    côte d'ivoire".
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = _DROP.sub(" ", text)
    text = _EDGE_APOSTROPHE.sub(" ", text)
    return " ".join(text.split())


def concept_of(hexcode: str) -> str:
    """Return the concept key: code points without skin tones or FE0F."""
    parts = [p for p in hexcode.upper().split("-") if p]
    return "-".join(p for p in parts if p not in SKIN_TONES and p != "FE0F")


def _key(hexcode: str) -> str:
    return "-".join(p for p in hexcode.upper().split("-") if p and p != "FE0F")


def _tones(hexcode: str) -> list[str]:
    tones = []
    for part in hexcode.upper().split("-"):
        if part in SKIN_TONES and SKIN_TONES[part] not in tones:
            tones.append(SKIN_TONES[part])
    return tones


def read_datasource(root: str | os.PathLike, style: str) -> dict[str, dict]:
    """Index an emoji-datasource package by emoji key (code points, no FE0F).

    Args:
        root: The unpacked package.
        style: ``"google"`` or ``"twitter"`` (which images to look for).

    Returns:
        ``key -> {"name", "image" (path relative to root)}`` for every emoji
        and skin-tone variant whose image the package ships.
    """
    root = Path(root)
    try:
        entries = json.loads((root / "emoji.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Dl2labError(f"{root / 'emoji.json'} cannot be read: {exc}") from None
    found: dict[str, dict] = {}
    flag = f"has_img_{style}"
    for entry in entries:
        name = (entry.get("name") or "").strip()
        variants = [(entry, [])]
        for variant in (entry.get("skin_variations") or {}).values():
            variants.append((variant, _tones(variant.get("unified", ""))))
        for item, tones in variants:
            image = f"img/{style}/64/{item.get('image', '')}"
            if not item.get(flag, True) or not (root / image).is_file():
                continue
            full = f"{name}: {', '.join(tones)}" if tones and name else name
            found[_key(item["unified"])] = {"name": full, "image": image}
    return found


def read_openmoji(root: str | os.PathLike) -> list[dict]:
    """Return the emoji of ``openmoji.json`` kept by the module's rule."""
    path = Path(root) / "data" / "openmoji.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Dl2labError(f"{path} cannot be read: {exc}") from None
    kept = [
        e for e in entries if e.get("group") not in EXCLUDED_GROUPS and e.get("hexcode")
    ]
    if not kept:
        raise Dl2labError(f"{path} lists no emoji outside {EXCLUDED_GROUPS}")
    return kept


def fetch(from_dir: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Fetch the three npm packages and build the drawings and their captions.

    Args:
        from_dir: Folder holding the ``npm pack`` files instead of npm.
        force: Fetch the packages and build again.

    Returns:
        The dataset folder (``emoji.parquet``, ``images/STYLE/*.png``,
        ``meta.json``).
    """
    from dl2lab.vision.svg import rasterise_files

    def builder(folder: Path) -> dict[str, Any]:
        om_root = packages.fetch_npm(*OPENMOJI, from_dir=from_dir, force=force)
        roots = {
            style: packages.fetch_npm(name, version, from_dir=from_dir, force=force)
            for style, (name, version) in DATASOURCES.items()
        }
        om_info = packages.provenance(om_root)
        infos = {style: packages.provenance(root) for style, root in roots.items()}
        sources = {style: read_datasource(roots[style], style) for style in roots}
        emoji = read_openmoji(om_root)

        # 1. Records and copy/rasterise jobs.
        records, jobs = [], []
        for style in STYLES:
            (folder / "images" / style).mkdir(parents=True)
        for entry in emoji:
            hexcode = entry["hexcode"]
            key = _key(hexcode)
            name = next(
                (sources[s][key]["name"] for s in sources if key in sources[s]), ""
            )
            if not name and "-" not in key:
                name = unicodedata.name(chr(int(key, 16)), "")
            references = list(
                dict.fromkeys(
                    r
                    for r in (
                        normalise_caption(entry.get("annotation", "")),
                        normalise_caption(name),
                    )
                    if r
                )
            )
            if not references:
                continue
            common = {
                "references": references,
                "concept": concept_of(hexcode),
                "emoji": entry.get("emoji", ""),
                "hexcode": hexcode,
                "category": entry.get("group", ""),
                "skin_tone": ", ".join(_tones(hexcode)),
                "annotation": entry.get("annotation", ""),
                "unicode_name": name,
            }
            for style, sub in (("openmoji", "color"), ("openmoji-black", "black")):
                rel = f"{sub}/svg/{hexcode}.svg"
                source = om_root / rel
                if not source.is_file():
                    continue
                target = f"images/{style}/{hexcode}.png"
                jobs.append((str(source), str(folder / target)))
                records.append(
                    {
                        **common,
                        "image": target,
                        "style": style,
                        "team": "openmoji",
                        "source_package": om_info["package"],
                        "source_version": om_info["version"],
                        "source_file": rel,
                    }
                )
            for style, index in sources.items():
                if key not in index:
                    continue
                rel = index[key]["image"]
                target = f"images/{style}/{hexcode}.png"
                shutil.copyfile(roots[style] / rel, folder / target)
                records.append(
                    {
                        **common,
                        "image": target,
                        "style": style,
                        "team": style,
                        "source_package": infos[style]["package"],
                        "source_version": infos[style]["version"],
                        "source_file": rel,
                    }
                )

        # 2. Rasterise the SVGs; a drawing that fails is left out and counted.
        report = rasterise_files(jobs, side=SIDE, desc="openmoji svg")
        target_of = dict(jobs)
        failed = {
            str(Path(target_of[source]).relative_to(folder))
            for source, _ in report.failures
        }
        for _source, reason in report.failures[:10]:
            log.warning("%s", reason)
        records = [r for r in records if r["image"] not in failed]
        table = pd.DataFrame.from_records(records)
        table.to_parquet(folder / "emoji.parquet", index=False)
        return {
            "rows": len(table),
            "emoji": int(table["hexcode"].nunique()),
            "concepts": int(table["concept"].nunique()),
            "per_style": {s: int((table["style"] == s).sum()) for s in STYLES},
            "svg_rasterised": report.written,
            "svg_repaired": report.repaired,
            "svg_failed": len(report.failures),
            "svg_failures": report.failures[:50],
            "packages": {
                "openmoji": om_info,
                **{style: infos[style] for style in infos},
            },
        }

    return built.build(NAME, builder, force=force)


def load(
    split: str = "concept",
    seed: int = DEFAULT_SEED,
    held_out: str | None = None,
    from_dir: str | os.PathLike | None = None,
    keep_duplicates: bool = False,
) -> pd.DataFrame:
    """Return the emoji drawings with their references and a split.

    Args:
        split: ``"concept"`` (held-out emoji) or ``"style"`` (held-out team).
        seed: Seed of the random assignment.
        held_out: For ``split="style"``: the team kept for test (one of
            ``openmoji``, ``google``, ``twitter``); default chosen by ``seed``.
        from_dir: Passed to :func:`fetch` when the cache is empty.
        keep_duplicates: Keep the line-art drawings that are byte-identical
            to another line-art drawing of the same concept (see
            :func:`line_art_duplicates`); left out by default.

    Returns:
        Columns ``image`` (absolute path), ``references`` (list of str),
        ``split``, ``group`` (what never crosses splits), ``style``, ``team``,
        ``concept``, ``emoji``, ``hexcode``, ``category``, ``skin_tone``,
        ``annotation``, ``unicode_name``, ``source_package``,
        ``source_version``, ``source_file``.
    """
    if split not in SPLITS:
        raise Dl2labError(f"`split` must be 'concept' or 'style'; got {split!r}")
    if held_out is not None and held_out not in TEAMS:
        raise Dl2labError(
            f"`held_out` must be one of {', '.join(TEAMS)}; got {held_out!r}"
        )
    folder = fetch(from_dir=from_dir)
    table = pd.read_parquet(folder / "emoji.parquet")
    table["references"] = table["references"].map(list)
    table["image"] = [str(folder / rel) for rel in table["image"]]
    if split == "concept":
        table["group"] = table["concept"]
        table["split"] = assign_groups(table["group"], seed)
    else:
        team = held_out or default_held_out(seed)
        table["group"] = table["concept"] + "@" + table["team"]
        table["split"] = style_split(table, team, seed)
    if not keep_duplicates:
        # After the split, so that the other rows' splits do not depend on it.
        table = table[~line_art_duplicates(table)]
    columns = [
        "image",
        "references",
        "split",
        "group",
        "style",
        "team",
        "concept",
        "emoji",
        "hexcode",
        "category",
        "skin_tone",
        "annotation",
        "unicode_name",
        "source_package",
        "source_version",
        "source_file",
    ]
    return table[columns].reset_index(drop=True)


def line_art_duplicates(table: pd.DataFrame) -> np.ndarray:
    """Mark line-art drawings identical to another of the same concept.

    OpenMoji's black line art cannot show skin tones: for most person emoji
    its base drawing and its skin-tone variants are the same file, which
    would pair one picture with contradicting captions. Within each concept,
    the first line-art drawing of each distinct content is kept (the base
    emoji first, then by code points) and the others are marked.

    Returns:
        Boolean array, True for the rows to leave out.
    """
    marked = np.zeros(len(table), dtype=bool)
    black = np.flatnonzero((table["style"] == "openmoji-black").to_numpy())
    order = sorted(
        black,
        key=lambda i: (
            table["concept"].iat[i],
            table["skin_tone"].iat[i] != "",
            table["hexcode"].iat[i],
        ),
    )
    seen = set()
    for i in order:
        with open(table["image"].iat[i], "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        key = (table["concept"].iat[i], digest)
        marked[i] = key in seen
        seen.add(key)
    return marked


def default_held_out(seed: int = DEFAULT_SEED) -> str:
    """Return the design team the ``style`` split holds out for ``seed``."""
    return TEAMS[int(np.random.default_rng(seed).integers(len(TEAMS)))]


def style_split(table: pd.DataFrame, held_out: str, seed: int) -> np.ndarray:
    """Split by design team: ``held_out`` is test; val keeps a known emoji.

    Among the concepts drawn by at least two training teams, a fraction
    :data:`VAL_FRACTION` of all concepts (chosen by ``seed``) sends the
    drawings of one of its training teams (also chosen by ``seed``) to val;
    the other team's drawings stay in train, so every val emoji, like every
    test emoji, was seen in train in another style.
    """
    training = table["team"] != held_out
    teams_of = (
        table[training].groupby("concept")["team"].agg(lambda teams: sorted(set(teams)))
    )
    candidates = sorted(c for c, teams in teams_of.items() if len(teams) >= 2)
    rng = np.random.default_rng(seed)
    n_val = min(len(candidates), round(VAL_FRACTION * table["concept"].nunique()))
    chosen = rng.permutation(len(candidates))[:n_val]
    val_groups = set()
    for index in sorted(chosen):
        concept = candidates[index]
        teams = teams_of[concept]
        val_groups.add(f"{concept}@{teams[int(rng.integers(len(teams)))]}")
    groups = table["concept"] + "@" + table["team"]
    split = np.where(training, "train", "test").astype(object)
    split[groups.isin(val_groups).to_numpy()] = "val"
    return split


def assign_groups(
    groups: pd.Series,
    seed: int,
    val_fraction: float = VAL_FRACTION,
    test_fraction: float = TEST_FRACTION,
) -> np.ndarray:
    """Give every distinct group one split, the same for all its rows.

    The sorted distinct groups are shuffled by ``seed``; the first
    ``round(test_fraction * n)`` go to test, the next ``round(val_fraction *
    n)`` to val, the rest to train.
    """
    distinct = np.array(sorted(set(groups)))
    order = np.random.default_rng(seed).permutation(len(distinct))
    n_test = round(test_fraction * len(distinct))
    n_val = round(val_fraction * len(distinct))
    split_of = {}
    for rank, index in enumerate(order):
        if rank < n_test:
            split_of[distinct[index]] = "test"
        elif rank < n_test + n_val:
            split_of[distinct[index]] = "val"
        else:
            split_of[distinct[index]] = "train"
    return np.array([split_of[g] for g in groups], dtype=object)


def status() -> list[str]:
    """Lines for ``dl2lab data list``: the state, then what was built."""
    meta = built.read_meta(NAME)
    if meta is None:
        return ["not fetched"]
    styles = ", ".join(f"{s} {n:,}" for s, n in meta["per_style"].items())
    return [
        "fetched",
        f"{meta['rows']:,} drawings of {meta['emoji']:,} emoji "
        f"({meta['concepts']:,} concepts): {styles}",
        f"svg: {meta['svg_rasterised']:,} rasterised, {meta['svg_repaired']} "
        f"repaired, {meta['svg_failed']} failed",
        "load() leaves out line-art drawings identical to another of their "
        "concept (skin tones)",
    ]
