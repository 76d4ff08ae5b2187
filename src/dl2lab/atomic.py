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
        os.replace(tmp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


@contextlib.contextmanager
def output_dir(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it into place at the end.

    Args:
        path: The final folder.
        overwrite: Replace an existing folder at ``path``. When False an
            existing folder is an error.

    Yields:
        The temporary folder to fill.

    Raises:
        FileExistsError: If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"output folder {str(path)!r} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    )
    try:
        yield tmp
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
