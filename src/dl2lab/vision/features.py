"""Image features in batches, with a content-addressed cache on disk.

:func:`extract_features` reads each file once, hashes its bytes, and looks
the hash up in the cache of the backbone (a folder per backbone and weights
file under ``cache_dir()/features``). Only images not found there are
decoded and run through the network, in batches; each batch's features are
written as one shard file, atomically, as soon as it is computed. So a
second run over the same images does no network work, and a run that is
interrupted resumes from the last finished batch. A file's features depend
on its content, not its name: renaming or copying an image reuses them.

Reading and decoding run in a background thread while the network works on
the previous batch, so that the whole path costs little more than the
forward pass (``bench/features.py`` measures it).
"""

from __future__ import annotations

import collections
import hashlib
import io
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dl2lab.atomic import write_bytes
from dl2lab.errors import Dl2labError
from dl2lab.progress import bar
from dl2lab.vision.backbones import DEFAULT_BACKBONE, Backbone, get_backbone
from dl2lab.vision.images import DEFAULT_MAX_PIXELS, decode_image

log = logging.getLogger(__name__)

ON_ERROR = ("skip", "fail")


@dataclass
class FeatureResult:
    """Features of the images that could be read, in input order.

    Attributes:
        features: float32 ``(n, dim)``.
        paths: The ``n`` images the rows belong to (absolute paths).
        skipped: ``(path, reason)`` of every image that could not be read.
        backbone: Name of the backbone.
        identity: Backbone and weights identity (None for random weights).
        n_cached: Images whose features came from the cache.
        n_computed: Images run through the network in this call.
    """

    features: np.ndarray
    paths: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    backbone: str = DEFAULT_BACKBONE
    identity: str | None = None
    n_cached: int = 0
    n_computed: int = 0


