"""``clipart``: public-domain drawings of Debian ``openclipart-svg`` with titles.

The package holds 8,121 SVG drawings from the Open Clip Art Library (2005),
filed in category folders (``animals/mammals/dogs``). Each one carries
Dublin Core metadata written by its author: a title (``<dc:title>`` of the
``cc:Work``), often a description, and the author's name.

Many titles say nothing about the picture. A title is dropped when, after
stripping a leading "Clipart by NAME - ":

1. it is empty;
2. ten or more drawings share it (collection or theme names such as
   "gramastar" on 1,375 star drawings, "Part of the Flat Icon Collection
   (...)", "Lemon SVG theme", "card", "AIGA_Symbol_Signs");
3. it names a collection or format: it contains "collection", "theme",
   "icon set", "iconset", "clipart", "svg", "submission", "sibmission",
   "untitled" or "HASH(";
4. it is a file-like name: an underscore or hyphen slug with digits
   ("jigsaw_red_10", "smiley111", "sm_005") or with a file extension (a slug
   without digits, "libyan_arab_jamahiriya", is read as words);
5. it is the author's own name;
6. its author wrote titles in another language than English: Architetto
   Francesco Rollandin (Italian: "Cigno", "Cavallo") and yves GUILLOU
   (French: "direction à suivre").

"(B and W)" and a "bw" word become "black and white".

A description is kept when it has at most 15 words and passes the same
rules, with no e-mail address or web link. The category path (the folders
under ``svg/``, e.g. "animals mammals dogs") is the last reference of every
drawing. A drawing enters the set when its title or its description
survives; references are normalised like the emoji names
(:func:`dl2lab.datasets.emoji.normalise_caption`) and duplicates dropped.

Drawings are rasterised onto white to fit 224x224, keeping their aspect
ratio; a drawing resvg cannot render even after its size is repaired is
counted and left out. Split: 80/10/10 by a fixed seed over groups of
drawings with the same first reference, so no test caption appears as a
training caption.
"""

from __future__ import annotations

import collections
import html
import logging
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from dl2lab.datasets import built, packages
from dl2lab.datasets.emoji import assign_groups, normalise_caption
from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

NAME = "clipart"
PACKAGE = "openclipart-svg"
SVG_ROOT = "usr/share/openclipart/svg"
SIDE = 224
DEFAULT_SEED = 0
MAX_REPEATS = 10
MAX_DESCRIPTION_WORDS = 15
NON_ENGLISH_AUTHORS = {
    "architetto francesco rollandin": "Italian",
    "yves guillou": "French",
}
GENERIC_WORDS = (
    "collection",
    "theme",
    "icon set",
    "iconset",
    "clipart",
    "svg",
    "submission",
    "sibmission",
    "untitled",
    "hash(",
)

