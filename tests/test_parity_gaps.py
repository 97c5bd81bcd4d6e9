"""Parity cases against real Keras 3 that the per-module test files do not have yet.

Two tiers, as `tests/test_parity_coverage.py` counts them:

* value parity (eager, cheap): the metric and loss classes that the per-module grids
  leave out (``Accuracy``, ``Mean``, ``Sum``, the wrappers, the base ``Regularizer``) and
  the metrics other modules are adding (``Precision``, ``Recall``, ``AUC``, top-k), which
  skip until kerasish has them;
* fit parity: every loss class, on the probability and the logits path, trained with and
  without ``sample_weight`` by every optimizer over three epochs of ``fit`` with
  ``shuffle=False`` on 50 samples in batches of 16 (a short last batch), with every metric
  class compiled in and a regularizer on the weights; then ``History.history`` keys and
  values, the weights, ``predict`` and ``evaluate`` (list and dict, with and without
  sample weights) must agree: relative 1e-5 forward, 1e-4 after training.

Both models start from Keras's initial weights, copied with ``set_weights``.
"""

import importlib

import numpy as np
import pytest

import kerasish

N, N_VAL, N_IN, BATCH, EPOCHS = 50, 11, 4, 16, 3  # 50 = 3 * 16 + 2: a short last batch

# Public names that kerasish does not have yet; their cases skip until it does.
ANTICIPATED = {
    "metrics": {"Precision", "Recall", "AUC", "TopKCategoricalAccuracy",
                "SparseTopKCategoricalAccuracy", "top_k_categorical_accuracy",
                "sparse_top_k_categorical_accuracy", "confusion_counts"},
}


def _close(ours, theirs, msg="", rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol,
                               err_msg=msg)


def _require(module, name):
    if not hasattr(module, name):
        pytest.skip(f"kerasish.{module.__name__.split('.')[-1]}.{name} does not exist yet")


def _build(ns, name, kwargs, group):
    """``ns.<group>.<name>(**kwargs)`` where a ``fn`` entry names a loss function."""
    kwargs = dict(kwargs)
    if "fn" in kwargs:
        kwargs["fn"] = getattr(ns.losses, kwargs["fn"])
    module = getattr(ns, group)
    if ns is not kerasish and not hasattr(module, name):
        # Keras 3 keeps some classes (LossFunctionWrapper) out of its public modules.
        module = importlib.import_module(f"keras.src.{group}")
    return getattr(module, name)(**kwargs)


# ------------------------------------------------------------------------ value tier


def _metric_data(kind, rng):
    """One batch (y_true, y_pred, sample_weight) of ``kind``."""
    n = 8
    classes = rng.integers(0, 4, size=(n,))
    weights = rng.uniform(0.0, 2.0, size=(n,)).astype("float32")
    y = {
        "binary": (rng.integers(0, 2, (n, 1)).astype("float32"), rng.uniform(size=(n, 1))),
        "binary_multi": (rng.integers(0, 2, (n, 3)).astype("float32"), rng.uniform(size=(n, 3))),
        "onehot": (np.eye(4, dtype="float32")[classes], rng.dirichlet(np.ones(4), size=n)),
        "sparse": (classes, rng.dirichlet(np.ones(4), size=n)),
        "regression": (rng.normal(size=(n, 3)), rng.normal(size=(n, 3))),
        # Small integers: about half of the predictions equal their labels.
        "labels": (rng.integers(0, 2, (n, 1)).astype("float32"),
                   rng.integers(0, 2, (n, 1)).astype("float32")),
    }[kind]
    return y[0], y[1].astype("float32"), weights


METRIC_VALUE_CASES = [
    ("Accuracy", {}, "labels"),
    ("MeanMetricWrapper", {"fn": "mean_absolute_error"}, "regression"),
    ("MeanMetricWrapper", {"fn": "binary_crossentropy"}, "binary"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.3, 0.7]}, "binary_multi"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": 0.3}, "binary_multi"),
    ("AUC", {}, "binary"),
    ("AUC", {"curve": "PR", "num_thresholds": 50}, "binary"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
]


@pytest.mark.slow
@pytest.mark.parametrize("metric_name, kwargs, kind", METRIC_VALUE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in METRIC_VALUE_CASES])
def test_metric_values_match_keras_over_batches(keras, rng, metric_name, kwargs, kind):
    _require(kerasish.metrics, metric_name)
    batches = [_metric_data(kind, rng) for _ in range(3)]
    for weighted in (False, True):
        ours = _build(kerasish, metric_name, kwargs, "metrics")
        theirs = _build(keras, metric_name, kwargs, "metrics")
        for y_true, y_pred, w in batches:
            w = w if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=w)
            theirs.update_state(y_true, y_pred, sample_weight=w)
            _close(ours.result(), theirs.result(), f"{metric_name}{kwargs} weighted={weighted}")
        ours.reset_state()
        theirs.reset_state()
        _close(ours.result(), theirs.result(), f"{metric_name} after reset_state")


