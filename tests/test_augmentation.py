"""Image preprocessing and augmentation layers against Keras 3 (JAX backend).

With the same ``seed``, an eager call draws the same numbers as Keras's layer, so the
outputs are compared directly (a fixed factor too: a zero-width range); inside a
compiled step the draws come from the step key, checked for their distribution; at
inference every random layer is the identity."""

import json

import jax
import numpy as np
import pytest

import kerasish
from kerasish import layers

_RNG = np.random.default_rng(0)
X = _RNG.random((3, 9, 7, 3)).astype("float32")
XCF = np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)))

CASES = [
    ("RandomFlip", dict(seed=3)),
    ("RandomFlip", dict(mode="horizontal", seed=4)),
    ("RandomFlip", dict(mode="vertical", seed=5, data_format="channels_first")),
    ("RandomRotation", dict(factor=0.2, seed=3)),
    ("RandomRotation", dict(factor=(0.25, 0.25))),
    ("RandomRotation", dict(factor=0.3, fill_mode="constant", fill_value=0.5,
                            interpolation="nearest", seed=1)),
    ("RandomRotation", dict(factor=0.2, fill_mode="wrap", seed=2,
                            data_format="channels_first")),
    ("RandomZoom", dict(height_factor=0.3, seed=3)),
    ("RandomZoom", dict(height_factor=(-0.2, 0.3), width_factor=(0.1, 0.4), fill_mode="wrap",
                        seed=2)),
    ("RandomZoom", dict(height_factor=(0.5, 0.5), fill_mode="constant", fill_value=1.0)),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=(-0.3, 0.1), seed=3)),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=0.2, fill_mode="nearest",
                               interpolation="nearest", seed=7)),
    ("RandomTranslation", dict(height_factor=(0.25, 0.25), width_factor=(-0.5, -0.5),
                               fill_mode="constant")),
    ("RandomCrop", dict(height=5, width=4, seed=3)),
    ("RandomCrop", dict(height=9, width=5, seed=3)),
    ("RandomCrop", dict(height=5, width=4, seed=3, data_format="channels_first")),
    ("RandomShear", dict(x_factor=0.3, y_factor=0.2, seed=3)),
    ("RandomShear", dict(x_factor=(0.1, 0.2), fill_mode="constant", fill_value=0.5,
                         interpolation="nearest", seed=4)),
    ("RandomContrast", dict(factor=0.4, value_range=(0, 1), seed=3)),
    ("RandomContrast", dict(factor=(0.2, 0.6), value_range=(0, 0.5), seed=3)),
    ("RandomBrightness", dict(factor=0.3, value_range=(0, 1), seed=3)),
    ("RandomBrightness", dict(factor=(0.1, 0.1), value_range=(0, 2))),
    ("RandomGrayscale", dict(factor=0.5, seed=3)),
    ("RandomGrayscale", dict(factor=1.0, seed=3, data_format="channels_first")),
    ("RandomInvert", dict(factor=0.7, value_range=(0, 1), seed=3)),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=0.5, value_range=(0, 1),
                          seed=3)),
    # (a pair (a, a) still draws from [a, a * 255]: Keras's rule; hence a seed)
    ("Solarization", dict(addition_factor=(0.1, 0.1), threshold_factor=(0.3, 0.3), seed=6)),
    ("AutoContrast", dict(value_range=(0, 1))),
    ("RandomHue", dict(factor=0.5, value_range=(0, 1), seed=3)),
    ("RandomHue", dict(factor=(0.2, 0.9), seed=4, data_format="channels_first")),
    ("RandomSaturation", dict(factor=0.5, value_range=(0, 1), seed=3)),
    ("RandomSaturation", dict(factor=(0.6, 0.9), seed=2, data_format="channels_first")),
    ("RandomSharpness", dict(factor=0.5, value_range=(0, 1), seed=3)),
    ("RandomSharpness", dict(factor=(0.6, 0.9), value_range=(0, 1), seed=2,
                             data_format="channels_first")),
    ("RandomPosterization", dict(factor=(2, 6), value_range=(0, 1), seed=5)),
    ("RandomPosterization", dict(factor=(3, 3), value_range=(0, 1))),
    ("AutoContrast", dict(value_range=(-1, 2))),
    ("RandomGaussianBlur", dict(seed=3, value_range=(0, 1))),
    ("RandomGaussianBlur", dict(factor=(0.3, 0.8), kernel_size=(3, 5), sigma=(0.2, 0.9),
                                value_range=(0, 1), seed=4, data_format="channels_first")),
    # (Keras 3.15's RandomColorJitter fails on channels_first: its sub-layers are not
    # given the layout; ours are.)
    ("RandomColorJitter", dict(value_range=(0, 1), brightness_factor=0.2, contrast_factor=0.3,
                               saturation_factor=0.4, hue_factor=0.3, seed=3)),
    ("RandomColorJitter", dict(value_range=(0, 1), contrast_factor=(0.2, 0.5),
                               hue_factor=0.1, seed=5)),
    ("Resizing", dict(height=5, width=11)),
    ("Resizing", dict(height=4, width=8, crop_to_aspect_ratio=True, interpolation="bicubic")),
    ("Resizing", dict(height=4, width=8, pad_to_aspect_ratio=True, fill_value=1.0,
                      antialias=True, fill_mode="constant")),
    ("Resizing", dict(height=6, width=4, interpolation="lanczos3",
                      data_format="channels_first")),
    ("CenterCrop", dict(height=5, width=4)),
    ("CenterCrop", dict(height=12, width=4)),
    ("CenterCrop", dict(height=2, width=5, data_format="channels_first")),
]


