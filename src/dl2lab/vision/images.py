"""Turn any image file Pillow can read into an RGB array of a fixed size.

Every file goes through the same steps, in this order:

1. The header is read and the pixel count checked against ``max_pixels``
   before any pixel is decoded, so a decompression bomb costs nothing.
2. The first frame is decoded (animated GIF, PNG and WebP keep only frame 0).
   JPEGs are decoded at a reduced scale when the target is much smaller
   (``Image.draft``), which is what keeps large photos cheap.
3. The EXIF orientation tag is applied (a phone photo stored sideways comes
   out upright).
4. Colours are brought to 8-bit RGB: grayscale and 1-bit are replicated,
   palettes expanded, 16-bit and 32-bit integer images scaled (65535 -> 255,
   not clipped as ``Image.convert`` would), CMYK converted through its
   embedded ICC profile when it has one and Pillow's formula otherwise
   (the tests cover the formula and the fall-back from a broken profile;
   no CMYK ICC profile is available offline to test the transform itself).
   Pillow decodes CMYK JPEGs with Adobe's inverted convention, which is what
   Photoshop and most CMYK JPEGs in the wild use.
5. Transparency (alpha channels, palette or grayscale transparency) is
   composited onto a background, white by default, because drawings with a
   transparent background are meant to be seen on a page.
6. The image is resized so that its shorter side equals the target, with the
   centre cropped (``fit="crop"``, the usual ImageNet evaluation practice),
   or letterboxed onto the background (``fit="pad"``, keeps the whole
   drawing), or stretched (``fit="stretch"``).

SVG files are rasterised first (:mod:`dl2lab.vision.svg`). Every failure is
a :class:`~dl2lab.errors.Dl2labError` naming the file.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

# Pillow's own default limit (about 89.5 megapixels, 0.25 GiB as 24-bit RGB).
DEFAULT_MAX_PIXELS = 89_478_485
DEFAULT_BACKGROUND = (255, 255, 255)
FITS = ("crop", "pad", "stretch")
IMAGE_SUFFIXES = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".bmp",
    ".webp",
    ".tif",
    ".tiff",
    ".ppm",
    ".pgm",
    ".pbm",
    ".ico",
    ".svg",
    ".svgz",
)
_SRGB = ImageCms.createProfile("sRGB")


def load_image(
    path: str | os.PathLike,
    size: tuple[int, int] | None = (224, 224),
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = DEFAULT_BACKGROUND,
    fit: str = "crop",
) -> np.ndarray:
    """Read an image file as an 8-bit RGB array.

    Args:
        path: Any file Pillow can open, or an SVG.
        size: ``(height, width)`` of the result; None keeps the file's size.
        max_pixels: Largest accepted width * height, checked before decoding.
        background: RGB colour under transparent pixels (and padding).
        fit: ``"crop"``, ``"pad"`` or ``"stretch"`` (see the module notes).

    Returns:
        uint8 array of shape ``(height, width, 3)``.

    Raises:
        Dl2labError: If the file is missing, not an image, truncated or
            corrupt, or larger than ``max_pixels``.
    """
    _check_options(size, max_pixels, fit)
    path = Path(path)
    if not path.is_file():
        raise Dl2labError(f"image {str(path)!r} does not exist or is not a file")
    if path.suffix.lower() in (".svg", ".svgz"):
        from dl2lab.vision.svg import render_svg

        side = max(size) if size else None
        image = render_svg(path, side, background=background)
        return to_array(image, size, background, fit)
    with path.open("rb") as handle:
        data = handle.read()
    return decode_image(data, str(path), size, max_pixels, background, fit)


def decode_image(
    data: bytes,
    name: str,
    size: tuple[int, int] | None = (224, 224),
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = DEFAULT_BACKGROUND,
    fit: str = "crop",
) -> np.ndarray:
    """Decode the bytes of an image file; ``name`` is used in error messages.

    Args:
        data: The file's content.
        name: What to call the file in error messages (usually its path).
        size: ``(height, width)`` of the result; None keeps the file's size.
        max_pixels: Largest accepted width * height, checked before decoding.
        background: RGB colour under transparent pixels (and padding).
        fit: ``"crop"``, ``"pad"`` or ``"stretch"``.

    Returns:
        uint8 array of shape ``(height, width, 3)``.
    """
    _check_options(size, max_pixels, fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise Dl2labError(
                f"image {name!r} is not an image file Pillow can read "
                f"({len(data)} bytes); expected JPEG, PNG, GIF, BMP, WebP, TIFF..."
            ) from None
        except Image.DecompressionBombError:
            raise Dl2labError(
                f"image {name!r} has more pixels than Pillow's own limit "
                f"({2 * Image.MAX_IMAGE_PIXELS:,}); refusing to decode it"
            ) from None
        except Exception as exc:
            raise Dl2labError(
                f"image {name!r} is truncated or corrupt in its header ({exc}); "
                "expected a complete image file"
            ) from None

        width, height = image.size
        if width * height > max_pixels:
            raise Dl2labError(
                f"image {name!r} has {width}x{height} = {width * height:,} pixels, "
                f"more than the limit of {max_pixels:,} (a decompression bomb?); "
                "raise max_pixels (--max-pixels) if the file is trustworthy"
            )
        if width == 0 or height == 0:
            raise Dl2labError(f"image {name!r} is empty ({width}x{height} pixels)")
        try:
            image.seek(0)
            if size is not None and image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when still larger than needed.
                side = max(size)
                image.draft(image.mode, (side, side))
            image.load()
        except Exception as exc:
            raise Dl2labError(
                f"image {name!r} is truncated or corrupt ({exc}); "
                "expected a complete image file"
            ) from None
        image = _upright(image, name)
        image = to_rgb(image, background)
    return to_array(image, size, background, fit)


def to_rgb(
    image: Image.Image, background: tuple[int, int, int] = DEFAULT_BACKGROUND
) -> Image.Image:
    """Return ``image`` as 8-bit RGB, transparency composited on ``background``.

    Args:
        image: A loaded Pillow image in any mode.
        background: RGB colour under transparent pixels.

    Returns:
        An image of mode ``"RGB"``.
    """
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        image = Image.fromarray(_scale_to_uint8(np.asarray(image), mode), "L")
        mode = "L"
    if mode == "CMYK":
        return _cmyk_to_rgb(image)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in image.info and mode in ("P", "L", "RGB", "1")
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    if mode == "RGB":
        return image
    return image.convert("RGB")


def to_array(
    image: Image.Image,
    size: tuple[int, int] | None,
    background: tuple[int, int, int] = DEFAULT_BACKGROUND,
    fit: str = "crop",
) -> np.ndarray:
    """Resize an RGB image to ``size`` (height, width) and return its array."""
    if image.mode != "RGB":
        image = to_rgb(image, background)
    if size is not None:
        image = _resize(image, size, background, fit)
    return np.asarray(image, dtype=np.uint8)


def list_images(inputs: list[str | os.PathLike]) -> list[Path]:
    """Expand files and folders into a sorted list of image files.

    Folders are searched recursively for files with a known image suffix
    (:data:`IMAGE_SUFFIXES`); files named directly are kept whatever their
    suffix, so that a wrong one is reported by the loader rather than hidden.

    Raises:
        Dl2labError: If an input does not exist.
    """
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise Dl2labError(f"input {str(path)!r} is neither a file nor a folder")
    return [p.resolve() for p in found]


def _check_options(size, max_pixels, fit) -> None:
    if size is not None and (len(size) != 2 or min(int(size[0]), int(size[1])) < 1):
        raise Dl2labError(f"`size` must be (height, width) >= 1; got {size!r}")
    if max_pixels < 1:
        raise Dl2labError(f"`max_pixels` must be positive; got {max_pixels!r}")
    if fit not in FITS:
        raise Dl2labError(f"`fit` must be one of {', '.join(FITS)}; got {fit!r}")


def _upright(image: Image.Image, name: str) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception as exc:
        # A broken EXIF block should not lose an otherwise readable image.
        log.warning("image %s: ignoring unreadable EXIF orientation (%s)", name, exc)
        return image


def _scale_to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    values = values.astype(np.float64)
    if mode.startswith("I;16"):
        scaled = values / 257.0
    elif mode == "F":
        # Float images are taken to be in [0, 1] when they fit, else [0, 255].
        high = float(values.max()) if values.size else 0.0
        scaled = values * 255.0 if high <= 1.0 else values
    else:
        # 32-bit integer images usually hold 16-bit data (old PNG decoding).
        high = float(values.max()) if values.size else 0.0
        scaled = values if high <= 255 else values / (257.0 if high <= 65535 else high)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except Exception as exc:
            log.debug("CMYK ICC profile unusable (%s); using Pillow's formula", exc)
    return image.convert("RGB")


def _resize(
    image: Image.Image,
    size: tuple[int, int],
    background: tuple[int, int, int],
    fit: str,
) -> Image.Image:
    height, width = int(size[0]), int(size[1])
    if image.size == (width, height):
        return image
    if fit == "stretch":
        return image.resize((width, height), Image.BICUBIC, reducing_gap=3.0)
    src_w, src_h = image.size
    if fit == "crop":
        scale = max(width / src_w, height / src_h)
    else:
        scale = min(width / src_w, height / src_h)
    new_w = max(1, round(src_w * scale))
    new_h = max(1, round(src_h * scale))
    resized = image.resize((new_w, new_h), Image.BICUBIC, reducing_gap=3.0)
    if fit == "crop":
        left = (new_w - width) // 2
        top = (new_h - height) // 2
        return resized.crop((left, top, left + width, top + height))
    canvas = Image.new("RGB", (width, height), background)
    canvas.paste(resized, ((width - new_w) // 2, (height - new_h) // 2))
    return canvas
