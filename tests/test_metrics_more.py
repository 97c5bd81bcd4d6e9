"""The metrics added after the first set (confusion counts, metrics at a constraint,
F-scores, R2, IoU, correlations, the loss-like metrics) against real Keras 3: results
after each of three batches, with and without sample weights, the variables' names
and shapes, the config, the pure path under ``jit``, and the function forms.

Fit parity (the metrics inside ``model.fit`` against Keras's History) is in
tests/test_metrics_fit.py; saving in .keras files both ways there too.
"""

import re

import jax
import numpy as np
import pytest

import kerasish
from kerasish import metrics


def _close(ours, theirs, msg="", rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(ours, "float64"), np.asarray(theirs, "float64"),
                               rtol=rtol, atol=atol, err_msg=msg)


def _data(kind, rng, n=8):
    """One batch ``(y_true, y_pred, sample_weight)`` of ``kind``."""
    classes = rng.integers(0, 4, size=(n,))
    weights = rng.uniform(0.0, 2.0, size=(n,)).astype("float32")
    weights[0] = 0.0  # a masked sample in every batch
    y = {
        "binary": (rng.integers(0, 2, (n, 1)).astype("float32"), rng.uniform(size=(n, 1))),
        "binary_multi": (rng.integers(0, 2, (n, 3)).astype("float32"),
                         rng.uniform(size=(n, 3))),
        "onehot": (np.eye(4, dtype="float32")[classes], rng.dirichlet(np.ones(4), size=n)),
        "sparse": (classes, rng.dirichlet(np.ones(4), size=n)),
        "ids": (classes, rng.integers(0, 4, size=(n,))),
        # class ids of a 2x3 "segmentation map" per sample, with out-of-range ids.
        "seg": (rng.integers(0, 4, size=(n, 2, 3)), rng.integers(-1, 5, size=(n, 2, 3))),
        # one-hot labels and scores with the classes on axis 0 (axis=0 metrics).
        "onehot_t": (np.eye(4, dtype="float32")[classes].T,
                     rng.dirichlet(np.ones(4), size=n).T),
        "regression": (rng.normal(size=(n, 3)), rng.normal(size=(n, 3))),
        "positive": (rng.uniform(0.0, 3.0, size=(n, 3)), rng.uniform(0.1, 3.0, size=(n, 3))),
        "signs": (rng.choice([-1.0, 1.0], size=(n, 3)), rng.normal(size=(n, 3))),
    }[kind]
    if kind == "seg":  # Keras takes one weight per pixel (not per sample) here
        weights = rng.uniform(0.0, 2.0, size=(n, 2, 3)).astype("float32")
    return y[0], y[1].astype("float32"), weights


# (class name, constructor kwargs, data kind, weighted?): every new class at least
# once, the options that change the arithmetic more.
CASES = [
    ("TruePositives", {}, "binary"),
    ("TrueNegatives", {"thresholds": [0.2, 0.5, 0.9]}, "binary_multi"),
    ("FalsePositives", {"thresholds": 0.3}, "binary_multi"),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary"),  # evenly
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.7, "num_thresholds": 7, "class_id": 2}, "binary_multi"),
    ("RecallAtPrecision", {"precision": 0.6}, "binary"),
    ("RecallAtPrecision", {"precision": 0.3, "num_thresholds": 1}, "binary_multi"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.4, "num_thresholds": 11, "class_id": 1},
     "binary_multi"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.8, "num_thresholds": 2}, "binary_multi"),
    ("F1Score", {}, "onehot"),
    ("F1Score", {"average": "micro", "threshold": 0.3}, "binary_multi"),
    ("F1Score", {"average": "macro"}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted", "threshold": 0.4}, "binary_multi"),
    ("FBetaScore", {"beta": 0.5}, "onehot"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None, "num_regressors": 2}, "regression"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "ids"),
    ("IoU", {"num_classes": 4, "target_class_ids": [1, 3], "sparse_y_pred": False}, "sparse"),
    ("IoU", {"num_classes": 4, "target_class_ids": [0, 1, 3], "ignore_class": 2,
             "dtype": "float32"}, "seg"),
    ("MeanIoU", {"num_classes": 4}, "ids"),
    ("MeanIoU", {"num_classes": 4, "sparse_y_true": False, "sparse_y_pred": False,
                 "ignore_class": 0}, "onehot"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": 4, "target_class_ids": [0, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 4, "dtype": "float32"}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 4, "axis": 0}, "onehot_t"),
    ("PearsonCorrelation", {}, "regression"),
    ("PearsonCorrelation", {"axis": 0}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {"axis": 0}, "regression"),
    ("Hinge", {}, "signs"),
    ("Hinge", {}, "binary_multi"),  # 0/1 labels become -1/1
    ("SquaredHinge", {}, "signs"),
    ("CategoricalHinge", {}, "onehot"),
    ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "positive"),
    ("LogCoshError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("MeanAbsolutePercentageError", {}, "positive"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
]


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def _first_of_each_class_fast(cases):
    """The first case of each class in the fast tier, the other options slow-tier."""
    seen, out = set(), []
    for i, case in enumerate(cases):
        marks = () if case[0] not in seen else (pytest.mark.slow,)
        seen.add(case[0])
        out.append(pytest.param(*case, marks=marks, id=f"{case[0]}-{i}"))
    return out


