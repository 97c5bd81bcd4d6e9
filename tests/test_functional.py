"""Beyond Sequential: custom layers, subclassed and functional models, custom loss and
metric functions, and the model as a pure JAX function — against real Keras 3 where a
Keras counterpart exists."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import kerasish
from kerasish import layers, ops


@pytest.fixture(scope="module")
def two_input_data():
    rng = np.random.default_rng(5)
    x1 = rng.normal(size=(45, 4)).astype("float32")
    x2 = rng.normal(size=(45, 3)).astype("float32")
    y1 = (x1[:, 0] + x2[:, 0] > 0).astype("float32")
    y2 = (np.digitize(x1[:, 1] - x2[:, 1], [-0.5, 0.5])).astype("int32")
    return x1, x2, y1, y2


def _two_io(module, prefix):
    a = module.Input(shape=(4,), name=f"{prefix}a")
    b = module.Input(shape=(3,), name=f"{prefix}b")
    h = module.layers.Concatenate(name=f"{prefix}cat")([a, b])
    h = module.layers.Dense(6, activation="relu", name=f"{prefix}hidden")(h)
    o1 = module.layers.Dense(1, activation="sigmoid", name="out1")(h)
    o2 = module.layers.Dense(3, name="out2")(h)
    return module.Model([a, b], [o1, o2])


def test_two_input_two_output_functional_matches_keras(keras, two_input_data):
    x1, x2, y1, y2 = two_input_data
    keras.utils.set_random_seed(0)
    km = _two_io(keras, "k_")
    om = _two_io(kerasish, "o_")
    om.set_weights(km.get_weights())
    for out_k, out_o in zip(km.predict([x1, x2], verbose=0), om.predict([x1, x2], verbose=0)):
        np.testing.assert_allclose(out_o, out_k, rtol=1e-5, atol=1e-6)

    def compile_(module, model):
        model.compile(
            optimizer=module.optimizers.Adam(0.01),
            loss=["binary_crossentropy",
                  module.losses.SparseCategoricalCrossentropy(from_logits=True)],
            loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["accuracy"]])

    compile_(keras, km)
    compile_(kerasish, om)
    kh = km.fit([x1, x2], [y1, y2], batch_size=16, epochs=3, shuffle=False, verbose=0)
    oh = om.fit([x1, x2], [y1, y2], batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert list(oh.history) == list(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(oh.history[key], kh.history[key], rtol=1e-4, atol=1e-6)
    for kw, ow in zip(km.get_weights(), om.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(om.evaluate([x1, x2], [y1, y2], verbose=0),
                               km.evaluate([x1, x2], [y1, y2], verbose=0), rtol=1e-4)


def test_functional_dict_data_and_summary(two_input_data, capsys):
    x1, x2, y1, y2 = two_input_data
    model = _two_io(kerasish, "d_")
    model.compile(optimizer="sgd",
                  loss={"out1": "binary_crossentropy",
                        "out2": kerasish.losses.SparseCategoricalCrossentropy(from_logits=True)},
                  metrics={"out1": "accuracy"})
    h = model.fit({"d_a": x1, "d_b": x2}, {"out1": y1, "out2": y2}, epochs=1, verbose=0)
    assert list(h.history) == ["loss", "out1_accuracy", "out1_loss", "out2_loss"]
    assert [la.name for la in model.layers] == ["d_a", "d_b", "d_cat", "d_hidden", "out1", "out2"]
    assert model.get_layer("d_hidden").units == 6
    model.summary()
    out = capsys.readouterr().out
    assert "Connected to" in out and "d_a[0][0]," in out and "d_b[0][0]" in out
    with pytest.raises(ValueError, match="not outputs of model"):
        model.compile(loss={"nope": "mse"})


class Linear(kerasish.layers.Layer):
    """The Keras guide's custom layer, written against kerasish."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return ops.tanh(ops.matmul(inputs, self.w) + self.b)


class RunningMean(kerasish.layers.Layer):
    """A non-trainable weight updated in call: the update must come back as state."""

    def build(self, input_shape):
        self.mean = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                    trainable=False, name="mean")

    def call(self, inputs, training=None):
        if training:
            self.mean.assign(0.9 * self.mean + 0.1 * ops.mean(inputs, axis=0))
        return inputs - self.mean


def test_custom_layer_matches_keras_layer(keras):
    class KLinear(keras.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", name="w")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

        def call(self, inputs):
            return keras.ops.tanh(keras.ops.matmul(inputs, self.w) + self.b)

    rng = np.random.default_rng(1)
    x = rng.normal(size=(37, 5)).astype("float32")
    y = rng.normal(size=(37, 1)).astype("float32")
    km = keras.Sequential([keras.Input((5,)), KLinear(4), keras.layers.Dense(1)])
    om = kerasish.Sequential([kerasish.Input((5,)), Linear(4), layers.Dense(1)])
    om.set_weights(km.get_weights())
    np.testing.assert_allclose(om.predict(x, verbose=0), km.predict(x, verbose=0), rtol=1e-5)
    km.compile(loss="mse", optimizer=keras.optimizers.SGD(0.05))
    om.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.05))
    km.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    om.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for kw, ow in zip(km.get_weights(), om.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-6)


