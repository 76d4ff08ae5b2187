"""Fetching Debian and npm packages into the cache, on packages built here.

No network: every package is built by the test (``dpkg-deb --build`` for a
.deb, tarfile for an npm pack file) and given with ``from_dir``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dl2lab.datasets import packages
from dl2lab.errors import Dl2labError


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("DL2LAB_CACHE", str(root))
    return root


def build_deb(
    folder: Path, name: str, version: str, files: dict[str, str | bytes]
) -> Path:
    """Build a real .deb with ``dpkg-deb --build`` holding ``files``."""
    tree = folder / f"{name}-tree"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: Test <test@example.org>\nDescription: test package\n"
    )
    for rel, text in files.items():
        path = tree / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    deb = folder / f"{name}_{version}_all.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "--build", str(tree), str(deb)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(tree)
    return deb


def build_tgz(folder: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """Build an ``npm pack``-style archive: everything under ``package/``."""
    files = {"package.json": json.dumps({"name": name, "version": version}), **files}
    tgz = folder / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{rel}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return tgz


def test_fetch_deb_unpacks_and_records_provenance(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(debs, "tinypkg", "1.2-3", {"usr/share/tiny/a.txt": "hello\n"})

    root = packages.fetch_deb("tinypkg", from_dir=debs)

    assert (root / "usr/share/tiny/a.txt").read_text() == "hello\n"
    info = packages.provenance(root)
    assert info["package"] == "tinypkg"
    assert info["version"] == "1.2-3"
    assert info["file"] == "tinypkg_1.2-3_all.deb"
    assert packages.cached_provenance("deb", "tinypkg") == info


def test_second_fetch_reuses_cache(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    deb = build_deb(debs, "tinypkg", "1.0", {"usr/share/tiny/a.txt": "one\n"})
    root = packages.fetch_deb("tinypkg", from_dir=debs)
    marker = root.parent / packages.MARKER
    stamp = marker.stat().st_mtime_ns

    # Without the source file, only the cache can answer.
    deb.unlink()
    again = packages.fetch_deb("tinypkg", from_dir=debs)

    assert again == root
    assert marker.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("damage", ["delete-file", "truncate-file", "corrupt-marker"])
def test_partial_or_corrupt_cache_is_rebuilt(tmp_path, damage):
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(debs, "tinypkg", "1.0", {"usr/share/tiny/a.txt": "content\n"})
    root = packages.fetch_deb("tinypkg", from_dir=debs)
    target = root / "usr/share/tiny/a.txt"
    marker = root.parent / packages.MARKER

    if damage == "delete-file":
        target.unlink()
    elif damage == "truncate-file":
        target.write_text("c")
    else:
        marker.write_text('{"format": 1, "files": ')

    root = packages.fetch_deb("tinypkg", from_dir=debs)

    assert target.read_text() == "content\n"
    assert json.loads(marker.read_text())["version"] == "1.0"


def test_rebuild_uses_the_kept_deb_when_the_tree_is_damaged(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    build_deb(debs, "tinypkg", "1.0", {"usr/share/tiny/a.txt": "content\n"})
    root = packages.fetch_deb("tinypkg", from_dir=debs)
    (root / "usr/share/tiny/a.txt").unlink()

    # No from_dir and no apt needed: the .deb kept in the cache is enough.
    root = packages.fetch_deb("tinypkg")

    assert (root / "usr/share/tiny/a.txt").read_text() == "content\n"


def test_from_dir_without_the_deb_names_package_and_folder(tmp_path):
    with pytest.raises(Dl2labError, match=r"no fortunes_\*\.deb in --from folder"):
        packages.fetch_deb("fortunes", from_dir=tmp_path)


def test_missing_from_dir_is_named(tmp_path):
    with pytest.raises(Dl2labError, match="does not exist"):
        packages.fetch_deb("fortunes", from_dir=tmp_path / "nowhere")


def test_corrupt_deb_is_reported_and_nothing_is_cached(tmp_path, cache):
    debs = tmp_path / "debs"
    debs.mkdir()
    deb = build_deb(debs, "tinypkg", "1.0", {"usr/share/tiny/a.txt": "x" * 5000})
    data = deb.read_bytes()
    deb.write_bytes(data[: len(data) // 2])

    with pytest.raises(Dl2labError, match=r"tinypkg_1\.0_all\.deb.*not a valid Debian"):
        packages.fetch_deb("tinypkg", from_dir=debs)
    assert packages.cached_provenance("deb", "tinypkg") is None


def test_deb_holding_another_package_is_refused(tmp_path):
    debs = tmp_path / "debs"
    debs.mkdir()
    other = build_deb(debs, "otherpkg", "1.0", {"usr/x": "x"})
    other.rename(debs / "tinypkg_1.0_all.deb")

    with pytest.raises(Dl2labError, match="holds package 'otherpkg', not 'tinypkg'"):
        packages.fetch_deb("tinypkg", from_dir=debs)


def test_bad_package_name_is_refused():
    with pytest.raises(Dl2labError, match=r"package name 'Bad Name!' is not valid"):
        packages.fetch_deb("Bad Name!")


def test_fetch_npm_from_dir_and_cache(tmp_path):
    tgzs = tmp_path / "tgz"
    tgzs.mkdir()
    tgz = build_tgz(tgzs, "tiny-npm", "2.0.1", {"data/x.json": "[1, 2]"})

    root = packages.fetch_npm("tiny-npm", "2.0.1", from_dir=tgzs)

    assert json.loads((root / "data/x.json").read_text()) == [1, 2]
    assert packages.provenance(root)["version"] == "2.0.1"
    tgz.unlink()
    (root / "data/x.json").unlink()
    # Rebuilt from the archive kept in the cache.
    root = packages.fetch_npm("tiny-npm", "2.0.1", from_dir=tgzs)
    assert (root / "data/x.json").read_text() == "[1, 2]"


def test_npm_scoped_name_and_wrong_version(tmp_path):
    tgzs = tmp_path / "tgz"
    tgzs.mkdir()
    build_tgz(tgzs, "@scope/pkg", "1.0.0", {"a": "b"})
    root = packages.fetch_npm("@scope/pkg", "1.0.0", from_dir=tgzs)
    assert (root / "a").read_text() == "b"

    with pytest.raises(Dl2labError, match=r"no scope-pkg-9\.9\.9\.tgz in --from"):
        packages.fetch_npm("@scope/pkg", "9.9.9", from_dir=tgzs)


def test_npm_archive_with_wrong_package_json_is_refused(tmp_path):
    tgzs = tmp_path / "tgz"
    tgzs.mkdir()
    built = build_tgz(tgzs, "other", "1.0.0", {})
    built.rename(tgzs / "tiny-npm-1.0.0.tgz")
    with pytest.raises(Dl2labError, match="holds other@1.0.0, not tiny-npm@1.0.0"):
        packages.fetch_npm("tiny-npm", "1.0.0", from_dir=tgzs)


def test_corrupt_npm_archive_is_reported(tmp_path):
    tgzs = tmp_path / "tgz"
    tgzs.mkdir()
    (tgzs / "tiny-npm-1.0.0.tgz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(Dl2labError, match="tiny-npm-1.0.0.tgz.*not a valid npm"):
        packages.fetch_npm("tiny-npm", "1.0.0", from_dir=tgzs)


def test_provenance_of_a_folder_that_is_not_a_package(tmp_path):
    with pytest.raises(Dl2labError, match="not a complete fetched package"):
        packages.provenance(tmp_path / "root")


def fake_tool(bin_dir: Path, name: str, script: str) -> None:
    """Put an executable shell script called ``name`` first on PATH."""
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_apt_lists_empty_runs_update_once_then_downloads(tmp_path, monkeypatch):
    # A stand-in for apt-get: it knows no package until `update` has run, then
    # "downloads" by copying a .deb built here into the current folder.
    store = tmp_path / "store"
    store.mkdir()
    build_deb(store, "tinypkg", "3.0", {"usr/share/tiny/a.txt": "from apt\n"})
    log = tmp_path / "apt.log"
    fake_tool(
        tmp_path / "bin",
        "apt-get",
        f'echo "$@" >> {log}\n'
        f'if [ "$1" = update ]; then touch {tmp_path}/updated; exit 0; fi\n'
        f"if [ ! -e {tmp_path}/updated ]; then\n"
        '  echo "E: Unable to locate package $2" >&2; exit 100; fi\n'
        f"cp {store}/$2_*.deb .\n",
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")

    root = packages.fetch_deb("tinypkg")

    assert (root / "usr/share/tiny/a.txt").read_text() == "from apt\n"
    assert log.read_text().splitlines() == [
        "download tinypkg",
        "update",
        "download tinypkg",
    ]
    assert packages.provenance(root)["version"] == "3.0"


def test_apt_failure_is_reported(tmp_path, monkeypatch):
    fake_tool(
        tmp_path / "bin", "apt-get", 'echo "E: Failed to fetch: 404" >&2; exit 100\n'
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    with pytest.raises(Dl2labError, match=r"`apt-get download tinypkg` failed: E: "):
        packages.fetch_deb("tinypkg")


def test_npm_pack_is_used_without_from_dir(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    build_tgz(store, "tiny-npm", "1.2.3", {"index.js": "1;"})
    fake_tool(tmp_path / "bin", "npm", f"cp {store}/tiny-npm-1.2.3.tgz .\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")

    root = packages.fetch_npm("tiny-npm", "1.2.3")

    assert (root / "index.js").read_text() == "1;"
    assert packages.cached_provenance("npm", "tiny-npm@1.2.3")["file"] == (
        "tiny-npm-1.2.3.tgz"
    )
