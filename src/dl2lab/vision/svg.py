"""Rasterise SVG drawings onto an opaque background with resvg.

resvg refuses a drawing whose root ``<svg>`` declares a size it cannot use
("SVG has an invalid size": ``width="0"``, a unit it does not know, a
percentage with no viewBox...). Such a drawing is repaired and rendered
again: the root's ``width`` and ``height`` are dropped so that resvg falls
back on the ``viewBox``; when there is no viewBox either, one is made from
whatever numbers ``width`` and ``height`` carry. :func:`render_svg` reports
what it had to do in :attr:`SvgRender.repaired`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from dl2lab.errors import Dl2labError

_ROOT = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_SIZE_ATTR = re.compile(rb"""\s(width|height)\s*=\s*(["'])(.*?)\2""", re.DOTALL)
_VIEWBOX = re.compile(rb"""\sviewBox\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class SvgRender:
    """A rendered drawing and whether its size had to be repaired."""

    image: Image.Image
    repaired: bool


def render_svg(
    path: str | os.PathLike,
    side: int | None = 224,
    background: tuple[int, int, int] = (255, 255, 255),
) -> Image.Image:
    """Rasterise an SVG (or gzip-compressed .svgz) file to an RGB image.

    Args:
        path: The drawing.
        side: The drawing is scaled to fit a ``side`` x ``side`` square,
            keeping its aspect ratio; None renders at its own size.
        background: RGB colour of the canvas.

    Returns:
        A Pillow image of mode ``"RGB"``.

    Raises:
        Dl2labError: If the file cannot be read or rendered, even repaired.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise Dl2labError(f"drawing {str(path)!r} cannot be read: {exc}") from None
    return render_svg_bytes(data, str(path), side, background).image


def render_svg_bytes(
    data: bytes,
    name: str,
    side: int | None = 224,
    background: tuple[int, int, int] = (255, 255, 255),
) -> SvgRender:
    """Rasterise SVG markup; ``name`` is used in error messages.

    Args:
        data: The SVG file's bytes (UTF-8 or with an XML encoding header).
        name: What to call the drawing in error messages.
        side: Fit the drawing in a ``side`` x ``side`` square; None: own size.
        background: RGB colour of the canvas.

    Returns:
        The RGB image and whether the root's size had to be repaired.
    """
    try:
        return SvgRender(_render(data, side, background), repaired=False)
    except ValueError as exc:
        if "size" not in str(exc):
            raise Dl2labError(f"drawing {name!r} cannot be rendered: {exc}") from None
        first = exc
    fixed = repair_size(data)
    if fixed is None:
        raise Dl2labError(
            f"drawing {name!r} cannot be rendered: {first}; no usable viewBox, "
            "width or height to repair it from"
        )
    try:
        return SvgRender(_render(fixed, side, background), repaired=True)
    except ValueError as exc:
        raise Dl2labError(
            f"drawing {name!r} cannot be rendered even with its size repaired: {exc}"
        ) from None


def repair_size(data: bytes) -> bytes | None:
    """Return the SVG with a root size resvg accepts, or None if impossible.

    Drops the root's ``width`` and ``height``; when it has no ``viewBox``,
    adds ``viewBox="0 0 W H"`` from the first positive numbers found in the
    old ``width`` and ``height``.
    """
    match = _ROOT.search(data)
    if match is None:
        return None
    root = match.group(0)
    sizes = {m.group(1).lower(): m.group(3) for m in _SIZE_ATTR.finditer(root)}
    new_root = _SIZE_ATTR.sub(b"", root)
    viewbox = _VIEWBOX.search(root)
    if viewbox is not None:
        numbers = [float(n) for n in _NUMBER.findall(viewbox.group(2))]
        if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
            return data[: match.start()] + new_root + data[match.end() :]
        new_root = _VIEWBOX.sub(b"", new_root)
    dims = []
    for key in (b"width", b"height"):
        found = _NUMBER.search(sizes.get(key, b""))
        value = float(found.group(0)) if found else 0.0
        if value <= 0:
            return None
        dims.append(value)
    box = f' viewBox="0 0 {dims[0]:g} {dims[1]:g}"'.encode()
    new_root = new_root[:4] + box + new_root[4:]
    return data[: match.start()] + new_root + data[match.end() :]


def _render(data: bytes, side: int | None, background) -> Image.Image:
    import resvg_py

    text = data.decode("utf-8", errors="replace")
    colour = "#{:02x}{:02x}{:02x}".format(*background)
    options = {"width": side, "height": side} if side else {}
    png = resvg_py.svg_to_bytes(
        svg_string=text, background=colour, skip_system_fonts=False, **options
    )
    image = Image.open(io.BytesIO(bytes(png)))
    image.load()
    if image.mode == "RGBA":
        # The canvas is opaque; dropping alpha is exact.
        image = image.convert("RGB")
    return image
