"""Metrics with Keras 3's names, as three pure functions plus Keras's stateful methods.

A metric is ``init_state() -> state``, ``update(state, y_true, y_pred, sample_weight)
-> state`` and ``compute(state) -> scalar``, all jittable, so the training step can
accumulate it on device. ``update_state`` / ``result`` / ``reset_state`` keep one such
state in the metric's ``variables`` for Keras-style use, and Keras 3's
``stateless_update_state`` / ``stateless_result`` / ``stateless_reset_state`` work on
lists of their values. A user's metric can be written either way: see `Metric`.

The package is split by topic (``base``, ``accuracy``, ``regression``, ``confusion``,
``auc``, ``f_score``, ``iou``, ``correlation``, ``registry``); every public name lives
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

from kerasish.metrics import accuracy as _accuracy_module
from kerasish.metrics import auc as _auc_module
from kerasish.metrics import base as _base_module
from kerasish.metrics import confusion as _confusion_module
from kerasish.metrics import registry as _registry_module
from kerasish.metrics import regression as _regression_module
from kerasish.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                       SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                                       TopKCategoricalAccuracy, accuracy, binary_accuracy,
                                       categorical_accuracy, sparse_categorical_accuracy,
                                       sparse_top_k_categorical_accuracy,
                                       top_k_categorical_accuracy)
from kerasish.metrics.auc import AUC
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from kerasish.metrics.confusion import Precision, Recall, confusion_counts
from kerasish.metrics.registry import deserialize, get, resolve, serialize
from kerasish.metrics.regression import (BinaryCrossentropy, CategoricalCrossentropy,
                                         MeanAbsoluteError, MeanSquaredError,
                                         RootMeanSquaredError, SparseCategoricalCrossentropy)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "CategoricalAccuracy",
    "CategoricalCrossentropy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "Precision", "Recall", "RootMeanSquaredError",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "Sum", "TopKCategoricalAccuracy", "accuracy",
    "binary_accuracy", "categorical_accuracy", "confusion_counts", "deserialize", "get",
    "resolve", "serialize", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
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


_publish([_base_module, _accuracy_module, _regression_module, _confusion_module, _auc_module,
          _registry_module])
