"""Exercise 4.2 and 4.3: the captioning model and how it is trained and decoded.

The inspections build the exam's network the way dl2lab builds it: Keras'
``ResNet50(include_top=True)`` (random weights: shapes and parameter counts do
not depend on them) whose second-to-last layer feeds
:func:`~dl2lab.caption.model.build_captioner` with ``feature_dim=2048``. The
experiments train the same decoder on real drawings (the emoji ``concept``
split, EfficientNet-Lite0 ImageNet features) and decode it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from dl2lab.answers import figures
from dl2lab.answers.core import Context, Outcome, check

EXAM_MAX_LEN = 20
EXAM_VOCAB_SIZE = 1000
EXAM_DIM = 128
RESNET_DIM = 2048


# ---------------------------------------------------------------------------
# The exam's network, built once per run


def exam_network(ctx: Context) -> dict:
    """Return the exam's captioning network as dl2lab builds it.

    Returns:
        A dict with ``resnet`` (``ResNet50(include_top=True, weights=None)``),
        ``captioner`` (the decoder on its 2048-d ``layers[-2]`` output) and
        ``model`` (image and shifted caption in, probs out).
    """
    return ctx.cached("exam_network", lambda: _build_exam_network(ctx.seed))


def _build_exam_network(seed: int) -> dict:
    import keras

    from dl2lab.caption.model import TOKENS_INPUT, build_captioner

    keras.utils.set_random_seed(seed)
    resnet = keras.applications.ResNet50(include_top=True, weights=None)
    features = resnet.layers[-2].output  # the exam's img_features
    captioner = build_captioner(
        feature_dim=int(features.shape[-1]),
        vocab_size=EXAM_VOCAB_SIZE,
        max_len=EXAM_MAX_LEN,
        embedding_dim=EXAM_DIM,
    )
    token_ids = keras.Input(shape=(EXAM_MAX_LEN,), dtype="int32", name=TOKENS_INPUT)
    probs = captioner({"features": features, TOKENS_INPUT: token_ids})
    model = keras.Model([resnet.input, token_ids], probs, name="exam_captioning")
    return {"resnet": resnet, "captioner": captioner, "model": model}


def _shape(tensor) -> str:
    return str(tuple(None if d is None else int(d) for d in tensor.shape))


def _pair(values, fmt: str = ".3f") -> str:
    return " / ".join(format(float(v), fmt) for v in values)


def _spatial(tensor) -> bool:
    # (batch, height, width, channels): two axes over the image plane.
    return len(tensor.shape) == 4


# ---------------------------------------------------------------------------
# 4.2: the model


@check("4.2.1", kind="inspection")
def second_to_last_layer_is_pooled(ctx: Context) -> Outcome:
    """Inspect the output of ``base_model.layers[-2]`` in ResNet50 with its top."""
    resnet = exam_network(ctx)["resnet"]
    before, chosen, last = resnet.layers[-3], resnet.layers[-2], resnet.layers[-1]
    spatial = _spatial(chosen.output)
    return Outcome(
        verdict="True" if spatial else "False",
        evidence={
            "layers[-3]": f"{before.name} {_shape(before.output)}",
            "layers[-2]": f"{chosen.name} {_shape(chosen.output)}",
            "layers[-1]": f"{last.name} {_shape(last.output)}",
            "axes of layers[-2].output after the batch": len(chosen.output.shape) - 1,
        },
        reasoning=(
            f"In ResNet50 with its classifier, `layers[-2]` is `{chosen.name}`, "
            f"a global average pooling: it averages the "
            f"{_shape(before.output)} map of the last residual block over its "
            f"height and width, leaving one {int(chosen.output.shape[-1])}-d "
            "vector per image. The spatial grid exists one layer earlier "
            f"(`{before.name}`), not in `layers[-2]`."
        ),
    )


@check("4.2.2", kind="inspection")
def projection_output_is_flat(ctx: Context) -> Outcome:
    """Inspect the output of the linear projection ``Dense(128, use_bias=False)``."""
    from dl2lab.caption.model import PROJECTION

    layer = exam_network(ctx)["captioner"].get_layer(PROJECTION)
    spatial = _spatial(layer.output)
    return Outcome(
        verdict="True" if spatial else "False",
        evidence={
            "Dense input": _shape(layer.input),
            "Dense output (img_features)": _shape(layer.output),
        },
        reasoning=(
            f"The Dense layer maps each {int(layer.input.shape[-1])}-d pooled vector "
            f"to {int(layer.output.shape[-1])} numbers, so `img_features` is "
            f"{_shape(layer.output)}: one vector per image. A Dense layer acts on "
            "the last axis only, so it cannot create spatial axes, and its input "
            "had none left after the pooling."
        ),
    )


@check("4.2.3", kind="inspection")
def repeat_vector_adds_time(ctx: Context) -> Outcome:
    """Inspect the output of ``RepeatVector(20)`` and what it is added to."""
    from dl2lab.caption.model import EMBEDDING

    captioner = exam_network(ctx)["captioner"]
    repeated = captioner.get_layer("repeat_features").output
    embedded = captioner.get_layer(EMBEDDING).output
    sequential = len(repeated.shape) == 3 and int(repeated.shape[1]) == EXAM_MAX_LEN
    return Outcome(
        verdict="True" if sequential else "False",
        evidence={
            "RepeatVector output": _shape(repeated),
            "word embeddings it is added to": _shape(embedded),
        },
        reasoning=(
            f"`RepeatVector({EXAM_MAX_LEN})` copies the 128-d image vector once per "
            f"position, giving {_shape(repeated)}: (batch, time, features), the "
            "same shape as the embedded caption it is added to. The time axis "
            "holds identical copies, which is how the image reaches the RNN at "
            "every step."
        ),
    )


@check("4.2.4", kind="inspection")
def projection_has_parameters(ctx: Context) -> Outcome:
    """Count the weights of the linear projection."""
    from dl2lab.caption.model import PROJECTION

    layer = exam_network(ctx)["captioner"].get_layer(PROJECTION)
    count = int(layer.count_params())
    kernel = tuple(int(d) for d in layer.kernel.shape)
    return Outcome(
        verdict="True" if count > 0 else "False",
        evidence={
            "projection kernel shape": str(kernel),
            "projection parameters": count,
            "2048 x 128 (no bias)": RESNET_DIM * EXAM_DIM,
            "projection has a bias": str(layer.use_bias),
        },
        reasoning=(
            f"The projection `Dense(128, use_bias=False)` is a learned "
            f"{kernel[0]} x {kernel[1]} matrix: {count:,} trainable parameters "
            "(no bias). They are trained with the decoder, which is how the "
            "image features are mapped into the word-embedding space."
        ),
    )


@check("4.2.6", kind="inspection")
def recurrent_kernel_shape(ctx: Context) -> Outcome:
    """Read the shapes of the SimpleRNN's weights and of the output layer."""
    from dl2lab.caption.model import OUTPUT, RNN

    captioner = exam_network(ctx)["captioner"]
    rnn = captioner.get_layer(RNN)
    cell = rnn.cell
    recurrent = tuple(int(d) for d in cell.recurrent_kernel.shape)
    kernel = tuple(int(d) for d in cell.kernel.shape)
    output = tuple(int(d) for d in captioner.get_layer(OUTPUT).kernel.shape)
    return Outcome(
        verdict="True" if recurrent == (EXAM_DIM, EXAM_VOCAB_SIZE) else "False",
        evidence={
            "hidden-to-hidden (recurrent_kernel)": str(recurrent),
            "input-to-hidden (kernel)": str(kernel),
            "hidden-to-output (softmax Dense kernel)": str(output),
        },
        reasoning=(
            f"The hidden-to-hidden matrix maps the {recurrent[0]}-d state to the "
            f"next {recurrent[1]}-d state, so it is {recurrent}. The "
            f"{output} matrix is the output layer's, which maps each state to "
            "scores over the 1000 words; it is not part of the recurrence."
        ),
    )


