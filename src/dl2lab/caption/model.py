"""The exam's captioning decoder (Exercise 4.1), fixed to predict every word.

The exam's network projects the image features to 128 numbers with a linear
map (``Dense(128, use_bias=False)``), repeats them at each of the 20 positions
(``RepeatVector(20)``), adds them to the embedding of the shifted caption
(``Embedding(1000, 128)``), runs a ``SimpleRNN(128)`` and a softmax over 1000
words. As written in the exam, the ``SimpleRNN`` returns only its last state,
so that model predicts a single word per caption; teacher forcing needs one
prediction per position. :func:`build_captioner` fixes this with
``return_sequences=True``: the output is a softmax over the vocabulary at every
one of the ``max_len`` positions.

The image features come from a pretrained CNN computed beforehand
(:mod:`dl2lab.vision`), so the Keras model here is the decoder alone: inputs
``features`` (n, feature_dim) and ``token_ids`` (n, max_len), output ``probs``
(n, max_len, vocab_size). Only built-in layers are used, so a saved model
reloads with ``safe_mode=True`` and no custom code.

Two variants beyond the exam: the recurrent cell can be an LSTM or a GRU, and
the image can condition the decoder through its initial state instead of being
added at every step.
"""

from __future__ import annotations

import keras

from dl2lab.errors import Dl2labError

CELLS = ("simple", "lstm", "gru")
CONDITIONS = ("every-step", "initial-state")

# Layer names the incremental decoder (dl2lab.caption.decode) looks up.
FEATURES_INPUT = "features"
TOKENS_INPUT = "token_ids"
PROJECTION = "project_features"
CARRY_PROJECTION = "project_carry"
EMBEDDING = "embedding"
RNN = "rnn"
OUTPUT = "probs"

_RNN_LAYERS = {
    "simple": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def _check(name: str, value, expected: str, ok: bool) -> None:
    if not ok:
        raise Dl2labError(f"`{name}` must be {expected}; got {value!r}")


def build_captioner(
    feature_dim: int,
    vocab_size: int = 1000,
    max_len: int = 20,
    embedding_dim: int = 128,
    cell: str = "simple",
    condition: str = "every-step",
    dropout: float = 0.0,
) -> keras.Model:
    """Build the exam's RNN caption decoder, predicting one word per position.

    With the defaults this is the exam's model for 2048-d ResNet50 features
    (pass ``feature_dim=1280`` for EfficientNet-Lite0), with the exam's bug
    fixed: the ``SimpleRNN`` returns its whole output sequence, not only its
    last state, so every position gets its own softmax.

    Args:
        feature_dim: Size of the image features (1280 or 2048 for the two
            backbones; any positive size works).
        vocab_size: Number of token ids (the caption vocabulary's size).
        max_len: Positions per caption, ``<s>`` and ``<eos>`` included.
        embedding_dim: Size of the word embedding, of the projected image
            features and of the recurrent state (128 in the exam).
        cell: ``"simple"`` (the exam's ``SimpleRNN``), ``"lstm"`` or ``"gru"``.
        condition: ``"every-step"`` (the exam: the projected features are
            added to the word embedding at each position) or
            ``"initial-state"`` (they become the recurrent state before the
            first word; an LSTM gets a second projection for its carry).
        dropout: Rate of the dropout applied to the recurrent input and to
            its output during training; 0 disables it.

    Returns:
        An uncompiled ``keras.Model`` with inputs ``features`` (n,
        feature_dim) and ``token_ids`` (n, max_len) and output ``probs``
        (n, max_len, vocab_size).

    Raises:
        Dl2labError: If an argument is out of range.
    """
    for name, value in (
        ("feature_dim", feature_dim),
        ("vocab_size", vocab_size),
        ("max_len", max_len),
        ("embedding_dim", embedding_dim),
    ):
        _check(
            name,
            value,
            "a positive integer",
            isinstance(value, int) and not isinstance(value, bool) and value > 0,
        )
    _check("vocab_size", vocab_size, "at least 5 (4 special tokens)", vocab_size >= 5)
    _check("max_len", max_len, "at least 2 (<s> and <eos>)", max_len >= 2)
    _check("cell", cell, f"one of {', '.join(CELLS)}", cell in CELLS)
    _check(
        "condition",
        condition,
        f"one of {', '.join(CONDITIONS)}",
        condition in CONDITIONS,
    )
    _check(
        "dropout",
        dropout,
        "a number in [0, 1)",
        isinstance(dropout, int | float) and 0 <= dropout < 1,
    )

    features = keras.Input(shape=(feature_dim,), name=FEATURES_INPUT)
    token_ids = keras.Input(shape=(max_len,), dtype="int32", name=TOKENS_INPUT)

    # The exam's linear projection: no bias, features -> embedding_dim.
    projected = keras.layers.Dense(embedding_dim, use_bias=False, name=PROJECTION)(
        features
    )  # (n, embedding_dim)
    embedded = keras.layers.Embedding(vocab_size, embedding_dim, name=EMBEDDING)(
        token_ids
    )  # (n, max_len, embedding_dim)

    initial_state = None
    if condition == "every-step":
        repeated = keras.layers.RepeatVector(max_len, name="repeat_features")(projected)
        rnn_input = keras.layers.Add(name="add_features")([embedded, repeated])
    else:
        rnn_input = embedded
        initial_state = [projected]
        if cell == "lstm":
            carry = keras.layers.Dense(
                embedding_dim, use_bias=False, name=CARRY_PROJECTION
            )(features)
            initial_state = [projected, carry]

    if dropout > 0:
        rnn_input = keras.layers.Dropout(dropout, name="input_dropout")(rnn_input)
    # return_sequences=True is the fix: the exam's SimpleRNN(128) kept only the
    # last state and so could not predict a word at every position.
    sequence = _RNN_LAYERS[cell](embedding_dim, return_sequences=True, name=RNN)(
        rnn_input, initial_state=initial_state
    )  # (n, max_len, embedding_dim)
    if dropout > 0:
        sequence = keras.layers.Dropout(dropout, name="output_dropout")(sequence)
    probs = keras.layers.Dense(vocab_size, activation="softmax", name=OUTPUT)(sequence)
    return keras.Model(
        inputs={FEATURES_INPUT: features, TOKENS_INPUT: token_ids},
        outputs=probs,
        name=f"captioner_{cell}_{condition.replace('-', '_')}",
    )


def describe(model: keras.Model) -> dict:
    """Return the shape settings of a model built by :func:`build_captioner`.

    Args:
        model: A captioner, freshly built or reloaded from a ``.keras`` file.

    Returns:
        A dict with ``feature_dim``, ``vocab_size``, ``max_len``,
        ``embedding_dim``, ``cell`` and ``condition``.
    """
    rnn = model.get_layer(RNN)
    cell = {"SimpleRNN": "simple", "LSTM": "lstm", "GRU": "gru"}[type(rnn).__name__]
    names = {layer.name for layer in model.layers}
    return {
        "feature_dim": int(model.get_layer(FEATURES_INPUT).output.shape[-1]),
        "vocab_size": int(model.get_layer(OUTPUT).units),
        "max_len": int(model.get_layer(TOKENS_INPUT).output.shape[-1]),
        "embedding_dim": int(model.get_layer(EMBEDDING).output_dim),
        "cell": cell,
        "condition": "every-step" if "add_features" in names else "initial-state",
    }
