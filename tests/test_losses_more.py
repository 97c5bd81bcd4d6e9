"""The losses beyond cross-entropy and squared/absolute error (hinge, KL divergence,
Poisson, log-cosh, cosine, percentage and logarithmic errors, focal, Dice, Tversky,
Circle, generalized cross-entropy, CTC) against real Keras 3: values for every
reduction and weighting, function forms, gradients, configs, names, saved models and
error messages. ``tests/test_losses_fit.py`` trains each class inside ``fit``."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish import losses

N = 6
DISTINCT_REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]


def _data(kind, rng):
    """(y_true, y_pred) for one input layout."""
    f32 = lambda a: np.asarray(a, "float32")  # noqa: E731
    labels01 = lambda *s: f32(rng.integers(0, 2, size=s))  # noqa: E731
    classes = rng.integers(0, 4, size=(N,))
    onehot = np.eye(4, dtype="float32")[classes]
    normal = lambda *s, scale=1.5: f32(rng.normal(0, scale, size=s))  # noqa: E731
    if kind == "embeddings":
        emb = normal(N, 5)
        return np.array([0, 0, 1, 1, 2, 3]), emb / np.linalg.norm(emb, axis=1, keepdims=True)
    if kind == "ctc":
        labels = np.array([[1, 2, 2], [3, 0, 0], [1, 3, 1], [2, 0, 0], [3, 3, 0], [1, 2, 3]])
        return labels, normal(N, 7, 4)
    return {
        "binary": (labels01(N, 3), f32(rng.uniform(0.02, 0.98, (N, 3)))),
        "binary_n": (labels01(N), f32(rng.uniform(0.02, 0.98, (N, 1)))),
        "binary_logits": (labels01(N, 3), normal(N, 3)),
        "pm1": (2 * labels01(N, 3) - 1, normal(N, 3)),
        "onehot_scores": (onehot, normal(N, 4)),
        "onehot_probs": (onehot, f32(rng.uniform(0.1, 2.0, (N, 4)))),
        "onehot_logits": (onehot, normal(N, 4)),
        "distribution": (f32(rng.dirichlet(np.ones(4), N)), f32(rng.dirichlet(np.ones(4), N))),
        "counts": (f32(rng.poisson(2.0, (N, 3))), f32(rng.uniform(0.1, 3.0, (N, 3)))),
        "regression": (normal(N, 3, scale=2.0), normal(N, 3, scale=2.0)),
        "regression_n": (normal(N), normal(N, 1)),
        "positive": (f32(rng.uniform(0, 3, (N, 3))), f32(rng.uniform(0, 3, (N, 3)))),
        "masks": (labels01(N, 4, 4), f32(rng.uniform(0.02, 0.98, (N, 4, 4)))),
        "sparse": (classes, f32(rng.dirichlet(np.ones(4), N))),
    }[kind]


# Keras's hinge maps 0/1 labels with a `cond` that compiles anew on every eager call
# (a second or more each): their full grids are slow-tier, the fast tier checks values.
_slow = lambda *case: pytest.param(*case, marks=pytest.mark.slow)  # noqa: E731
CLASS_CASES = [
    _slow("Hinge", {}, "binary"),
    _slow("Hinge", {}, "pm1"),
    _slow("SquaredHinge", {}, "pm1"),
    _slow("SquaredHinge", {}, "binary_n"),
    ("CategoricalHinge", {}, "onehot_scores"),
    ("KLDivergence", {}, "distribution"),
    ("Poisson", {}, "counts"),
    ("LogCosh", {}, "regression"),
    ("LogCosh", {}, "regression_n"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("BinaryFocalCrossentropy", {}, "binary"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
     "binary"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("BinaryFocalCrossentropy", {}, "binary_n"),
    ("CategoricalFocalCrossentropy", {}, "onehot_probs"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 3.0, "label_smoothing": 0.2},
     "onehot_probs"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("CategoricalFocalCrossentropy", {"alpha": [0.1, 0.2, 0.3, 0.4]}, "onehot_probs"),
    ("Dice", {}, "masks"),
    ("Dice", {"axis": (1, 2)}, "masks"),
    ("Tversky", {}, "masks"),
    ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": (1, 2)}, "masks"),
    ("Circle", {}, "embeddings"),
    ("Circle", {"gamma": 4.0, "margin": 0.25, "remove_diagonal": False}, "embeddings"),
    ("CategoricalGeneralizedCrossEntropy", {}, "sparse"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, "sparse"),
    ("CTC", {}, "ctc"),
]


PLAIN_CASES = [getattr(c, "values", c) for c in CLASS_CASES]


def _close(ours, theirs, msg="", rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol,
                               err_msg=msg)


def _weights(rng):
    return {
        "none": None,
        "random": rng.uniform(0.1, 2.0, size=(N,)).astype("float32"),
        "zeros": np.array([1, 0, 2, 0, 0.5, 1], "float32"),
        "column": rng.uniform(0.1, 2.0, size=(N, 1)).astype("float32"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("cls_name, kwargs, kind", CLASS_CASES)
def test_classes_match_keras_for_every_reduction_and_weighting(keras, rng, cls_name, kwargs,
                                                                kind):
    y_true, y_pred = _data(kind, rng)
    weights = _weights(rng)
    if kwargs.get("axis") == 0:  # one value per feature: per-sample weights do not apply
        weights = {"none": None}
    for reduction in DISTINCT_REDUCTIONS:
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
        for wname, w in weights.items():
            _close(ours(y_true, y_pred, sample_weight=w), theirs(y_true, y_pred, sample_weight=w),
                   f"{cls_name}{kwargs} {kind} reduction={reduction} weights={wname}")
    unreduced = getattr(keras.losses, cls_name)(reduction=None, **kwargs)(y_true, y_pred)
    _close(ours.call(y_true, y_pred), unreduced)


# CTC and Circle run a scan / pairwise program that eager Keras compiles on every call.
FAST_CASES = [c for c in PLAIN_CASES if c[0] not in ("Hinge", "SquaredHinge", "CTC", "Circle")]


@pytest.mark.slow
def test_each_class_matches_keras_with_weights(keras, rng):
    """Every class once (random per-sample weights, the default reduction) under jit on
    our side, and eager Keras."""
    w = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    for cls_name, kwargs, kind in FAST_CASES:
        y_true, y_pred = _data(kind, rng)
        ours = jax.jit(getattr(losses, cls_name)(**kwargs))(y_true, y_pred, w if kwargs.get(
            "axis") != 0 else None)
        theirs = getattr(keras.losses, cls_name)(**kwargs)(
            y_true, y_pred, sample_weight=w if kwargs.get("axis") != 0 else None)
        _close(ours, theirs, f"{cls_name}{kwargs} {kind}")


@pytest.mark.slow
@pytest.mark.parametrize("cls_name, kwargs, kind", PLAIN_CASES[::3] + [
    ("BinaryFocalCrossentropy", {"from_logits": True}, "binary_logits"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("Dice", {}, "masks"), ("Circle", {}, "embeddings"), ("CTC", {}, "ctc")])
def test_gradients_match_keras(keras, rng, cls_name, kwargs, kind):
    y_true, y_pred = _data(kind, rng)
    w = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    ours = getattr(losses, cls_name)(**kwargs)
    theirs = getattr(keras.losses, cls_name)(**kwargs)
    g_ours = jax.jit(jax.grad(lambda p: ours(y_true, p, sample_weight=w)))(jnp.asarray(y_pred))
    g_theirs = jax.grad(lambda p: theirs(y_true, p, sample_weight=w))(jnp.asarray(y_pred))
    assert np.isfinite(np.asarray(g_ours)).all()
    _close(g_ours, g_theirs, f"gradient of {cls_name}{kwargs}")


FUNCTION_CASES = [
    _slow("hinge", {}, "binary"),
    ("squared_hinge", {}, "pm1"),
    ("categorical_hinge", {}, "onehot_scores"),
    ("kl_divergence", {}, "distribution"),
    ("kld", {}, "distribution"),
    ("poisson", {}, "counts"),
    ("log_cosh", {}, "regression"),
    ("cosine_similarity", {}, "regression"),
    ("cosine_similarity", {"axis": 0}, "regression"),
    ("mean_absolute_percentage_error", {}, "regression"),
    ("mean_squared_logarithmic_error", {}, "positive"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "gamma": 3.0}, "binary"),
    ("binary_focal_crossentropy", {"from_logits": True, "alpha": 0.3}, "binary_logits"),
    ("categorical_focal_crossentropy", {"label_smoothing": 0.1}, "onehot_probs"),
    ("categorical_focal_crossentropy", {"from_logits": True, "gamma": 1.0}, "onehot_logits"),
    ("dice", {}, "masks"),
    ("dice", {"axis": -1}, "masks"),
    ("tversky", {"alpha": 0.2, "beta": 0.8}, "masks"),
    ("tversky", {"axis": (1, 2)}, "masks"),
    _slow("circle", {}, "embeddings"),
    _slow("circle", {"gamma": 10, "margin": 0.3, "remove_diagonal": False}, "embeddings"),
    ("categorical_generalized_cross_entropy", {"q": 0.7}, "sparse"),
    _slow("ctc", {}, "ctc"),
]


@pytest.mark.parametrize("fn_name, kwargs, kind", FUNCTION_CASES)
def test_function_forms_match_keras(keras, rng, fn_name, kwargs, kind):
    y_true, y_pred = _data(kind, rng)
    keras_fn = getattr(keras.losses, fn_name, None) or keras.losses.get(fn_name)
    _close(getattr(losses, fn_name)(y_true, y_pred, **kwargs), keras_fn(y_true, y_pred, **kwargs))


@pytest.mark.slow
def test_circle_with_reference_embeddings_matches_keras(keras, rng):
    labels, emb = _data("embeddings", rng)
    ref = rng.normal(size=(4, 5)).astype("float32")
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    kw = dict(ref_labels=np.array([0, 1, 2, 3]), ref_embeddings=ref, remove_diagonal=False)
    _close(losses.circle(labels, emb, **kw), keras.losses.circle(labels, emb, **kw))


@pytest.mark.slow
def test_ctc_counts_labels_up_to_the_padding(keras):
    # One time step per label and no blank in between: the only path is the label itself.
    labels = np.array([[1, 2]])
    logits = np.log(np.array([[[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]], "float32"))
    _close(losses.ctc(labels, logits), [-np.log(0.8 * 0.8)])
    _close(losses.ctc(labels, logits), keras.losses.ctc(labels, logits))


# ------------------------------------------------------------ numerics we choose


@pytest.mark.slow
def test_focal_from_logits_is_exact_where_keras_clips(keras):
    # Keras computes sigmoid/softmax then log(clip(p)): the loss stops at -log(1e-7) and
    # its gradient vanishes; in log space both stay exact.
    y_true, logits = np.array([[1.0]]), np.array([[-40.0]], "float32")
    ours = losses.binary_focal_crossentropy(y_true, logits, from_logits=True, gamma=0.0)
    _close(ours, [40.0])
    assert float(keras.losses.binary_focal_crossentropy(
        y_true, logits, from_logits=True, gamma=0.0)[0]) == pytest.approx(16.118, abs=1e-3)
    grad = jax.grad(lambda p: losses.binary_focal_crossentropy(
        y_true, p, from_logits=True, gamma=0.0).sum())(jnp.asarray(logits))
    _close(grad, [[-1.0]])
    onehot, logits3 = np.array([[0.0, 1.0, 0.0]]), np.array([[40.0, 0.0, 0.0]], "float32")
    value = losses.categorical_focal_crossentropy(onehot, logits3, from_logits=True, gamma=0.0,
                                                  alpha=1.0)
    _close(value, [40.0])


def test_log_cosh_does_not_overflow():
    _close(losses.log_cosh(np.zeros((1, 1)), np.array([[200.0]])), [200.0 - np.log(2.0)])


def test_hinge_labels_mapping_holds_under_jit():
    # 0/1 labels are mapped to -1/1 only when every label is 0 or 1, also when traced.
    fn = jax.jit(losses.hinge)
    _close(fn(jnp.array([[0.0, 1.0]]), jnp.array([[0.5, 0.5]])), [1.0])
    _close(fn(jnp.array([[-1.0, 0.5]]), jnp.array([[0.5, 0.5]])), [(1.5 + 0.75) / 2])


def test_losses_work_under_jit(rng):
    for cls_name, kwargs, kind in PLAIN_CASES[4::8]:
        y_true, y_pred = _data(kind, rng)
        loss = getattr(losses, cls_name)(**kwargs)
        _close(jax.jit(loss)(y_true, y_pred), loss(y_true, y_pred), cls_name)


# --------------------------------------------------------------- names and config

NEW_FUNCTIONS = ["hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
                 "log_cosh", "cosine_similarity", "mean_absolute_percentage_error",
                 "mean_squared_logarithmic_error", "binary_focal_crossentropy",
                 "categorical_focal_crossentropy", "dice", "tversky", "circle", "ctc"]
ALIASES = ["kld", "KLD", "mape", "MAPE", "msle", "MSLE"]
NEW_CLASSES = [c for c, _, _ in PLAIN_CASES]


@pytest.mark.parametrize("name", NEW_FUNCTIONS + ALIASES)
def test_function_names_resolve_like_keras(keras, name):
    theirs = keras.losses.get(name)  # Keras: the function; compile wraps it
    ours = losses.get(name)
    assert ours.name == name and ours.fn.__name__ == theirs.__name__
    assert losses.deserialize(name) is getattr(losses, theirs.__name__)
    assert losses.serialize(getattr(losses, theirs.__name__)) == \
        keras.losses.serialize(theirs)


@pytest.mark.parametrize("name", sorted(set(NEW_CLASSES)))
def test_class_names_resolve_and_default_configs_match_keras(keras, name):
    ours = losses.get(name)
    if name == "CategoricalGeneralizedCrossEntropy":
        # Keras 3.15 leaves it out of its name table: its get() raises; ours resolves it.
        with pytest.raises(ValueError, match="Could not interpret loss identifier"):
            keras.losses.get(name)
        theirs = keras.losses.CategoricalGeneralizedCrossEntropy()
    else:
        theirs = keras.losses.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    assert ours.__module__ == "kerasish.losses" and not hasattr(losses, "_" + name)


@pytest.mark.parametrize("cls_name, kwargs, kind", [c for c in PLAIN_CASES if c[1]])
def test_configs_match_keras_and_round_trip(keras, cls_name, kwargs, kind):
    ours = getattr(losses, cls_name)(name="x", reduction="sum", **kwargs)
    theirs = getattr(keras.losses, cls_name)(name="x", reduction="sum", **kwargs).get_config()
    config = ours.get_config()
    # Keras drops CosineSimilarity's `axis` (its round trip resets it); we keep it.
    assert {k: v for k, v in config.items() if not (cls_name == "CosineSimilarity"
                                                    and k == "axis")} == theirs
    again = losses.deserialize(losses.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == config
    keras_again = getattr(keras.losses, cls_name).from_config(dict(config))
    assert keras_again.get_config() == theirs  # Keras reads our config back


def test_generalized_cross_entropy_needs_q_by_name():
    with pytest.raises(ValueError, match=r"needs the argument `q`.*"
                                         r"CategoricalGeneralizedCrossEntropy\(q=\.\.\.\).*q=0\.5"):
        losses.get("categorical_generalized_cross_entropy")
    with pytest.raises(ValueError, match="needs the argument `q`"):
        losses.get(losses.categorical_generalized_cross_entropy)
    assert losses.get("CategoricalGeneralizedCrossEntropy").q == 0.5


def test_aliases_are_the_same_functions():
    assert losses.kld is losses.KLD is losses.kl_divergence
    assert losses.mape is losses.MAPE is losses.mean_absolute_percentage_error
    assert losses.msle is losses.MSLE is losses.mean_squared_logarithmic_error


def test_unknown_name_suggests_a_new_loss():
    with pytest.raises(ValueError, match=r"Did you mean 'squared_hinge'"):
        losses.get("squared_hinje")


# ------------------------------------------------------------------ saved models


def _model(ns, loss, units=3, activation="sigmoid"):
    model = ns.Sequential([ns.Input(shape=(4,)), ns.layers.Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("loss_spec", [
    ("BinaryFocalCrossentropy", {"gamma": 3.0, "from_logits": True, "alpha": 0.3,
                                 "apply_class_balancing": True}),
    ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": -1}),
    ("kld", None),
])
def test_compiled_loss_saves_to_keras_and_back(keras, tmp_path, rng, loss_spec):
    name, kwargs = loss_spec
    x = rng.uniform(size=(8, 4)).astype("float32")
    y = rng.integers(0, 2, size=(8, 3)).astype("float32")
    ours = _model(kerasish, name if kwargs is None else getattr(losses, name)(**kwargs))
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    _close(theirs.evaluate(x, y, verbose=0), ours.evaluate(x, y, verbose=0))
    theirs.save(tmp_path / "theirs.keras")
    back = kerasish.models.load_model(tmp_path / "theirs.keras")
    _close(back.evaluate(x, y, verbose=0), ours.evaluate(x, y, verbose=0))
    loss = back.compiled_losses()[0]
    if kwargs is None:
        assert loss.fn is losses.kl_divergence
    else:
        assert type(loss).__name__ == name and loss.get_config() == \
            getattr(losses, name)(**kwargs).get_config()


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize("make, match", [
    (lambda: losses.BinaryFocalCrossentropy(gamma=-1.0), r"`gamma`, expected a float >= 0"),
    (lambda: losses.BinaryFocalCrossentropy(alpha="0.25"), r"`alpha`, expected a float"),
    (lambda: losses.BinaryFocalCrossentropy(apply_class_balancing=1),
     r"`apply_class_balancing`, expected True or False"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=[0.1, None]),
     r"`alpha`, expected a float \(or a list"),
    (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=2.0), r"`label_smoothing`"),
    (lambda: losses.CosineSimilarity(axis=1.5), r"`axis`, expected an int"),
    (lambda: losses.Dice(axis="x"), r"`axis`, expected None, an int or a tuple of ints"),
    (lambda: losses.Tversky(beta=None), r"`beta`, expected a float"),
    (lambda: losses.Circle(remove_diagonal="yes"), r"`remove_diagonal`, expected True"),
    (lambda: losses.Circle(gamma="80"), r"`gamma`, expected a float"),
    (lambda: losses.CategoricalGeneralizedCrossEntropy(q=1.0),
     r"`q`, expected a float in the open interval \(0, 1\)\. Received: q=1\.0"),
])
def test_invalid_arguments_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ctc_shape_errors():
    with pytest.raises(ValueError, match=r"`ctc` expects `y_true` of shape \(batch_size, "
                                         r"max_label_length\).*y_true.shape=\(2,\)"):
        losses.ctc(np.array([1, 2]), np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"`y_pred` of shape \(batch_size, max_length, "
                                         r"num_classes\).*y_pred.shape=\(2, 3\)"):
        losses.ctc(np.array([[1], [2]]), np.zeros((2, 3)))


def test_focal_shape_and_probability_warnings():
    with pytest.raises(ValueError, match=r"`categorical_focal_crossentropy` expects `y_true` "
                                         r"and `y_pred` of the same shape.*one-hot encode"):
        losses.categorical_focal_crossentropy(np.zeros(4), np.ones((4, 3)) / 3)
    with pytest.warns(UserWarning, match="expects probabilities when `from_logits=False`"):
        losses.binary_focal_crossentropy(np.array([[1.0]]), np.array([[2.5]]))
    with pytest.warns(UserWarning, match="single class is always 0"):
        losses.categorical_focal_crossentropy(np.ones((2, 1)), np.ones((2, 1)))
