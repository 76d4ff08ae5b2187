"""Images per second of the whole feature path against the bare forward pass.

For each backbone, the same 96 photo-like JPEGs (crops of scikit-image's
sample photos, 640x480, written to a temporary folder) go through:

- bare: ``backbone.features`` on the already decoded (n, 224, 224, 3)
  arrays, in batches of 32: the network alone;
- whole: ``extract_features`` on the files with an empty cache: read, hash,
  decode, resize, normalise, forward, write the cache shards;
- cached: the same call again, served from the cache.

Each timing is the best of three interleaved rounds after a warm-up batch
(the first call compiles the ResNet under JAX). ResNet50 runs with random weights (no
ImageNet file offline); to exercise its cache it is given a stand-in weights
identity, which does not change the work measured.

    .venv/bin/python bench/features.py [--images 96] [--backbone NAME]
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

from dl2lab.vision.backbones import BACKBONES, get_backbone, set_torch_threads
from dl2lab.vision.features import extract_features
from dl2lab.vision.images import load_image

BATCH = 32
ROUNDS = 3


def make_photos(folder: Path, n: int) -> list[Path]:
    """Write ``n`` different 640x480 JPEG crops of real photos."""
    sources = [
        skimage.data.astronaut(),
        skimage.data.chelsea(),
        skimage.data.coffee(),
        skimage.data.rocket(),
        skimage.data.hubble_deep_field(),
        skimage.data.immunohistochemistry(),
    ]
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        photo = Image.fromarray(sources[i % len(sources)]).convert("RGB")
        scale = rng.uniform(1.3, 2.0)
        big = photo.resize((int(photo.width * scale), int(photo.height * scale)))
        left = int(rng.integers(0, max(1, big.width - 640)))
        top = int(rng.integers(0, max(1, big.height - 480)))
        crop = big.crop((left, top, left + 640, top + 480))
        path = folder / f"photo{i:03d}.jpg"
        crop.save(path, quality=90)
        paths.append(path)
    return paths


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(name: str, paths: list[Path], scratch: Path) -> dict[str, float]:
    backbone = get_backbone(name)
    if backbone.identity is None:
        backbone.identity = f"{name}:bench-random-weights"
    arrays = np.stack([load_image(p) for p in paths])  # (n, 224, 224, 3)
    backbone.features(arrays[:BATCH])  # warm-up (and JAX compilation)

    def bare():
        for start in range(0, len(arrays), BATCH):
            backbone.features(arrays[start : start + BATCH])

    rounds = iter(range(ROUNDS))

    def whole():
        cache = scratch / f"cache-{name}-{next(rounds)}"
        result = extract_features(paths, backbone, batch_size=BATCH, cache=cache)
        assert result.n_computed == len(paths)

    def cached():
        result = extract_features(
            paths, backbone, batch_size=BATCH, cache=scratch / f"cache-{name}-0"
        )
        assert result.n_cached == len(paths)

    # Interleaved rounds, so a change in the machine's load hits both sides.
    t_bare, t_whole = [], []
    for _ in range(ROUNDS):
        t_bare.append(seconds(bare))
        t_whole.append(seconds(whole))
    t_cached = min(seconds(cached) for _ in range(ROUNDS))
    n = len(paths)
    return {"bare": n / min(t_bare), "whole": n / min(t_whole), "cached": n / t_cached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=96)
    parser.add_argument("--backbone", choices=BACKBONES, action="append")
    args = parser.parse_args()
    threads = set_torch_threads()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "photos").mkdir()
        paths = make_photos(scratch / "photos", args.images)
        print(
            f"{args.images} JPEGs 640x480 -> 224x224, batch {BATCH}, "
            f"torch threads {threads}, best of {ROUNDS}"
        )
        print(
            f"{'backbone':<20}{'bare img/s':>12}{'whole img/s':>13}"
            f"{'whole/bare':>12}{'cached img/s':>14}"
        )
        for name in args.backbone or BACKBONES:
            speed = bench(name, paths, scratch)
            print(
                f"{name:<20}{speed['bare']:>12.1f}{speed['whole']:>13.1f}"
                f"{speed['whole'] / speed['bare']:>12.2f}{speed['cached']:>14.0f}"
            )


if __name__ == "__main__":
    main()
