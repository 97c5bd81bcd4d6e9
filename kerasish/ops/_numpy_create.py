"""Creating tensors (``kerasish.ops.numpy``): filled, ranges, diagonals and windows.

Creation ops default to ``floatx`` (``float32``) where Keras does (``zeros``, ``ones``,
``eye``, ``linspace``); ``arange`` and ``full`` follow their arguments' types.

>>> from kerasish.ops import numpy as knp
>>> str(knp.zeros((2, 3)).dtype), str(knp.arange(3).dtype), str(knp.full(2, 1.5).dtype)
('float32', 'int32', 'float32')
"""

import jax.numpy as jnp

from kerasish import config
from kerasish.ops._dispatch import keras_op, thin
from kerasish.ops._numpy_math import doc_example, tensor

_G = globals()


def _dtype(dtype):
    return config.floatx() if dtype is None else dtype


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


_FILLED = {  # name: (jax function, filled with, example code, example output)
    "zeros": (jnp.zeros, "zeros", "zeros((2, 3)).shape, str(zeros(2).dtype)",
              "((2, 3), 'float32')"),
    "ones": (jnp.ones, "ones", 'ones((2, 2), dtype="int32").tolist()', "[[1, 1], [1, 1]]"),
    "empty": (jnp.zeros, "zeros (JAX has no uninitialised memory)", "empty((2, 3)).shape",
              "(2, 3)"),
}
for _name, (_fn, _what, _code, _out) in _FILLED.items():
    thin(_G, "numpy", _name, "(shape, dtype=None)",
         lambda shape, dtype, _fn=_fn: _fn(_shape(shape), dtype=_dtype(dtype)),
         f"A new tensor of ``shape`` (``dtype`` default ``floatx``) filled with {_what}.\n\n"
         "Args:\n    shape: the shape (an int or a tuple).\n    dtype: the dtype.\n"
         + doc_example(_code, _out))

_FILLED_LIKE = {  # name: (jax function, example code, example output)
    "zeros_like": (jnp.zeros_like, "zeros_like(np.array([[1, 2]])).tolist()", "[[0, 0]]"),
    "ones_like": (jnp.ones_like, 'ones_like(np.array([1, 2]), dtype="float32").tolist()',
                  "[1.0, 1.0]"),
    "empty_like": (jnp.zeros_like, "empty_like(np.zeros((2, 3))).shape", "(2, 3)"),
}
for _name, (_fn, _code, _out) in _FILLED_LIKE.items():
    thin(_G, "numpy", _name, "(x, dtype=None)",
         lambda x, dtype, _fn=_fn: _fn(tensor(x), dtype=dtype),
         f"A tensor of ``x``'s shape and dtype (or ``dtype``) filled with "
         f"{'ones' if _name.startswith('ones') else 'zeros'}.\n\n"
         "Args:\n    x: the tensor whose shape is used.\n    dtype: the dtype.\n"
         + doc_example(_code, _out))