@pytest.mark.parametrize("metric_name, kwargs, kind", _first_of_each_class_fast(CASES))
def test_new_metrics_match_keras_over_batches(keras, rng, metric_name, kwargs, kind):
    batches = [_data(kind, rng) for _ in range(3)]
    int_weights = "int" in str(getattr(metrics, metric_name)(**kwargs).dtype)
    # Keras cannot weight metrics that reduce over the batch axis (axis=0).
    for weighted in (False, True) if kwargs.get("axis") != 0 or "IoU" in metric_name \
            else (False,):
        ours = getattr(metrics, metric_name)(**kwargs)
        theirs = getattr(keras.metrics, metric_name)(**kwargs)
        for y_true, y_pred, w in batches:
            if metric_name == "R2Score":
                # Keras counts rows of weight 0 in num_samples, kerasish does not (they
                # are padding in a compiled step): test_r2_ignores_rows_of_weight_0.
                w = np.where(w == 0, 0.5, w).astype("float32")
            if weighted and int_weights:
                w = np.round(w * 2).astype("int32")  # integer weights for integer counts
            w = w if weighted else None
            ours.update_state(y_true, y_pred, sample_weight=w)
            theirs.update_state(y_true, y_pred, sample_weight=w)
            _close(ours.result(), theirs.result(), f"{metric_name}{kwargs} weighted={weighted}")
        # The same variables (names, shapes, dtypes, values), so states move both ways.
        assert [(v.path.split("/")[-1], tuple(v.shape), str(v.dtype)) for v in ours.variables] \
            == [(v.path.split("/")[-1], tuple(v.shape), str(v.dtype)) for v in theirs.variables]
        for o, t in zip(ours.variables, theirs.variables):
            _close(o.value, t.value, f"variable {t.path}")
        ours.reset_state()
        theirs.reset_state()
        _close(ours.result(), theirs.result(), f"{metric_name} after reset_state")
    # Keras numbers default names per process (true_positives_1, ...).
    assert ours.name == re.sub(r"_\d+$", "", theirs.name) or ours.name == theirs.name
    expected = {**theirs.get_config(), "name": ours.name}
    if metric_name == "CosineSimilarity":
        expected["axis"] = kwargs.get("axis", -1)  # Keras's config drops it; ours keeps it
    assert ours.get_config() == expected
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()


# Metrics that reduce over the batch (axis=0) see the padding rows: not in this test.
JIT_CASES = [c for c in CASES[::2] if c[1].get("axis") != 0 or "IoU" in c[0]]


@pytest.mark.parametrize("metric_name, kwargs, kind", [
    pytest.param(*c, marks=() if i < 4 else (pytest.mark.slow,), id=f"{c[0]}-{i}")
    for i, c in enumerate(JIT_CASES)])
def test_pure_update_under_jit_matches_keras(keras, rng, metric_name, kwargs, kind):
    """The path the compiled training step takes: ``update`` under ``jit`` from
    ``init_state``, padded rows carrying weight 0, equals Keras's stateful result."""
    batches = [_data(kind, rng) for _ in range(3)]
    ours = getattr(metrics, metric_name)(**kwargs)
    theirs = getattr(keras.metrics, metric_name)(**kwargs)
    if hasattr(ours, "_build_for_shapes"):
        ours._build_for_shapes(None, np.shape(batches[0][1]))
    update = jax.jit(ours.update)
    state = ours.init_state()
    for y_true, y_pred, _ in batches:
        theirs.update_state(y_true, y_pred)
        pad = lambda a: np.concatenate([a, np.zeros_like(a[:3])])  # noqa: E731
        mask = np.r_[np.ones(len(y_true)), np.zeros(3)].astype("float32")
        state = update(state, pad(y_true), pad(y_pred), mask)
    _close(jax.jit(ours.compute)(state), theirs.result(), f"{metric_name}{kwargs}")


