"""Tweets per second of dl2lab's cleaner against the same steps done with NLTK.

Both sides clean the 20,761 real tweets of ``load("tweets")`` with the same
steps, in the same order:

- decode HTML entities (``html.unescape``; dl2lab also removes tags, and
  there are none in this corpus);
- tokenise: NLTK's ``TweetTokenizer(preserve_case=False, reduce_len=True)``
  (which lowercases and cuts runs of 3+ letters to 3) against dl2lab's
  tokeniser with ``casefold`` and ``max_repeat=3``;
- links to ``<url>``, @handles to ``<user>``, hashtags kept as ``#tag``;
- emoji, punctuation and symbol tokens dropped (on the NLTK side: tokens made
  only of Unicode punctuation and symbols), numbers kept;
- scikit-learn's ENGLISH_STOP_WORDS removed;
- NLTK's English Snowball stemmer (dl2lab caches its results; the NLTK side
  calls it on every token, the usual way, and once more with an lru_cache).

dl2lab's full default pipeline (which also applies NFKC, splits hashtags into
words, replaces numbers by ``<num>``...) is timed too. Every timing starts
from cold caches and is the best of ``--repeat`` interleaved runs. The
script also prints the share of tweets whose token lists are identical on
both sides, with examples of the differences, and draws
``docs/tokens-per-tweet.png``: the histogram of tokens per tweet under the
default config with ``DEFAULT_MAX_LEN`` marked.

    .venv/bin/python bench/preprocess.py [--repeat 3] [--plot docs/tokens-per-tweet.png]
"""

from __future__ import annotations

import argparse
import functools
import html
import time
import unicodedata
from pathlib import Path

import numpy as np

from dl2lab.datasets.registry import load
from dl2lab.text import morph
from dl2lab.text.clean import CleanConfig, Cleaner
from dl2lab.text.stopwords import stopword_set
from dl2lab.text.vocab import DEFAULT_MAX_LEN, MAX_LEN_PERCENTILE

# dl2lab settings doing exactly the NLTK side's steps.
SAME_STEPS = CleanConfig(
    html=True,
    normalize=False,
    urls="placeholder",
    mentions="placeholder",
    hashtags="keep",
    casefold=True,
    emoji="drop",
    punctuation="drop",
    numbers="keep",
    max_repeat=3,
    stopwords="sklearn",
    word_form="stem",
)


def nltk_pipeline(cached_stem: bool = False):
    """Return the usual NLTK way of doing SAME_STEPS, as a function of text."""
    from nltk.stem.snowball import SnowballStemmer
    from nltk.tokenize import TweetTokenizer

    tokenizer = TweetTokenizer(preserve_case=False, reduce_len=True)
    stem = SnowballStemmer("english").stem
    if cached_stem:
        stem = functools.lru_cache(maxsize=1 << 17)(stem)
    stopwords = stopword_set("sklearn")

    def is_punct(token: str) -> bool:
        return all(unicodedata.category(ch)[0] in "PS" for ch in token)

    def clean(text: str) -> list[str]:
        tokens = []
        for token in tokenizer.tokenize(html.unescape(text)):
            if token.startswith(("http://", "https://", "www.")):
                tokens.append("<url>")
            elif token.startswith("@") and len(token) > 1:
                tokens.append("<user>")
            elif is_punct(token) or token in stopwords:
                continue
            elif token.startswith("#"):
                tokens.append(token)
            else:
                tokens.append(stem(token))
        return tokens

    return clean


