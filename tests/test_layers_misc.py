"""Reshaping, activation, dropout, normalization, embedding and rescaling layers against
real Keras 3 (JAX backend), and the engine's promises around them: BatchNormalization's
moving statistics updated inside the jitted step (same weights as Keras after SGD),
Dropout driven by the step's key (same seed, same result; identity at inference), and
``layer.trainable = False`` freezing a layer in ``fit``."""

import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.variables import StatelessScope

CASES = [
    ("Flatten", dict(), (2, 3, 4, 2)),
    ("Reshape", dict(target_shape=(-1, 2)), (2, 3, 4)),
    ("Reshape", dict(target_shape=(4, 3, 1)), (2, 12)),
    ("Activation", dict(activation="tanh"), (2, 5)),
    ("ReLU", dict(), (2, 5)),
    ("ReLU", dict(max_value=1.0, negative_slope=0.1, threshold=0.5), (2, 5)),
    ("LeakyReLU", dict(), (2, 5)),
    ("LeakyReLU", dict(negative_slope=0.05), (2, 5)),
    ("Softmax", dict(), (2, 3, 4)),
    ("Softmax", dict(axis=1), (2, 3, 4)),
    ("Softmax", dict(axis=(1, 2)), (2, 3, 4)),
    ("Dropout", dict(rate=0.5), (2, 5)),  # inference: the identity
    ("BatchNormalization", dict(), (4, 5)),
    ("BatchNormalization", dict(axis=1, momentum=0.9, epsilon=1e-5), (4, 3, 2)),
    ("BatchNormalization", dict(center=False), (6, 2, 2, 3)),
    ("BatchNormalization", dict(scale=False), (4, 5)),
    ("LayerNormalization", dict(), (2, 5)),
    ("LayerNormalization", dict(axis=[1, 2], epsilon=1e-5), (2, 3, 4)),
    ("LayerNormalization", dict(axis=1, center=False), (2, 3, 4)),
    ("LayerNormalization", dict(scale=False), (2, 3, 4)),
    ("Rescaling", dict(scale=1 / 16), (2, 5)),
    ("Rescaling", dict(scale=2.0, offset=-1.0), (2, 3, 3)),
    ("Embedding", dict(input_dim=10, output_dim=3), (2, 4)),
]