@check("4.3.7", kind="inspection")
def lstm_has_more_parameters(ctx: Context) -> Outcome:
    """Count the recurrent layer's parameters for each cell at 128 units."""
    from dl2lab.caption.model import RNN, build_captioner

    counts, totals = {}, {}
    for cell in ("simple", "lstm", "gru"):
        model = build_captioner(
            feature_dim=RESNET_DIM,
            vocab_size=EXAM_VOCAB_SIZE,
            max_len=EXAM_MAX_LEN,
            embedding_dim=EXAM_DIM,
            cell=cell,
        )
        counts[cell] = int(model.get_layer(RNN).count_params())
        totals[cell] = int(model.count_params())
    by_hand = EXAM_DIM * EXAM_DIM + EXAM_DIM * EXAM_DIM + EXAM_DIM
    ratio = counts["lstm"] / counts["simple"]
    return Outcome(
        verdict="True" if counts["lstm"] < counts["simple"] else "False",
        evidence={
            "SimpleRNN(128) parameters": counts["simple"],
            "LSTM(128) parameters": counts["lstm"],
            "GRU(128) parameters (for comparison)": counts["gru"],
            "by hand, SimpleRNN: 128*128 + 128*128 + 128": by_hand,
            "by hand, LSTM: 4 x SimpleRNN": 4 * by_hand,
            "whole decoder, SimpleRNN": totals["simple"],
            "whole decoder, LSTM": totals["lstm"],
        },
        reasoning=(
            f"A SimpleRNN(128) on 128-d inputs has one input matrix, one recurrent "
            f"matrix and one bias: {counts['simple']:,} parameters. An LSTM has "
            f"the same three for each of its four gates (input, forget, cell, "
            f"output): {counts['lstm']:,}, {ratio:.0f}x more. Keeping 128 hidden "
            "units, the LSTM increases the parameter count."
        ),
    )


# ---------------------------------------------------------------------------
# Two real photos with captions, for the checks that train through the CNN

PHOTO_CAPTIONS = {
    "astronaut": "an astronaut in a white space suit in front of a flag",
    "coffee": "a cup of coffee on a saucer with a spoon",
}


def _photos(size: int) -> np.ndarray:
    """scikit-image's astronaut and coffee photos, uint8 (2, size, size, 3)."""
    from PIL import Image
    from skimage import data

    out = []
    for name in PHOTO_CAPTIONS:
        image = Image.fromarray(getattr(data, name)()).convert("RGB")
        out.append(np.asarray(image.resize((size, size), Image.BILINEAR)))
    return np.stack(out)


def _photo_batch(size: int):
    """Preprocessed photos and teacher-forcing arrays of their captions."""
    from keras.applications.resnet50 import preprocess_input

    from dl2lab.caption.teacher import teacher_forcing
    from dl2lab.caption.vocab import CaptionVocabulary

    captions = list(PHOTO_CAPTIONS.values())
    vocab = CaptionVocabulary.build(captions, size=EXAM_VOCAB_SIZE)
    inputs, targets = teacher_forcing(vocab.encode_batch(captions, EXAM_MAX_LEN))
    images = preprocess_input(_photos(size).astype("float32"))
    return images, inputs, targets


def _sgd_step_changes(model, x, y, weights, learning_rate: float) -> np.ndarray:
    """One SGD step on ``model``; return ``||change|| / learning_rate`` per weight.

    With plain SGD the change of a weight is ``learning_rate * grad``, so this
    is the norm of each weight's gradient, measured on any Keras backend.
    """
    import keras

    from dl2lab.caption.teacher import masked_loss

    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=masked_loss)
    before = [np.array(w.numpy(), copy=True) for w in weights]
    model.train_on_batch(x, y)
    return np.array(
        [
            np.linalg.norm(w.numpy() - b) / learning_rate
            for w, b in zip(weights, before, strict=True)
        ]
    )


