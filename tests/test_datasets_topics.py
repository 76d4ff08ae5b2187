"""The ``topics`` corpus: parsers on tiny files written here (fortunes, the
Dhammapada, a SWORD zText module), the construction rules, and the real
corpus fetched by ``make data``."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest

from dl2lab.datasets import built, topics
from dl2lab.datasets.dhammapada import parse_dhammapada
from dl2lab.datasets.fortunes import parse_fortunes, strip_attribution
from dl2lab.datasets.sword import Verse, osis_to_text, read_module
from dl2lab.errors import Dl2labError

# --------------------------------------------------------------------------
# fortunes

FORTUNE_FILE = """\
A billion here, a billion there -- pretty soon it adds up to real money.
\t\t-- Sen. Everett Dirksen, on the U.S. defense budget
%
1st graffitiist: QUESTION AUTHORITY!

2nd graffitiist: Why?
%
%
-- a line that starts with dashes is kept when it is the first line
%
Always code as if the guy who ends up maintaining your code
will be a violent psychopath who knows where you live.
\t-- John Woods
\t   in comp.lang.c++
%
Line one
line two
line three
line four
line five
  -- the last line, an attribution
"""


def test_parse_fortunes_applies_the_attribution_rule():
    assert parse_fortunes(FORTUNE_FILE) == [
        "A billion here, a billion there -- pretty soon it adds up to real money.",
        "1st graffitiist: QUESTION AUTHORITY! 2nd graffitiist: Why?",
        "-- a line that starts with dashes is kept when it is the first line",
        "Always code as if the guy who ends up maintaining your code will be a "
        "violent psychopath who knows where you live.",
        "Line one line two line three line four line five",
    ]


def test_attribution_only_within_the_last_three_lines():
    lines = ["a", "-- not an attribution, too early", "b", "c", "d"]
    assert strip_attribution(lines) == lines
    assert strip_attribution(["quote", "\u2014 Author"]) == ["quote"]


# --------------------------------------------------------------------------
# Dhammapada

DHAMMAPADA = """\
Introduction that mentions 223. and ends with a number 1

-----------------------------------------------------------------------
The Dhammapada
(An Anthology of Verses)

1. The Pairs

Mind precedes its objects. They are mind-governed and mind-made. 1

Second verse on two lines
that ends here.
2

2. Attention

Third and fourth verses, joined by the translator. 3, 4