class FeatureCache:
    """Feature vectors of one backbone, keyed by image content, in shards.

    Args:
        folder: Where the shards live (created if missing).
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._where: dict[str, tuple[Path, int]] = {}
        self._loaded: dict[Path, np.ndarray] = {}
        for shard in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(shard) as data:
                    keys = data["keys"]
            except Exception as exc:
                # Shards are written atomically; a bad one is foreign or damaged.
                log.warning("ignoring unreadable feature shard %s (%s)", shard, exc)
                continue
            for row, key in enumerate(keys.tolist()):
                self._where[key] = (shard, row)

    def __contains__(self, key: str) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def get(self, key: str) -> np.ndarray:
        """Return the feature vector stored under ``key``."""
        shard, row = self._where[key]
        if shard not in self._loaded:
            with np.load(shard) as data:
                self._loaded[shard] = data["features"]
        return self._loaded[shard][row]

    def put(self, keys: list[str], features: np.ndarray) -> Path:
        """Store one batch as a new shard, atomically, and return its path."""
        name = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:24]
        path = self.folder / f"{name}.npz"
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(keys), features=features.astype(np.float32))
        write_bytes(path, buffer.getvalue())
        self._loaded[path] = features
        for row, key in enumerate(keys):
            self._where[key] = (path, row)
        return path


def default_cache_folder(identity: str) -> Path:
    """Return the cache folder for a backbone identity under ``cache_dir()``."""
    from dl2lab.paths import cache_dir

    safe = identity.replace(":", "-").replace("=", "-").replace("/", "-")
    return cache_dir() / "features" / safe


def extract_features(
    paths: list[str | os.PathLike],
    backbone: str | Backbone = DEFAULT_BACKBONE,
    weights: str | None = None,
    batch_size: int = 32,
    on_error: str = "fail",
    cache: bool | str | os.PathLike = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    fit: str = "crop",
) -> FeatureResult:
    """Compute (or fetch from the cache) the features of image files.

    Args:
        paths: Image files (any format :func:`~dl2lab.vision.images.load_image`
            reads, SVG included).
        backbone: A name from :data:`~dl2lab.vision.backbones.BACKBONES` or a
            built :class:`~dl2lab.vision.backbones.Backbone`.
        weights: Local weights file (only with a backbone name).
        batch_size: Images per forward pass (and per cache shard).
        on_error: ``"fail"`` raises on the first unreadable image; ``"skip"``
            leaves it out and lists it in ``skipped``.
        cache: True for the default folder, a folder path, or False.
        max_pixels: Largest image (width * height) accepted.
        fit: How images are brought to the input size: crop, pad, stretch.

    Returns:
        A :class:`FeatureResult`.

    Raises:
        Dl2labError: For bad arguments, or an unreadable image with
            ``on_error="fail"``.
    """
    if on_error not in ON_ERROR:
        raise Dl2labError(f"`on_error` must be 'skip' or 'fail'; got {on_error!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise Dl2labError(f"`batch_size` must be a positive int; got {batch_size!r}")
    if isinstance(backbone, str):
        backbone = get_backbone(backbone, weights)
    paths = [str(Path(p).resolve()) for p in paths]
    store = _open_cache(cache, backbone)
    size = tuple(backbone.input_size)
    options = f"size={size[0]}x{size[1]};fit={fit};background=white".encode()

    def read(path: str):
        # Runs in a worker thread: read, hash, and decode only on a cache miss.
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return path, None, None, f"image {path!r} cannot be read: {reason}"
        key = hashlib.sha256(data + b"\0" + options).hexdigest()
        if store is not None and key in store:
            return path, key, None, None
        try:
            if path.lower().endswith((".svg", ".svgz")):
                image = _decode_svg(data, path, size, fit)
            else:
                image = decode_image(data, path, size, max_pixels, fit=fit)
        except Dl2labError as exc:
            return path, key, None, str(exc)
        return path, key, image, None

    found: dict[str, np.ndarray] = {}
    kept: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    pending_keys: list[str] = []
    pending_images: list[np.ndarray] = []
    n_cached = n_computed = 0

    def flush() -> None:
        nonlocal n_computed
        if not pending_keys:
            return
        batch = np.stack(pending_images)  # (b, H, W, 3)
        vectors = backbone.features(batch)  # (b, dim)
        if store is not None:
            store.put(list(pending_keys), vectors)
        for key, vector in zip(pending_keys, vectors, strict=True):
            found[key] = vector
        n_computed += len(pending_keys)
        pending_keys.clear()
        pending_images.clear()

    progress = bar(total=len(paths), desc=f"features {backbone.name}", unit="img")
    with ThreadPoolExecutor(max_workers=2) as pool:
        window: collections.deque[Future] = collections.deque()
        todo = iter(paths)
        for path in todo:
            window.append(pool.submit(read, path))
            if len(window) >= 2 * batch_size:
                break
        try:
            while window:
                path, key, image, error = window.popleft().result()
                for extra in todo:
                    window.append(pool.submit(read, extra))
                    break
                progress.update(1)
                if error is not None:
                    if on_error == "fail":
                        raise Dl2labError(error)
                    skipped.append((path, error))
                    log.info("skipped %s", error)
                    continue
                kept.append((path, key))
                if image is None:
                    n_cached += 1
                elif key not in found and key not in pending_keys:
                    pending_keys.append(key)
                    pending_images.append(image)
                    if len(pending_keys) >= batch_size:
                        flush()
            flush()
        finally:
            for future in window:
                future.cancel()
            progress.close()

    rows = [
        found[key] if key in found else store.get(key)  # type: ignore[union-attr]
        for _, key in kept
    ]
    features = (
        np.stack(rows).astype(np.float32, copy=False)
        if rows
        else np.zeros((0, backbone.dim), np.float32)
    )
    if skipped:
        log.warning("skipped %d of %d images", len(skipped), len(paths))
    return FeatureResult(
        features=features,
        paths=[p for p, _ in kept],
        skipped=skipped,
        backbone=backbone.name,
        identity=backbone.identity,
        n_cached=n_cached,
        n_computed=n_computed,
    )


def save_features(path: str | os.PathLike, result: FeatureResult) -> Path:
    """Write features, image paths and skips to one ``.npz``, atomically.

    Keys: ``features`` (n, dim) float32, ``paths`` (n,) str, ``backbone``,
    ``identity`` (str, empty for random weights), ``skipped_paths`` and
    ``skipped_reasons`` (str arrays).
    """
    buffer = io.BytesIO()
    np.savez(
        buffer,
        features=result.features.astype(np.float32),
        paths=np.array(result.paths, dtype=str),
        backbone=np.array(result.backbone),
        identity=np.array(result.identity or ""),
        skipped_paths=np.array([p for p, _ in result.skipped], dtype=str),
        skipped_reasons=np.array([r for _, r in result.skipped], dtype=str),
    )
    return write_bytes(path, buffer.getvalue())


def load_features(path: str | os.PathLike) -> FeatureResult:
    """Read a file written by :func:`save_features`.

    Raises:
        Dl2labError: If the file is missing or not a features file.
    """
    try:
        with np.load(path) as data:
            return FeatureResult(
                features=data["features"],
                paths=data["paths"].tolist(),
                skipped=list(
                    zip(
                        data["skipped_paths"].tolist(),
                        data["skipped_reasons"].tolist(),
                        strict=True,
                    )
                ),
                backbone=str(data["backbone"]),
                identity=str(data["identity"]) or None,
            )
    except (OSError, KeyError, ValueError) as exc:
        raise Dl2labError(
            f"features file {str(path)!r} cannot be read ({exc}); expected an "
            ".npz written by `dl2lab caption features`"
        ) from None


def _open_cache(cache, backbone: Backbone) -> FeatureCache | None:
    if cache is False or cache is None:
        return None
    if backbone.identity is None:
        log.info("%s has no stable weights identity; not caching", backbone.name)
        return None
    folder = default_cache_folder(backbone.identity) if cache is True else Path(cache)
    return FeatureCache(folder)


def _decode_svg(data: bytes, path: str, size: tuple[int, int], fit: str):
    from dl2lab.vision.images import to_array
    from dl2lab.vision.svg import render_svg_bytes

    if data[:2] == b"\x1f\x8b":
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise Dl2labError(f"image {path!r} is a corrupt .svgz: {exc}") from None
    rendered = render_svg_bytes(data, path, max(size))
    return to_array(rendered.image, size, fit=fit)
