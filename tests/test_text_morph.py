"""Stemming, and WordNet lemmatisation on a tiny WordNet packaged as a .deb.

The lemmatiser's whole path runs offline here: fetch_deb takes a ``.deb``
built in the test (the same layout as Debian's wordnet-base), the files are
copied into an nltk_data folder with a ``lexnames`` written from the manual
page, and NLTK's reader lemmatises from it.
"""

import gzip
import shutil
import subprocess

import pytest

from dl2lab.errors import Dl2labError
from dl2lab.text import morph
from dl2lab.text.clean import CleanConfig, Cleaner

MANUAL = """.TH LEXNAMES 5WN
.TS
l l l.
\\fBFile Number\\fP	\\fBName\\fP	\\fBContents\\fP
_
00	adj.all	all adjective clusters
01	adj.pert	relational adjectives
02	adv.all	all adverbs
03	noun.Tops	unique beginner for nouns
04	verb.body	verbs of grooming
.TE
"""

FILES = {
    "index.noun": "  1 test index\ngoose n 1 0 1 0 00000001\ntax n 1 0 1 0 00000002\n"
    "running n 1 0 1 0 00000003\nmedium n 1 0 1 0 00000004\n",
    "index.verb": "  1 test index\ngo v 1 0 1 0 00000011\nrun v 1 0 1 0 00000012\n"
    "tax v 1 0 1 0 00000013\n",
    "index.adj": "  1 test index\n",
    "index.adv": "  1 test index\n",
    "data.noun": "  1 test data\n",
    "data.verb": "  1 test data\n",
    "data.adj": "  1 test data in the WordNet 3.0 Copyright line format\n",
    "data.adv": "  1 test data\n",
    "noun.exc": "geese goose\nmedia medium\n",
    "verb.exc": "went go\nran run\nrunning run\n",
    "adj.exc": "",
    "adv.exc": "",
}


def test_snowball_stems():
    # Expected values: the English Snowball (Porter 2) rules by hand.
    assert [morph.stem(w) for w in ("taxes", "running", "Trump's", "generously")] == [
        "tax",
        "run",
        "trump",
        "generous",
    ]


def test_lexnames_from_the_manual_page(tmp_path):
    manual = tmp_path / "lexnames.5WN.gz"
    manual.write_bytes(gzip.compress(MANUAL.encode()))
    assert morph._lexnames(manual).splitlines() == [
        "00\tadj.all\t3",
        "01\tadj.pert\t3",
        "02\tadv.all\t4",
        "03\tnoun.Tops\t1",
        "04\tverb.body\t2",
    ]
    manual.write_bytes(gzip.compress(b"no table here"))
    with pytest.raises(Dl2labError, match=r"could not read the lexicographer file"):
        morph._lexnames(manual)


@pytest.fixture
def tiny_wordnet(tmp_path, monkeypatch):
    if shutil.which("dpkg-deb") is None:  # pragma: no cover - Debian tool
        pytest.fail("dpkg-deb is needed to build the test package")
    tree = tmp_path / "pkg"
    share = tree / "usr" / "share"
    (share / "wordnet").mkdir(parents=True)
    for name, text in FILES.items():
        (share / "wordnet" / name).write_text(text, encoding="ascii")
    (share / "man" / "man5").mkdir(parents=True)
    (share / "man" / "man5" / "lexnames.5WN.gz").write_bytes(
        gzip.compress(MANUAL.encode())
    )
    (tree / "DEBIAN").mkdir()
    (tree / "DEBIAN" / "control").write_text(
        "Package: wordnet-base\nVersion: 1:3.0-test\nArchitecture: all\n"
        "Maintainer: dl2lab tests <tests@example.invalid>\n"
        "Description: tiny WordNet for tests\n",
        encoding="ascii",
    )
    debs = tmp_path / "debs"
    debs.mkdir()
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(tree),
         str(debs / "wordnet-base_3.0-test_all.deb")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))
    morph._wordnet.cache_clear()
    morph.lemmatize.cache_clear()
    yield debs
    morph._wordnet.cache_clear()
    morph.lemmatize.cache_clear()


def test_wordnet_folder_is_built_from_the_package(tiny_wordnet, tmp_path):
    folder = morph.wordnet_dir(from_dir=tiny_wordnet)
    assert folder == tmp_path / "cache" / "nltk_data" / "corpora" / "wordnet"
    assert (folder / "lexnames").read_text().startswith("00\tadj.all\t3\n")
    # Copies, not links: NLTK refuses files that resolve outside nltk_data.
    assert not any(path.is_symlink() for path in folder.iterdir())
    assert (folder / "index.noun").read_text() == FILES["index.noun"]
    # A second call reuses the folder without the package.
    assert morph.wordnet_dir(from_dir=tmp_path / "nowhere") == folder


def test_lemmatize_noun_first_then_verb(tiny_wordnet):
    morph.wordnet_dir(from_dir=tiny_wordnet)
    assert morph.lemmatize("taxes") == "tax"  # noun rule -s
    assert morph.lemmatize("geese") == "goose"  # noun exception list
    assert morph.lemmatize("went") == "go"  # no noun: verb exception list
    assert morph.lemmatize("running") == "run"  # noun unchanged: verb exception
    assert morph.lemmatize("media") == "medium"  # no POS tags: noun wins
    assert morph.lemmatize("trump's") == "trump"  # possessive dropped
    assert morph.lemmatize("covfefe") == "covfefe"  # unknown: unchanged
    cleaner = Cleaner(CleanConfig(word_form="lemma"))
    assert cleaner.tokens("Geese went running, TAXES!") == [
        "goose",
        "go",
        "run",
        "tax",
    ]


def test_missing_package_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(Dl2labError, match=r"no wordnet-base_\*\.deb in --from folder"):
        morph.wordnet_dir(from_dir=empty)
