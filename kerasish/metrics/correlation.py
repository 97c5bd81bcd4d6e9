"""Correlation metrics: Pearson's and the concordance correlation coefficient of each
sample's values along an axis, averaged over samples (Keras's definitions)."""

import jax.numpy as jnp

from kerasish import config
from kerasish.losses import squeeze_or_expand_to_same_rank
from kerasish.metrics.base import MeanMetricWrapper, Metric, _register_functions
from kerasish.metrics.shapes import _refuse_batch_axis


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``:
    the mean product of their standardised values (NaN where either is constant).

    Args:
        y_true: the labels.
        y_pred: the predictions, of the labels' shape.
        axis: the axis along which to correlate. Defaults to -1.

    >>> pearson_correlation([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]],
    ...                     [[2.0, 4.0, 7.0], [0.0, 1.0, 0.0]])
    Array([ 0.99339914, -0.99999994], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    t = t / jnp.std(t, axis=axis, keepdims=True)
    p = p / jnp.std(p, axis=axis, keepdims=True)
    return jnp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient of ``y_true`` and ``y_pred`` along
    ``axis``: ``2 cov / (var_true + var_pred + (mean_true - mean_pred)^2)``, as Keras
    computes it (the covariance term centres ``y_true`` on the mean of ``y_pred``).

    Args:
        y_true: the labels.
        y_pred: the predictions, of the labels' shape.
        axis: the axis along which to correlate. Defaults to -1.

    >>> concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    Array([0.99999994], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    mean_true = jnp.mean(y_true, axis=axis, keepdims=True)
    mean_pred = jnp.mean(y_pred, axis=axis, keepdims=True)
    var_true = jnp.var(y_true - mean_true, axis=axis, keepdims=True)
    var_pred = jnp.var(y_pred - mean_pred, axis=axis, keepdims=True)
    covariance = (y_true - mean_pred) * (y_pred - mean_pred)
    norm = var_true + var_pred + jnp.square(mean_true - mean_pred)
    return jnp.mean(2 * covariance / (norm + config.epsilon()), axis=axis)


_register_functions(pearson_correlation, concordance_correlation)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean over samples of `pearson_correlation` along ``axis``.

    Args:
        name: the metric's name. Defaults to ``"pearson_correlation"``.
        dtype: the dtype of the result.
        axis: the axis along which each sample's values are correlated.

    >>> m = PearsonCorrelation()
    >>> m.update_state([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]],
    ...                [[2.0, 4.0, 7.0], [0.0, 1.0, 0.0]])
    >>> round(float(m.result()), 4)
    -0.0033
    """

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self._direction = "up"
        self.axis = axis

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        _refuse_batch_axis(self, y_pred_shape)

    def get_config(self):
        return {**Metric.get_config(self), "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean over samples of `concordance_correlation` along ``axis``.

    Args:
        name: the metric's name. Defaults to ``"concordance_correlation"``.
        dtype: the dtype of the result.
        axis: the axis along which each sample's values are compared.

    >>> m = ConcordanceCorrelation()
    >>> m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    >>> round(float(m.result()), 4)
    1.0
    """

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self._direction = "up"
        self.axis = axis

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        _refuse_batch_axis(self, y_pred_shape)

    def get_config(self):
        return {**Metric.get_config(self), "axis": self.axis}
