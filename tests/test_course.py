"""A course notebook's Keras surface, line by line, against real Keras 3.

The course builds a two-feature coffee-"roasting" classifier (temperature, duration)
behind a ``Normalization`` layer, then a 400-feature 25-15-1 digit classifier whose
parameter counts (10,025 / 390 / 16) and weight shapes it prints, then softmax and
``from_logits`` multiclass models. Each test follows one part of that notebook and
checks what the notebook reads or prints: numbers against Keras (same weights copied
across with ``set_weights``), attributes and types against what Keras gives.
"""

import inspect
import io
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import kerasish
from kerasish import Input, Sequential, ops
from kerasish.activations import sigmoid
from kerasish.layers import Dense, InputLayer, Normalization
from kerasish.losses import BinaryCrossentropy, SparseCategoricalCrossentropy
from kerasish.optimizers import Adam

# ------------------------------------------------------------------ the roasting data


def load_coffee_data(n=200, seed=2):
    """The course's roasting data: (temperature in C, duration in minutes) -> good roast.

    Good roasts are 175-260 C, 12-15 minutes, and shorter the hotter they are.
    """
    rng = np.random.default_rng(seed)
    X = rng.random(2 * n).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5           # duration: 11.5 - 15.5 min
    X[:, 0] = X[:, 0] * (285 - 150) + 150  # temperature: 150 - 285 C
    t, d = X[:, 0], X[:, 1]
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3 / (260 - 175) * t + 21)
    return X, good.astype(float).reshape(-1, 1)


# The course's trained weights for the 2-3-1 roasting network.
W1 = np.array([[-8.94, 0.29, 12.89], [-0.17, -7.34, 10.79]])
B1 = np.array([-9.87, -9.28, 1.01])
W2 = np.array([[-31.38], [-27.86], [-32.79]])
B2 = np.array([15.54])
X_TEST = np.array([[200, 13.9], [200, 17]])  # a good and a bad roast


def roast_model(k, name="roast"):
    return k.Sequential([
        k.Input(shape=(2,)),
        k.layers.Dense(3, activation="sigmoid", name="layer1"),
        k.layers.Dense(1, activation="sigmoid", name="layer2"),
    ], name=name)


def test_roasting_data_generator():
    X, Y = load_coffee_data()
    assert X.shape == (200, 2) and Y.shape == (200, 1)
    assert 150 <= X[:, 0].min() and X[:, 0].max() <= 285
    assert 11.5 <= X[:, 1].min() and X[:, 1].max() <= 15.5
    assert 0.1 < Y.mean() < 0.6  # both classes present
    X2, Y2 = load_coffee_data()
    np.testing.assert_array_equal(X, X2)  # seeded