# Function forms of kerasish.metrics (Keras re-exports its loss functions there).
FUNCTIONS = [
    ("pearson_correlation", {}, "regression"),
    ("pearson_correlation", {"axis": 0}, "regression"),
    ("concordance_correlation", {}, "regression"),
    ("concordance_correlation", {"axis": 0}, "regression"),
    ("binary_crossentropy", {}, "binary_multi"),
    ("binary_focal_crossentropy", {"gamma": 3.0}, "binary_multi"),
    ("categorical_crossentropy", {}, "onehot"),
    ("categorical_focal_crossentropy", {}, "onehot"),
    ("sparse_categorical_crossentropy", {}, "sparse"),
    ("categorical_hinge", {}, "onehot"),
    ("hinge", {}, "signs"),
    ("squared_hinge", {}, "signs"),
    ("huber", {"delta": 0.5}, "regression"),
    ("kl_divergence", {}, "onehot"),
    ("log_cosh", {}, "regression"),
    ("mean_absolute_error", {}, "regression"),
    ("mean_squared_error", {}, "regression"),
    ("mean_absolute_percentage_error", {}, "positive"),
    ("mean_squared_logarithmic_error", {}, "positive"),
    ("poisson", {}, "positive"),
]


@pytest.mark.parametrize("fn_name, kwargs, kind", FUNCTIONS, ids=_ids(FUNCTIONS))
def test_function_forms_match_keras(keras, rng, fn_name, kwargs, kind):
    y_true, y_pred, _ = _data(kind, rng)
    ours = getattr(metrics, fn_name)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.metrics, fn_name)(y_true, y_pred, **kwargs)
    assert ours.shape == theirs.shape
    _close(ours, theirs, fn_name)


def test_loss_functions_are_the_losses_objects():
    """As in Keras, ``metrics.hinge`` is ``losses.hinge`` (one object, one name)."""
    for name in ("hinge", "kl_divergence", "log_cosh", "poisson", "huber",
                 "mean_absolute_percentage_error", "binary_focal_crossentropy"):
        assert getattr(metrics, name) is getattr(kerasish.losses, name)


NAMES = ["true_positives", "false_negatives", "f1_score", "f_beta_score", "r2_score",
         "pearson_correlation", "concordance_correlation", "hinge", "squared_hinge",
         "categorical_hinge", "kl_divergence", "poisson", "log_cosh_error",
         "cosine_similarity", "mape", "MAPE", "msle", "MSLE", "R2Score", "F1Score",
         "Hinge", "LogCoshError", "KLDivergence"]


def test_names_resolve_as_keras_get_does(keras):
    for name in NAMES:
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert type(ours).__name__ == type(theirs).__name__, name
        assert ours.name == re.sub(r"_\d+$", "", theirs.name), name
        # compile(metrics=[name]) names the metric by the string, as Keras's compile.
        assert metrics.resolve(name, (None, 3), (None, 3)).name == name


def test_names_of_metrics_that_need_arguments_are_refused_clearly():
    for name, arg in [("mean_io_u", "num_classes"), ("IoU", "num_classes"),
                      ("precision_at_recall", "recall"),
                      ("specificity_at_sensitivity", "sensitivity")]:
        with pytest.raises(ValueError, match=f"needs arguments.*{arg}.*Pass an instance"):
            metrics.get(name)


