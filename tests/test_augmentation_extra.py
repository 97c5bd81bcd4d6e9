"""RandomErasing, RandomPerspective and Equalization against Keras 3 (JAX backend).

With the same ``seed`` an eager call draws the same numbers as Keras's layer, so the
outputs are compared directly; inside a compiled step the draws come from the step
key and are checked for their distribution; at inference the random layers are the
identity."""

import json
import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers

_RNG = np.random.default_rng(0)
X = _RNG.random((3, 9, 7, 3)).astype("float32")
XCF = np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)))

CASES = [
    ("RandomErasing", dict(value_range=(0, 1), seed=3)),
    ("RandomErasing", dict(factor=(1.0, 1.0), scale=(0.1, 0.5), fill_value=0.5,
                           value_range=(0, 1), seed=4)),
    ("RandomErasing", dict(factor=0.8, value_range=(0, 1), seed=5,
                           data_format="channels_first")),
    ("RandomErasing", dict(factor=(1.0, 1.0), scale=0.3, fill_value=300.0, seed=6)),
    ("RandomPerspective", dict(seed=3)),
    ("RandomPerspective", dict(factor=(1.0, 1.0), scale=0.5, interpolation="nearest",
                               fill_value=0.3, seed=4)),
    ("RandomPerspective", dict(factor=0.9, scale=0.7, seed=5, data_format="channels_first")),
    ("Equalization", dict(value_range=(0, 1))),
    ("Equalization", dict(value_range=(0, 1), bins=16, data_format="channels_first")),
    ("Equalization", dict()),
]
FAST = {0, 4, 8}


def _tiered(cases):
    return [pytest.param(name, kwargs, id=f"{name}-{i}",
                         marks=[] if i in FAST else [pytest.mark.slow])
            for i, (name, kwargs) in enumerate(cases)]


def _input(kwargs):
    x = XCF if kwargs.get("data_format") == "channels_first" else X
    return x if "value_range" in kwargs else np.round(x * 255)


@pytest.mark.parametrize("name,kwargs", _tiered(CASES))
def test_layer_matches_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    x = _input(kwargs)
    for _ in range(2):  # the second call draws again, from the advanced generator
        a, b = np.asarray(ours(x, training=True)), np.asarray(theirs(x, training=True))
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    assert not np.array_equal(a, x)
    a, b = np.asarray(ours(x[0], training=True)), np.asarray(theirs(x[0], training=True))
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def _plain(config):
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in ("name", "dtype", "trainable")}))


@pytest.mark.parametrize("name,kwargs", _tiered(CASES))
def test_config_equals_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    mine = _plain(ours.get_config())
    assert mine == _plain(theirs.get_config())
    assert _plain(type(ours).from_config(ours.get_config()).get_config()) == mine
    assert _plain(getattr(keras.layers, name).from_config(ours.get_config())
                  .get_config()) == mine
    back = kerasish.layers.deserialize(keras.layers.serialize(theirs))
    assert type(back) is type(ours) and _plain(back.get_config()) == mine


@pytest.mark.slow
def test_mixed_precision_matches_keras(keras):
    x = X[:2, :6, :6]
    for name, kwargs in [("RandomErasing", dict(seed=1, value_range=(0, 1))),
                         ("RandomPerspective", dict(seed=1)),
                         ("Equalization", dict(value_range=(0, 1), bins=16))]:
        a = getattr(layers, name)(dtype="mixed_float16", **kwargs)(x)
        b = getattr(keras.layers, name)(dtype="mixed_float16", **kwargs)(x)
        assert a.dtype == b.dtype == np.float16
        np.testing.assert_allclose(np.asarray(a, "float32"), np.asarray(b, "float32"),
                                   atol=1e-3)


