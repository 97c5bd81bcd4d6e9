"""MixUp and CutMix (layers/augmentation_batch.py) against Keras 3 (JAX backend).

With the same ``seed`` an eager call draws Keras's numbers, so the outputs (images, and
labels given in a dict) are compared directly; the deterministic transforms are
compared with a fixed permutation and fixed weights/boxes; inside a compiled step the
draws come from the step key and are checked for their distributions."""

import json

import jax
import numpy as np
import pytest
from scipy import stats

import kerasish
from kerasish import layers
from kerasish.layers.augmentation_batch import cut_mix, cut_mix_boxes, mix_up

_RNG = np.random.default_rng(3)
X = _RNG.random((5, 9, 7, 3)).astype("float32")
XCF = np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)))
LABELS = np.eye(5, dtype="float32")[[0, 2, 1, 4, 3]]

CASES = [
    ("MixUp", dict(seed=3)),
    ("MixUp", dict(alpha=0.7, seed=4, data_format="channels_first")),
    ("CutMix", dict(seed=3)),
    ("CutMix", dict(factor=(0.3, 0.8), seed=4, data_format="channels_first")),
]


def _ids(cases):
    return [f"{name}-{sorted(kwargs.items())}" for name, kwargs in cases]


def _input(kwargs):
    return XCF if kwargs.get("data_format") == "channels_first" else X


@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_layer_matches_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    x = _input(kwargs)
    for _ in range(2):  # the second call draws again, from the advanced generator
        a, b = np.asarray(ours(x)), np.asarray(theirs(x))
        assert a.dtype == b.dtype and not np.allclose(a, x)
        np.testing.assert_allclose(a, b, atol=1e-6)
    # a dict: the labels are mixed with the images' draws
    a, b = ours({"images": x, "labels": LABELS}), theirs({"images": x, "labels": LABELS})
    assert sorted(a) == ["images", "labels"]
    np.testing.assert_allclose(np.asarray(a["images"]), np.asarray(b["images"]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(a["labels"]), np.asarray(b["labels"]), atol=1e-6)
    assert not np.allclose(np.asarray(a["labels"]), LABELS)
    # one image (MixUp mixes it with itself; CutMix leaves it), and inference
    np.testing.assert_allclose(np.asarray(ours(x[0])), np.asarray(theirs(x[0])), atol=1e-6)
    assert np.array_equal(np.asarray(ours(x, training=False)), x)
    assert np.array_equal(np.asarray(theirs(x, training=False)), x)
    off = ours({"images": x, "labels": LABELS}, training=False)
    assert np.array_equal(np.asarray(off["labels"]), LABELS)


def _plain(config):
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in ("name", "dtype", "trainable")}))


@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_config_equals_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    mine = _plain(ours.get_config())
    assert mine == _plain(theirs.get_config())
    assert _plain(type(ours).from_config(ours.get_config()).get_config()) == mine
    assert _plain(getattr(keras.layers, name).from_config(mine).get_config()) == mine
    keras_config = {k: v for k, v in theirs.get_config().items() if k != "dtype"}
    assert _plain(type(ours).from_config(keras_config).get_config()) == mine


