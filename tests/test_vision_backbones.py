"""Backbones: real ImageNet weights recognise a cat; shapes; bad input."""

import numpy as np
import pytest
import skimage.data
from PIL import Image

from dl2lab.errors import Dl2labError
from dl2lab.vision.backbones import IMAGENET_CAT_CLASSES, get_backbone
from dl2lab.vision.images import load_image


@pytest.fixture(scope="module")
def efficientnet():
    return get_backbone("efficientnet-lite0")


def test_efficientnet_sees_the_cat(efficientnet, tmp_path):
    path = tmp_path / "chelsea.png"
    Image.fromarray(skimage.data.chelsea()).save(path)
    image = load_image(path)
    logits = efficientnet.logits(image[None])
    assert logits.shape == (1, 1000)
    top = np.argsort(logits[0])[::-1][:3]
    assert set(top.tolist()) <= set(IMAGENET_CAT_CLASSES)
    # A coffee cup is not a cat.
    cup = np.asarray(Image.fromarray(skimage.data.coffee()).resize((224, 224)))
    assert int(np.argmax(efficientnet.logits(cup[None]))) not in IMAGENET_CAT_CLASSES


def test_efficientnet_features_feed_its_classifier(efficientnet):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 224, 224, 3), dtype=np.uint8)
    features = efficientnet.features(images)
    assert features.shape == (3, 1280) and features.dtype == np.float32
    assert efficientnet.dim == 1280 and efficientnet.input_size == (224, 224)
    # The pooled features are exactly the classifier's input.
    weight = efficientnet.model._fc.weight.detach().numpy()
    bias = efficientnet.model._fc.bias.detach().numpy()
    np.testing.assert_allclose(
        features @ weight.T + bias, efficientnet.logits(images), rtol=1e-4, atol=1e-4
    )
    # Each image's features do not depend on the rest of the batch.
    np.testing.assert_allclose(
        efficientnet.features(images[1:2]), features[1:2], rtol=1e-4, atol=1e-5
    )
    assert efficientnet.identity.startswith("efficientnet-lite0:sha256=")


def test_resnet50_random_weights_shapes_and_a_local_weights_file(tmp_path):
    backbone = get_backbone("resnet50")
    images = np.random.default_rng(1).integers(0, 256, (3, 224, 224, 3), np.uint8)
    features = backbone.features(images)
    assert features.shape == (3, 2048) and features.dtype == np.float32
    assert backbone.dim == 2048
    assert backbone.identity is None  # random weights: never cached
    assert np.all(features >= 0)  # avg_pool of ReLU outputs
    assert backbone.model.layers[-1].name == "avg_pool"

    # A weights file (here: these random weights, saved without the top)
    # is loaded into a fresh model, which then gives the same features.
    path = tmp_path / "resnet50_notop.weights.h5"
    backbone.model.save_weights(path)
    loaded = get_backbone("resnet50", weights=path)
    assert loaded.identity.startswith("resnet50:sha256=")
    np.testing.assert_allclose(loaded.features(images), features, rtol=1e-4, atol=1e-4)


def test_bad_names_weights_and_inputs(efficientnet, tmp_path):
    with pytest.raises(Dl2labError, match=r"unknown backbone 'vgg'; expected one of"):
        get_backbone("vgg")
    with pytest.raises(Dl2labError, match=r"weights file .*nothere\.pth.* does not"):
        get_backbone("efficientnet-lite0", weights=tmp_path / "nothere.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a state dict")
    with pytest.raises(Dl2labError, match=r"junk\.pth.*is not an efficientnet"):
        get_backbone("efficientnet-lite0", weights=junk)
    with pytest.raises(
        Dl2labError, match=r"shape \(n, 224, 224, 3\); got \(2, 32, 32, 3\)"
    ):
        efficientnet.features(np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(Dl2labError, match=r"uint8.*float32"):
        efficientnet.features(np.zeros((1, 224, 224, 3), np.float32))