@check("4.2.5", kind="experiment")
def resnet_can_be_fine_tuned(ctx: Context) -> Outcome:
    """Train the exam's whole network (ResNet50 + decoder) one step on two photos."""
    net = exam_network(ctx)
    model, resnet = net["model"], net["resnet"]
    images, inputs, targets = _photo_batch(224)
    kernels = [w for w in resnet.trainable_weights if w.path.endswith("kernel")]
    # ResNet50's own classifier (`predictions`) is not on the caption's path.
    convs = [i for i, w in enumerate(kernels) if "conv" in w.path]
    head = [i for i, w in enumerate(kernels) if w.path.startswith("predictions")]
    saved = model.get_weights()
    try:
        norms = _sgd_step_changes(model, [images, inputs], targets, kernels, 1e-3)
    finally:
        model.set_weights(saved)  # other checks inspect the same network
    grads = norms[convs]
    changed = int(np.sum(grads > 0))
    # Freezing the backbone takes its weights out of what the optimiser updates.
    resnet.trainable = False
    frozen_trainable = len(resnet.trainable_weights)
    resnet.trainable = True
    return Outcome(
        verdict="True" if changed >= 0.9 * len(convs) else "False",
        evidence={
            "ResNet50 convolution kernels": len(convs),
            "convolution kernels changed by one SGD step": changed,
            "gradient norm, first convolution (conv1)": float(grads[0]),
            "gradient norm, last convolution (conv5_block3_3)": float(grads[-1]),
            "smallest convolution kernel gradient norm": float(grads.min()),
            "gradient norm, ImageNet classifier (not on the caption's path)": float(
                norms[head].sum()
            ),
            "trainable backbone weights after base_model.trainable = False": (
                frozen_trainable
            ),
        },
        reasoning=(
            "Built as in the exam, the decoder reads `base_model.layers[-2]` inside "
            "one Keras model, so the caption loss back-propagates into the CNN: one "
            "SGD step on two captioned 224x224 photos changed "
            f"{changed} of the {len(convs)} ResNet50 convolution kernels. Setting "
            "`base_model.trainable = False` (or precomputing the features, as "
            "dl2lab does for speed) turns this off; in practice one fine-tunes "
            "with a small learning rate once the decoder has been trained."
        ),
    )


