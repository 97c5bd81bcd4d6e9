"""``Layer.save_own_variables`` / ``load_own_variables``: Keras's default store (keys
"0", "1", ..., trainable variables first) and the extension point it is: a custom
layer that calls ``super()`` and adds its own keys saves and loads them through
``.keras`` files, ours and Keras's."""

import numpy as np
import pytest

import kerasish


def _bn_arrays():
    rng = np.random.default_rng(0)
    return [rng.normal(size=3).astype("float32") for _ in range(4)]


def test_default_store_equals_keras(keras):
    arrays = _bn_arrays()
    ours = kerasish.layers.BatchNormalization()
    ours.build((None, 3))
    ours.set_weights(arrays)
    theirs = keras.layers.BatchNormalization()
    theirs.build((None, 3))
    theirs.set_weights(arrays)
    store_ours, store_theirs = {}, {}
    ours.save_own_variables(store_ours)
    theirs.save_own_variables(store_theirs)
    assert sorted(store_ours) == sorted(store_theirs) == ["0", "1", "2", "3"]
    for key in store_theirs:
        np.testing.assert_array_equal(store_ours[key], np.asarray(store_theirs[key]))
    # and back: Keras's store loads into ours
    fresh = kerasish.layers.BatchNormalization()
    fresh.build((None, 3))
    fresh.load_own_variables({k: np.asarray(v) for k, v in store_theirs.items()})
    for a, b in zip(fresh.get_weights(), arrays):
        np.testing.assert_array_equal(a, b)


def test_a_bad_store_is_refused_and_changes_nothing():
    layer = kerasish.layers.Dense(2)
    layer.build((None, 3))
    before = [w.copy() for w in layer.get_weights()]
    good = {"0": np.ones((3, 2), "float32"), "1": np.ones(2, "float32")}
    with pytest.raises(ValueError, match=r"variable 'bias' has shape \(2,\).*\(5,\)"):
        layer.load_own_variables({"0": good["0"], "1": np.ones(5, "float32")})
    with pytest.raises(ValueError, match=r"has 2 variables \['kernel', 'bias'\].*holds 1"):
        layer.load_own_variables({"0": good["0"]})
    with pytest.raises(ValueError, match=r"no key '1'.*received \['0', 'x'\]"):
        layer.load_own_variables({"0": good["0"], "x": good["1"]})
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="not built yet"):
        kerasish.layers.Dense(2).load_own_variables(good)
    layer.load_own_variables(good)
    np.testing.assert_array_equal(layer.get_weights()[0], good["0"])


def _counting(base):
    """A Dense that counts its eager calls and saves the count beside its weights."""

    class Counting(base.layers.Dense):
        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)
            self.calls = 0

        def call(self, x):
            self.calls += 1
            return super().call(x)

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["calls"] = np.asarray(self.calls, "int64")

        def load_own_variables(self, store):
            self.calls = int(np.asarray(store["calls"]))
            super().load_own_variables({k: store[k] for k in store.keys() if k != "calls"})

    return Counting


def _model(base, counting):
    model = base.Sequential([base.Input((3,)), counting(2, name="counting")])
    model.layers[0].set_weights([np.arange(6, dtype="float32").reshape(3, 2),
                                 np.array([0.5, -0.5], "float32")])
    for _ in range(3):
        model.layers[0](np.ones((1, 3), "float32"))
    return model


@pytest.mark.parametrize("writer", ["kerasish", "keras"])
def test_custom_keys_move_through_keras_files(keras, tmp_path, writer):
    ours_cls, theirs_cls = _counting(kerasish), _counting(keras)
    path = str(tmp_path / "counting.keras")
    if writer == "kerasish":
        source = _model(kerasish, ours_cls)
    else:
        source = _model(keras, theirs_cls)
    source.save(path)
    expected = [np.asarray(w) for w in source.layers[0].get_weights()]
    assert source.layers[0].calls == 3
    loaded = kerasish.models.load_model(path, custom_objects={"Counting": ours_cls})
    assert loaded.layers[0].calls == 3
    for a, b in zip(loaded.layers[0].get_weights(), expected):
        np.testing.assert_array_equal(a, b)
    if writer == "kerasish":  # and Keras reads our file
        back = keras.models.load_model(path, custom_objects={"Counting": theirs_cls})
        assert back.layers[0].calls == 3
        for a, b in zip(back.layers[0].get_weights(), expected):
            np.testing.assert_array_equal(np.asarray(a), b)
