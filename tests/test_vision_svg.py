"""SVG rasterising: size repair, blank pages, failures counted."""

import io

import numpy as np
import pytest
from PIL import Image

from dl2lab.errors import Dl2labError
from dl2lab.vision.svg import rasterise_files, render_png, repair_size

RECT = '<rect x="0" y="0" width="100" height="100" fill="#0000ff"/>'


def _svg(root_attributes, body=RECT):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {root_attributes}>{body}</svg>'
    ).encode()


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_repair_uses_the_viewbox_or_converts_units():
    fixed = repair_size(_svg('width="0" height="0" viewBox="0 0 50 80"'))
    assert b"width" not in fixed.split(b">")[0] and b'viewBox="0 0 50 80"' in fixed
    # 210 mm at 96 px per inch is 793.7 user units (Inkscape's A4 pages).
    fixed = repair_size(_svg('width="210mm" height="297mm"'))
    assert b'viewBox="0 0 793.701 1122.52"' in fixed
    assert repair_size(_svg('width="100%" height="100%"')) is None
    assert repair_size(b"no svg here") is None


def test_render_repairs_an_invalid_size():
    # resvg refuses width="0"; the viewBox says the drawing is 100 x 100.
    png, repaired = render_png(_svg('width="0" height="0" viewBox="0 0 200 100"'), "x")
    assert repaired
    pixels = _pixels(png)
    assert pixels.shape == (112, 224, 3)  # fits 224 x 224, aspect kept
    assert tuple(pixels[50, 50]) == (0, 0, 255)
    assert tuple(pixels[50, 200]) == (255, 255, 255)
    png, repaired = render_png(_svg('width="100" height="100"'), "x", side=32)
    assert not repaired and _pixels(png).shape == (32, 32, 3)


def test_render_errors_name_the_drawing():
    with pytest.raises(Dl2labError, match=r"drawing 'bad\.svg' cannot be rendered"):
        render_png(b"<svg unclosed", "bad.svg")
    with pytest.raises(Dl2labError, match=r"'pct\.svg'.*no usable viewBox"):
        render_png(_svg('width="0%" height="0%"'), "pct.svg")


def test_rasterise_files_counts_repairs_blanks_and_failures(tmp_path):
    sources = {
        "ok.svg": _svg('width="100" height="100"'),
        "repair.svg": _svg('width="210mm" height="297mm"'),
        "blank.svg": _svg('width="100" height="100"', '<rect x="500" y="500" '
                          'width="10" height="10"/>'),
        "broken.svg": b"<svg",
    }  # fmt: skip
    jobs = []
    for name, data in sources.items():
        (tmp_path / name).write_bytes(data)
        jobs.append((str(tmp_path / name), str(tmp_path / f"{name}.png")))
    report = rasterise_files(jobs, side=64, workers=1)
    assert report.written == 2 and report.repaired == 1
    failed = sorted(source.rsplit("/", 1)[1] for source, _ in report.failures)
    assert failed == ["blank.svg", "broken.svg"]
    assert "blank page" in dict(report.failures)[str(tmp_path / "blank.svg")]
    assert (tmp_path / "ok.svg.png").is_file()
    assert not (tmp_path / "blank.svg.png").exists()
    assert tuple(_pixels((tmp_path / "ok.svg.png").read_bytes())[10, 10]) == (0, 0, 255)
