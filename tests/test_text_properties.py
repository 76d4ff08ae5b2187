"""Property tests: cleaning never raises on any str, under any config."""

import dataclasses
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dl2lab.text.clean import CHOICES, CleanConfig, Cleaner
from dl2lab.text.normalize import nfkc, strip_markup

# Pieces that exercise the tricky paths, mixed with arbitrary text. Every
# Unicode category is drawn, lone surrogates (Cs) and controls included.
ALL_CHARS = st.characters(exclude_categories=())
PIECES = [
    "http://t.co/x.", "www.a.com)", "@user’s", "#CamelCaseTag", "#1", "&amp;",
    "&#0;", "&#xD800;", "<b>", "<!--", "\U0001f44d\U0001f3fd", "\u200d",
    "\ufe0f", "\U0001f1fa", "\U0001f3f4\U000e0067", "1\ufe0f\u20e3", ":)",
    "soooo", "45.8%", "’", "\ud800", "\x00", "ﬁ", "™", "ℹ", "हि", "\u0301",
]  # fmt: skip

any_text = st.one_of(
    st.text(ALL_CHARS, max_size=60),
    st.lists(
        st.one_of(st.sampled_from(PIECES), st.text(ALL_CHARS, max_size=5)),
        max_size=25,
    ).map("".join),
)

configs = st.builds(
    CleanConfig,
    html=st.booleans(),
    normalize=st.booleans(),
    casefold=st.booleans(),
    max_repeat=st.integers(0, 3),
    word_form=st.sampled_from(("stem", "keep")),
    **{
        name: st.sampled_from(values)
        for name, values in CHOICES.items()
        if name != "word_form"
    },
)


@functools.cache
def cleaner_for(config):
    return Cleaner(config)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text, config=configs)
def test_cleaning_never_raises_and_returns_nonempty_str_tokens(text, config):
    tokens = cleaner_for(config).tokens(text)
    assert isinstance(tokens, list)
    assert all(isinstance(t, str) and t for t in tokens)
    # Kept tokens never contain whitespace: one JSON list item is one token.
    assert not any(any(c.isspace() for c in t) for t in tokens)


@settings(max_examples=150, deadline=None)
@given(text=any_text)
def test_cleaning_is_deterministic_and_batch_equals_tokens(text):
    cleaner = cleaner_for(CleanConfig())
    assert cleaner.batch([text, text]) == [cleaner.tokens(text)] * 2
    assert Cleaner().tokens(text) == cleaner.tokens(text)


@settings(max_examples=300, deadline=None)
@given(text=any_text, config=configs)
def test_cleaning_chunk_by_chunk_equals_one_scan_of_the_whole_text(text, config):
    # The cleaner caches per whitespace-separated chunk; that must never
    # change the result against scanning the whole (prepared) text at once.
    cleaner = cleaner_for(config)
    prepared = strip_markup(text) if config.html else text
    prepared = nfkc(prepared) if config.normalize else prepared
    assert cleaner.tokens(text) == list(cleaner._scan(prepared))


def test_edge_cases_from_the_brief():
    cleaner = Cleaner()
    assert cleaner.tokens("") == []
    assert cleaner.tokens("the and of to") == []
    assert cleaner.tokens("\U0001f602\U0001f602") == ["\U0001f602"] * 2
    assert cleaner.tokens("https://t.co/a https://t.co/b") == ["<url>", "<url>"]
    assert cleaner.tokens("\x00\x01\x7f\ud800\udfff") == []
    words = Cleaner(dataclasses.replace(CleanConfig(), word_form="keep"))
    long_text = ("Tremendous " * 50_000) + "a" * 1_000_000 + " " + "(" * 100_000
    tokens = words.tokens(long_text)
    assert tokens[:2] == ["tremendous", "tremendous"]
    assert tokens[-1] == "aa"  # a million letters, cut to two
    assert len(tokens) == 50_001
