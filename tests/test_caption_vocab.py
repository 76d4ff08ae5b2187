"""The caption vocabulary: special ids, ranking, cutting, round trips."""

import numpy as np
import pytest

from dl2lab.caption.vocab import (
    EOS_ID,
    PAD_ID,
    START_ID,
    UNK_ID,
    CaptionVocabulary,
    tokenize,
)
from dl2lab.errors import Dl2labError
from dl2lab.text.vocab import Vocabulary

CAPTIONS = [
    "woman surfing: medium-light skin tone",
    "man surfing",
    "Woman, cook",
    "cat face",
]


def test_tokenize_rule():
    assert tokenize("Woman Surfing: medium-light skin tone") == [
        "woman", "surfing", "medium", "light", "skin", "tone",
    ]  # fmt: skip
    assert tokenize("man’s o'clock, 10 o’clock!") == [
        "man's",
        "o'clock",
        "10",
        "o'clock",
    ]
    assert tokenize("<s> ＡＢ café 😀") == ["s", "ab", "café"]
    assert tokenize("") == []


def test_special_ids_and_ranking():
    vocab = CaptionVocabulary.build(CAPTIONS, size=1000)
    assert vocab.tokens[:4] == ["<pad>", "<unk>", "<s>", "<eos>"]
    assert (PAD_ID, UNK_ID, START_ID, EOS_ID) == (0, 1, 2, 3)
    # Counts: surfing 2, woman 2, then 1 each in alphabetical order.
    assert vocab.tokens[4:6] == ["surfing", "woman"]
    assert vocab.tokens[6:] == sorted(
        ["medium", "light", "skin", "tone", "man", "cook", "cat", "face"]
    )
    assert len(vocab) == 4 + 10


def test_size_caps_the_number_of_ids():
    vocab = CaptionVocabulary.build(CAPTIONS, size=6)
    assert len(vocab) == 6
    assert vocab.encode("man surfing") == [START_ID, UNK_ID, 4, EOS_ID]
    words = [f"w{i}" for i in range(2000)]
    big = CaptionVocabulary.build([" ".join(words)] * 2 + ["w5"], size=1000)
    assert len(big) == 1000
    assert big.token_to_id("w5") == 4  # seen three times
    assert max(big.encode_batch([" ".join(words)], max_len=20)[0]) < 1000


def test_encode_cuts_long_captions_and_still_ends_with_eos():
    vocab = CaptionVocabulary.build(["a b c d e f g h i j k l m n o p q r s t u v w"])
    caption = "a b c d e f g h i j k l m n o p q r s t u v w"
    ids = vocab.encode(caption, max_len=20)
    assert len(ids) == 20
    assert ids[0] == START_ID and ids[-1] == EOS_ID
    assert vocab.decode(ids) == "a b c d e f g h i j k l m n o p q r"  # 18 words
    assert vocab.encode("a b", max_len=2) == [START_ID, EOS_ID]


def test_encode_batch_pads_with_zero():
    vocab = CaptionVocabulary.build(CAPTIONS)
    batch = vocab.encode_batch(["man surfing", "zebra"], max_len=6)
    assert batch.dtype == np.int32 and batch.shape == (2, 6)
    man, surfing = vocab.token_to_id("man"), vocab.token_to_id("surfing")
    assert batch.tolist() == [
        [START_ID, man, surfing, EOS_ID, 0, 0],
        [START_ID, UNK_ID, EOS_ID, 0, 0, 0],
    ]


def test_decode_strips_specials_and_stops_at_eos():
    vocab = CaptionVocabulary.build(CAPTIONS)
    cat, face = vocab.token_to_id("cat"), vocab.token_to_id("face")
    assert vocab.decode([START_ID, cat, face, EOS_ID, cat, 0]) == "cat face"
    assert vocab.decode(np.array([cat, UNK_ID, 0, 0])) == "cat <unk>"
    assert vocab.decode([]) == ""


def test_save_and_load(tmp_path):
    vocab = CaptionVocabulary.build(CAPTIONS)
    path = vocab.save(tmp_path / "vocab.json")
    again = CaptionVocabulary.load(path)
    assert again.tokens == vocab.tokens
    assert again.encode("woman cook") == vocab.encode("woman cook")
    (tmp_path / "bad.json").write_text('{"tokens": ["a"]}')
    with pytest.raises(Dl2labError, match=r"bad\.json.*is not a dl2lab vocabulary"):
        CaptionVocabulary.load(tmp_path / "bad.json")
    with pytest.raises(Dl2labError, match=r"nope\.json.*does not exist"):
        CaptionVocabulary.load(tmp_path / "nope.json")
    Vocabulary.build([["a", "b"]]).save(tmp_path / "text.json")
    with pytest.raises(Dl2labError, match=r"text\.json.*reserves \['<pad>', '<unk>'\]"):
        CaptionVocabulary.load(tmp_path / "text.json")


def test_special_symbols_inside_a_caption_are_unknown_words():
    vocab = CaptionVocabulary.build(CAPTIONS)
    assert vocab.encode(["cat", "<eos>", "<pad>", "face"]) == [
        START_ID, vocab.token_to_id("cat"), UNK_ID, UNK_ID, vocab.token_to_id("face"),
        EOS_ID,
    ]  # fmt: skip


def test_bad_arguments():
    with pytest.raises(Dl2labError, match=r"`size` must be an int >= 5; got 3"):
        CaptionVocabulary.build(CAPTIONS, size=3)
    vocab = CaptionVocabulary.build(CAPTIONS)
    with pytest.raises(Dl2labError, match=r"`max_len` must be an int >= 2; got 1"):
        vocab.encode("cat", max_len=1)
    with pytest.raises(Dl2labError, match="not one str"):
        vocab.encode_batch("cat face")
    with pytest.raises(Dl2labError, match=r"token id 99 is out of range.*< 14"):
        vocab.id_to_token(99)