# The fast tier: the first case of the most used layers; the rest of the grid is slow.
FAST = {"RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop",
        "RandomContrast", "RandomBrightness", "Resizing", "CenterCrop"}


def _tiered(cases):
    seen, out = set(), []
    for name, kwargs in cases:
        marks = [pytest.mark.slow] if name in seen or name not in FAST else []
        seen.add(name)
        out.append(pytest.param(name, kwargs, id=f"{name}-{sorted(kwargs.items())}"[:80],
                                marks=marks))
    return out


def _input(kwargs):
    return XCF if kwargs.get("data_format") == "channels_first" else X


@pytest.mark.parametrize("name,kwargs", _tiered(CASES))
def test_layer_matches_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    x = _input(kwargs)
    for _ in range(2):  # the second call draws again, from the advanced generator
        a, b = np.asarray(ours(x, training=True)), np.asarray(theirs(x, training=True))
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    # a single image is one image of a batch
    a, b = np.asarray(ours(x[0], training=True)), np.asarray(theirs(x[0], training=True))
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def _plain(config):
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in ("name", "dtype", "trainable")}))


@pytest.mark.parametrize("name,kwargs", _tiered(CASES))
def test_config_equals_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    mine, keras_config = _plain(ours.get_config()), _plain(theirs.get_config())
    again = type(ours).from_config(ours.get_config())
    assert _plain(again.get_config()) == mine
    if name == "RandomCrop" and "seed" not in kwargs:
        mine.pop("seed"), keras_config.pop("seed")  # each draws its own default seed
    if name == "RandomGrayscale":  # Keras drops the seed from this config; ours keeps it
        assert mine.pop("seed") == kwargs.get("seed")
    if name == "RandomShear":  # ours keeps x_factor/y_factor as given (see the class)
        for arg in ("x_factor", "y_factor"):
            value = kwargs.get(arg, 0.0)
            assert mine.pop(arg) == (list(value) if isinstance(value, tuple) else value)
            assert keras_config.pop(arg) == list(layers.augmentation._unit_factor(value, arg))
    assert mine == keras_config
    theirs_again = getattr(keras.layers, name).from_config(ours.get_config()).get_config()
    assert {k: v for k, v in _plain(theirs_again).items() if k in keras_config} == keras_config


