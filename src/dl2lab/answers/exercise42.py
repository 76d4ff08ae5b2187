"""Exercise 4.2: the exam's captioning network, inspected and probed.

The inspections build the exam's network the way dl2lab builds it: Keras'
``ResNet50(include_top=True)`` (random weights: shapes and parameter counts do
not depend on them) whose second-to-last layer feeds
:func:`~dl2lab.caption.model.build_captioner` with ``feature_dim=2048``. The
parameter count of 4.3.7 (SimpleRNN against LSTM) is an inspection of the
same network and lives here too.
"""

from __future__ import annotations

import warnings

import numpy as np

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


def format_pair(values, fmt: str = ".3f") -> str:
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