def test_normalization_adapt_matches_keras(keras):
    X, _ = load_coffee_data()
    ours, theirs = Normalization(axis=-1), keras.layers.Normalization(axis=-1)
    ours.adapt(X)
    theirs.adapt(X)
    # Population variance (ddof=0), as Keras.
    mean, variance = ours.get_weights()[:2]
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(variance, X.var(axis=0), rtol=1e-6)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    for a, b in zip(ours.get_weights()[:2], theirs.get_weights()[:2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    Xn = ours(X)  # called on a numpy array
    np.testing.assert_allclose(np.asarray(Xn), np.asarray(theirs(X)), rtol=1e-5, atol=1e-5)
    # What the notebook prints: the features now have mean 0 and unit spread.
    assert np.max(Xn[:, 0]) < 2 and np.min(Xn[:, 0]) > -2
    np.testing.assert_allclose(np.asarray(Xn).mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.asarray(Xn).std(axis=0), 1.0, atol=1e-4)


def test_normalization_as_first_layer_and_inside_predict():
    X, _ = load_coffee_data()
    norm = Normalization(axis=-1)
    norm.adapt(X)
    with_norm = Sequential([Input(shape=(2,)), norm, Dense(3, activation="sigmoid"),
                            Dense(1, activation="sigmoid")])
    plain = roast_model(kerasish, name="roast_plain")
    plain.set_weights([W1, B1, W2, B2])
    with_norm.set_weights(norm.get_weights() + [W1, B1, W2, B2])
    assert with_norm.count_params() == 2 + 2 + 1 + 9 + 4  # adapt statistics + weights
    assert len(with_norm.trainable_weights) == 4  # the statistics are not trained
    np.testing.assert_allclose(with_norm.predict(X, verbose=0),
                               plain.predict(np.asarray(norm(X)), verbose=0), rtol=1e-5)


def test_roasting_course_flow_matches_keras(keras):
    X, Y = load_coffee_data()
    norm_l, k_norm = Normalization(axis=-1), keras.layers.Normalization(axis=-1)
    norm_l.adapt(X)
    k_norm.adapt(X)
    Xn = norm_l(X)
    Xt, Yt = np.tile(Xn, (2, 1)), np.tile(Y, (2, 1))  # the course tiles 1000 times

    keras.utils.set_random_seed(1234)
    theirs, ours = roast_model(keras), roast_model(kerasish)
    ours.set_weights(theirs.get_weights())
    W1_, b1_ = ours.get_layer("layer1").get_weights()
    assert (W1_.shape, b1_.shape) == ((2, 3), (3,))
    for m, k in ((ours, kerasish), (theirs, keras)):
        m.compile(loss=k.losses.BinaryCrossentropy(),
                  optimizer=k.optimizers.Adam(learning_rate=0.01))
    kh = theirs.fit(Xt, Yt, epochs=3, shuffle=False, verbose=0)
    oh = ours.fit(Xt, Yt, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)

    # The notebook then loads its own trained weights and predicts two roasts.
    for m in (ours, theirs):
        m.get_layer("layer1").set_weights([W1, B1])
        m.get_layer("layer2").set_weights([W2, B2])
    predictions = ours.predict(norm_l(X_TEST), verbose=0)
    np.testing.assert_allclose(predictions, theirs.predict(k_norm(X_TEST), verbose=0),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(predictions, [[9.63e-01], [3.03e-08]], rtol=0.05)
    yhat = (predictions >= 0.5).astype(int)
    assert yhat.tolist() == [[1], [0]]


# -------------------------------------------------------------- the 400-feature model


def digit_model(name="my_model"):
    return Sequential([
        Input(shape=(400,)),
        Dense(units=25, activation="sigmoid", name="layer1"),
        Dense(units=15, activation="sigmoid", name="layer2"),
        Dense(units=1, activation="sigmoid", name="layer3"),
    ], name=name)


def test_parameter_counts_and_weight_shapes():
    model = digit_model()
    [layer1, layer2, layer3] = model.layers
    assert [la.count_params() for la in model.layers] == [10025, 390, 16]
    assert model.count_params() == 10431
    W1, b1 = layer1.get_weights()
    W2, b2 = layer2.get_weights()
    W3, b3 = layer3.get_weights()
    assert (W1.shape, b1.shape) == ((400, 25), (25,))
    assert (W2.shape, b2.shape) == ((25, 15), (15,))
    assert (W3.shape, b3.shape) == ((15, 1), (1,))


def test_model_and_layer_attributes_the_notebook_reads(keras):
    model = digit_model()
    theirs = keras.Sequential([keras.Input(shape=(400,)),
                               keras.layers.Dense(25, activation="sigmoid", name="layer1")])
    # (Keras 3.15's Sequential answers `.inputs` but raises on `.input`; tf.keras had both.)
    assert model.input.shape == theirs.inputs[0].shape == (None, 400)
    assert model.input_shape == (None, 400)
    assert model.layers[0].output.shape == theirs.layers[0].output.shape == (None, 25)
    assert model.built and model.name == "my_model"
    assert Sequential(name="my_model").name == "my_model"
    layer1 = model.get_layer("layer1")
    assert layer1.name == "layer1" and layer1.units == 25
    assert layer1.activation == sigmoid and layer1.activation is kerasish.activations.sigmoid
    assert layer1.activation.__name__ == "sigmoid" == theirs.layers[0].activation.__name__
    assert Sequential([InputLayer(shape=(400,)), Dense(2)]).input_shape == (None, 400)


def test_get_layer_set_weights_with_named_layers():
    model = digit_model()
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(400, 25)), rng.normal(size=(25,))  # float64, as numpy gives
    model.get_layer("layer1").set_weights([W1, b1])
    got = model.get_layer("layer1").get_weights()
    assert all(w.dtype == np.float32 for w in got)
    np.testing.assert_array_equal(got[0], W1.astype(np.float32))
    np.testing.assert_array_equal(got[1], b1.astype(np.float32))
    W3 = rng.integers(-2, 3, size=(15, 1)).astype(np.int64)
    model.get_layer("layer3").set_weights([W3, np.array([1], np.int64)])
    got = model.get_layer("layer3").get_weights()
    assert got[0].dtype == np.float32
    np.testing.assert_array_equal(got[0], W3)


def test_build_on_a_built_and_on_a_fitted_model_keeps_the_weights():
    model = digit_model()
    before = model.get_weights()
    model.build(input_shape=(None, 400))
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(40, 400)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.001))
    model.fit(x, y, epochs=1, verbose=0)
    trained = model.get_weights()
    model.build(input_shape=(None, 400))
    model.build((None, 400))
    for a, b in zip(model.get_weights(), trained, strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.built and model.predict(x[:3], verbose=0).shape == (3, 1)
    model.fit(x, y, epochs=1, verbose=0)  # still trains


def test_layer_called_on_arrays_before_weights_exist():
    layer = Dense(units=25, activation="sigmoid")
    assert not layer.built
    assert layer.get_weights() == [] and layer.weights == []
    a1 = layer(np.ones((4, 400), dtype=np.int64))  # ints are cast, as in Keras
    assert layer.built and a1.shape == (4, 25) and a1.dtype == np.float32
    assert [w.shape for w in layer.get_weights()] == [(400, 25), (25,)]


def test_layer_weights_are_named_variables(keras):
    ours = Dense(3, name="dense_2")
    theirs = keras.layers.Dense(3, name="dense_2")
    x = np.ones((2, 4), np.float32)
    ours(x), theirs(x)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights] == [
        "dense_2/kernel", "dense_2/bias"]
    assert [w.name for w in ours.weights] == ["kernel", "bias"]
    for w, value in zip(ours.weights, ours.get_weights(), strict=True):
        np.testing.assert_array_equal(w.numpy(), value)
        np.testing.assert_array_equal(np.asarray(w), value)
        assert tuple(w.shape) == value.shape
    assert "dense_2/kernel" in repr(ours.weights[0])


