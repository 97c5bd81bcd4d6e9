"""Metrics with Keras 3's names, as three pure functions plus Keras's stateful methods.

A metric is ``init_state() -> state``, ``update(state, y_true, y_pred, sample_weight)
-> state`` and ``compute(state) -> scalar``, all jittable, so the training step can
accumulate it on device. ``update_state`` / ``result`` / ``reset_state`` keep one such
state in the metric's ``variables`` for Keras-style use, and Keras 3's
``stateless_update_state`` / ``stateless_result`` / ``stateless_reset_state`` work on
lists of their values. A user's metric can be written either way: see `Metric`.

The package is split by topic (``base``, ``accuracy``, ``regression``, ``probabilistic``,
``confusion``, ``sensitivity``, ``auc``, ``f_score``, ``iou``, ``correlation``,
``registry``); every public name lives
here, as ``keras.metrics`` has them, and reports ``kerasish.metrics`` as its module.

>>> import numpy as np
>>> from kerasish import metrics
>>> m = metrics.BinaryAccuracy()
>>> state = m.init_state()
>>> state = m.update(state, np.array([1.0, 0.0]), np.array([[0.9], [0.8]]))
>>> float(m.compute(state))
0.5
"""

import inspect as _inspect

from kerasish.losses import (binary_crossentropy, binary_focal_crossentropy,
                             categorical_crossentropy, categorical_focal_crossentropy,
                             categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                             mean_absolute_error, mean_absolute_percentage_error,
                             mean_squared_error, mean_squared_logarithmic_error, poisson,
                             sparse_categorical_crossentropy, squared_hinge)
from kerasish.metrics import accuracy as _accuracy_module
from kerasish.metrics import auc as _auc_module
from kerasish.metrics import base as _base_module
from kerasish.metrics import confusion as _confusion_module
from kerasish.metrics import correlation as _correlation_module
from kerasish.metrics import f_score as _f_score_module
from kerasish.metrics import iou as _iou_module
from kerasish.metrics import probabilistic as _probabilistic_module
from kerasish.metrics import registry as _registry_module
from kerasish.metrics import regression as _regression_module
from kerasish.metrics import sensitivity as _sensitivity_module
from kerasish.metrics import shapes as _shapes_module
from kerasish.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                       SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                                       TopKCategoricalAccuracy, accuracy, binary_accuracy,
                                       categorical_accuracy, sparse_categorical_accuracy,
                                       sparse_top_k_categorical_accuracy,
                                       top_k_categorical_accuracy)
from kerasish.metrics.auc import AUC
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from kerasish.metrics.confusion import (FalseNegatives, FalsePositives, Precision, Recall,
                                        TrueNegatives, TruePositives, confusion_counts)
from kerasish.metrics.correlation import (ConcordanceCorrelation, PearsonCorrelation,
                                          concordance_correlation, pearson_correlation)
from kerasish.metrics.f_score import F1Score, FBetaScore
from kerasish.metrics.iou import IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasish.metrics.probabilistic import (BinaryCrossentropy, CategoricalCrossentropy,
                                            CategoricalHinge, Hinge, KLDivergence, Poisson,
                                            SparseCategoricalCrossentropy, SquaredHinge)
from kerasish.metrics.registry import deserialize, get, resolve, serialize
from kerasish.metrics.regression import (CosineSimilarity, LogCoshError,
                                         MeanAbsoluteError, MeanAbsolutePercentageError,
                                         MeanSquaredError, MeanSquaredLogarithmicError,
                                         R2Score, RootMeanSquaredError)
from kerasish.metrics.sensitivity import (PrecisionAtRecall, RecallAtPrecision,
                                          SensitivityAtSpecificity, SpecificityAtSensitivity)

__all__ = [
    # base
    "Metric", "Mean", "Sum", "MeanMetricWrapper",
    # regression
    "MeanSquaredError", "RootMeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
    "LogCoshError", "R2Score",
    # classification: confusion counts and what is read off them
    "AUC", "FalseNegatives", "FalsePositives", "Precision", "PrecisionAtRecall", "Recall",
    "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity",
    "TrueNegatives", "TruePositives", "confusion_counts",
    # correlation
    "ConcordanceCorrelation", "PearsonCorrelation", "concordance_correlation",
    "pearson_correlation",
    # hinge and probabilistic
    "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    # accuracy
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    # F-score, IoU
    "F1Score", "FBetaScore", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU",
    # the loss functions keras.metrics re-exports (the same objects as kerasish.losses's)
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge",
    # lookup
    "deserialize", "get", "resolve", "serialize",
]


def _publish(modules):
    """Every class and function defined in ``modules`` (methods included) reports
    ``kerasish.metrics`` as its module: the public path of the name, what saved files
    record ("module") and what the function-form lookup of `saving` checks."""
    for module in modules:
        for obj in list(vars(module).values()):
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if _inspect.isfunction(obj):
                obj.__module__ = __name__
            elif _inspect.isclass(obj):
                obj.__module__ = __name__
                for attr in vars(obj).values():
                    fn = getattr(attr, "__func__", attr)
                    if isinstance(attr, property):
                        fn = attr.fget
                    if _inspect.isfunction(fn) and fn.__module__ == module.__name__:
                        fn.__module__ = __name__


_publish([_base_module, _shapes_module, _accuracy_module, _regression_module, _probabilistic_module,
          _confusion_module, _sensitivity_module, _auc_module, _f_score_module, _iou_module,
          _correlation_module, _registry_module])
