"""Creating tensors and changing their shape (``kerasish.ops.numpy``).

Creation ops default to ``floatx`` (``float32``) where Keras does (``zeros``, ``ones``,
``eye``, ``linspace``); ``arange`` and ``full`` follow their arguments' types.

>>> from kerasish.ops import numpy as knp
>>> knp.reshape(knp.arange(6), (2, 3)).tolist()
[[0, 1, 2], [3, 4, 5]]
>>> knp.concatenate([knp.zeros((1, 2)), knp.ones((1, 2))], axis=0).shape
(2, 2)
"""

import jax.numpy as jnp
import numpy as np  # noqa: F401 - the examples use it

from kerasish import config
from kerasish.ops._dispatch import doctests, keras_op, thin
from kerasish.ops._numpy_math import tensor

_G = globals()


def _dtype(dtype):
    return config.floatx() if dtype is None else dtype


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


for _name, _fn in (("zeros", jnp.zeros), ("ones", jnp.ones), ("empty", jnp.zeros)):
    thin(_G, "numpy", _name, "(shape, dtype=None)",
         lambda shape, dtype, _fn=_fn: _fn(_shape(shape), dtype=_dtype(dtype)),
         f"A new tensor of ``shape`` filled with {'zeros' if _name != 'ones' else 'ones'} "
         f"(``dtype`` default ``floatx``){'; empty is zero-filled (JAX has no uninitialised memory)' * (_name == 'empty')}.\n\n"  # noqa: E501
         "Args:\n    shape: the shape (an int or a tuple).\n    dtype: the dtype.\n")

for _name, _fn in (("zeros_like", jnp.zeros_like), ("ones_like", jnp.ones_like),
                   ("empty_like", jnp.zeros_like)):
    thin(_G, "numpy", _name, "(x, dtype=None)",
         lambda x, dtype, _fn=_fn: _fn(tensor(x), dtype=dtype),
         f"A tensor of ``x``'s shape and dtype (or ``dtype``) filled with "
         f"{'ones' if _name.startswith('ones') else 'zeros'}.\n\n"
         "Args:\n    x: the tensor whose shape is used.\n    dtype: the dtype.\n")