_WORK = re.compile(r"<cc:Work\b[^>]*>(.*?)</cc:Work>", re.DOTALL)
_AGENT = re.compile(r"<cc:Agent\b.*?</cc:Agent>", re.DOTALL)
_CREATOR = re.compile(r"<dc:creator\b.*?<dc:title>(.*?)</dc:title>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CLIPART_BY = re.compile(r"^\s*clip\s*art by [^-]+-\s*", re.IGNORECASE)
_BLACK_WHITE = re.compile(r"\(\s*(?:b\s*(?:and|&)\s*w|black and white)\s*\)", re.I)
_BW = re.compile(r"(?:\b|(?<=_))bw\b", re.IGNORECASE)
_SLUG = re.compile(r"^[\w.+-]+$")
_EXTENSION = re.compile(r"\.(?:svg|png|jpe?g|gif|eps|ai)$", re.IGNORECASE)
_LINK = re.compile(r"@|https?:|www\.", re.IGNORECASE)


def read_metadata(text: str) -> dict[str, str]:
    """Return ``title``, ``description`` and ``creator`` of an SVG's ``cc:Work``."""
    match = _WORK.search(text)
    work = match.group(1) if match else ""
    creator = _CREATOR.search(work)
    own = _AGENT.sub("", work)  # publisher/creator agents have titles too

    def field(name: str) -> str:
        found = re.search(rf"<dc:{name}\b[^>]*>(.*?)</dc:{name}>", own, re.DOTALL)
        if not found:
            return ""
        return " ".join(html.unescape(_TAG.sub(" ", found.group(1))).split())

    return {
        "title": field("title"),
        "description": field("description"),
        "creator": " ".join(html.unescape(creator.group(1)).split()) if creator else "",
    }


def clean_text(
    text: str, creator: str, repeats: collections.Counter, kind: str = "title"
) -> tuple[str | None, str]:
    """Apply the module's rules to a title or a description.

    Args:
        text: The raw title or description.
        creator: The drawing's author.
        repeats: How many drawings share each raw text of this kind.
        kind: ``"title"`` or ``"description"``.

    Returns:
        ``(caption, "kept")`` or ``(None, reason)``.
    """
    raw = text.strip()
    if not raw:
        return None, "empty"
    if repeats[raw] >= MAX_REPEATS:
        return None, "shared by 10 or more drawings"
    if creator.lower() in NON_ENGLISH_AUTHORS:
        return None, f"author writes in {NON_ENGLISH_AUTHORS[creator.lower()]}"
    if kind == "description":
        if _LINK.search(raw):
            return None, "e-mail address or link"
        if len(raw.split()) > MAX_DESCRIPTION_WORDS:
            return None, f"more than {MAX_DESCRIPTION_WORDS} words"
    text = _CLIPART_BY.sub("", raw)
    lowered = text.lower()
    if any(word in lowered for word in GENERIC_WORDS):
        return None, "collection or format name"
    if _SLUG.match(text) and ("_" in text or "-" in text or text.isalnum()):
        if _EXTENSION.search(text) or (
            re.search(r"\d", text) and re.search(r"[a-z]", lowered)
        ):
            return None, "file-like name"
        text = text.replace("_", " ")
    if creator and lowered.strip() == creator.lower():
        return None, "the author's name"
    text = _BW.sub(" black and white ", _BLACK_WHITE.sub(" black and white ", text))
    caption = normalise_caption(text)
    if not caption or not re.search(r"[^\W\d_]", caption):
        return None, "no words"
    return caption, "kept"


def category_caption(relative: str) -> str:
    """Return the category path of a drawing as words ("animals mammals dogs")."""
    folders = Path(relative).parent.parts
    return normalise_caption(" ".join(folders).replace("_", " "))


def fetch(from_dir: str | os.PathLike | None = None, force: bool = False) -> Path:
    """Fetch ``openclipart-svg``, keep the titled drawings, rasterise them.

    Args:
        from_dir: Folder holding ``openclipart-svg_*.deb`` instead of apt.
        force: Fetch the package and build again.

    Returns:
        The dataset folder (``clipart.parquet``, ``images/``, ``meta.json``).
    """
    from dl2lab.vision.svg import rasterise_files

    def builder(folder: Path) -> dict[str, Any]:
        root = packages.fetch_deb(PACKAGE, from_dir=from_dir, force=force)
        info = packages.provenance(root)
        base = root / SVG_ROOT
        files = sorted(base.rglob("*.svg"))
        if not files:
            raise Dl2labError(f"{PACKAGE} has no SVG files under {SVG_ROOT}")

        # 1. Metadata of every drawing, then the rules (repeats need them all).
        metas = []
        for path in files:
            text = path.read_bytes().decode("utf-8", errors="replace")
            metas.append((path, read_metadata(text)))
        title_repeats = collections.Counter(m["title"].strip() for _, m in metas)
        desc_repeats = collections.Counter(m["description"].strip() for _, m in metas)
        reasons: collections.Counter = collections.Counter()
        records, jobs = [], []
        (folder / "images").mkdir()
        for index, (path, meta) in enumerate(metas):
            title, why = clean_text(meta["title"], meta["creator"], title_repeats)
            reasons[why] += 1
            description, _ = clean_text(
                meta["description"], meta["creator"], desc_repeats, "description"
            )
            relative = str(path.relative_to(root))
            within = str(path.relative_to(base))
            captions = [c for c in (title, description) if c]
            if not captions:
                continue
            references = list(dict.fromkeys([*captions, category_caption(within)]))
            target = f"images/{index:05d}.png"
            jobs.append((str(path), str(folder / target)))
            records.append(
                {
                    "image": target,
                    "references": [r for r in references if r],
                    "style": meta["creator"] or "unknown",
                    "category": str(Path(within).parent),
                    "title": meta["title"],
                    "description": meta["description"],
                    "has_description": description is not None,
                    "source_package": info["package"],
                    "source_version": info["version"],
                    "source_file": relative,
                }
            )

        # 2. Rasterise the survivors; failures are counted and left out.
        report = rasterise_files(jobs, side=SIDE, desc="openclipart svg")
        target_of = dict(jobs)
        failed = {
            str(Path(target_of[source]).relative_to(folder))
            for source, _ in report.failures
        }
        for _source, reason in report.failures[:10]:
            log.warning("%s", reason)
        records = [r for r in records if r["image"] not in failed]
        table = pd.DataFrame.from_records(records).drop(columns="has_description")
        table.to_parquet(folder / "clipart.parquet", index=False)
        return {
            "rows": len(table),
            "drawings": len(files),
            "title_rules": dict(reasons.most_common()),
            "with_description": int(sum(r["has_description"] for r in records)),
            "svg_rasterised": report.written,
            "svg_repaired": report.repaired,
            "svg_failed": len(report.failures),
            "svg_failures": report.failures[:50],
            "source_package": info["package"],
            "source_version": info["version"],
        }

    return built.build(NAME, builder, force=force)


def load(
    seed: int = DEFAULT_SEED, from_dir: str | os.PathLike | None = None
) -> pd.DataFrame:
    """Return the titled drawings with their references and a split.

    Args:
        seed: Seed of the 80/10/10 split over groups of equal first captions.
        from_dir: Passed to :func:`fetch` when the cache is empty.

    Returns:
        Columns ``image`` (absolute path), ``references``, ``split``,
        ``group``, ``style`` (the author), ``category``, ``title``,
        ``description``, ``source_package``, ``source_version``,
        ``source_file``.
    """
    folder = fetch(from_dir=from_dir)
    table = pd.read_parquet(folder / "clipart.parquet")
    table["references"] = table["references"].map(list)
    table["image"] = [str(folder / rel) for rel in table["image"]]
    table["group"] = table["references"].map(lambda refs: refs[0])
    table["split"] = assign_groups(table["group"], seed)
    columns = [
        "image",
        "references",
        "split",
        "group",
        "style",
        "category",
        "title",
        "description",
        "source_package",
        "source_version",
        "source_file",
    ]
    return table[columns].reset_index(drop=True)


def status() -> list[str]:
    """Lines for ``dl2lab data list``: the state, then what was built."""
    meta = built.read_meta(NAME)
    if meta is None:
        return ["not fetched (about 25 MB; `dl2lab data fetch clipart`)"]
    return [
        "fetched",
        f"{meta['rows']:,} of {meta['drawings']:,} drawings kept with a usable "
        f"title or description ({meta['source_package']} {meta['source_version']})",
        f"svg: {meta['svg_rasterised']:,} rasterised, {meta['svg_repaired']} "
        f"repaired, {meta['svg_failed']} failed",
    ]
