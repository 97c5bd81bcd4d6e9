"""Recurrent layers against real Keras 3 on the same weights: SimpleRNN, LSTM, GRU
(``reset_after`` both ways), their cells, ``RNN`` with a user cell and stacked cells,
``Bidirectional`` and ``TimeDistributed``; masks (Keras's carry-forward, its unrolled
variant), ``go_backwards``, ``return_sequences``/``return_state``, ``initial_state``;
one SGD step of a masked model; dropout under a seed; one trace per fit; configs and
``.keras`` files both ways; the refusals. ``stateful=True``: tests/test_stateful_rnn.py."""

import json
import re
import types
import warnings

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers as klayers
from kerasish.layers.base import get_keras_mask
from kerasish.saving import deserialize_keras_object
from kerasish.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from kerasish.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from kerasish.layers.wrappers import Bidirectional, TimeDistributed

OURS = types.SimpleNamespace(
    SimpleRNN=SimpleRNN, LSTM=LSTM, GRU=GRU, RNN=RNN, SimpleRNNCell=SimpleRNNCell,
    LSTMCell=LSTMCell, GRUCell=GRUCell, StackedRNNCells=StackedRNNCells,
    Bidirectional=Bidirectional, TimeDistributed=TimeDistributed, Dense=klayers.Dense,
    Embedding=klayers.Embedding, Layer=klayers.Layer)
NEW = ["SimpleRNN", "LSTM", "GRU", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
       "StackedRNNCells", "Bidirectional", "TimeDistributed"]

X = np.random.default_rng(0).normal(size=(3, 6, 4)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0, 0],    # right-padded
                 [1, 1, 1, 1, 1, 1],    # full
                 [0, 1, 1, 0, 1, 0]],   # holes, first step masked
                bool)
IDS = np.array([[3, 5, 2, 0, 0], [1, 2, 7, 9, 4], [0, 6, 0, 8, 0]], "int32")


@pytest.fixture
def exported(monkeypatch):
    """The export lines kerasish/layers/__init__.py gets: saving finds the classes
    there (and writes them under Keras's module, "keras.layers")."""
    for name in NEW:
        monkeypatch.setattr(kerasish.layers, name, getattr(OURS, name), raising=False)


def _close(ours, theirs, tol=1e-5):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    return [(0.5 * rng.normal(size=w.shape)).astype("float32") for w in layer.weights]


def _twins(keras, make, shape=X.shape):
    """The same layer in Keras and kerasish, built for ``shape``, with the same random
    weights and Keras's weight paths; returns (ours, theirs)."""
    theirs, ours = make(keras.layers), make(OURS)
    theirs.build(shape)
    ours.build(shape)
    weights = _random_weights(theirs)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    unnumbered = lambda layer: [re.sub(r"_\d+", "", w.path) for w in layer.weights]  # noqa
    assert unnumbered(ours) == unnumbered(theirs)
    return ours, theirs


# -- each layer, each option, against Keras ---------------------------------------------
KINDS = {
    "SimpleRNN": lambda m, **kw: m.SimpleRNN(5, **kw),
    "LSTM": lambda m, **kw: m.LSTM(5, **kw),
    "GRU": lambda m, **kw: m.GRU(5, **kw),
    "GRU_reset_before": lambda m, **kw: m.GRU(5, reset_after=False, **kw),
}
OPTIONS = {  # each case several options at once, to keep the file fast
    "sequences_state_masked": dict(return_sequences=True, return_state=True, mask=True),
    "backwards_unrolled_masked": dict(go_backwards=True, unroll=True, return_state=True,
                                      mask=True),
    "backwards_sequences": dict(go_backwards=True, return_sequences=True),
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_layer_matches_keras(keras, kind, option):
    opts = dict(OPTIONS[option])
    call = {"mask": MASK} if opts.pop("mask", False) else {}
    ours, theirs = _twins(keras, lambda m: KINDS[kind](m, **opts))
    expected = theirs(X, **call)
    # Under jit, as the engine runs it.
    apply = jax.jit(lambda p, x: ours.stateless_call(p, [], x, **call)[0])
    _close(apply([v.value for v in ours.trainable_variables], X), expected)


@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM"])
def test_initial_state_with_a_masked_first_step(keras, kind, unroll):
    """Keras's masked output repeats the previous *state* in its scan and the previous
    *output* (zeros at first) when unrolled: both differ when the first step is masked
    and the initial state is not zero."""
    ours, theirs = _twins(keras, lambda m: KINDS[kind](m, return_sequences=True,
                                                      return_state=True, unroll=unroll))
    rng = np.random.default_rng(5)
    states = [rng.normal(size=(3, 5)).astype("float32") for _ in theirs.cell.state_size] \
        if kind == "LSTM" else [rng.normal(size=(3, 5)).astype("float32")]
    expected = theirs(X, initial_state=states, mask=MASK)
    _close(ours(X, initial_state=states, mask=MASK), expected)
    first = np.asarray(expected[0])[2, 0]  # row 2 starts masked
    assert np.all(first == 0) if unroll else np.allclose(first, states[0][2])


def test_cells_alone_match_keras(keras):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4)).astype("float32")
    for make in (lambda m: m.SimpleRNNCell(5), lambda m: m.LSTMCell(5),
                 lambda m: m.GRUCell(5), lambda m: m.GRUCell(5, reset_after=False)):
        theirs, ours = make(keras.layers), make(OURS)
        states = [rng.normal(size=(3, 5)).astype("float32")
                  for _ in np.atleast_1d(theirs.state_size)]
        theirs(x, states), ours(x, states)
        weights = _random_weights(theirs)
        theirs.set_weights(weights), ours.set_weights(weights)
        out, new = ours(x, states)
        k_out, k_new = theirs(x, states)
        _close([out, *new], [k_out, *k_new])