def test_mix_up_transform_matches_keras_and_hand_values(keras):
    weights = np.array([0.9, 0.25, 0.5, 1.0, 0.0], "float32")
    perm = np.array([3, 0, 4, 1, 2])
    images, labels = mix_up(X, weights, perm, LABELS)
    w = weights[:, None, None, None]
    np.testing.assert_allclose(np.asarray(images), w * X + (1 - w) * X[perm], atol=1e-6)
    np.testing.assert_allclose(np.asarray(labels), weights[:, None] * LABELS
                               + (1 - weights[:, None]) * LABELS[perm], atol=1e-6)
    theirs = keras.layers.MixUp()
    t = {"mix_weight": weights, "permutation_order": perm}
    np.testing.assert_allclose(np.asarray(images), np.asarray(theirs.transform_images(X, t)),
                               atol=1e-6)
    np.testing.assert_allclose(np.asarray(labels),
                               np.asarray(theirs.transform_labels(LABELS, t)), atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cut_mix_transform_matches_keras_and_hand_values(keras, data_format):
    x = X if data_format == "channels_last" else XCF
    weights = np.array([0.9, 0.25, 0.5, 0.999, 0.0], "float32")
    x_start = np.array([0.0, 1.0, 0.5, 0.3, 0.7], "float32")
    y_start = np.array([1.0, 0.0, 0.5, 0.6, 0.2], "float32")
    perm = np.array([3, 0, 4, 1, 2])
    boxes = cut_mix_boxes(9, 7, weights, x_start, y_start)
    images, labels = cut_mix(x, boxes, perm, LABELS, data_format)
    theirs = keras.layers.CutMix(data_format=data_format)
    masks, keras_weights = theirs._generate_batch_mask(x.shape, boxes)
    expected = theirs.transform_images(x, {"permutation_order": perm, "batch_masks": masks})
    np.testing.assert_allclose(np.asarray(images), np.asarray(expected), atol=1e-6)
    t = {"permutation_order": perm, "mix_weight": keras_weights}
    np.testing.assert_allclose(np.asarray(labels),
                               np.asarray(theirs.transform_labels(LABELS, t)), atol=1e-6)
    # by hand: the label weight is the unboxed share, 1 - (1 - w) = w
    np.testing.assert_allclose(np.asarray(labels), weights[:, None] * LABELS
                               + (1 - weights[:, None]) * LABELS[perm], atol=1e-5)
    # image 4 (w = 0) is all partner; image 1's box (w = 1/4: sides sqrt(3/4) * (7, 9)
    # = (6.06, 7.79)) sits at the right edge, top: columns 1-6 (0.94 <= col < 7),
    # rows 0-7 (row < 7.79)
    last = np.asarray(images if data_format == "channels_last"
                      else np.transpose(np.asarray(images), (0, 2, 3, 1)))
    np.testing.assert_array_equal(last[4], X[2])
    inside = np.zeros((9, 7), bool)
    inside[:8, 1:] = True
    np.testing.assert_array_equal(last[1][inside], X[0][inside])
    np.testing.assert_array_equal(last[1][~inside], X[1][~inside])


def _draws(layer, data, key):
    """The layer's output in a compiled call with a step key (as inside fit)."""
    out = jax.jit(lambda k: layer.apply({}, {}, data, training=True, rng=k)[0])(key)
    return jax.tree.map(np.asarray, out)


def test_mix_up_draws_in_a_compiled_step_follow_beta_alpha_alpha():
    """Image i is the one-hot row e_i: the output row is w e_i + (1 - w) e_perm(i),
    which shows the permutation and each weight w ~ Beta(alpha, alpha)."""
    n, alpha = 600, 0.4
    eye = np.eye(n, dtype="float32")
    weights = []
    for k in range(2):
        out = _draws(layers.MixUp(alpha=alpha, seed=1), eye[:, None, :, None],
                     jax.random.key(k))[:, 0, :, 0]
        np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)
        others = out - np.diag(np.diag(out))
        partner = np.where(others.max(axis=1) > 0, np.argmax(others, axis=1), np.arange(n))
        moved = partner != np.arange(n)
        assert len(set(partner[moved])) == moved.sum()  # one partner per image
        weights.append(np.diag(out)[moved])
    assert not np.allclose(weights[0][:50], weights[1][:50])  # each step key draws anew
    w = np.concatenate(weights)
    assert stats.kstest(w, stats.beta(alpha, alpha).cdf).pvalue > 1e-3
    assert abs(w.mean() - 0.5) < 0.03
    assert abs(w.var() - 1 / (4 * (2 * alpha + 1))) < 0.01


def test_cut_mix_draws_in_a_compiled_step_follow_keras():
    """factor (0.5, 0.5): label weights ~ Beta(0.5, 0.5); the box covers about 1 - w of
    the image and its pixels come from the partner image."""
    n, side = 800, 16
    images = np.broadcast_to(np.arange(n, dtype="float32")[:, None, None, None],
                             (n, side, side, 1))
    out = _draws(layers.CutMix(factor=(0.5, 0.5), seed=2),
                 {"images": images, "labels": np.eye(n, dtype="float32")},
                 jax.random.key(0))
    labels, mixed = out["labels"], out["images"][..., 0]
    w = np.diag(labels)
    moved = w < 1 - 1e-6
    partner = np.argmax(labels - np.diag(w), axis=1)
    assert stats.kstest(w[partner != np.arange(n)], stats.beta(0.5, 0.5).cdf).pvalue > 1e-3
    from_partner = (mixed == partner[:, None, None]).mean(axis=(1, 2))
    # a continuous box of area (1 - w) covers whole pixels: within two pixel rows/cols
    assert np.all(np.abs(from_partner[moved] - (1 - w[moved])) <= 4 / side + 1e-6)