@keras_op("numpy")
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``.

    Args:
        shape: the shape.
        fill_value: the value (a scalar, or a tensor broadcast to ``shape``).
        dtype: the dtype (default: ``fill_value``'s).

    >>> full((2, 2), 7).tolist()
    [[7, 7], [7, 7]]
    """
    return jnp.full(_shape(shape), tensor(fill_value), dtype=dtype)


@keras_op("numpy")
def full_like(x, fill_value, dtype=None):
    """A tensor of ``x``'s shape filled with ``fill_value``.

    Args:
        x: the tensor whose shape (and dtype) is used.
        fill_value: the value.
        dtype: the dtype (default: ``x``'s).

    >>> full_like(np.array([1.0, 2.0]), 3.0).tolist()
    [3.0, 3.0]
    """
    return jnp.full_like(tensor(x), fill_value, dtype=dtype)


@keras_op("numpy")
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``arange(stop)`` counts from 0).

    Args:
        start: the first value (or the end, when ``stop`` is None).
        stop: the end (excluded).
        step: the spacing (default 1).
        dtype: the dtype (default: from the arguments, ``int32`` or ``float32``).

    >>> arange(1, 7, 2).tolist()
    [1, 3, 5]
    """
    if dtype is None:
        values = [v for v in (start, stop, step) if v is not None]
        dtype = "int32" if all(isinstance(v, int) or (hasattr(v, "dtype") and jnp.issubdtype(
            v.dtype, jnp.integer)) for v in values) else config.floatx()
    if stop is None:
        start, stop = 0, start
    return jnp.arange(start, stop, 1 if step is None else step, dtype=dtype)


@keras_op("numpy")
def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """A 2-D tensor with ones on the ``k``-th diagonal.

    Args:
        N: rows.
        M: columns (default ``N``).
        k: diagonal offset.
        dtype: the dtype (default ``floatx``).

    >>> eye(2, 3, k=1).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    return jnp.eye(N, M, k=k, dtype=_dtype(dtype))


@keras_op("numpy")
def identity(n, dtype=None):
    """The ``n x n`` identity matrix.

    Args:
        n: size.
        dtype: the dtype (default ``floatx``).

    >>> identity(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return jnp.identity(n, dtype=_dtype(dtype))


@keras_op("numpy")
def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """Ones at and below the ``k``-th diagonal of an ``N x M`` matrix.

    Args:
        N: rows.
        M: columns (default ``N``).
        k: diagonal offset.
        dtype: the dtype (default ``floatx``).

    >>> tri(3, dtype="int32").tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    return jnp.tri(N, M, k=k, dtype=_dtype(dtype))


def _space_dtype(dtype, start, stop):
    return dtype or jnp.result_type(tensor(start), tensor(stop), float)


@keras_op("numpy")
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``.

    Args:
        start, stop: the ends (``stop`` excluded if ``endpoint=False``).
        num: how many values.
        endpoint: include ``stop``.
        retstep: also return the spacing.
        dtype: the dtype (default floating).
        axis: where the values go when ``start``/``stop`` are tensors.

    >>> linspace(0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> linspace(0, 10, 5, endpoint=False).tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0]
    """
    return jnp.linspace(tensor(start), tensor(stop), num, endpoint=endpoint,
                        retstep=retstep, dtype=_space_dtype(dtype, start, stop), axis=axis)


@keras_op("numpy")
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``.

    Args:
        start, stop: exponents of the ends.
        num: how many values.
        endpoint: include ``base ** stop``.
        base: the base.
        dtype: the dtype (default floating).
        axis: where the values go when ``start``/``stop`` are tensors.

    >>> logspace(0.0, 3.0, 4).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    >>> logspace(0, 3, 4, base=2).tolist()
    [1.0, 2.0, 4.0, 8.0]
    """
    return jnp.logspace(tensor(start), tensor(stop), num, endpoint=endpoint, base=base,
                        dtype=_space_dtype(dtype, start, stop), axis=axis)


@keras_op("numpy")
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values from ``start`` to ``stop`` evenly spaced on a log scale.

    Args:
        start, stop: the ends (non-zero, same sign).
        num: how many values.
        endpoint: include ``stop``.
        dtype: the dtype (default floating).
        axis: where the values go when ``start``/``stop`` are tensors.

    >>> round(geomspace(1.0, 1000.0, 4)).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    return jnp.geomspace(tensor(start), tensor(stop), num, endpoint=endpoint,
                         dtype=_space_dtype(dtype, start, stop), axis=axis)


_WINDOWS = {  # name: (jax function, example code, example output)
    "bartlett": (jnp.bartlett, "bartlett(5).tolist()", "[0.0, 0.5, 1.0, 0.5, 0.0]"),
    "blackman": (jnp.blackman, '[f"{v:.2f}" for v in blackman(5).tolist()]',
                 "['-0.00', '0.34', '1.00', '0.34', '-0.00']"),
    "hamming": (jnp.hamming, '[f"{v:.2f}" for v in hamming(5).tolist()]',
                "['0.08', '0.54', '1.00', '0.54', '0.08']"),
    "hanning": (jnp.hanning, "hanning(5).tolist()", "[0.0, 0.5, 1.0, 0.5, 0.0]"),
}
for _name, (_fn, _code, _out) in _WINDOWS.items():
    thin(_G, "numpy", _name, "(x)", lambda x, _fn=_fn: _fn(int(x)).astype(config.floatx()),
         f"The {_name.capitalize()} window of ``x`` points.\n\n"
         "Args:\n    x: the number of points.\n" + doc_example(_code, _out))


@keras_op("numpy")
def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``.

    Args:
        x: the number of points.
        beta: the shape parameter.

    >>> [f"{v:.2f}" for v in kaiser(5, 5.0).tolist()]
    ['0.04', '0.55', '1.00', '0.55', '0.04']
    """
    return jnp.kaiser(int(x), beta).astype(config.floatx())


@keras_op("numpy")
def array(x, dtype=None):
    """``x`` as a tensor.

    Args:
        x: array-like.
        dtype: the dtype.

    >>> array([[1, 2], [3, 4]], dtype="float32").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    return jnp.array(x, dtype=dtype)
