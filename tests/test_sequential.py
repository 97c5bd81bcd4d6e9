"""Sequential and Dense against Keras 3: names, building, layers, summary, weights.

Differential where Keras has an answer (summary text, Dense outputs from identical
weights, to_categorical), hand-computed where the course gives one (10,025 / 390 / 16
parameters for a 400-input 25-15-1 model). Automatic names come from process-global
counters, so the tests assert on patterns and on the order of suffixes, never on an
absolute number.
"""

import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense, InputLayer

ACTIVATIONS = [
    "linear", "relu", "sigmoid", "softmax", "tanh", "leaky_relu", "elu", "selu", "gelu",
    "softplus", "softsign", "silu", "swish", "exponential", "hard_sigmoid",
]


def suffix(name, prefix):
    """0 for ``prefix``, n for ``prefix_n``; fails for anything else."""
    m = re.fullmatch(rf"{prefix}(?:_(\d+))?", name)
    assert m, f"{name!r} is not an automatic {prefix!r} name"
    return int(m.group(1) or 0)


def course_model(k, names=("l1", "l2", "l3"), name="course_model"):
    """The course's 400-input 25-15-1 sigmoid model, in Keras or kerasish ``k``."""
    return k.Sequential([
        k.Input(shape=(400,)),
        k.layers.Dense(units=25, activation="sigmoid", name=names[0]),
        k.layers.Dense(units=15, activation="sigmoid", name=names[1]),
        k.layers.Dense(units=1, activation="sigmoid", name=names[2]),
    ], name=name)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- automatic names --------------------------------------------------------------------
def test_dense_names_count_up_like_keras(keras):
    ours = [Dense(2).name for _ in range(3)]
    theirs = [keras.layers.Dense(2).name for _ in range(3)]
    for names in (ours, theirs):
        n = [suffix(x, "dense") for x in names]
        assert n == [n[0], n[0] + 1, n[0] + 2]