def _ids(case):
    name, kwargs, _ = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _inputs(name, shape, seed=0):
    rng = np.random.default_rng(seed)
    if name == "Embedding":
        return rng.integers(0, 10, size=shape).astype("int32")
    return rng.normal(1.0, 2.0, size=shape).astype("float32")


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs,shape", CASES, ids=[_ids(c) for c in CASES])
def test_forward_and_shape_match_keras(keras, name, kwargs, shape):
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(layers, name)(**kwargs)
    theirs.build((None,) + shape[1:])
    ours.build((None,) + shape[1:])
    assert [(w.name, w.shape) for w in ours.weights] == \
        [(w.name, tuple(w.shape)) for w in theirs.weights]
    # Non-default weights (positive, so they also serve as variances).
    weights = [np.random.default_rng(i).uniform(0.5, 1.5, w.shape).astype("float32")
               for i, w in enumerate(theirs.get_weights())]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    x = _inputs(name, shape)
    params, state = ours.current_params()
    y, new_state = jax.jit(ours.apply, static_argnums=3)(params, state, x, False)
    np.testing.assert_allclose(np.asarray(y), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    assert jax.tree_util.tree_all(jax.tree_util.tree_map(np.array_equal, new_state, state))
    symbolic = (None,) + shape[1:]
    assert ours.compute_output_shape(symbolic) == tuple(theirs.compute_output_shape(symbolic))
    if name == "BatchNormalization":  # training mode: batch statistics, moving averages move
        y, new_state = jax.jit(ours.apply, static_argnums=3)(params, state, x, True)
        np.testing.assert_allclose(np.asarray(y), np.asarray(theirs(x, training=True)),
                                   rtol=1e-5, atol=1e-5)
        moved = new_state[ours.name]
        np.testing.assert_allclose(moved["moving_mean"], theirs.moving_mean.numpy(), rtol=1e-5)
        np.testing.assert_allclose(moved["moving_variance"], theirs.moving_variance.numpy(),
                                   rtol=1e-5)


MIXED_CASES = [
    ("BatchNormalization", dict(), (8, 5)),
    ("LayerNormalization", dict(), (2, 5)),
    ("Conv2D", dict(filters=2, kernel_size=2), (2, 3, 3, 2)),
    ("Embedding", dict(input_dim=10, output_dim=3), (2, 4)),
    ("Rescaling", dict(scale=0.3, offset=1.0), (2, 5)),
]


@pytest.mark.parametrize("name,kwargs,shape", MIXED_CASES, ids=[c[0] for c in MIXED_CASES])
def test_mixed_float16_matches_keras(keras, name, kwargs, shape):
    """float16 outputs; normalization statistics and moving averages stay float32."""
    theirs = getattr(keras.layers, name)(dtype="mixed_float16", **kwargs)
    ours = getattr(layers, name)(dtype="mixed_float16", **kwargs)
    theirs.build(shape)
    ours.build(shape)
    ours.set_weights(theirs.get_weights())
    x = _inputs(name, shape)
    for training in (False, True):
        expected = np.asarray(theirs(x, training=training))
        got = np.asarray(ours(x, training=training))
        assert got.dtype == expected.dtype == np.float16
        np.testing.assert_allclose(got.astype("float32"), expected.astype("float32"),
                                   rtol=1e-3, atol=1e-3)
    for kw, ow in zip(theirs.get_weights(), ours.get_weights()):
        assert ow.dtype == np.float32
        np.testing.assert_allclose(ow, kw, rtol=1e-6)


CONFIG_CASES = [
    ("Flatten", dict()),
    ("Reshape", dict(target_shape=(2, -1))),
    ("Activation", dict(activation="relu")),
    ("ReLU", dict(max_value=6.0)),
    ("LeakyReLU", dict()),
    ("Softmax", dict(axis=1)),
    ("Dropout", dict(rate=0.25, seed=3, noise_shape=(None, 1))),
    ("BatchNormalization", dict(momentum=0.9, gamma_regularizer="l2")),
    ("LayerNormalization", dict(epsilon=1e-5)),
    ("Embedding", dict(input_dim=5, output_dim=2)),
    ("Rescaling", dict(scale=1 / 255, offset=0.5)),
]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_matches_keras_and_round_trips(keras, name, kwargs):
    theirs_layer = getattr(keras.layers, name)(**kwargs)
    layer = getattr(layers, name)(**kwargs)
    if name == "LayerNormalization":  # Keras shows `axis` as a list once built
        theirs_layer.build((None, 3))
        layer.build((None, 3))
    theirs, ours = theirs_layer.get_config(), layer.get_config()
    assert set(ours) == set(theirs)
    for key in set(theirs) - {"name", "dtype"}:
        assert ours[key] == theirs[key], key
    assert type(layer).from_config(ours).get_config() == ours


# -- BatchNormalization in fit ---------------------------------------------------------
def _bn_model(module, names=("bn_d1", "bn", "bn_act", "bn_d2")):
    L = module.layers
    return module.Sequential([
        module.Input(shape=(5,)),
        L.Dense(6, name=names[0]),
        L.BatchNormalization(name=names[1]),
        L.Activation("relu", name=names[2]),
        L.Dense(1, activation="sigmoid", name=names[3]),
    ])


def _fit_twins(keras, n, batch_size=16, epochs=3):
    rng = np.random.default_rng(5)
    x = rng.normal(2.0, 3.0, size=(n, 5)).astype("float32")
    y = (x[:, 0] > 2.0).astype("float32")
    keras.utils.set_random_seed(0)
    theirs, ours = _bn_model(keras), _bn_model(kerasish)
    ours.set_weights(theirs.get_weights())
    theirs.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    ours.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.SGD(0.1))
    kh = theirs.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    oh = ours.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return theirs, ours, kh, oh, x


