"""Image loading on odd files that the tests write themselves."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from dl2lab.errors import Dl2labError
from dl2lab.vision.images import decode_image, list_images, load_image

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def _png(width, height, bit_depth, colour_type, raw_rows):
    """A minimal PNG writer, for pixel formats Pillow cannot save."""

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    data = zlib.compress(b"".join(b"\0" + row for row in raw_rows), 6)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", data)
        + chunk(b"IEND", b"")
    )


def _halves(width=40, height=20):
    """Left half red, right half blue."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = RED
    pixels[:, width // 2 :] = BLUE
    return Image.fromarray(pixels)


def _close(actual, expected, tol=3):
    return np.all(np.abs(np.asarray(actual, int) - np.asarray(expected, int)) <= tol)


def test_exif_orientation_is_applied(tmp_path):
    # Orientation 6 means "rotate 90 degrees clockwise to display": the stored
    # left column (red) becomes the top row.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    _halves().save(path, quality=95, exif=exif)
    image = load_image(path, size=None)
    assert image.shape == (40, 20, 3)
    assert _close(image[2, 10], RED, 10)
    assert _close(image[-3, 10], BLUE, 10)


def test_transparency_is_composited_on_white(tmp_path):
    pixels = np.zeros((4, 4, 4), np.uint8)
    pixels[0, 0] = (255, 0, 0, 128)  # half-transparent red
    pixels[1, 1] = (0, 0, 255, 255)  # opaque blue
    path = tmp_path / "alpha.png"
    Image.fromarray(pixels, "RGBA").save(path)
    image = load_image(path, size=None)
    # 255 * a + 255 * (1 - a) = 255 for red; 0 * a + 255 * (1 - 128/255) = 127.
    assert _close(image[0, 0], (255, 127, 127), 1)
    assert tuple(image[1, 1]) == BLUE
    assert tuple(image[3, 3]) == WHITE  # fully transparent black becomes white


def test_palette_and_grayscale_transparency(tmp_path):
    palette = Image.new("P", (4, 4), 1)
    palette.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    palette.putpixel((0, 0), 0)
    path = tmp_path / "palette.gif"
    palette.save(path, transparency=0)
    image = load_image(path, size=None)
    assert tuple(image[0, 0]) == WHITE
    assert tuple(image[2, 2]) == (0, 255, 0)

    gray_alpha = Image.new("LA", (2, 2), (40, 0))
    gray_alpha.putpixel((1, 1), (40, 255))
    path = tmp_path / "la.png"
    gray_alpha.save(path)
    image = load_image(path, size=None)
    assert tuple(image[0, 0]) == WHITE
    assert tuple(image[1, 1]) == (40, 40, 40)


def test_a_custom_background(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (3, 3), (0, 0, 0, 0)).save(path)
    image = load_image(path, size=None, background=(10, 20, 30))
    assert tuple(image[1, 1]) == (10, 20, 30)


def test_grayscale_and_one_bit(tmp_path):
    Image.new("L", (3, 3), 100).save(tmp_path / "gray.png")
    assert tuple(load_image(tmp_path / "gray.png", size=None)[0, 0]) == (100,) * 3
    one_bit = Image.new("1", (3, 3), 1)
    one_bit.putpixel((0, 0), 0)
    one_bit.save(tmp_path / "bits.png")
    image = load_image(tmp_path / "bits.png", size=None)
    assert tuple(image[0, 0]) == (0, 0, 0)
    assert tuple(image[2, 2]) == WHITE


def test_sixteen_bit_images_are_scaled_not_clipped(tmp_path):
    # Grayscale: 65535 -> 255, 32896 -> 128 (32896 / 257), 1000 -> 4 (3.89).
    values = np.array([[65535, 32896, 1000]], np.uint16)
    rows = [values.astype(">u2").tobytes()]
    (tmp_path / "gray16.png").write_bytes(_png(3, 1, 16, 0, rows))
    image = load_image(tmp_path / "gray16.png", size=None)
    assert image[0, :, 0].tolist() == [255, 128, 4]
    assert np.all(image[..., 0] == image[..., 2])

    # RGB, 16 bits per channel.
    rgb = np.array([[[65535, 0, 32896]]], np.uint16)
    (tmp_path / "rgb16.png").write_bytes(
        _png(1, 1, 16, 2, [rgb.astype(">u2").tobytes()])
    )
    image = load_image(tmp_path / "rgb16.png", size=None)
    assert tuple(image[0, 0]) == (255, 0, 128)


def test_inverted_adobe_cmyk_jpeg_gives_correct_colours(tmp_path):
    path = tmp_path / "cmyk.jpg"
    # Pure cyan ink, pure magenta + yellow ink (red), no ink (white).
    cmyk = Image.new("CMYK", (24, 8), (255, 0, 0, 0))
    cmyk.paste((0, 255, 255, 0), (8, 0, 16, 8))
    cmyk.paste((0, 0, 0, 0), (16, 0, 24, 8))
    cmyk.save(path, quality=95)
    with Image.open(path) as check:
        assert check.mode == "CMYK"
        assert "adobe" in check.info  # stored with Adobe's inverted convention
    image = load_image(path, size=None)
    assert _close(image[4, 3], (0, 255, 255), 8)
    assert _close(image[4, 11], RED, 8)
    assert _close(image[4, 20], WHITE, 8)


def test_cmyk_with_an_unusable_icc_profile_falls_back_to_the_formula(tmp_path):
    path = tmp_path / "profiled.jpg"
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(path, icc_profile=b"not icc")
    with Image.open(path) as check:
        assert check.info.get("icc_profile") == b"not icc"
    assert _close(load_image(path, size=None)[4, 4], RED, 8)


def test_cmyk_tiff(tmp_path):
    path = tmp_path / "cmyk.tif"
    Image.new("CMYK", (2, 2), (0, 255, 255, 0)).save(path)
    assert tuple(load_image(path, size=None)[0, 0]) == RED


def test_first_frame_of_an_animation(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (4, 4), RED), Image.new("RGB", (4, 4), BLUE)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50)
    with Image.open(path) as check:
        assert check.n_frames == 2
    assert tuple(load_image(path, size=None)[0, 0]) == RED