def test_get_config_and_from_config_round_trip(keras):
    layer = Dense(25, activation="sigmoid", name="layer1",
                  kernel_regularizer=kerasish.regularizers.l2(0.1))
    config = layer.get_config()
    assert config["units"] == 25 and config["activation"] == "sigmoid"
    again = Dense.from_config(config)
    assert again.get_config() == config
    assert again.kernel_regularizer.l2 == pytest.approx(0.1)
    assert layer.kernel_regularizer.l2 == pytest.approx(0.1)
    assert type(layer).from_config(config).units == 25
    theirs = keras.layers.Dense(25, activation="sigmoid", name="layer1").get_config()
    for key in ("name", "units", "activation", "use_bias", "kernel_initializer",
                "bias_initializer"):
        assert config[key] == theirs[key], key


def test_sequential_config_round_trip():
    model = digit_model(name="round_trip")
    again = Sequential.from_config(model.get_config())
    assert again.name == "round_trip"
    assert [la.get_config() for la in again.layers] == [la.get_config() for la in model.layers]
    assert again.input_shape == (None, 400)


def test_compiled_loss_optimizer_and_learning_rate():
    model = digit_model()
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.001))
    assert type(model.loss) is BinaryCrossentropy
    assert type(model.optimizer) is Adam
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.001)
    assert model.loss.get_config()["from_logits"] is False
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=kerasish.optimizers.Adam(learning_rate=0.01))
    assert model.loss.get_config()["from_logits"] is True
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    with pytest.warns(UserWarning, match="learning_rate"):
        old_style = Adam(lr=0.01)
    assert float(old_style.learning_rate) == pytest.approx(0.01)


