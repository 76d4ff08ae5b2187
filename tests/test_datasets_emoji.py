"""The emoji set: built from small npm packages written here, then the real one."""

import io
import json
import tarfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dl2lab.datasets import emoji
from dl2lab.errors import Dl2labError
from dl2lab.vision.images import load_image

SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="72" height="72" '
    'viewBox="0 0 72 72"><rect x="0" y="0" width="36" height="72" fill="{}"/></svg>'
)
# resvg refuses width="0"; the viewBox is there to repair it from.
BAD_SIZE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" '
    'viewBox="0 0 72 72"><circle cx="36" cy="36" r="30" fill="#00ff00"/></svg>'
)

OPENMOJI = [
    {"emoji": "🎅", "hexcode": "1F385", "group": "people-body",
     "annotation": "Santa Claus"},
    {"emoji": "🎅🏻", "hexcode": "1F385-1F3FB", "group": "people-body",
     "annotation": "Santa Claus: light skin tone"},
    {"emoji": "👨‍🎨", "hexcode": "1F468-200D-1F3A8", "group": "people-body",
     "annotation": "man artist"},
    {"emoji": "🇨🇮", "hexcode": "1F1E8-1F1EE", "group": "flags",
     "annotation": "flag: Côte d’Ivoire"},
    {"emoji": "☺️", "hexcode": "263A-FE0F", "group": "smileys-emotion",
     "annotation": "smiling face"},
    {"emoji": "", "hexcode": "E045", "group": "extras-openmoji",
     "annotation": "github"},
    {"emoji": "🏻", "hexcode": "1F3FB", "group": "component",
     "annotation": "light skin tone"},
]  # fmt: skip
DATASOURCE = [
    {"name": "FATHER CHRISTMAS", "unified": "1F385", "image": "1f385.png",
     "has_img_google": True, "has_img_twitter": True,
     "skin_variations": {"1F3FB": {"unified": "1F385-1F3FB",
                                   "image": "1f385-1f3fb.png",
                                   "has_img_google": True,
                                   "has_img_twitter": False}}},
    {"name": "MAN ARTIST", "unified": "1F468-200D-1F3A8",
     "image": "1f468-200d-1f3a8.png", "has_img_google": True,
     "has_img_twitter": True},
    {"name": "WHITE SMILING FACE", "unified": "263A-FE0F", "image": "263a-fe0f.png",
     "has_img_google": True, "has_img_twitter": True},
]  # fmt: skip


