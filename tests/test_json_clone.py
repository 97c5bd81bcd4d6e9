"""Configs as JSON and model copies, against Keras 3: ``to_json`` / ``model_from_json``
both ways, ``clone_model`` (new weights, same config, compiled as Keras compiles a
clone; ``clone_function``, ``call_function``, ``input_tensors``, ``recursive``), the
custom-object registry and scopes, and a registered custom activation in files."""

import json
import threading
import warnings

import h5py
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import saving

L = kerasish.layers


def sequential(lib):
    ly = lib.layers
    return lib.Sequential([lib.Input((6,)), ly.Dense(8, activation="relu", name="d1"),
                           ly.BatchNormalization(name="bn"), ly.Dropout(0.1, name="drop"),
                           ly.Dense(2, activation="softmax", name="d2")], name="seq")


def functional(lib):
    ly = lib.layers
    a, b = lib.Input((6,), name="a"), lib.Input((3,), name="b")
    shared = ly.Dense(4, activation="tanh", name="shared")
    h = ly.Concatenate(name="cat")([shared(ly.Dense(4, name="pa")(a)),
                                    shared(ly.Dense(4, name="pb")(b))])
    return lib.Model([a, b], ly.Dense(1, name="out")(h), name="fun")


@pytest.fixture(scope="module")
def xs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 6)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")


def architecture(model):
    """(class, config without the name) of every layer, in order."""
    out = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name", "dtype")}
        out.append((type(layer).__name__, json.dumps(config, sort_keys=True, default=str)))
    return out


def copy_weights(source, target):
    """By layer and weight name (the two libraries list a functional model's weights
    in different orders)."""
    def key(v):
        return tuple(v.path.split("/")[-2:])

    by_key = {key(v): v for v in source.weights}
    for t in target.weights:
        s = by_key[key(t)]
        t.assign(np.asarray(s.numpy() if hasattr(s, "numpy") else s))


# ------------------------------------------------------------------------ JSON

@pytest.mark.parametrize("build", [sequential, functional])
def test_to_json_loads_in_keras_and_back(keras, xs, build):
    ours = build(kerasish)
    text = ours.to_json()
    assert json.loads(text)["class_name"] == json.loads(build(keras).to_json())["class_name"]
    theirs = keras.models.model_from_json(text)
    assert [type(la).__name__ for la in theirs.layers] == \
        [type(la).__name__ for la in build(keras).layers]
    copy_weights(ours, theirs)
    x = xs[0] if build is sequential else list(xs)
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    again = kerasish.models.model_from_json(theirs.to_json())
    assert architecture(again) == architecture(ours)
    assert [la.name for la in again.layers] == [la.name for la in ours.layers]
    assert ours.to_json(indent=2).startswith('{\n  "module"')  # kwargs go to json.dumps


def test_model_from_json_compiles_as_keras_does(keras):
    ours = sequential(kerasish)
    ours.compile(optimizer=kerasish.optimizers.Adam(0.02), loss="categorical_crossentropy",
                 metrics=["accuracy"])
    theirs = sequential(keras)
    theirs.compile(optimizer=keras.optimizers.Adam(0.02), loss="categorical_crossentropy",
                   metrics=["accuracy"])
    from_ours = kerasish.models.model_from_json(ours.to_json())
    from_theirs = keras.models.model_from_json(theirs.to_json())
    assert from_ours.compiled == from_theirs.compiled is True
    assert from_ours.optimizer is not ours.optimizer
    assert from_ours.optimizer.get_config()["learning_rate"] == pytest.approx(0.02)
    assert from_ours.get_compile_config()["loss"] == "categorical_crossentropy"
    with pytest.raises(ValueError, match="model_from_json expects the JSON string"):
        kerasish.models.model_from_json("{not json")
    with pytest.raises(ValueError, match="does not describe a model .* Dense"):
        kerasish.models.model_from_json(json.dumps(saving.serialize_keras_object(L.Dense(2))))


# ---------------------------------------------------------------------- clone

