"""``JaxLayer`` against Keras 3's: the same plain-JAX functions and params give the
same outputs, the same training under ``fit``, the same state updates and keys, the same
weight order and the same refusals; files saved by either library load in the other."""

import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish.layers.jax_layer import JaxLayer


# -- a two-layer MLP as plain JAX functions ---------------------------------------------
@kerasish.saving.register_keras_serializable(package="test_jax_layer")
def mlp_init(rng, inputs):
    k1, k2 = jax.random.split(rng)
    d = inputs.shape[-1]
    return {"hidden": {"w": jax.random.normal(k1, (d, 5)) * 0.5, "b": jnp.zeros(5)},
            "out": {"w": jax.random.normal(k2, (5, 2)) * 0.5, "b": jnp.full((2,), 0.1)}}


@kerasish.saving.register_keras_serializable(package="test_jax_layer")
def mlp_call(params, inputs):
    h = jax.nn.relu(inputs @ params["hidden"]["w"] + params["hidden"]["b"])
    return h @ params["out"]["w"] + params["out"]["b"]


def mlp_params():
    return jax.tree_util.tree_map(np.asarray, mlp_init(jax.random.PRNGKey(0), jnp.ones((1, 4))))


# -- a stateful model: a running mean of its outputs, updated while training ----------------
def running_mean_call(params, state, inputs, training):
    y = inputs @ params["w"] - state["mean"]
    if not training:
        return y, state
    return y, {"steps": state["steps"] + 1, "mean": 0.9 * state["mean"] + 0.1 * y.mean(axis=0)}


def running_mean_weights():
    return ({"w": np.full((3, 2), 0.2, "float32")},
            {"steps": np.zeros((), "int32"), "mean": np.zeros((2,), "float32")})


def data(rows, features, outputs):
    x = np.random.default_rng(0).normal(size=(rows, features)).astype("float32")
    y = np.random.default_rng(1).normal(size=(rows, outputs)).astype("float32")
    return x, y


def sequential(lib, layer, features):
    model = lib.Sequential([lib.Input((features,)), layer])
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def layout(layer):
    """Each weight's layer, shape, dtype and trainability, in ``weights`` order. (Keras
    numbers unnamed variables process-wide, ``variable_8`` in a later layer; ours per
    layer: the names' numbers are not compared, the order is.)"""
    return [(w.path.split("/")[0], w.name.split("_")[0], tuple(w.shape), str(w.dtype),
             w.trainable) for w in layer.weights]


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(u, "float64") - np.asarray(v, "float64"))))
               for u, v in zip(a, b))


# ------------------------------------------------------------------------ (1) outputs
def test_mlp_outputs_and_weights_match_keras(keras):
    x, _ = data(6, 4, 2)
    ours, theirs = JaxLayer(mlp_call, params=mlp_params(), name="mlp"), \
        keras.layers.JaxLayer(mlp_call, params=mlp_params(), name="mlp")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=0, atol=1e-6)
    assert layout(ours) == layout(theirs)
    assert [w.name for w in ours.weights] == ["variable"] + [f"variable_{i}" for i in (1, 2, 3)]
    assert max_diff(ours.get_weights(), theirs.get_weights()) == 0.0
    # set_weights takes Keras's list, in Keras's order.
    shifted = [w + 1.0 for w in theirs.get_weights()]
    ours.set_weights(shifted)
    theirs.set_weights(shifted)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=0, atol=1e-6)


def test_init_fn_builds_from_the_input_shape():
    seen = []

    def init(rng, inputs, training):
        seen.append((inputs.shape, training, rng.dtype, rng.shape))
        return mlp_init(rng, inputs)

    inputs = kerasish.Input((4,))
    outputs = kerasish.layers.Dense(1)(JaxLayer(mlp_call, init_fn=init)(inputs))
    model = kerasish.Model(inputs, outputs)
    # Keras's example input: ones with unknown sizes as 1; training=True; a raw key.
    assert seen == [((1, 4), True, jnp.uint32, (2,))]
    assert [w.shape for w in model.layers[1].weights] == [(5,), (4, 5), (2,), (5, 2)]
    assert model.predict(np.ones((3, 4)), verbose=0).shape == (3, 1)