def _pack(folder, name, version, files):
    """Write an `npm pack`-style archive holding ``files`` under package/."""
    files = {"package.json": json.dumps({"name": name, "version": version}), **files}
    path = folder / f"{name}-{version}.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for rel, content in files.items():
            data = content if isinstance(content, bytes) else content.encode()
            info = tarfile.TarInfo(f"package/{rel}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _png(colour):
    buffer = io.BytesIO()
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste(colour, (16, 16, 48, 48))
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The emoji set built from three tiny packages, with its build meta."""
    root = tmp_path_factory.mktemp("emoji")
    packs = root / "packs"
    packs.mkdir()
    svgs = {}
    for entry in OPENMOJI:
        hexcode = entry["hexcode"]
        svgs[f"color/svg/{hexcode}.svg"] = SQUARE.format("#ff0000")
        svgs[f"black/svg/{hexcode}.svg"] = SQUARE.format("#000000")
    svgs["color/svg/263A-FE0F.svg"] = BAD_SIZE
    svgs["black/svg/1F1E8-1F1EE.svg"] = "<svg this is not xml"
    svgs["data/openmoji.json"] = json.dumps(OPENMOJI)
    _pack(packs, "openmoji", "17.0.0", svgs)
    for style, (name, version) in emoji.DATASOURCES.items():
        files = {"emoji.json": json.dumps(DATASOURCE)}
        for entry in DATASOURCE:
            files[f"img/{style}/64/{entry['image']}"] = _png((0, 0, 255, 255))
            for variant in entry.get("skin_variations", {}).values():
                files[f"img/{style}/64/{variant['image']}"] = _png((9, 9, 9, 255))
        _pack(packs, name, version, files)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DL2LAB_CACHE", str(root / "cache"))
        folder = emoji.fetch(from_dir=packs)
    meta = json.loads((folder / "meta.json").read_text())
    return folder, meta


def test_small_build_records_and_references(small):
    folder, meta = small
    table = pd.read_parquet(folder / "emoji.parquet")
    # 5 emoji kept (extras and components left out); openmoji colour 5,
    # black 4 (one broken SVG), google 4, twitter 3 (variant has no image).
    assert meta["per_style"] == {
        "openmoji": 5, "openmoji-black": 4, "google": 4, "twitter": 3,
    }  # fmt: skip
    assert meta["rows"] == 16
    assert meta["svg_repaired"] == 1 and meta["svg_failed"] == 1
    assert "1F1E8-1F1EE.svg" in meta["svg_failures"][0][0]
    assert "E045" not in set(table["hexcode"]) and "1F3FB" not in set(table["hexcode"])
    refs = {
        h: list(r) for h, r in zip(table["hexcode"], table["references"], strict=True)
    }
    assert refs["1F385"] == ["santa claus", "father christmas"]
    assert refs["1F385-1F3FB"] == [
        "santa claus light skin tone",
        "father christmas light skin tone",
    ]
    assert refs["1F468-200D-1F3A8"] == ["man artist"]  # duplicates dropped
    assert refs["1F1E8-1F1EE"] == ["flag côte d'ivoire"]  # no datasource name
    assert refs["263A-FE0F"] == ["smiling face", "white smiling face"]
    santa = table[table["hexcode"] == "1F385-1F3FB"]
    assert set(santa["concept"]) == {"1F385"}
    assert set(santa["skin_tone"]) == {"light skin tone"}


def test_small_build_images_and_provenance(small, monkeypatch):
    folder, _ = small
    monkeypatch.setenv("DL2LAB_CACHE", str(folder.parent.parent))
    table = emoji.load(split="concept")
    for path in table["image"]:
        assert path.startswith(str(folder)) and path.endswith(".png")
    colour = table[(table["style"] == "openmoji") & (table["hexcode"] == "1F385")]
    image = load_image(colour["image"].iloc[0], size=None)
    assert image.shape == (224, 224, 3)
    assert tuple(image[112, 10]) == (255, 0, 0) and tuple(image[112, 200]) == (
        255, 255, 255,
    )  # fmt: skip
    repaired = table[(table["style"] == "openmoji") & (table["hexcode"] == "263A-FE0F")]
    image = load_image(repaired["image"].iloc[0], size=None)
    assert tuple(image[112, 112]) == (0, 255, 0)
    google = table[(table["style"] == "google") & (table["hexcode"] == "1F385")]
    image = load_image(google["image"].iloc[0], size=None)
    assert tuple(image[0, 0]) == (255, 255, 255) and tuple(image[32, 32]) == (0, 0, 255)
    row = google.iloc[0]
    assert row["source_package"] == "emoji-datasource-google"
    assert row["source_version"] == "16.0.0"
    assert row["source_file"] == "img/google/64/1f385.png"
    assert set(table.columns) >= {
        "image", "references", "split", "group", "style", "source_package",
        "source_version", "source_file",
    }  # fmt: skip


def test_identical_line_art_of_one_concept_is_left_out(small, monkeypatch):
    folder, _ = small
    monkeypatch.setenv("DL2LAB_CACHE", str(folder.parent.parent))
    # Every fixture line-art drawing is the same black square: within concept
    # 1F385 the base is kept and its light-skin-tone variant dropped; other
    # concepts keep theirs.
    table = emoji.load()
    black = table[table["style"] == "openmoji-black"]
    assert sorted(black["hexcode"]) == ["1F385", "1F468-200D-1F3A8", "263A-FE0F"]
    everything = emoji.load(keep_duplicates=True)
    assert len(everything) == len(table) + 1
    kept = everything[everything["style"] == "openmoji-black"]
    assert "1F385-1F3FB" in set(kept["hexcode"])


def test_normalise_caption_rule():
    assert (
        emoji.normalise_caption("Woman Surfing: medium-light skin tone")
        == "woman surfing medium light skin tone"
    )
    assert emoji.normalise_caption("KEYCAP: *") == "keycap"
    assert (
        emoji.normalise_caption("Hugs & kisses, ‘quoted’") == "hugs and kisses quoted"
    )
    assert emoji.normalise_caption("o’clock") == "o'clock"


def test_concept_key():
    assert emoji.concept_of("1F9D1-1F3FF-200D-1F91D-200D-1F9D1-1F3FE") == (
        "1F9D1-200D-1F91D-200D-1F9D1"
    )
    assert emoji.concept_of("26F9-FE0F-200D-2642-FE0F") == "26F9-200D-2642"


def test_assign_groups_is_fixed_by_seed_and_keeps_groups_whole():
    groups = pd.Series([f"g{i % 50}" for i in range(500)])
    first = emoji.assign_groups(groups, seed=3)
    assert np.array_equal(first, emoji.assign_groups(groups, seed=3))
    assert not np.array_equal(first, emoji.assign_groups(groups, seed=4))
    per_group = pd.Series(first).groupby(groups).nunique()
    assert per_group.max() == 1
    counts = pd.Series(first).groupby(groups).first().value_counts()
    assert counts.to_dict() == {"train": 40, "val": 5, "test": 5}


def test_bad_options():
    with pytest.raises(Dl2labError, match=r"`split` must be 'concept' or 'style'"):
        emoji.load(split="random")
    with pytest.raises(Dl2labError, match=r"`held_out` must be one of .*got 'apple'"):
        emoji.load(split="style", held_out="apple")


@pytest.mark.slow
def test_real_set_sizes_and_splits():
    table = emoji.load(split="concept")
    assert len(table) > 13_000
    assert set(table["style"]) == set(emoji.STYLES)
    assert table["image"].is_unique
    # No concept crosses splits; every skin tone of "man artist" goes together.
    assert table.groupby("concept")["split"].nunique().max() == 1
    artist = table[table["annotation"].str.startswith("man artist")]
    # Six tones in three colour styles, and one line-art drawing for them all.
    assert len(artist) == 3 * 6 + 1 and artist["split"].nunique() == 1
    black = table[table["style"] == "openmoji-black"]
    assert len(black) == black["concept"].nunique()
    shares = table.drop_duplicates("concept")["split"].value_counts(normalize=True)
    assert shares["test"] == pytest.approx(0.1, abs=0.01)

    style = emoji.load(split="style")
    held_out = emoji.default_held_out()
    assert set(style.loc[style["split"] == "test", "team"]) == {held_out}
    assert held_out not in set(style.loc[style["split"] != "test", "team"])
    assert style.groupby("group")["split"].nunique().max() == 1
    # Every val emoji was seen in train, drawn by the other team.
    val = set(style.loc[style["split"] == "val", "hexcode"])
    train = set(style.loc[style["split"] == "train", "hexcode"])
    assert val and not val - train
    assert style.loc[style["split"] == "val", "concept"].nunique() == round(
        0.1 * style["concept"].nunique()
    )