@check("4.2.7", kind="experiment")
def attention_over_regions(ctx: Context) -> Outcome:
    """Add attention over ResNet50's 7x7 regions to the decoder and train a step."""
    import keras

    net = exam_network(ctx)
    resnet = net["resnet"]
    grid = resnet.get_layer("conv5_block3_out").output  # (None, 7, 7, 2048)
    encoder = keras.Model(resnet.input, grid)
    images, inputs, targets = _photo_batch(224)
    maps = np.asarray(encoder.predict_on_batch(images))  # (2, 7, 7, 2048)
    regions = maps.reshape(len(maps), -1, maps.shape[-1])  # (2, 49, 2048)

    keras.utils.set_random_seed(ctx.seed)
    model, scores_model = _attention_captioner(regions.shape[1])
    scores = np.asarray(scores_model.predict_on_batch([regions, inputs]))
    row_sums = scores.sum(axis=-1)
    attend = model.get_layer("attend_regions").kernel
    grads = _sgd_step_changes(model, [regions, inputs], targets, [attend], 1e-2)

    # The exam's layers[-2] output is one pooled vector: a single "region".
    pooled = regions.mean(axis=1, keepdims=True)  # (2, 1, 2048)
    _, one_region = _attention_captioner(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about a softmax over 1 value
        trivial = np.asarray(one_region.predict_on_batch([pooled, inputs]))
    ok = scores.shape[-1] > 1 and np.max(np.abs(row_sums - 1)) < 1e-4 and grads[0] > 0
    return Outcome(
        verdict="True" if ok else "False",
        evidence={
            "regions before pooling (conv5_block3_out)": f"{maps.shape[1]}x"
            f"{maps.shape[2]} = {regions.shape[1]}",
            "attention weights shape (images, positions, regions)": str(scores.shape),
            "largest |sum of weights - 1| over positions": float(
                np.max(np.abs(row_sums - 1))
            ),
            "gradient norm reaching the attention's region projection": float(grads[0]),
            "attention weights on layers[-2] (one pooled vector)": float(trivial.min()),
        },
        reasoning=(
            "Taking ResNet50's last feature map before the pooling gives one "
            f"2048-d vector for each of {regions.shape[1]} image regions; at every "
            "position the RNN state can score the regions (a softmax, weights "
            "summing to 1) and read their weighted mean, as in Show, Attend and "
            "Tell. The model builds and trains: the caption loss reaches the "
            "region projection through the attention. It needs the map before "
            "`avg_pool`: on the exam's `layers[-2]` output there is a single "
            "vector, so every attention weight is 1 and nothing can be focused."
        ),
    )


def _attention_captioner(n_regions: int):
    """The exam's decoder plus dot-product attention over image regions.

    Returns:
        ``(model, scores_model)``: inputs ``regions`` (n, n_regions, 2048) and
        ``token_ids`` (n, 20); outputs the probs, and the attention weights
        (n, 20, n_regions).
    """
    import keras

    regions = keras.Input(shape=(n_regions, RESNET_DIM), name="regions")
    token_ids = keras.Input(shape=(EXAM_MAX_LEN,), dtype="int32", name="token_ids")
    # The mean region conditions the RNN as in the exam; a second projection,
    # used only by the attention, shows that the loss reaches the regions
    # through the attention weights.
    projected = keras.layers.Dense(EXAM_DIM, use_bias=False, name="project_regions")(
        regions
    )  # (n, regions, 128)
    mean = keras.layers.GlobalAveragePooling1D()(projected)  # (n, 128)
    values = keras.layers.Dense(EXAM_DIM, use_bias=False, name="attend_regions")(
        regions
    )  # (n, regions, 128)
    repeated = keras.layers.RepeatVector(EXAM_MAX_LEN)(mean)
    embedded = keras.layers.Embedding(EXAM_VOCAB_SIZE, EXAM_DIM)(token_ids)
    states = keras.layers.SimpleRNN(EXAM_DIM, return_sequences=True)(
        keras.layers.Add()([embedded, repeated])
    )  # (n, 20, 128): the queries
    context, scores = keras.layers.Attention(name="attention")(
        [states, values], return_attention_scores=True
    )  # (n, 20, 128), (n, 20, regions)
    joined = keras.layers.Concatenate()([states, context])
    probs = keras.layers.Dense(EXAM_VOCAB_SIZE, activation="softmax")(joined)
    inputs = [regions, token_ids]
    return keras.Model(inputs, probs), keras.Model(inputs, scores)


@check("4.2.8", kind="experiment")
def conditional_language_model(ctx: Context) -> Outcome:
    """Probe which inputs the word probabilities at each position depend on."""
    from dl2lab.caption.model import TOKENS_INPUT

    captioner = exam_network(ctx)["captioner"]
    rng = np.random.default_rng(ctx.seed)
    n, t = 4, 7
    features = rng.normal(size=(n, RESNET_DIM)).astype("float32")
    tokens = rng.integers(4, EXAM_VOCAB_SIZE, size=(n, EXAM_MAX_LEN)).astype("int32")
    tokens[:, 0] = 2  # <s>
    later = tokens.copy()
    later[:, t + 1 :] = rng.integers(4, EXAM_VOCAB_SIZE, size=(n, EXAM_MAX_LEN - t - 1))
    other_image = features[::-1].copy()

    def run(f, ids):
        probs = captioner.predict_on_batch({"features": f, TOKENS_INPUT: ids})
        return np.log(np.asarray(probs, dtype="float64"))  # (n, 20, vocab)

    base = run(features, tokens)
    after_future = run(features, later)
    after_image = run(other_image, tokens)
    past = float(np.max(np.abs(after_future[:, : t + 1] - base[:, : t + 1])))
    future = float(np.max(np.abs(after_future[:, t + 1 :] - base[:, t + 1 :])))
    image = float(np.max(np.abs(after_image - base)))
    image_first = float(np.max(np.abs(after_image[:, 0] - base[:, 0])))
    sums = float(np.max(np.abs(np.exp(base).sum(axis=-1) - 1)))
    # Float32 rounding stays below 1e-5; a real dependence moves log-probs
    # by far more than 1e-3, even with random weights.
    ok = past < 1e-5 and future > 1e-3 and image_first > 1e-3 and sums < 1e-4
    return Outcome(
        verdict="True" if ok else "False",
        evidence={
            f"max change of log-probs at positions 0..{t}, words after {t} changed": (
                past
            ),
            f"max change of log-probs at positions {t + 1}..19, same change": future,
            "max change of log-probs when the image changes": image,
            "max change of log-probs at position 0 when the image changes": (
                image_first
            ),
            "largest |sum of probs - 1| at a position": sums,
        },
        reasoning=(
            "At every position the model outputs a distribution over the next word. "
            f"Changing the words after position {t} leaves the log-probabilities at "
            f"positions 0..{t} unchanged (max change {past:.1g}) while those after "
            f"move by up to {future:.2f}, so each depends on the previous words "
            "only; changing the image moves them all, the first word's included "
            f"(up to {image:.2f}). Their product is P(caption | image): a language "
            "model conditioned on the image (here with random weights: the "
            "dependences come from the wiring, not from training)."
        ),
    )


# ---------------------------------------------------------------------------
# 4.3: training and decoding


def simple_rnn_states(kernel, recurrent, bias, inputs) -> np.ndarray:
    """Run a SimpleRNN (tanh) in numpy: ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Args:
        kernel: W, (input_dim, units).
        recurrent: U, (units, units).
        bias: b, (units,).
        inputs: x, (n, T, input_dim).

    Returns:
        The states, (n, T, units), starting from ``h_0 = 0``.
    """
    n, steps, _ = inputs.shape
    h = np.zeros((n, recurrent.shape[0]))
    states = []
    for t in range(steps):
        h = np.tanh(inputs[:, t] @ kernel + h @ recurrent + bias)
        states.append(h)
    return np.stack(states, axis=1)


def first_input_gradient_norms(kernel, recurrent, bias, inputs) -> np.ndarray:
    """Norm of ``d h_T / d x_1`` for every sequence length T, by back-propagation.

    For a sequence of the first T inputs, the Jacobian of the last state with
    respect to the first input is ``D_T U' D_{T-1} U' ... D_1 W'`` with
    ``D_t = diag(1 - h_t^2)``; it is built for T = 1, 2, ... in one pass.

    Args:
        kernel, recurrent, bias: The SimpleRNN's W, U and b.
        inputs: (n, T, input_dim) input sequences.

    Returns:
        (n, T) Frobenius norms, column T-1 for sequences of length T.
    """
    states = simple_rnn_states(kernel, recurrent, bias, inputs)  # (n, T, units)
    slopes = 1.0 - states**2
    jacobian = slopes[:, 0, :, None] * kernel.T[None]  # (n, units, input_dim)
    norms = [np.linalg.norm(jacobian, axis=(1, 2))]
    for t in range(1, inputs.shape[1]):
        # (units, units) @ (n, units, input_dim), broadcast over n (BLAS).
        jacobian = slopes[:, t, :, None] * (recurrent.T @ jacobian)
        norms.append(np.linalg.norm(jacobian, axis=(1, 2)))
    return np.stack(norms, axis=1)


# ---------------------------------------------------------------------------
# The trained captioners shared by the 4.3 experiments

# Drawings per split of the emoji ``concept`` split (test emoji never seen in
# training): quick mode for the tests, full size for the report.
QUICK_SIZES = {"train": 400, "val": 100, "test": 400}
FULL_SIZES = {"train": 2000, "val": 250, "test": 400}
BACKBONE = "efficientnet-lite0"


@dataclass
class CaptionData:
    """Emoji drawings with features and encoded captions.

    Attributes:
        splits: ``{split: SplitData}`` for train, val and test.
        vocab: The ``CaptionVocabulary`` of the training captions.
        pairs: ``{split: (features (m, d), token_ids (m, 20))}``, one row per
            (drawing, reference) pair.
    """

    splits: dict
    vocab: object
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]


def caption_data(ctx: Context) -> CaptionData:
    """Return the emoji captioning data of this run, built once.

    A seeded sample of each split of ``load("emoji", split="concept")``
    (:data:`QUICK_SIZES` or :data:`FULL_SIZES` drawings), EfficientNet-Lite0
    features from the feature cache, and a vocabulary of the training
    captions.
    """
    return ctx.cached("caption_data", lambda: _build_caption_data(ctx))