def _model(*makers):
    kerasish.utils.set_random_seed(1)  # (the layers' default seeds come from it)
    model = kerasish.Sequential([kerasish.Input((6, 6, 3)), *[make() for make in makers],
                                 layers.Flatten(),
                                 layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_inside_fit_reproducible_and_identity_at_inference():
    makers = (lambda: layers.MixUp(alpha=0.5), lambda: layers.CutMix(factor=0.5))
    x = _RNG.random((16, 6, 6, 3)).astype("float32")
    y = _RNG.random((16, 2)).astype("float32")
    runs = []
    for _ in range(2):
        model = _model(*makers)
        runs.append((model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"],
                     model.get_weights()))
    assert runs[0][0] == runs[1][0]
    plain = _model(layers.Identity)
    assert plain.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"] != runs[0][0]
    plain.set_weights(runs[0][1])
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0),
                               atol=1e-6)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.MixUp(alpha=0), "alpha"),
    (lambda: layers.MixUp(alpha="big"), "alpha"),
    (lambda: layers.CutMix(factor=1.5), "factor"),
    (lambda: layers.CutMix(seed="a"), "seed"),
    (lambda: layers.MixUp(data_format="nhwc"), "data_format"),
    (lambda: layers.MixUp()({"images": X, "bounding_boxes": X}), "bounding_boxes"),
    (lambda: layers.CutMix()({"labels": LABELS}), "images"),
    (lambda: layers.MixUp()({"images": X, "labels": np.arange(5)}), "labels.shape"),
    (lambda: layers.CutMix()({"images": X, "labels": LABELS[:3]}), "labels.shape"),
    (lambda: layers.MixUp()(X[0, 0]), "rank"),
    (lambda: layers.RandAugment(num_ops=-1), "num_ops"),
    (lambda: layers.RandAugment(factor=2.0), "factor"),
    (lambda: layers.RandAugment(interpolation="bicubic"), "interpolation"),
    (lambda: layers.RandAugment(value_range=255), "value_range"),
    (lambda: layers.RandAugment()({"images": XP, "segmentation_masks": XP}),
     "segmentation_masks"),
    (lambda: layers.AugMix(num_chains=0), "num_chains"),
    (lambda: layers.AugMix(chain_depth=1.5), "chain_depth"),
    (lambda: layers.AugMix(alpha=-1.0), "alpha"),
    (lambda: layers.AugMix(all_ops="yes"), "all_ops"),
    (lambda: layers.RandomColorDegeneration(factor=1.5), "factor"),
])
def test_bad_arguments_are_refused_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# -- RandAugment, AugMix, RandomColorDegeneration (layers/augmentation_policy.py) ------

XP = (X * 255).astype("float32")  # pixel values in (0, 255), the policies' default range
POLICY_CASES = [
    ("RandomColorDegeneration", dict(factor=0.5, seed=3)),
    ("RandomColorDegeneration", dict(factor=(0.2, 0.9), value_range=(0, 1), seed=4,
                                     data_format="channels_first")),
    ("RandAugment", dict(seed=3)),
    ("RandAugment", dict(num_ops=4, factor=(0.2, 0.9), interpolation="nearest", seed=5)),
    ("RandAugment", dict(value_range=(0, 1), num_ops=3, seed=8, data_format="channels_first")),
]
_SLOW = pytest.mark.slow  # (the policies run 11 operations eagerly: the fast tier keeps one)


def _tiered(cases, fast=(0, 2)):
    return [pytest.param(*case, id=i, marks=[] if n in fast else [_SLOW])
            for n, (case, i) in enumerate(zip(cases, _ids(cases)))]


def _policy_input(kwargs):
    x = XCF if kwargs.get("data_format") == "channels_first" else X
    return x if kwargs.get("value_range") == (0, 1) else x * np.float32(255)


