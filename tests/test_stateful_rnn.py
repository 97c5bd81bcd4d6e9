"""``stateful=True`` recurrent layers against real Keras 3: the last states of a batch
start the next one (SimpleRNN, LSTM, GRU, RNN over a cell and over stacked cells,
Bidirectional, ConvLSTM2D), ``reset_state`` gives the fresh layer back, the states are
no weights (not in ``get_weights()``, not saved, ``.keras`` files both ways), ``fit``
carries them from batch to batch (against a hand-unrolled Keras reference), and the
errors for a batch size that is not fixed or changes."""

import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers as klayers

B, T, F = 2, 4, 3
XS = np.random.default_rng(3).normal(size=(3, B, T, F)).astype("float32")  # 3 batches
CONV_XS = np.random.default_rng(4).normal(size=(3, B, 2, 4, 4, 2)).astype("float32")

KINDS = {
    "SimpleRNN": lambda m: m.SimpleRNN(3, stateful=True),
    "LSTM": lambda m: m.LSTM(3, stateful=True, return_sequences=True),
    "GRU": lambda m: m.GRU(3, stateful=True, go_backwards=True),
    "RNN_cell": lambda m: m.RNN(m.GRUCell(3, reset_after=False), stateful=True),
    "RNN_stacked": lambda m: m.RNN([m.SimpleRNNCell(2), m.LSTMCell(3)], stateful=True),
    "Bidirectional": lambda m: m.Bidirectional(m.LSTM(2, stateful=True,
                                                      return_sequences=True)),
    "ConvLSTM2D": lambda m: m.ConvLSTM2D(2, 3, padding="same", stateful=True),
}


def _twins(keras, kind):
    """The same stateful layer in a Keras and a kerasish model with a fixed batch
    size and the same random weights: (ours, theirs, our layer, their layer)."""
    xs = CONV_XS if kind == "ConvLSTM2D" else XS
    pair = []
    for lib in (keras, kerasish):
        layer = KINDS[kind](lib.layers)
        inputs = lib.Input(batch_shape=xs.shape[1:])
        pair.append((lib.Model(inputs, layer(inputs)), layer))
    (theirs, their_layer), (ours, our_layer) = pair
    rng = np.random.default_rng(5)
    weights = [(0.5 * rng.normal(size=w.shape)).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return ours, theirs, our_layer, their_layer, xs


def _states(layer):
    return [np.asarray(v.value) for v in jax.tree_util.tree_leaves(layer.states)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_states_carry_from_call_to_call_like_keras(keras, kind):
    ours, theirs, our_layer, their_layer, xs = _twins(keras, kind)
    assert [re.sub(r"_\d+", "", w.path) for w in ours.weights] == \
        [re.sub(r"_\d+", "", w.path) for w in theirs.weights]
    firsts = []
    for x in xs:  # consecutive batches: each starts from the last one's states
        mine, keras_out = our_layer(x), their_layer(x)
        np.testing.assert_allclose(np.asarray(mine), np.asarray(keras_out), atol=1e-5)
        firsts.append(np.asarray(mine))
        for a, b in zip(_states(our_layer), _states(their_layer)):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.abs(firsts[1] - np.asarray(our_layer(xs[1]))).max() > 1e-3  # it did carry
    if kind != "RNN_stacked":  # (Keras's reset_state cannot walk nested states)
        our_layer.reset_states()
        their_layer.reset_states()
        assert all(not s.any() for s in _states(our_layer))
        np.testing.assert_allclose(np.asarray(our_layer(xs[0])), firsts[0], atol=1e-6)


def test_states_are_not_weights_and_are_not_saved(keras, tmp_path):
    ours, theirs, our_layer, _, xs = _twins(keras, "LSTM")
    assert len(ours.get_weights()) == len(theirs.get_weights()) == 3
    assert our_layer.non_trainable_weights == [] and len(our_layer.states) == 2
    assert [v.path for v in our_layer.states] == ["lstm/rnn_state"] * 2 or \
        all(v.path.endswith("/rnn_state") for v in our_layer.states)
    before = np.asarray(our_layer(xs[0]))
    assert _states(our_layer)[0].any()
    ours.save(tmp_path / "ours.keras")
    loaded = keras.models.load_model(tmp_path / "ours.keras")
    layer = loaded.layers[-1]
    assert layer.stateful and layer.get_config()["stateful"] is True
    assert all(not np.asarray(v.value).any() for v in layer.states)  # not saved
    np.testing.assert_allclose(np.asarray(layer(xs[0])), before, atol=1e-5)
    theirs.save(tmp_path / "theirs.keras")
    back = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert back.layers[-1].stateful
    np.testing.assert_allclose(np.asarray(back.layers[-1](xs[0])), before, atol=1e-5)


def _unrolled_keras_fit(keras, weights, xs, ys, lr):
    """Keras's documented stateful training, written out by hand: a stateless Keras
    LSTM + Dense taking the states as inputs; per batch one SGD step on the mean
    squared error, the states of that forward pass start the next batch."""
    x = keras.Input(batch_shape=xs.shape[1:])
    h0, c0 = keras.Input(batch_shape=(B, 3)), keras.Input(batch_shape=(B, 3))
    seq, h, c = keras.layers.LSTM(3, return_state=True)(x, initial_state=[h0, c0])
    model = keras.Model([x, h0, c0], [keras.layers.Dense(1)(seq), h, c])
    model.set_weights(weights)
    params = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]  # (its seed generator)
    states, losses = [np.zeros((B, 3), "float32")] * 2, []

    def loss_fn(params, x, y, states):
        (y_pred, h, c), _ = model.stateless_call(params, fixed, [x, *states])
        return jax.numpy.mean((y_pred - y) ** 2), [h, c]

    for x_b, y_b in zip(xs, ys):
        (loss, states), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x_b, y_b,
                                                                          states)
        params = [p - lr * g for p, g in zip(params, grads)]
        losses.append(float(loss))
    return [np.asarray(p) for p in params], [np.asarray(s) for s in states], losses


