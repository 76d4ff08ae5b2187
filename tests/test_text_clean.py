"""Each cleaning step on tricky tweets, against outputs worked out by hand.

Every test switches on one step over the bare tokeniser
(``CleanConfig.tokenize_only()``), so a failure points at one step.
"""

import dataclasses

import pytest

from dl2lab.errors import Dl2labError
from dl2lab.text.clean import STEPS, CleanConfig, Cleaner, trace

BARE = CleanConfig.tokenize_only()


def only(**steps):
    return Cleaner(dataclasses.replace(BARE, **steps))


# --------------------------------------------------------------------------
# Step 1: HTML


def test_html_tags_removed_then_entities_decoded():
    text = "Tax cuts &amp; jobs <b>now</b>&#33; &lt;3 you"
    assert only(html=True).tokens(text) == [
        "Tax", "cuts", "&", "jobs", "now", "!", "<3", "you",
    ]  # fmt: skip
    # Off: the entity is split like any other text.
    assert only().tokens("a &amp; b") == ["a", "&", "amp", ";", "b"]


def test_an_escaped_tag_is_text_not_a_tag():
    # "&lt;b&gt;" decodes to "<b>" after tags were removed, so it stays.
    assert only(html=True).tokens("&lt;b&gt;bold") == ["<", "b", ">", "bold"]


# --------------------------------------------------------------------------
# Step 2: Unicode normalisation


def test_nfkc_folds_width_and_ligatures_but_keeps_symbols():
    text = "ＴＲＵＭＰ ｗｉｎｓ ﬁnal… Trump™ cafe\u0301"
    assert only(normalize=True).tokens(text) == [
        "TRUMP", "wins", "final", "...", "Trump", "™", "café",
    ]  # fmt: skip
    assert only().tokens("ﬁnal™") == ["ﬁnal", "™"]


def test_full_width_at_sign_becomes_a_mention_after_nfkc():
    assert only(normalize=True).tokens("＠POTUS") == ["@POTUS"]


# --------------------------------------------------------------------------
# Step 3: the tokeniser (always on)

LINKS = "Read this:http://t.co/AbC1.(see https://x.com/a?b=1), www.trump.com!"


def test_links_followed_by_punctuation():
    assert only().tokens(LINKS) == [
        "Read", "this", ":", "http://t.co/AbC1", ".", "(", "see",
        "https://x.com/a?b=1", ")", ",", "www.trump.com", "!",
    ]  # fmt: skip


def test_joined_emoji_skin_tones_flags_and_keycaps_are_one_token_each():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
    thumbs = "\U0001f44d\U0001f3fd"  # thumbs up + medium skin tone
    shrug = "\U0001f937\U0001f3fe\u200d\u2640\ufe0f"  # woman shrugging, dark tone
    flag = "\U0001f1fa\U0001f1f8"  # regional indicators U, S
    text = f"Great{thumbs}{family} {shrug}{flag}#MAGA 1\ufe0f\u20e3"
    # Kept emoji lose their variation selector 16 (U+FE0F) and nothing else.
    assert only().tokens(text) == [
        "Great", thumbs, family, shrug[:-1], flag, "#MAGA", "1\u20e3",
    ]  # fmt: skip


def test_non_latin_scripts_stay_whole():
    text = "हिन्दी में ट्वीट, 東京で, می\u200cخواهم, Москва!"
    assert only().tokens(text) == [
        "हिन्दी", "में", "ट्वीट", ",", "東京で", ",", "می\u200cخواهم", ",", "Москва", "!",
    ]  # fmt: skip


def test_apostrophes_numbers_emoticons_and_possessives():
    text = "Don’t miss .@FoxNews’s 9:45pm show, 1,000 fans :) #1 #Trump2016’s"
    assert only().tokens(text) == [
        "Don't", "miss", ".", "@FoxNews", "9:45pm", "show", ",", "1,000",
        "fans", ":)", "#", "1", "#Trump2016",
    ]  # fmt: skip


def test_invisible_characters_are_never_tokens():
    assert only().tokens("a\u200bb\x00\x07 c\ud800") == ["a", "b", "c"]


# --------------------------------------------------------------------------
# Step 4: URLs, mentions, hashtags

TWEET = ".@realDonaldTrump: #DrainTheSwamp #USAFirst now! https://t.co/xY9"


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            {"urls": "placeholder", "mentions": "placeholder", "hashtags": "words"},
            [".", "<user>", ":", "Drain", "The", "Swamp", "USA", "First", "now",
             "!", "<url>"],
        ),
        (
            {"urls": "drop", "mentions": "drop", "hashtags": "drop"},
            [".", ":", "now", "!"],
        ),
        (
            {"hashtags": "placeholder"},
            [".", "@realDonaldTrump", ":", "<hashtag>", "<hashtag>", "now", "!",
             "https://t.co/xY9"],
        ),
        (
            {"hashtags": "keep", "casefold": True},
            [".", "@realdonaldtrump", ":", "#draintheswamp", "#usafirst", "now",
             "!", "https://t.co/xY9"],
        ),
    ],
)  # fmt: skip
def test_urls_mentions_hashtags(steps, expected):
    assert only(**steps).tokens(TWEET) == expected


def test_camel_case_hashtags_split_into_words_and_numbers():
    cleaner = only(hashtags="words", numbers="placeholder")
    assert cleaner.tokens("#TimeToGetTough #Trump2016 #Make_America_Great #東京") == [
        "Time", "To", "Get", "Tough", "Trump", "<num>", "Make", "America",
        "Great", "東京",
    ]  # fmt: skip