def best_times(makers, texts, repeat: int):
    """Best wall time of each cleaner over ``repeat`` interleaved rounds.

    Each run builds a fresh cleaner (cold caches). Rounds alternate between
    the cleaners so that a change of machine load hits all of them alike.
    """
    best = {name: float("inf") for name in makers}
    results = {}
    for _ in range(repeat):
        for name, make_clean in makers.items():
            morph.stem.cache_clear()
            clean = make_clean()
            start = time.perf_counter()
            results[name] = [clean(text) for text in texts]
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def agreement(ours, theirs, texts, show: int = 5) -> float:
    same = [a == b for a, b in zip(ours, theirs, strict=True)]
    shown = 0
    for i, ok in enumerate(same):
        if not ok and shown < show:
            only_ours = [t for t in ours[i] if t not in theirs[i]]
            only_theirs = [t for t in theirs[i] if t not in ours[i]]
            print(f"  differs: {texts[i][:90]!r}")
            print(f"    dl2lab only: {only_ours}  nltk only: {only_theirs}")
            shown += 1
    return sum(same) / len(same)


def plot_lengths(lengths: np.ndarray, path: Path, percentile_value: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dl2lab.atomic import temporary_path

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    bins = np.arange(0, lengths.max() + 2) - 0.5
    ax.hist(lengths, bins=bins, color="#4c78a8")
    ax.axvline(
        DEFAULT_MAX_LEN + 0.5,
        color="#e45756",
        linestyle="--",
        label=f"DEFAULT_MAX_LEN = {DEFAULT_MAX_LEN} "
        f"({MAX_LEN_PERCENTILE}th percentile = {percentile_value})",
    )
    cut = float(np.mean(lengths > DEFAULT_MAX_LEN))
    ax.set_title(
        f"Tokens per tweet, {len(lengths):,} real tweets, default cleaning "
        f"({cut:.1%} longer than max_len)",
        fontsize=10,
    )
    ax.set_xlabel("tokens after cleaning")
    ax.set_ylabel("tweets")
    ax.legend(fontsize=9)
    fig.tight_layout()
    with temporary_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plot", default="docs/tokens-per-tweet.png")
    args = parser.parse_args()

    texts = load("tweets")["text"].tolist()
    # Import everything and build the stemmer before any clock starts.
    morph.stem("warm")
    nltk_pipeline()("warm up")
    print(f"{len(texts):,} real tweets, best of {args.repeat} runs, cold caches")

    makers = {
        "NLTK, the usual way (TweetTokenizer, Snowball)": nltk_pipeline,
        "NLTK with an lru_cache on the stemmer": lambda: nltk_pipeline(True),
        "dl2lab Cleaner, the same steps": lambda: Cleaner(SAME_STEPS).tokens,
        "dl2lab Cleaner, full default pipeline": lambda: Cleaner().tokens,
    }
    best, results = best_times(makers, texts, args.repeat)
    t_nltk, t_nltk_cached, t_same, t_full = best.values()
    nltk_tokens, _, same_tokens, full_tokens = results.values()

    n = len(texts)
    for name, seconds in best.items():
        print(f"{name:<50} {seconds:6.2f} s  {n / seconds:>9,.0f} tweets/s")
    print(f"ratio dl2lab / NLTK, same steps:         {t_nltk / t_same:.1f}x")
    print(f"ratio dl2lab / NLTK+cache, same steps:   {t_nltk_cached / t_same:.1f}x")
    print(f"ratio dl2lab full pipeline / NLTK:       {t_nltk / t_full:.1f}x")

    share = agreement(same_tokens, nltk_tokens, texts)
    print(f"identical token lists, same steps: {share:.1%} of tweets")

    lengths = np.array([len(tokens) for tokens in full_tokens])
    value = int(np.percentile(lengths, MAX_LEN_PERCENTILE, method="higher"))
    for q in (50, 90, 95, 99, 100):
        print(f"tokens per tweet, {q}th percentile: {np.percentile(lengths, q):.0f}")
    print(
        f"{MAX_LEN_PERCENTILE}th percentile {value}; DEFAULT_MAX_LEN "
        f"{DEFAULT_MAX_LEN}{'' if value == DEFAULT_MAX_LEN else '  <-- MISMATCH'}; "
        f"{np.mean(lengths > DEFAULT_MAX_LEN):.2%} of tweets are cut"
    )
    if args.plot:
        plot_lengths(lengths, Path(args.plot), value)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
