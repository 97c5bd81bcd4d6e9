"""ConvLSTM1D/2D/3D against real Keras 3 on the same weights: outputs, gradients (of the
weights and the inputs) and one SGD step, across padding, strides, dilation,
data_format, go_backwards, unroll, return_sequences/return_state, initial_state and
masks (Keras's carry-forward); configs and ``.keras`` files both ways; dropout under a
seed; the refusals and the bad-input errors."""

import json
import re
import types

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kerasish.saving import deserialize_keras_object

OURS = types.SimpleNamespace(ConvLSTM1D=ConvLSTM1D, ConvLSTM2D=ConvLSTM2D,
                             ConvLSTM3D=ConvLSTM3D, Bidirectional=kerasish.layers.Bidirectional)
NEW = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
RNG = np.random.default_rng(0)
STEPS = {1: (7, 3), 2: (5, 4, 2), 3: (3, 4, 3, 2)}  # one step, channels last, per rank
MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 0, 1]], bool)  # right-padded, full, holes


@pytest.fixture
def exported(monkeypatch):
    """The export lines kerasish/layers/__init__.py gets (saving finds them there)."""
    for name in NEW:
        monkeypatch.setattr(kerasish.layers, name, getattr(OURS, name), raising=False)


def _x(rank, channels_first=False, batch=3, steps=4, seed=0):
    step = STEPS[rank]
    if channels_first:
        step = (step[-1],) + step[:-1]
    return np.random.default_rng(seed).normal(size=(batch, steps) + step).astype("float32")