RANDOM = [("RandomFlip", {}), ("RandomRotation", dict(factor=0.3)),
          ("RandomZoom", dict(height_factor=0.3)),
          ("RandomTranslation", dict(height_factor=0.2, width_factor=0.2)),
          ("RandomCrop", dict(height=5, width=4)), ("RandomShear", dict(x_factor=0.3)),
          ("RandomContrast", dict(factor=0.5, value_range=(0, 1))),
          ("RandomBrightness", dict(factor=0.5, value_range=(0, 1))),
          ("RandomGrayscale", dict(factor=1.0)),
          ("RandomInvert", dict(value_range=(0, 1))),
          ("Solarization", dict(addition_factor=0.5, threshold_factor=0.5,
                                value_range=(0, 1))),
          ("RandomHue", dict(factor=0.5, value_range=(0, 1))),
          ("RandomSaturation", dict(factor=0.5, value_range=(0, 1))),
          ("RandomSharpness", dict(factor=0.5, value_range=(0, 1))),
          ("RandomPosterization", dict(factor=(2, 3), value_range=(0, 1))),
          ("RandomGaussianBlur", dict(value_range=(0, 1))),
          ("RandomColorJitter", dict(value_range=(0, 1), brightness_factor=0.3))]


def test_inference_is_the_identity(keras):
    """training=False (and predict) returns the input exactly, as Keras; training=None
    (a direct call) transforms, as Keras's default training=True does."""
    for name, kwargs in RANDOM:
        layer = getattr(layers, name)(seed=1, **kwargs)
        assert np.array_equal(np.asarray(layer(X, training=False)), X), name
        assert not np.array_equal(np.asarray(layer(X)), X) or name == "RandomCrop", name
        if name in ("RandomFlip", "RandomRotation", "RandomCrop"):
            model = kerasish.Sequential([kerasish.Input((9, 7, 3)), layer])
            assert np.array_equal(model.predict(X, verbose=0), X), name
        theirs = getattr(keras.layers, name)(seed=1, **kwargs)
        assert np.array_equal(np.asarray(theirs(X, training=False)), X), name


def _draws(layer, x, key):
    """The layer's output in a compiled call with a step key (as inside fit)."""
    fn = jax.jit(lambda k: layer.apply({}, {}, x, training=True, rng=k)[0])
    return np.asarray(fn(key))


def test_draws_in_a_compiled_step_follow_the_factor_ranges():
    n = 4000
    # RandomBrightness: output - input = delta * 255, delta ~ U[-0.2, 0.2]
    flat = np.full((n, 1, 1, 1), 100.0, "float32")
    delta = (_draws(layers.RandomBrightness(0.2, seed=1), flat, jax.random.key(0))
             - 100.0).ravel() / 255.0
    assert -0.2 <= delta.min() < -0.19 and 0.19 < delta.max() <= 0.2
    assert abs(delta.mean()) < 0.01 and abs(delta.std() - 0.4 / np.sqrt(12)) < 0.005
    # RandomContrast(0.5) reads as (0, 0.5): factor ~ U[1, 1.5] (Keras's rule)
    pair = np.tile(np.array([100.0, 101.0], "float32").reshape(1, 1, 2, 1), (n, 1, 1, 1))
    out = _draws(layers.RandomContrast(0.5, seed=1), pair, jax.random.key(1))
    factor = out[:, 0, 1, 0] - out[:, 0, 0, 0]
    assert 1.0 <= factor.min() < 1.01 and 1.49 < factor.max() <= 1.5
    assert abs(factor.mean() - 1.25) < 0.01
    # RandomFlip: each image flipped with probability 1/2
    row = np.tile(np.array([0.0, 1.0], "float32").reshape(1, 1, 2, 1), (n, 1, 1, 1))
    flipped = _draws(layers.RandomFlip("horizontal", seed=1), row, jax.random.key(2))
    assert abs(flipped[:, 0, 0, 0].mean() - 0.5) < 0.03
    # RandomRotation(0.1): angles ~ U[-36, 36] degrees; a point at (dx, 0) from the centre
    # of a 3x3 image moves to the angle's cosine: the centre row's right pixel reads
    # the input at angle theta; with a linear ramp along x the value is cos(theta).
    ramp = np.tile(np.array([[-1.0, 0.0, 1.0]] * 3, "float32").reshape(1, 3, 3, 1),
                   (n, 1, 1, 1))
    out = _draws(layers.RandomRotation(0.1, seed=1, fill_mode="nearest"), ramp,
                 jax.random.key(3))
    cos = out[:, 1, 2, 0]
    assert np.cos(np.deg2rad(36)) - 1e-4 <= cos.min() < np.cos(np.deg2rad(34))
    assert cos.max() > 0.999
    expected_mean = np.sin(np.deg2rad(36)) / np.deg2rad(36)  # E[cos U(-a, a)]
    assert abs(cos.mean() - expected_mean) < 0.01