@keras_op("numpy")
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``.

    Args:
        shape: the shape.
        fill_value: the value (a scalar, or a tensor broadcast to ``shape``).
        dtype: the dtype (default: ``fill_value``'s).
    """
    return jnp.full(_shape(shape), tensor(fill_value), dtype=dtype)


@keras_op("numpy")
def full_like(x, fill_value, dtype=None):
    """A tensor of ``x``'s shape filled with ``fill_value``.

    Args:
        x: the tensor whose shape (and dtype) is used.
        fill_value: the value.
        dtype: the dtype (default: ``x``'s).
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
    """
    return jnp.eye(N, M, k=k, dtype=_dtype(dtype))


@keras_op("numpy")
def identity(n, dtype=None):
    """The ``n x n`` identity matrix.

    Args:
        n: size.
        dtype: the dtype (default ``floatx``).
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
    """
    return jnp.geomspace(tensor(start), tensor(stop), num, endpoint=endpoint,
                         dtype=_space_dtype(dtype, start, stop), axis=axis)


for _name, _fn in (("bartlett", jnp.bartlett), ("blackman", jnp.blackman),
                   ("hamming", jnp.hamming), ("hanning", jnp.hanning)):
    thin(_G, "numpy", _name, "(x)", lambda x, _fn=_fn: _fn(int(x)).astype(config.floatx()),
         f"The {_name.capitalize()} window of ``x`` points.\n\n"
         "Args:\n    x: the number of points.\n")


@keras_op("numpy")
def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``.

    Args:
        x: the number of points.
        beta: the shape parameter.
    """
    return jnp.kaiser(int(x), beta).astype(config.floatx())


@keras_op("numpy")
def array(x, dtype=None):
    """``x`` as a tensor.

    Args:
        x: array-like.
        dtype: the dtype.
    """
    return jnp.array(x, dtype=dtype)


@keras_op("numpy")
def reshape(x, newshape):
    """``x`` with shape ``newshape`` (one entry may be -1, inferred).

    Args:
        x: input tensor.
        newshape: the new shape.
    """
    return jnp.reshape(tensor(x), _shape(newshape))


@keras_op("numpy")
def transpose(x, axes=None):
    """``x`` with its axes permuted (default: reversed).

    Args:
        x: input tensor.
        axes: the permutation.
    """
    return jnp.transpose(tensor(x), axes)


@keras_op("numpy")
def expand_dims(x, axis):
    """``x`` with a new axis of size 1 at ``axis`` (or several).

    Args:
        x: input tensor.
        axis: the position(s) of the new axes.
    """
    return jnp.expand_dims(tensor(x), tuple(axis) if isinstance(axis, list) else axis)


@keras_op("numpy")
def squeeze(x, axis=None):
    """``x`` without its axes of size 1 (only ``axis`` when given).

    Args:
        x: input tensor.
        axis: the axis or axes to remove.
    """
    x = tensor(x)
    if axis is not None:
        for a in axis if isinstance(axis, (tuple, list)) else (axis,):
            if x.shape[a] != 1:
                raise ValueError(f"Cannot squeeze axis {a}: its size is {x.shape[a]}, not "
                                 f"1. Received: x.shape={x.shape}, axis={axis}")
        axis = tuple(axis) if isinstance(axis, list) else axis
    return jnp.squeeze(x, axis)


@keras_op("numpy")
def concatenate(xs, axis=0):
    """The tensors of ``xs`` joined along an existing ``axis``.

    Args:
        xs: a list of tensors (equal shapes except along ``axis``).
        axis: the axis.

    >>> concatenate([np.zeros((2, 1)), np.ones((2, 2))], axis=1).shape
    (2, 3)
    """
    return jnp.concatenate([tensor(x) for x in xs], axis=axis)


@keras_op("numpy")
def stack(x, axis=0):
    """The tensors of ``x`` stacked along a new ``axis``.

    Args:
        x: a list of tensors of one shape.
        axis: the position of the new axis.
    """
    return jnp.stack([tensor(t) for t in x], axis=axis)


for _name, _fn in (("hstack", jnp.hstack), ("vstack", jnp.vstack), ("dstack", jnp.dstack)):
    thin(_G, "numpy", _name, "(xs)", lambda xs, _fn=_fn: _fn([tensor(x) for x in xs]),
         f"``{_name}`` of the tensors in ``xs`` (numpy's rule for the axis).\n\n"
         "Args:\n    xs: a list of tensors.\n")


@keras_op("numpy")
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (None: both flattened).

    Args:
        x1, x2: tensors.
        axis: the axis.
    """
    return jnp.append(tensor(x1), tensor(x2), axis=axis)


@keras_op("numpy")
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``.

    Args:
        x: input tensor.
        shape: the target shape.
    """
    return jnp.broadcast_to(tensor(x), _shape(shape))


@keras_op("numpy")
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis.

    Args:
        x: input tensor.
        repeats: repetitions per axis (an int or a list).
    """
    return jnp.tile(tensor(x), repeats)


@keras_op("numpy")
def repeat(x, repeats, axis=None):
    """Each entry of ``x`` repeated ``repeats`` times along ``axis`` (None: flattened).

    Args:
        x: input tensor.
        repeats: an int, or one count per entry along ``axis``.
        axis: the axis.
    """
    return jnp.repeat(tensor(x), repeats, axis=axis)


@keras_op("numpy")
def flip(x, axis=None):
    """``x`` reversed along ``axis`` (None: all axes).

    Args:
        x: input tensor.
        axis: the axis or axes.
    """
    return jnp.flip(tensor(x), axis=tuple(axis) if isinstance(axis, list) else axis)


thin(_G, "numpy", "fliplr", "(x)", lambda x: jnp.fliplr(tensor(x)),
     "``x`` reversed along axis 1.\n\nArgs:\n    x: input tensor (rank >= 2).\n")
thin(_G, "numpy", "flipud", "(x)", lambda x: jnp.flipud(tensor(x)),
     "``x`` reversed along axis 0.\n\nArgs:\n    x: input tensor (rank >= 1).\n")
thin(_G, "numpy", "ravel", "(x)", lambda x: jnp.ravel(tensor(x)),
     "``x`` flattened to 1-D.\n\nArgs:\n    x: input tensor.\n")


@keras_op("numpy")
def roll(x, shift, axis=None):
    """``x`` shifted by ``shift`` along ``axis``, wrapping around (None: flattened).

    Args:
        x: input tensor.
        shift: the shift (or one per axis).
        axis: the axis or axes.
    """
    return jnp.roll(tensor(x), shift, axis=axis)


@keras_op("numpy")
def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by 90 degrees ``k`` times in the plane of ``axes``.

    Args:
        array: input tensor (rank >= 2).
        k: number of rotations.
        axes: the plane.
    """
    return jnp.rot90(tensor(array), k=k, axes=tuple(axes))


@keras_op("numpy")
def moveaxis(x, source, destination):
    """``x`` with axes ``source`` moved to ``destination``.

    Args:
        x: input tensor.
        source, destination: axis or axes.
    """
    return jnp.moveaxis(tensor(x), source, destination)


@keras_op("numpy")
def swapaxes(x, axis1, axis2):
    """``x`` with ``axis1`` and ``axis2`` exchanged.

    Args:
        x: input tensor.
        axis1, axis2: the axes.
    """
    return jnp.swapaxes(tensor(x), axis1, axis2)


@keras_op("numpy")
def split(x, indices_or_sections, axis=0):
    """``x`` split along ``axis`` into equal sections, or at the given indices.

    Args:
        x: input tensor.
        indices_or_sections: number of equal sections, or split indices.
        axis: the axis.
    """
    return jnp.split(tensor(x), indices_or_sections, axis=axis)


@keras_op("numpy")
def array_split(x, indices_or_sections, axis=0):
    """``x`` split into ``indices_or_sections`` near-equal parts (the first ones one
    longer when the size does not divide), or at the given indices.

    Args:
        x: input tensor.
        indices_or_sections: number of sections, or split indices.
        axis: the axis.
    """
    return jnp.array_split(tensor(x), indices_or_sections, axis=axis)


for _name, _fn in (("hsplit", jnp.hsplit), ("vsplit", jnp.vsplit), ("dsplit", jnp.dsplit)):
    thin(_G, "numpy", _name, "(x, indices_or_sections)",
         lambda x, ios, _fn=_fn: _fn(tensor(x), ios),
         f"``{_name}``: ``split`` along axis {'1 (0 for 1-D)' if _name == 'hsplit' else 0 if _name == 'vsplit' else 2}.\n\n"  # noqa: E501
         "Args:\n    x: input tensor.\n    indices_or_sections: sections or indices.\n")


@keras_op("numpy")
def tril(x, k=0):
    """``x`` with the entries above the ``k``-th diagonal set to 0.

    Args:
        x: input tensor (rank >= 2).
        k: diagonal offset.
    """
    return jnp.tril(tensor(x), k=k)


@keras_op("numpy")
def triu(x, k=0):
    """``x`` with the entries below the ``k``-th diagonal set to 0.

    Args:
        x: input tensor (rank >= 2).
        k: diagonal offset.
    """
    return jnp.triu(tensor(x), k=k)


@keras_op("numpy")
def diag(x, k=0):
    """The ``k``-th diagonal of a 2-D ``x``, or a 2-D tensor with 1-D ``x`` on it.

    Args:
        x: a 1-D or 2-D tensor.
        k: diagonal offset.
    """
    return jnp.diag(tensor(x), k=k)


@keras_op("numpy")
def diagflat(x, k=0):
    """A 2-D tensor with the flattened ``x`` on its ``k``-th diagonal.

    Args:
        x: input tensor.
        k: diagonal offset.
    """
    return jnp.diagflat(tensor(x), k=k)


@keras_op("numpy")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """A diagonal of ``x`` (in the plane of ``axis1`` and ``axis2``).

    Args:
        x: input tensor (rank >= 2).
        offset: diagonal offset.
        axis1, axis2: the plane.
    """
    return jnp.diagonal(tensor(x), offset=offset, axis1=axis1, axis2=axis2)


@keras_op("numpy")
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (``((before, after), ...)`` per axis).

    Args:
        x: input tensor.
        pad_width: the widths.
        mode: 'constant', 'edge', 'linear_ramp', 'maximum', 'mean', 'median',
            'minimum', 'reflect', 'symmetric', 'wrap', 'empty'.
        constant_values: the value of ``mode='constant'`` (default 0).
    """
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}")
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return jnp.pad(tensor(x), pad_width, mode=mode, **kwargs)


@keras_op("numpy")
def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's name
    """The Vandermonde matrix of the 1-D ``x``: columns are powers of ``x``.

    Args:
        x: a 1-D tensor.
        N: number of columns (default ``len(x)``).
        increasing: powers increase left to right.
    """
    return jnp.vander(tensor(x), N=N, increasing=increasing)


@keras_op("numpy")
def meshgrid(*x, indexing="xy"):
    """Coordinate matrices from 1-D coordinate vectors.

    Args:
        *x: 1-D tensors.
        indexing: 'xy' (Cartesian) or 'ij' (matrix).
    """
    return jnp.meshgrid(*[tensor(t) for t in x], indexing=indexing)


@keras_op("numpy")
def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of flat ``indices``.

    Args:
        indices: flat indices.
        shape: the array's shape.
    """
    return jnp.unravel_index(tensor(indices), tuple(shape))


@keras_op("numpy")
def view(x, dtype=None):
    """``x``'s bytes read as ``dtype`` (last axis rescaled by the size ratio).

    Args:
        x: input tensor.
        dtype: the new dtype (None: a copy of ``x``).
    """
    x = tensor(x)
    return x if dtype is None else x.view(dtype)


__test__ = doctests(globals())
