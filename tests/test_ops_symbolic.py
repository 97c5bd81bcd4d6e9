"""Ops and operators on symbolic tensors: graph nodes of functional models that
infer shapes, train, predict, and save to ``.keras`` files that Keras 3 loads (and
back), with Keras's own config entries for op nodes."""

import numpy as np
import pytest

import kerasish
from kerasish import layers, ops


def _build(lib, seed_weights=None):
    """The same graph in Keras or kerasish: ops, operators, and Dense layers."""
    K = lib
    a = K.Input((4,), name="a")
    b = K.Input((4, 3), name="b")
    h = K.layers.Dense(3, name="d1")(K.ops.normalize(a))
    pooled = K.ops.mean(b, axis=1)
    joined = K.ops.concatenate([h, pooled], axis=-1)
    mixed = joined * 2.0 + K.ops.sum(b[:, 0], axis=-1, keepdims=True)
    out = K.layers.Dense(1, name="d2")(K.ops.relu(mixed) - 0.5)
    return K.Model([a, b], out)


def _data():
    r = np.random.default_rng(0)
    return [r.normal(size=(6, 4)).astype("float32"), r.normal(size=(6, 4, 3)).astype("float32")]


def _copy_weights(src, dst):
    for name in ("d1", "d2"):
        dst.get_layer(name).set_weights(
            [np.asarray(w) for w in src.get_layer(name).get_weights()])


def test_output_shapes_and_dtypes_are_inferred():
    x = kerasish.Input((4, 3))
    assert ops.mean(x, axis=1).shape == (None, 3)
    assert ops.reshape(x, (-1, 6)).shape == (None, 6)
    assert ops.concatenate([x, x], axis=0).shape == (None, 4, 3)
    assert x[:, 0].shape == (None, 3)
    assert (x > 0).dtype == "bool"
    assert ops.cast(x, "int32").dtype == "int32"
    assert ops.argmax(x, axis=-1).dtype == "int32"
    assert ops.shape(x) == (None, 4, 3)
    assert ops.matmul(x, np.ones((3, 5), "float32")).shape == (None, 4, 5)


def test_op_nodes_are_not_layers_and_graph_matches_kerass(keras):
    ours, theirs = _build(kerasish), _build(keras)
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers
                                               if type(la).__name__ != "InputLayer"] \
        or [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    ours_ops = [(e["class_name"], {k: v for k, v in e["config"].items() if k != "name"})
                for e in ours.get_config()["layers"] if e["module"].startswith("keras.src.ops")]
    their_ops = [(e["class_name"], {k: v for k, v in e["config"].items() if k != "name"})
                 for e in theirs.get_config()["layers"]
                 if e["module"].startswith("keras.src.ops")]
    assert ours_ops == their_ops


def test_predictions_and_training_match_keras(keras):
    ours, theirs = _build(kerasish), _build(keras)
    _copy_weights(theirs, ours)
    x = _data()
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
    y = np.linspace(-1, 1, 6).astype("float32")[:, None]
    ours.compile(optimizer=kerasish.optimizers.SGD(0.1), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    h1 = ours.fit(x, y, epochs=3, batch_size=3, shuffle=False, verbose=0).history["loss"]
    h2 = theirs.fit(x, y, epochs=3, batch_size=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_kerasish_file_loads_in_keras_and_back(keras, tmp_path):
    model = _build(kerasish)
    x = _data()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "ops.keras")
    in_keras = keras.saving.load_model(tmp_path / "ops.keras")
    np.testing.assert_allclose(in_keras.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    in_keras.save(tmp_path / "back.keras")
    again = kerasish.saving.load_model(tmp_path / "back.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert [e["class_name"] for e in again.get_config()["layers"]] == \
        [e["class_name"] for e in in_keras.get_config()["layers"]]


def test_keras_file_with_ops_loads_in_kerasish(keras, tmp_path):
    model = _build(keras)
    x = _data()
    model.save(tmp_path / "k.keras")
    ours = kerasish.saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


_SLOW = [pytest.mark.slow]


@pytest.mark.parametrize("make", [
    pytest.param(lambda K, x: K.ops.normalize(x, axis=-1, order=2), id="normalize"),
    pytest.param(lambda K, x: K.ops.where(x > 0, x, 0.1 * x), id="where", marks=_SLOW),
    pytest.param(lambda K, x: K.ops.take(x, np.array([2, 0]), axis=1), id="take",
                 marks=_SLOW),
    pytest.param(lambda K, x: K.ops.clip(x, -0.5, 0.5) ** 2, id="clip_pow", marks=_SLOW),
    pytest.param(lambda K, x: K.ops.tensordot(x, np.ones((4, 2), "float32"), axes=1),
                 id="tensordot", marks=_SLOW),
    pytest.param(lambda K, x: K.ops.expand_dims(-x, 1)[..., 1:], id="getitem_ellipsis",
                 marks=_SLOW),
])
def test_one_op_model_round_trips_with_keras(keras, tmp_path, make):
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    theirs = keras.Model(i := keras.Input((4,)), make(keras, i))
    ours = kerasish.Model(j := kerasish.Input((4,)), make(kerasish, j))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    ours.save(tmp_path / "o.keras")
    loaded = keras.saving.load_model(tmp_path / "o.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_multi_output_ops_on_symbolic_tensors_are_refused_clearly():
    x = kerasish.Input((4,))
    with pytest.raises(NotImplementedError, match="top_k"):
        ops.top_k(x, 2)


def test_lambda_free_model_summary_and_clone():
    x = kerasish.Input((3,))
    y = layers.Dense(2)(ops.square(x) + 1.0)
    model = kerasish.Model(x, y)
    assert model.count_params() == 8
    assert model.output_shape == (None, 2)
