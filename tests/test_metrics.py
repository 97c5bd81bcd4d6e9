"""Metrics: stateful parity with Keras 3 over several batches, the pure init/update/compute
under jit, padded samples, compile's name resolution, and error messages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish import metrics

N = 6


def _batches(kind, rng, n_batches=3):
    """Three batches of (y_true, y_pred, sample_weight) for one input layout."""
    out = []
    for _ in range(n_batches):
        classes = rng.integers(0, 4, size=(N,))
        probs = rng.dirichlet(np.ones(4), size=N).astype("float32")
        y = {
            "binary_n": (rng.integers(0, 2, (N,)).astype("float32"), rng.uniform(size=(N, 1))),
            "binary_n1": (rng.integers(0, 2, (N, 1)).astype("float32"), rng.uniform(size=(N, 1))),
            "binary_multi": (rng.integers(0, 2, (N, 3)).astype("float32"),
                             rng.uniform(size=(N, 3))),
            "onehot": (np.eye(4, dtype="float32")[classes], probs),
            "sparse_n": (classes, probs),
            "sparse_n1": (classes[:, None], probs),
            "regression_n1": (rng.normal(size=(N, 1)), rng.normal(size=(N, 1))),
            "regression_multi": (rng.normal(size=(N, 3)), rng.normal(size=(N, 3))),
        }[kind]
        weights = rng.uniform(0.0, 2.0, size=(N,)).astype("float32")
        out.append((y[0], y[1].astype("float32"), weights))
    return out


CASES = [
    ("BinaryAccuracy", {}, "binary_n"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary_multi"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse_n"),
    ("SparseCategoricalAccuracy", {}, "sparse_n1"),
    ("MeanSquaredError", {}, "regression_n1"),
    ("MeanAbsoluteError", {}, "regression_multi"),
    ("RootMeanSquaredError", {}, "regression_multi"),
    ("BinaryCrossentropy", {}, "binary_n1"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "regression_n1"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse_n"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_n1"),
]


def _close(ours, theirs, msg=""):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-6,
                               err_msg=msg)


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES)
def test_stateful_metrics_match_keras_over_batches(keras, rng, cls_name, kwargs, kind):
    batches = _batches(kind, rng, 2)
    for weighted in (False, True):
        ours = getattr(metrics, cls_name)(**kwargs)
        theirs = getattr(keras.metrics, cls_name)(**kwargs)
        for y_true, y_pred, w in batches:
            w = w if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=w)
            theirs.update_state(y_true, y_pred, sample_weight=w)
            _close(ours.result(), theirs.result(), f"{cls_name}{kwargs} weighted={weighted}")
        ours.reset_state()
        theirs.reset_state()
        _close(ours.result(), theirs.result())


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES)
def test_padded_samples_with_zero_weight_change_nothing(rng, cls_name, kwargs, kind):
    """The engine pads a short last batch and gives the padding a weight of 0."""
    (y_true, y_pred, w), = _batches(kind, rng, 1)
    short = getattr(metrics, cls_name)(**kwargs)
    short.update_state(y_true[:4], y_pred[:4], w[:4])
    # Pad to N rows with garbage (NaN predictions) of weight 0.
    y_pred = np.concatenate([y_pred[:4], np.full_like(y_pred[4:], np.nan)])
    w = np.concatenate([w[:4], np.zeros(2, "float32")])
    m = getattr(metrics, cls_name)(**kwargs)
    _close(m.compute(m.update(m.init_state(), y_true, y_pred, w)), short.result())


@pytest.mark.parametrize("m, kind", [
    (metrics.BinaryAccuracy(), "binary_n"),
    (metrics.SparseCategoricalCrossentropy(ignore_class=1), "sparse_n1"),
    (metrics.RootMeanSquaredError(), "regression_multi"),
])
def test_pure_functions_accumulate_under_jit(rng, m, kind):
    update, compute = jax.jit(m.update), jax.jit(m.compute)
    state = m.init_state()
    for y_true, y_pred, w in _batches(kind, rng, 2):
        state = update(state, y_true, y_pred, w)
        m.update_state(y_true, y_pred, w)
    _close(compute(state), m.result())


@pytest.mark.parametrize("fn_name, kind", [
    ("binary_accuracy", "binary_n"),
    ("binary_accuracy", "binary_n1"),
    ("categorical_accuracy", "onehot"),
    ("sparse_categorical_accuracy", "sparse_n"),
    ("sparse_categorical_accuracy", "sparse_n1"),
])
def test_function_forms_match_keras_values_and_shapes(keras, rng, fn_name, kind):
    y_true, y_pred, _ = _batches(kind, rng, 1)[0]
    ours = getattr(metrics, fn_name)(y_true, y_pred)
    theirs = getattr(keras.metrics, fn_name)(y_true, y_pred)
    assert ours.shape == theirs.shape
    _close(ours, theirs)


def test_mean_and_sum_match_keras(keras):
    values = np.array([[1.0, 3.0], [5.0, 7.0], [2.0, 2.0]])
    w = np.array([1.0, 0.0, 2.0])
    for cls_name in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, cls_name)(), getattr(keras.metrics, cls_name)()
        for kw in ({}, {"sample_weight": w}):
            ours.update_state(values, **kw)
            theirs.update_state(values, **kw)
            _close(ours.result(), theirs.result(), cls_name)
    mean = metrics.Mean()
    mean.update_state(3.0)
    assert float(mean.result()) == 3.0 and float(mean.init_state()["count"]) == 0.0


def test_ignore_class_matches_keras_weighted_path(keras):
    y_true = np.array([0, -1, 2, 1])
    y_pred = np.random.default_rng(2).dirichlet(np.ones(3), size=4).astype("float32")
    ours = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    theirs = keras.metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    for w in (np.ones(4), np.array([1.0, 2.0, 0.5, 1.0])):
        ours.update_state(y_true, y_pred, sample_weight=w)
        theirs.update_state(y_true, y_pred, sample_weight=w)
        _close(ours.result(), theirs.result())
    # Keras counts ignored entries when no weights are given (but not with all-ones
    # weights); we leave them out either way.
    unweighted = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    unweighted.update_state(y_true, y_pred)
    _close(unweighted.result(), theirs.__class__(ignore_class=-1)(y_true, y_pred, np.ones(4)))


def test_stateful_api_shape():
    m = metrics.Mean(name="m")
    assert (m.name, m.dtype) == ("m", "float32")
    assert [float(v) for v in m.variables] == [0.0, 0.0]  # total, count
    assert float(m([1.0, 2.0])) == 1.5  # __call__ updates and returns the result
    assert [float(v) for v in m.variables] == [3.0, 2.0]


def test_mean_metric_wrapper_of_a_plain_function():
    def abs_diff(y_true, y_pred):
        return jnp.abs(y_pred - y_true)

    m = metrics.get(abs_diff)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "abs_diff"
    m.update_state(np.zeros((2, 2)), np.array([[1.0, 3.0], [0.0, 0.0]]))
    assert float(m.result()) == 1.0


# ------------------------------------------------------------------ names: resolve

RESOLVE_CASES = [
    # (identifier, y_true shape, y_pred shape)
    ("accuracy", (N,), (N, 1)),
    ("acc", (N, 1), (N, 1)),
    ("Accuracy", (N,), (N, 1)),
    ("ACC", (N, 3), (N, 3)),
    ("accuracy", (N,), (N, 4)),
    ("accuracy", (N, 1), (N, 4)),
    ("accuracy", (N, 4), (N, 4)),
    ("mse", (N, 1), (N, 1)),
    ("MSE", (N, 1), (N, 1)),
    ("mean_squared_error", (N, 1), (N, 1)),
    ("MeanSquaredError", (N, 1), (N, 1)),
    ("mae", (N, 1), (N, 1)),
    ("binary_accuracy", (N,), (N, 1)),
    ("binary_crossentropy", (N, 1), (N, 1)),
    ("bce", (N, 1), (N, 1)),
    ("categorical_accuracy", (N, 4), (N, 4)),
    ("sparse_categorical_accuracy", (N, 1), (N, 4)),
    ("sparse_categorical_crossentropy", (N,), (N, 4)),
    ("root_mean_squared_error", (N, 1), (N, 1)),
]


def _arrays(y_true_shape, y_pred_shape, rng):
    if y_pred_shape[-1] == 4 and len(y_true_shape) == 2 and y_true_shape[-1] == 4:
        y_true = np.eye(4, dtype="float32")[rng.integers(0, 4, N)]
    elif y_pred_shape[-1] == 4:
        y_true = rng.integers(0, 4, y_true_shape).astype("float32")
    else:
        y_true = rng.integers(0, 2, y_true_shape).astype("float32")
    y_pred = rng.dirichlet(np.ones(y_pred_shape[-1]), N).astype("float32")
    if y_pred_shape[-1] == 1 or y_pred_shape[-1] == 3:
        y_pred = rng.uniform(size=y_pred_shape).astype("float32")
    return y_true, y_pred


@pytest.mark.parametrize("identifier, y_true_shape, y_pred_shape", RESOLVE_CASES)
def test_resolve_gives_keras_compile_metric_name_class_and_value(
        keras, rng, identifier, y_true_shape, y_pred_shape):
    from keras.src.trainers.compile_utils import get_metric

    y_true, y_pred = _arrays(y_true_shape, y_pred_shape, rng)
    theirs = get_metric(identifier, y_true, y_pred)
    # The engine passes shapes with a None batch axis.
    ours = metrics.resolve(identifier, (None,) + y_true_shape[1:], (None,) + y_pred_shape[1:])
    assert ours.name == theirs.name
    assert type(ours).__name__ == type(theirs).__name__
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    _close(ours.result(), theirs.result())


def test_resolve_keeps_instance_names_and_snake_cases_functions(keras):
    from keras.src.trainers.compile_utils import get_metric

    y = np.zeros((N, 1), "float32")
    for ours_id, theirs_id in [
        (metrics.BinaryAccuracy(name="ba"), keras.metrics.BinaryAccuracy(name="ba")),
        (metrics.RootMeanSquaredError(), keras.metrics.RootMeanSquaredError()),
        (metrics.Accuracy(), keras.metrics.Accuracy()),
    ]:
        assert metrics.resolve(ours_id, y.shape, y.shape).name == get_metric(theirs_id, y, y).name

    def MyMetric(y_true, y_pred):
        return y_pred

    assert metrics.resolve(MyMetric, y.shape, y.shape).name == get_metric(MyMetric, y, y).name


def test_history_keys_match_keras_fit(keras):
    """One end-to-end check that get_metric is what fit names its History keys by."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 4, (8,))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="softmax")])
    ids = ["accuracy", "acc", "sparse_categorical_accuracy", "sparse_categorical_crossentropy"]
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=ids)
    history = model.fit(x, y, epochs=1, verbose=0)
    ours = [metrics.resolve(m, (None,), (None, 4)).name for m in ids]
    assert sorted(history.history) == sorted(["loss", *ours])