# -- masks from Embedding(mask_zero=True), in models ---------------------------------------
def _text_model(m, mid):
    ids = m.Input((5,), dtype="int32")
    h = m.layers.Embedding(10, 4, mask_zero=True, name="emb")(ids)
    out = m.layers.Dense(2, name="out")(mid(h))
    return m.Model(ids, out)


MID = {
    "gru_sequences_td": lambda L: (lambda h: L.TimeDistributed(L.Dense(2), name="td")(
        L.GRU(3, return_sequences=True, name="mid")(h))),
    "bidirectional_ave": lambda L: L.Bidirectional(L.SimpleRNN(3, return_sequences=True),
                                                   merge_mode="ave", name="mid"),
}


def _model_twins(keras, mid):
    theirs = _text_model(keras, MID[mid](keras.layers))
    ours = _text_model(kerasish, MID[mid](OURS))
    ours.set_weights(_random_weights(theirs, seed=3))
    theirs.set_weights(_random_weights(theirs, seed=3))
    return ours, theirs


@pytest.mark.parametrize("mid", sorted(MID))
def test_embedding_mask_through_recurrent_models(keras, mid):
    ours, theirs = _model_twins(keras, mid)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*does not support masking.*")
        _close(ours.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0))


def test_output_masks_are_keras(keras):
    makers = (lambda L: L.LSTM(3, return_sequences=True), lambda L: L.LSTM(3),
              lambda L: L.Bidirectional(L.GRU(2, return_sequences=True)),
              lambda L: L.Bidirectional(L.GRU(2)), lambda L: L.TimeDistributed(L.Dense(2)))
    for make in makers:  # symbolically: the output's mask is there exactly when Keras's is
        masks = []
        for m, L in ((kerasish, OURS), (keras, keras.layers)):
            h = m.layers.Embedding(10, 4, mask_zero=True)(m.Input((5,), dtype="int32"))
            out = make(L)(h)
            mask = getattr(out, "_keras_mask", None)
            masks.append(None if mask is None else tuple(mask.shape))
        assert masks[0] == masks[1]
    h = kerasish.layers.Embedding(10, 4, mask_zero=True)(IDS)
    np.testing.assert_array_equal(get_keras_mask(TimeDistributed(OURS.Dense(2))(h)), IDS != 0)


# -- Bidirectional, TimeDistributed, user cells ------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes_match_keras(keras, merge_mode):
    ours, theirs = _twins(keras, lambda m: m.Bidirectional(
        m.LSTM(3, return_sequences=True, return_state=True), merge_mode=merge_mode))
    _close(ours(X, mask=MASK), theirs(X, mask=MASK))
    assert ours.forward_layer.zero_output_for_mask is True  # Keras forces it