def _multiclass_pair(keras):
    keras.utils.set_random_seed(5)
    theirs = keras.Sequential([keras.Input(shape=(400,)),
                               keras.layers.Dense(25, activation="relu"),
                               keras.layers.Dense(15, activation="relu"),
                               keras.layers.Dense(4, activation="softmax")])
    soft = Sequential([Input(shape=(400,)), Dense(25, activation="relu"),
                       Dense(15, activation="relu"), Dense(4, activation="softmax")])
    logits = Sequential([Input(shape=(400,)), Dense(25, activation="relu"),
                         Dense(15, activation="relu"), Dense(4, activation="linear")])
    soft.set_weights(theirs.get_weights())
    logits.set_weights(theirs.get_weights())
    return theirs, soft, logits


def test_softmax_predictions_sum_to_one_and_from_logits_with_ops_softmax(keras):
    theirs, soft, logits = _multiclass_pair(keras)
    x = np.random.default_rng(2).normal(size=(30, 400)).astype(np.float32)
    p = soft.predict(x, verbose=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p, theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-7)
    z = logits.predict(x, verbose=0)
    assert not np.allclose(z.sum(axis=1), 1.0)  # logits, not probabilities
    sm = ops.softmax(z)
    np.testing.assert_allclose(np.asarray(sm), p, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(sm), keras.ops.softmax(z), rtol=1e-6, atol=1e-8)
    assert (np.asarray(ops.argmax(sm, axis=1)) == p.argmax(axis=1)).all()


def test_to_categorical_matches_keras(keras):
    y = np.array([3, 0, 9, 1, 1])
    np.testing.assert_array_equal(kerasish.utils.to_categorical(y, 10),
                                  keras.utils.to_categorical(y, 10))


# ------------------------------------------------------------------------ float64

_FLOAT64_SCRIPT = """
import numpy as np
import kerasish
from kerasish.layers import Dense

kerasish.backend.set_floatx("float64")  # the tf.keras spelling
assert kerasish.config.floatx() == kerasish.backend.floatx() == "float64"
kerasish.config.set_floatx("float64")

rng = np.random.default_rng(0)
x = rng.normal(size=(20, 3))
y = (x[:, :1] > 0).astype("float64")

# One full-batch SGD step on MSE, computed by hand in float64. (Keras 3 with x64 on
# lands within 2e-9 of it; a float32 learning rate costs 1.5e-8 relative.)
model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(1)])
W, b = model.get_weights()
assert W.dtype == b.dtype == np.float64, (W.dtype, b.dtype)
p = model.predict(x, verbose=0)
assert p.dtype == np.float64, p.dtype
np.testing.assert_allclose(p, x @ W + b, rtol=1e-13)
model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(learning_rate=0.1))
model.fit(x, y, batch_size=20, epochs=1, shuffle=False, verbose=0)
r = x @ W + b - y
W_new, b_new = model.get_weights()
np.testing.assert_allclose(W_new, W - 0.1 * 2 * x.T @ r / 20, rtol=5e-8, atol=1e-10)
np.testing.assert_allclose(b_new, b - 0.1 * 2 * r.sum(axis=0) / 20, rtol=5e-8, atol=1e-10)

# The course model, with metrics, trains and predicts in float64.
model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(4, activation="relu"),
                             Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x, y, epochs=3, verbose=0)
assert np.isfinite(history.history["loss"]).all()
assert all(w.dtype == np.float64 for w in model.get_weights())
assert model.predict(x, verbose=0).dtype == np.float64
assert np.asarray(model(x)).dtype == np.float64
assert np.asarray(Dense(2)(x)).dtype == np.float64
norm = kerasish.layers.Normalization()
norm.adapt(x)
assert np.asarray(norm(x)).dtype == np.float64
print("float64 ok")
"""


def _run(code, **env):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=240, env={**os.environ, **env})


