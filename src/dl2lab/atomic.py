"""Write files and folders whole or not at all.

Every output of dl2lab goes through these helpers: the content is written to a
temporary sibling first and renamed into place, so an interrupted run never
leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Atomically write ``data`` to ``path``.

    Args:
        path: Destination file. Its parent folder is created if missing.
        data: The bytes to store.

    Returns:
        The destination as a ``Path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _readable(Path(tmp), 0o666)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``path``."""
    return write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def temporary_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path that replaces ``path`` on success.

    For libraries that insist on writing to a file name themselves (Keras,
    matplotlib, numpy). The suffix of ``path`` is kept so that format detection
    by extension still works.

    Args:
        path: The final destination.

    Yields:
        A path in the same folder; it is renamed to ``path`` when the block
        exits without an exception and removed otherwise.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _readable(tmp_path, 0o666)
        os.replace(tmp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


MARKER = ".dl2lab-output"


def _readable(path: Path, mode: int) -> None:
    # mkstemp/mkdtemp create owner-only entries; outputs follow the umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


def check_output_dir(path: str | os.PathLike) -> Path:
    """Refuse an output folder that dl2lab may not replace.

    Call it before long work, so that a bad ``--out`` fails at once.

    Args:
        path: The intended output folder.

    Returns:
        The resolved path.

    Raises:
        Dl2labError: If ``path`` is a file, or a non-empty folder that holds
            no ``.dl2lab-output`` marker (dl2lab did not write it).
    """
    from dl2lab.errors import Dl2labError

    path = Path(path).resolve()
    if path.exists() and not path.is_dir():
        raise Dl2labError(
            f"output {str(path)!r} is a file; expected a folder to create"
        )
    if path.is_dir() and any(path.iterdir()) and not (path / MARKER).exists():
        raise Dl2labError(
            f"output folder {str(path)!r} is not empty and was not written by "
            "dl2lab; choose a new folder (nothing was changed)"
        )
    return path


@contextlib.contextmanager
def output_dir(
    path: str | os.PathLike, overwrite: bool = True, guard: bool = False
) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it into place at the end.

    Args:
        path: The final folder.
        overwrite: Replace an existing folder at ``path``. When False an
            existing folder is an error.
        guard: Only replace a folder that dl2lab wrote itself (it holds a
            ``.dl2lab-output`` marker) or an empty one; anything else at
            ``path`` is a :class:`~dl2lab.errors.Dl2labError`, so a mistyped
            ``--out`` never deletes a user's files.

    Yields:
        The temporary folder to fill.

    Raises:
        FileExistsError: If ``path`` exists and ``overwrite`` is False.
        Dl2labError: If ``guard`` is set and ``path`` holds something else.
    """
    path = Path(path).resolve()
    if path.exists() and not overwrite:
        raise FileExistsError(f"output folder {str(path)!r} already exists")
    if guard:
        check_output_dir(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    )
    try:
        yield tmp
        (tmp / MARKER).touch()
        _readable(tmp, 0o777)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
