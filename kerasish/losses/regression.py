"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh and
cosine-similarity errors.

>>> float(mean_squared_error([[1.0, 3.0]], [[2.0, 1.0]])[0])
2.5
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.base import (
    Loss,
    LossFunctionWrapper,
    _check_axis,
    _float_pair,
    squeeze_or_expand_to_same_rank,
)


def mean_squared_error(y_true, y_pred):
    """Mean of squared errors over the last axis.

    >>> mean_squared_error([[1.0, 0.0]], [[0.5, 0.5]])
    Array([0.25], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of absolute errors over the last axis.

    >>> mean_absolute_error([[1.0, 0.0]], [[0.5, 0.5]])
    Array([0.5], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Squared error below ``delta``, linear above it, averaged over the last axis.

    >>> huber([[0.0, 0.0]], [[0.5, 3.0]])
    Array([1.3125], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    per_entry = jnp.where(
        abs_error <= delta, 0.5 * jnp.square(error), delta * abs_error - 0.5 * delta**2
    )
    return jnp.mean(per_entry, axis=-1)


def log_cosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``: about ``x**2 / 2`` for
    small errors and ``|x| - log(2)`` for large ones.

    Args:
        y_true: targets.
        y_pred: predictions.

    >>> log_cosh([[0.0, 0.0]], [[1.0, 100.0]])
    Array([49.87032], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    x = y_pred - y_true
    # cosh overflows float32 past |x| ~ 89; this form never does.
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - np.log(2.0).astype(x.dtype), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis.

    Args:
        y_true: targets.
        y_pred: predictions.

    >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 5.0]])
    Array([37.5], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), config.epsilon()))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean over the last axis of ``(log(1 + y_pred) - log(1 + y_true)) ** 2``, with
    negative values raised to 1e-7 first.

    Args:
        y_true: targets.
        y_pred: predictions.

    >>> mean_squared_logarithmic_error([[0.0, 1.0]], [[1.0, 1.0]])
    Array([0.24022643], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    eps = config.epsilon()
    # Keras's log(max(x, eps) + 1), kept (not log1p) so numbers agree to the last bit.
    first = jnp.log(jnp.maximum(y_pred, eps) + 1.0)
    second = jnp.log(jnp.maximum(y_true, eps) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    # Keras's ops.normalize: x * min(rsqrt(sum(x**2)), 1 / eps), so a zero vector gives 0.
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / config.epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Minus the cosine similarity of ``y_true`` and ``y_pred`` along ``axis``: -1 for
    the same direction, 0 for orthogonal vectors, 1 for opposite ones.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: the axis the vectors lie along.

    >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [2.0, 2.0]])
    Array([-0.        , -0.99999994], dtype=float32)
    """
    _check_axis(axis)
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)



class MeanSquaredError(LossFunctionWrapper):
    """``mean((y_true - y_pred) ** 2)`` per sample, then reduced.

    >>> round(float(MeanSquaredError()(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.8]))), 4)
    0.02
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """``mean(|y_true - y_pred|)`` per sample, then reduced.

    >>> round(float(MeanAbsoluteError()(np.array([1.0, 0.3, 1.0]), np.array([1.9, 0.3, 1.8]))), 4)
    0.5667
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to ``delta``, linear beyond it.

    >>> round(float(Huber()(np.array([[0.0, 1.0], [0.0, 0.0]]),
    ...                     np.array([[0.6, 0.4], [0.4, 0.6]]))), 4)
    0.155
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        is_number = isinstance(delta, (int, float, np.number)) and not isinstance(delta, bool)
        if not (is_number and delta > 0):
            raise ValueError(
                "Received an invalid value for `delta`, expected a positive float (the error "
                f"at which the loss turns from quadratic to linear). Received: delta={delta!r}"
            )
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        # Keras leaves `delta` out of the config; we keep it so a round trip is exact.
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """``log(cosh(y_pred - y_true))`` per entry, averaged per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(LogCosh()(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))), 4)
    0.2169
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """``100 * mean(|y_true - y_pred| / |y_true|)`` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> float(MeanAbsolutePercentageError()(np.array([[2.0, 4.0]]), np.array([[1.0, 5.0]])))
    37.5
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_absolute_percentage_error",
        dtype=None,
    ):
        super().__init__(
            mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype
        )

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """``mean((log(1 + y_pred) - log(1 + y_true)) ** 2)`` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(MeanSquaredLogarithmicError()(np.array([[0.0, 1.0]]),
    ...                                           np.array([[1.0, 1.0]]))), 4)
    0.2402
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_squared_logarithmic_error",
        dtype=None,
    ):
        super().__init__(
            mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype
        )

    def get_config(self):
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """Minus the cosine similarity along ``axis`` per sample, then reduced: minimising
    it points predictions in the targets' direction.

    Args:
        axis: the axis the vectors lie along.
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(CosineSimilarity()(np.array([[0.0, 1.0], [1.0, 1.0]]),
    ...                                np.array([[1.0, 0.0], [1.0, 1.0]]))), 4)
    -0.5
    """

    def __init__(
        self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None
    ):
        _check_axis(axis)
        super().__init__(
            cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis
        )
        self.axis = axis

    def get_config(self):
        config_ = Loss.get_config(self)
        if self.axis != -1:  # Keras drops `axis` (its round trip resets it); we keep it
            config_["axis"] = self.axis
        return config_


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

for _fn, _cls, _aliases in (
    (mean_squared_error, MeanSquaredError, ("mse", "MSE")),
    (mean_absolute_error, MeanAbsoluteError, ("mae", "MAE")),
    (mean_absolute_percentage_error, MeanAbsolutePercentageError, ("mape", "MAPE")),
    (mean_squared_logarithmic_error, MeanSquaredLogarithmicError, ("msle", "MSLE")),
    (huber, Huber, ()),
    (log_cosh, LogCosh, ()),
    (cosine_similarity, CosineSimilarity, ()),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls, _aliases)