def test_step_keys_decide_the_draws():
    layer = layers.RandomRotation(0.2, seed=5)
    a = _draws(layer, X, jax.random.key(0))
    assert np.array_equal(a, _draws(layer, X, jax.random.key(0)))
    assert not np.allclose(a, _draws(layer, X, jax.random.key(1)))
    other_seed = _draws(layers.RandomRotation(0.2, seed=6), X, jax.random.key(0))
    assert not np.allclose(a, other_seed)


def _cnn(augment):
    kerasish.utils.set_random_seed(1)
    front = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
             layers.RandomZoom(0.1)] if augment else []
    model = kerasish.Sequential([kerasish.Input((8, 8, 3)), *front,
                                 layers.Conv2D(4, 3, activation="relu"),
                                 layers.GlobalAveragePooling2D(), layers.Dense(2)])
    model.compile(optimizer="adam",
                  loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_augmentation_inside_fit_is_reproducible_and_changes_training():
    x = _RNG.random((32, 8, 8, 3)).astype("float32")
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype("int32")
    runs = []
    for _ in range(2):
        model = _cnn(True)
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        runs.append((history.history["loss"], model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
    plain = _cnn(False)
    plain_loss = plain.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]
    assert plain_loss != runs[0][0]
    # predict: the augmentation layers are the identity
    plain.set_weights(runs[0][1])
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0),
                               atol=1e-6)


@pytest.mark.slow
def test_keras_files_load_both_ways(keras, tmp_path):
    """A model with every image layer (RandomCrop included) saved by kerasish loads in
    Keras with the same configs and predictions, and back."""
    def build(lib):
        inputs = lib.Input((9, 9, 3))
        h = lib.layers.RandomCrop(7, 7, seed=2)(inputs)
        h = lib.layers.RandomFlip(seed=1)(h)
        h = lib.layers.RandomRotation(0.1, fill_mode="constant")(h)
        h = lib.layers.RandomZoom(0.1, 0.2)(h)
        h = lib.layers.RandomTranslation(0.1, 0.1)(h)
        h = lib.layers.RandomShear((0.05, 0.1))(h)
        h = lib.layers.RandomContrast(0.2, value_range=(0, 1))(h)
        h = lib.layers.RandomBrightness(0.1, value_range=(0, 1))(h)
        h = lib.layers.RandomGrayscale(0.2)(h)
        h = lib.layers.RandomInvert(0.1, value_range=(0, 1))(h)
        h = lib.layers.Solarization(0.1, 0.1, value_range=(0, 1))(h)
        h = lib.layers.AutoContrast(value_range=(0, 1))(h)
        h = lib.layers.Resizing(6, 6)(h)
        h = lib.layers.CenterCrop(4, 4)(h)
        return lib.Model(inputs, h)

    x = _RNG.random((2, 9, 9, 3)).astype("float32")
    ours = build(kerasish)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    for a, b in zip(ours.layers[1:], theirs.layers[1:]):
        skip = {"random_shear": ("x_factor", "y_factor"),  # see test_config_equals_keras
                "random_grayscale": ("seed",)}.get(a.name.rsplit("_", 1)[0]
                                                    if a.name[-1].isdigit() else a.name, ())
        assert ({k: v for k, v in _plain(a.get_config()).items() if k not in skip}
                == {k: v for k, v in _plain(b.get_config()).items() if k not in skip}), a.name
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)
    build(keras).save(tmp_path / "theirs.keras")
    again = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert [type(la).__name__ for la in again.layers[1:]] == [
        "RandomCrop", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
        "RandomShear", "RandomContrast", "RandomBrightness", "RandomGrayscale",
        "RandomInvert", "Solarization", "AutoContrast", "Resizing", "CenterCrop"]
    np.testing.assert_allclose(again.predict(x, verbose=0), ours.predict(x, verbose=0),
                               atol=1e-5)


