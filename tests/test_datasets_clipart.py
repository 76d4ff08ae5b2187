"""The clipart set: title rules, and a build from a tiny openclipart-svg .deb."""

import collections
import json
import subprocess

import pytest

from dl2lab.datasets import clipart
from dl2lab.vision.images import load_image

NO_REPEATS = collections.Counter()


def _drawing(title, description="", creator="Some One", root='width="40" height="20"'):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:cc="http://web.resource.org/cc/"
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" {root}>
<metadata><rdf:RDF><cc:Work rdf:about="">
<dc:title>{title}</dc:title><dc:description>{description}</dc:description>
<dc:creator><cc:Agent><dc:title>{creator}</dc:title></cc:Agent></dc:creator>
<dc:publisher><cc:Agent><dc:title>Open Clip Art Library</dc:title></cc:Agent>
</dc:publisher></cc:Work></rdf:RDF></metadata>
<rect x="0" y="0" width="20" height="20" fill="#ff0000"/></svg>"""


def test_read_metadata_skips_the_agents_titles():
    meta = clipart.read_metadata(_drawing("Bored dog", "A dog &amp; a bone", "Ann"))
    assert meta == {
        "title": "Bored dog",
        "description": "A dog & a bone",
        "creator": "Ann",
    }
    assert clipart.read_metadata("<svg/>") == {
        "title": "", "description": "", "creator": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Bored dog", ("bored dog", "kept")),
        ("Crawfish (B and W)", ("crawfish black and white", "kept")),
        ("Flat_Cake_bw", ("flat cake black and white", "kept")),
        ("libyan_arab_jamahiriya", ("libyan arab jamahiriya", "kept")),
        ("Clipart by Nicu Buculei - antenna", ("antenna", "kept")),
        ("Clipart by Nicu Buculei - jigsaw_red_10", (None, "file-like name")),
        ("smiley111", (None, "file-like name")),
        ("fly.svg", (None, "collection or format name")),
        ("Part of the Flat Icon Collection (Wed Aug 25)", (None, "collection or "
                                                           "format name")),
        ("Lemon SVG theme", (None, "collection or format name")),
        ("Some One", (None, "the author's name")),
        ("", (None, "empty")),
        ("1984", (None, "no words")),
    ],
)  # fmt: skip
def test_title_rules(title, expected):
    assert clipart.clean_text(title, "Some One", NO_REPEATS) == expected


def test_repeated_titles_authors_and_descriptions():
    repeats = collections.Counter({"gramastar": 1375, "card": 9})
    assert clipart.clean_text("gramastar", "x", repeats) == (
        None, "shared by 10 or more drawings",
    )  # fmt: skip
    assert clipart.clean_text("card", "x", repeats) == ("card", "kept")
    assert clipart.clean_text("Cigno", "Architetto Francesco Rollandin", repeats) == (
        None, "author writes in Italian",
    )  # fmt: skip
    long = " ".join(["word"] * 16)
    assert clipart.clean_text(long, "x", repeats, "description")[1] == (
        "more than 15 words"
    )
    mail = "jean.victor.balin@gmail.com"
    assert clipart.clean_text(mail, "x", repeats, "description")[0] is None
    assert clipart.category_caption("animals/mammals/big_cats/x.svg") == (
        "animals mammals big cats"
    )


@pytest.fixture
def tiny_deb(tmp_path, monkeypatch):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        "Package: openclipart-svg\nVersion: 1:0.18+test\nArchitecture: all\n"
        "Maintainer: Test <test@example.org>\nDescription: test drawings\n"
    )
    base = tree / clipart.SVG_ROOT
    drawings = {
        "animals/mammals/dogs/bored_dog.svg": _drawing("Bored dog", "A sleepy dog"),
        "animals/mammals/dogs/bored_dog_bw.svg": _drawing("Bored dog (B and W)"),
        "food/pizza.svg": _drawing("Pizza", root='width="210mm" height="297mm"'),
        "shapes/star1.svg": _drawing("smiley111"),
        "shapes/star2.svg": _drawing("smiley112", "A five pointed star"),
        "shapes/offpage.svg": _drawing("Lost Drawing", root='width="1" height="1" '
                                       'viewBox="500 500 10 10"'),
    }  # fmt: skip
    for rel, text in drawings.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)
    debs = tmp_path / "debs"
    debs.mkdir()
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(tree),
         str(debs / "openclipart-svg_0.18+test_all.deb")],
        check=True, capture_output=True,
    )  # fmt: skip
    return debs


def test_build_from_a_tiny_package(tiny_deb):
    folder = clipart.fetch(from_dir=tiny_deb)
    meta = json.loads((folder / "meta.json").read_text())
    # 6 drawings; smiley111 has no usable caption; the off-page one is blank.
    assert meta["drawings"] == 6
    assert meta["svg_failed"] == 1 and "offpage.svg" in meta["svg_failures"][0][0]
    assert meta["svg_repaired"] == 1  # the 210mm page
    assert meta["rows"] == 4 and meta["with_description"] == 2
    assert meta["title_rules"]["file-like name"] == 2
    table = clipart.load()
    by_file = {f.rsplit("/", 1)[1]: r for f, r in zip(table["source_file"],
                                                      table["references"],
                                                      strict=True)}  # fmt: skip
    assert by_file["bored_dog.svg"] == [
        "bored dog", "a sleepy dog", "animals mammals dogs",
    ]  # fmt: skip
    assert by_file["bored_dog_bw.svg"] == [
        "bored dog black and white", "animals mammals dogs",
    ]  # fmt: skip
    assert by_file["star2.svg"] == ["a five pointed star", "shapes"]
    assert set(table["source_package"]) == {"openclipart-svg"}
    assert set(table["source_version"]) == {"1:0.18+test"}
    assert set(table["style"]) == {"Some One"}
    pizza = table[table["source_file"].str.endswith("pizza.svg")]["image"].iloc[0]
    image = load_image(pizza, size=None)
    # A4 page fitted in 224: 224 * 210 / 297 = 158.4 columns, rounded up by resvg;
    # the 20-unit red square sits in the top-left of a white page.
    assert image.shape == (224, 159, 3)
    assert tuple(image[2, 2]) == (255, 0, 0) and tuple(image[200, 100]) == (
        255, 255, 255,
    )  # fmt: skip
    assert table.groupby("group")["split"].nunique().max() == 1