@pytest.mark.parametrize("name,kwargs", _tiered(POLICY_CASES))
def test_policy_matches_keras(keras, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    x = _policy_input(kwargs)
    scale = 1.0 if kwargs.get("value_range") == (0, 1) else 255.0
    for _ in range(3):  # each call draws new operations and parameters
        a, b = np.asarray(ours(x)), np.asarray(theirs(x))
        assert a.dtype == b.dtype and not np.allclose(a, x)
        np.testing.assert_allclose(a, b, atol=1e-6 * scale)
    # a dict: the images as above, the labels as they are (Keras's too)
    a, b = ours({"images": x, "labels": LABELS}), theirs({"images": x, "labels": LABELS})
    np.testing.assert_allclose(np.asarray(a["images"]), np.asarray(b["images"]),
                               atol=1e-6 * scale)
    assert np.array_equal(np.asarray(a["labels"]), LABELS)
    assert np.array_equal(np.asarray(b["labels"]), LABELS)
    assert np.array_equal(np.asarray(ours(x, training=False)), x)


def _fixed_choice(monkeypatch, ours, choice):
    """Our AugMix and Keras's choose the same operations (Keras: Python's random)."""
    from keras.src.layers.preprocessing.image_preprocessing import aug_mix

    n = len(ours._operations)
    names = iter([None if i == n else ours._operation_names[i] for i in choice.ravel()])
    monkeypatch.setattr(ours, "_choose", lambda: choice)
    monkeypatch.setattr(aug_mix.py_random, "choice", lambda seq: next(names))


AUGMIX_CASES = [
    dict(seed=3),
    dict(all_ops=False, num_chains=2, chain_depth=4, factor=(0.2, 0.6), alpha=0.5, seed=4),
    # (Keras's AutoContrast reduces over axes 1, 2 whatever the layout, ours over H, W:
    # the channels_first case leaves auto_contrast, index 5, out)
    dict(value_range=(0, 1), interpolation="nearest", seed=5, data_format="channels_first"),
]


@pytest.mark.parametrize("kwargs", [pytest.param(k, marks=[] if n == 1 else [_SLOW])
                                    for n, k in enumerate(AUGMIX_CASES)])
def test_aug_mix_matches_keras_for_a_fixed_choice_of_operations(keras, monkeypatch, kwargs):
    ours, theirs = layers.AugMix(**kwargs), keras.layers.AugMix(**kwargs)
    x = _policy_input(kwargs)
    n = len(ours._operations)
    for t in range(2):
        choice = np.random.default_rng(t).integers(0, n + 1, (ours.num_chains,
                                                               ours.chain_depth))
        if kwargs.get("data_format") == "channels_first":
            choice[choice == 5] = 4
        _fixed_choice(monkeypatch, ours, choice)
        a, b = np.asarray(ours(x)), np.asarray(theirs(x))
        assert not np.allclose(a, x)
        np.testing.assert_allclose(a, b, atol=1e-6 * (255 if x.max() > 1 else 1))
    assert np.array_equal(np.asarray(ours(x, training=False)), x)


@pytest.mark.parametrize("name,kwargs", POLICY_CASES[::2] + [("AugMix", AUGMIX_CASES[1])],
                         ids=_ids(POLICY_CASES[::2] + [("AugMix", AUGMIX_CASES[1])]))
def test_policy_config_equals_keras(keras, name, kwargs):
    test_config_equals_keras(keras, name, kwargs)


@pytest.mark.slow
def test_rand_augment_scanned_switch_equals_the_eager_path(keras, monkeypatch):
    """The traced path (one lax.switch scanned over the operations) run eagerly on the
    same draws gives Keras's numbers too."""
    from kerasish.layers import augmentation_policy

    ours, theirs = layers.RandAugment(num_ops=3, seed=11), keras.layers.RandAugment(
        num_ops=3, seed=11)
    monkeypatch.setattr(augmentation_policy, "_concrete", lambda value: False)
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(ours(XP)), np.asarray(theirs(XP)), atol=1e-4)