def test_equalization_by_hand():
    # 0-255 values 10, 10, 20, 30 in 256 bins: cdf 2, 3, 4 -> (cdf - 2) * 255 / 2
    x = np.array([10.0, 10.0, 20.0, 30.0], "float32").reshape(1, 1, 4, 1)
    assert np.asarray(layers.Equalization()(x)).ravel().tolist() == [0.0, 0.0, 128.0, 255.0]
    # value_range (0, 1): the same, scaled; a flat channel is left as it is
    pair = np.stack([x[..., 0] / 255.0, np.full((1, 1, 4), 0.5, "float32")], axis=-1)
    y = np.asarray(layers.Equalization(value_range=(0, 1))(pair))
    np.testing.assert_allclose(y[..., 0].ravel(), [0.0, 0.0, 128 / 255, 1.0], atol=1e-6)
    np.testing.assert_array_equal(y[..., 1], pair[..., 1])
    # one histogram per channel over the whole batch (Keras's rule): two images
    # of 10 and 30 share it
    batch = np.array([10.0, 30.0], "float32").reshape(2, 1, 1, 1)
    assert np.asarray(layers.Equalization()(batch)).ravel().tolist() == [0.0, 255.0]
    # bins=2: a value's bin is int(v / 255 * (bins - 1)): only 255 reaches bin 1; with
    # one bin in use the channel is left as it is
    y = layers.Equalization(bins=2)(np.array([[[[10.0], [100.0], [255.0]]]], "float32"))
    assert np.asarray(y).ravel().tolist() == [0.0, 0.0, 255.0]
    y = layers.Equalization(bins=2)(np.array([[[[10.0], [100.0], [200.0]]]], "float32"))
    assert np.asarray(y).ravel().tolist() == [10.0, 100.0, 200.0]


def test_erasing_fill_value_per_channel():
    """Three fill values, one per channel, in both layouts (Keras 3.15 fails on a list
    here: its tracked list is not an array)."""
    x = np.ones((2, 6, 5, 3), "float32")
    kwargs = dict(factor=(1.0, 1.0), scale=(0.25, 0.5), fill_value=[0.1, 0.2, 0.3],
                  value_range=(0, 1), seed=1)
    y = np.asarray(layers.RandomErasing(**kwargs)(x))
    erased = y[..., 0] != 1.0
    assert erased.any(axis=(1, 2)).all()
    for c, value in enumerate([0.1, 0.2, 0.3]):
        np.testing.assert_allclose(y[..., c][erased], value, rtol=1e-6)
        assert (y[..., c][~erased] == 1.0).all()
    ycf = np.asarray(layers.RandomErasing(**kwargs, data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2))))
    np.testing.assert_array_equal(np.transpose(ycf, (0, 2, 3, 1)), y)


RANDOM = [("RandomErasing", dict(value_range=(0, 1))), ("RandomPerspective", {})]


def test_inference_is_the_identity(keras):
    for name, kwargs in RANDOM:
        layer = getattr(layers, name)(factor=(1.0, 1.0), seed=1, **kwargs)
        assert np.array_equal(np.asarray(layer(X, training=False)), X), name
        assert not np.array_equal(np.asarray(layer(X)), X), name
        model = kerasish.Sequential([kerasish.Input((9, 7, 3)), layer])
        assert np.array_equal(model.predict(X, verbose=0), X), name
        theirs = getattr(keras.layers, name)(seed=1, **kwargs)
        assert np.array_equal(np.asarray(theirs(X, training=False)), X), name
    # Equalization too (Keras applies it only while training), integers stay integers
    ints = np.round(X * 255).astype("int32")
    y = layers.Equalization()(ints, training=False)
    assert y.dtype == np.int32 and np.array_equal(np.asarray(y), ints)
    assert np.asarray(keras.layers.Equalization()(ints, training=False)).dtype == np.int32
    model = kerasish.Sequential([kerasish.Input((9, 7, 3)), layers.Equalization()])
    assert np.array_equal(model.predict(X * 255, verbose=0), X * 255)


