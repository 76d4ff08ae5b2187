"""Flickr8k and COCO caption loaders on tiny files written here."""

import json

import pytest
from PIL import Image

from dl2lab.datasets.captions import load_coco, load_flickr8k
from dl2lab.errors import Dl2labError

TOKENS = (
    "a.jpg#0\tA dog runs across the grass .\n"
    "a.jpg#1\tA brown dog, running!\n"
    "b.jpg#0\tTwo children play on a  beach .\n"
    "c.jpg#0\tA man rides a bike .\n"
    "gone.jpg#0\tThis image is not on disk .\n"
)


def _images(folder, names):
    folder.mkdir(exist_ok=True)
    for name in names:
        Image.new("RGB", (4, 4)).save(folder / name)


def test_flickr8k_groups_captions_by_image_with_official_splits(tmp_path):
    (tmp_path / "Flickr8k.token.txt").write_text(TOKENS)
    (tmp_path / "Flickr_8k.trainImages.txt").write_text("a.jpg\nb.jpg\n")
    (tmp_path / "Flickr_8k.devImages.txt").write_text("c.jpg\n")
    (tmp_path / "Flickr_8k.testImages.txt").write_text("")
    _images(tmp_path / "img", ["a.jpg", "b.jpg", "c.jpg"])
    table = load_flickr8k(tmp_path / "Flickr8k.token.txt", tmp_path / "img")
    assert list(table["group"]) == ["a.jpg", "b.jpg", "c.jpg"]
    assert table["references"][0] == [
        "a dog runs across the grass",
        "a brown dog running",
    ]
    assert table["references"][1] == ["two children play on a beach"]
    assert list(table["split"]) == ["train", "train", "val"]
    assert table["image"][0] == str((tmp_path / "img" / "a.jpg").resolve())
    assert set(table["style"]) == {"flickr8k"}
    with pytest.raises(Dl2labError, match=r"1 images of .*token\.txt.*'gone\.jpg'"):
        load_flickr8k(
            tmp_path / "Flickr8k.token.txt", tmp_path / "img", on_missing="fail"
        )


def test_flickr8k_without_split_lists_splits_by_seed(tmp_path):
    names = [f"{i:03d}.jpg" for i in range(40)]
    (tmp_path / "tokens.txt").write_text(
        "".join(f"{n}#0\tcaption number {i}\n" for i, n in enumerate(names))
    )
    _images(tmp_path / "img", names)
    table = load_flickr8k(tmp_path / "tokens.txt", tmp_path / "img", seed=1)
    assert table["split"].value_counts().to_dict() == {"train": 32, "val": 4, "test": 4}
    again = load_flickr8k(tmp_path / "tokens.txt", tmp_path / "img", seed=1)
    assert list(again["split"]) == list(table["split"])


def test_flickr8k_malformed_line_names_the_file_and_line(tmp_path):
    (tmp_path / "tokens.txt").write_text("a.jpg#0\tfine\nno tab on this line\n")
    (tmp_path / "img").mkdir()
    with pytest.raises(Dl2labError, match=r"tokens\.txt:2: expected 'IMAGE\.jpg#K"):
        load_flickr8k(tmp_path / "tokens.txt", tmp_path / "img")
    with pytest.raises(Dl2labError, match=r"captions file .*nothere\.txt.* does not"):
        load_flickr8k(tmp_path / "nothere.txt", tmp_path / "img")
    with pytest.raises(Dl2labError, match=r"image folder .*noimg.* does not exist"):
        load_flickr8k(tmp_path / "tokens.txt", tmp_path / "noimg")


def test_coco_captions(tmp_path):
    data = {
        "images": [
            {"id": 7, "file_name": "x.jpg"},
            {"id": 9, "file_name": "y.jpg"},
            {"id": 11, "file_name": "missing.jpg"},
        ],
        "annotations": [
            {"id": 1, "image_id": 9, "caption": "A Cat on a mat."},
            {"id": 2, "image_id": 7, "caption": "Two birds; one tree"},
            {"id": 3, "image_id": 9, "caption": "a cat sleeping"},
            {"id": 4, "image_id": 11, "caption": "lost"},
        ],
    }
    (tmp_path / "captions_val2017.json").write_text(json.dumps(data))
    _images(tmp_path / "img", ["x.jpg", "y.jpg"])
    table = load_coco(tmp_path / "captions_val2017.json", tmp_path / "img", split="val")
    assert list(table["group"]) == ["x.jpg", "y.jpg"]
    assert table["references"][1] == ["a cat on a mat", "a cat sleeping"]
    assert table["references"][0] == ["two birds one tree"]
    assert set(table["split"]) == {"val"} and set(table["style"]) == {"coco"}


def test_coco_bad_files(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "bad.json").write_text('{"images": []}')
    with pytest.raises(Dl2labError, match=r"bad\.json is not a COCO captions file"):
        load_coco(tmp_path / "bad.json", tmp_path / "img")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(Dl2labError, match=r"broken\.json is not valid JSON"):
        load_coco(tmp_path / "broken.json", tmp_path / "img")
    (tmp_path / "orphan.json").write_text(
        json.dumps({"images": [], "annotations": [{"id": 5, "image_id": 3,
                                                   "caption": "x"}]})
    )  # fmt: skip
    with pytest.raises(Dl2labError, match=r"annotation 5 refers to image id 3"):
        load_coco(tmp_path / "orphan.json", tmp_path / "img")
    with pytest.raises(Dl2labError, match=r"`split` must be train, val, test"):
        load_coco(tmp_path / "bad.json", tmp_path / "img", split="dev")