def test_bidirectional_with_a_backward_layer_and_initial_state(keras):
    def make(m):
        return m.Bidirectional(m.GRU(3), backward_layer=m.SimpleRNN(3, go_backwards=True),
                               merge_mode="concat")

    ours, theirs = _twins(keras, make)
    states = list(np.random.default_rng(4).normal(size=(2, 3, 3)).astype("float32"))
    _close(ours(X, initial_state=states, mask=MASK), theirs(X, initial_state=states,
                                                            mask=MASK))


def test_time_distributed_dense_matches_keras(keras):
    ours, theirs = _twins(keras, lambda m: m.TimeDistributed(m.Dense(3, activation="relu")))
    _close(ours(X, mask=MASK), theirs(X, mask=MASK))
    assert ours.compute_output_shape((None, 6, 4)) == (None, 6, 3)


def _minimal_cell_class(m):
    class MinimalRNNCell(m.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            output = m.ops.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
            return output, [output]

    return MinimalRNNCell


def test_rnn_with_a_user_cell_and_stacked_cells_matches_keras(keras):
    for stacked in (False, True):
        def make(L, stacked=stacked):
            m = keras if L is keras.layers else kerasish
            cell = _minimal_cell_class(m)(4)
            cells = [L.LSTMCell(3), cell, L.GRUCell(2)] if stacked else cell
            return L.RNN(cells, return_sequences=True, return_state=True, go_backwards=True)

        ours, theirs = _twins(keras, make)
        _close(ours(X, mask=MASK), theirs(X, mask=MASK))
        _close(ours(X), theirs(X))


# -- training: one SGD step, dropout, traces ---------------------------------------------------
def test_one_sgd_step_matches_keras(keras):
    ours, theirs = _model_twins(keras, "bidirectional_ave")
    y = np.random.default_rng(6).normal(size=(3, 5, 2)).astype("float32")
    for model, m in ((ours, kerasish), (theirs, keras)):
        model.compile(optimizer=m.optimizers.SGD(0.5), loss="mse")
        model.fit(IDS, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    _close(ours.get_weights(), theirs.get_weights())
    assert not np.allclose(ours.get_weights()[0], _random_weights(theirs, seed=3)[0])


def _dropout_outputs(seed, x=X):
    layer = LSTM(5, dropout=0.5, recurrent_dropout=0.3, seed=seed, return_sequences=True)
    layer(x)
    layer.set_weights(_random_weights(layer))
    return [np.asarray(layer(x, training=True)) for _ in range(2)] + [np.asarray(layer(x))]


def test_dropout_reproducible_under_a_seed():
    first, again = _dropout_outputs(seed=7), _dropout_outputs(seed=7)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], first[1])  # a new mask per call
    assert not np.allclose(first[0], first[2])  # training differs from inference
    # One mask for the whole sequence: with zero recurrent weights and the input
    # repeated over time, a dropped input unit is dropped at every step.
    cell_layer = SimpleRNN(6, dropout=0.5, seed=3, activation=None, use_bias=False,
                           return_sequences=True, recurrent_initializer="zeros")
    x = np.ones((2, 5, 6), "float32")
    cell_layer(x)
    cell_layer.set_weights([np.eye(6, dtype="float32"), np.zeros((6, 6), "float32")])
    y = np.asarray(cell_layer(x, training=True))
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1], y.shape))


def test_fit_traces_once_and_dropout_follows_the_seed():
    class CountingCell(kerasish.layers.Layer):
        traces = 0

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.state_size = 3

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 3), name="kernel")

        def call(self, inputs, states):
            CountingCell.traces += 1  # runs only while tracing
            out = kerasish.ops.tanh(inputs @ self.kernel + states[0])
            return out, [out]

    ids = kerasish.Input((5,), dtype="int32")
    h = kerasish.layers.Embedding(10, 4, mask_zero=True)(ids)
    h = LSTM(4, dropout=0.3, recurrent_dropout=0.2, return_sequences=True)(h)
    model = kerasish.Model(ids, kerasish.layers.Dense(1)(RNN(CountingCell())(h)))
    model.compile(optimizer="sgd", loss="mse")
    start, counts = model.get_weights(), []
    record = kerasish.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: counts.append(CountingCell.traces))

    def fit(seed):
        model.set_weights(start)
        kerasish.utils.set_random_seed(seed)
        model.fit(np.tile(IDS, (3, 1)), np.ones((9, 1)), batch_size=4, epochs=2,  # 4+4+1
                  verbose=0, callbacks=[record])
        return model.get_weights()

    first, again, other = fit(1), fit(1), fit(2)
    assert counts == [counts[0]] * 6  # traced in the first epoch of the first fit only
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, c) for a, c in zip(first, other))


