"""Outputs appear whole or not at all, readable, and never over a user's files."""

import os
import stat

import pytest

from dl2lab.atomic import MARKER, output_dir, write_text
from dl2lab.errors import Dl2labError


def test_failed_block_leaves_nothing(tmp_path):
    target = tmp_path / "model"
    with pytest.raises(RuntimeError), output_dir(target) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_guard_refuses_a_folder_dl2lab_did_not_write(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("my thesis")
    with pytest.raises(Dl2labError) as info, output_dir(precious, guard=True):
        pass
    assert "is not empty and was not written by dl2lab" in str(info.value)
    assert (precious / "thesis.txt").read_text() == "my thesis"


def test_guard_refuses_a_file_and_replaces_its_own_output(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("data")
    expected = "is a file; expected a folder"
    with pytest.raises(Dl2labError, match=expected), output_dir(afile, guard=True):
        pass
    out = tmp_path / "run"
    for content in ("first", "second"):
        with output_dir(out, guard=True) as tmp:
            (tmp / "result.txt").write_text(content)
    assert (out / "result.txt").read_text() == "second"
    assert (out / MARKER).exists()


def test_current_folder_as_output_is_resolved(tmp_path, monkeypatch):
    work = tmp_path / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    with output_dir(".", guard=True) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (work / "a.txt").read_text() == "a"


def test_outputs_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "f.txt", "x")
        with output_dir(tmp_path / "d") as tmp:
            (tmp / "g.txt").write_text("y")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