@pytest.mark.parametrize("build", [sequential, functional])
def test_clone_has_same_config_new_weights_and_compile_as_keras(keras, xs, build):
    ours, theirs = build(kerasish), build(keras)
    ours.compile(optimizer="adam", loss="mse")
    theirs.compile(optimizer="adam", loss="mse")
    clone = kerasish.models.clone_model(ours)
    keras_clone = keras.models.clone_model(theirs)
    assert type(clone) is type(ours) and clone.name == ours.name
    assert architecture(clone) == architecture(ours)
    assert [type(la).__name__ for la in clone.layers] == [type(la).__name__ for la in ours.layers]
    assert len(clone.weights) == len(ours.weights) == len(theirs.weights)
    assert all(c is not o for c, o in zip(clone.weights, ours.weights))
    kernels = [(c, o) for c, o in zip(clone.weights, ours.weights) if c.name == "kernel"]
    assert kernels and all(not np.array_equal(c.numpy(), o.numpy()) for c, o in kernels)
    # Keras 3 compiles a clone as the original (its own optimizer object).
    assert clone.compiled == keras_clone.compiled is True
    assert clone.optimizer is not ours.optimizer
    assert type(clone.optimizer).__name__ == type(keras_clone.optimizer).__name__ == "Adam"
    x = xs[0] if build is sequential else list(xs)
    copy_weights(ours, clone)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), ours.predict(x, verbose=0))
    uncompiled = kerasish.models.clone_model(build(kerasish))
    assert not uncompiled.compiled


