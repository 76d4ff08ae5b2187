"""The Keras topic models: shapes, masking, the cnn length check, saving."""

import dl2lab  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

# isort: split

import keras
import numpy as np
import pytest

from dl2lab.errors import Dl2labError
from dl2lab.topics.models import (
    KERAS_MODELS,
    MaskedAveragePooling1D,
    build_model,
    cnn_min_len,
)


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_every_model_gives_distributions_even_for_all_padding(name):
    keras.utils.set_random_seed(0)
    model = build_model(name, 300, 20, 4, embedding_dim=8)
    token_ids = np.random.default_rng(0).integers(1, 300, size=(3, 20)).astype("int32")
    token_ids[0] = 0  # a text that cleaned to nothing
    probs = np.asarray(model.predict(token_ids, verbose=0))
    assert probs.shape == (3, 4)
    assert np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_masked_average_ignores_padding_and_never_divides_by_zero():
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    mask = np.array([[True, True, False, False], [False, False, False, False]])
    pooled = np.asarray(MaskedAveragePooling1D()(x, mask=mask))
    np.testing.assert_allclose(pooled[0], (x[0, 0] + x[0, 1]) / 2)
    np.testing.assert_array_equal(pooled[1], np.zeros(3))


def test_average_model_matches_a_hand_computed_mean_over_real_tokens():
    keras.utils.set_random_seed(1)
    model = build_model("average", 50, 6, 3, embedding_dim=4)
    table = model.get_layer("embedding").embeddings.numpy()
    kernel, bias = (w.numpy() for w in model.get_layer("probs").weights)
    row = np.array([[7, 9, 11, 0, 0, 0]], dtype="int32")
    logits = table[[7, 9, 11]].mean(axis=0) @ kernel + bias
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(model.predict(row, verbose=0)[0], expected, rtol=1e-5)


def test_exam_sized_models_have_the_hand_counted_parameters():
    # Embedding 20000*5; Dense 5*4+4.
    assert build_model("average", 20000, 50, 4, embedding_dim=5).count_params() == (
        100_000 + 24
    )
    # LSTM 4*(128*(5+128)+128); Dense(100) 128*100+100; softmax 100*4+4.
    lstm = build_model("lstm", 20000, 50, 4, embedding_dim=5, dense_activation=None)
    assert lstm.count_params() == 100_000 + 68_608 + 12_900 + 404
    assert lstm.get_layer("dense_final").get_config()["activation"] == "linear"
    relu = build_model("lstm", 20000, 50, 4, embedding_dim=5)
    assert relu.get_layer("dense_final").get_config()["activation"] == "relu"


def test_transformer_pooled_vector_ignores_extra_trailing_padding():
    keras.utils.set_random_seed(2)
    model = build_model("transformer", 100, 32, 4, embedding_dim=16, num_heads=2)
    pooled = keras.Model(model.input, model.get_layer("pool").output)
    tokens = [5, 17, 42, 8]
    bare = np.array([tokens], dtype="int32")
    short = np.array([tokens + [0] * 4], dtype="int32")
    long = np.array([tokens + [0] * 28], dtype="int32")
    reference = np.asarray(pooled(bare))
    # Equal up to float rounding (XLA may sum a longer axis in another order).
    np.testing.assert_allclose(np.asarray(pooled(short)), reference, atol=2e-6)
    np.testing.assert_allclose(np.asarray(pooled(long)), reference, atol=2e-6)
    # ...while a real token in the same place does change it.
    other = np.array([tokens + [9] + [0] * 27], dtype="int32")
    assert np.abs(np.asarray(pooled(other)) - reference).max() > 1e-3


def test_cnn_refuses_a_max_len_too_short_and_names_the_shortest():
    # By hand, kernel 5 and pool 2: 16 -> 12 -> 6 -> 2 -> 1 step left;
    # 15 -> 11 -> 5 -> 1 -> nothing for the second pooling.
    assert cnn_min_len() == 16
    with pytest.raises(Dl2labError, match=r"'pool2'.*1 time step.*shortest max_len "
                       r"that works is 16"):  # fmt: skip
        build_model("cnn", 100, 15, 4)
    with pytest.raises(Dl2labError, match=r"'conv2' would receive 4 time step"):
        build_model("cnn", 100, 13, 4)
    with pytest.raises(Dl2labError, match=r"'conv1' would receive 3"):
        build_model("cnn", 100, 3, 4)
    model = build_model("cnn", 100, 16, 4, filters=8)
    assert model.get_layer("flatten1").output.shape[-1] == 8


def test_bad_builder_arguments_are_named():
    with pytest.raises(Dl2labError, match="unknown Keras model 'gru'"):
        build_model("gru", 100, 20, 4)
    with pytest.raises(Dl2labError, match="unknown hyper-parameter.*units.*'average'"):
        build_model("average", 100, 20, 4, units=3)
    with pytest.raises(Dl2labError, match="`n_classes` must be an integer >= 2; got 1"):
        build_model("average", 100, 20, 1)


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_saved_model_reloads_in_safe_mode(tmp_path, name):
    keras.utils.set_random_seed(3)
    model = build_model(name, 120, 20, 3, embedding_dim=8)
    token_ids = np.random.default_rng(1).integers(0, 120, size=(4, 20)).astype("int32")
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_array_equal(
        again.predict(token_ids, verbose=0), model.predict(token_ids, verbose=0)
    )
