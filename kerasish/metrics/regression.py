"""Regression metrics: running means of the regression losses, the root mean squared
error, the cosine similarity, and the coefficient of determination (`R2Score`)."""

import warnings

import jax
import jax.numpy as jnp

from kerasish import config
from kerasish import losses
from kerasish.losses import squeeze_or_expand_to_same_rank
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric
from kerasish.metrics.shapes import _refuse_batch_axis, _ShapedByData


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


def _loss_wrapper(cls_name, fn_name, default_name, direction, doc, module=__name__):
    """A `MeanMetricWrapper` class over the loss function ``losses.<fn_name>``, with
    Keras's constructor ``(name=default_name, dtype=None)`` and config."""

    def __init__(self, name=default_name, dtype=None):
        MeanMetricWrapper.__init__(self, getattr(losses, fn_name), name=name, dtype=dtype)
        self._direction = direction

    def get_config(self):
        return Metric.get_config(self)

    return type(cls_name, (MeanMetricWrapper,), {
        "__doc__": doc, "__init__": __init__, "get_config": get_config,
        "__module__": module, "_direction": direction})


MeanAbsolutePercentageError = _loss_wrapper(
    "MeanAbsolutePercentageError", "mean_absolute_percentage_error",
    "mean_absolute_percentage_error", "down",
    """Running mean of `losses.mean_absolute_percentage_error`:
    ``100 * |y_true - y_pred| / max(|y_true|, epsilon)``, averaged over the last axis.

    Args:
        name: the metric's name. Defaults to ``"mean_absolute_percentage_error"``.
        dtype: the dtype of the result.

    >>> m = MeanAbsolutePercentageError()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])
    >>> float(m.result())
    500000000.0
    """)

MeanSquaredLogarithmicError = _loss_wrapper(
    "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
    "mean_squared_logarithmic_error", "down",
    """Running mean of `losses.mean_squared_logarithmic_error`:
    ``(log(1 + y_pred) - log(1 + y_true))^2``, averaged over the last axis.

    Args:
        name: the metric's name. Defaults to ``"mean_squared_logarithmic_error"``.
        dtype: the dtype of the result.

    >>> m = MeanSquaredLogarithmicError()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    >>> round(float(m.result()), 4)
    0.1201
    """)

LogCoshError = _loss_wrapper(
    "LogCoshError", "log_cosh", "logcosh", "down",
    """Running mean of `losses.log_cosh`: ``log(cosh(y_pred - y_true))``, averaged over
    the last axis (Keras's default name for it is ``"logcosh"``).

    Args:
        name: the metric's name. Defaults to ``"logcosh"``.
        dtype: the dtype of the result.

    >>> m = LogCoshError()
    >>> m.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    >>> round(float(m.result()), 4)
    0.1084
    """)


def _cosine(y_true, y_pred, axis=-1):
    """The cosine of the angle between ``y_true`` and ``y_pred`` along ``axis`` (the
    metric's sign: 1 for the same direction; the loss is its negative)."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)

    def unit(x):
        # As Keras: x * rsqrt(sum(x^2)), the inverse norm capped at 1 / epsilon.
        inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv, 1.0 / config.epsilon())

    return jnp.sum(unit(y_true) * unit(y_pred), axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity between labels and predictions along
    ``axis``: 1 for the same direction, -1 for opposite ones.

    Keras's config of this metric drops ``axis``; kerasish's keeps it (Keras's
    constructor takes it, so the config loads in both).

    Args:
        name: the metric's name. Defaults to ``"cosine_similarity"``.
        dtype: the dtype of the result.
        axis: the axis along which the cosine is taken. Defaults to -1.

    >>> m = CosineSimilarity()
    >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(m.result()), 4)
    0.5
    """

    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        losses._check_axis(axis)
        super().__init__(_cosine, name=name, dtype=dtype, axis=axis)
        self._direction = "up"
        self.axis = axis

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        _refuse_batch_axis(self, y_pred_shape)

    def get_config(self):
        return {**Metric.get_config(self), "axis": self.axis}


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(_ShapedByData):
    """The coefficient of determination, ``1 - sum((y - y_pred)^2) / sum((y - mean(y))^2)``
    per output column over all batches seen, aggregated as ``keras.metrics.R2Score``.

    Sums of the (weighted) labels, their squares, the squared residuals and the
    weights are kept per column, so the score over several batches is the score of
    all their rows at once. A column whose labels do not vary scores 0.

    Args:
        class_aggregation: ``"uniform_average"`` (default: the mean over columns),
            ``"variance_weighted_average"`` (weighted by each column's variance) or
            None (one score per column).
        num_regressors: the number of independent variables of the model, for the
            adjusted R2 ``1 - (1 - R2) (n - 1) / (n - p - 1)``; 0 (default) gives the
            plain score. ``n`` counts label entries, as Keras does; rows of weight 0
            are not counted (they are padding in a compiled step).
        name: the metric's name. Defaults to ``"r2_score"``.
        dtype: the dtype of the sums and the result.

    >>> m = R2Score()
    >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    >>> round(float(m.result()), 4)
    0.5714
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(
                "Invalid value for argument `class_aggregation`. Expected one of "
                f"{_AGGREGATIONS}. Received: class_aggregation={class_aggregation!r}"
            )
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) \
                or num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected an integer >= 0. "
                f"Received: num_regressors={num_regressors!r}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors

    def _shapes_for_build(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true),
                                                        jnp.asarray(y_pred))
        return y_true.shape, y_pred.shape

    def init_state(self):
        if not self._state_ready():
            raise self._not_built()
        zeros = lambda: jnp.zeros((self._n_columns,), self.dtype)  # noqa: E731
        # Keras's variables, in its creation order (num_samples exists before the build).
        return {"num_samples": jnp.zeros((), self.dtype), "squared_sum": zeros(),
                "sum": zeros(), "residual": zeros(), "count": zeros()}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if sample_weight is None:
            weight = jnp.ones(y_true.shape, self.dtype)
            n = y_true.size
        else:
            weight = jnp.asarray(sample_weight).astype(self.dtype)
            if weight.ndim == 1:
                weight = weight[:, None]
            weight = jnp.broadcast_to(weight, y_true.shape)
            rows = jnp.any(weight.reshape(weight.shape[0], -1) != 0, axis=1)
            n = jnp.sum(rows) * (y_true.size // max(y_true.shape[0], 1))
        weighted = y_true * weight
        return {
            "num_samples": state["num_samples"] + jnp.asarray(n, self.dtype),
            "squared_sum": state["squared_sum"] + jnp.sum(y_true * weighted, axis=0),
            "sum": state["sum"] + jnp.sum(weighted, axis=0),
            "residual": state["residual"]
            + jnp.sum(jnp.square(y_true - y_pred) * weight, axis=0),
            "count": state["count"] + jnp.sum(weight, axis=0),
        }

    def compute(self, state):
        mean = state["sum"] / state["count"]
        total = state["squared_sum"] - state["sum"] * mean
        raw = 1 - state["residual"] / total
        raw = jnp.where(jnp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(total * raw) / jnp.sum(total)
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        n, p = state["num_samples"].astype("float32"), float(self.num_regressors)
        if not isinstance(n, jax.core.Tracer) and p >= float(n) - 1:
            warnings.warn(
                "More independent predictors than datapoints in adjusted R2 score. "
                "Falling back to standard R2 score." if p > float(n) - 1 else
                "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                stacklevel=2)
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return jnp.where(p >= n - 1, score, adjusted)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