def _draws(layer, x, key):
    """The layer's output in a compiled call with a step key (as inside fit)."""
    fn = jax.jit(lambda k: layer.apply({}, {}, x, training=True, rng=k)[0])
    return np.asarray(fn(key))


def test_erasing_draws_in_a_compiled_step():
    n = 2000
    ones = np.ones((n, 16, 16, 1), "float32")
    # factor=1.0: the probability is drawn from U[0, 1], then compared with a uniform
    # draw: half of the images are erased
    out = _draws(layers.RandomErasing(scale=(0.25, 0.25), fill_value=0.0,
                                      value_range=(0, 1), seed=1), ones, jax.random.key(0))
    erased = (out == 0).reshape(n, -1).sum(axis=1)
    assert abs((erased > 0).mean() - 0.5) < 0.04
    # scale (0.25, 0.25): sides of sqrt(0.25) * 16 = 8 pixels, always 8 x 8
    assert set(np.unique(erased)) == {0, 64}
    # the left edge is uniform over [0, 8]: the first erased column is ceil(U(0, 8))
    # (and so is the top edge)
    hit = out[erased > 0, :, :, 0] == 0
    for first in (hit.any(axis=1).argmax(axis=1), hit.any(axis=2).argmax(axis=1)):
        assert first.min() <= 1 and first.max() == 8 and abs(first.mean() - 4.5) < 0.3
    # factor (0.3, 0.3): 30 % of the images; noise fill (fill_value=None) is
    # N(0, 1) * value_range[1], clipped to value_range
    out = _draws(layers.RandomErasing((0.3, 0.3), scale=(0.25, 0.25), value_range=(-1, 2),
                                      seed=1), ones, jax.random.key(1))
    changed = out != 1.0
    assert abs(changed.any(axis=(1, 2, 3)).mean() - 0.3) < 0.04
    noise = out[changed]
    assert noise.min() >= -1 and noise.max() <= 2
    assert abs((noise == -1).mean() - 0.309) < 0.03  # P(2 z < -1) = P(z < -0.5)


def test_perspective_draws_in_a_compiled_step():
    n = 1000
    x = np.tile(np.arange(8.0, dtype="float32").reshape(1, 1, 8, 1), (n, 8, 1, 1))
    # factor (0.4, 0.4): 40 % of the images are warped
    out = _draws(layers.RandomPerspective((0.4, 0.4), scale=0.5, seed=1), x,
                 jax.random.key(0))
    changed = ~np.isclose(out, x, atol=1e-5).all(axis=(1, 2, 3))
    assert abs(changed.mean() - 0.4) < 0.05
    # the corner (0, 0) never moves (it is scaled, not shifted): its pixel is kept
    np.testing.assert_allclose(out[:, 0, 0, 0], 0.0, atol=1e-5)
    # scale=0: the corners stay, every image equals its input
    still = _draws(layers.RandomPerspective(scale=0.0, seed=1), x, jax.random.key(0))
    np.testing.assert_allclose(still, x, atol=1e-4)
    # a larger scale moves the content more
    small = _draws(layers.RandomPerspective((1.0, 1.0), scale=0.1, seed=1), x,
                   jax.random.key(1))
    large = _draws(layers.RandomPerspective((1.0, 1.0), scale=0.8, seed=1), x,
                   jax.random.key(1))
    assert np.abs(large - x).mean() > 3 * np.abs(small - x).mean() > 0


def test_step_keys_decide_the_draws():
    for layer in (layers.RandomErasing(value_range=(0, 1), seed=5),
                  layers.RandomPerspective(seed=5)):
        a = _draws(layer, X, jax.random.key(0))
        assert np.array_equal(a, _draws(layer, X, jax.random.key(0)))
        assert not np.allclose(a, _draws(layer, X, jax.random.key(1)))