The End. (Translation)
"""


def test_parse_dhammapada(monkeypatch):
    monkeypatch.setattr("dl2lab.datasets.dhammapada.N_VERSES", 4)
    assert parse_dhammapada(DHAMMAPADA) == [
        (1, 1, "Mind precedes its objects. They are mind-governed and mind-made."),
        (2, 2, "Second verse on two lines that ends here."),
        (3, 4, "Third and fourth verses, joined by the translator."),
    ]


def test_dhammapada_with_a_missing_verse_is_refused():
    with pytest.raises(Dl2labError, match=r"found verses 1\.\.4 in order; expected"):
        parse_dhammapada(DHAMMAPADA, what="tiny")


# --------------------------------------------------------------------------
# SWORD zText

SLOTS = [
    "",  # module heading
    '<milestone type="x-importer"/>',  # testament heading
    '<div osisID="Matt" sID="b1" type="book"/><title type="main">Matthew</title>',
    '<chapter n="1" osisID="Matt.1" sID="Matt.1"/>',
    '<w lemma="strong:G1">Blessed</w> <w>are</w> the poor<note placement="foot">'
    "a footnote</note> in spirit .",
    "",  # a verse slot this translation leaves empty
    "Jesus wept &amp; <q>said</q>:“Amen.”",
    '<chapter n="2" osisID="Matt.2" sID="Matt.2"/>',
    'Last verse.<div eID="b1" osisID="Matt" type="book"/><div type="glossary"/>'
    "Glossary text that is not scripture.",
]


def write_ztext(folder: Path, slots: list[str], per_block: int = 4) -> None:
    """Write nt.bzs/.bzv/.bzz holding ``slots``, ``per_block`` slots a block."""
    folder.mkdir(parents=True, exist_ok=True)
    bzs, bzv, bzz = b"", b"", b""
    for start in range(0, len(slots), per_block):
        raw, entries = b"", []
        for slot in slots[start : start + per_block]:
            data = slot.encode()
            entries.append((len(bzs) // 12, len(raw), len(data)))
            raw += data
        packed = zlib.compress(raw)
        bzs += struct.pack("<III", len(bzz), len(packed), len(raw))
        bzz += packed
        bzv += b"".join(struct.pack("<IIH", *e) for e in entries)
    (folder / "nt.bzs").write_bytes(bzs)
    (folder / "nt.bzv").write_bytes(bzv)
    (folder / "nt.bzz").write_bytes(bzz)


def test_read_ztext_module(tmp_path):
    write_ztext(tmp_path / "mod", SLOTS)
    verses = list(read_module(tmp_path / "mod"))
    got = [(v.book, v.chapter, v.verse, v.text) for v in verses]
    assert got == [
        ("Matt", 1, 1, "Blessed are the poor in spirit."),
        ("Matt", 1, 3, "Jesus wept & said:“Amen.”"),
        ("Matt", 2, 1, "Last verse."),
    ]
    assert verses[0].file == str(tmp_path / "mod" / "nt.bzz")


def test_damaged_ztext_module(tmp_path):
    write_ztext(tmp_path / "mod", SLOTS)
    bzv = tmp_path / "mod" / "nt.bzv"
    bzv.write_bytes(bzv.read_bytes()[:-3])
    with pytest.raises(Dl2labError, match=r"nt.bzv has 87 bytes, not a multiple"):
        list(read_module(tmp_path / "mod"))
    with pytest.raises(Dl2labError, match="no ot.bzv or nt.bzv"):
        list(read_module(tmp_path))


def test_osis_to_text_drops_notes_and_titles():
    markup = '<title>Heading</title><w a="1">In</w> the <note n="a">x</note>beginning ,'
    assert osis_to_text(markup) == "In the beginning,"


def test_pack_verses_joins_consecutive_verses_of_a_chapter():
    def v(book, chapter, verse, text):
        return Verse(book, chapter, verse, text, "nt.bzz")

    verses = [
        v("Matt", 5, 3, "a" * 50),
        v("Matt", 5, 4, "b" * 50),  # 50 + 1 + 50 = 101 <= 120: joined
        v("Matt", 5, 5, "c" * 50),  # 152 > 120: new text
        v("Matt", 5, 7, "d" * 10),  # verse 6 missing: new text
        v("Matt", 6, 1, "e" * 10),  # new chapter: new text
    ]
    packed = topics.pack_verses(verses, max_chars=120)
    assert [(len(t), ref) for t, _, ref in packed] == [
        (101, "Matt 5:3-4"),
        (50, "Matt 5:5"),
        (10, "Matt 5:7"),
        (10, "Matt 6:1"),
    ]


# --------------------------------------------------------------------------
# Construction rules


def record(text, label, package="fortunes"):
    return (text, label, package, f"file-{label}", "ref")


def test_build_corpus_filters_dedups_balances_and_splits():
    records = [record(f"politics quote number {i}", "politics") for i in range(30)]
    records += [
        record(f"a technology quote number {i}", "technology") for i in range(20)
    ]
    records += [record(f"a none-of-these quote number {i}", "none") for i in range(25)]
    records += [record(f"sutta verse number {i}", "religion", "dham") for i in range(6)]
    records += [record(f"bible verse number {i}", "religion", "web") for i in range(40)]
    records += [
        record(
            "A technology quote, NUMBER 0!", "technology"
        ),  # duplicate within a class
        record("shared text in two files", "none"),  # under two labels: dropped
        record("Shared text, in two files.", "politics"),
        record("too short", "none"),
        record("x" * 281, "none"),
    ]
    versions = {"fortunes": "1", "dham": "2", "web": "3"}

    corpus = topics.build_corpus(records, versions, seed=5)

    counts = corpus["label"].value_counts().to_dict()
    assert counts == {"politics": 20, "technology": 20, "none": 20, "religion": 20}
    # Religion: 6 from the small source (all it has), 14 from the other.
    assert (
        corpus[corpus["label"] == "religion"]["source_package"].value_counts()["dham"]
        == 6
    )
    assert not corpus["text"].str.contains("shared text", case=False).any()
    assert (corpus["text"] == "A technology quote, NUMBER 0!").sum() == 0
    assert corpus["text"].str.len().between(20, 280).all()
    assert list(corpus.columns) == list(topics.COLUMNS)
    assert set(corpus["source_version"]) == {"1", "2", "3"}
    # 20 per class: 2 test, 2 val, 16 train each.
    per = corpus.groupby(["label", "split"]).size().unstack()
    assert (per["test"] == 2).all() and (per["val"] == 2).all()
    again = topics.build_corpus(records, versions, seed=5)
    pd.testing.assert_frame_equal(corpus, again)


def test_build_corpus_needs_every_class():
    with pytest.raises(Dl2labError, match=r"no text for class\(es\) \['religion'"):
        topics.build_corpus(
            [
                record("a long enough politics quote", "politics"),
                record("a long enough tech quote", "technology"),
                record("a long enough other quote", "none"),
            ],
            {"fortunes": "1"},
        )


def test_split_argument_is_checked():
    with pytest.raises(Dl2labError, match="`split` must be train, val, test or None"):
        topics.load(split="dev")


# --------------------------------------------------------------------------
# The real corpus


@pytest.mark.slow
def test_real_topics_corpus():
    if built.read_meta("topics") is None:
        pytest.fail("the topics corpus is not built; run `make data` first")
    corpus = topics.load()
    counts = corpus["label"].value_counts()
    assert set(counts.index) == set(topics.LABELS)
    assert counts.nunique() == 1  # balanced by capping
    assert counts.iloc[0] >= 500
    assert corpus["text"].str.len().max() <= 280
    assert corpus["text"].map(topics.dedup_key).is_unique
    religion = corpus[corpus["label"] == "religion"]
    assert religion["source_package"].nunique() >= 2
    assert religion["source_package"].value_counts().min() >= 0.4 * len(religion)
    for column in ("source_package", "source_version", "source_file", "source_ref"):
        assert (corpus[column].str.len() > 0).all()
    # No attribution survives at the end of a quote.
    assert not corpus["text"].str.contains(r"\s--\s*[A-Z][a-z]+ [A-Z][a-z]+$").any()
    shares = corpus.groupby("label")["split"].value_counts(normalize=True)
    assert shares.xs("test", level="split").between(0.09, 0.11).all()