def _build_caption_data(ctx: Context) -> CaptionData:
    import pandas as pd

    from dl2lab.caption.data import split_features
    from dl2lab.caption.train import caption_pairs
    from dl2lab.caption.vocab import CaptionVocabulary
    from dl2lab.datasets.registry import load

    table = load("emoji", split="concept")
    sizes = QUICK_SIZES if ctx.quick else FULL_SIZES
    parts = []
    for split, size in sizes.items():
        rows = table[table["split"] == split]
        parts.append(rows.sample(min(size, len(rows)), random_state=ctx.seed))
    sample = pd.concat(parts, ignore_index=True)
    splits = split_features(sample, BACKBONE, splits=tuple(sizes))
    train_captions = caption_pairs(
        splits["train"].features, splits["train"].references
    )[1]
    vocab = CaptionVocabulary.build(train_captions, size=EXAM_VOCAB_SIZE)
    pairs = {}
    for split, data in splits.items():
        features, captions = caption_pairs(data.features, data.references)
        pairs[split] = (features, vocab.encode_batch(captions, EXAM_MAX_LEN))
    return CaptionData(splits, vocab, pairs)


def train_config(ctx: Context, cell: str = "simple"):
    """The one training budget of every captioner here: fixed epochs.

    Patience equals the number of epochs, so no run stops early and every
    loss curve has the same length; the weights of the epoch with the lowest
    validation loss are kept.

    Args:
        ctx: The run's context (quick mode trains 12 epochs, else 20).
        cell: ``"simple"``, ``"lstm"`` or ``"gru"``.

    Returns:
        A ``dl2lab.caption.train.TrainConfig``.
    """
    from dl2lab.caption.train import TrainConfig

    epochs = 12 if ctx.quick else 20
    return TrainConfig(
        cell=cell, epochs=epochs, patience=epochs, seed=ctx.seed, batch_size=32
    )


def trained(ctx: Context, name: str):
    """Return the ``TrainResult`` of captioner ``name``, trained once per run.

    Args:
        ctx: The run's context; the result is kept in its cache.
        name: ``"simple"``, ``"lstm"`` or ``"blind"``.

    ``simple`` is the exam's decoder, ``lstm`` the same with an LSTM, and
    ``blind`` the exam's decoder trained with every feature set to zero: it
    never sees an image, so all it can learn is how captions go on. (Shuffled
    features would also carry no information, but a decoder can memorise
    random pairings of features and captions, which adds noise at test time.)
    """
    return ctx.cached(f"captioner:{name}", lambda: _train(ctx, name))


def _train(ctx: Context, name: str):
    from dl2lab.caption.train import fit_captioner

    data = caption_data(ctx)
    features, token_ids = data.pairs["train"]
    val_features, val_ids = data.pairs["val"]
    if name == "blind":
        features, val_features = np.zeros_like(features), np.zeros_like(val_features)
    config = train_config(ctx, cell="lstm" if name == "lstm" else "simple")
    return fit_captioner(
        features, token_ids, val_features, val_ids, config, len(data.vocab)
    )


def teacher_forced(model, features: np.ndarray, token_ids: np.ndarray):
    """Per-token cross-entropy and accuracy with the reference fed as input.

    Args:
        model: A captioner from ``build_captioner``.
        features: float (m, d), one row per caption.
        token_ids: int (m, 20) encoded captions (``<s>`` ... ``<eos>``).

    Returns:
        ``(loss, accuracy, probs)``: mean cross-entropy (nats per word) over
        the non-padding targets, the share of them predicted right, and the
        probs (m, 20, vocab).
    """
    from dl2lab.caption.teacher import PAD_ID, teacher_forcing, token_accuracy

    inputs, targets = teacher_forcing(token_ids)
    probs = np.asarray(
        model.predict(
            {"features": features, "token_ids": inputs}, batch_size=256, verbose=0
        ),
        dtype="float64",
    )
    mask = targets != PAD_ID
    picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
    loss = float(-np.log(np.maximum(picked[mask], 1e-12)).mean())
    accuracy, _ = token_accuracy(targets, probs)
    return loss, accuracy, probs


def unigram_loss(
    train_ids: np.ndarray, token_ids: np.ndarray, vocab_size: int
) -> float:
    """Cross-entropy of the next words under the training word frequencies.

    The baseline that knows no order and no image: every position predicts
    the training distribution of target words (``<eos>`` included), with
    add-one smoothing so unseen words get a finite loss.

    Args:
        train_ids: int (n, max_len) encoded training captions.
        token_ids: int (m, max_len) encoded captions to score.
        vocab_size: Number of ids.

    Returns:
        Mean cross-entropy in nats per word of ``token_ids``' targets.
    """
    from dl2lab.caption.teacher import PAD_ID, teacher_forcing

    _, train_targets = teacher_forcing(train_ids)
    counts = np.bincount(train_targets[train_targets != PAD_ID], minlength=vocab_size)
    probs = (counts + 1.0) / (counts.sum() + vocab_size)
    _, targets = teacher_forcing(token_ids)
    return float(-np.log(probs[targets[targets != PAD_ID]]).mean())


@check("4.3.1", kind="experiment")
def no_teacher_forcing_at_test_time(ctx: Context) -> Outcome:
    """Compare teacher-forced accuracy on test drawings with greedy decoding."""
    from dl2lab.caption.decode import greedy_decode
    from dl2lab.caption.teacher import EOS_ID, PAD_ID, teacher_forcing

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    features, token_ids = data.pairs["test"]
    _, forced, probs = teacher_forced(model, features, token_ids)

    # Free running: the caption the model writes from the image alone,
    # compared word by word with each reference (its <eos> included).
    _, targets = teacher_forcing(token_ids)
    decoded = greedy_decode(model, features)
    written = np.zeros_like(targets)
    for i, caption in enumerate(decoded):
        ids = [*caption.token_ids, EOS_ID][: targets.shape[1]]
        written[i, : len(ids)] = ids
    mask = targets != PAD_ID
    free = float(((written == targets) & mask).sum() / mask.sum())

    # Fed another drawing's caption, the model follows that caption.
    rng = np.random.default_rng(ctx.seed)
    other = token_ids[rng.permutation(len(token_ids))]
    _, _, probs_other = teacher_forced(model, features, other)
    _, other_targets = teacher_forcing(other)
    other_mask = other_targets != PAD_ID
    follows = float(
        ((probs_other.argmax(-1) == other_targets) & other_mask).sum()
        / other_mask.sum()
    )
    gap = forced - free
    # The longest reference without unknown words, as an illustration.
    known = mask.sum(1) * ~(token_ids == 1).any(1)
    example = int(np.argmax(known))
    guesses = [
        data.vocab.id_to_token(i) for i in probs[example].argmax(-1)[mask[example]]
    ]
    return Outcome(
        verdict="False" if gap > 0.05 else "depends",
        condition=None
        if gap > 0.05
        else "teacher forcing adds little here; it still needs the reference",
        evidence={
            "test pairs (unseen emoji, caption)": len(token_ids),
            "word accuracy, teacher forcing (reference fed in)": forced,
            "word accuracy, greedy decoding (image only)": free,
            "leak: teacher forcing minus greedy": gap,
            "accuracy against a wrong caption fed in (model follows it)": follows,
            "example reference": data.vocab.decode(token_ids[example]),
            "example, teacher-forced next-word guesses": " ".join(guesses),
            "example, greedy caption": data.vocab.decode(decoded[example].token_ids),
        },
        reasoning=(
            "Teacher forcing feeds the reference caption, shifted, as the decoder's "
            "input; at test time that caption is what we want to produce, so it "
            "does not exist. Doing it anyway on unseen emoji scores "
            f"{forced:.0%} of next words right against {free:.0%} for captions the "
            f"model writes itself: the extra {gap:.0%} is read from the answer, and "
            f"fed a wrong caption the model follows it ({follows:.0%} of its "
            "words). At test time the decoder must feed back its own words."
        ),
    )


