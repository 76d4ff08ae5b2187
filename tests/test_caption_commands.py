"""``dl2lab caption train / evaluate / predict`` on a dozen drawn images."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageDraw

from dl2lab.atomic import MARKER
from dl2lab.caption.data import load_data
from dl2lab.cli import main
from dl2lab.errors import Dl2labError

SHAPES = {
    "red circle": ("red", "ellipse"),
    "blue square": ("blue", "rectangle"),
    "green circle": ("green", "ellipse"),
    "yellow square": ("yellow", "rectangle"),
}


def draw(path, colour, shape, offset):
    image = Image.new("RGB", (96, 96), "white")
    box = (10 + offset, 12, 70 + offset, 80 - offset)
    getattr(ImageDraw.Draw(image), shape)(box, fill=colour)
    image.save(path)
    return str(path)


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("drawings")
    rows = []
    for caption, (colour, shape) in SHAPES.items():
        for k, split in enumerate(["train", "train", "train", "val", "test"]):
            path = draw(folder / f"{colour}-{shape}-{k}.png", colour, shape, 3 * k)
            rows.append({"image": path, "references": [caption], "split": split})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def trained(drawings, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    out = tmp_path_factory.mktemp("runs") / "captioner"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DL2LAB_CACHE", str(cache))
        patch.setattr("dl2lab.caption.run.load_data", lambda spec: drawings)
        status = main(
            ["--progress", "off", "caption", "train", "--data", "emoji",
             "--out", str(out), "--epochs", "4", "--batch-size", "8",
             "--cell", "gru", "--seed", "3"]
        )  # fmt: skip
    assert status == 0
    return out, cache


def test_train_writes_a_complete_folder(trained, capsys):
    out, _ = trained
    names = {p.name for p in out.iterdir()}
    assert names == {
        "model.keras", "vocab.json", "config.json", "versions.json",
        "metrics.json", "curve.png", MARKER,
    }  # fmt: skip
    config = json.loads((out / "config.json").read_text())
    assert config["backbone"] == "efficientnet-lite0"
    assert config["feature_dim"] == 1280
    assert config["train"]["cell"] == "gru" and config["train"]["seed"] == 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_images"] == 12 and metrics["val_images"] == 4
    assert len(metrics["history"]["loss"]) == metrics["epochs_run"] <= 4
    assert not list(out.parent.glob(".captioner*"))  # no temporary left behind


def test_evaluate_prints_every_method(trained, drawings, capsys, monkeypatch):
    out, cache = trained
    monkeypatch.setenv("DL2LAB_CACHE", str(cache))
    monkeypatch.setattr("dl2lab.caption.run.load_data", lambda spec: drawings)
    report = out.parent / "scores.json"
    status = main(
        ["caption", "evaluate", str(out), "--beam-size", "2", "--json", str(report)]
    )
    assert status == 0
    text = capsys.readouterr().out
    for method in ("greedy", "beam-2", "most-frequent", "nearest-neighbour"):
        assert method in text
    scores = json.loads(report.read_text())
    assert [s["method"] for s in scores][:2] == ["greedy", "beam-2"]
    assert all(0 <= s["bleu"]["4"] <= 1 for s in scores)


def test_predict_prints_json_lines_identical_in_a_fresh_process(
    trained, drawings, capsys, monkeypatch
):
    out, cache = trained
    monkeypatch.setenv("DL2LAB_CACHE", str(cache))
    images = list(drawings.loc[drawings.split == "test", "image"])
    assert main(["caption", "predict", str(out), *images, "--beam-size", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["image"] for row in lines] == images
    assert all(row["beam_size"] == 2 and isinstance(row["caption"], str)
               for row in lines)  # fmt: skip
    fresh = subprocess.run(
        [sys.executable, "-m", "dl2lab", "caption", "predict", str(out), *images,
         "--beam-size", "2"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "DL2LAB_CACHE": str(cache)},
    )  # fmt: skip
    again = [json.loads(line) for line in fresh.stdout.splitlines()]
    assert [r["caption"] for r in again] == [r["caption"] for r in lines]


def test_errors_name_the_argument(tmp_path, capsys, trained):
    out, _ = trained
    assert main(["caption", "evaluate", str(tmp_path / "none")]) == 2
    assert "none' does not exist" in capsys.readouterr().err
    assert main(["caption", "predict", str(out), str(tmp_path / "missing.png")]) == 2
    assert "missing.png" in capsys.readouterr().err
    with pytest.raises(Dl2labError, match="`--data` must be one of .*got 'mnist'"):
        load_data("mnist")
    with pytest.raises(Dl2labError, match="flickr8k:DIR.*is not a folder"):
        load_data(f"flickr8k:{tmp_path / 'nowhere'}")
    (tmp_path / "half").mkdir()
    Path(tmp_path / "half" / "config.json").write_text("{}")
    assert main(["caption", "predict", str(tmp_path / "half"), "x.png"]) == 2
    assert "has no model.keras" in capsys.readouterr().err