@pytest.mark.slow
def test_keras_files_load_both_ways(keras, tmp_path):
    def build(lib):
        inputs = lib.Input((8, 8, 3))
        h = lib.layers.RandomErasing(0.5, fill_value=0.2, value_range=(0, 1), seed=2)(inputs)
        h = lib.layers.RandomPerspective(scale=0.3, seed=1)(h)
        return lib.Model(inputs, lib.layers.Flatten()(h))

    x = _RNG.random((2, 8, 8, 3)).astype("float32")
    ours = build(kerasish)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    for a, b in zip(ours.layers[1:3], theirs.layers[1:3]):
        assert _plain(a.get_config()) == _plain(b.get_config())
    np.testing.assert_array_equal(theirs.predict(x, verbose=0), x.reshape(2, -1))
    build(keras).save(tmp_path / "theirs.keras")
    again = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert [type(la).__name__ for la in again.layers[1:3]] == ["RandomErasing",
                                                              "RandomPerspective"]
    np.testing.assert_array_equal(again.predict(x, verbose=0), x.reshape(2, -1))


def test_equalization_files(keras, tmp_path):
    """Equalization in a saved model (kerasish) and its config both ways with Keras
    (Keras 3.15 cannot place the layer in a functional model: its symbolic call
    returns its own input, which Keras reports as a cycle)."""
    model = kerasish.Sequential([kerasish.Input((5, 5, 3)),
                                 layers.Equalization(value_range=(0, 1), bins=64)])
    model.save(tmp_path / "eq.keras")
    again = kerasish.models.load_model(tmp_path / "eq.keras")
    x = X[:, :5, :5]
    assert _plain(again.layers[0].get_config()) == _plain(model.layers[0].get_config())
    np.testing.assert_allclose(np.asarray(again.layers[0](x)),
                               np.asarray(model.layers[0](x)))
    theirs = keras.layers.deserialize(kerasish.layers.serialize(model.layers[0]))
    np.testing.assert_allclose(np.asarray(theirs(x)), np.asarray(model.layers[0](x)),
                               atol=1e-6)
    back = kerasish.layers.deserialize(keras.layers.serialize(theirs))
    assert type(back).__name__ == "Equalization" and back.bins == 64


@pytest.mark.parametrize("make,match", [
    (lambda: layers.RandomErasing(factor=1.5), "factor"),
    (lambda: layers.RandomErasing(scale=(0.1, 0.2, 0.3)), "scale"),
    (lambda: layers.RandomErasing(fill_value="red"), "fill_value"),
    (lambda: layers.RandomErasing(fill_value=[1, 2]), "fill_value"),
    (lambda: layers.RandomErasing(value_range=1), "value_range"),
    (lambda: layers.RandomErasing(seed="a"), "seed"),
    (lambda: layers.RandomPerspective(factor=(2, 3)), "factor"),
    (lambda: layers.RandomPerspective(scale=1.5), "scale"),
    (lambda: layers.RandomPerspective(interpolation="bicubic"), "interpolation"),
    (lambda: layers.RandomPerspective(fill_value=None), "fill_value"),
    (lambda: layers.Equalization(bins=0), "bins"),
    (lambda: layers.Equalization(bins=2.5), "bins"),
    (lambda: layers.Equalization(value_range=(0, 1, 2)), "value_range"),
    (lambda: layers.Equalization(data_format="nhwc"), "data_format"),
    (lambda: layers.Equalization()(X[0, 0]), "rank"),
])
def test_bad_arguments_are_refused_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ------------------------------------------------------------ SpectralNormalization

