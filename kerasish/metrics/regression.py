"""Regression and cross-entropy metrics: running means of loss functions, and the
root mean squared error."""

import jax.numpy as jnp

from kerasish import losses
from kerasish.losses import squeeze_or_expand_to_same_rank
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric

class MeanSquaredError(MeanMetricWrapper):
    """Running mean of `losses.mean_squared_error`.

    >>> float(MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of `losses.mean_absolute_error`.

    >>> float(MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class RootMeanSquaredError(Mean):
    """Square root of the running mean of squared errors (the root is taken last).

    >>> float(RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update(state, jnp.square(y_pred - y_true), sample_weight)

    def compute(self, state):
        return jnp.sqrt(super().compute(state))


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


