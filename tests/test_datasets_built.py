"""Built datasets in the cache: reused when complete, rebuilt otherwise."""

from __future__ import annotations

import pytest

from dl2lab.datasets import built


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))


def make_builder(calls: list[int]):
    def builder(folder):
        calls.append(1)
        (folder / "data.txt").write_text("0123456789")
        return {"rows": 10}

    return builder


def test_second_build_reuses_the_folder():
    calls: list[int] = []
    folder = built.build("demo", make_builder(calls))
    assert built.build("demo", make_builder(calls)) == folder
    assert len(calls) == 1
    meta = built.read_meta("demo")
    assert meta["rows"] == 10
    assert meta["files"] == {"data.txt": 10}


@pytest.mark.parametrize("damage", ["meta-garbage", "meta-missing", "file-short"])
def test_damaged_build_is_rebuilt(damage):
    calls: list[int] = []
    folder = built.build("demo", make_builder(calls))
    if damage == "meta-garbage":
        (folder / built.META).write_text("{")
    elif damage == "meta-missing":
        (folder / built.META).unlink()
    else:
        (folder / "data.txt").write_text("01234")
    assert built.read_meta("demo") is None

    built.build("demo", make_builder(calls))

    assert len(calls) == 2
    assert (folder / "data.txt").read_text() == "0123456789"


def test_failed_build_leaves_nothing():
    def failing(folder):
        (folder / "half.txt").write_text("x")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        built.build("demo", failing)
    assert not built.dataset_dir("demo").exists()
    assert built.read_meta("demo") is None
