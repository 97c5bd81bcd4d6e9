"""Losses of ``kerasish.ops.nn``: the three cross-entropies (Keras's clipping on
probabilities, log space on logits) and ``psnr``.

>>> import numpy as np
>>> from kerasish.ops import nn
>>> nn.binary_crossentropy(np.array([1.0]), np.array([0.0]), from_logits=True).tolist()
[0.6931471824645996]
"""

import jax
import jax.numpy as jnp
import numpy as np  # noqa: F401 - the examples use it

from kerasish import config
from kerasish.ops._dispatch import keras_op
from kerasish.ops._numpy_math import floating, tensor

__all__ = ["binary_crossentropy", "categorical_crossentropy", "psnr",
           "sparse_categorical_crossentropy"]


def _check_same_shape(target, output, name):
    if target.shape != output.shape:
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape for {name}. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}")


@keras_op("nn")
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (probabilities clipped to
    ``[epsilon, 1 - epsilon]`` as in Keras; logits in log space).

    No reduction: one loss per entry, ``target`` and ``output`` of one shape (a mismatch
    is refused). With ``from_logits=True`` the loss is exact at any logit; on
    probabilities ``epsilon`` is ``config.epsilon()`` (1e-7).

    Args:
        target: labels in [0, 1].
        output: probabilities, or logits with ``from_logits=True``.
        from_logits: ``output`` holds logits.

    >>> y = binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2]))
    >>> [round(v, 4) for v in y.tolist()]  # -log(0.9), -log(0.8)
    [0.1054, 0.2231]
    """
    target, output = floating(target), floating(output)
    _check_same_shape(target, output, "binary_crossentropy")
    if from_logits:
        # log(sigmoid(z)) and log(1 - sigmoid(z)) = log_sigmoid(-z): no log of a probability
        return -(target * jax.nn.log_sigmoid(output)
                 + (1 - target) * jax.nn.log_sigmoid(-output))
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1 - eps)
    return -(target * jnp.log(output) + (1 - target) * jnp.log(1 - output))


@keras_op("nn")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot (or soft) ``target`` along ``axis``.

    Reduces ``axis`` only: one loss per sample. ``target`` and ``output`` must have one
    shape.

    Args:
        target: one-hot or soft labels.
        output: probabilities (rescaled to sum to 1, clipped), or logits.
        from_logits: ``output`` holds logits.
        axis: the class axis.

    >>> y = categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]),
    ...                              np.array([[0.1, 0.8, 0.1]]))
    >>> [round(v, 4) for v in y.tolist()]  # -log(0.8)
    [0.2231]
    """
    target, output = floating(target), floating(output)
    _check_same_shape(target, output, "categorical_crossentropy")
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1 - eps)
    return -jnp.sum(target * jnp.log(output), axis=axis)


@keras_op("nn")
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer ``target`` labels against ``output`` along ``axis``.

    The same loss as ``categorical_crossentropy`` with labels given as class indices (a
    trailing axis of size 1 on ``target`` is accepted): one loss per sample.

    Args:
        target: integer labels (``output``'s shape without ``axis``).
        output: probabilities, or logits.
        from_logits: ``output`` holds logits.
        axis: the class axis.

    >>> probs = np.array([[0.1, 0.8, 0.1], [0.5, 0.25, 0.25]])
    >>> y = sparse_categorical_crossentropy(np.array([1, 0]), probs)
    >>> [round(v, 4) for v in y.tolist()]  # -log(0.8), -log(0.5)
    [0.2231, 0.6931]
    """
    target, output = tensor(target), floating(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    if target.ndim != output.ndim - 1:
        raise ValueError(
            "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}")
    if target.shape != output.shape[:-1]:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={target.shape}, output.shape={output.shape}")
    hot = jax.nn.one_hot(target.astype("int32"), output.shape[axis], axis=axis,
                         dtype=output.dtype)
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        log_prob = jnp.log(jnp.clip(output, eps, 1 - eps))
    return -jnp.sum(hot * log_prob, axis=axis)


@keras_op("nn")
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, ``20 log10(max_val) - 10 log10(mse)``.

    In decibels, over the whole tensor (one number, not one per image); higher means
    closer. Identical inputs give ``inf``.

    Args:
        x1, x2: tensors of one shape.
        max_val: the signal's largest possible value.

    >>> float(psnr(np.array([1.0, 1.0, 1.0, 0.8]), np.ones(4), max_val=1.0))
    20.0
    """
    x1, x2 = floating(x1), floating(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR "
                         "calculation.")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20 * jnp.log10(jnp.asarray(max_val, x2.dtype)) - 10 * jnp.log10(mse)