@pytest.mark.parametrize("make,choices", [
    (lambda: layers.AugMix(num_chains=4000, chain_depth=1, seed=1), 12),  # 11 ops + none
    (lambda: layers.AugMix(num_chains=4000, chain_depth=1, all_ops=False, seed=1), 8),
    (lambda: layers.RandAugment(num_ops=4000, seed=1), 11),
], ids=["AugMix", "AugMix-7-ops", "RandAugment"])
def test_policy_choices_in_a_compiled_step_are_uniform_and_follow_the_key(make, choices):
    from kerasish.variables import StatelessScope

    layer = make()

    def drawn(key):
        with StatelessScope(rng=key):  # as in a training step
            return layer._choose().ravel()

    a, b = (np.asarray(jax.jit(drawn)(jax.random.key(k))) for k in (0, 1))
    assert not np.array_equal(a, b)
    counts = np.bincount(a, minlength=choices)
    assert counts.size == choices and stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.slow
def test_policies_in_a_compiled_step_change_with_the_step_key():
    x = XP[:2, :6, :6]
    for layer in (layers.RandAugment(num_ops=2, seed=1),
                  layers.AugMix(num_chains=2, chain_depth=2, seed=1)):
        fn = jax.jit(lambda k, layer=layer: layer.apply({}, {}, x, training=True, rng=k)[0])
        outs = [np.asarray(fn(jax.random.key(k))) for k in range(3)]
        assert all(o.shape == x.shape and 0 <= o.min() and o.max() <= 255 for o in outs)
        assert not np.allclose(outs[0], outs[1]) and not np.allclose(outs[1], outs[2])


@pytest.mark.slow
def test_policies_inside_fit_reproducible_and_identity_at_inference():
    x = (_RNG.random((16, 6, 6, 3)) * 255).astype("float32")
    y = _RNG.random((16, 2)).astype("float32")
    makers = (lambda: layers.RandAugment(num_ops=2), lambda: layers.AugMix(num_chains=2))
    losses = []
    for _ in range(2):
        model = _model(*makers)
        losses.append(model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"])
    assert losses[0] == losses[1]
    plain = _model(layers.Identity)
    assert plain.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"] != losses[0]
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0),
                               rtol=1e-5)


@pytest.mark.slow
def test_keras_files_load_both_ways(keras, tmp_path):
    """A model with the five layers saved by kerasish loads in Keras with the same
    configs and predictions (inference: the identity), and back."""
    def build(lib):
        inputs = lib.Input((6, 6, 3))
        h = lib.layers.MixUp(alpha=0.3, seed=1)(inputs)
        h = lib.layers.CutMix(factor=(0.2, 0.6), seed=2)(h)
        h = lib.layers.RandomColorDegeneration(0.3, value_range=(0, 1), seed=3)(h)
        h = lib.layers.RandAugment(value_range=(0, 1), num_ops=3, factor=0.4, seed=4)(h)
        h = lib.layers.AugMix(value_range=(0, 1), num_chains=2, all_ops=False, seed=5)(h)
        return lib.Model(inputs, h)

    x = _RNG.random((2, 6, 6, 3)).astype("float32")
    ours = build(kerasish)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    for a, b in zip(ours.layers[1:], theirs.layers[1:]):
        assert type(a).__name__ == type(b).__name__
        assert _plain(a.get_config()) == _plain(b.get_config()), a.name
    np.testing.assert_allclose(theirs.predict(x, verbose=0), x, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), x, atol=1e-6)
    build(keras).save(tmp_path / "theirs.keras")
    again = kerasish.models.load_model(tmp_path / "theirs.keras")
    assert [type(la).__name__ for la in again.layers[1:]] == [
        "MixUp", "CutMix", "RandomColorDegeneration", "RandAugment", "AugMix"]
    for a, b in zip(again.layers[1:], ours.layers[1:]):
        assert _plain(a.get_config()) == _plain(b.get_config()), a.name
    np.testing.assert_allclose(again.predict(x, verbose=0), x, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", [("MixUp", dict(seed=1)), ("CutMix", dict(seed=1)),
                                         ("RandomColorDegeneration", dict(factor=0.5, seed=1))])
def test_mixed_precision_matches_keras(keras, name, kwargs):
    """Under mixed_bfloat16 the draws and the mixing are in bfloat16, as Keras's."""
    ours = getattr(layers, name)(dtype="mixed_bfloat16", **kwargs)
    theirs = getattr(keras.layers, name)(dtype="mixed_bfloat16", **kwargs)
    a, b = ours(XP), theirs(XP)
    assert str(a.dtype) == str(b.dtype) == "bfloat16"
    np.testing.assert_array_equal(np.asarray(a, "float32"), np.asarray(b, "float32"))
