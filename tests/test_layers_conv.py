"""Convolution and pooling layers against real Keras 3 (JAX backend): the same weights
copied with ``set_weights`` give the same outputs, under ``jax.jit`` too; output shapes
agree with Keras's ``compute_output_shape``; configs carry Keras's keys; a small CNN
trains to the same weights with SGD; impossible shapes fail with a message that names
the layer, the input shape and the fix."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers

X4 = (2, 7, 6, 4)  # (batch, height, width, channels)
X3 = (2, 9, 4)     # (batch, steps, channels)

CASES = [
    ("Conv2D", dict(filters=4, kernel_size=3), X4),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same",
                    activation="relu"), X4),
    ("Conv2D", dict(filters=4, kernel_size=3, dilation_rate=(2, 1)), X4),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=2, padding="same", use_bias=False), X4),
    ("Conv1D", dict(filters=3, kernel_size=3), X3),
    ("Conv1D", dict(filters=4, kernel_size=2, strides=2, padding="same", groups=2,
                    activation="tanh"), X3),
    ("Conv1D", dict(filters=4, kernel_size=3, dilation_rate=2, padding="causal"), X3),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3), X4),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), X4),
    ("Conv2DTranspose", dict(filters=2, kernel_size=2, strides=3, use_bias=False), X4),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same",
                             output_padding=1), X4),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(3, 2), strides=(2, 3),
                             output_padding=(1, 0)), X4),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), X4),
    ("DepthwiseConv2D", dict(kernel_size=3), X4),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, strides=2, padding="same"), X4),
    ("DepthwiseConv2D", dict(kernel_size=2, dilation_rate=2, use_bias=False,
                             activation="relu"), X4),
    ("SeparableConv2D", dict(filters=5, kernel_size=3), X4),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, depth_multiplier=2, strides=2,
                             padding="same"), X4),
    ("SeparableConv2D", dict(filters=3, kernel_size=2, dilation_rate=2, use_bias=False), X4),
    ("MaxPooling2D", dict(), X4),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), X4),
    ("AveragePooling2D", dict(pool_size=(3, 2), strides=(2, 1), padding="same"), X4),
    ("AveragePooling2D", dict(pool_size=3, strides=1), X4),
    ("MaxPooling1D", dict(), X3),
    ("AveragePooling1D", dict(pool_size=4, strides=3, padding="same"), X3),
    ("GlobalAveragePooling2D", dict(), X4),
    ("GlobalMaxPooling2D", dict(keepdims=True), X4),
    ("GlobalAveragePooling1D", dict(keepdims=True), X3),
    ("GlobalMaxPooling1D", dict(), X3),
]


def _ids(case):
    name, kwargs, _ = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def twins(keras, name, kwargs, shape):
    """The Keras layer and ours, built on ``shape``, ours holding Keras's weights."""
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(layers, name)(**kwargs)
    theirs.build((None,) + shape[1:])
    ours.build((None,) + shape[1:])
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    return theirs, ours


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[_ids(c) for c in CASES])
def test_forward_and_shape_match_keras(keras, name, kwargs, shape):
    theirs, ours = twins(keras, name, kwargs, shape)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    expected = np.asarray(theirs(x))
    params, state = ours.current_params()
    jitted, _ = jax.jit(ours.apply)(params, state, x)
    np.testing.assert_allclose(np.asarray(jitted), expected, rtol=1e-5, atol=1e-6)
    symbolic = (None,) + shape[1:]
    assert ours.compute_output_shape(symbolic) == tuple(theirs.compute_output_shape(symbolic))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


CONFIG_CASES = [
    ("Conv1D", dict(filters=3, kernel_size=3, padding="causal", dilation_rate=2)),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=2, padding="same", groups=2,
                    activation="relu", kernel_regularizer="l2")),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=2, use_bias=False)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, pointwise_initializer="he_normal")),
    ("MaxPooling2D", dict()),
    ("AveragePooling1D", dict(pool_size=3, strides=1, padding="same")),
    ("GlobalMaxPooling2D", dict(keepdims=True)),
]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_matches_keras_and_round_trips(keras, name, kwargs):
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    layer = getattr(layers, name)(**kwargs)
    ours = layer.get_config()
    assert set(ours) == set(theirs)
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == theirs[key], key
    rebuilt = type(layer).from_config(ours)
    assert rebuilt.get_config() == ours


def _cnn(module, names):
    L = module.layers
    return module.Sequential([
        module.Input(shape=(8, 8, 1)),
        L.Conv2D(4, 3, padding="same", activation="relu", name=names[0]),
        L.DepthwiseConv2D(3, depth_multiplier=2, name=names[1]),
        L.SeparableConv2D(6, 3, padding="same", activation="relu", name=names[2]),
        L.Conv2DTranspose(3, 2, strides=2, name=names[3]),
        L.MaxPooling2D(name=names[4]),
        L.AveragePooling2D(2, strides=1, padding="same", name=names[5]),
        L.GlobalAveragePooling2D(name=names[6]),
        L.Dense(3, activation="softmax", name=names[7]),
    ], name="cnn")