def _close(ours, theirs, tol=1e-5):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def _twins(keras, make, shape, make_theirs=None):
    """The same layer in Keras and kerasish, built for ``shape``, with the same random
    weights and Keras's weight paths; returns (ours, theirs)."""
    theirs, ours = (make_theirs or make)(keras.layers), make(OURS)
    theirs.build(shape)
    ours.build(shape)
    rng = np.random.default_rng(1)
    weights = [(0.4 * rng.normal(size=w.shape)).astype("float32") for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    unnumbered = lambda layer: [re.sub(r"_\d+", "", w.path) for w in layer.weights]  # noqa
    assert unnumbered(ours) == unnumbered(theirs)
    return ours, theirs


# -- each option, against Keras: outputs and gradients ---------------------------------
CASES = {  # rank, constructor arguments, masked?; several options per case keeps it fast
    "1d_same_sequences_state_masked": (1, dict(padding="same", return_sequences=True,
                                               return_state=True), True),
    "1d_valid_dilated_backwards_masked": (1, dict(kernel_size=2, dilation_rate=2,
                                                  go_backwards=True), True),
    "2d_strided_state_masked": (2, dict(strides=2, return_state=True), True),
    "2d_channels_first_sequences_unrolled_masked": (
        2, dict(data_format="channels_first", padding="same", return_sequences=True,
                unroll=True), True),
    "2d_no_bias_activations_backwards": (
        2, dict(use_bias=False, activation="relu", recurrent_activation="hard_sigmoid",
                go_backwards=True, return_sequences=True, kernel_size=(2, 3)), False),
    "3d_same_sequences": (3, dict(padding="same", return_sequences=True), False),
    "3d_channels_first_backwards_masked": (
        3, dict(data_format="channels_first", go_backwards=True, return_state=True), True),
}


def _make(rank, opts, **more):
    opts = {"filters": 3, "kernel_size": 3, **opts, **more}
    return lambda m: getattr(m, f"ConvLSTM{rank}D")(**opts)


def _keras_apply(theirs):
    def apply(params, x, mask):
        seeds = [v.value for v in theirs.non_trainable_variables]  # its SeedGenerator
        out, _ = theirs.stateless_call(params, seeds, x, mask=mask)
        return out
    return apply


def _outputs_and_gradients(apply):
    """Jitted: the outputs, and the gradients (weights, inputs) of a scalar of them all."""
    def loss(params, x, mask):
        out = apply(params, x, mask)
        leaves = jax.tree_util.tree_leaves(out)
        return sum(jnp.sum(jnp.sin(o * (k + 1.0))) for k, o in enumerate(leaves)), out

    return jax.jit(jax.grad(loss, argnums=(0, 1), has_aux=True))


FAST = {"1d_same_sequences_state_masked", "2d_strided_state_masked", "3d_same_sequences"}


@pytest.mark.parametrize("case", [c if c in FAST else pytest.param(c, marks=pytest.mark.slow)
                                  for c in sorted(CASES)])
def test_layer_outputs_and_gradients_match_keras(keras, case):
    rank, opts, masked = CASES[case]
    x = _x(rank, opts.get("data_format") == "channels_first")
    # Keras 3.15's JAX scan applies a (batch, 1) mask to (batch, *spatial, filters)
    # states, which fails (or mixes axes); its unrolled loop tiles the mask per sample,
    # as ours does in both: with a zero initial state both loops give the same numbers.
    ours, theirs = _twins(keras, _make(rank, opts), x.shape,
                          _make(rank, opts, unroll=True) if masked else None)
    mask = MASK if masked else None
    # Under jit, as the engine runs it.
    (grads, x_grad), out = _outputs_and_gradients(
        lambda p, x, mask: ours.stateless_call(p, [], x, mask=mask)[0])(
        [v.value for v in ours.trainable_variables], x, mask)
    (k_grads, k_x_grad), k_out = _outputs_and_gradients(_keras_apply(theirs))(
        [v.value for v in theirs.trainable_variables], x, mask)
    _close(out, k_out)
    _close(list(grads) + [x_grad], list(k_grads) + [k_x_grad])
    _close(ours(x, mask=mask), k_out)  # and eagerly, as a user calls it
    assert ours.compute_output_shape((None,) + x.shape[1:]) == \
        theirs.compute_output_shape((None,) + x.shape[1:])


@pytest.mark.parametrize("rank", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_initial_state_with_a_masked_first_step(keras, rank):
    """A masked step carries both states; its output repeats the previous output (zeros
    at first) when unrolled, as Keras's unrolled loop, and the previous ``h`` in the
    scan, as Keras's ``LSTM`` scan: a nonzero initial state shows the difference."""
    x = _x(rank)
    opts = dict(padding="same", return_sequences=True, return_state=True)
    unrolled, theirs = _twins(keras, _make(rank, opts, unroll=True), x.shape)
    scanned = _make(rank, opts)(OURS)
    scanned.build(x.shape)
    scanned.set_weights(theirs.get_weights())
    state_shape = (3,) + STEPS[rank][:-1] + (3,)
    states = [RNG.normal(size=state_shape).astype("float32") for _ in range(2)]
    expected = theirs(x, initial_state=states, mask=MASK)
    _close(unrolled(x, initial_state=states, mask=MASK), expected)
    np.testing.assert_array_equal(np.asarray(expected[0])[2, 0], 0.0)  # row 2 starts masked
    seq, h, c = scanned(x, initial_state=states, mask=MASK)
    np.testing.assert_allclose(np.asarray(seq)[2, 0], states[0][2], atol=1e-6)
    seq = np.asarray(seq).copy()
    seq[2, 0] = 0.0
    _close([seq, h, c], expected)


def test_step_by_step_equals_the_hand_written_recurrence(keras):
    """The recurrence written out with ``ops.conv`` (independent of the layer's code):
    z = conv(x_t, W) + b + conv_same(h, U); gates [i, f, c, o]."""
    x = _x(2)
    layer = ConvLSTM2D(3, 3, strides=2, return_sequences=True)
    y = np.asarray(layer(x))
    kernel, recurrent, bias = (np.asarray(w) for w in layer.get_weights())
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    h = c = np.zeros(y.shape[:1] + y.shape[2:], "float32")
    for t in range(x.shape[1]):
        z = np.asarray(kerasish.ops.conv(x[:, t], kernel, strides=2)) + bias \
            + np.asarray(kerasish.ops.conv(h, recurrent, padding="same"))
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        np.testing.assert_allclose(y[:, t], h, atol=1e-5)
    # unit_forget_bias: the forget gate's bias starts at 1, the others at 0
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 3))


