"""Vocabulary: reserved ids, ranking, encoding sides, decoding, JSON files."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl2lab.errors import Dl2labError
from dl2lab.text.vocab import DEFAULT_MAX_LEN, OOV_ID, PAD_ID, Vocabulary

# Counts: a=3, b=2, c=2, d=1, e=1 (b and c tie, d and e tie).
CORPUS = [["a", "b", "c"], ["a", "c", "d"], ["a", "b", "e"]]


def test_reserved_ids_and_ranking_with_ties_broken_by_string_order():
    vocab = Vocabulary.build(CORPUS)
    assert PAD_ID == 0 and OOV_ID == 1
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b", "c", "d", "e"]
    assert vocab.counts == [3, 2, 2, 1, 1]
    assert len(vocab) == 7
    # Same corpus, other order: same ids.
    assert Vocabulary.build(CORPUS[::-1]).tokens == vocab.tokens
    assert Vocabulary.build([t[::-1] for t in CORPUS]).tokens == vocab.tokens


def test_max_words_counts_real_words_only_and_min_count_filters():
    vocab = Vocabulary.build(CORPUS, max_words=2)
    assert vocab.words == ["a", "b"]
    assert len(vocab) == 4  # 2 words + <pad> + <unk>
    assert Vocabulary.build(CORPUS, min_count=2).words == ["a", "b", "c"]
    assert Vocabulary.build(CORPUS, max_words=None).words == ["a", "b", "c", "d", "e"]


def test_reserved_tokens_in_the_data_are_not_words():
    vocab = Vocabulary.build([["<pad>", "x", "<unk>", "<unk>"]])
    assert vocab.tokens == ["<pad>", "<unk>", "x"]


def test_extra_reserved_tokens_take_the_next_ids():
    vocab = Vocabulary.build(CORPUS, reserved=("<pad>", "<unk>", "<s>", "<eos>"))
    assert vocab.token_to_id("<s>") == 2
    assert vocab.token_to_id("<eos>") == 3
    assert vocab.token_to_id("a") == 4


def test_encode_pads_in_front_and_cuts_the_end_by_default():
    vocab = Vocabulary.build(CORPUS)  # a=2 b=3 c=4 d=5 e=6
    token_ids = vocab.encode([["a", "zzz"], ["a", "b", "c", "d", "e"], []], max_len=4)
    assert token_ids.dtype == np.int32
    np.testing.assert_array_equal(
        token_ids, [[0, 0, 2, OOV_ID], [2, 3, 4, 5], [0, 0, 0, 0]]
    )


def test_encode_other_sides():
    vocab = Vocabulary.build(CORPUS)
    tokens = [["a", "b", "c", "d", "e"], ["e"]]
    post = vocab.encode(tokens, max_len=3, padding="post", truncating="pre")
    np.testing.assert_array_equal(post, [[4, 5, 6], [6, 0, 0]])


def test_encode_default_max_len():
    vocab = Vocabulary.build(CORPUS)
    assert vocab.encode(CORPUS).shape == (3, DEFAULT_MAX_LEN)


def test_decode_drops_padding_and_names_oov():
    vocab = Vocabulary.build(CORPUS)
    assert vocab.decode([0, 0, 2, 1, 6]) == ["a", "<unk>", "e"]
    assert vocab.decode(np.array([0, 3], dtype=np.int32)) == ["b"]
    assert vocab.decode([]) == []


def test_round_trip_of_known_tokens():
    vocab = Vocabulary.build(CORPUS)
    for tokens in CORPUS:
        assert vocab.decode(vocab.encode([tokens], max_len=5)[0]) == tokens


def test_lookups_and_their_errors():
    vocab = Vocabulary.build(CORPUS)
    assert vocab.token_to_id("never seen") == OOV_ID
    assert vocab.id_to_token(0) == "<pad>"
    assert "a" in vocab and "zzz" not in vocab
    with pytest.raises(Dl2labError, match=r"token id 7 is out of range; expected 0 <="):
        vocab.id_to_token(7)
    with pytest.raises(Dl2labError, match=r"token id -1 is out of range"):
        vocab.decode([2, -1])
    with pytest.raises(Dl2labError, match=r"must be one sequence \(1-D\); got shape"):
        vocab.decode([[2, 3]])


def test_bad_arguments_are_named():
    with pytest.raises(
        Dl2labError, match=r"`max_words` must be an integer >= 1; got 0"
    ):
        Vocabulary.build(CORPUS, max_words=0)
    with pytest.raises(Dl2labError, match=r"`min_count` must be an integer >= 1"):
        Vocabulary.build(CORPUS, min_count=1.5)
    with pytest.raises(Dl2labError, match=r"`token_lists\[0\]` must be a list of str"):
        Vocabulary.build(["a whole text"])
    with pytest.raises(Dl2labError, match=r"`token_lists` must be a list of token"):
        Vocabulary.build("text")
    vocab = Vocabulary.build(CORPUS)
    with pytest.raises(Dl2labError, match=r"`max_len` must be an integer >= 1; got 0"):
        vocab.encode(CORPUS, max_len=0)
    with pytest.raises(
        Dl2labError, match=r"`padding` must be 'pre' or 'post'; got 'x'"
    ):
        vocab.encode(CORPUS, padding="x")


def test_save_and_load_round_trip(tmp_path):
    vocab = Vocabulary.build([["é", "東京", "👍🏽"], ["é"]])
    path = vocab.save(tmp_path / "sub" / "vocab.json")
    loaded = Vocabulary.load(path)
    assert loaded == vocab
    # Tie between 東京 (U+6771) and 👍🏽 (U+1F44D): code point order.
    assert loaded.tokens == ["<pad>", "<unk>", "é", "東京", "👍🏽"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["pad_id"] == 0 and data["oov_id"] == 1
    assert not list(tmp_path.glob("sub/.*.tmp"))  # nothing half-written left


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(Dl2labError, match=r"vocabulary file '.*nope.json' does not"):
        Vocabulary.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(Dl2labError, match=r"'.*bad.json' is not readable JSON"):
        Vocabulary.load(bad)
    other = tmp_path / "other.json"
    other.write_text('{"words": []}', encoding="utf-8")
    with pytest.raises(Dl2labError, match=r"'.*other.json' is not a dl2lab vocab"):
        Vocabulary.load(other)


token_lists = st.lists(st.lists(st.text(max_size=4), max_size=12), max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    train=token_lists,
    data=token_lists,
    max_words=st.integers(1, 6),
    max_len=st.integers(1, 9),
)
def test_encoding_never_yields_an_id_at_or_above_the_vocabulary_size(
    train, data, max_words, max_len
):
    vocab = Vocabulary.build(train, max_words=max_words)
    token_ids = vocab.encode(data, max_len=max_len)
    assert token_ids.shape == (len(data), max_len)
    assert token_ids.min(initial=0) >= 0
    assert token_ids.max(initial=0) < len(vocab)
    assert len(vocab) <= max_words + 2
    for row, tokens in zip(token_ids, data, strict=True):
        # Padding count: whatever the tokens do not fill.
        assert int((row == PAD_ID).sum()) == max_len - min(len(tokens), max_len)
