"""Gate tables of the metrics area (tests/gates/README.md): the metrics added after the
first set (confusion counts, metrics at a constraint, F-scores, R2, IoU, correlations,
the loss-like metrics) and their function forms."""

import numpy as np

_BATCH = "tests/test_metrics_more.py::test_new_metrics_match_keras_over_batches"
_FUNCTIONS = "tests/test_metrics_more.py::test_function_forms_match_keras"

# ------------------------------------------------------------ parity coverage

PARITY_SOURCES = {
    ("metrics", "value"): [
        ("test_metrics_more", "test_new_metrics_match_keras_over_batches", "metric_name"),
        ("test_metrics_more", "test_function_forms_match_keras", "fn_name"),
    ],
    ("metrics", "fit"): [
        ("test_metrics_fit", "test_fit_with_new_metrics_matches_keras",
         lambda args: {name for name, _ in args["case"]["metrics"]}),
    ],
}

# ------------------------------------------------------------ argument gate

# Data for the generic probes (name, dtype) of the new classes.
DATA = {
    "iou_ids": (np.array([0, 1, 2, 2, 1, 0]), np.array([0, 2, 2, 1, 1, 0])),
    "positive": (np.array([[0.0, 1.0, 2.0], [3.0, 1.0, 0.5], [1.0, 1.0, 1.0]], "float32"),
                 np.array([[0.5, 3.0, 2.0], [1.0, 1.5, 0.2], [2.0, 0.1, 1.0]], "float32")),
}
DATA_KIND = {
    **{name: "binary" for name in (
        "TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives",
        "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
        "SpecificityAtSensitivity", "F1Score", "FBetaScore", "BinaryIoU")},
    # (Hinge, KLDivergence, Poisson ...: the losses area's entries, by class name, serve
    # the metrics of the same names.)
    **{name: "categorical" for name in ("OneHotIoU", "OneHotMeanIoU")},
    **{name: "positive" for name in (
        "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError")},
    "IoU": "iou_ids", "MeanIoU": "iou_ids",
}
# Required constructor arguments, so that the generic probes can build the class.
BASE = {
    "IoU": dict(num_classes=3, target_class_ids=[0, 1]),
    "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[0, 2]),
    "OneHotMeanIoU": dict(num_classes=3),
    "PrecisionAtRecall": dict(recall=0.5, num_thresholds=5),
    "RecallAtPrecision": dict(precision=0.5, num_thresholds=5),
    "SensitivityAtSpecificity": dict(specificity=0.5, num_thresholds=5),
    "SpecificityAtSensitivity": dict(sensitivity=0.5, num_thresholds=5),
}

# Every other constructor argument of the new classes is checked against Keras 3 by the
# parity grid (each option's effect on the numbers, and its survival in get_config /
# from_config), which names it in its cases.
_ARGS = {
    "TruePositives": ("thresholds",), "TrueNegatives": ("thresholds",),
    "FalsePositives": ("thresholds",), "FalseNegatives": ("thresholds",),
    "PrecisionAtRecall": ("recall", "num_thresholds", "class_id"),
    "RecallAtPrecision": ("precision", "num_thresholds", "class_id"),
    "SensitivityAtSpecificity": ("specificity", "num_thresholds", "class_id"),
    "SpecificityAtSensitivity": ("sensitivity", "num_thresholds", "class_id"),
    "F1Score": ("average", "threshold"), "FBetaScore": ("average", "beta", "threshold"),
    "R2Score": ("class_aggregation", "num_regressors"),
    "IoU": ("num_classes", "target_class_ids", "ignore_class", "sparse_y_true",
            "sparse_y_pred", "axis"),
    "MeanIoU": ("num_classes", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"),
    "BinaryIoU": ("target_class_ids", "threshold"),
    "OneHotIoU": ("num_classes", "target_class_ids", "ignore_class", "sparse_y_pred", "axis"),
    "OneHotMeanIoU": ("num_classes", "ignore_class", "sparse_y_pred", "axis"),
    "PearsonCorrelation": ("axis",), "ConcordanceCorrelation": ("axis",),
    "CosineSimilarity": ("axis",),
}
ELSEWHERE = {
    **{(f"metrics.{cls}", arg): _BATCH for cls, args in _ARGS.items() for arg in args},
    # The IoU metrics' dtype is the confusion matrix's (integers by default, as Keras):
    # the grid compares the variables' dtypes with Keras's, and runs dtype="float32".
    **{(f"metrics.{cls}", "dtype"): _BATCH
       for cls in ("IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU")},
    ("metrics.pearson_correlation", "axis"): _FUNCTIONS,
    ("metrics.concordance_correlation", "axis"): _FUNCTIONS,
}



def probes(h):
    """``sample_weight`` of every new ``update`` / ``update_state``, through the class
    that runs it: weighted and unweighted results must differ."""
    from kerasish import metrics

    weights = {"binary": np.array([1.0, 0.0, 3.0], "float32"),
               "categorical": np.array([1.0, 0.0, 3.0], "float32"),
               "regression": np.array([1.0, 0.0, 3.0], "float32"),
               "iou_ids": np.array([1, 0, 3, 1, 2, 0], "int32")}
    for key, target in h.SURFACE.items():
        if target.kind != "method" or "sample_weight" not in target.options \
                or (key, "sample_weight") in h.PROBES:
            continue
        owner = target.owner.__name__
        if owner not in _ARGS or target.name not in ("update", "update_state"):
            continue

        def run(owner=owner, method=target.name):
            kind = h.DATA_KIND.get(owner, "regression")
            y_true, y_pred = h.DATA[kind]
            make = lambda: getattr(metrics, owner)(**BASE.get(owner, {}))  # noqa: E731
            results = []
            for w in (weights[kind], None):
                m = make()
                if method == "update":
                    if hasattr(m, "_build_for_shapes"):
                        m._build_for_shapes(None, np.shape(y_pred))
                    results.append(m.compute(m.update(m.init_state(), y_true, y_pred, w)))
                else:
                    m.update_state(y_true, y_pred, sample_weight=w)
                    results.append(m.result())
            return h._differ(results[0], results[1], "sample_weight")

        h.PROBES[(key, "sample_weight")] = run