def test_one_scan_with_the_input_convolution_outside_it_and_keras_initial_weights():
    layer = ConvLSTM2D(3, 3, return_sequences=True)
    x = _x(2)
    layer(x)
    jaxpr = jax.make_jaxpr(lambda p, x: layer.stateless_call(p, [], x)[0])(
        [v.value for v in layer.trainable_variables], x).jaxpr
    names = lambda eqns: [e.primitive.name for e in eqns  # noqa: E731
                          if e.primitive.name in ("scan", "while", "conv_general_dilated")]
    assert names(jaxpr.eqns) == ["conv_general_dilated", "scan"]  # all steps' inputs at once
    (scan,) = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
    assert names(scan.params["jaxpr"].jaxpr.eqns) == ["conv_general_dilated"]  # recurrent
    # Keras's initializers on Keras's shapes: Glorot over the conv fans (in 3*3*2, out
    # 3*3*12), orthogonal columns of the (3*3*3, 12) recurrent kernel, forget bias 1.
    kernel, recurrent, bias = layer.get_weights()
    assert np.abs(kernel).max() <= np.sqrt(6 / (18 + 108)) and kernel.std() > 0.1
    flat = recurrent.reshape(-1, 12)
    np.testing.assert_allclose(flat.T @ flat, np.eye(12), atol=1e-5)
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 3))


# -- training ---------------------------------------------------------------------------
def _step_mask(m):
    """A layer that masks the all-zero steps of (batch, time, rows, cols, channels)."""
    class StepMask(m.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x):
            return x

        def compute_mask(self, x, mask=None):
            return m.ops.any(m.ops.not_equal(x, 0.0), axis=(2, 3, 4))

    return StepMask()


def _model(m, layer, masked=False):
    inputs = m.Input((4,) + STEPS[2])
    h = layer(_step_mask(m)(inputs) if masked else inputs)
    return m.Model(inputs, m.layers.Dense(2, name="out")(m.layers.Flatten()(h)))