@pytest.mark.slow
def test_first_names_have_no_suffix_in_a_fresh_process():
    # Keras: the first Dense is `dense`, the second `dense_1`. Check it in a clean
    # interpreter, where the global counter starts at zero.
    import subprocess
    import sys

    code = ("import kerasish; from kerasish.layers import Dense;"
            "print(Dense(1).name, Dense(1).name, kerasish.Sequential().name,"
            " kerasish.Sequential().name)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["dense", "dense_1", "sequential", "sequential_1"]


def test_sequential_names_count_up_like_keras(keras):
    for k in (kerasish, keras):
        a, b = k.Sequential(), k.Sequential()
        assert suffix(b.name, "sequential") == suffix(a.name, "sequential") + 1


def test_layer_names_are_unique_across_models():
    m1 = kerasish.Sequential([Dense(2), Dense(2)])
    m2 = kerasish.Sequential([Dense(2)])
    names = [la.name for la in m1.layers + m2.layers]
    assert len(set(names)) == 3
    assert all(suffix(n, "dense") >= 0 for n in names)
    assert [suffix(n, "dense") for n in names] == sorted(suffix(n, "dense") for n in names)


def test_explicit_names():
    model = kerasish.Sequential([Dense(3, name="hidden")], name="my_model")
    assert model.name == "my_model"
    assert model.layers[0].name == "hidden"


# -- building ---------------------------------------------------------------------------
def test_input_first_builds_at_once():
    model = course_model(kerasish)
    assert model.built
    assert model.input_shape == (None, 400)
    assert [w.shape for w in model.weights] == [(400, 25), (25,), (25, 15), (15,), (15, 1), (1,)]
    # Keras leaves the InputLayer out of `.layers`.
    assert [type(la) for la in model.layers] == [Dense, Dense, Dense]
    assert not any(isinstance(la, InputLayer) for la in model.layers)


def test_add_builds_once_input_is_known(keras):
    for k in (kerasish, keras):
        model = k.Sequential(name="added")
        assert model.layers == []
        model.add(k.Input(shape=(400,)))
        model.add(k.layers.Dense(25))
        assert model.built and len(model.weights) == 2
        model.add(k.layers.Dense(1))
        assert [w.shape for w in model.weights] == [(400, 25), (25,), (25, 1), (1,)]
        assert len(model.layers) == 2


def test_add_without_input_is_lazy():
    model = kerasish.Sequential()
    model.add(Dense(4))
    model.add(Dense(2))
    assert not model.built
    assert model.weights == [] and model.get_weights() == []
    y = model(np.ones((3, 5), np.float32))
    assert model.built and y.shape == (3, 2)
    assert [w.shape for w in model.weights] == [(5, 4), (4,), (4, 2), (2,)]


def test_add_refuses_non_layers_and_duplicate_names():
    model = kerasish.Sequential([Dense(2, name="same")])
    # Keras raises ValueError here; a TypeError is at least as right, both are accepted.
    with pytest.raises((TypeError, ValueError), match="Only instances of"):
        model.add(3)
    with pytest.raises(ValueError, match="unique names.*'same'"):
        model.add(Dense(2, name="same"))
    assert len(model.layers) == 1


def test_lazy_build_on_first_call_matches_numpy():
    model = kerasish.Sequential([Dense(3, activation="sigmoid"), Dense(2)])
    assert not model.built
    x = np.random.default_rng(1).normal(size=(5, 6)).astype(np.float32)
    y = np.asarray(model(x))
    w = model.get_weights()
    expected = sigmoid(x @ w[0] + w[1]) @ w[2] + w[3]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_lazy_build_on_fit():
    model = kerasish.Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    x = np.random.default_rng(2).normal(size=(20, 7)).astype(np.float32)
    model.fit(x, (x[:, 0] > 0).astype(np.float32), epochs=1, verbose=0)
    assert model.built
    assert model.input_shape == (None, 7)
    assert model.count_params() == 7 * 4 + 4 + 4 + 1


def test_build_with_shape():
    model = kerasish.Sequential([Dense(25), Dense(15), Dense(1)])
    model.build((None, 400))
    assert model.built
    assert [la.count_params() for la in model.layers] == [10025, 390, 16]
    with pytest.raises(ValueError, match="cannot be rebuilt"):
        model.build((None, 300))


# -- layers -----------------------------------------------------------------------------
def test_get_layer_by_name_and_index():
    model = course_model(kerasish, names=("a1", "a2", "a3"))
    assert model.get_layer(name="a2") is model.layers[1]
    assert model.get_layer("a3") is model.layers[2]
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[2]  # Keras allows negative indices


def test_get_layer_errors_match_keras(keras):
    ours = course_model(kerasish, names=("g1", "g2", "g3"))
    theirs = course_model(keras, names=("g1", "g2", "g3"))
    for model in (ours, theirs):
        with pytest.raises(ValueError, match=r"index 5 but model only has 3 layers"):
            model.get_layer(index=5)
        with pytest.raises(ValueError, match=r"No such layer: nope\. Existing layers are: "
                                             r"\['g1', 'g2', 'g3'\]"):
            model.get_layer(name="nope")
        with pytest.raises(ValueError, match="get_layer"):
            model.get_layer()


def test_get_layer_suggests_close_name():
    model = course_model(kerasish, names=("hidden1", "hidden2", "output"))
    with pytest.raises(ValueError, match="Did you mean 'output'"):
        model.get_layer(name="outptu")


# -- summary ----------------------------------------------------------------------------
def _table_and_totals(text):
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Model:"))
    return lines[start:]


@pytest.mark.parametrize("state", ["built", "unbuilt", "trained"])
def test_summary_matches_keras(keras, capsys, state):
    names = (f"s_{state}_1", f"s_{state}_2", f"s_{state}_3")
    if state == "unbuilt":
        ours = kerasish.Sequential([Dense(25, name=names[0]), Dense(1, name=names[1])],
                                   name="summary_model")
        theirs = keras.Sequential([keras.layers.Dense(25, name=names[0]),
                                   keras.layers.Dense(1, name=names[1])], name="summary_model")
    else:
        ours = course_model(kerasish, names=names, name="summary_model")
        theirs = course_model(keras, names=names, name="summary_model")
    if state == "trained":
        x = np.random.default_rng(3).normal(size=(8, 400)).astype(np.float32)
        y = (x[:, 0] > 0).astype(np.float32)
        for m in (ours, theirs):
            m.compile(loss="binary_crossentropy", optimizer="adam")
            m.fit(x, y, epochs=1, verbose=0)
    capsys.readouterr()
    theirs.summary()
    expected = _table_and_totals(capsys.readouterr().out)
    ours.summary()
    got = _table_and_totals(capsys.readouterr().out)
    assert got == expected
    assert any("Total params" in ln for ln in got)
    if state != "unbuilt":
        assert " Total params: {}".format(
            "31,295 (122.25 KB)" if state == "trained" else "10,431 (40.75 KB)") in got


def test_summary_print_fn_receives_the_text():
    seen = []
    course_model(kerasish, names=("p1", "p2", "p3")).summary(print_fn=seen.append)
    text = "\n".join(seen)
    assert "p1 (Dense)" in text and "10,025" in text and "Total params: 10,431" in text


# -- parameter counts -------------------------------------------------------------------
def test_count_params_course_numbers():
    model = course_model(kerasish, names=("c1", "c2", "c3"))
    assert [la.count_params() for la in model.layers] == [10025, 390, 16]
    assert model.count_params() == 10025 + 390 + 16


def test_count_params_before_build_raises():
    with pytest.raises(ValueError, match="isn't built"):
        Dense(3).count_params()


# -- weights ----------------------------------------------------------------------------
def test_weight_paths_and_layout(keras):
    ours = course_model(kerasish, names=("w1", "w2", "w3"))
    theirs = course_model(keras, names=("w1", "w2", "w3"))
    assert [w.path for w in ours.weights] == [
        "w1/kernel", "w1/bias", "w2/kernel", "w2/bias", "w3/kernel", "w3/bias"]
    # Keras 3.15 prefixes the model's name ('course_model/w1/kernel'); ours is the
    # layer-relative tail of it.
    for a, b in zip(ours.weights, theirs.weights):
        assert b.path.endswith(a.path)
        assert a.shape == tuple(b.shape)
    layer = Dense(4, name="dense_path_check")
    layer(np.ones((2, 3), np.float32))
    assert [w.path for w in layer.weights] == ["dense_path_check/kernel", "dense_path_check/bias"]
    assert layer.kernel.shape == (3, 4) and layer.bias.shape == (4,)


def test_get_set_weights_roundtrip_and_casting():
    model = course_model(kerasish, names=("r1", "r2", "r3"))
    weights = model.get_weights()
    assert all(isinstance(w, np.ndarray) and w.dtype == np.float32 for w in weights)
    rng = np.random.default_rng(4)
    as_f64 = [rng.normal(size=w.shape) for w in weights]
    model.set_weights(as_f64)
    for got, sent in zip(model.get_weights(), as_f64):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, sent.astype(np.float32))
    as_i64 = [rng.integers(-3, 4, size=w.shape).astype(np.int64) for w in weights]
    model.set_weights(as_i64)
    for got, sent in zip(model.get_weights(), as_i64):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, sent.astype(np.float32))
    # get_weights returns copies: editing them does not touch the model
    w = model.get_weights()
    w[0][...] = 123.0
    assert not np.any(model.get_weights()[0] == 123.0)