@check("4.3.2", kind="experiment")
def language_without_the_image(ctx: Context) -> Outcome:
    """Train the decoder without images: how much is language structure alone?"""
    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    rng = np.random.default_rng(ctx.seed)
    shuffled = features[rng.permutation(len(features))]
    seeing, blind = trained(ctx, "simple"), trained(ctx, "blind")
    uniform = float(np.log(len(data.vocab)))
    unigram = unigram_loss(data.pairs["train"][1], token_ids, len(data.vocab))
    real, real_acc, _ = teacher_forced(seeing.model, features, token_ids)
    wrong, _, _ = teacher_forced(seeing.model, shuffled, token_ids)
    alone, alone_acc, _ = teacher_forced(
        blind.model, np.zeros_like(features), token_ids
    )
    share = (unigram - alone) / max(unigram - real, 1e-9)
    drops = {
        name: run.history["loss"][0] - run.history["loss"][-1]
        for name, run in (("blind", blind), ("seeing", seeing))
    }

    fig, ax = figures.new_figure()
    names = [
        "uniform",
        "word frequencies",
        "decoder trained\nwithout images",
        "decoder",
        "decoder, test images\nshuffled",
    ]
    values = [uniform, unigram, alone, real, wrong]
    ax.bar(names, values, color=["0.7", "0.7", "tab:orange", "tab:blue", "tab:red"])
    ax.set_ylabel("test loss (nats per word)")
    ax.set_title("Next-word loss on unseen emoji")
    ax.tick_params(axis="x", labelsize=7)
    # Possible if an image-blind decoder both learns real language structure
    # (beats word frequencies on unseen captions by a clear margin) and looks
    # as if it trains normally (its training loss falls at least half as much
    # as the seeing decoder's).
    learns_language = unigram - alone > 0.1
    reach = (
        f"it gets {share:.0%} of the improvement over word frequencies that the "
        "decoder with images gets"
        if share < 1
        else f"its loss ({alone:.2f}) is even lower than the decoder with images "
        f"({real:.2f})"
    )
    looks_trained = drops["blind"] > 0.5 * drops["seeing"]
    return Outcome(
        verdict="True" if learns_language and looks_trained else "False",
        evidence={
            "test loss, uniform over the vocabulary": uniform,
            "test loss, training word frequencies": unigram,
            "test loss, decoder trained without images (language only)": alone,
            "test loss, decoder trained with the images": real,
            "test loss, same decoder given shuffled test images": wrong,
            "share of the decoder's gain over word frequencies reached "
            "without images": share,
            "word accuracy, language only / with images": _pair([alone_acc, real_acc]),
            "training loss drop, language only / with images": _pair(
                [drops["blind"], drops["seeing"]]
            ),
        },
        reasoning=(
            "A decoder trained with all image features set to zero can only learn "
            "how captions go on, yet its training loss falls as a normal one's "
            f"does ({drops['blind']:.2f} nats, against {drops['seeing']:.2f} with "
            f"the images) and on unseen emoji {reach}. "
            "So a captioner can look well trained while capturing little more than "
            "language structure. Shuffling the test images tells them apart: our "
            f"decoder's loss rises from {real:.2f} to {wrong:.2f} nats, so it does "
            "use them."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.2")),
    )


@check("4.3.3", kind="experiment")
def greedy_decoding_works(ctx: Context) -> Outcome:
    """Caption unseen emoji word by word, each word fed back as the next input."""
    from dl2lab.caption.baselines import most_frequent_caption
    from dl2lab.caption.decode import greedy_decode
    from dl2lab.caption.evaluate import score

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    test, vocab = data.splits["test"], data.vocab
    decoded = greedy_decode(model, test.features)
    # The plain definition (re-running the whole model on the prefix) must
    # write the same captions as the incremental decoder.
    first = min(40, len(decoded))
    plain = greedy_decode(model, test.features[:first], stepper="full")
    same = sum(
        a.token_ids == b.token_ids for a, b in zip(decoded[:first], plain, strict=True)
    )
    captions = [vocab.decode(c.token_ids) for c in decoded]
    finished = float(np.mean([c.finished and len(c.token_ids) > 0 for c in decoded]))
    bleu = score(captions, test.references, vocab.tokenize)
    every = [c for refs in data.splits["train"].references for c in refs]
    frequent = score(
        [most_frequent_caption(every)] * len(test), test.references, vocab.tokenize
    )
    evidence = {
        "test drawings (unseen emoji)": len(test),
        "captions ending with <eos>, non-empty": finished,
        "distinct captions": len(set(captions)),
        f"same captions re-running the full model ({first} drawings)": f"{same}"
        f"/{first}",
        "BLEU-1, greedy": bleu[1],
        "BLEU-1, most frequent training caption": frequent[1],
        "BLEU-2, greedy": bleu[2],
    }
    for i in range(min(4, len(test))):
        evidence[f"example {i + 1}"] = (
            f"{captions[i]!r} (reference: {test.references[i][0]!r})"
        )
    works = finished >= 0.9 and same == first and bleu[1] > frequent[1]
    return Outcome(
        verdict="True" if works else "False",
        evidence=evidence,
        reasoning=(
            "Greedy decoding starts from <s>, takes the most probable word, feeds "
            "it back as the next input and stops at <eos>: it needs only the "
            f"image. On unseen emoji {finished:.0%} of the captions end properly, "
            f"with BLEU-1 {bleu[1]:.2f} against {frequent[1]:.2f} for always "
            "writing the most frequent training caption."
        ),
    )


def _bootstrap(values_a, values_b, references, tokenize, n_boot, seed, order):
    """Paired bootstrap over images of BLEU-``order`` (b minus a)."""
    from dl2lab.caption.bleu import corpus_bleu

    hyps_a = [tokenize(c) for c in values_a]
    hyps_b = [tokenize(c) for c in values_b]
    refs = [[tokenize(r) for r in rs] for rs in references]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(refs), len(refs))
        a = corpus_bleu([hyps_a[i] for i in idx], [refs[i] for i in idx])[order]
        b = corpus_bleu([hyps_b[i] for i in idx], [refs[i] for i in idx])[order]
        diffs.append(b - a)
    return np.percentile(diffs, [5, 95])