# --------------------------------------------------------------------------
# Steps 5-9


def test_casefold_beyond_ascii():
    assert only(casefold=True).tokens("STRASSE Straße ΣΟΦΙΑ İstanbul") == [
        "strasse", "strasse", "σοφια", "i\u0307stanbul",
    ]  # fmt: skip


def test_emoji_keep_drop_words():
    heart, heart_vs = "\u2764", "\u2764\ufe0f"
    text = f"Love {heart}{heart_vs} \U0001f44d\U0001f3fd \U0001f1fa\U0001f1f8 ;)"
    assert only(emoji="keep").tokens(text) == [
        "Love", heart, heart, "\U0001f44d\U0001f3fd", "\U0001f1fa\U0001f1f8", ";)",
    ]  # fmt: skip
    assert only(emoji="drop").tokens(text) == ["Love"]
    assert only(emoji="words").tokens(text) == [
        "Love", "red", "heart", "red", "heart", "thumbs", "up", "medium", "skin",
        "tone", "flag", "united", "states", "wink",
    ]  # fmt: skip


def test_trade_mark_signs_are_symbols_unless_marked_as_emoji():
    assert only(punctuation="drop").tokens("Trump® Tower™ ©\ufe0f") == [
        "Trump", "Tower", "©",
    ]  # fmt: skip


def test_punctuation_drop_keeps_everything_else():
    text = "Wow!!! ... really?! #1 :)"
    assert only(punctuation="drop").tokens(text) == ["Wow", "really", "1", ":)"]


def test_numbers():
    text = "Poll: 45.8% in 2016, 2nd in 12 states"
    assert only(numbers="placeholder").tokens(text) == [
        "Poll", ":", "<num>", "in", "<num>", ",", "<num>", "in", "<num>", "states",
    ]  # fmt: skip
    assert only(numbers="drop", punctuation="drop").tokens(text) == [
        "Poll", "in", "in", "states",
    ]  # fmt: skip


def test_elongated_words():
    text = "Soooo goooood, sooo cool"
    assert only(max_repeat=2).tokens(text) == ["Soo", "good", ",", "soo", "cool"]
    assert only(max_repeat=1).tokens(text) == ["So", "god", ",", "so", "cool"]
    assert only(max_repeat=0).tokens(text) == ["Soooo", "goooood", ",", "sooo", "cool"]


# --------------------------------------------------------------------------
# Steps 10-11


def test_stopwords_are_case_insensitive_and_named():
    cleaner = only(stopwords="sklearn")
    assert cleaner.tokens("The Wall will be built, and Mexico WILL pay") == [
        "Wall", "built", ",", "Mexico", "pay",
    ]  # fmt: skip


def test_snowball_stemming():
    cleaner = only(word_form="stem", casefold=True)
    assert cleaner.tokens("Taxes running Trump’s voters") == [
        "tax", "run", "trump", "voter",
    ]  # fmt: skip


def test_placeholders_survive_every_word_step():
    cleaner = Cleaner()
    assert cleaner.tokens("@a 5 http://t.co/x") == ["<user>", "<num>", "<url>"]


def test_defaults_on_a_tricky_tweet():
    text = (
        "RT @FoxNews: Sooo proud &amp; honored!!! \U0001f1fa\U0001f1f8 "
        "#MakeAmericaGreatAgain 2nd time http://t.co/AbC."
    )
    assert Cleaner().tokens(text) == [
        "rt", "<user>", "soo", "proud", "honor", "\U0001f1fa\U0001f1f8", "make",
        "america", "great", "<num>", "time", "<url>",
    ]  # fmt: skip


# --------------------------------------------------------------------------
# Config and API


def test_config_round_trip_and_errors():
    config = CleanConfig(emoji="words", max_repeat=1)
    assert CleanConfig.from_dict(config.to_dict()) == config
    assert list(config.to_dict()) == list(STEPS)
    assert CleanConfig.from_dict({}) == CleanConfig()
    with pytest.raises(Dl2labError, match=r"`urls` must be one of 'placeholder', "):
        CleanConfig(urls="hide")
    with pytest.raises(Dl2labError, match=r"`max_repeat` must be an integer >= 0"):
        CleanConfig(max_repeat=-1)
    with pytest.raises(Dl2labError, match=r"`casefold` must be True or False; got 1"):
        CleanConfig(casefold=1)
    with pytest.raises(Dl2labError, match=r"unknown clean config key\(s\) 'lower'"):
        CleanConfig.from_dict({"lower": True})


def test_cleaner_accepts_a_dict_and_rejects_non_text():
    cleaner = Cleaner({"word_form": "keep"})
    assert cleaner.batch(["Hello World", ""]) == [["hello", "world"], []]
    with pytest.raises(Dl2labError, match=r"`text` must be a str; got float nan"):
        cleaner.tokens(float("nan"))


def test_trace_shows_each_step_in_order():
    steps = trace("Sooo &amp; #BigWin", CleanConfig(word_form="keep"))
    names = [name for name, _ in steps]
    assert names == [
        "input", "html", "normalize", "tokenize", "urls", "mentions", "hashtags",
        "casefold", "punctuation", "numbers", "max_repeat", "stopwords",
    ]  # fmt: skip
    result = dict(steps)
    assert result["html"] == "Sooo & #BigWin"
    assert result["tokenize"] == ["Sooo", "&", "#BigWin"]
    assert result["hashtags"] == ["Sooo", "&", "Big", "Win"]
    assert result["stopwords"] == ["soo", "big", "win"]
