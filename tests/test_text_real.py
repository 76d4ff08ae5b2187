"""The cleaner and vocabulary on the 20,761 real tweets (fetched by make data)."""

import numpy as np
import pytest

from dl2lab.datasets.registry import load
from dl2lab.text.clean import Cleaner
from dl2lab.text.vocab import DEFAULT_MAX_LEN, MAX_LEN_PERCENTILE, Vocabulary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def token_lists():
    texts = load("tweets")["text"].tolist()
    assert len(texts) == 20_761
    return Cleaner().batch(texts)


def test_default_max_len_is_the_stated_percentile_of_real_tweets(token_lists):
    lengths = np.array([len(tokens) for tokens in token_lists])
    assert (
        int(np.percentile(lengths, MAX_LEN_PERCENTILE, method="higher"))
        == DEFAULT_MAX_LEN
    )


def test_real_tweets_encode_within_the_vocabulary(token_lists):
    vocab = Vocabulary.build(token_lists[:15_000], max_words=20_000)
    token_ids = vocab.encode(token_lists[15_000:])
    assert token_ids.shape == (len(token_lists) - 15_000, DEFAULT_MAX_LEN)
    assert token_ids.min() >= 0 and token_ids.max() < len(vocab)
    # Unseen tweets still share most of their tokens with the first 15,000.
    assert vocab.coverage(token_lists[15_000:]) > 0.8