def test_fit_carries_states_from_batch_to_batch(keras):
    ys = np.random.default_rng(6).normal(size=(3, B, 1)).astype("float32")
    inputs = kerasish.Input(batch_shape=XS.shape[1:])
    lstm = klayers.LSTM(3, stateful=True)
    model = kerasish.Model(inputs, klayers.Dense(1)(lstm(inputs)))
    rng = np.random.default_rng(7)
    weights = [(0.5 * rng.normal(size=w.shape)).astype("float32") for w in model.weights]
    model.set_weights(weights)
    model.compile(kerasish.optimizers.SGD(0.1), "mse")
    history = model.fit(XS.reshape(-1, T, F), ys.reshape(-1, 1), batch_size=B,
                        shuffle=False, verbose=0)
    params, states, losses = _unrolled_keras_fit(keras, weights, XS, ys, 0.1)
    for a, b in zip(model.get_weights(), params):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for a, b in zip(_states(lstm), states):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"][0], np.mean(losses), rtol=1e-5)
    lstm.reset_state()
    assert all(not s.any() for s in _states(lstm))


def test_predict_reads_the_states_and_stateless_call_leaves_them(keras):
    ours, theirs, our_layer, their_layer, xs = _twins(keras, "SimpleRNN")
    x = xs.reshape(-1, T, F)
    # As Keras on JAX: predict starts every batch from the layer's current states and
    # does not advance them.
    np.testing.assert_allclose(ours.predict(x, batch_size=B, verbose=0),
                               theirs.predict(x, batch_size=B, verbose=0), atol=1e-5)
    assert all(not s.any() for s in _states(our_layer))
    our_layer(xs[0])
    after = _states(our_layer)
    predicted = ours.predict(xs[1], batch_size=B, verbose=0)
    np.testing.assert_allclose(predicted, np.asarray(our_layer(xs[1])), atol=1e-6)
    our_layer.states[0].assign(after[0])
    assert len(ours.non_trainable_variables) == len(theirs.non_trainable_variables) - 1 \
        or ours.non_trainable_variables == []  # (Keras's has its seed generator)
    y, new = ours.stateless_call([v.value for v in ours.trainable_variables], [], xs[1])
    np.testing.assert_allclose(np.asarray(y), predicted, atol=1e-6)
    assert new == [] and np.array_equal(_states(our_layer)[0], after[0])


def test_batch_size_must_be_fixed_and_kept(keras):
    with pytest.raises(ValueError, match=r"batch size must be static.*\(None, 4, 3\).*"
                                         r"batch_shape"):
        kerasish.Sequential([kerasish.Input((T, F)), klayers.LSTM(3, stateful=True)])
    inputs = kerasish.Input(batch_shape=(B, T, F))
    layer = klayers.GRU(3, stateful=True)
    model = kerasish.Model(inputs, layer(inputs))
    with pytest.raises(ValueError, match=r"(?s)stateful.*Expected batch size: 2\n- Received "
                                         r"batch size: 3"):
        layer(np.ones((3, T, F), "float32"))
    assert all(not s.any() for s in _states(layer))  # the failed call changed nothing
    with pytest.raises(ValueError, match=r"(?s)Expected batch size: 2.*Received batch size: 1"):
        model.predict(np.ones((3, T, F), "float32"), batch_size=1, verbose=0)
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        klayers.Bidirectional(klayers.LSTM(2)).reset_state()
    with pytest.raises(ValueError, match=r"is stateful and was called inside a JAX "
                                         r"transformation"):
        jax.jit(lambda x: layer(x))(np.ones((B, T, F), "float32"))


def test_fit_with_a_batch_size_other_than_two():
    inputs = kerasish.Input(batch_shape=(4, T, F))
    model = kerasish.Model(inputs, klayers.SimpleRNN(2, stateful=True)(inputs))
    model.compile("sgd", "mse")
    model.fit(np.ones((8, T, F), "float32"), np.ones((8, 2), "float32"), batch_size=4,
              shuffle=False, verbose=0)


def test_model_call_advances_the_states():
    inputs = kerasish.Input(batch_shape=(B, T, F))
    model = kerasish.Model(inputs, klayers.SimpleRNN(2, stateful=True)(inputs))
    first = np.asarray(model(XS[0]))
    assert np.abs(np.asarray(model(XS[0])) - first).max() > 1e-4


def test_mixed_precision_states_stay_float32_like_keras(keras):
    kerasish.mixed_precision.set_global_policy("mixed_float16")
    keras.config.set_dtype_policy("mixed_float16")
    try:
        ours, theirs, our_layer, their_layer, xs = _twins(keras, "SimpleRNN")
        for x in xs[:2]:
            mine, keras_out = our_layer(x), their_layer(x)
            assert mine.dtype == keras_out.dtype == np.float16
            np.testing.assert_allclose(np.asarray(mine, "float32"),
                                       np.asarray(keras_out, "float32"), atol=1e-3)
        assert our_layer.states[0].dtype == their_layer.states[0].dtype == "float32"
        np.testing.assert_allclose(_states(our_layer)[0], _states(their_layer)[0], atol=1e-3)
    finally:
        kerasish.mixed_precision.set_global_policy(None)
        keras.config.set_dtype_policy("float32")