# ------------------------------------------------------------------------ (2) fit
def test_fit_matches_keras(keras):
    x, y = data(14, 4, 2)  # 14 rows, batches of 4: the last one is short
    ours = sequential(kerasish, JaxLayer(mlp_call, params=mlp_params()), 4)
    theirs = sequential(keras, keras.layers.JaxLayer(mlp_call, params=mlp_params()), 4)
    h_ours = ours.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert max_diff(ours.get_weights(), theirs.get_weights()) <= 1e-5  # measured: 0.0
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    assert h_ours.history["loss"][-1] < h_ours.history["loss"][0]
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=0, atol=1e-5)


# ------------------------------------------------------------------------ (3) state
def test_state_is_non_trainable_and_updates_eagerly_as_keras(keras):
    x, _ = data(5, 3, 2)
    ours = JaxLayer(running_mean_call, None, *running_mean_weights(), name="rm")
    theirs = keras.layers.JaxLayer(running_mean_call, None, *running_mean_weights(), name="rm")
    assert layout(ours) == layout(theirs)  # w, then state: mean, steps (int32)
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights) == 2
    for training in (True, True, False):
        np.testing.assert_allclose(np.asarray(ours(x, training=training)),
                                   np.asarray(theirs(x, training=training)), atol=1e-6)
    assert int(ours.state["steps"].numpy()) == 2
    assert max_diff(ours.get_weights(), theirs.get_weights()) <= 1e-7


@pytest.mark.parametrize("batch_size", [5, 4])  # 4: a short last batch of 2 rows
def test_state_updates_inside_fit_as_keras(keras, batch_size):
    x, y = data(10, 3, 2)
    ours = sequential(kerasish, JaxLayer(running_mean_call, None, *running_mean_weights()), 3)
    theirs = sequential(keras, keras.layers.JaxLayer(running_mean_call, None,
                                                     *running_mean_weights()), 3)
    h_ours = ours.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
    w_ours, w_theirs = ours.get_weights(), theirs.get_weights()
    assert int(w_ours[2]) == int(w_theirs[2]) == 2 * (-(-10 // batch_size))  # steps taken
    assert max_diff(w_ours, w_theirs) <= 1e-6  # measured: 0.0 (mean and kernel)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-6)
    # Inference reads the trained state and leaves it alone.
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-6)
    assert int(ours.get_weights()[2]) == int(w_theirs[2])


def test_state_structure_and_return_value_are_checked():
    params, state = running_mean_weights()
    bad_keys = JaxLayer(lambda params, state, inputs: (inputs, {"other": state["mean"]}),
                        params=params, state=state)
    with pytest.raises(ValueError, match="Structure mismatch.*same keys"):
        bad_keys(np.ones((2, 3)))
    bad_shape = JaxLayer(lambda params, state, inputs: (inputs, dict(state, mean=inputs)),
                         params=params, state=state)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) for weight .* of shape \(2,\)"):
        bad_shape(np.ones((2, 3)))
    no_tuple = JaxLayer(lambda params, state, inputs: inputs, params=params, state=state)
    with pytest.raises(ValueError, match=r"must return a tuple `\(outputs, new_state\)`"):
        no_tuple(np.ones((2, 3)))
    init_no_tuple = JaxLayer(running_mean_call, init_fn=lambda inputs: params)
    with pytest.raises(ValueError, match=r"`init_fn`\s+must return a tuple `\(params, state\)`"):
        init_no_tuple(np.ones((2, 3)))


# ------------------------------------------------------------------------ (4) rng
@kerasish.saving.register_keras_serializable(package="test_jax_layer")
def noisy_call(rng, inputs, training):
    if not training:
        assert rng is None  # Keras passes no key at inference
        return inputs
    return jnp.where(jax.random.bernoulli(rng, 0.5, inputs.shape), inputs * 2.0, 0.0)


