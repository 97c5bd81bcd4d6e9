"""``kerasish.ops``: the Keras 3 ops people reach for instead of ``tf.nn.*`` and
``tf.math.*``, each a thin mapping onto ``jax.numpy`` / ``jax.nn``.

They accept numpy arrays, Python numbers, jax arrays and kerasish ``Variable``s
(unwrapped to their current value), work under ``jax.jit`` and ``jax.grad``, and return
jax arrays.

>>> import numpy as np
>>> from kerasish import ops
>>> logits = np.array([[2.0, 1.0, 0.1]])
>>> p = ops.softmax(logits)
>>> print(f"{float(ops.sum(p)):.4f}")
1.0000
>>> int(ops.argmax(p, axis=-1)[0])
0
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.variables import Variable


def _u(x):
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(_u(v) for v in x)
    return x


def _wrap(name, fn, doc):
    def op(*args, **kwargs):
        return fn(*(_u(a) for a in args), **{k: _u(v) for k, v in kwargs.items()})

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# name -> implementation. Signatures are those of the jnp function,
# which match Keras's for all of these (the others are written out below).
_SIMPLE = {
    "abs": jnp.abs, "absolute": jnp.absolute, "add": jnp.add, "all": jnp.all, "any": jnp.any,
    "arange": jnp.arange, "argmin": jnp.argmin, "argsort": jnp.argsort, "ceil": jnp.ceil,
    "concatenate": jnp.concatenate, "cos": jnp.cos, "cumsum": jnp.cumsum,
    "cumprod": jnp.cumprod, "diag": jnp.diag, "divide": jnp.divide, "dot": jnp.dot,
    "einsum": jnp.einsum, "equal": jnp.equal, "exp": jnp.exp, "expand_dims": jnp.expand_dims,
    "eye": jnp.eye, "floor": jnp.floor, "full": jnp.full, "full_like": jnp.full_like,
    "greater": jnp.greater, "greater_equal": jnp.greater_equal, "isfinite": jnp.isfinite,
    "isnan": jnp.isnan, "less": jnp.less, "less_equal": jnp.less_equal,
    "linspace": jnp.linspace, "log": jnp.log, "log1p": jnp.log1p, "logical_and": jnp.logical_and,
    "logical_not": jnp.logical_not, "logical_or": jnp.logical_or, "matmul": jnp.matmul,
    "max": jnp.max, "maximum": jnp.maximum, "mean": jnp.mean, "min": jnp.min,
    "minimum": jnp.minimum, "mod": jnp.mod, "multiply": jnp.multiply, "negative": jnp.negative,
    "not_equal": jnp.not_equal, "ones": jnp.ones, "ones_like": jnp.ones_like,
    "power": jnp.power, "prod": jnp.prod, "repeat": jnp.repeat,
    "round": jnp.round, "sign": jnp.sign, "sin": jnp.sin, "sort": jnp.sort, "sqrt": jnp.sqrt,
    "square": jnp.square, "squeeze": jnp.squeeze, "stack": jnp.stack, "std": jnp.std,
    "subtract": jnp.subtract, "sum": jnp.sum, "take": jnp.take,
    "take_along_axis": jnp.take_along_axis, "tanh": jnp.tanh,
    "transpose": jnp.transpose, "tril": jnp.tril, "triu": jnp.triu, "var": jnp.var,
    "where": jnp.where, "zeros": jnp.zeros, "zeros_like": jnp.zeros_like,
    "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "relu6": jax.nn.relu6,
    "softplus": jax.nn.softplus, "silu": jax.nn.silu, "log_sigmoid": jax.nn.log_sigmoid,
    "elu": jax.nn.elu, "selu": jax.nn.selu, "gelu": jax.nn.gelu,
}

for _name, _fn in _SIMPLE.items():
    _mod = "jax.nn" if _fn.__module__.startswith("jax._src.nn") else "jax.numpy"
    globals()[_name] = _wrap(_name, _fn, f"Keras's ``ops.{_name}``: ``{_mod}.{_fn.__name__}``.")


def clip(x, x_min, x_max):
    """Clip values to ``[x_min, x_max]`` (``jnp.clip``)."""
    return jnp.clip(_u(x), _u(x_min), _u(x_max))


def reshape(x, newshape):
    """``x`` with shape ``newshape`` (``jnp.reshape``)."""
    return jnp.reshape(_u(x), newshape)


def tile(x, repeats):
    """Repeat ``x`` ``repeats`` times along each axis (``jnp.tile``)."""
    return jnp.tile(_u(x), repeats)


def leaky_relu(x, negative_slope=0.2):
    """``x`` if positive, else ``negative_slope * x`` (Keras's default slope is 0.2)."""
    return jax.nn.leaky_relu(_u(x), negative_slope=negative_slope)


def softmax(x, axis=-1):
    """Softmax along ``axis`` (``jax.nn.softmax``): outputs sum to 1."""
    return jax.nn.softmax(_as_float(x), axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` computed stably (``jax.nn.log_softmax``)."""
    return jax.nn.log_softmax(_as_float(x), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` without overflow (``jax.nn.logsumexp``)."""
    return jax.nn.logsumexp(_u(x), axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the largest value (``jnp.argmax``)."""
    return jnp.argmax(_u(x), axis=axis, keepdims=keepdims)


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encoding of integer labels (``jax.nn.one_hot``)."""
    return jax.nn.one_hot(_u(x), num_classes, axis=axis, dtype=dtype or "float32")


def cast(x, dtype):
    """``x`` as ``dtype``."""
    return jnp.asarray(_u(x)).astype(dtype)


def convert_to_tensor(x, dtype=None):
    """A jax array from numpy, lists or a Variable."""
    return jnp.asarray(_u(x), dtype=dtype)


def convert_to_numpy(x):
    """A numpy array from a jax array or a Variable."""
    return np.asarray(_u(x))


def shape(x):
    """The shape as a tuple of ints."""
    return tuple(np.shape(_u(x)))


def ndim(x):
    return len(shape(x))


def size(x):
    return int(np.prod(shape(x)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (``jnp.linalg.norm``)."""
    return jnp.linalg.norm(_u(x), ord=ord, axis=axis, keepdims=keepdims)


def top_k(x, k, sorted=True):
    """``(values, indices)`` of the k largest entries on the last axis."""
    return jax.lax.top_k(_u(x), k)


def stop_gradient(x):
    return jax.lax.stop_gradient(_u(x))


def _as_float(x):
    arr = jnp.asarray(_u(x))  # float64 input becomes float32 unless x64 is on, silently
    return arr if jnp.issubdtype(arr.dtype, jnp.floating) else arr.astype(jnp.float32)
