"""Rasterise SVG drawings onto an opaque background with resvg.

resvg refuses a drawing whose root ``<svg>`` declares a size it cannot use
("SVG has an invalid size": ``width="0"``, a unit it does not know, a
percentage with no viewBox...). Such a drawing is repaired and rendered
again: the root's ``width`` and ``height`` are dropped so that resvg falls
back on the ``viewBox``; when there is no viewBox either, one is made from
the old ``width`` and ``height`` in user units. :func:`render_svg` reports
what it had to do in :attr:`SvgRender.repaired`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from dl2lab.errors import Dl2labError

_ROOT = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_SIZE_ATTR = re.compile(rb"""\s(width|height)\s*=\s*(["'])(.*?)\2""", re.DOTALL)
_VIEWBOX = re.compile(rb"""\sviewBox\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LENGTH = re.compile(rb"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z%]*)$")
# CSS absolute units at 96 px per inch, as Inkscape and browsers use.
_PX_PER_UNIT = {
    "": 1.0,
    "px": 1.0,
    "in": 96.0,
    "cm": 96.0 / 2.54,
    "mm": 96.0 / 25.4,
    "pt": 96.0 / 72.0,
    "pc": 16.0,
}
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
    png, repaired = render_png(data, name, side, background)
    image = Image.open(io.BytesIO(png))
    image.load()
    # The canvas is opaque, so dropping the alpha channel is exact.
    return SvgRender(image.convert("RGB"), repaired)


def render_png(
    data: bytes,
    name: str,
    side: int | None = 224,
    background: tuple[int, int, int] = (255, 255, 255),
) -> tuple[bytes, bool]:
    """Rasterise SVG markup to PNG bytes (opaque), repairing its size if needed.

    Returns:
        The PNG file's bytes and whether the root's size had to be repaired.

    Raises:
        Dl2labError: If the drawing cannot be rendered, even repaired.
    """
    try:
        return _render(data, side, background), False
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
        return _render(fixed, side, background), True
    except ValueError as exc:
        raise Dl2labError(
            f"drawing {name!r} cannot be rendered even with its size repaired: {exc}"
        ) from None


@dataclass
class RasterReport:
    """What :func:`rasterise_files` did."""

    written: int = 0
    repaired: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def rasterise_files(
    jobs: list[tuple[str, str]],
    side: int = 224,
    workers: int | None = None,
    desc: str = "rasterise",
) -> RasterReport:
    """Rasterise many SVG files to opaque PNGs on white, in parallel.

    Args:
        jobs: ``(svg_path, png_path)`` pairs; the PNG folders must exist.
        side: Each drawing is scaled to fit a ``side`` x ``side`` square.
        workers: Processes to use (default: the usable cores).
        desc: Label of the progress bar.

    Returns:
        Counts of written and repaired drawings, and the failures with their
        reasons (a failed drawing writes no file). A drawing that renders as
        nothing but white (nothing inside its page) counts as a failure.
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from dl2lab.progress import bar

    report = RasterReport()
    if not jobs:
        return report
    if workers is None:
        workers = (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        )
    chunk = 64
    batches = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    progress = bar(total=len(jobs), desc=desc, unit="svg")
    try:
        if workers <= 1:
            results = map(_rasterise_batch, batches, [side] * len(batches))
            for result in results:
                _tally(report, result, progress)
        else:
            # spawn: a forked copy of a process running JAX or torch threads
            # can deadlock.
            context = get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                for result in pool.map(
                    _rasterise_batch, batches, [side] * len(batches)
                ):
                    _tally(report, result, progress)
    finally:
        progress.close()
    return report


def _is_blank(png: bytes, background: tuple[int, int, int]) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        colours = image.getextrema()[:3]
    pairs = zip(colours, background, strict=True)
    return all(low == high == c for (low, high), c in pairs)


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _tally(report: RasterReport, result, progress) -> None:
    written, repaired, failures = result
    report.written += written
    report.repaired += repaired
    report.failures.extend(failures)
    progress.update(written + len(failures))


def _rasterise_batch(jobs: list[tuple[str, str]], side: int):
    written, repaired, failures = 0, 0, []
    for source, target in jobs:
        try:
            data = Path(source).read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            png, was_repaired = render_png(data, source, side)
        except (Dl2labError, OSError, EOFError) as exc:
            failures.append((source, str(exc)))
            continue
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # resvg's panics derive from BaseException
            failures.append((source, f"drawing {source!r} crashed the renderer: {exc}"))
            continue
        if _is_blank(png, (255, 255, 255)):
            # Drawn outside its own page, or only with features resvg lacks.
            failures.append((source, f"drawing {source!r} renders as a blank page"))
            continue
        Path(target).write_bytes(png)
        written += 1
        repaired += was_repaired
    return written, repaired, failures


def repair_size(data: bytes) -> bytes | None:
    """Return the SVG with a root size resvg accepts, or None if impossible.

    Drops the root's ``width`` and ``height``; when it has no ``viewBox``,
    adds ``viewBox="0 0 W H"`` with the old ``width`` and ``height``
    converted to user units (px at 96 per inch: "210mm" is 793.7).
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
        value = _to_px(sizes.get(key, b""))
        if value is None or value <= 0:
            return None
        dims.append(value)
    box = f' viewBox="0 0 {dims[0]:g} {dims[1]:g}"'.encode()
    new_root = new_root[:4] + box + new_root[4:]
    return data[: match.start()] + new_root + data[match.end() :]


def _to_px(length: bytes) -> float | None:
    """A CSS length in user units (px); None for percentages or garbage."""
    found = _LENGTH.match(length.strip())
    if not found:
        return None
    unit = found.group(2).lower().decode()
    if unit not in _PX_PER_UNIT:
        return None
    return float(found.group(1)) * _PX_PER_UNIT[unit]


def _render(data: bytes, side: int | None, background) -> bytes:
    import resvg_py

    text = _decode_text(data)
    colour = "#{:02x}{:02x}{:02x}".format(*background)
    options = {"width": side, "height": side} if side else {}
    png = resvg_py.svg_to_bytes(svg_string=text, background=colour, **options)
    return bytes(png)


def _decode_text(data: bytes) -> str:
    declared = _ENCODING.search(data[:200])
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")
