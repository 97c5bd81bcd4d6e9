"""Activation functions, with Keras 3's names, signatures, defaults and numerics.

Each one is a plain module-level function from an array-like (numpy array, Python
number, list, jax array) to a jax array, safe under ``jax.jit`` and ``jax.grad``.
They are plain functions, not objects, so that a layer built with
``activation="sigmoid"`` holds exactly :func:`sigmoid`, as in Keras.

Keras computes almost all of these with ``jax.nn`` on its JAX backend; we call the
same primitives so that outputs agree bit for bit, not merely to a tolerance.

>>> relu([-2.0, 0.0, 3.0])
Array([0., 0., 3.], dtype=float32)
>>> get("swish") is silu, serialize(swish)
(True, 'silu')
"""

import inspect
import sys
import difflib
import warnings

import jax
import jax.numpy as jnp

from kerasish import config


def _as_float_array(x):
    # Activations are real-valued maps. Keras keeps int inputs as ints, so its
    # `relu([1, 2])` is int32 while its `sigmoid([1, 2])` raises a dtype error deep
    # in jax; we promote ints and bools to floatx so every activation accepts them.
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return x


def linear(x):
    """The identity: returns ``x`` (as a float jax array) unchanged.

    >>> linear([1.0, -2.0])
    Array([ 1., -2.], dtype=float32)
    """
    return _as_float_array(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, ``max(x, 0)`` by default.

    With the options, values above ``threshold`` pass (clipped to ``max_value``
    when given) and values below it become ``negative_slope * (x - threshold)``.

    >>> x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    >>> relu(x)
    Array([ 0.,  0.,  0.,  5., 10.], dtype=float32)
    >>> relu(x, negative_slope=0.5, max_value=6.0)
    Array([-5. , -2.5,  0. ,  5. ,  6. ], dtype=float32)
    >>> relu(x, threshold=5.0)
    Array([ 0.,  0.,  0.,  0., 10.], dtype=float32)
    """
    x = _as_float_array(x)
    if max_value is None and threshold == 0:
        if negative_slope == 0:
            return jax.nn.relu(x)
        return jax.nn.leaky_relu(x, negative_slope=negative_slope)
    # The general case is built the way Keras builds it (pass, clip, then add the
    # negative part) so that outputs agree exactly, including its corner cases:
    # a negative `threshold` without `max_value` lets (threshold, 0) pass unclipped.
    if threshold != 0:
        y = jnp.where(x > threshold, x, jnp.zeros_like(x))
    else:
        y = jax.nn.relu(x)
    if max_value is not None:
        y = jnp.clip(y, 0, jnp.asarray(max_value, x.dtype))
    if negative_slope != 0:
        y = y - negative_slope * jax.nn.relu(threshold - x)
    return y


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``.

    >>> relu6([-1.0, 3.0, 8.0])
    Array([0., 3., 6.], dtype=float32)
    """
    return jax.nn.relu6(_as_float_array(x))


def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below. Keras's default slope is 0.2.

    >>> leaky_relu([-10.0, 0.0, 10.0])
    Array([-2.,  0., 10.], dtype=float32)
    """
    return jax.nn.leaky_relu(_as_float_array(x), negative_slope=negative_slope)


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, in (0, 1).

    >>> sigmoid([-1.0, 0.0, 1.0])
    Array([0.26894143, 0.5       , 0.7310586 ], dtype=float32)
    """
    return jax.nn.sigmoid(_as_float_array(x))


def _warn_if_size_one(x, axis):
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(
            f"softmax over axis {axis} of an array of shape {x.shape}: that axis has "
            "size 1, so the result is always 1. For one output unit, use "
            "activation='sigmoid' instead.",
            stacklevel=3,
        )


def softmax(x, axis=-1):
    """Exponentials normalised to sum to 1 along ``axis`` (an int or tuple of ints).

    Warns when ``axis`` has size 1, where the output is constant 1.

    >>> p = softmax([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    >>> p.shape, p.sum(axis=-1)
    ((2, 3), Array([1., 1.], dtype=float32))
    """
    x = _as_float_array(x)
    _warn_if_size_one(x, axis)
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))``, computed as ``x - logsumexp(x)`` so it stays finite.

    >>> log_softmax([0.0, 1000.0])
    Array([-1000.,     0.], dtype=float32)
    """
    return jax.nn.log_softmax(_as_float_array(x), axis=axis)


def tanh(x):
    """Hyperbolic tangent, in (-1, 1).

    >>> tanh([0.0, 100.0])
    Array([0., 1.], dtype=float32)
    """
    return jnp.tanh(_as_float_array(x))


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below.

    >>> elu([-100.0, 0.0, 2.0])
    Array([-1.,  0.,  2.], dtype=float32)
    """
    return jax.nn.elu(_as_float_array(x), alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants (scale ~1.0507, alpha ~1.6733).

    Pair it with ``LecunNormal`` initialisation.

    >>> print(selu([0.0, 1.0]).round(4))
    [0.     1.0507]
    """
    return jax.nn.selu(_as_float_array(x))


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate=True`` uses the
    tanh formula. Keras's activation defaults to the exact (erf) form.

    >>> import numpy as np
    >>> np.asarray(gelu([-1.0, 0.0, 1.0])).round(4)
    array([-0.1587,  0.    ,  0.8413], dtype=float32)
    """
    return jax.nn.gelu(_as_float_array(x), approximate=approximate)


def softplus(x):
    """``log(1 + exp(x))``, computed without overflow for large ``x``.

    >>> softplus([0.0, 100.0])
    Array([  0.6931472, 100.       ], dtype=float32)
    """
    return jax.nn.softplus(_as_float_array(x))


def softsign(x):
    """``x / (abs(x) + 1)``, in (-1, 1).

    >>> softsign([-1.0, 3.0])
    Array([-0.5 ,  0.75], dtype=float32)
    """
    return jax.nn.soft_sign(_as_float_array(x))


def silu(x):
    """Sigmoid-weighted linear unit (also called swish): ``x * sigmoid(x)``.

    ``swish`` is this same function, as in Keras.

    >>> silu([0.0, 1.0])
    Array([0.       , 0.7310586], dtype=float32)
    """
    return jax.nn.silu(_as_float_array(x))


swish = silu


def exponential(x):
    """``exp(x)``.

    >>> exponential([0.0, 1.0])
    Array([1.       , 2.7182817], dtype=float32)
    """
    return jnp.exp(_as_float_array(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between.

    >>> hard_sigmoid([-4.0, 0.0, 1.5, 4.0])
    Array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return jax.nn.hard_sigmoid(_as_float_array(x))


def hard_silu(x):
    """``x * hard_sigmoid(x)``, a cheap silu. ``hard_swish`` is this same function.

    >>> hard_silu([-4.0, 0.0, 4.0])
    Array([-0.,  0.,  4.], dtype=float32)
    """
    return jax.nn.hard_silu(_as_float_array(x))


hard_swish = hard_silu


def mish(x):
    """``x * tanh(softplus(x))``.

    >>> mish([0.0, 100.0])
    Array([  0., 100.], dtype=float32)
    """
    x = _as_float_array(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` for ``x > 0``, else
    ``alpha * (exp(x / alpha) - 1)``.

    Args:
        x: input array.
        alpha: the scale of the negative part (its saturation value is ``-alpha``).

    >>> celu([-100.0, 0.0, 2.0], alpha=2.0)
    Array([-2.,  0.,  2.], dtype=float32)
    """
    return jax.nn.celu(_as_float_array(x), alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: splits ``x`` in two halves ``a, b`` along ``axis`` and returns
    ``a * sigmoid(b)``; the axis must have an even size, and the output half of it.

    Args:
        x: input array.
        axis: the axis to split.

    >>> glu([[1.0, 2.0, 0.0, 100.0]])
    Array([[0.5, 2. ]], dtype=float32)
    """
    x = _as_float_array(x)
    if x.ndim == 0 or x.shape[axis] % 2:
        raise ValueError(
            "`glu` splits `x` in two halves along `axis`, which needs an even size there. "
            f"Received: x.shape={x.shape}, axis={axis}"
        )
    return jax.nn.glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0.

    Args:
        x: input array.
        threshold: the magnitude at or below which values become 0.

    >>> hard_shrink([-1.0, -0.5, 0.2, 0.7])
    Array([-1. ,  0. ,  0. ,  0.7], dtype=float32)
    """
    x = _as_float_array(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``.

    Args:
        x: input array.

    >>> hard_tanh([-3.0, 0.5, 3.0])
    Array([-1. ,  0.5,  1. ], dtype=float32)
    """
    return jax.nn.hard_tanh(_as_float_array(x))


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, exact for large negative ``x``.

    Args:
        x: input array.

    >>> log_sigmoid([-100.0, 0.0])
    Array([-100.       ,   -0.6931472], dtype=float32)
    """
    return jax.nn.log_sigmoid(_as_float_array(x))


def soft_shrink(x, threshold=0.5):
    """``x`` moved towards 0 by ``threshold``; values within ``threshold`` of 0 become 0.

    Args:
        x: input array.
        threshold: the amount of shrinkage.

    >>> soft_shrink([-1.0, 0.2, 1.5])
    Array([-0.5,  0. ,  1. ], dtype=float32)
    """
    x = _as_float_array(x)
    zero = jnp.zeros_like(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, zero))


def sparse_plus(x):
    """0 below -1, ``(x + 1) ** 2 / 4`` on ``[-1, 1]``, ``x`` above 1: a softplus whose
    tails are exactly 0 and linear.

    Args:
        x: input array.

    >>> sparse_plus([-2.0, 0.0, 2.0])
    Array([0.  , 0.25, 2.  ], dtype=float32)
    """
    return jax.nn.sparse_plus(_as_float_array(x))


def sparse_sigmoid(x):
    """0 below -1, ``(x + 1) / 2`` on ``[-1, 1]``, 1 above 1: the derivative of
    `sparse_plus`.

    Args:
        x: input array.

    >>> sparse_sigmoid([-2.0, 0.0, 0.5, 2.0])
    Array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return jax.nn.sparse_sigmoid(_as_float_array(x))


def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``:
    like `softmax` it sums to 1, unlike it small entries become exactly 0.

    Args:
        x: input array.
        axis: the axis the distribution is taken over.

    >>> sparsemax([[1.0, 0.5, -2.0], [0.0, 0.0, 0.0]])
    Array([[0.75      , 0.25      , 0.        ],
           [0.33333334, 0.33333334, 0.33333334]], dtype=float32)
    """
    x = _as_float_array(x)
    z = -jnp.sort(-x, axis=axis)  # descending
    cumsum = jnp.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    # The support: the largest k with z_k > (sum of the k largest - 1) / k.
    support = z - (cumsum - 1.0) / k > 0
    size = jnp.sum(support, axis=axis, keepdims=True)
    # tau = (sum of the supported entries - 1) / size. Keras 3.15 sums their cumulative
    # sums instead (keras-team/keras#23425, fixed upstream in #23469): its outputs do not
    # sum to 1 once two or more entries are supported. We follow the fixed formula.
    tau = (jnp.sum(jnp.where(support, z, 0.0), axis=axis, keepdims=True) - 1.0) / size
    return jnp.maximum(x - tau, 0.0)


def squareplus(x, b=4):
    """``(x + sqrt(x ** 2 + b)) / 2``: a smooth ReLU made of a square root.

    Args:
        x: input array.
        b: the smoothness near 0 (``b = 0`` gives ReLU).

    >>> squareplus([-2.0, 0.0, 2.0])
    Array([0.41421354, 1.        , 2.4142137 ], dtype=float32)
    """
    return jax.nn.squareplus(_as_float_array(x), b=b)


def tanh_shrink(x):
    """``x - tanh(x)``.

    Args:
        x: input array.

    >>> tanh_shrink([0.0, 10.0])
    Array([0., 9.], dtype=float32)
    """
    x = _as_float_array(x)
    return x - jnp.tanh(x)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``.

    Args:
        x: input array.
        threshold: values at or below it are replaced.
        default_value: the value they are replaced with.

    >>> threshold([-1.0, 0.5, 2.0], 0.5, -9.0)
    Array([-9., -9.,  2.], dtype=float32)
    """
    x = _as_float_array(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, x.dtype))


_BY_NAME = {
    fn.__name__: fn
    for fn in (
        linear, relu, relu6, leaky_relu, sigmoid, softmax, log_softmax, tanh, elu,
        selu, gelu, softplus, softsign, silu, exponential, hard_sigmoid, hard_silu,
        mish, celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink, sparse_plus,
        sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold,
    )
}
# Aliases resolve to the same function; serialising gives the canonical name.
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


def _unknown_name(name):
    valid = sorted(_BY_NAME)
    close = difflib.get_close_matches(name, valid, n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Unknown activation function name.{hint} Expected one of {valid}, "
        f"a callable, or None. Received: activation={name!r}"
    )


def get(identifier):
    """Resolve an activation identifier to a function.

    ``None`` gives :func:`linear`; a name gives the built-in function; a callable
    is returned as is; a Keras function config (``{"class_name": "function",
    "config": "relu", ...}``) gives the named function.

    >>> get(None) is linear, get("relu") is relu, get(jnp.abs) is jnp.abs
    (True, True, True)
    >>> get("sigmod")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown activation function name. Did you mean 'sigmoid'...
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict) and isinstance(identifier.get("config"), str):
        identifier = identifier["config"]
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise _unknown_name(identifier)
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret the activation identifier. Expected a name such as "
        f"'relu', a callable, or None. Received: activation={identifier!r} "
        f"of type {type(identifier).__name__}"
    )


def serialize(activation):
    """The name a built-in activation is saved under (aliases give the canonical name).

    >>> serialize(relu), serialize(hard_swish)
    ('relu', 'hard_silu')
    """
    name = getattr(activation, "__name__", None)
    if _BY_NAME.get(name) is not activation and inspect.isfunction(activation) \
            and name != "<lambda>":
        # A user's named function: Keras's function entry, under its registered name
        # (looked up only if saving is loaded: importing it here would be a circle).
        registration = sys.modules.get("kerasish.saving.registration")
        registered = registration.get_registered_name(activation) if registration else name
        return {"module": "builtins", "class_name": "function", "config": registered,
                "registered_name": "function"}
    if _BY_NAME.get(name) is not activation:
        raise ValueError(
            "Only built-in activations serialize to a name. Expected one of "
            f"{sorted(set(fn.__name__ for fn in _BY_NAME.values()))}. Received: "
            f"activation={activation!r}. To save a custom activation, save its "
            "name yourself and pass the function back through `custom_objects`."
        )
    return name


def deserialize(config, custom_objects=None):
    """The activation saved as ``config`` (a name or Keras function config);
    names in ``custom_objects`` take precedence over the built-ins.

    >>> deserialize("gelu") is gelu
    True
    """
    name = config.get("config") if isinstance(config, dict) else config
    if custom_objects and isinstance(name, str) and name in custom_objects:
        return custom_objects[name]
    return get(config)


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
