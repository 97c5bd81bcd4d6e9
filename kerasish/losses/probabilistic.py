"""Losses between distributions or counts: Kullback-Leibler divergence, Poisson, and
the generalized cross-entropy for noisy labels.

>>> float(kl_divergence([[0.5, 0.5]], [[0.5, 0.5]])[0])
0.0
"""

import jax
import jax.numpy as jnp
import numpy as np

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


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p ** q) / q`` with ``p`` the probability given to the true class: between
    cross-entropy (``q -> 0``) and mean absolute error (``q = 1``), robust to noisy labels.

    Args:
        y_true: integer class ids, shape ``(N,)``.
        y_pred: probabilities, shape ``(N, num_classes)``.
        q: the exponent, in ``(0, 1)``.

    >>> categorical_generalized_cross_entropy([1, 0], [[0.75, 0.25], [0.75, 0.25]], q=0.5)
    Array([1.        , 0.26794922], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(config.floatx())
    one_hot = jax.nn.one_hot(jnp.asarray(y_true).astype(jnp.int32), y_pred.shape[-1],
                             dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1.0 - jnp.power(p, q)) / q


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


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """The generalized cross-entropy ``(1 - p ** q) / q`` per sample, then reduced;
    labels are integer class ids.

    Args:
        q: the exponent, in ``(0, 1)``: near 0 it acts like cross-entropy, at 1 like
            mean absolute error (more robust to wrong labels).
        reduction: how per-sample values become one number (Keras's reductions).
        name: the loss's name.
        dtype: the dtype inputs are cast to (floatx by default).

    >>> loss = CategoricalGeneralizedCrossEntropy(q=0.5)
    >>> round(float(loss(np.array([1, 0]), np.array([[0.75, 0.25], [0.75, 0.25]]))), 4)
    0.634
    """

    def __init__(
        self,
        q=0.5,
        reduction="sum_over_batch_size",
        name="categorical_generalized_cross_entropy",
        dtype=None,
    ):
        is_number = isinstance(q, (int, float, np.number)) and not isinstance(q, bool)
        if not (is_number and 0 < q < 1):
            raise ValueError(
                "Received an invalid value for `q`, expected a float in the open interval "
                f"(0, 1). Received: q={q!r}"
            )
        super().__init__(
            categorical_generalized_cross_entropy, reduction=reduction, name=name,
            dtype=dtype, q=q,
        )
        self.q = q

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}


kld = KLD = kl_divergence

for _fn, _cls, _aliases in (
    (kl_divergence, KLDivergence, ("kld", "KLD")),
    (poisson, Poisson, ()),
):
    registry.register_class(_cls)
    registry.register_function(_fn, _cls, _aliases)
registry.register_class(CategoricalGeneralizedCrossEntropy)
registry.register_function(
    categorical_generalized_cross_entropy, CategoricalGeneralizedCrossEntropy, needs="q"
)