def _sn_pair(keras, make, x, **kwargs):
    """The same wrapper in both libraries, kerasish given Keras's weights."""
    ours = layers.SpectralNormalization(make(layers), **kwargs)
    theirs = keras.layers.SpectralNormalization(make(keras.layers), **kwargs)
    ours(x), theirs(x)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _assert_same_weights(ours, theirs):
    # (default names count the layers made before, separately in each library)
    paths = [[re.sub(r"_\d+(?=/|$)", "", w.path) for w in m.weights] for m in (ours, theirs)]
    assert paths[0] == paths[1]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make,shape,kwargs", [
    (lambda lib: lib.Dense(3), (4, 5), {}),
    (lambda lib: lib.Dense(3, use_bias=False), (4, 5), dict(power_iterations=3)),
    (lambda lib: lib.Conv2D(3, 3), (2, 6, 6, 2), dict(power_iterations=2)),
    # mixed precision: Keras iterates in float16 (the weights read in the compute dtype)
    pytest.param(lambda lib: lib.Dense(3, dtype="mixed_float16"), (4, 5),
                 dict(power_iterations=2, dtype="mixed_float16"), marks=pytest.mark.slow),
])
def test_spectral_normalization_matches_keras(keras, make, shape, kwargs):
    """Training calls (eager) normalise the kernel and update vector_u as Keras's;
    an inference call uses the kernel as it is."""
    x = _RNG.normal(size=shape).astype("float32")
    ours, theirs = _sn_pair(keras, make, x, **kwargs)
    for training in (True, True, False):
        np.testing.assert_allclose(np.asarray(ours(x, training=training)),
                                   np.asarray(theirs(x, training=training)),
                                   rtol=1e-5, atol=1e-6)
        _assert_same_weights(ours, theirs)
    assert [len(ours.trainable_weights), len(ours.non_trainable_weights),
            ours.count_params()] == [len(theirs.trainable_weights),
                                     len(theirs.non_trainable_weights),
                                     theirs.count_params()]


def test_spectral_normalization_of_embeddings(keras):
    """Embedding: its `embeddings` are normalised (as Keras's); the output keeps the
    vectors (Keras casts them to the integer input's dtype: all zeros)."""
    ids = np.array([[1, 2, 7]])
    ours, theirs = _sn_pair(keras, lambda lib: lib.Embedding(10, 4), ids)
    y = np.asarray(ours(ids, training=True))
    theirs(ids, training=True)
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(y, ours.layer.embeddings.value[ids], rtol=1e-6)
    assert y.dtype == np.float32


def test_spectral_normalization_estimates_the_largest_singular_value():
    kernel = _RNG.normal(size=(6, 4)).astype("float32")
    dense = layers.Dense(4, use_bias=False)
    layer = layers.SpectralNormalization(dense, power_iterations=50)
    layer(np.ones((1, 6), "float32"))
    dense.kernel.assign(kernel)
    layer(np.ones((1, 6), "float32"), training=True)
    np.testing.assert_allclose(np.asarray(dense.kernel.value),
                               kernel / np.linalg.svd(kernel, compute_uv=False)[0], rtol=1e-5)
    u = np.asarray(layer.vector_u.value)
    np.testing.assert_allclose(np.abs(u), np.abs(np.linalg.svd(kernel)[2][:1]), atol=1e-5)
    # an all-zero kernel is left as it is (no division by zero)
    zero = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    y = zero(np.ones((1, 3), "float32"), training=True)
    assert np.isfinite(np.asarray(y)).all()
    assert (np.asarray(zero.layer.kernel.value) == 0).all()


def _sn_model(lib, **dense_kwargs):
    model = lib.Sequential([
        lib.Input((5,)),
        lib.layers.SpectralNormalization(
            lib.layers.Dense(3, activation="tanh", **dense_kwargs), power_iterations=2),
        lib.layers.Dense(1)])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.parametrize("dense_kwargs", [
    {}, pytest.param(dict(kernel_regularizer="l1", activity_regularizer="l2"),
                     marks=pytest.mark.slow)])