# --------------------------------------------------------------- get and config


def test_get_names_like_keras_metrics_get(keras):
    for name in ["mse", "MSE", "mae", "bce", "accuracy", "binary_accuracy", "BinaryAccuracy",
                 "mean_squared_error", "root_mean_squared_error", "sparse_categorical_accuracy",
                 "categorical_crossentropy", "Mean", "sum"]:
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs.name), name
    m = metrics.Mean()
    assert metrics.get(m) is m and metrics.get(None) is None
    assert isinstance(metrics.get(metrics.BinaryAccuracy), metrics.BinaryAccuracy)


@pytest.mark.parametrize("cls_name, kwargs", [
    ("BinaryAccuracy", {"threshold": 0.7}),
    ("CategoricalAccuracy", {}),
    ("SparseCategoricalAccuracy", {"name": "sca"}),
    ("MeanSquaredError", {}),
    ("MeanAbsoluteError", {}),
    ("RootMeanSquaredError", {}),
    ("BinaryCrossentropy", {"from_logits": True}),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0}),
    ("Mean", {}),
    ("Sum", {}),
])
def test_config_matches_keras_and_round_trips(keras, cls_name, kwargs):
    ours = getattr(metrics, cls_name)(**kwargs)
    assert ours.get_config() == getattr(keras.metrics, cls_name)(**kwargs).get_config()
    again = metrics.deserialize(metrics.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == ours.get_config()


def test_mean_metric_wrapper_config_round_trips():
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.2)
    again = metrics.MeanMetricWrapper.from_config(m.get_config())
    assert again._fn is metrics.binary_accuracy and again._fn_kwargs == {"threshold": 0.2}