def test_rng_keys_match_keras_and_change_per_call(keras):
    x = np.ones((4, 8), "float32")
    ours, theirs = JaxLayer(noisy_call, seed=3), keras.layers.JaxLayer(noisy_call, seed=3)
    draws = []
    for _ in range(3):
        a = np.asarray(ours(x, training=True))
        np.testing.assert_array_equal(a, np.asarray(theirs(x, training=True)))  # same keys
        draws.append(a)
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[1], draws[2])
    np.testing.assert_array_equal(np.asarray(ours(x)), x)  # training=False: deterministic
    np.testing.assert_array_equal(np.asarray(ours(x, training=False)), x)


def test_rng_inside_fit_is_a_fresh_raw_key_per_step():
    keys = []

    def call(params, rng, inputs, training):
        keys.append((training, None if rng is None else (rng.dtype, rng.shape)))
        h = inputs @ params["w"]
        return jnp.where(jax.random.bernoulli(rng, 0.5, h.shape), 2.0 * h, 0.0) \
            if training else h

    x, y = data(8, 3, 1)

    def train(seed):
        kerasish.utils.set_random_seed(seed)
        model = sequential(kerasish, JaxLayer(call, params={"w": np.ones((3, 1), "float32")}), 3)
        model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
        return model.get_weights()[0]

    first, again, other = train(0), train(0), train(1)
    assert (True, (jnp.uint32, (2,))) in keys and (False, None) in keys
    np.testing.assert_array_equal(first, again)  # reproducible from the seed
    assert not np.array_equal(first, other)      # and the keys come from it