def test_batchnorm_fit_with_sgd_matches_keras_including_moving_statistics(keras):
    theirs, ours, kh, oh, x = _fit_twins(keras, n=64)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-5)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for kw, ow in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-6)
    bn = ours.get_layer("bn")
    assert not np.allclose(bn.moving_mean.numpy(), 0.0)  # the statistics did move
    assert [v.name for v in ours.non_trainable_weights] == ["moving_mean", "moving_variance"]
    # Inference uses the moving statistics: same predictions, and no update.
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)
    before = bn.moving_mean.numpy()
    ours.evaluate(x, np.zeros(len(x)), verbose=0)
    ours.predict(x, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_batchnorm_statistics_of_a_short_last_batch_in_fit():
    x = np.random.default_rng(6).normal(2.0, 3.0, size=(6, 2)).astype("float32")
    model = kerasish.Sequential([kerasish.Input(shape=(2,)), layers.BatchNormalization()])
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.0))
    model.fit(x, x, batch_size=4, epochs=1, shuffle=False, verbose=0)  # batches of 4 and 2
    expected = 0.99 * (0.01 * x[:4].mean(axis=0)) + 0.01 * x[4:].mean(axis=0)
    np.testing.assert_allclose(model.layers[0].moving_mean.numpy(), expected, rtol=1e-5)


def test_batchnorm_moments_leave_out_masked_rows():
    bn = layers.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    padded = np.concatenate([x, np.repeat(x[:1], 4, axis=0)])
    bn.build((None, 3))
    bindings = {v: v.value for v in bn.weights}
    with StatelessScope(bindings) as scope:
        scope.sample_mask = np.r_[np.ones(6), np.zeros(4)].astype("float32")
        y = bn(padded, training=True)
    new = scope.assigned()
    np.testing.assert_allclose(new[bn.moving_mean], 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(new[bn.moving_variance], 0.5 + 0.5 * x.var(axis=0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(y)[:6], np.asarray(bn(x, training=True)),
                               rtol=1e-5, atol=1e-6)


# -- Dropout ---------------------------------------------------------------------------
def test_dropout_is_the_identity_at_inference():
    model = kerasish.Sequential([kerasish.Input(shape=(20,)), layers.Dropout(0.5),
                                 layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(8, 20)).astype("float32")
    dense = model.layers[1]
    expected = x @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)
    drop = layers.Dropout(0.5)
    np.testing.assert_array_equal(np.asarray(drop(x)), x)
    np.testing.assert_array_equal(np.asarray(drop(x, training=False)), x)


def test_dropout_in_training_drops_rate_and_rescales():
    x = np.ones((200, 50), "float32")
    y = np.asarray(layers.Dropout(0.3, seed=1)(x, training=True))
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y == 0).mean() - 0.3) < 0.02
    np.testing.assert_array_equal(np.asarray(layers.Dropout(1.0)(x, training=True)), 0 * x)
    grouped = np.asarray(layers.Dropout(0.5, noise_shape=(None, 1, 4))(
        np.ones((3, 5, 4), "float32"), training=True))
    assert (grouped == grouped[:, :1, :]).all()  # one decision per (sample, channel)


def test_dropout_keys_are_explicit_and_reproducible():
    x = np.ones((4, 16), "float32")
    a, b = layers.Dropout(0.5, seed=7), layers.Dropout(0.5, seed=7)
    first = np.asarray(a(x, training=True))
    np.testing.assert_array_equal(np.asarray(b(x, training=True)), first)
    assert not np.array_equal(np.asarray(a(x, training=True)), first)  # the stream advances
    drop = layers.Dropout(0.5)
    drop.build((None, 16))
    apply = jax.jit(drop.apply, static_argnums=3)
    k1, k2 = jax.random.key(1), jax.random.key(2)
    same = [np.asarray(apply({}, {}, x, True, k)[0]) for k in (k1, k1, k2)]
    np.testing.assert_array_equal(same[0], same[1])
    assert not np.array_equal(same[0], same[2])