@check("4.3.4", kind="experiment")
def beam_search_against_greedy(ctx: Context) -> Outcome:
    """Compare beam search (beam 3) with greedy decoding on unseen emoji."""
    from dl2lab.caption.decode import (
        DEFAULT_LENGTH_PENALTY,
        beam_search,
        greedy_decode,
    )
    from dl2lab.caption.evaluate import score

    data = caption_data(ctx)
    model = trained(ctx, "simple").model
    test, vocab = data.splits["test"], data.vocab
    penalty = DEFAULT_LENGTH_PENALTY
    greedy = greedy_decode(model, test.features)
    beam = beam_search(model, test.features, beam_size=3, length_penalty=penalty)
    texts = {
        "greedy": [vocab.decode(c.token_ids) for c in greedy],
        "beam": [vocab.decode(c.token_ids) for c in beam],
    }
    bleu = {k: score(v, test.references, vocab.tokenize) for k, v in texts.items()}
    # The beam's own objective, computed the same way for both decoders.
    mean_lp = {
        name: float(np.mean([c.log_prob / max(c.length, 1) ** penalty for c in got]))
        for name, got in (("greedy", greedy), ("beam", beam))
    }
    words = {
        name: float(np.mean([len(c.token_ids) for c in got]))
        for name, got in (("greedy", greedy), ("beam", beam))
    }
    order = 2
    low, high = _bootstrap(
        texts["greedy"],
        texts["beam"],
        test.references,
        vocab.tokenize,
        100 if ctx.quick else 300,
        ctx.seed,
        order,
    )
    changed = sum(a != b for a, b in zip(texts["greedy"], texts["beam"], strict=True))
    gain = bleu["beam"][order] - bleu["greedy"][order]
    if low > 0:
        verdict, condition = "True", None
    elif high < 0:
        verdict, condition = "False", None
    else:
        verdict = "depends"
        condition = (
            "beam search always finds captions the model scores higher, but "
            "whether they are better captions depends on the model and data; "
            "here the BLEU difference is within noise"
        )
    return Outcome(
        verdict=verdict,
        condition=condition,
        evidence={
            "test drawings (unseen emoji)": len(test),
            "length penalty of the beam (score = log p / length^penalty)": penalty,
            "mean score, greedy": mean_lp["greedy"],
            "mean score, beam 3": mean_lp["beam"],
            "mean words per caption, greedy / beam 3": _pair(words.values(), ".2f"),
            "captions changed by the beam": changed,
            **{
                f"BLEU-{n}, greedy / beam 3": f"{bleu['greedy'][n]:.3f} / "
                f"{bleu['beam'][n]:.3f}"
                for n in (1, 2, 3, 4)
            },
            f"BLEU-{order} gain of the beam": gain,
            f"90% bootstrap interval of the BLEU-{order} gain": f"[{low:+.3f}, "
            f"{high:+.3f}]",
        },
        reasoning=(
            "Greedy decoding commits to the best word at each step; a beam of 3 "
            "keeps three prefixes and finds captions the model scores higher "
            f"(mean length-normalised log-prob {mean_lp['greedy']:.2f} -> "
            f"{mean_lp['beam']:.2f}, {changed} of {len(test)} captions changed). "
            f"On unseen emoji BLEU-{order} moves by {gain:+.3f}, with a 90% "
            f"bootstrap interval of [{low:+.3f}, {high:+.3f}] over the drawings."
        ),
    )


def _rnn_inputs(model, features: np.ndarray, token_ids: np.ndarray) -> np.ndarray:
    """The SimpleRNN's inputs: embedded shifted caption + projected image."""
    from dl2lab.caption.model import EMBEDDING, PROJECTION
    from dl2lab.caption.teacher import teacher_forcing

    inputs, _ = teacher_forcing(token_ids)
    table = np.asarray(model.get_layer(EMBEDDING).embeddings, dtype="float64")
    project = np.asarray(model.get_layer(PROJECTION).kernel, dtype="float64")
    return table[inputs] + (features.astype("float64") @ project)[:, None, :]


