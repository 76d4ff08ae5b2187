"""Read one object from an R package's lazy-load database (``Rdata.rdx/.rdb``).

An installed R package keeps its data sets in two files. ``NAME.rdx`` is a
(gzip-compressed) R serialisation of a list whose ``variables`` entry maps
each object name to an ``(offset, length)`` pair into ``NAME.rdb``. Each
entry of the ``.rdb`` is a 4-byte big-endian length of the uncompressed
bytes followed by the compressed R serialisation of the object: a zlib
stream when the index's ``compressed`` flag is 1 (TRUE); with 2 or 3 a
one-byte type (``'Z'`` zlib, ``'2'`` bzip2, ``'X'`` xz, ``'0'`` stored)
comes before the stream. PyPI ``rdata`` turns a serialisation into Python
objects; this module only finds and unpacks the bytes.
"""

from __future__ import annotations

import bz2
import lzma
import os
import warnings
import zlib
from pathlib import Path
from typing import Any

from dl2lab.errors import Dl2labError


def parse_r(data: bytes, what: str) -> Any:
    """Convert R serialised bytes (an ``.rds``-style stream) to Python.

    Args:
        data: The bytes, optionally gzip/bzip2/xz compressed.
        what: Name of the source, used in error messages.

    Returns:
        The converted object (DataFrame, dict, numpy array...).

    Raises:
        Dl2labError: If the bytes are not a readable R serialisation.
    """
    import rdata

    try:
        with warnings.catch_warnings():
            # rdata warns about classes it maps to plain vectors (POSIXct).
            warnings.simplefilter("ignore")
            return rdata.conversion.convert(rdata.parser.parse_data(data))
    except Exception as exc:  # rdata raises many types on bad input
        raise Dl2labError(f"{what} is not a readable R serialisation: {exc}") from exc


def lazyload_index(rdx: str | os.PathLike) -> dict[str, Any]:
    """Read the index of a lazy-load database.

    Args:
        rdx: Path of the ``.rdx`` file.

    Returns:
        ``{"variables": {name: (offset, length)}, "compressed": int}``.

    Raises:
        Dl2labError: If the file is missing or not a lazy-load index.
    """
    rdx = Path(rdx)
    try:
        data = rdx.read_bytes()
    except OSError as exc:
        raise Dl2labError(f"cannot read R index {str(rdx)!r}: {exc}") from exc
    index = parse_r(data, f"R index {str(rdx)!r}")
    if not isinstance(index, dict) or "variables" not in index:
        raise Dl2labError(
            f"R index {str(rdx)!r} has no 'variables' map; expected the .rdx of "
            "an R lazy-load database"
        )
    variables = {}
    for name, pair in index["variables"].items():
        offset, length = (int(v) for v in pair)
        variables[str(name)] = (offset, length)
    compressed = index.get("compressed", [1])
    return {"variables": variables, "compressed": int(compressed[0])}


def read_lazyload(rdx: str | os.PathLike, rdb: str | os.PathLike, name: str) -> Any:
    """Read object ``name`` from the lazy-load database ``rdx``/``rdb``.

    Args:
        rdx: Path of the ``.rdx`` index.
        rdb: Path of the ``.rdb`` data file.
        name: The object to read, e.g. ``"trump_tweets"``.

    Returns:
        The converted object (a data frame becomes a ``pandas.DataFrame``).

    Raises:
        Dl2labError: If ``name`` is not in the index, or its bytes are
            truncated, fail to decompress, or are not an R serialisation.
    """
    index = lazyload_index(rdx)
    if name not in index["variables"]:
        known = ", ".join(sorted(index["variables"])) or "none"
        raise Dl2labError(f"no object {name!r} in {str(rdx)!r}; it holds: {known}")
    offset, length = index["variables"][name]
    rdb = Path(rdb)
    try:
        with open(rdb, "rb") as handle:
            handle.seek(offset)
            blob = handle.read(length)
    except OSError as exc:
        raise Dl2labError(f"cannot read R data {str(rdb)!r}: {exc}") from exc
    where = f"object {name!r} in {str(rdb)!r}"
    if len(blob) != length or length < 5:
        raise Dl2labError(
            f"{where} is truncated: expected {length} bytes at offset {offset}, "
            f"got {len(blob)}"
        )
    data = _decompress(blob, index["compressed"], where)
    return parse_r(data, where)


def _decompress(blob: bytes, compressed: int, where: str) -> bytes:
    size = int.from_bytes(blob[:4], "big")
    body = blob[4:]
    kind = b"Z"
    if compressed in (2, 3):
        kind, body = body[:1], body[1:]
    elif compressed == 0:
        kind = b"0"
    try:
        if kind == b"Z":
            data = zlib.decompress(body)
        elif kind == b"2":
            data = bz2.decompress(body)
        elif kind == b"X":
            data = lzma.decompress(body)
        elif kind == b"0":
            data = body
        else:
            raise ValueError(f"unknown compression type {kind!r}")
    except (zlib.error, OSError, lzma.LZMAError, ValueError) as exc:
        raise Dl2labError(f"{where} does not decompress: {exc}") from exc
    if len(data) != size:
        raise Dl2labError(
            f"{where} decompressed to {len(data)} bytes; its header says {size}"
        )
    return data
