"""tweets-gold: building the stored files from annotator files (a tiny set
written here), agreement, joining the text, and the real stored labels."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dl2lab.datasets import built, gold, tweets
from dl2lab.errors import Dl2labError

# Batch k owns four tweets; second_reading_ids[k] lists the ones re-read by
# the annotator of batch (k + 1) % 3, whose labels file holds them too.
OWN = {0: ["101", "102", "103", "104"], 1: ["105", "106", "107", "108"]}
OWN[2] = ["109", "110", "111", "112"]
REREAD = {"0": ["101"], "1": ["105", "106"], "2": ["109"]}
PRIMARY = {
    "101": ("politics", 0, ""),
    "102": ("politics", 0, ""),
    "103": ("none", 0, ""),
    "104": ("technology", 1, "politics"),
    "105": ("technology", 0, ""),
    "106": ("religion", 1, "politics"),
    "107": ("none", 0, ""),
    "108": ("politics", 0, ""),
    "109": ("none", 0, ""),
    "110": ("religion", 0, ""),
    "111": ("none", 0, ""),
    "112": ("politics", 0, ""),
}
SECOND = {
    "101": ("politics", 0, ""),  # same label
    "105": ("none", 0, ""),  # different
    "106": ("politics", 1, "religion"),  # different, but the tie's other label
    "109": ("none", 0, ""),  # same
}


def write_label_dir(folder: Path, drop: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ids = sorted(PRIMARY)
    selection = pd.DataFrame(
        {
            "id": ids,
            "random": [
                int(i in ("101", "103", "105", "107", "110", "111")) for i in ids
            ],
            "tech_search": [int(i in ("104", "105", "101")) for i in ids],
            "religion_search": [int(i in ("106", "110")) for i in ids],
            "text": [f'tweet, "number" {i}' for i in ids],
        }
    )
    selection.to_csv(folder / "selection.csv", index=False)
    (folder / "second_reading_ids.json").write_text(json.dumps(REREAD))
    for k in range(3):
        previous = str((k - 1) % 3)
        batch = OWN[k] + REREAD[previous]
        (folder / f"batch_{k + 1}.tsv").write_text(
            "".join(f"{i}\ttext of {i}\n" for i in batch)
        )
        rows = []
        for i in batch:
            if i == drop:
                continue
            label, amb, second = SECOND[i] if i in REREAD[previous] else PRIMARY[i]
            rows.append(f"{i}\t{label}\t{amb}\t{second}\n")
        (folder / f"labels_{k + 1}.tsv").write_text("".join(rows))
    return folder


def test_build_tables_takes_the_primary_label_from_the_own_batch(tmp_path):
    table, second = gold.build_tables(write_label_dir(tmp_path / "labels"))

    assert list(table.columns) == list(gold.GOLD_COLUMNS)
    assert table["id"].tolist() == sorted(PRIMARY, key=int)
    got = {
        r.id: (r.label, int(r.ambiguous), r.second_label) for r in table.itertuples()
    }
    assert got == PRIMARY
    assert "text" not in table.columns and "text" not in second.columns

    assert list(second.columns) == list(gold.SECOND_COLUMNS)
    got = {
        r.id: (r.label, int(r.ambiguous), r.second_label) for r in second.itertuples()
    }
    assert got == SECOND
    batches = {r.id: (r.batch, r.second_batch) for r in second.itertuples()}
    assert batches == {"101": (1, 2), "105": (2, 3), "106": (2, 3), "109": (3, 1)}


def test_drawn_by_and_split(tmp_path):
    table, _ = gold.build_tables(write_label_dir(tmp_path / "labels"))
    drawn = dict(zip(table["id"], table["drawn_by"], strict=True))
    assert drawn["101"] == "random+tech_search"
    assert drawn["106"] == "religion_search"
    assert drawn["110"] == "random+religion_search"
    assert drawn["102"] == ""
    assert set(table["split"]) <= {"train", "val", "test"}
    again, _ = gold.build_tables(write_label_dir(tmp_path / "again"))
    assert again["split"].tolist() == table["split"].tolist()


def test_agreement_by_hand(tmp_path):
    table, second = gold.build_tables(write_label_dir(tmp_path / "labels"))
    rate = gold.agreement(table, second)
    # Pairs (primary, second): (pol, pol) (tech, none) (rel, pol) (none, none).
    # p_o = 2/4; p_e = P(pol) 1/4 * 2/4 + P(none) 1/4 * 2/4 = 1/4;
    # kappa = (1/2 - 1/4) / (1 - 1/4) = 1/3.
    assert rate["n"] == 4
    assert rate["agree"] == pytest.approx(0.5)
    assert rate["kappa"] == pytest.approx(1 / 3)
    assert rate["agree_lenient"] == pytest.approx(0.75)


def test_csv_round_trip(tmp_path):
    table, second = gold.build_tables(write_label_dir(tmp_path / "labels"))
    (tmp_path / gold.GOLD_FILE).write_text(gold.to_csv(table))
    (tmp_path / gold.SECOND_FILE).write_text(gold.to_csv(second))
    back = gold.read_stored(gold.GOLD_FILE, folder=tmp_path)
    assert back["ambiguous"].tolist() == table["ambiguous"].tolist()
    assert back["second_label"].tolist() == table["second_label"].tolist()
    lines = (tmp_path / gold.GOLD_FILE).read_text().splitlines()
    assert lines[0] == "id,label,ambiguous,second_label,drawn_by,split"
    assert lines[4].startswith("104,technology,1,politics,tech_search,")


def test_incomplete_labels_file_is_named(tmp_path):
    folder = write_label_dir(tmp_path / "labels", drop="103")
    with pytest.raises(Dl2labError, match=r"labels_1.tsv labels 4 of the 5 tweets"):
        gold.build_tables(folder)


def test_missing_labels_file_is_named(tmp_path):
    folder = write_label_dir(tmp_path / "labels")
    (folder / "labels_3.tsv").unlink()
    with pytest.raises(Dl2labError, match=r"labels_3.tsv' does not exist yet"):
        gold.build_tables(folder)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("7\tsports\t0\t", "line 2: label 'sports' is not one of politics"),
        ("7\tnone\tyes\t", "line 2: ambiguous must be 0 or 1; got 'yes'"),
        ("7\tnone\t1\t", "line 2: an ambiguous tweet needs a second label"),
        ("7\tnone\t1\tnone", "needs a second label other than 'none'"),
        ("7\tnone\t0\tpolitics", "second label 'politics' given but ambiguous is 0"),
        ("x7\tnone\t0\t", "line 2: expected id<TAB>label"),
        ("5\tnone\t0\t", "tweet 5 is labelled twice"),
    ],
)
def test_malformed_label_lines(tmp_path, line, message):
    path = tmp_path / "labels_1.tsv"
    path.write_text(f"5\tpolitics\t0\t\n{line}\n")
    with pytest.raises(Dl2labError, match=message):
        gold.read_labels(path)


def test_join_text_requires_every_id():
    labels = pd.DataFrame({"id": ["1", "2"], "label": ["none", "politics"]})
    texts = pd.DataFrame({"id": ["2", "1", "3"], "text": ["two", "one", "three"]})
    joined = gold.join_text(labels, texts)
    assert joined["text"].tolist() == ["one", "two"]
    assert list(joined.columns) == ["id", "text", "label"]
    with pytest.raises(Dl2labError, match=r"1 labelled tweet ids are not.*first: 9"):
        gold.join_text(pd.DataFrame({"id": ["1", "9"], "label": ["a", "b"]}), texts)


# --------------------------------------------------------------------------
# The stored files of the repository


def test_stored_gold_set():
    table = gold.read_stored(gold.GOLD_FILE)
    second = gold.read_stored(gold.SECOND_FILE)

    assert list(table.columns) == list(gold.GOLD_COLUMNS)
    assert table["id"].is_unique
    assert len(table) >= 1500
    assert table["drawn_by"].str.contains("random").sum() == 1000
    assert set(table["label"]) == set(gold.LABELS)
    # Ambiguous tweets, and only they, carry a different second label.
    amb = table[table["ambiguous"]]
    assert (amb["second_label"] != amb["label"]).all()
    assert amb["second_label"].isin(gold.LABELS).all()
    assert (table.loc[~table["ambiguous"], "second_label"] == "").all()

    # Stratified 60/20/20 by label and draw: test and val hold round(0.2 n).
    random = table["drawn_by"].str.contains("random").map({True: "r", False: "s"})
    for _, part in table.groupby([table["label"], random]):
        n = len(part)
        assert (part["split"] == "test").sum() == round(0.2 * n)
        assert (part["split"] == "val").sum() == round(0.2 * n)

    assert len(second) >= 150
    assert second["id"].isin(table["id"]).all()
    assert (second["batch"] != second["second_batch"]).all()


@pytest.mark.slow
def test_real_gold_joins_real_tweets():
    if built.read_meta("tweets") is None:
        pytest.fail("the real tweets are not fetched; run `make data` first")
    table = gold.load()
    assert table["id"].isin(tweets.load()["id"]).all()
    assert list(table.columns) == [
        "id",
        "text",
        "label",
        "ambiguous",
        "second_label",
        "drawn_by",
        "split",
    ]
    assert table["ambiguous"].dtype == bool
    assert (table["text"].str.len() > 0).all()
    assert len(gold.load(split="test")) == (table["split"] == "test").sum()
    status = gold.status()
    assert status[0] == "fetched"
    assert "Cohen's kappa" in status[-1]