@check("4.3.5", kind="experiment")
def longer_sequences_vanish_more(ctx: Context) -> Outcome:
    """Gradient of the last state w.r.t. the first input, by sequence length."""
    import keras

    from dl2lab.caption.model import RNN, build_captioner

    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    # Each sequence costs 20 products of 128x128 matrices: a seeded sample
    # of captions is plenty for a median.
    rng = np.random.default_rng(ctx.seed)
    pick = np.sort(rng.choice(len(features), min(96, len(features)), replace=False))
    features, token_ids = features[pick], token_ids[pick]
    model = trained(ctx, "simple").model
    keras.utils.set_random_seed(ctx.seed)
    initial = build_captioner(features.shape[1], vocab_size=len(data.vocab))
    curves, radius = {}, {}
    for name, net in (("trained", model), ("at initialisation", initial)):
        kernel, recurrent, bias = (
            np.asarray(w, dtype="float64") for w in net.get_layer(RNN).get_weights()
        )
        x = _rnn_inputs(net, features, token_ids)  # (m, 20, 128)
        norms = first_input_gradient_norms(kernel, recurrent, bias, x)
        curves[name] = np.median(norms, axis=0)  # (20,)
        radius[name] = float(np.max(np.abs(np.linalg.eigvals(recurrent))))
    short, long = 5, EXAM_MAX_LEN
    ratio = curves["trained"][short - 1] / curves["trained"][long - 1]

    fig, ax = figures.new_figure()
    lengths = np.arange(1, EXAM_MAX_LEN + 1)
    for name, curve in curves.items():
        ax.semilogy(lengths, curve, "o-", label=f"SimpleRNN(128), {name}")
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("median ||d h_T / d x_1||")
    ax.set_title("Gradient reaching the first word, unseen emoji captions")
    ax.legend()
    if ratio > 2:
        verdict = "False"
    elif ratio < 0.5:
        verdict = "True"
    else:
        verdict = "depends"
    return Outcome(
        verdict=verdict,
        condition=None
        if verdict != "depends"
        else "the gradient norm barely depends on the length here",
        evidence={
            **{
                f"median ||dh_T/dx_1||, trained, T={t}": float(curves["trained"][t - 1])
                for t in (1, 2, short, 10, long)
            },
            f"same at initialisation, T=1 / T={long}": _pair(
                curves["at initialisation"][[0, long - 1]], ".3g"
            ),
            "test captions used (seeded sample)": len(features),
            f"shrink factor from T={short} to T={long}, trained": ratio,
            "spectral radius of the recurrent kernel, trained": radius["trained"],
        },
        reasoning=(
            "Back-propagating from the last state to the first word multiplies "
            "one Jacobian per step (the recurrent kernel times the tanh slopes), "
            "so each extra step can shrink the gradient further. Measured on the "
            f"trained decoder with {len(features)} real captions, the gradient "
            f"reaching the first word is {ratio:,.0f}x smaller for T={long} than "
            f"for T={short} (the kernel's spectral radius is "
            f"{radius['trained']:.1f}, but saturated tanh slopes shrink every "
            "step): vanishing gradients get stronger for longer sequences, not "
            "shorter."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.5")),
    )


@check("4.3.6", kind="experiment")
def lstm_against_simple_rnn(ctx: Context) -> Outcome:
    """Train the decoder with a SimpleRNN and with an LSTM on the same budget."""
    data = caption_data(ctx)
    features, token_ids = data.pairs["test"]
    runs = {"SimpleRNN": trained(ctx, "simple"), "LSTM": trained(ctx, "lstm")}
    test_loss = {
        k: teacher_forced(r.model, features, token_ids)[0] for k, r in runs.items()
    }
    final_train = {k: r.history["loss"][-1] for k, r in runs.items()}
    best_val = {k: min(r.history["val_loss"]) for k, r in runs.items()}
    epochs = len(runs["SimpleRNN"].history["loss"])
    words = float(np.mean(np.isin(token_ids, (0, 2, 3), invert=True).sum(axis=1)))
    # Two full runs on two versions of the emoji set (before and after
    # duplicate line-art drawings were dropped) moved the test-loss gap
    # between the cells by 0.15 nats, from -0.07 to +0.07: smaller gaps are
    # not evidence either way.
    margin = 0.15  # nats per word

    generalises = test_loss["SimpleRNN"] - test_loss["LSTM"]  # > 0: LSTM better
    harder = final_train["LSTM"] - final_train["SimpleRNN"]  # > 0: LSTM harder

    fig, ax = figures.new_figure()
    for (name, run), color in zip(runs.items(), ("tab:blue", "tab:green"), strict=True):
        x = np.arange(1, len(run.history["loss"]) + 1)
        ax.plot(x, run.history["loss"], "-", color=color, label=f"{name} train")
        ax.plot(
            x, run.history["val_loss"], "--", color=color, label=f"{name} validation"
        )
    ax.set_title("Same budget, same captions: SimpleRNN(128) vs LSTM(128)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (nats per word)")
    ax.legend()

    better, worse = generalises > margin, generalises < -margin
    slower, faster = harder > margin, harder < -margin
    if better and slower:
        verdict, condition = "True", None
    elif worse or faster:
        verdict, condition = "False", None
    else:
        verdict = "depends"
        condition = (
            "on the data and the training budget: here "
            + ("the LSTM does fit more slowly, but " if slower else "")
            + f"the held-out losses are within {margin} nats of each other"
            + ("" if slower else ", and so are the training losses")
        )
    summary = {
        "True": "Both halves of the statement hold on this data.",
        "False": "The statement needs both halves, and "
        + (
            "the LSTM generalises worse here."
            if worse
            else "the LSTM trains more easily here."
        ),
        "depends": "Neither cell is clearly better on unseen emoji.",
    }[verdict]
    fit = "more slowly" if slower else ("faster" if faster else "about as fast")
    held = "better" if better else ("worse" if worse else "about as well")
    return Outcome(
        verdict=verdict,
        condition=condition,
        evidence={
            "epochs (same for both)": epochs,
            "final training loss, SimpleRNN / LSTM": _pair(final_train.values()),
            "best validation loss, SimpleRNN / LSTM": _pair(best_val.values()),
            "test loss (unseen emoji), SimpleRNN / LSTM": _pair(test_loss.values()),
            "test-loss advantage of the LSTM (nats)": generalises,
            "training-loss excess of the LSTM (nats)": harder,
            "recurrent parameters, SimpleRNN / LSTM": _pair(
                [r.model.get_layer("rnn").count_params() for r in runs.values()],
                ".0f",
            ),
        },
        reasoning=(
            f"With the same {epochs} epochs on the same captions, the LSTM fits "
            f"the training set {fit} (final loss {final_train['LSTM']:.2f} against "
            f"{final_train['SimpleRNN']:.2f}) and does {held} on unseen emoji (test "
            f"loss {test_loss['LSTM']:.2f} against {test_loss['SimpleRNN']:.2f}). "
            f"{summary} An LSTM's gates carry gradients across many steps (4.3.5 "
            "shows how fast they vanish in the SimpleRNN), which matters for long "
            "dependencies; they are not a regulariser, and with four times the "
            "recurrent weights an LSTM may fit more slowly per epoch. Emoji names "
            f"are short ({words:.1f} words on average), so the gates have little "
            "to act on here."
        ),
        figure=figures.save(fig, ctx.figure_path("4.3.6")),
    )