def test_clone_function_call_function_input_tensors_and_recursive(xs):
    ours = functional(kerasish)
    shared = ours.get_layer("shared")
    assert len([la for la in ours.layers if la is shared]) == 1
    # A shared layer is cloned once, and stays shared in the copy.
    clone = kerasish.models.clone_model(ours)
    assert len([la for la in clone.layers if la.name == "shared"]) == 1

    wider = kerasish.models.clone_model(ours, clone_function=lambda layer: (
        L.Dense(7, name=layer.name) if layer.name == "pa" else
        layer.__class__.from_config(layer.get_config())))
    assert wider.get_layer("pa").units == 7

    def add_dropout(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return L.Dropout(0.5)(out) if layer.name == "out" else out

    reused = kerasish.models.clone_model(ours, clone_function=lambda layer: layer,
                                         call_function=add_dropout)
    assert reused.get_layer("shared") is shared
    assert type(reused.layers[-1]).__name__ == "Dropout"
    np.testing.assert_array_equal(reused.predict(list(xs), verbose=0),
                                  ours.predict(list(xs), verbose=0))  # Dropout: inference

    new_inputs = [kerasish.Input((6,), name="a2"), kerasish.Input((3,), name="b2")]
    on_new = kerasish.models.clone_model(ours, input_tensors=new_inputs)
    assert [t._keras_history[0].name for t in on_new.inputs] == ["a2", "b2"]

    inner = sequential(kerasish)
    outer = kerasish.Sequential([kerasish.Input((6,)), inner, L.Dense(1)])
    shallow = kerasish.models.clone_model(outer, clone_function=lambda layer: layer)
    assert shallow.layers[0] is inner
    deep = kerasish.models.clone_model(outer, clone_function=lambda layer: layer.__class__
                                       .from_config(layer.get_config()), recursive=True)
    assert deep.layers[0] is not inner
    assert [la.name for la in deep.layers[0].layers] == [la.name for la in inner.layers]

    with pytest.raises(ValueError, match="`call_function` argument is not supported with "
                                         "Sequential"):
        kerasish.models.clone_model(inner, call_function=add_dropout)
    with pytest.raises(ValueError, match="`input_tensors` must contain a single tensor"):
        kerasish.models.clone_model(inner, input_tensors=new_inputs)
    with pytest.raises(ValueError, match="clone_model expects a kerasish Model"):
        kerasish.models.clone_model(L.Dense(2))
    with pytest.raises(TypeError, match="Did you mean `clone_function`"):
        kerasish.models.clone_model(inner, clone_fn=lambda la: la)


# ---------------------------------------------------- custom objects and scopes

class Doubler(kerasish.layers.Layer):  # deliberately not registered
    def call(self, x):
        return 2 * x

    def get_config(self):
        return super().get_config()


def doubler_json():
    model = kerasish.Sequential([kerasish.Input((3,)), Doubler(name="dbl")])
    return model.to_json()


def test_custom_object_scope_and_get_custom_objects(xs):
    text = doubler_json()
    with pytest.raises(ValueError, match="Could not locate class 'Doubler'"):
        kerasish.models.model_from_json(text)
    with saving.custom_object_scope({"Doubler": Doubler}) as scope:
        assert isinstance(scope, saving.CustomObjectScope)
        assert isinstance(kerasish.models.model_from_json(text).layers[0], Doubler)
        with saving.CustomObjectScope({}):  # an inner scope replaces the outer (Keras)
            assert saving.get_registered_object("Doubler") is None
        assert saving.get_registered_object("Doubler") is Doubler
    assert saving.get_registered_object("Doubler") is None

    seen = []
    with saving.custom_object_scope({"Doubler": Doubler}):
        worker = threading.Thread(target=lambda: seen.append(saving.get_registered_object("Doubler")))
        worker.start()
        worker.join()
    assert seen == [None]  # scopes are per thread, as in Keras

    assert kerasish.models.model_from_json(text, custom_objects={"Doubler": Doubler})
    saving.get_custom_objects()["Doubler"] = Doubler
    try:
        assert isinstance(kerasish.models.model_from_json(text).layers[0], Doubler)
    finally:
        del saving.get_custom_objects()["Doubler"]
    with pytest.raises(TypeError, match="takes a dict"):
        saving.custom_object_scope(["Doubler"])


# ------------------------------------------------------ a registered activation

@saving.register_keras_serializable(package="tests_json")
def scaled_tanh(x):
    return 2.0 * jnp.tanh(x)


@pytest.fixture(scope="module")
def keras_scaled_tanh(keras):
    @keras.saving.register_keras_serializable(package="tests_json")
    def scaled_tanh(x):
        return 2.0 * keras.ops.tanh(x)

    return scaled_tanh


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_file_with_registered_activation_loads(keras, keras_scaled_tanh, tmp_path, xs,
                                                     suffix):
    assert saving.get_registered_name(scaled_tanh) == "tests_json>scaled_tanh"
    assert saving.get_custom_objects()["tests_json>scaled_tanh"] is scaled_tanh
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation=keras_scaled_tanh)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.save(tmp_path / f"m{suffix}")
        ours = kerasish.models.load_model(tmp_path / f"m{suffix}")
    assert ours.layers[0].activation is scaled_tanh
    np.testing.assert_allclose(ours.predict(xs[0], verbose=0), theirs.predict(xs[0], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_tf_keras_2_file_names_a_registered_activation_by_string(tmp_path, xs):
    # tf.keras 2 wrote a registered function as its name: "package>name".
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 3, "dtype": "float32",
                                           "batch_input_shape": [None, 6],
                                           "activation": "tests_json>scaled_tanh"}}]}}
    kernel, bias = np.ones((6, 3), "float32") / 6, np.zeros(3, "float32")
    with h5py.File(tmp_path / "tf2.h5", "w") as f:
        f.attrs["keras_version"], f.attrs["backend"] = "2.15.0", "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"d"]
        group.create_group("d").attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        group["d/d/kernel:0"], group["d/d/bias:0"] = kernel, bias
    with pytest.warns(UserWarning, match="No training configuration"):
        ours = kerasish.models.load_model(tmp_path / "tf2.h5")
    assert ours.layers[0].activation is scaled_tanh
    np.testing.assert_allclose(ours.predict(xs[0], verbose=0),
                               2 * np.tanh(xs[0] @ kernel), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_kerasish_saves_a_registered_activation(keras, keras_scaled_tanh, tmp_path, xs,
                                                suffix):
    ours = kerasish.Sequential([kerasish.Input((6,)), L.Dense(3, activation=scaled_tanh)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.save(tmp_path / f"m{suffix}")
    again = kerasish.models.load_model(tmp_path / f"m{suffix}")
    assert again.layers[0].activation is scaled_tanh
    theirs = keras.models.load_model(tmp_path / f"m{suffix}")
    np.testing.assert_allclose(theirs.predict(xs[0], verbose=0), ours.predict(xs[0], verbose=0),
                               rtol=1e-5, atol=1e-6)