def test_set_weights_wrong_count_changes_nothing():
    model = course_model(kerasish, names=("n1", "n2", "n3"))
    before = model.get_weights()
    zeros = [np.zeros_like(w) for w in before]
    with pytest.raises(ValueError, match=r"expected 6 weight arrays.*received 5"):
        model.set_weights(zeros[:5])
    with pytest.raises(ValueError, match=r"expected 6 weight arrays.*received 7"):
        model.set_weights(zeros + [np.zeros(1)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_set_weights_wrong_shape_changes_nothing():
    model = course_model(kerasish, names=("h1", "h2", "h3"))
    before = model.get_weights()
    # All good except the last: a partial write would show as zeros in the first five.
    bad = [np.zeros_like(w) for w in before[:-1]] + [np.zeros((2,), np.float32)]
    with pytest.raises(ValueError, match=r"'h3/bias' expects shape \(1,\).*\(2,\)"):
        model.set_weights(bad)
    bad = [np.zeros((25, 400), np.float32)] + [np.zeros_like(w) for w in before[1:]]
    with pytest.raises(ValueError, match=r"'h1/kernel' expects shape \(400, 25\)"):
        model.set_weights(bad)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_layer_set_weights_checks_shape():
    layer = Dense(3)
    layer(np.ones((1, 2), np.float32))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"expects shape \(2, 3\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="expected 2 weight arrays"):
        layer.set_weights([np.zeros((2, 3))])
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.ones((2, 3)), np.arange(3)])
    np.testing.assert_array_equal(layer.get_weights()[1], [0.0, 1.0, 2.0])