@pytest.mark.parametrize("masked", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_one_sgd_step_matches_keras(keras, masked):
    x, y = _x(2, batch=6), RNG.normal(size=(6, 2)).astype("float32")
    x[0, 2:] = x[3, :1] = 0.0  # masked steps: right padding, a masked first step
    opts = dict(padding="same", strides=(1, 2), kernel_regularizer="l2", go_backwards=True)
    # (Keras's masked ConvLSTM runs only unrolled on JAX: see the first test)
    theirs = _model(keras, _make(2, opts, unroll=masked)(keras.layers), masked)
    ours = _model(kerasish, _make(2, opts)(OURS), masked)
    start = [(0.3 * np.random.default_rng(2).normal(size=w.shape)).astype("float32")
             for w in theirs.get_weights()]
    for model, m in ((ours, kerasish), (theirs, keras)):
        model.set_weights(start)
        model.compile(optimizer=m.optimizers.SGD(0.5), loss="mse")
        model.fit(x, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    _close(ours.get_weights(), theirs.get_weights())
    _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    assert not np.allclose(ours.get_weights()[0], start[0])
    if masked:  # the mask changed the numbers
        plain = _model(kerasish, _make(2, opts)(OURS))
        plain.set_weights(ours.get_weights())
        assert not np.allclose(plain.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_bidirectional_and_mixed_precision_match_keras(keras):
    x = _x(2)
    ours, theirs = _twins(keras, lambda m: m.Bidirectional(
        m.ConvLSTM2D(2, 3, return_sequences=True), merge_mode="sum"), x.shape)
    _close(ours(x), theirs(x))
    ours, theirs = _twins(keras, _make(2, dict(dtype="mixed_float16")), x.shape)
    out = ours(x)
    assert out.dtype == "float16" and ours.weights[0].dtype == "float32"
    _close(np.asarray(out, "float32"), np.asarray(theirs(x), "float32"), tol=1e-3)


@pytest.mark.slow
def test_kernel_constraint_is_applied_after_each_step():
    x, y = _x(1, batch=4), RNG.normal(size=(4, 2)).astype("float32")
    layer = ConvLSTM1D(2, 3, kernel_constraint="non_neg", recurrent_constraint="non_neg",
                       bias_constraint="non_neg", bias_initializer="random_normal")
    model = kerasish.Sequential([kerasish.Input(x.shape[1:]), layer, kerasish.layers.Flatten(),
                                 kerasish.layers.Dense(2)])
    model.compile(optimizer=kerasish.optimizers.SGD(1.0), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    for weight in layer.get_weights():  # Glorot/orthogonal/normal draws are half negative
        assert weight.min() >= 0.0 and weight.max() > 0.0


def _dropout_outputs(seed, **kw):
    layer = ConvLSTM2D(3, 3, padding="same", seed=seed, return_sequences=True, **kw)
    x = _x(2)
    layer(x)
    rng = np.random.default_rng(1)
    layer.set_weights([(0.4 * rng.normal(size=w.shape)).astype("float32")
                       for w in layer.weights])
    return [np.asarray(layer(x, training=True)) for _ in range(2)] + [np.asarray(layer(x))]


def test_dropout_reproducible_under_a_seed_and_rate_one_ignored(keras):
    first = _dropout_outputs(7, dropout=0.5, recurrent_dropout=0.3)
    again = _dropout_outputs(7, dropout=0.5, recurrent_dropout=0.3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], first[1])  # a new mask per call
    assert not np.allclose(first[0], first[2])  # training differs from inference
    # As Keras: a rate of exactly 1 is not applied (0 < rate < 1 only).
    x = _x(1)
    ours, theirs = _twins(keras, _make(1, dict(dropout=1.0, recurrent_dropout=1.0)),
                          x.shape)
    _close(ours(x, training=True), theirs(x, training=True))
    # One mask per sequence and per gate: the zero-weight recurrence and repeated input
    # make every step's input to the gates the same; the masked entries stay fixed.
    layer = ConvLSTM1D(2, 1, dropout=0.5, seed=3, use_bias=False,
                       recurrent_initializer="zeros", return_sequences=True)
    x = np.ones((2, 4, 5, 3), "float32")
    layer(x)
    steps = np.asarray(layer.cell._project(jnp.asarray(x), [
        m[:, None] for m in layer.cell._input_dropout(jnp.asarray(x[:, 0]), True)]))
    np.testing.assert_array_equal(steps, np.broadcast_to(steps[:, :1], steps.shape))


# -- configs and files ----------------------------------------------------------------------
CONFIGS = {
    "ConvLSTM1D": lambda m: m.ConvLSTM1D(3, 2, strides=2, dropout=0.1, seed=2,
                                         go_backwards=True, unroll=True),
    "ConvLSTM2D": lambda m: m.ConvLSTM2D(3, (2, 3), padding="same", unit_forget_bias=False,
                                         return_state=True, kernel_regularizer="l2",
                                         data_format="channels_first"),
    "ConvLSTM3D": lambda m: m.ConvLSTM3D(2, 3, dilation_rate=2, recurrent_activation="relu",
                                         return_sequences=True, activity_regularizer="l2",
                                         bias_constraint="non_neg"),
}


def _plain(config):
    """A config as JSON sees it, names and dtype policies aside."""
    def strip(c):
        if isinstance(c, dict):
            return {k: strip(v) for k, v in c.items()
                    if k not in ("name", "dtype", "build_config", "registered_name")}
        if isinstance(c, (list, tuple)):
            return [strip(v) for v in c]
        return c

    return strip(json.loads(json.dumps(config, default=str)))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_get_config_round_trips_with_keras(keras, exported, name):
    ours, theirs = CONFIGS[name](OURS), CONFIGS[name](keras.layers)
    config, k_config = ours.get_config(), theirs.get_config()
    assert _plain(config) == _plain(k_config)
    assert _plain(type(ours).from_config(config).get_config()) == _plain(config)
    assert _plain(type(theirs).from_config(json.loads(json.dumps(config))).get_config()) \
        == _plain(k_config)
    from_keras = deserialize_keras_object(keras.saving.serialize_keras_object(theirs),
                                          custom_objects={n: getattr(OURS, n) for n in NEW})
    assert type(from_keras) is type(ours)
    assert _plain(from_keras.get_config()) == _plain(config)


def test_keras_files_load_both_ways(keras, exported, tmp_path):
    x = _x(2)
    make = _make(2, dict(strides=2, return_sequences=True, dilation_rate=1))
    theirs, ours = _model(keras, make(keras.layers)), _model(kerasish, make(OURS))
    weights = [(0.3 * np.random.default_rng(4).normal(size=w.shape)).astype("float32")
               for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    theirs.save(tmp_path / "k.keras")
    loaded = kerasish.models.load_model(tmp_path / "k.keras")
    _close(loaded.predict(x, verbose=0), theirs.predict(x, verbose=0))
    ours.save(tmp_path / "o.keras")
    loaded = keras.models.load_model(tmp_path / "o.keras")
    _close(loaded.predict(x, verbose=0), ours.predict(x, verbose=0))


# -- refusals and bad input -----------------------------------------------------------------
def test_unsupported_and_invalid_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match=r"`strides > 1` is not compatible with "
                                         r"`dilation_rate > 1`"):
        ConvLSTM2D(3, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"`filters`.*Received filters=0"):
        ConvLSTM1D(0, 3)
    with pytest.raises(ValueError, match=r"`padding` argument must be one of.*causal"):
        ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`kernel_size` argument must be a tuple of 3"):
        ConvLSTM3D(2, (3, 3))
    with pytest.raises(ValueError, match=r"`data_format` argument must be one of"):
        ConvLSTM2D(2, 3, data_format="NHWC")


def test_bad_input_gets_a_clear_error_and_the_layer_is_intact():
    with pytest.raises(ValueError, match=r"expects inputs of rank 5, \(batch, time, rows, "
                                         r"cols, channels\).*\(3, 4, 5, 2\).*Reshape"):
        ConvLSTM2D(3, 3)(np.ones((3, 4, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r"expects inputs of rank 4, \(batch, time, "
                                         r"channels, steps\)"):
        ConvLSTM1D(3, 3, data_format="channels_first")(np.ones((3, 4, 5, 2, 1), "float32"))
    small = ConvLSTM2D(3, 5)
    with pytest.raises(ValueError, match=r"'conv_lstm2d.*' \(ConvLSTM2D\) cannot apply a "
                                         r"5x5 kernel.*padding='same'"):
        small(_x(2))
    assert not small.built and not small.weights  # refused before any weight exists
    with pytest.raises(ValueError, match=r"static spatial and channel sizes"):
        ConvLSTM2D(3, 3)(kerasish.Input((4, None, 4, 2)))
    layer = ConvLSTM2D(3, 3, padding="same")
    x = _x(2)
    layer(x)
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"built for steps of shape \(5, 4, 2\).*"
                                         r"inputs.shape=\(3, 4, 6, 4, 2\)"):
        layer(np.ones((3, 4, 6, 4, 2), "float32"))
    with pytest.raises(ValueError, match=r"`initial_state` must hold 2 state tensor\(s\) of "
                                         r"shapes \[\(3, 5, 4, 3\), \(3, 5, 4, 3\)\]"):
        layer(x, initial_state=[np.zeros((3, 5, 4, 3))])
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = "
                                         r"\(3, 4\).*mask.shape=\(3, 5\)"):
        layer(x, mask=np.ones((3, 5), bool))
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert layer(x).shape == (3, 5, 4, 3)
