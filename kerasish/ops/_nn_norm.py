"""Statistics and normalisations of ``kerasish.ops.nn``: ``moments`` and the batch,
layer and RMS normalisations, computed in at least float32 as Keras does.

>>> import numpy as np
>>> from kerasish.ops import nn
>>> mean, variance = nn.moments(np.array([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
>>> mean.tolist(), variance.tolist()
([2.0, 4.0], [1.0, 4.0])
"""

import jax
import jax.numpy as jnp
import numpy as np  # noqa: F401 - the examples use it

from kerasish import config
from kerasish.ops._dispatch import keras_op
from kerasish.ops._numpy_math import floating, tensor

__all__ = ["batch_normalization", "layer_normalization", "moments", "rms_normalization"]


class _Unsupported(NotImplementedError, ValueError):
    """Keras raises NotImplementedError here; a ValueError too, as kerasish refuses
    arguments it does not implement."""


@keras_op("nn")
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes`` (float16 computed in float32).

    The variance is the biased one (divided by the count, not count - 1), as batch
    normalisation uses it; float16 and bfloat16 results are clipped to their range.

    Args:
        x: input tensor.
        axes: the axes to reduce.
        keepdims: keep them with size 1.
        synchronized: sync across devices; not supported on JAX (as in Keras).

    >>> mean, variance = moments(np.array([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
    >>> mean.tolist(), variance.tolist()
    ([2.0, 4.0], [1.0, 4.0])
    """
    if synchronized:
        raise _Unsupported("Argument synchronized=True is not supported with JAX (as in "
                           "Keras): statistics are computed on each device's batch.")
    x = floating(x)
    dtype = x.dtype
    x32 = x.astype("float32") if dtype in (jnp.float16, jnp.bfloat16) else x
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    mean = jnp.mean(x32, axis=axes, keepdims=keepdims)
    variance = jnp.var(x32, axis=axes, keepdims=keepdims)
    if x32.dtype != dtype:
        info = jnp.finfo(dtype)
        mean = jnp.clip(mean, info.min, info.max).astype(dtype)
        variance = jnp.clip(variance, info.min, info.max).astype(dtype)
    return mean, variance


@keras_op("nn")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the statistics
    given per entry of ``axis``.

    The inference-time formula of ``BatchNormalization``: the statistics are given, not
    computed (see ``moments``). ``offset`` and ``scale`` may be None (0 and 1).

    Args:
        x: input tensor.
        mean, variance: 1-D statistics along ``axis``.
        axis: the feature axis.
        offset: the beta term.
        scale: the gamma term.
        epsilon: added to the variance.

    >>> x = np.array([[1.0, 2.0], [3.0, 6.0]])
    >>> batch_normalization(x, np.array([2.0, 4.0]), np.array([1.0, 4.0]),
    ...                     axis=-1, epsilon=0.0).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """
    x = tensor(x)
    shape = [1] * x.ndim
    shape[axis] = tensor(mean).shape[0]
    inv = jax.lax.rsqrt(jnp.reshape(tensor(variance), shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(tensor(scale), shape)
    res = -jnp.reshape(tensor(mean), shape) * inv
    if offset is not None:
        res = res + jnp.reshape(tensor(offset), shape)
    return x * inv + res


@keras_op("nn")
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalise ``x`` over ``axis`` to zero mean and unit variance, then scale by
    ``gamma`` and shift by ``beta`` (computed in at least float32).

    The formula of Keras's ``LayerNormalization`` layer: each sample is normalised by
    its own statistics, so the result does not depend on the batch. The output keeps the
    input's dtype.

    Args:
        x: input tensor.
        gamma: the scale (along ``axis``).
        beta: the offset (along ``axis``).
        axis: the axis or axes.
        epsilon: added to the variance (default ``config.epsilon()``).
        **kwargs: ``rms_scaling`` (Keras's deprecated option: divide by the standard
            deviation only, no centring); others are refused.

    >>> y = layer_normalization(np.array([[1.0, 2.0, 3.0]]))
    >>> [round(v, 4) for v in y[0].tolist()]
    [-1.2247, 0.0, 1.2247]
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword argument(s) "
                        f"{sorted(kwargs)}")
    x = tensor(x)
    dtype = x.dtype
    x = x.astype(jnp.promote_types(dtype, jnp.float32))
    epsilon = config.epsilon() if epsilon is None else epsilon
    axes = sorted([axis] if isinstance(axis, int) else axis)
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]

    def fit(v):
        if v is None:
            return None
        v = tensor(v).astype(x.dtype)
        return v if v.ndim == x.ndim or axes == [x.ndim - 1] else jnp.reshape(v, shape)

    gamma, beta = fit(gamma), fit(beta)
    if rms_scaling:
        out = x * jax.lax.rsqrt(jnp.var(x, axis=tuple(axes), keepdims=True) + epsilon)
        return (out if gamma is None else out * gamma).astype(dtype)
    mean = jnp.mean(x, axis=tuple(axes), keepdims=True)
    inv = jax.lax.rsqrt(jnp.var(x, axis=tuple(axes), keepdims=True) + epsilon)
    if gamma is not None:
        inv = inv * gamma
    res = -mean * inv
    if beta is not None:
        res = res + beta
    return (x * inv + res).astype(dtype)


@keras_op("nn")
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` over ``axis`` (at least float32).

    Root-mean-square normalisation (as in T5 and Llama): no mean is subtracted and there
    is no offset. The output keeps the input's dtype.

    Args:
        x: input tensor.
        scale: the scale (along ``axis``).
        axis: the axis or axes.
        epsilon: added to the mean square (default ``config.epsilon()``).

    >>> y = rms_normalization(np.array([[3.0, 4.0]]))  # rms = 3.5355
    >>> [round(v, 4) for v in y[0].tolist()]
    [0.8485, 1.1314]
    """
    x = tensor(x)
    dtype = x.dtype
    x = x.astype(jnp.promote_types(dtype, jnp.float32))
    epsilon = config.epsilon() if epsilon is None else epsilon
    axis = tuple(sorted(axis)) if isinstance(axis, (list, tuple)) else axis
    if x.ndim == 0:
        x = x[None]
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axis, keepdims=True) + epsilon)
    if scale is not None:
        out = out * tensor(scale).astype(x.dtype)
    return out.astype(dtype)