def test_spectral_normalization_fit_matches_keras(keras, dense_kwargs):
    """Inside fit the kernel stays raw (the gradient flows through the normalisation)
    and vector_u is carried as state: the losses and every weight equal Keras's.
    The wrapped layer's regularizers count as in Keras: the kernel's penalty on the
    normalised kernel (fit and eager), the activity loss in ``losses``."""
    x = _RNG.normal(size=(8, 5)).astype("float32")
    y = _RNG.normal(size=(8, 1)).astype("float32")
    theirs, ours = _sn_model(keras, **dense_kwargs), _sn_model(kerasish, **dense_kwargs)
    ours.set_weights(theirs.get_weights())
    if dense_kwargs:
        ours(x[:4], training=True), theirs(x[:4], training=True)
        np.testing.assert_allclose([float(v) for v in ours.losses],
                                   [float(v) for v in theirs.losses], rtol=1e-5)
        assert len(ours.losses) == 2
    u0 = ours.layers[0].vector_u.numpy().copy()
    fit = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.fit(x, y, **fit).history["loss"],
                               theirs.fit(x, y, **fit).history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(ours.layers[0].vector_u.numpy(), u0)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def _h5_layout(path):
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(path) as archive:
        f = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        out = []
        f.visititems(lambda name, item: out.append(
            (name, getattr(item, "shape", None))) if "optimizer" not in name else None)
        return out


def test_spectral_normalization_files_both_ways(keras, tmp_path):
    """SpectralNormalization in `.keras` files: the same weight groups as Keras's (the
    wrapper's kernel and vector_u, then the wrapped layer's kernel and bias), loaded
    by Keras and back with every weight equal."""
    x = _RNG.normal(size=(3, 5)).astype("float32")
    ours, theirs = _sn_model(kerasish), _sn_model(keras)
    ours.layers[0](x, training=True)  # vector_u and the kernel move
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    assert _h5_layout(tmp_path / "ours.keras") == _h5_layout(tmp_path / "theirs.keras")
    loaded = keras.saving.load_model(tmp_path / "ours.keras")
    for a, b in zip(ours.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert _plain(loaded.layers[0].get_config())["power_iterations"] == 2
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-6)
    theirs.layers[0](x, training=True)
    theirs.save(tmp_path / "theirs.keras")
    again = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert type(again.layers[0]).__name__ == "SpectralNormalization"
    for a, b in zip(again.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(again.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-6)


def test_spectral_normalization_config_equals_keras(keras):
    ours = layers.SpectralNormalization(layers.Dense(3, name="d"), power_iterations=4)
    theirs = keras.layers.SpectralNormalization(keras.layers.Dense(3, name="d"),
                                                power_iterations=4)
    mine, keras_config = _plain(ours.get_config()), _plain(theirs.get_config())
    assert mine.pop("power_iterations") == keras_config.pop("power_iterations") == 4
    assert mine["layer"]["class_name"] == keras_config["layer"]["class_name"] == "Dense"
    inner, keras_inner = _plain(mine["layer"]["config"]), _plain(keras_config["layer"]["config"])
    keras_inner.pop("quantization_config")  # Dense's own business, not the wrapper's
    assert inner == keras_inner
    back = kerasish.layers.deserialize(keras.layers.serialize(theirs))
    assert back.power_iterations == 4 and back.layer.units == 3
    again = keras.layers.deserialize(kerasish.layers.serialize(ours))
    assert again.power_iterations == 4 and again.layer.units == 3


@pytest.mark.parametrize("make,match", [
    (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0),
     "power_iterations"),
    (lambda: layers.SpectralNormalization("dense"), "layer"),
    (lambda: layers.SpectralNormalization(layers.Flatten())(np.ones((2, 3))),
     "'kernel' nor 'embeddings'"),
    (lambda: _built_sn()(np.ones((2, 4), "float32")), "last axis"),
])
def test_spectral_normalization_refuses_bad_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def _built_sn():
    layer = layers.SpectralNormalization(layers.Dense(2))
    layer(np.ones((2, 3), "float32"))
    return layer
