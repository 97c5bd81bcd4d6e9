"""Overlap losses for segmentation: Dice and Tversky.

With ``axis=None`` (the default, as in Keras) the overlap is measured over the whole
batch, giving one value per batch; pass the spatial axes (e.g. ``axis=(1, 2)``) for one
value per sample.

>>> float(dice(np.ones((2, 2)), np.ones((2, 2)))) < 1e-6
True
"""

import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.base import Loss, LossFunctionWrapper


def _check_overlap_axis(axis):
    values = axis if isinstance(axis, (list, tuple)) else [axis]
    if axis is None:
        return None
    if not values or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                         for a in values):
        raise ValueError(
            "Received an invalid value for `axis`, expected None, an int or a tuple of "
            f"ints. Received: axis={axis!r}"
        )
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    return jnp.asarray(y_true).astype(y_pred.dtype), y_pred


def dice(y_true, y_pred, axis=None):
    """``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)``, the sums
    taken over ``axis`` (all axes when None).

    Args:
        y_true: 0/1 masks.
        y_pred: predicted probabilities, the shape of ``y_true``.
        axis: the axes to sum over; None sums over everything (one value per batch).

    >>> dice([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0]], axis=-1)
    Array([0.5      , 0.3333333], dtype=float32)
    """
    axis = _check_overlap_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + config.epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha * FP + beta * FN + 1e-7)`` with soft counts summed over
    ``axis`` (all axes when None). ``alpha = beta = 0.5`` gives `dice`.

    Here ``FP = sum((1 - y_pred) * y_true)`` and ``FN = sum(y_pred * (1 - y_true))``,
    Keras's naming, so ``alpha`` weighs the missed positives.

    Args:
        y_true: 0/1 masks.
        y_pred: predicted probabilities, the shape of ``y_true``.
        alpha: the weight of ``sum((1 - y_pred) * y_true)``.
        beta: the weight of ``sum(y_pred * (1 - y_true))``.
        axis: the axes to sum over; None sums over everything (one value per batch).

    >>> tversky([[1.0, 0.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0]], 0.7, 0.3, axis=-1)
    Array([0.50000006, 0.41176474], dtype=float32)
    """
    axis = _check_overlap_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + fp * alpha + fn * beta + config.epsilon())


class _Overlap(LossFunctionWrapper):
    """Dice and Tversky: sums over ``axis``, which may span the rows of the batch."""

    def _call_on_rows(self, y_true, y_pred, rows):
        """The engine's hook (``LossTerm.rows``): the values over the batch's real rows
        only. Zeroing both labels and predictions of a padded row removes it from every
        sum (overlap, labels, predictions, both error counts), whatever ``axis`` is."""
        y_true, y_pred = _pair(y_true, y_pred)
        rows = rows.astype(y_pred.dtype)
        keep = lambda a: a * rows.reshape(rows.shape + (1,) * (a.ndim - 1))  # noqa: E731
        return self.call(keep(y_true), keep(y_pred)), None


class Dice(_Overlap):
    """The Dice loss, ``1 - Dice coefficient``, over ``axis`` (the whole batch when None).

    Args:
        reduction: how the values become one number (Keras's reductions).
        name: the loss's name.
        axis: the axes the overlap is summed over; None: all of them.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(Dice()(y_true, np.array([[0.5, 0.5], [1.0, 0.0]]))), 4)
    0.4
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        _check_overlap_axis(axis)
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


class Tversky(_Overlap):
    """The Tversky loss: `Dice` with separate weights for the two kinds of error.

    Args:
        alpha: the weight of ``sum((1 - y_pred) * y_true)``.
        beta: the weight of ``sum(y_pred * (1 - y_true))``.
        reduction: how the values become one number (Keras's reductions).
        name: the loss's name.
        axis: the axes the counts are summed over; None: all of them.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> y_true = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> round(float(Tversky(alpha=0.7, beta=0.3)(y_true, np.array([[0.5, 0.5], [1.0, 0.0]]))), 4)
    0.4444
    """

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        for arg, value in (("alpha", alpha), ("beta", beta)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(
                    f"Received an invalid value for `{arg}`, expected a float. "
                    f"Received: {arg}={value!r}"
                )
        _check_overlap_axis(axis)
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta,
            axis=axis,
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta,
                "axis": self.axis}


for _fn, _cls in ((dice, Dice), (tversky, Tversky)):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls)