@pytest.mark.parametrize("metric_name", ["Mean", "Sum"])
def test_mean_and_sum_match_keras_over_batches(keras, rng, metric_name):
    for weighted in (False, True):
        ours = getattr(kerasish.metrics, metric_name)()
        theirs = getattr(keras.metrics, metric_name)()
        for _ in range(3):
            values = rng.normal(size=(5, 2)).astype("float32")
            w = rng.uniform(0, 2, size=(5,)).astype("float32") if weighted else None
            ours.update_state(values, sample_weight=w)
            theirs.update_state(values, sample_weight=w)
            _close(ours.result(), theirs.result(), f"{metric_name} weighted={weighted}")


METRIC_FUNCTION_CASES = [
    ("accuracy", {}, "labels"),
    ("top_k_categorical_accuracy", {"k": 2}, "onehot"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
]


@pytest.mark.parametrize("metric_name, kwargs, kind", METRIC_FUNCTION_CASES)
def test_metric_functions_match_keras(keras, rng, metric_name, kwargs, kind):
    _require(kerasish.metrics, metric_name)
    y_true, y_pred, _ = _metric_data(kind, rng)
    ours = getattr(kerasish.metrics, metric_name)(y_true, y_pred, **kwargs)
    # Keras keeps `accuracy` (what the `Accuracy` metric averages) out of keras.metrics.
    from keras.src.metrics import accuracy_metrics

    fn = getattr(keras.metrics, metric_name, None) or getattr(accuracy_metrics, metric_name)
    theirs = fn(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    _close(ours, theirs)


@pytest.mark.parametrize("metric_name, thresholds, weighted", [
    ("confusion_counts", [0.5], False),
    ("confusion_counts", [0.0, 0.3, 0.7, 1.0], True),
])
def test_confusion_counts_match_keras_confusion_metrics(keras, rng, metric_name, thresholds,
                                                        weighted):
    """The pure counts behind Precision/Recall/AUC against Keras's TruePositives & co."""
    _require(kerasish.metrics, metric_name)
    y_true, y_pred, w = _metric_data("binary_multi", rng)
    w = w if weighted else None
    counts = getattr(kerasish.metrics, metric_name)(y_true, y_pred, thresholds, sample_weight=w)
    for key, cls_name in [("tp", "TruePositives"), ("fp", "FalsePositives"),
                          ("tn", "TrueNegatives"), ("fn", "FalseNegatives")]:
        theirs = getattr(keras.metrics, cls_name)(thresholds=thresholds)
        theirs.update_state(y_true, y_pred, sample_weight=w)
        _close(counts[key], theirs.result(), f"{key} at {thresholds}")


LOSS_VALUE_CASES = [
    ("LossFunctionWrapper", {"fn": "mean_squared_error"}),
    ("LossFunctionWrapper", {"fn": "huber", "delta": 0.5}),
    ("LossFunctionWrapper", {"fn": "mean_absolute_error", "reduction": "sum"}),
]


@pytest.mark.parametrize("loss_name, kwargs", LOSS_VALUE_CASES)
def test_loss_wrapper_matches_keras(keras, rng, loss_name, kwargs):
    y_true, y_pred = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    w = rng.uniform(0.1, 2.0, size=(6,)).astype("float32")
    ours = _build(kerasish, loss_name, kwargs, "losses")
    theirs = _build(keras, loss_name, kwargs, "losses")
    for weights in (None, w):
        _close(ours(y_true, y_pred, sample_weight=weights),
               theirs(y_true, y_pred, sample_weight=weights), f"weights={weights}")


@pytest.mark.parametrize("optimizer_name, inner", [
    ("LossScaleOptimizer", ("SGD", {"learning_rate": 0.1, "momentum": 0.9})),
    ("LossScaleOptimizer", ("Adam", {"learning_rate": 0.01})),
])
def test_loss_scale_optimizer_matches_keras(keras, optimizer_name, inner):
    """Scaled gradients, one of them inf: the step is skipped and the scale halved, and
    after `dynamic_growth_steps` finite steps the scale doubles, as in Keras."""
    import jax
    import optax

    _require(kerasish.optimizers, optimizer_name)
    rng = np.random.default_rng(4)
    w0 = rng.normal(size=(3, 2)).astype("float32")
    grads = [rng.normal(size=(3, 2)).astype("float32") for _ in range(6)]
    grads[2][1, 0] = np.inf

    kopt = getattr(keras.optimizers, optimizer_name)(
        _build(keras, *inner, "optimizers"), initial_scale=8.0, dynamic_growth_steps=2)
    kvar = keras.Variable(w0, name="kernel")
    kopt.build([kvar])
    paths = [v.path for v in kopt.variables]
    trainable, opt_vars = [kvar.value], [v.value for v in kopt.variables]

    opt = getattr(kerasish.optimizers, optimizer_name)(
        _build(kerasish, *inner, "optimizers"), initial_scale=8.0, dynamic_growth_steps=2)
    params = {"dense": {"kernel": jax.numpy.asarray(w0)}}
    state = opt.init(params)
    step = jax.jit(lambda g, s, p: opt.update(g, s, p))
    for i, g in enumerate(grads):
        scale = float(dict(zip(paths, opt_vars))[f"{kopt.name}/dynamic_scale"])
        assert float(opt.scale_of(state)) == scale, f"scale before step {i}"
        trainable, opt_vars = kopt.stateless_apply(opt_vars, [g * scale], trainable)
        updates, state = step({"dense": {"kernel": g * scale}}, state, params)
        params = optax.apply_updates(params, updates)
        _close(params["dense"]["kernel"], trainable[0], f"weights after step {i}")


@pytest.mark.parametrize("regularizer_name", ["Regularizer"])
def test_base_regularizer_penalty_matches_keras(keras, rng, regularizer_name):
    x = rng.normal(size=(3, 4)).astype("float32")
    ours = getattr(kerasish.regularizers, regularizer_name)()(x)
    theirs = getattr(keras.regularizers, regularizer_name)()(x)
    _close(ours, theirs)


# -------------------------------------------------------------------------- fit tier


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)

    def make(n):
        x = rng.normal(size=(n, N_IN)).astype("float32")
        cls = np.digitize(x[:, 0] - 0.5 * x[:, 2], [-0.6, 0.6]).astype("int32")  # 3 classes
        return x, {
            "binary": (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32"),
            "onehot": np.eye(3, dtype="float32")[cls],
            "sparse": cls,
            "regression": (x @ np.array([[0.5, -1.0], [1.0, 0.2], [0.0, 0.3], [-0.7, 0.0]])
                           ).astype("float32"),
        }

    x, ys = make(N)
    xv, yvs = make(N_VAL)
    sw = rng.uniform(0.1, 2.0, size=(N,)).astype("float32")
    return x, ys, xv, yvs, sw


def _fit_case(loss, target, units, activation, optimizer, metrics, regularizer,
              sample_weight, validation=False, weighted_metrics=()):
    case = dict(loss=loss, target=target, units=units, activation=activation,
                optimizer=optimizer, metrics=metrics, regularizer=regularizer,
                sample_weight=sample_weight, validation=validation,
                weighted_metrics=weighted_metrics)
    opt = optimizer[0]
    reg = regularizer[0] if regularizer else "none"
    sw = "sw" if sample_weight else "nosw"
    logits = "logits" if loss[1].get("from_logits") else "probs"
    return pytest.param(case, id=f"{loss[0]}-{logits}-{sw}-{opt}-{reg}")


# Every loss class, each cross-entropy on the probability and on the logits path, half
# of them trained with sample weights (evaluate() checks both ways for all); every
# optimizer twice, every metric class and regularizer at least once.
FIT_CASES = [
    _fit_case(("BinaryCrossentropy", {}), "binary", 1, "sigmoid",
              ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
              [("BinaryAccuracy", {}), ("BinaryCrossentropy", {}), ("Accuracy", {}),
               # Explicit names: Keras numbers these per process (auc, auc_1, ...).
               ("Precision", {"name": "precision"}), ("Recall", {"name": "recall"}),
               ("AUC", {"name": "auc"})],
              ("L2", {"l2": 0.01}), sample_weight=True, validation=True,
              weighted_metrics=[("BinaryAccuracy", {})]),
    _fit_case(("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}), "binary", 1,
              "linear", ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
              [("BinaryCrossentropy", {"from_logits": True}), ("BinaryAccuracy", {"threshold": 0.0})],
              ("L1", {"l1": 0.01}), sample_weight=False),
    _fit_case(("CategoricalCrossentropy", {}), "onehot", 3, "softmax",
              ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
              [("CategoricalAccuracy", {}), ("CategoricalCrossentropy", {}),
               ("TopKCategoricalAccuracy", {"k": 2})],
              ("OrthogonalRegularizer", {"factor": 0.05}), sample_weight=False),
    _fit_case(("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}), "onehot",
              3, "linear", ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.05}),
              [("CategoricalCrossentropy", {"from_logits": True})],
              ("L1L2", {"l1": 0.01, "l2": 0.02}), sample_weight=True),
    _fit_case(("SparseCategoricalCrossentropy", {}), "sparse", 3, "softmax",
              ("Adagrad", {"learning_rate": 0.1}),
              [("SparseCategoricalAccuracy", {}), ("SparseCategoricalCrossentropy", {}),
               ("SparseTopKCategoricalAccuracy", {"k": 2})],
              ("L2", {"l2": 0.02}), sample_weight=True, validation=True),
    _fit_case(("SparseCategoricalCrossentropy", {"from_logits": True}), "sparse", 3, "linear",
              ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
              [("SparseCategoricalCrossentropy", {"from_logits": True}),
               ("SparseCategoricalAccuracy", {})], None, sample_weight=False),
    _fit_case(("MeanSquaredError", {}), "regression", 2, "linear", ("RMSprop", {"learning_rate": 0.01}),
              [("MeanSquaredError", {}), ("MeanAbsoluteError", {}), ("RootMeanSquaredError", {})],
              ("L1L2", {"l1": 0.001, "l2": 0.01}), sample_weight=True, validation=True),
    _fit_case(("MeanAbsoluteError", {}), "regression", 2, "linear", ("Adam", {"learning_rate": 0.01}),
              [("MeanMetricWrapper", {"fn": "mean_squared_error", "name": "mse_of_outputs"})], None,
              sample_weight=False),
    _fit_case(("Huber", {"delta": 0.5}), "regression", 2, "linear", ("AdamW", {"learning_rate": 0.01}),
              [("RootMeanSquaredError", {})], ("L2", {"l2": 0.01}), sample_weight=True),
    _fit_case(("LossFunctionWrapper", {"fn": "mean_squared_error"}), "regression", 2, "linear",
              ("Adagrad", {"learning_rate": 0.05}), [("MeanAbsoluteError", {})], None,
              sample_weight=False),
]


def _fit_model(ns, case, seed=0):
    """The case's 4 -> 6 (tanh) -> units model in Keras or kerasish, compiled."""
    reg = bias_reg = None
    if case["regularizer"] is not None:
        reg = _build(ns, *case["regularizer"], "regularizers")
        if case["regularizer"][0] != "OrthogonalRegularizer":  # needs a 2D weight
            bias_reg = _build(ns, *case["regularizer"], "regularizers")
    model = ns.Sequential([
        ns.Input(shape=(N_IN,)),
        ns.layers.Dense(6, activation="tanh", kernel_regularizer=reg, bias_regularizer=bias_reg),
        ns.layers.Dense(case["units"], activation=case["activation"], kernel_regularizer=reg),
    ])
    present = lambda specs: [_build(ns, n, k, "metrics") for n, k in specs  # noqa: E731
                             if hasattr(kerasish.metrics, n)]
    model.compile(loss=_build(ns, *case["loss"], "losses"),
                  optimizer=_build(ns, *case["optimizer"], "optimizers"),
                  metrics=present(case["metrics"]),
                  weighted_metrics=present(case["weighted_metrics"]) or None)
    return model


@pytest.mark.slow
@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_evaluate_and_history_match_keras(keras, data, case):
    x, ys, xv, yvs, sw = data
    y, yv = ys[case["target"]], yvs[case["target"]]
    keras.utils.set_random_seed(0)
    km = _fit_model(keras, case)
    om = _fit_model(kerasish, case)
    om.set_weights(km.get_weights())
    np.testing.assert_allclose(om.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6, err_msg="forward pass before training")

    kwargs = dict(batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                  sample_weight=sw if case["sample_weight"] else None,
                  validation_data=(xv, yv) if case["validation"] else None)
    kh, oh = km.fit(x, y, **kwargs), om.fit(x, y, **kwargs)
    assert sorted(oh.history) == sorted(kh.history)
    for key in kh.history:
        assert len(oh.history[key]) == EPOCHS
        _close(oh.history[key], kh.history[key], f"History[{key!r}]", rtol=1e-4)
    for ow, kw in zip(om.get_weights(), km.get_weights(), strict=True):
        _close(ow, kw, "weights after fit", rtol=1e-4)
    assert int(om.optimizer.iterations) == int(km.optimizer.iterations) == EPOCHS * 4
    _close(om.predict(x, verbose=0), km.predict(x, verbose=0), "predict after fit", rtol=1e-4)

    k_eval, o_eval = km.evaluate(x, y, verbose=0), om.evaluate(x, y, verbose=0)
    assert type(o_eval) is type(k_eval)  # a float without metrics, else a list
    if not case["weighted_metrics"]:
        # With weighted_metrics, Keras's list repeats the unweighted value once more
        # (its flattening looks metrics up by their un-prefixed names); the dict is right.
        _close(o_eval, k_eval, "evaluate()", rtol=1e-4)
    k_dict = km.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    o_dict = om.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert sorted(o_dict) == sorted(k_dict)
    for key in k_dict:
        _close(o_dict[key], k_dict[key], f"evaluate(sample_weight=...)[{key!r}]", rtol=1e-4)
    # Last, as it hides nothing else: the keys come in Keras's order too.
    assert list(o_dict) == list(k_dict)
    assert list(oh.history) == list(kh.history)
