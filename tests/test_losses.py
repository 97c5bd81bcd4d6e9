"""Losses: differential tests against real Keras 3, exact values in log space, gradients,
jit, names and error messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from kerasish import losses

N = 6
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]
# 'mean' is 'sum_over_batch_size' and 'none' is None: the big grid skips the aliases.
DISTINCT_REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]


def _data(kind, rng):
    """(y_true, y_pred) for one input layout."""
    probs = lambda *s: rng.uniform(0.02, 0.98, size=s).astype("float32")
    logits = lambda *s: rng.normal(0, 3, size=s).astype("float32")
    labels01 = lambda *s: rng.integers(0, 2, size=s).astype("float32")
    classes = rng.integers(0, 4, size=(N,))
    onehot = np.eye(4, dtype="float32")[classes]
    unnormalised = rng.uniform(0.1, 2.0, size=(N, 4)).astype("float32")
    return {
        "binary_n1": (labels01(N, 1), probs(N, 1)),
        "binary_n": (labels01(N), probs(N, 1)),
        "binary_n_vs_n": (labels01(N), probs(N)),
        "binary_multilabel": (labels01(N, 3), probs(N, 3)),
        "binary_logits": (labels01(N, 1), logits(N, 1)),
        "binary_logits_n": (labels01(N), logits(N, 1)),
        "onehot_probs": (onehot, unnormalised),
        "onehot_logits": (onehot, logits(N, 4)),
        "sparse_probs": (classes, unnormalised),
        "sparse_n1": (classes[:, None], unnormalised),
        "sparse_logits": (classes.astype("int32"), logits(N, 4)),
        "regression_n": (logits(N), logits(N, 1)),
        "regression_n1": (logits(N, 1), logits(N, 1)),
        "regression_multi": (logits(N, 3), logits(N, 3)),
    }[kind]


CASES = [
    ("BinaryCrossentropy", {}, "binary_n1"),
    ("BinaryCrossentropy", {}, "binary_n"),
    ("BinaryCrossentropy", {}, "binary_n_vs_n"),
    ("BinaryCrossentropy", {}, "binary_multilabel"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary_multilabel"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot_probs"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot_probs"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.3}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse_probs"),
    ("SparseCategoricalCrossentropy", {}, "sparse_n1"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("MeanSquaredError", {}, "regression_n"),
    ("MeanSquaredError", {}, "regression_multi"),
    ("MeanAbsoluteError", {}, "regression_n1"),
    ("Huber", {}, "regression_multi"),
    ("Huber", {"delta": 0.5}, "regression_n"),
]


def _close(ours, theirs, msg=""):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6,
                               err_msg=msg)


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES)
def test_classes_match_keras_for_every_reduction_and_weighting(keras, rng, cls_name, kwargs, kind):
    y_true, y_pred = _data(kind, rng)
    weights = {
        "none": None,
        "random": rng.uniform(0.1, 2.0, size=(N,)).astype("float32"),
        "zeros": np.array([1, 0, 2, 0, 0.5, 1], "float32"),
        "column": rng.uniform(0.1, 2.0, size=(N, 1)).astype("float32"),
    }
    for reduction in DISTINCT_REDUCTIONS:
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
        for wname, w in weights.items():
            _close(ours(y_true, y_pred, sample_weight=w), theirs(y_true, y_pred, sample_weight=w),
                   f"{cls_name}{kwargs} {kind} reduction={reduction} weights={wname}")
    # `call` is the unreduced per-sample values of Keras's reduction=None.
    unreduced = getattr(keras.losses, cls_name)(reduction=None, **kwargs)(y_true, y_pred)
    _close(ours.call(y_true, y_pred), unreduced)


FUNCTION_CASES = [
    ("binary_crossentropy", {}, "binary_n1"),
    ("binary_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("categorical_crossentropy", {}, "onehot_probs"),
    ("categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("sparse_categorical_crossentropy", {}, "sparse_probs"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
    ("mean_squared_error", {}, "regression_n"),
    ("mean_absolute_error", {}, "regression_multi"),
    ("huber", {"delta": 0.7}, "regression_multi"),
]


@pytest.mark.parametrize("fn_name, kwargs, kind", FUNCTION_CASES)
def test_function_forms_match_keras(keras, rng, fn_name, kwargs, kind):
    y_true, y_pred = _data(kind, rng)
    ours = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
    assert ours.shape == (N,)
    _close(ours, getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs))


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_reduction_aliases_match_keras(keras, rng, reduction):
    y_true, y_pred = _data("regression_multi", rng)
    w = rng.uniform(size=(N,)).astype("float32")
    _close(losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, w),
           keras.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, w))


def test_keras_aliases_exist():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.MAE is losses.mean_absolute_error
    assert losses.bce is losses.BCE is losses.binary_crossentropy


def test_function_form_accepts_labels_of_rank_one_against_column_predictions():
    # Keras's function form raises here; its class form (and ours) aligns ranks.
    y_true, y_pred = np.array([0.0, 1.0]), np.array([[0.2], [0.7]])
    _close(losses.binary_crossentropy(y_true, y_pred),
           losses.binary_crossentropy(y_true[:, None], y_pred))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ignore_class_matches_keras(keras, reduction):
    y_true = np.array([0, -1, 2, 1, -1])
    y_pred = np.random.default_rng(1).uniform(0.1, 1.0, size=(5, 3)).astype("float32")
    for from_logits in (False, True):
        for w in (None, np.array([1.0, 2.0, 3.0, 0.0, 1.0], "float32")):
            kw = dict(ignore_class=-1, from_logits=from_logits, reduction=reduction)
            ours = losses.SparseCategoricalCrossentropy(**kw)
            theirs = keras.losses.SparseCategoricalCrossentropy(**kw)
            _close(ours(y_true, y_pred, sample_weight=w), theirs(y_true, y_pred, sample_weight=w),
                   f"from_logits={from_logits} weights={w}")


def test_ignore_class_has_a_mask_for_the_engine():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=255)
    mask = loss.compute_mask(np.array([[1], [255]]), np.ones((2, 3)) / 3)
    np.testing.assert_array_equal(mask, [True, False])
    assert losses.MeanSquaredError().compute_mask(np.ones(2), np.ones(2)) is None


# ------------------------------------------------------------- log-space exactness


def test_binary_from_logits_is_exact_at_1e4():
    logits = jnp.array([[1e4], [-1e4], [1e4], [-1e4]])
    labels = jnp.array([[0.0], [1.0], [1.0], [0.0]])
    np.testing.assert_array_equal(
        losses.binary_crossentropy(labels, logits, from_logits=True), [1e4, 1e4, 0.0, 0.0])


def test_categorical_and_sparse_from_logits_are_exact_at_1e4():
    logits = jnp.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    np.testing.assert_array_equal(
        losses.categorical_crossentropy(jnp.eye(3)[jnp.array([1, 0])], logits, from_logits=True),
        [2e4, 0.0])
    np.testing.assert_array_equal(
        losses.sparse_categorical_crossentropy(jnp.array([1, 0]), logits, from_logits=True),
        [2e4, 0.0])


@pytest.mark.parametrize("loss", [
    losses.BinaryCrossentropy(from_logits=True),
    losses.CategoricalCrossentropy(from_logits=True),
    losses.SparseCategoricalCrossentropy(from_logits=True),
])
def test_gradients_at_extreme_logits_are_finite_and_exact(loss):
    logits = jnp.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        y_true, probs_true = jnp.array([1, 1]), jnp.eye(3)[jnp.array([1, 1])]
    else:
        y_true = probs_true = jnp.eye(3)[jnp.array([1, 1])]
    grad = jax.jit(jax.grad(lambda x: loss(y_true, x)))(logits)
    assert np.isfinite(np.asarray(grad)).all()
    if isinstance(loss, losses.BinaryCrossentropy):
        expected = (jax.nn.sigmoid(logits) - probs_true) / logits.size
    else:
        expected = (jax.nn.softmax(logits) - probs_true) / logits.shape[0]
    np.testing.assert_allclose(grad, expected, atol=1e-7)


def test_probability_path_gradients_are_finite_at_0_and_1():
    y_pred = jnp.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    y_true = jnp.eye(3)[jnp.array([1, 2])]
    for fn in (losses.binary_crossentropy, losses.categorical_crossentropy):
        grad = jax.jit(jax.grad(lambda p: fn(y_true, p).sum()))(y_pred)
        assert np.isfinite(np.asarray(grad)).all()


def test_probability_path_clips_like_keras():
    eps = 1e-7
    value = losses.binary_crossentropy(jnp.array([[1.0]]), jnp.array([[0.0]]))
    np.testing.assert_allclose(value, [-np.log(np.float32(eps))], rtol=1e-6)


@pytest.mark.parametrize("fn, y_true", [
    (lambda t, p: losses.binary_crossentropy(t, p, from_logits=True), np.array([[0.0], [1.0]])),
    (lambda t, p: losses.sparse_categorical_crossentropy(t, p, True), np.array([0, 2])),
    (losses.huber, np.array([[0.0], [1.0]])),
])
def test_check_grads(fn, y_true):
    y_pred = jnp.array([[0.3, -1.2, 2.0], [1.5, 0.2, -0.7]])
    y_pred = y_pred[:, :1] if y_true.shape[-1:] == (1,) else y_pred
    check_grads(jax.jit(lambda p: fn(y_true, p).sum()), (y_pred,), order=1, modes=["rev"],
                atol=1e-2, rtol=1e-2, eps=1e-2)


def test_losses_work_under_jit():
    bce = losses.BinaryCrossentropy(from_logits=True)
    y_true, y_pred = jnp.array([[0.0], [1.0]]), jnp.array([[0.5], [-2.0]])
    _close(jax.jit(bce)(y_true, y_pred), bce(y_true, y_pred))
    _close(jax.jit(bce.call)(y_true, y_pred), bce.call(y_true, y_pred))
    scce = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    labels, probs = jnp.array([0, -1]), jnp.array([[0.2, 0.8], [0.5, 0.5]])
    _close(jax.jit(scce)(labels, probs), scce(labels, probs))


def test_integer_labels_are_cast(keras):
    y_true, y_pred = np.array([[1], [0]]), np.array([[0.8], [0.3]], "float32")
    _close(losses.BinaryCrossentropy()(y_true, y_pred),
           keras.losses.BinaryCrossentropy()(y_true, y_pred))
    _close(losses.mean_squared_error(np.array([[1, 2]]), np.array([[1, 3]])), [0.5])


def test_out_of_range_sparse_labels_are_nan_under_jit():
    fn = jax.jit(losses.sparse_categorical_crossentropy)
    assert np.isnan(fn(jnp.array([3, -2]), jnp.ones((2, 3)) / 3)).all()


# ------------------------------------------------------------------ reduce_values


def test_reduce_values_semantics():
    v = jnp.array([1.0, 2.0, 3.0, 4.0])
    w = jnp.array([1.0, 0.0, 2.0, 0.0])
    assert float(losses.reduce_values(v)) == 2.5
    assert float(losses.reduce_values(v, w)) == (1 + 6) / 4  # denominator: all entries
    assert float(losses.reduce_values(v, w, "mean_with_sample_weight")) == pytest.approx(7 / 3)
    assert float(losses.reduce_values(v, w, "sum")) == 7
    np.testing.assert_array_equal(losses.reduce_values(v, w, None), [1, 0, 6, 0])
    assert float(losses.reduce_values(v, jnp.zeros(4), "mean_with_sample_weight")) == 0.0


def test_zero_weight_hides_non_finite_values():
    v = jnp.array([1.0, jnp.inf, jnp.nan])
    assert float(losses.reduce_values(v, jnp.array([1.0, 0.0, 0.0]), "sum")) == 1.0


def test_per_sample_weights_broadcast_over_timesteps():
    values = jnp.arange(6.0).reshape(3, 2)
    w = jnp.array([1.0, 0.0, 2.0])
    assert float(losses.reduce_values(values, w, "sum")) == 0 + 1 + 2 * (4 + 5)


# --------------------------------------------------------------- names and config


def test_get_resolves_names_like_keras_compile():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert losses.get("mse").name == "mse"
    assert losses.get("MSE").name == "MSE"
    assert losses.get("mean_squared_error").name == "mean_squared_error"
    assert losses.get("MeanSquaredError").name == "mean_squared_error"
    assert losses.get("huber").name == "huber"
    assert losses.get("Huber").name == "huber_loss"
    assert losses.get("bce").from_logits is False
    assert isinstance(losses.get("sparse_categorical_crossentropy"),
                      losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("mae"), losses.MeanAbsoluteError)
    assert losses.get(None) is None
    loss = losses.Huber(delta=2.0)
    assert losses.get(loss) is loss
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    assert losses.get(losses.huber).name == "huber"


def test_get_wraps_a_plain_callable():
    def squared(y_true, y_pred):
        return (y_pred - y_true) ** 2

    loss = losses.get(squared)
    assert isinstance(loss, losses.LossFunctionWrapper) and loss.name == "squared"
    np.testing.assert_array_equal(loss.call(np.zeros(3), np.ones(3)), [1, 1, 1])
    assert float(loss(np.zeros(3), np.ones(3))) == 1.0


def test_get_from_a_config_dict():
    loss = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.from_logits


@pytest.mark.parametrize("ce, y_true, y_pred, fn_name", [
    ("crossentropy", np.zeros((4,)), np.full((4, 1), 0.3), "binary_crossentropy"),
    ("ce", np.zeros((4, 1)), np.full((4, 3), 0.3), "sparse_categorical_crossentropy"),
    ("CE", np.eye(3)[[0, 1, 2, 0]], np.full((4, 3), 0.3), "categorical_crossentropy"),
])
def test_resolve_crossentropy_like_keras(keras, ce, y_true, y_pred, fn_name):
    from keras.src.trainers.compile_utils import get_loss

    theirs = get_loss(ce, y_true, y_pred)
    ours = losses.resolve(ce, y_true.shape, y_pred.shape)
    assert ours.name == theirs.name == ce
    assert ours.fn.__name__ == theirs.fn.__name__ == fn_name
    _close(ours(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("cls_name, kwargs", [
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
    ("CategoricalCrossentropy", {"axis": 1}),
    ("SparseCategoricalCrossentropy", {"ignore_class": 3, "reduction": "sum"}),
    ("MeanSquaredError", {"name": "m"}),
    ("MeanAbsoluteError", {}),
    ("Huber", {}),
])
def test_config_matches_keras_and_round_trips(keras, cls_name, kwargs):
    ours = getattr(losses, cls_name)(**kwargs)
    theirs = getattr(keras.losses, cls_name)(**kwargs).get_config()
    config = ours.get_config()
    # Our Huber also stores `delta` (Keras drops it, so its round trip resets it).
    assert {k: v for k, v in config.items() if k != "delta"} == theirs
    again = losses.deserialize(losses.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == config


def test_wrapper_config_round_trips_a_builtin_function():
    loss = losses.LossFunctionWrapper(losses.huber, name="h", delta=3.0)
    again = losses.LossFunctionWrapper.from_config(loss.get_config())
    assert again.fn is losses.huber and again._fn_kwargs == {"delta": 3.0} and again.name == "h"


# ------------------------------------------------------------------------- errors


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: 'msee'\. "
                                         r"Did you mean 'mse'.*Valid names: \["):
        losses.get("msee")
    with pytest.raises(ValueError, match="'binary_crossentropy'"):
        losses.get("binary_crossentropyy")


def test_crossentropy_without_shapes_explains_resolve():
    with pytest.raises(ValueError, match=r"depending on the shapes.*losses\.resolve"):
        losses.get("crossentropy")


def test_invalid_reduction_lists_allowed_values():
    with pytest.raises(ValueError, match=r"`reduction`\. Expected one of .*'sum_over_batch_size'"
                                         r".*Received: reduction='avg'"):
        losses.MeanSquaredError(reduction="avg")


@pytest.mark.parametrize("value", [1.5, -0.1, "0.1", True])
def test_invalid_label_smoothing(value):
    with pytest.raises(ValueError, match=r"`label_smoothing`, expected a float in \[0, 1\]"):
        losses.BinaryCrossentropy(label_smoothing=value)


def test_invalid_from_logits_delta_axis_and_ignore_class():
    with pytest.raises(ValueError, match="`from_logits`, expected True or False. "
                                         "Received: from_logits='True'"):
        losses.CategoricalCrossentropy(from_logits="True")
    with pytest.raises(ValueError, match=r"`delta`, expected a positive float.*delta=0"):
        losses.Huber(delta=0)
    with pytest.raises(ValueError, match="`axis`, expected an int. Received: axis=True"):
        losses.CategoricalCrossentropy(axis=True)
    with pytest.raises(ValueError, match="`ignore_class`, expected an int"):
        losses.SparseCategoricalCrossentropy(ignore_class=1.5)


def test_shape_errors_say_which_loss_to_use():
    with pytest.raises(ValueError, match=r"y_true.shape=\(4,\), y_pred.shape=\(4, 3\)\. "
                                         r"If `y_true` holds integer class ids, use "
                                         r"`sparse_categorical_crossentropy`"):
        losses.categorical_crossentropy(np.zeros(4), np.ones((4, 3)) / 3)
    with pytest.raises(ValueError, match=r"class ids of shape \(4,\).*Received: "
                                         r"y_true.shape=\(4, 3\).*use `categorical_crossentropy`"):
        losses.sparse_categorical_crossentropy(np.eye(3)[[0, 1, 2, 0]], np.ones((4, 3)) / 3)


def test_out_of_range_sparse_labels_are_refused():
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\).*max=3"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match=r"min=-1"):
        losses.SparseCategoricalCrossentropy()(np.array([0, -1]), np.ones((2, 3)) / 3)


def test_logits_on_the_probability_path_warn():
    with pytest.warns(UserWarning, match="expects probabilities when `from_logits=False`.*"
                                         "pass `from_logits=True`"):
        losses.binary_crossentropy(np.array([[1.0]]), np.array([[2.5]]))
    with pytest.warns(UserWarning, match="min=-1"):
        losses.categorical_crossentropy(np.eye(2), np.array([[-1.0, 2.0], [0.5, 0.5]]))