@pytest.mark.slow
def test_pipeline(keras, tmp_path):
    """Pipeline(layers=[...], name=...): the layers in turn, Keras's numbers; training
    and a mask go to the layers that take them; configs and files move both ways."""
    ours = layers.Pipeline([layers.RandomFlip(seed=1), layers.RandomRotation(0.2, seed=2)],
                           name="augment")
    theirs = keras.layers.Pipeline([keras.layers.RandomFlip(seed=1),
                                    keras.layers.RandomRotation(0.2, seed=2)])
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(ours(X)), np.asarray(theirs(X)), atol=1e-5)
    assert ours.name == "augment" and [type(la).__name__ for la in ours.layers] == [
        "RandomFlip", "RandomRotation"]
    assert np.array_equal(np.asarray(ours(X, training=False)), X)
    masked = layers.Pipeline([layers.Masking(0.0), layers.Dense(2)])
    seq = np.array([[[1.0, 1.0], [0.0, 0.0]]], "float32")
    assert masked(seq, mask=np.array([[True, False]])).shape == (1, 2, 2)
    again = keras.layers.Pipeline.from_config(ours.get_config())
    assert [type(la).__name__ for la in again.layers] == ["RandomFlip", "RandomRotation"]
    back = layers.Pipeline.from_config(theirs.get_config())
    np.testing.assert_allclose(np.asarray(back(X, training=False)), X)
    model = kerasish.Sequential([kerasish.Input((9, 7, 3)), ours, layers.Flatten()])
    model.save(tmp_path / "pipe.keras")
    loaded = keras.saving.load_model(tmp_path / "pipe.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    loaded.save(tmp_path / "back.keras")
    np.testing.assert_allclose(kerasish.models.load_model(tmp_path / "back.keras")
                               .predict(X, verbose=0), model.predict(X, verbose=0))


@pytest.mark.parametrize("make,match", [
    (lambda: layers.RandomRotation(1.5), "factor"),
    (lambda: layers.RandomRotation(0.1, fill_mode="edge"), "fill_mode"),
    (lambda: layers.RandomZoom(0.1, interpolation="bicubic"), "interpolation"),
    (lambda: layers.RandomZoom(-1.0), "height_factor"),
    (lambda: layers.RandomTranslation(0.1, 2.0), "width_factor"),
    (lambda: layers.RandomFlip("diagonal"), "mode"),
    (lambda: layers.RandomContrast(1.5), "factor"),
    (lambda: layers.RandomBrightness(0.1, value_range=5), "value_range"),
    (lambda: layers.RandomGrayscale(2.0), "factor"),
    (lambda: layers.RandomShear(x_factor=-0.1), "x_factor"),
    (lambda: layers.Solarization(addition_factor=2.0), "addition_factor"),
    (lambda: layers.Resizing(4, 4, fill_mode="reflect"), "fill_mode"),
    (lambda: layers.Resizing(4, 4, interpolation="area"), "interpolation"),
    (lambda: layers.Resizing(0, 4), "height"),
    (lambda: layers.CenterCrop(4, -1), "width"),
    (lambda: layers.RandomFlip(seed="a"), "seed"),
    (lambda: layers.CenterCrop(4, 4, data_format="nhwc"), "data_format"),
    (lambda: layers.RandomFlip()({"images": X}), "dict"),
    (lambda: layers.RandomFlip()(X[0, 0]), "rank"),
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size"),
    (lambda: layers.Pipeline([np.ones(3)]), "layers"),
])
def test_bad_arguments_are_refused_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_fill_mode_refusal_is_also_keras_notimplementederror():
    with pytest.raises(NotImplementedError):
        layers.RandomRotation(0.1, fill_mode="edge")