# -- calling on arrays ------------------------------------------------------------------
def test_model_and_layer_called_on_numpy():
    model = course_model(kerasish, names=("x1", "x2", "x3"))
    x = np.random.default_rng(5).normal(size=(6, 400))  # float64: cast like Keras
    y = model(x)
    assert y.shape == (6, 1)
    w = model.get_weights()
    h = sigmoid(x @ w[0] + w[1])
    h = sigmoid(h @ w[2] + w[3])
    expected = sigmoid(h @ w[4] + w[5])
    np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=1e-6)
    first = model.layers[0](x)
    np.testing.assert_allclose(np.asarray(first), sigmoid(x @ w[0] + w[1]), rtol=1e-5,
                               atol=1e-6)
    # numpy and matplotlib accept the result as is
    assert np.asarray(y).dtype == np.float32


def test_dense_called_directly_builds_itself():
    layer = Dense(units=25, activation="sigmoid")
    assert not layer.built and layer.get_weights() == []
    y = layer(np.ones((4, 400)))
    assert layer.built and y.shape == (4, 25)
    assert [w.shape for w in layer.get_weights()] == [(400, 25), (25,)]
    assert layer.count_params() == 10025


@pytest.mark.parametrize("name", ["relu", "sigmoid", "linear", "softmax", "tanh"])
def test_activation_attribute_is_the_function(name):
    layer = Dense(2, activation=name)
    assert layer.activation is getattr(kerasish.activations, name)
    assert Dense(2, activation=kerasish.activations.relu).activation is kerasish.activations.relu
    assert Dense(2).activation is kerasish.activations.linear


# -- Dense against Keras ----------------------------------------------------------------
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_forward_matches_keras(keras, activation, use_bias):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 7)).astype(np.float32)
    theirs = keras.layers.Dense(6, activation=activation, use_bias=use_bias)
    theirs.build((None, 7))
    weights = theirs.get_weights()
    assert weights[0].shape == (7, 6)  # Keras's layout: (input_dim, units)
    if use_bias:  # a non-zero bias, so that it is tested too
        weights[1] = rng.normal(size=(6,)).astype(np.float32)
        theirs.set_weights(weights)
    ours = Dense(6, activation=activation, use_bias=use_bias)
    ours.build((None, 7))
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(weights)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5,
                               atol=1e-6)


def test_model_forward_matches_keras_with_copied_weights(keras):
    theirs = course_model(keras, names=("k1", "k2", "k3"))
    ours = course_model(kerasish, names=("k1", "k2", "k3"))
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(7).normal(size=(50, 400)).astype(np.float32)
    expected = np.asarray(theirs.predict(x, verbose=0))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-6)


# -- reproducibility --------------------------------------------------------------------
def _seeded_weights(seed):
    kerasish.utils.set_random_seed(seed)
    model = kerasish.Sequential([kerasish.Input(shape=(5,)), Dense(4, activation="relu"),
                                 Dense(1, activation="sigmoid")])
    return model.get_weights()


def test_set_random_seed_gives_identical_weights():
    a, b = _seeded_weights(123), _seeded_weights(123)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = _seeded_weights(124)
    assert not np.array_equal(a[0], c[0])


def test_set_random_seed_gives_identical_training():
    x = np.random.default_rng(8).normal(size=(40, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    runs = []
    for _ in range(2):
        kerasish.utils.set_random_seed(7)
        model = kerasish.Sequential([kerasish.Input(shape=(5,)), Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # shuffled: the seed decides
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# -- to_categorical ---------------------------------------------------------------------
@pytest.mark.parametrize("labels, num_classes", [
    ([0, 2, 1, 2], None),
    ([0, 2, 1, 2], 5),
    (np.array([[1], [0], [3]]), None),
    (np.array([[0, 1], [2, 0]]), 3),
    (np.array([1.0, 0.0, 2.0]), None),
])
def test_to_categorical_matches_keras(keras, labels, num_classes):
    expected = keras.utils.to_categorical(labels, num_classes=num_classes)
    got = kerasish.utils.to_categorical(labels, num_classes=num_classes)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_to_categorical_refuses_out_of_range():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        kerasish.utils.to_categorical([0, 3], num_classes=3)


def test_jax_arrays_accepted_everywhere():
    model = course_model(kerasish, names=("j1", "j2", "j3"))
    x = jax.numpy.ones((2, 400))
    assert model(x).shape == (2, 1)
    assert model.predict(x, verbose=0).shape == (2, 1)