# -- configs and files -------------------------------------------------------------------------
CONFIGS = {
    "SimpleRNN": lambda m: m.SimpleRNN(3, dropout=0.1, go_backwards=True, seed=2),
    "LSTM": lambda m: m.LSTM(3, unit_forget_bias=False, return_state=True, seed=1,
                             kernel_regularizer="l2"),
    "GRU": lambda m: m.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid"),
    "RNN": lambda m: m.RNN([m.SimpleRNNCell(2), m.LSTMCell(3)], return_sequences=True),
    "Bidirectional": lambda m: m.Bidirectional(m.LSTM(2, return_sequences=True),
                                               merge_mode="mul"),
    "TimeDistributed": lambda m: m.TimeDistributed(m.Dense(2)),
}


def _plain(config):
    """A config as JSON sees it, names and dtype policies aside."""
    def strip(c):
        if isinstance(c, dict):
            return {k: strip(v) for k, v in c.items()
                    if k not in ("name", "dtype", "build_config", "registered_name",
                                 "quantization_config")}  # (Dense's, not ours)
        if isinstance(c, (list, tuple)):
            return [strip(v) for v in c]
        return c

    return strip(json.loads(json.dumps(config, default=str)))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_get_config_round_trips_with_keras(keras, exported, name):
    ours, theirs = CONFIGS[name](OURS), CONFIGS[name](keras.layers)
    config, k_config = ours.get_config(), theirs.get_config()
    expected = _plain(k_config)
    if name == "SimpleRNN":
        expected["seed"] = 2  # Keras's SimpleRNN drops its seed from the config; we keep it
    assert _plain(config) == expected
    again = type(ours).from_config(config)
    assert _plain(again.get_config()) == _plain(config)
    # Each reads the other's config.
    assert _plain(type(theirs).from_config(json.loads(json.dumps(config))).get_config()) \
        == _plain(k_config)
    from_keras = deserialize_keras_object(keras.saving.serialize_keras_object(theirs),
                                          custom_objects={n: getattr(OURS, n) for n in NEW})
    assert type(from_keras) is type(ours)
    assert _plain(from_keras.get_config()) == dict(
        _plain(config), **({"seed": None} if name == "SimpleRNN" else {}))


def test_keras_files_load_both_ways(keras, exported, tmp_path):
    ours, theirs = _model_twins(keras, "gru_sequences_td")
    theirs.save(tmp_path / "k.keras")
    loaded = kerasish.models.load_model(tmp_path / "k.keras")
    _close(loaded.predict(IDS, verbose=0), theirs.predict(IDS, verbose=0))
    ours, theirs = _model_twins(keras, "bidirectional_ave")
    ours.save(tmp_path / "o.keras")
    loaded = keras.models.load_model(tmp_path / "o.keras")
    _close(loaded.predict(IDS, verbose=0), ours.predict(IDS, verbose=0))


# -- refusals ----------------------------------------------------------------------------------
def test_unsupported_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match=r"`recurrent_constraint` must be None"):
        GRU(3, recurrent_constraint="non_neg")
    with pytest.raises(ValueError, match=r"`use_cudnn=True` is not supported"):
        LSTM(3, use_cudnn=True)
    with pytest.raises(ValueError, match=r"Expected one of .*use_cudnn=yes"):
        GRU(3, use_cudnn="yes")
    with pytest.raises(ValueError, match=r"invalid value for argument `units`.*units=0"):
        SimpleRNN(0)
    with pytest.raises(ValueError, match=r"`weights` is not supported.*set_weights"):
        Bidirectional(LSTM(2), weights=[np.zeros(1)])


def test_bad_input_gets_a_clear_error_and_the_layer_is_intact():
    layer = LSTM(3)
    layer(X)
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"`initial_state` must hold 2 state tensor\(s\) of "
                                         r"shapes \[\(3, 3\), \(3, 3\)\].*\[\(3, 3\)\]"):
        layer(X, initial_state=[np.zeros((3, 3))])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = "
                                         r"\(3, 6\).*mask.shape=\(3, 5\)"):
        layer(X, mask=np.ones((3, 5), bool))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, timesteps, "
                                         r"features\)"):
        LSTM(3)(np.ones((3, 4), "float32"))
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert layer(X).shape == (3, 3)