# ------------------------------------------------------------------------ (5) bad input
BAD = {
    "no inputs": (dict(call_fn=lambda params, x: x, params={"w": np.ones(2)}),
                  "Missing required argument in `call_fn`: `inputs`"),
    "unknown name": (dict(call_fn=lambda params, inputs, mask: inputs, params={"w": np.ones(2)}),
                     "Unsupported argument in `call_fn`: `mask`"),
    "var args": (dict(call_fn=lambda params, inputs, *args: inputs, params={"w": np.ones(2)}),
                 "Unsupported argument in `call_fn`: `args`"),
    "nothing to make params": (dict(call_fn=lambda params, inputs: inputs),
                               "`init_fn`, `params` and `state` cannot all be `None`"),
    "nothing to make state": (dict(call_fn=lambda state, inputs: (inputs, state)),
                              "`init_fn`, `params` and `state` cannot all be `None`"),
    "init_fn without inputs": (dict(call_fn=lambda params, inputs: inputs,
                                    init_fn=lambda rng: {}),
                               "Missing required argument in `init_fn`: `inputs`"),
    "init_fn unknown name": (dict(call_fn=lambda params, inputs: inputs,
                                  init_fn=lambda rng, inputs, params: {}),
                             "Unsupported argument in `init_fn`: `params`"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_functions_are_refused_as_keras_refuses_them(keras, case):
    kwargs, message = BAD[case]
    for cls in (keras.layers.JaxLayer, JaxLayer):
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            cls(**kwargs)
    # Ours also says what it received and how to fix it.
    with pytest.raises(ValueError, match="Received"):
        JaxLayer(**kwargs)


def test_functions_of_inputs_alone_need_no_weights_and_other_arguments_are_checked():
    layer = JaxLayer(lambda inputs: inputs * 2.0)
    assert np.asarray(layer(np.ones((1, 2)))).tolist() == [[2.0, 2.0]] and not layer.weights
    with pytest.raises(TypeError, match="`call_fn` must be a callable. Received: call_fn=3"):
        JaxLayer(3, params={"w": np.ones(2)})
    with pytest.raises(ValueError, match="native_serialization_platforms.*TensorFlow"):
        JaxLayer(mlp_call, init_fn=mlp_init, native_serialization_platforms=["cpu"])
    with pytest.raises(TypeError, match="unexpected keyword|Unrecognized keyword"):
        JaxLayer(mlp_call, init_fn=mlp_init, parms={})
    with pytest.raises(ValueError, match="`seed`.*takes no `rng`.*Received: seed=1"):
        JaxLayer(mlp_call, init_fn=mlp_init, seed=1)  # Keras ignores it
    with pytest.raises(ValueError, match="`seed` must be an integer"):
        JaxLayer(noisy_call, seed="one")
    assert JaxLayer.from_config(JaxLayer(noisy_call, seed=7).get_config()).seed == 7


def test_building_inside_a_traced_function_is_refused():
    layer = JaxLayer(mlp_call, init_fn=mlp_init)
    with pytest.raises(ValueError, match="cannot be built inside a traced function.*build"):
        jax.jit(layer)(jnp.ones((2, 4)))
    layer.build((None, 4))
    assert jax.jit(layer)(jnp.ones((2, 4))).shape == (2, 2)


# ------------------------------------------------------------------------ saving
@pytest.fixture
def exported(monkeypatch, keras):
    """``kerasish.layers.JaxLayer`` as once exported (files name it keras.layers.JaxLayer),
    the test functions registered in Keras too, and Keras's JaxLayer able to build from
    ``init_fn`` here: Keras 3.15 asks ``tf.inside_function()`` even on JAX, and
    TensorFlow is not installed (a stand-in that answers False, as it would on JAX)."""
    import keras.src.utils.jax_layer as keras_jax_layer

    monkeypatch.setattr(kerasish.layers, "JaxLayer", JaxLayer, raising=False)
    monkeypatch.setattr(keras_jax_layer, "tf", types.SimpleNamespace(
        inside_function=lambda: False), raising=False)
    for fn in (mlp_init, mlp_call):
        keras.saving.register_keras_serializable(package="test_jax_layer")(fn)


def test_saved_files_load_in_both_libraries(keras, exported, tmp_path):
    x, y = data(6, 4, 2)
    ours = sequential(kerasish, JaxLayer(mlp_call, init_fn=mlp_init), 4)
    ours.fit(x, y, epochs=1, verbose=0)
    config = ours.layers[0].get_config()
    assert config["call_fn"]["config"] == "test_jax_layer>mlp_call"
    assert config["init_fn"]["config"] == "test_jax_layer>mlp_init"
    ours.save(tmp_path / "ours.keras")
    for loaded in (kerasish.saving.load_model(tmp_path / "ours.keras"),
                   keras.saving.load_model(tmp_path / "ours.keras")):
        np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                                   ours.predict(x, verbose=0), atol=1e-6)
    theirs = sequential(keras, keras.layers.JaxLayer(mlp_call, init_fn=mlp_init), 4)
    theirs.save(tmp_path / "theirs.keras")
    loaded = kerasish.saving.load_model(tmp_path / "theirs.keras")
    assert isinstance(loaded.layers[0], JaxLayer)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-6)


def test_saving_what_could_not_be_loaded_is_refused(exported, tmp_path):
    from_params = sequential(kerasish, JaxLayer(mlp_call, params=mlp_params()), 4)
    with pytest.raises(ValueError, match="without `init_fn`.*could not re-create its weights"):
        from_params.save(tmp_path / "params.keras")
    from_lambda = sequential(kerasish, JaxLayer(lambda params, inputs: mlp_call(params, inputs),
                                                init_fn=mlp_init), 4)
    with pytest.raises(ValueError, match="cannot serialize `call_fn`.*lambda"):
        from_lambda.save(tmp_path / "lambda.keras")
    assert not list(tmp_path.iterdir())  # no file that would fail to load
    from_params.save_weights(tmp_path / "params.weights.h5")  # the weights alone: fine
    assert (tmp_path / "params.weights.h5").exists()