@pytest.mark.parametrize("make, match", [
    (lambda: metrics.FBetaScore(beta=2), "`beta`.*Python float.*Received: beta=2"),
    (lambda: metrics.FBetaScore(beta=-1.0), "`beta`.*> 0.*Received: beta=-1.0"),
    (lambda: metrics.F1Score(average="mean"), "`average`.*Received: average='mean'"),
    (lambda: metrics.F1Score(threshold=1), "`threshold`.*Python float"),
    (lambda: metrics.F1Score(threshold=1.5), "0 < threshold <= 1"),
    (lambda: metrics.R2Score(class_aggregation="mean"), "`class_aggregation`"),
    (lambda: metrics.R2Score(num_regressors=-1), "`num_regressors`.*>= 0"),
    (lambda: metrics.IoU(3, [0, 3]), "Target class ids must be in \\[0, 3\\)"),
    (lambda: metrics.MeanIoU(0), "`num_classes`.*>= 1"),
    (lambda: metrics.PrecisionAtRecall(1.5), "`recall` must be in the range \\[0, 1\\]"),
    (lambda: metrics.RecallAtPrecision(0.5, num_thresholds=0), "`num_thresholds`.*> 0"),
    (lambda: metrics.SensitivityAtSpecificity(-0.1), "`specificity`"),
    (lambda: metrics.SpecificityAtSensitivity(2), "`sensitivity`"),
    (lambda: metrics.TruePositives(thresholds=[0.5, 1.2]), "Threshold values must be in"),
    (lambda: metrics.CosineSimilarity(axis="last"), "axis"),
    (lambda: metrics.BinaryIoU(threshold="half"), "`threshold` must be a float"),
])
def test_bad_arguments_are_refused_with_the_argument_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_shape_built_metrics_explain_what_they_wait_for():
    m = metrics.F1Score()
    assert m.variables == []  # as Keras: built by the first batch
    with pytest.raises(ValueError, match="does not know its number of output columns"):
        m.init_state()
    with pytest.raises(ValueError, match=r"R2Score expects 2D inputs.*\(2, 3, 4\)"):
        metrics.R2Score().update_state(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    m.update_state(np.eye(3), np.eye(3))
    assert [v.path for v in m.variables] == [
        "f1_score/true_positives", "f1_score/false_positives", "f1_score/false_negatives",
        "f1_score/intermediate_weights"]


def test_r2_adjusted_falls_back_with_keras_warning():
    m = metrics.R2Score(num_regressors=5)
    m.update_state([[1.0], [2.0], [4.0]], [[1.5], [2.0], [3.0]])
    plain = metrics.R2Score()
    plain.update_state([[1.0], [2.0], [4.0]], [[1.5], [2.0], [3.0]])
    with pytest.warns(UserWarning, match="More independent predictors than datapoints"):
        value = m.result()
    assert float(value) == pytest.approx(float(plain.result()))


def test_iou_float_weights_on_integer_counts_warn_as_keras():
    m = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="passing weight as `float`, but dtype is `int`"):
        m.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 1.5]))
    # Truncated to integers, as Keras's cast does: weights 0 and 1.
    np.testing.assert_array_equal(np.asarray(m.variables[0].value), [[0, 0], [0, 1]])


def test_r2_ignores_rows_of_weight_0():
    """Keras counts every label entry in ``num_samples`` (the n of the adjusted R2);
    kerasish leaves out rows of weight 0, which are the padding of a short last batch
    in a compiled step. With weights 1 and 0, the rows of weight 0 change nothing."""
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    padded = metrics.R2Score(num_regressors=1)
    padded.update_state(np.r_[y, np.zeros((3, 2))], np.r_[p, np.ones((3, 2))],
                        sample_weight=np.r_[np.ones(6), np.zeros(3)])
    plain = metrics.R2Score(num_regressors=1)
    plain.update_state(y, p)
    _close(padded.result(), plain.result())
    assert float(padded.variables[0].value) == 12.0  # num_samples: 6 rows x 2 columns


@pytest.mark.parametrize("make", [lambda: metrics.PearsonCorrelation(axis=0),
                                  lambda: metrics.ConcordanceCorrelation(axis=-2),
                                  lambda: metrics.CosineSimilarity(axis=0)])
def test_batch_axis_metrics_are_refused_in_compile(make):
    """A compiled step pads the last batch: a reduction over the batch axis would mix
    the padding in, so the first fit refuses it (named, with the way out); the metric
    still works on whole arrays."""
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), kerasish.layers.Dense(2)])
    model.compile(loss="mse", metrics=[make()])
    with pytest.raises(ValueError, match=r"axis=-?\d+\) reduces over the batch axis.*axis=-1"):
        model.fit(np.zeros((5, 3), "float32"), np.zeros((5, 2), "float32"), verbose=0)
    m = make()
    m.update_state(np.eye(3)[:, :2], np.eye(3)[:, :2] * 2.0)
    assert np.all(np.isfinite(np.asarray(m.result())))
