"""``dl2lab data fetch`` and ``dl2lab data list``: errors and status."""

from __future__ import annotations

import pytest

from dl2lab.cli import main
from dl2lab.datasets import registry


@pytest.fixture(autouse=True)
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))


def test_unknown_dataset_is_named(capsys):
    assert main(["data", "fetch", "tweets", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'nope'; expected one of:" in err
    assert "tweets-gold" in err


def test_from_folder_without_the_deb(tmp_path, capsys):
    empty = tmp_path / "debs"
    empty.mkdir()
    assert main(["data", "fetch", "tweets", "--from", str(empty)]) == 2
    err = capsys.readouterr().err
    assert f"no r-cran-dslabs_*.deb in --from folder '{empty}'" in err


def test_corrupt_deb_in_from_folder(tmp_path, capsys):
    debs = tmp_path / "debs"
    debs.mkdir()
    (debs / "r-cran-dslabs_0.7.4-1_all.deb").write_bytes(b"!<arch>\nbroken")
    assert main(["data", "fetch", "tweets", "--from", str(debs)]) == 2
    err = capsys.readouterr().err
    assert "r-cran-dslabs_0.7.4-1_all.deb' is not a valid Debian package" in err


def test_list_shows_unfetched_and_unavailable(capsys, monkeypatch):
    fake = dict(registry.DATASETS)
    fake["future"] = ("dl2lab.datasets.not_written_yet", "a dataset to come")
    monkeypatch.setattr(registry, "DATASETS", fake)

    assert main(["data", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_name = {line.split()[0]: line for line in lines if not line.startswith(" ")}
    assert "not fetched" in by_name["tweets"]
    assert "not fetched" in by_name["topics"]
    assert "unavailable" in by_name["future"]


def test_fetching_an_unavailable_dataset_is_an_error(capsys, monkeypatch):
    fake = dict(registry.DATASETS)
    fake["future"] = ("dl2lab.datasets.not_written_yet", "a dataset to come")
    monkeypatch.setattr(registry, "DATASETS", fake)
    assert main(["data", "fetch", "future"]) == 2
    err = capsys.readouterr().err
    assert "dataset 'future' is not available" in err
    assert "dl2lab.datasets.not_written_yet is missing" in err
