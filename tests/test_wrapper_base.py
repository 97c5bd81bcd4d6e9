"""``kerasish.layers.Wrapper``: a user's wrapper layer behaves as Keras's (weights,
paths, outputs, config), and the built-in wrappers are Wrappers."""

import numpy as np
import pytest

import kerasish


def _scaled(base):
    class Scaled(base.layers.Wrapper):
        """Multiplies the wrapped layer's output by a trainable scalar."""

        def build(self, input_shape):
            super().build(input_shape)
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, inputs):
            return self.scale * self.layer(inputs)

    return Scaled


def test_a_user_wrapper_matches_keras(keras, tmp_path):
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    kernel = np.arange(6, dtype="float32").reshape(3, 2) / 6
    results = {}
    for base in (kerasish, keras):
        layer = _scaled(base)(base.layers.Dense(2, name="inner"), name="scaled")
        out = layer(x)
        layer.layer.set_weights([kernel, np.array([0.1, -0.1], "float32")])
        layer.scale.assign(2.0)
        results[base.__name__] = (np.asarray(layer(x)), [w.path for w in layer.weights],
                                  [w.shape for w in layer.weights], layer.get_config())
        assert out.shape == (4, 2)
    ours, theirs = results["kerasish"], results["keras"]
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert sorted(ours[1]) == sorted(theirs[1])
    assert ours[3]["layer"]["class_name"] == theirs[3]["layer"]["class_name"] == "Dense"
    assert ours[3]["layer"]["config"]["units"] == 2


def test_from_config_and_keras_file_round_trip(keras, tmp_path):
    ours_cls, theirs_cls = _scaled(kerasish), _scaled(keras)
    model = keras.Sequential([keras.Input((3,)), theirs_cls(keras.layers.Dense(2), name="s")])
    model.layers[0].scale.assign(3.0)
    path = str(tmp_path / "wrapped.keras")
    model.save(path)
    x = np.ones((2, 3), "float32")
    loaded = kerasish.models.load_model(path, custom_objects={"Scaled": ours_cls})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    again = ours_cls.from_config(loaded.layers[0].get_config())
    assert isinstance(again.layer, kerasish.layers.Dense) and not again.built


def test_builtin_wrappers_are_wrappers_and_bad_input_is_refused():
    lstm = kerasish.layers.LSTM(2)
    assert isinstance(kerasish.layers.Bidirectional(lstm), kerasish.layers.Wrapper)
    assert isinstance(kerasish.layers.TimeDistributed(kerasish.layers.Dense(2)),
                      kerasish.layers.Wrapper)
    with pytest.raises(ValueError, match=r"pass a `kerasish.layers.Layer`.*type str"):
        _scaled(kerasish)("dense")