NAMES = [f"cnn_{i}" for i in range(8)]


def test_cnn_summary_and_sgd_fit_match_keras(keras, capsys):
    """Same table and parameter counts in summary(); same weights after 3 epochs of SGD."""
    keras.utils.set_random_seed(0)
    theirs, ours = _cnn(keras, NAMES), _cnn(kerasish, NAMES)
    capsys.readouterr()
    theirs.summary()
    expected = [ln.rstrip() for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    ours.summary()
    got = [ln.rstrip() for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert got == expected
    assert [la.count_params() for la in ours.layers] == [la.count_params() for la in theirs.layers]

    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, size=48).astype("int32")
    initial = theirs.get_weights()
    ours.set_weights(initial)
    theirs.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    ours.compile(loss="sparse_categorical_crossentropy", optimizer=kerasish.optimizers.SGD(0.1))
    kh = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    oh = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-4)
    for kw, ow, w0 in zip(theirs.get_weights(), ours.get_weights(), initial):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-5)
        assert not np.array_equal(ow, w0)  # every weight moved


# -- errors ---------------------------------------------------------------------------
def test_kernel_larger_than_input_names_layer_shape_and_fix():
    model = kerasish.Sequential([kerasish.Input(shape=(2, 2, 1))])
    with pytest.raises(ValueError, match=r"Layer 'too_big' \(Conv2D\) cannot apply a 3x3 "
                                         r"kernel to inputs of shape \(None, 2, 2, 1\) with "
                                         r"padding='valid'.*Use padding='same'"):
        model.add(layers.Conv2D(4, 3, name="too_big"))
    same = layers.Conv2D(4, 3, padding="same")
    assert same(np.ones((1, 2, 2, 1))).shape == (1, 2, 2, 4)


def test_a_refused_layer_leaves_the_model_as_it_was():
    model = kerasish.Sequential([kerasish.Input(shape=(2, 2, 1))])
    with pytest.raises(ValueError, match="cannot apply a 3x3 kernel"):
        model.add(layers.Conv2D(4, 3))
    assert model.layers == []
    model.add(layers.Conv2D(4, 2))
    assert model.output.shape == (None, 1, 1, 4)


def test_dilated_kernel_and_pool_too_large():
    with pytest.raises(ValueError, match=r"3x3 kernel \(dilated to 5\) to inputs of shape "
                                         r"\(1, 4, 4, 1\)"):
        layers.Conv2D(1, 3, dilation_rate=2)(np.ones((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"'pool' \(MaxPooling2D\) cannot apply a 2x2 pool to "
                                         r"inputs of shape \(1, 1, 3, 2\).*padding='same'"):
        layers.MaxPooling2D(name="pool")(np.ones((1, 1, 3, 2)))


def test_wrong_rank_and_channels():
    with pytest.raises(ValueError, match=r"expects inputs of rank 4, \(batch, height, width, "
                                         r"channels\). Received input shape \(2, 64\)"):
        layers.Conv2D(2, 3)(np.ones((2, 64)))
    with pytest.raises(ValueError, match=r"rank 3, \(batch, steps, channels\)"):
        layers.MaxPooling1D()(np.ones((2, 4, 4, 1)))
    conv = layers.Conv2D(2, 1)
    conv(np.ones((1, 3, 3, 2)))
    with pytest.raises(ValueError, match="was built for inputs with 2 channels"):
        conv(np.ones((1, 3, 3, 5)))
    with pytest.raises(ValueError, match=r"evenly divisible by the number of groups. Received "
                                         r"groups=2, but the input has 3 channels"):
        layers.Conv2D(4, 1, groups=2)(np.ones((1, 3, 3, 3)))


@pytest.mark.parametrize("kwargs,match", [
    (dict(filters=0, kernel_size=3), r"`filters`. Expected a strictly positive integer. "
                                     r"Received filters=0"),
    (dict(filters=3, kernel_size=3, groups=2), r"filters must be evenly divisible .* groups=2"),
    (dict(filters=2, kernel_size=0), r"`kernel_size` argument must be a tuple of 2 positive"),
    (dict(filters=2, kernel_size=3, padding="full"), r"`padding` argument must be one of "
                                                     r"\('valid', 'same'\)"),
    (dict(filters=2, kernel_size=3, padding="causal"), r"one of \('valid', 'same'\)"),
    (dict(filters=2, kernel_size=3, strides=2, dilation_rate=2), r"`strides > 1` not supported"),
    (dict(filters=2, kernel_size=3, data_format="nhwc"), r"`data_format` argument must be "
                                                         r"one of .*channels_last"),
    (dict(filters=2, kernel_size=3, kernel_constraint="non_negative"),
     r"constraint identifier: 'non_negative'"),
    (dict(filters=2, kernel_size=3, kernel_sise=3), r"Did you mean `kernel_size`"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match):
        layers.Conv2D(**kwargs)


def test_transpose_output_padding_must_be_below_strides():
    with pytest.raises(ValueError, match=r"`output_padding` must be strictly less than "
                                         r"`strides`"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
