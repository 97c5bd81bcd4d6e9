"""Probabilistic and hinge metrics: running means of the cross-entropies, the
Kullback-Leibler divergence, the Poisson loss and the hinge losses."""

import jax.numpy as jnp

from kerasish import losses
from kerasish.metrics.base import MeanMetricWrapper, Metric
from kerasish.metrics.regression import _loss_wrapper

class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.binary_crossentropy`.

    >>> round(float(BinaryCrossentropy()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    0.8149
    """

    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        losses._check_from_logits(from_logits)
        losses._check_label_smoothing(label_smoothing)
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.categorical_crossentropy`.

    >>> round(float(CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]],
    ...                                      [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        losses._check_from_logits(from_logits)
        losses._check_label_smoothing(label_smoothing)
        losses._check_axis(axis)
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.sparse_categorical_crossentropy`; entries labelled
    ``ignore_class`` are not counted.

    >>> m = SparseCategoricalCrossentropy()
    >>> round(float(m([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        losses._check_from_logits(from_logits)
        losses._check_axis(axis)
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_pred = jnp.asarray(y_pred)
        return losses._sparse_labels(y_true, y_pred, self.axis) != self.ignore_class

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


KLDivergence = _loss_wrapper(
    "KLDivergence", "kl_divergence", "kl_divergence", None,
    """Running mean of `losses.kl_divergence`: ``sum(y_true * log(y_true / y_pred))``
    over the last axis, both clipped to [epsilon, 1].

    Args:
        name: the metric's name. Defaults to ``"kl_divergence"``.
        dtype: the dtype of the result.

    >>> m = KLDivergence()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    0.4581
    """, __name__)

Poisson = _loss_wrapper(
    "Poisson", "poisson", "poisson", None,
    """Running mean of `losses.poisson`: ``y_pred - y_true * log(y_pred + epsilon)``,
    averaged over the last axis.

    Args:
        name: the metric's name. Defaults to ``"poisson"``.
        dtype: the dtype of the result.

    >>> m = Poisson()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    >>> round(float(m.result()), 4)
    0.5
    """, __name__)

Hinge = _loss_wrapper(
    "Hinge", "hinge", "hinge", "down",
    """Running mean of `losses.hinge`: ``max(1 - y_true * y_pred, 0)`` averaged over the
    last axis, with 0/1 labels turned into -1/1.

    Args:
        name: the metric's name. Defaults to ``"hinge"``.
        dtype: the dtype of the result.

    >>> m = Hinge()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.3
    """, __name__)

SquaredHinge = _loss_wrapper(
    "SquaredHinge", "squared_hinge", "squared_hinge", "down",
    """Running mean of `losses.squared_hinge`: ``max(1 - y_true * y_pred, 0)^2``
    averaged over the last axis, with 0/1 labels turned into -1/1.

    Args:
        name: the metric's name. Defaults to ``"squared_hinge"``.
        dtype: the dtype of the result.

    >>> m = SquaredHinge()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.86
    """, __name__)

CategoricalHinge = _loss_wrapper(
    "CategoricalHinge", "categorical_hinge", "categorical_hinge", "down",
    """Running mean of `losses.categorical_hinge`:
    ``max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))`` per sample.

    Args:
        name: the metric's name. Defaults to ``"categorical_hinge"``.
        dtype: the dtype of the result.

    >>> m = CategoricalHinge()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> round(float(m.result()), 4)
    1.4
    """, __name__)