def test_fits(tmp_path):
    path = tmp_path / "wide.png"
    _halves(40, 20).save(path)
    stretched = load_image(path, size=(10, 10), fit="stretch")
    assert stretched.shape == (10, 10, 3)
    assert tuple(stretched[5, 0]) == RED and tuple(stretched[5, 9]) == BLUE
    # crop: scaled to 20x10, the middle 10 columns kept (5 red, 5 blue).
    cropped = load_image(path, size=(10, 10), fit="crop")
    assert tuple(cropped[5, 0]) == RED and tuple(cropped[5, 9]) == BLUE
    # pad: scaled to 10x5, centred with rows 0-1 and 7-9 white.
    padded = load_image(path, size=(10, 10), fit="pad")
    assert tuple(padded[0, 0]) == WHITE and tuple(padded[9, 9]) == WHITE
    assert tuple(padded[4, 0]) == RED
    tall = load_image(path, size=(20, 10), fit="stretch")
    assert tall.shape == (20, 10, 3)


def test_truncated_file_is_an_error_naming_it(tmp_path):
    data = io.BytesIO()
    Image.fromarray(
        np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)
    ).save(data, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    with pytest.raises(Dl2labError, match=r"cut\.png.*truncated or corrupt"):
        load_image(path)

    jpeg = io.BytesIO()
    _halves(64, 64).save(jpeg, "JPEG")
    for cut in (300, len(jpeg.getvalue()) * 2 // 3):
        path = tmp_path / f"cut{cut}.jpg"
        path.write_bytes(jpeg.getvalue()[:cut])
        with pytest.raises(Dl2labError, match=rf"cut{cut}\.jpg.*truncated or corrupt"):
            load_image(path)


def test_corrupt_and_non_images(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is a text file, not a photo")
    with pytest.raises(Dl2labError, match=r"notes\.jpg.*is not an image file"):
        load_image(path)
    path = tmp_path / "garbled.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(Dl2labError, match=r"garbled\.png"):
        load_image(path)
    with pytest.raises(Dl2labError, match=r"missing\.png.*does not exist"):
        load_image(tmp_path / "missing.png")


def test_pixel_limit(tmp_path):
    path = tmp_path / "big.png"
    Image.new("RGB", (20, 20)).save(path)
    with pytest.raises(
        Dl2labError, match=r"big\.png.*20x20 = 400 pixels.*limit of 100"
    ):
        load_image(path, max_pixels=100)
    assert load_image(path, max_pixels=400).shape == (224, 224, 3)


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # 10,000 x 10,000 one-bit pixels compress to a few kilobytes.
    row = b"\xff" * 1250
    data = _png(10_000, 10_000, 1, 0, [row] * 10_000)
    assert len(data) < 100_000
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    with pytest.raises(Dl2labError, match=r"bomb\.png.*100,000,000 pixels"):
        load_image(path)
    # Beyond twice Pillow's own limit, Pillow refuses at open().
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png(20_000, 10_000, 1, 0, [b"\xff" * 2500] * 10_000))
    with pytest.raises(Dl2labError, match=r"huge\.png.*more pixels"):
        decode_image(huge.read_bytes(), str(huge))


def test_svg_is_rasterised_on_white(tmp_path):
    path = tmp_path / "square.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        '<rect x="0" y="0" width="10" height="20" fill="#ff0000"/></svg>'
    )
    image = load_image(path, size=(32, 32))
    assert tuple(image[16, 2]) == RED
    assert tuple(image[16, 30]) == WHITE


def test_bad_options():
    with pytest.raises(Dl2labError, match=r"`fit` must be one of.*got 'zoom'"):
        decode_image(b"", "x", fit="zoom")
    with pytest.raises(Dl2labError, match=r"`size` must be"):
        decode_image(b"", "x", size=(0, 3))


def test_list_images(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "a" / "one.png")
    Image.new("RGB", (2, 2)).save(tmp_path / "two.JPG")
    (tmp_path / "readme.txt").write_text("no")
    found = list_images([tmp_path])
    assert [p.name for p in found] == ["one.png", "two.JPG"]
    with pytest.raises(Dl2labError, match="nowhere"):
        list_images([tmp_path / "nowhere"])