# ------------------------------------------------------------------------- errors


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'accuracyy'\."
                                         r" Did you mean 'accuracy'.*Valid names: \["):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match=r"'msee'\. Did you mean 'mse'"):
        metrics.resolve("msee", (None, 1), (None, 1))


def test_crossentropy_is_not_a_metric_name_in_keras(keras):
    from keras.src.trainers.compile_utils import get_metric

    y = np.zeros((N, 1), "float32")
    with pytest.raises(ValueError, match="crossentropy"):
        get_metric("crossentropy", y, y)
    with pytest.raises(ValueError, match=r"'crossentropy' for losses only.*'binary_crossentropy'"):
        metrics.resolve("crossentropy", (None, 1), (None, 1))


def test_categorical_accuracy_refuses_integer_labels():
    with pytest.raises(ValueError, match=r"one-hot labels.*y_true.shape=\(2,\), "
                                         r"y_pred.shape=\(2, 3\).*`sparse_categorical_accuracy`"):
        metrics.categorical_accuracy(np.array([0, 2]), np.ones((2, 3)))


def test_invalid_constructor_arguments():
    with pytest.raises(ValueError, match="`threshold`, expected a float.*threshold='0.5'"):
        metrics.BinaryAccuracy(threshold="0.5")
    with pytest.raises(ValueError, match=r"`label_smoothing`, expected a float in \[0, 1\]"):
        metrics.BinaryCrossentropy(label_smoothing=2)
    with pytest.raises(ValueError, match="`fn` must be a callable"):
        metrics.MeanMetricWrapper("mse")
    with pytest.raises(ValueError, match="Expected a metric, received `None`"):
        metrics.resolve(None, (None, 1), (None, 1))
