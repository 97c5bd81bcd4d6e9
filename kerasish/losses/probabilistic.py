"""Losses between distributions or counts: Kullback-Leibler divergence and Poisson.

>>> float(kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])[0])
0.0
"""

import jax.numpy as jnp

from kerasish import config
from kerasish.losses import registry
from kerasish.losses.base import Loss, LossFunctionWrapper, _float_pair


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` over the last axis, both clipped to
    ``[1e-7, 1]`` first (as Keras does), so zeros give finite values.

    Args:
        y_true: the target distribution.
        y_pred: the predicted distribution.

    >>> kl_divergence([[0.0, 1.0]], [[0.5, 0.5]])
    Array([0.69314563], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    eps = config.epsilon()
    y_true = jnp.clip(y_true, eps, 1.0)
    y_pred = jnp.clip(y_pred, eps, 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean over the last axis of ``y_pred - y_true * log(y_pred + 1e-7)``: the
    negative log-likelihood of counts ``y_true`` under rates ``y_pred``, up to a constant.

    Args:
        y_true: observed counts.
        y_pred: predicted rates (non-negative).

    >>> poisson([[1.0, 0.0]], [[1.0, 2.0]])
    Array([1.5], dtype=float32)
    """
    y_true, y_pred = _float_pair(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + config.epsilon()), axis=-1)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of ``y_pred`` from ``y_true`` per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(KLDivergence()(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))), 4)
    0.6931
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood (up to a constant) per sample, then reduced.

    Args:
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> round(float(Poisson()(np.array([[1.0, 0.0]]), np.array([[1.0, 2.0]]))), 4)
    1.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


kld = KLD = kl_divergence

for _fn, _cls, _aliases in (
    (kl_divergence, KLDivergence, ("kld", "KLD")),
    (poisson, Poisson, ()),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls, _aliases)
