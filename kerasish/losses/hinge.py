"""Hinge losses for maximum-margin classifiers: labels -1/1 (0/1 labels are mapped to
-1/1 first, as Keras does) against raw scores.

>>> float(hinge([[1.0]], [[0.25]])[0])
0.75
"""

import jax.numpy as jnp

from kerasish.losses import registry
from kerasish.losses.base import Loss, LossFunctionWrapper, _float_pair, squeeze_or_expand_to_same_rank


def _signed_labels(y_true):
    # Keras's rule: if every label is 0 or 1, map them to -1/1; otherwise use them as
    # given. A traced `where`, so it holds under jit too.
    is_binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis.

    Args:
        y_true: labels, -1/1 (or 0/1, mapped to -1/1).
        y_pred: scores.

    >>> hinge([[0.0, 1.0]], [[-2.0, 0.5]])
    Array([0.25], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2)`` over the last axis.

    Args:
        y_true: labels, -1/1 (or 0/1, mapped to -1/1).
        y_pred: scores.

    >>> squared_hinge([[0.0, 1.0]], [[-2.0, 0.5]])
    Array([0.125], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    margin = jnp.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)
    return jnp.mean(jnp.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(neg - pos + 1, 0)`` with ``pos`` the score of the true class and ``neg``
    the highest score of the other classes (one-hot ``y_true``).

    Args:
        y_true: one-hot labels.
        y_pred: scores, one per class.

    >>> categorical_hinge([[0.0, 1.0, 0.0]], [[0.3, 0.9, 0.5]])
    Array([0.6], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """`hinge` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> float(Hinge()(np.array([[0.0, 1.0]]), np.array([[-2.0, 0.5]])))
    0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """`squared_hinge` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> float(SquaredHinge()(np.array([[0.0, 1.0]]), np.array([[-2.0, 0.5]])))
    0.125
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """`categorical_hinge` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(CategoricalHinge()(np.array([[0.0, 1.0, 0.0]]),
    ...                                np.array([[0.3, 0.9, 0.5]]))), 4)
    0.6
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


for _fn, _cls in ((hinge, Hinge), (squared_hinge, SquaredHinge),
                  (categorical_hinge, CategoricalHinge)):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls)