def _dropout_fit(seed):
    kerasish.utils.set_random_seed(seed)
    model = kerasish.Sequential([kerasish.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                                 layers.Dropout(0.5), layers.Dense(1)])
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.05))
    x = np.random.default_rng(0).normal(size=(32, 6)).astype("float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=2, verbose=0)
    return model.get_weights()


@pytest.mark.slow
def test_dropout_in_fit_same_seed_same_weights():
    for a, b in zip(_dropout_fit(3), _dropout_fit(3)):
        np.testing.assert_array_equal(a, b)




def test_model_call_in_training_mode_draws_a_new_mask_each_time():
    model = kerasish.Sequential([kerasish.Input(shape=(32,)), layers.Dropout(0.5)])
    x = np.ones((4, 32), "float32")
    assert not np.array_equal(np.asarray(model(x, training=True)),
                              np.asarray(model(x, training=True)))


def test_model_call_in_training_mode_updates_moving_statistics(keras):
    x = np.random.default_rng(0).normal(3.0, 1.0, size=(16, 2)).astype("float32")
    moved = []
    for module in (keras, kerasish):
        model = module.Sequential([module.Input(shape=(2,)), module.layers.BatchNormalization()])
        model(x, training=True)
        moved.append(np.asarray(model.layers[0].moving_mean))
    np.testing.assert_allclose(moved[1], moved[0], rtol=1e-5)


# -- trainable = False -------------------------------------------------------------------
def _frozen_model(module, names=("fz_conv", "fz_bn", "fz_flat", "fz_dense")):
    L = module.layers
    model = module.Sequential([
        module.Input(shape=(5, 5, 2)),
        L.Conv2D(3, 3, activation="relu", name=names[0]),
        L.BatchNormalization(name=names[1]),
        L.Flatten(name=names[2]),
        L.Dense(1, activation="sigmoid", name=names[3]),
    ])
    model.get_layer(names[0]).trainable = False
    model.get_layer(names[1]).trainable = False
    return model


def test_trainable_false_freezes_a_layer_in_fit(keras):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 5, 5, 2)).astype("float32")
    y = (x[:, 0, 0, 0] > 0).astype("float32")
    keras.utils.set_random_seed(0)
    theirs, ours = _frozen_model(keras), _frozen_model(kerasish)
    initial = theirs.get_weights()
    ours.set_weights(initial)
    assert [v.path for v in ours.trainable_weights] == ["fz_dense/kernel", "fz_dense/bias"]
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights) == 6
    theirs.compile(loss="binary_crossentropy",
                   optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    ours.compile(loss="binary_crossentropy",
                 optimizer=kerasish.optimizers.SGD(0.1, momentum=0.9))
    theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    after = ours.get_weights()
    for before, now in zip(initial[:6], after[:6]):  # conv kernel/bias, gamma, beta, moving
        np.testing.assert_array_equal(now, before)   # stats: frozen BN runs in inference mode
    for kw, ow in zip(theirs.get_weights(), after):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-6)
    assert not np.array_equal(after[6], initial[6])
    # No optimizer slots (momentums) are spent on frozen weights.
    slot_paths = [jax.tree_util.keystr(path) for path, _ in
                  jax.tree_util.tree_flatten_with_path(ours.get_optimizer_state().slots)[0]]
    assert slot_paths and all("'fz_dense'" in p for p in slot_paths)
    # Unfreezing trains the layer again.
    ours.get_layer("fz_conv").trainable = True
    ours.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert not np.array_equal(ours.get_weights()[0], initial[0])


# -- Embedding + LayerNormalization in fit ------------------------------------------------
def _embedding_model(module):
    L = module.layers
    return module.Sequential([
        module.Input(shape=(4,), dtype="int32"),
        L.Embedding(10, 3, name="emb"),
        L.LayerNormalization(name="emb_ln"),
        L.Flatten(name="emb_flat"),
        L.Dense(1, name="emb_out"),
    ])