@pytest.mark.slow
def test_set_floatx_float64_trains_and_predicts_in_float64():
    # A subprocess: float64 (and JAX's x64 mode) must not leak into the other tests.
    proc = _run(_FLOAT64_SCRIPT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("float64 ok")


# ------------------------------------------------------------- logging and imports


@pytest.mark.slow
def test_importing_kerasish_prints_nothing():
    proc = _run("import kerasish")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (proc.stdout, proc.stderr) == ("", "")


@pytest.mark.slow
def test_quiet_course_script_prints_nothing():
    """No JAX/XLA chatter ('falling back to cpu', ...) during a verbose=0 course run; and
    automatic names as in a fresh Keras session (the third Dense is `dense_2`)."""
    proc = _run("""
        import numpy as np, kerasish
        from kerasish.layers import Dense
        model = kerasish.Sequential([Dense(25, activation="sigmoid"),
                                     Dense(15, activation="sigmoid"),
                                     Dense(1, activation="sigmoid")])
        x = np.random.default_rng(0).normal(size=(40, 400))
        model.compile(loss=kerasish.losses.BinaryCrossentropy(),
                      optimizer=kerasish.optimizers.Adam(0.001))
        model.fit(x, (x[:, 0] > 0).astype(int), epochs=2, verbose=0)
        model.predict(x[:2], verbose=0)
        assert [w.path for w in model.layers[2].weights] == ["dense_2/kernel", "dense_2/bias"]
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (proc.stdout, proc.stderr) == ("", "")


# ------------------------------------------------------------------------ summary


def _summary_lines(text):
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    return lines[next(i for i, ln in enumerate(lines) if ln.startswith("Model:")):]


def _keras_summary(model, capsys):
    capsys.readouterr()
    model.summary()
    return _summary_lines(capsys.readouterr().out)


def test_summary_matches_keras(keras, capsys):
    ours = digit_model(name="summary_course")
    theirs = keras.Sequential([
        keras.Input(shape=(400,)),
        keras.layers.Dense(units=25, activation="sigmoid", name="layer1"),
        keras.layers.Dense(units=15, activation="sigmoid", name="layer2"),
        keras.layers.Dense(units=1, activation="sigmoid", name="layer3"),
    ], name="summary_course")
    expected = _keras_summary(theirs, capsys)
    ours.summary()
    got = _summary_lines(capsys.readouterr().out)
    assert got == expected
    assert " Total params: 10,431 (40.75 KB)" in got


def test_summary_of_a_long_layer_name_matches_keras(keras, capsys):
    name = "a_rather_long_name_for_the_hidden_layer"
    ours = Sequential([Input(shape=(400,)), Dense(25, name=name)], name="long_names")
    theirs = keras.Sequential([keras.Input(shape=(400,)), keras.layers.Dense(25, name=name)],
                              name="long_names")
    expected = _keras_summary(theirs, capsys)
    ours.summary()
    assert _summary_lines(capsys.readouterr().out) == expected


def _ascii_stream():
    return io.TextIOWrapper(io.BytesIO(), encoding="ascii")


@pytest.mark.parametrize("name", ["layer1", "a_rather_long_name_for_the_hidden_layer"])
def test_summary_plain_ascii_fallback(name):
    from kerasish.utils.summary import format_summary

    model = Sequential([Input(shape=(400,)), Dense(25, name=name),
                        Dense(1, name="out")], name="ascii_model")
    boxes = format_summary(model, io.StringIO())
    plain = format_summary(model, _ascii_stream())
    plain.encode("ascii")  # raises if a single character cannot be shown
    assert len(plain.splitlines()) == len(boxes.splitlines())
    assert [len(ln) for ln in plain.splitlines()] == [len(ln) for ln in boxes.splitlines()]
    for text in ("Layer (type)", "Output Shape", "Param #", "(None, 25)", "10,025",
                 "Total params: 10,051"):
        assert text in plain


def test_summary_on_an_ascii_terminal_prints(monkeypatch):
    stream = _ascii_stream()
    monkeypatch.setattr(sys, "stdout", stream)
    digit_model(name="ascii_terminal").summary()
    stream.flush()
    text = stream.buffer.getvalue().decode("ascii")
    assert "layer1 (Dense)" in text and "Total params: 10,431" in text


# ---------------------------------------------------------------------------- ops

_rng = np.random.default_rng(3)
A = _rng.normal(size=(3, 4)).astype(np.float32)
B = _rng.normal(size=(4, 2)).astype(np.float32)
P = _rng.uniform(0.1, 3.0, size=(3, 4)).astype(np.float32)  # positive
V = np.array([0.5, -1.5, 2.5, -0.2, 1.0], np.float32)
INTS = np.array([[2, 0, 1], [1, 3, 0]], np.int32)
M = A > 0
L = np.array([0, 2, 1, 3])

# name -> (args, kwargs), with Keras's keyword names where a caller would use them.
OPS_CASES = {
    "abs": ((A,), {}), "absolute": ((A,), {}), "add": ((A, P), {}), "all": ((M,), {"axis": 0}),
    "any": ((M,), {"axis": 1}), "arange": ((1, 7, 2), {}), "argmax": ((A,), {"axis": -1}),
    "argmin": ((A,), {"axis": 0}), "argsort": ((V,), {}), "cast": ((A,), {"dtype": "int32"}),
    "ceil": ((A,), {}), "clip": ((A,), {"x_min": -0.5, "x_max": 0.5}),
    "concatenate": (([A, P],), {"axis": 0}), "convert_to_numpy": ((A,), {}),
    "convert_to_tensor": ((A,), {}), "cos": ((A,), {}), "cumprod": ((V,), {}),
    "cumsum": ((A,), {"axis": 1}), "diag": ((A[:, :3],), {}), "divide": ((A, P), {}),
    "dot": ((A, B), {}), "einsum": (("ij,jk->ik", A, B), {}), "elu": ((A,), {}),
    "equal": ((INTS, 1), {}), "exp": ((A,), {}), "expand_dims": ((A,), {"axis": 1}),
    "eye": ((3,), {}), "floor": ((A,), {}), "full": (((2, 3), 1.5), {}),
    "full_like": ((A, 2.0), {}), "gelu": ((A,), {}), "greater": ((A, 0.1), {}),
    "greater_equal": ((A, 0.1), {}), "isfinite": ((A,), {}), "isnan": ((A,), {}),
    "leaky_relu": ((A,), {}), "less": ((A, 0.1), {}), "less_equal": ((A, 0.1), {}),
    "linspace": ((0.0, 1.0), {"num": 5}), "log": ((P,), {}), "log1p": ((P,), {}),
    "log_sigmoid": ((A,), {}), "log_softmax": ((A,), {"axis": -1}),
    "logical_and": ((M, A < 1), {}), "logical_not": ((M,), {}), "logical_or": ((M, A < -1), {}),
    "logsumexp": ((A,), {"axis": 1}), "matmul": ((A, B), {}), "max": ((A,), {"axis": 0}),
    "maximum": ((A, 0.0), {}), "mean": ((A,), {"axis": -1}), "min": ((A,), {}),
    "minimum": ((A, P), {}), "mod": ((P, 0.7), {}), "multiply": ((A, P), {}),
    "ndim": ((A,), {}), "negative": ((A,), {}), "norm": ((A,), {"axis": 1}),
    "not_equal": ((INTS, 1), {}), "one_hot": ((L,), {"num_classes": 4}), "ones": (((2, 3),), {}),
    "ones_like": ((A,), {}), "power": ((P, 1.5), {}), "prod": ((P,), {"axis": 0}),
    "relu": ((A,), {}), "relu6": ((A * 5,), {}), "repeat": ((V,), {"repeats": 2}),
    "reshape": ((A, (4, 3)), {}), "round": ((A * 3,), {}), "selu": ((A,), {}),
    "shape": ((A,), {}), "sigmoid": ((A,), {}), "sign": ((A,), {}), "silu": ((A,), {}),
    "sin": ((A,), {}), "size": ((A,), {}), "softmax": ((A,), {"axis": -1}),
    "softplus": ((A,), {}), "sort": ((A,), {"axis": 0}), "sqrt": ((P,), {}),
    "square": ((A,), {}), "squeeze": ((A[:1],), {"axis": 0}), "stack": (([A, P],), {"axis": 1}),
    "std": ((A,), {"axis": 0}), "stop_gradient": ((A,), {}), "subtract": ((A, P), {}),
    "sum": ((A,), {"axis": 1}), "take": ((V, np.array([0, 3])), {"axis": 0}),
    "take_along_axis": ((A, np.argsort(A, axis=1)), {"axis": 1}), "tanh": ((A,), {}),
    "tile": ((V, (2,)), {}), "top_k": ((A,), {"k": 2}), "transpose": ((A,), {}),
    "tril": ((A,), {}), "triu": ((A,), {"k": 1}), "var": ((A,), {"axis": 1}),
    "where": ((M, A, P), {}), "zeros": (((2, 3),), {}), "zeros_like": ((A,), {}),
}


def public_ops():
    return sorted(n for n, f in vars(ops).items()
                  if not n.startswith("_") and inspect.isfunction(f))


def _parity_table_ops():
    """The ops the per-group parity tables (tests/test_ops_parity_*.py) cover."""
    import importlib.util
    import pathlib

    names = set()
    for path in sorted(pathlib.Path(__file__).parent.glob("test_ops_parity_*.py")):
        spec = importlib.util.spec_from_file_location(f"_table_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names |= set(module.CASES)
    return names


def test_every_public_op_has_a_case():
    missing = sorted(set(public_ops()) - set(OPS_CASES) - _parity_table_ops())
    assert not missing, (f"add a kerasish.ops case against keras.ops to OPS_CASES or a "
                         f"tests/test_ops_parity_*.py table: {missing}")


def _as_numpy(value):
    if isinstance(value, (tuple, list)) and value and not isinstance(value[0], (int, float)):
        return [np.asarray(v) for v in value]
    return [np.asarray(value)]


_DATA_ARGS = {"x", "x1", "x2", "xs", "condition", "variable"}


@pytest.mark.parametrize("name", sorted(OPS_CASES))
def test_ops_match_keras_ops(keras, name):
    """Same values, shapes and dtypes as keras.ops; and the same call with the arrays
    positional and every option by the name keras.ops gives it
    (``ops.clip(x, x_min=0, x_max=1)``, ``ops.tile(x, repeats=2)``)."""
    args, kwargs = OPS_CASES[name]
    theirs = _as_numpy(getattr(keras.ops, name)(*args, **kwargs))
    calls = {"as in OPS_CASES": (args, kwargs)}
    signature = inspect.signature(getattr(keras.ops, name))
    if not any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values()):
        bound = signature.bind(*args, **kwargs).arguments
        calls["options by keyword"] = ([v for k, v in bound.items() if k in _DATA_ARGS],
                                       {k: v for k, v in bound.items() if k not in _DATA_ARGS})
    for how, (a_args, a_kwargs) in calls.items():
        ours = _as_numpy(getattr(ops, name)(*a_args, **a_kwargs))
        for a, b in zip(ours, theirs, strict=True):
            assert a.shape == b.shape, (how, a.shape, b.shape)
            assert a.dtype == b.dtype, (how, a.dtype, b.dtype)
            if a.dtype.kind == "f":
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=how)
            else:
                np.testing.assert_array_equal(a, b, err_msg=how)


def test_ops_work_under_jit_and_on_variables():
    layer = Dense(3)
    layer(np.ones((1, 4), np.float32))
    np.testing.assert_allclose(np.asarray(ops.sum(layer.kernel)),
                               layer.get_weights()[0].sum(), rtol=1e-6)
    f = jax.jit(lambda x: ops.mean(ops.softmax(x), axis=-1))
    np.testing.assert_allclose(np.asarray(f(A)), 0.25, rtol=1e-6)
    assert isinstance(ops.convert_to_numpy(ops.exp(A)), np.ndarray)