def test_custom_layer_state_updates_inside_jit():
    layer = RunningMean()
    model = kerasish.Sequential([kerasish.Input((2,)), layer, layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    x = np.ones((8, 2), "float32") * np.array([2.0, -4.0], "float32")
    model.fit(x, np.zeros((8, 1), "float32"), batch_size=8, epochs=3, verbose=0)
    # three training steps of the running mean: 1 - 0.9**3 of the batch mean
    np.testing.assert_allclose(layer.mean.numpy(), (1 - 0.9 ** 3) * np.array([2.0, -4.0]),
                               rtol=1e-5)
    assert all(not isinstance(v.value, jax.core.Tracer) for v in model.weights)
    before = layer.mean.numpy()
    model.predict(x, verbose=0)  # inference does not update it
    np.testing.assert_array_equal(layer.mean.numpy(), before)


class TwoTower(kerasish.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.left = layers.Dense(8, activation="relu")
        self.right = layers.Dense(8, activation="tanh")
        self.head = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=None):
        return self.head(self.left(inputs) + self.right(inputs))


def test_subclassed_model_trains_and_summarises(tmp_path, capsys):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = TwoTower()
    model.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.Adam(0.05),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert model.evaluate(x, y, verbose=0)[1] > 0.9
    assert model.predict(x[:3], verbose=0).shape == (3, 1)
    assert len(model.trainable_weights) == 6
    model.summary()
    assert "Total params: " in capsys.readouterr().out


def test_custom_loss_and_metric_functions():
    def my_mse(y_true, y_pred):
        return jnp.mean(jnp.square(y_true - y_pred), axis=-1)

    def max_abs_error(y_true, y_pred):
        return ops.max(ops.abs(y_true - y_pred), axis=-1)

    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    kerasish.utils.set_random_seed(4)
    custom = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(1)])
    kerasish.utils.set_random_seed(4)
    builtin = kerasish.Sequential([kerasish.Input((3,)), layers.Dense(1)])
    custom.compile(loss=my_mse, optimizer="sgd", metrics=[max_abs_error])
    builtin.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    hc = custom.fit(x, y, epochs=3, shuffle=False, verbose=0)
    hb = builtin.fit(x, y, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(hc.history["loss"], hb.history["loss"], rtol=1e-6)
    assert "max_abs_error" in hc.history
    expected = float(np.mean(np.abs(y - custom.predict(x, verbose=0)).max(axis=-1)))
    assert custom.evaluate(x, y, verbose=0)[1] == pytest.approx(expected, rel=1e-5)


def test_stateless_call_is_pure():
    model = kerasish.Sequential([kerasish.Input((2,)), RunningMean(), layers.Dense(1)])
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    x = np.ones((4, 2), "float32")
    out, new_state = model.stateless_call(trainable, non_trainable, x, training=True)
    assert out.shape == (4, 1)
    np.testing.assert_allclose(new_state[0], [0.1, 0.1])
    np.testing.assert_array_equal(model.non_trainable_variables[0].numpy(), [0.0, 0.0])
    zeros = [jnp.zeros_like(t) for t in trainable]
    out0, _ = jax.jit(lambda t, n, x: model.stateless_call(t, n, x))(zeros, non_trainable, x)
    np.testing.assert_array_equal(out0, np.zeros((4, 1)))
    with pytest.raises(ValueError, match="trainable_variables"):
        model.stateless_call(trainable[:1], non_trainable, x)


def test_pure_function_export_trains_like_fit():
    """A hand-written jax.grad + optax loop over the exported function = fit."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x[:, :1] - x[:, 1:2]).astype("float32")

    def build():
        kerasish.utils.set_random_seed(8)
        model = kerasish.Sequential([kerasish.Input((4,)), layers.Dense(5, activation="tanh"),
                                     layers.Dense(1)])
        model.compile(loss="mse", optimizer=kerasish.optimizers.Adam(0.01))
        return model

    fitted = build()
    fitted.fit(x, y, batch_size=32, epochs=5, shuffle=False, verbose=0)

    manual = build()
    apply_fn, params = manual.as_jax_function()
    tx = manual.optimizer.to_optax()
    opt_state = tx.init(params)

    @jax.jit
    def step(params, opt_state):
        loss, grads = jax.value_and_grad(
            lambda p: jnp.mean(jnp.square(apply_fn(p, x) - y)))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    for _ in range(5):
        params, opt_state = step(params, opt_state)
    manual.set_params(params)
    for a, b in zip(fitted.get_weights(), manual.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    grads = jax.grad(lambda p: jnp.sum(jax.vmap(lambda r: apply_fn(p, r[None]))(x)))(params)
    assert set(grads) == set(params)


def test_functional_errors_are_clear():
    a = kerasish.Input((3,))
    with pytest.raises(TypeError, match="symbolic tensors"):
        kerasish.Model(a, np.ones((2, 2)))
    other = kerasish.Input((3,))
    out = layers.Add()([a, other])
    with pytest.raises(ValueError, match="does not depend on the model's inputs"):
        kerasish.Model(a, out)
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(a)