def test_embedding_and_layernorm_fit_with_sgd_match_keras(keras):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 10, size=(32, 4)).astype("int32")
    y = (x.sum(axis=1, keepdims=True) / 10.0).astype("float32")
    keras.utils.set_random_seed(0)
    theirs, ours = _embedding_model(keras), _embedding_model(kerasish)
    ours.set_weights(theirs.get_weights())
    theirs.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    ours.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.1))
    kh = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    oh = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-4)
    for kw, ow in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=1e-4, atol=1e-6)


def test_embedding_takes_integer_ids():
    assert layers.Embedding._autocast_inputs is False
    emb = layers.Embedding(5, 2)
    table = emb(np.arange(5)[None]).block_until_ready()
    assert table.dtype == np.float32 and table.shape == (1, 5, 2)
    np.testing.assert_array_equal(np.asarray(emb(np.array([[4.0, 0.0]]))),
                                  np.asarray(emb(np.array([[4, 0]]))))  # floats are cast
    big = np.array([[2**25 + 1]], dtype=np.int64)  # would be rounded by a float32 cast
    with pytest.raises(ValueError, match=r"received id 33554433, but ids must be in "
                                         r"\[0, input_dim=5\)"):
        emb(big)
    with pytest.raises(ValueError, match=r"id -1.*Increase input_dim"):
        emb(np.array([[-1, 2]]))


# -- errors -----------------------------------------------------------------------------
def test_reshape_mismatch_names_the_sizes():
    model = kerasish.Sequential([kerasish.Input(shape=(12,))])
    with pytest.raises(ValueError, match=r"Layer 'rs' \(Reshape\) cannot reshape samples of "
                                         r"shape \(12,\) \(12 values\) into "
                                         r"target_shape=\(5, 2\) \(10 values\)"):
        model.add(layers.Reshape((5, 2), name="rs"))
    with pytest.raises(ValueError, match=r"into target_shape=\(5, -1\)\. Choose"):
        layers.Reshape((5, -1))(np.ones((2, 12)))


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Reshape((2, -1, -1)), r"at most one -1"),
    (lambda: layers.Dropout(1.5), r"between 0 and 1. Received: rate=1.5"),
    (lambda: layers.Dropout(0.5, noise_shape=(None, 0)), r"noise_shape"),
    (lambda: layers.ReLU(max_value=-1.0), r"max_value of a ReLU layer cannot be"),
    (lambda: layers.LeakyReLU(negative_slope=-0.1), r"negative_slope of a LeakyReLU"),
    (lambda: layers.Embedding(0, 3), r"`input_dim` must be a positive integer"),
    (lambda: layers.BatchNormalization(renorm=True), r"renorm=True"),
    (lambda: layers.LayerNormalization(axis="last"), r"int or a list/tuple of ints"),
    (lambda: layers.Flatten(data_format="nhwc"), r"data_format"),
    (lambda: layers.Rescaling("half"), r"`scale` must be a number"),
])
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=match):
        make()


def test_normalization_axis_out_of_bounds():
    with pytest.raises(ValueError, match=r"Layer 'bn_axis': axis 3 is out of bounds for input "
                                         r"shape \(None, 4\)"):
        layers.BatchNormalization(axis=3, name="bn_axis").build((None, 4))
    with pytest.raises(ValueError, match=r"axis -3 is out of bounds"):
        layers.LayerNormalization(axis=-3)(np.ones((2, 4)))


@pytest.mark.parametrize("make,base", [
    (lambda: layers.Conv2D(2, 2), "conv2d"),
    (lambda: layers.Conv2DTranspose(2, 2), "conv2d_transpose"),
    (lambda: layers.MaxPooling2D(), "max_pooling2d"),
    (lambda: layers.GlobalAveragePooling1D(), "global_average_pooling1d"),
    (lambda: layers.LeakyReLU(), "leaky_re_lu"),
])
def test_default_names_follow_keras(make, base):
    assert re.fullmatch(rf"{base}(_\d+)?", make().name)
