"""Feature extraction: cache, resume, skips, and the CLI."""

import numpy as np
import pytest
from PIL import Image

from dl2lab.cli import main
from dl2lab.errors import Dl2labError
from dl2lab.vision.backbones import Backbone, get_backbone
from dl2lab.vision.features import extract_features, load_features, save_features
from dl2lab.vision.images import load_image


class ChannelMeans(Backbone):
    """A stand-in network: mean of each colour channel, counting its calls."""

    name = "channel-means"
    dim = 3
    input_size = (8, 8)

    def __init__(self, fail_after=None):
        self.identity = "channel-means:1"
        self.seen = 0
        self.fail_after = fail_after

    def features(self, images):
        images = self._check(images)
        if self.fail_after is not None and self.seen >= self.fail_after:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C
        self.seen += len(images)
        return images.mean(axis=(1, 2)).astype(np.float32)


def _images(folder, n):
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"img{i:02d}.png"
        Image.new("RGB", (8, 8), (i * 10, 255 - i * 10, 7)).save(path)
        paths.append(path)
    return paths


def test_features_match_the_backbone_and_come_from_the_cache(tmp_path):
    paths = _images(tmp_path / "in", 7)
    backbone = ChannelMeans()
    first = extract_features(paths, backbone, batch_size=3, cache=tmp_path / "c")
    expected = [[i * 10, 255 - i * 10, 7] for i in range(7)]
    np.testing.assert_allclose(first.features, expected)
    assert first.paths == [str(p.resolve()) for p in paths]
    assert (first.n_computed, first.n_cached) == (7, 0)
    assert len(list((tmp_path / "c").glob("*.npz"))) == 3  # batches of 3, 3, 1

    again = extract_features(paths, backbone, batch_size=3, cache=tmp_path / "c")
    assert (again.n_computed, again.n_cached) == (0, 7)
    assert backbone.seen == 7  # no network work the second time
    np.testing.assert_array_equal(again.features, first.features)


def test_cache_is_keyed_by_content_not_name(tmp_path):
    paths = _images(tmp_path / "in", 2)
    backbone = ChannelMeans()
    extract_features(paths, backbone, cache=tmp_path / "c")
    copy = tmp_path / "renamed.png"
    copy.write_bytes(paths[1].read_bytes())
    result = extract_features([copy, paths[0]], backbone, cache=tmp_path / "c")
    assert result.n_cached == 2 and backbone.seen == 2
    np.testing.assert_allclose(result.features[0], [10, 245, 7])
    # Same bytes twice in one call: computed once, listed twice.
    fresh = ChannelMeans()
    twice = extract_features([copy, paths[1]], fresh, cache=False)
    assert fresh.seen == 1 and len(twice.paths) == 2


def test_an_interrupted_run_resumes(tmp_path):
    paths = _images(tmp_path / "in", 10)
    with pytest.raises(KeyboardInterrupt):
        extract_features(
            paths, ChannelMeans(fail_after=4), batch_size=4, cache=tmp_path / "c"
        )
    backbone = ChannelMeans()
    result = extract_features(paths, backbone, batch_size=4, cache=tmp_path / "c")
    assert result.n_cached == 4 and result.n_computed == 6 and backbone.seen == 6
    np.testing.assert_allclose(result.features[:, 0], np.arange(10) * 10)


def test_unreadable_images_skip_or_fail(tmp_path):
    paths = _images(tmp_path / "in", 3)
    bad = tmp_path / "in" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 30)
    text = tmp_path / "in" / "notes.jpg"
    text.write_text("hello")
    inputs = [paths[0], bad, paths[1], text, paths[2]]
    result = extract_features(inputs, ChannelMeans(), on_error="skip", cache=False)
    assert result.paths == [str(p.resolve()) for p in paths]
    assert [p for p, _ in result.skipped] == [str(bad), str(text)]
    assert "not an image file" in result.skipped[1][1]
    with pytest.raises(Dl2labError, match=r"broken\.png"):
        extract_features(inputs, ChannelMeans(), on_error="fail", cache=False)
    with pytest.raises(Dl2labError, match=r"`on_error` must be 'skip' or 'fail'"):
        extract_features(inputs, ChannelMeans(), on_error="ignore")


def test_save_and_load(tmp_path):
    paths = _images(tmp_path / "in", 2)
    result = extract_features(paths, ChannelMeans(), cache=False)
    result.skipped.append(("/x/y.png", "image '/x/y.png' is not an image file"))
    save_features(tmp_path / "f.npz", result)
    back = load_features(tmp_path / "f.npz")
    np.testing.assert_array_equal(back.features, result.features)
    assert back.paths == result.paths and back.skipped == result.skipped
    assert back.backbone == "channel-means" and back.identity == "channel-means:1"
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(Dl2labError, match=r"junk\.npz.*cannot be read"):
        load_features(tmp_path / "junk.npz")


def test_real_backbone_features_equal_a_direct_forward_pass(tmp_path):
    paths = _images(tmp_path / "in", 3)
    backbone = get_backbone("efficientnet-lite0")
    result = extract_features(paths, backbone, batch_size=2, cache=tmp_path / "c")
    direct = backbone.features(np.stack([load_image(p) for p in paths]))
    np.testing.assert_allclose(result.features, direct, rtol=1e-4, atol=1e-5)


def test_cli_writes_features_and_reports_skips(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DL2LAB_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "in"
    _images(folder, 2)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    out = tmp_path / "feats.npz"
    args = ["caption", "features", str(folder), "--out", str(out)]
    assert main(args + ["--on-error", "skip"]) == 0
    printed = capsys.readouterr().out
    assert "skipped: image" in printed and "broken.jpg" in printed
    assert "2 images x 1280 features" in printed
    saved = load_features(out)
    assert saved.features.shape == (2, 1280)
    assert [p.rsplit("/", 1)[1] for p in saved.paths] == ["img00.png", "img01.png"]

    assert main(args) == 2  # --on-error fail is the default
    assert "broken.jpg" in capsys.readouterr().err
    assert main(args + ["--on-error", "skip"]) == 0
    assert "0 computed, 2 from the cache, 1 skipped" in capsys.readouterr().out
