"""Changing the shape of tensors, joining, splitting and reordering them
(``kerasish.ops.numpy``); creating them is in ``_numpy_create``.

>>> from kerasish.ops import numpy as knp
>>> knp.reshape(knp.arange(6), (2, 3)).tolist()
[[0, 1, 2], [3, 4, 5]]
>>> knp.concatenate([knp.zeros((1, 2)), knp.ones((1, 2))], axis=0).shape
(2, 2)
"""

import jax.numpy as jnp
import numpy as np

from kerasish.ops._dispatch import keras_op, thin
from kerasish.ops._numpy_math import doc_example, tensor

_G = globals()


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


@keras_op("numpy")
def reshape(x, newshape):
    """``x`` with shape ``newshape`` (one entry may be -1, inferred).

    Args:
        x: input tensor.
        newshape: the new shape.

    >>> reshape(np.arange(6), (2, -1)).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    return jnp.reshape(tensor(x), _shape(newshape))


@keras_op("numpy")
def transpose(x, axes=None):
    """``x`` with its axes permuted (default: reversed).

    Args:
        x: input tensor.
        axes: the permutation.

    >>> transpose(np.array([[1, 2, 3], [4, 5, 6]])).tolist()
    [[1, 4], [2, 5], [3, 6]]
    >>> transpose(np.zeros((2, 3, 4)), axes=(1, 0, 2)).shape
    (3, 2, 4)
    """
    return jnp.transpose(tensor(x), axes)


@keras_op("numpy")
def expand_dims(x, axis):
    """``x`` with a new axis of size 1 at ``axis`` (or several).

    Args:
        x: input tensor.
        axis: the position(s) of the new axes.

    >>> expand_dims(np.array([1, 2]), axis=-1).tolist()
    [[1], [2]]
    >>> expand_dims(np.zeros((2, 3)), 0).shape
    (1, 2, 3)
    """
    return jnp.expand_dims(tensor(x), tuple(axis) if isinstance(axis, list) else axis)


@keras_op("numpy")
def squeeze(x, axis=None):
    """``x`` without its axes of size 1 (only ``axis`` when given).

    Args:
        x: input tensor.
        axis: the axis or axes to remove.

    >>> squeeze(np.zeros((1, 3, 1))).shape
    (3,)
    >>> squeeze(np.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
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

    >>> stack([np.array([1, 2]), np.array([3, 4])], axis=1).tolist()
    [[1, 3], [2, 4]]
    """
    return jnp.stack([tensor(t) for t in x], axis=axis)


_STACKS = {  # name: (jax function, example code, example output)
    "hstack": (jnp.hstack, "hstack([np.array([1, 2]), np.array([3])]).tolist()", "[1, 2, 3]"),
    "vstack": (jnp.vstack, "vstack([np.array([1, 2]), np.array([3, 4])]).tolist()",
               "[[1, 2], [3, 4]]"),
    "dstack": (jnp.dstack, "dstack([np.array([1, 2]), np.array([3, 4])]).tolist()",
               "[[[1, 3], [2, 4]]]"),
}
for _name, (_fn, _code, _out) in _STACKS.items():
    thin(_G, "numpy", _name, "(xs)", lambda xs, _fn=_fn: _fn([tensor(x) for x in xs]),
         f"``{_name}`` of the tensors in ``xs`` (numpy's rule for the axis).\n\n"
         "Args:\n    xs: a list of tensors.\n" + doc_example(_code, _out))


@keras_op("numpy")
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (None: both flattened).

    Args:
        x1, x2: tensors.
        axis: the axis.

    >>> append(np.array([1, 2]), np.array([3, 4])).tolist()
    [1, 2, 3, 4]
    >>> append(np.array([[1, 2]]), np.array([[3, 4]]), axis=0).tolist()
    [[1, 2], [3, 4]]
    """
    return jnp.append(tensor(x1), tensor(x2), axis=axis)


@keras_op("numpy")
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``.

    Args:
        x: input tensor.
        shape: the target shape.

    >>> broadcast_to(np.array([1, 2]), (2, 2)).tolist()
    [[1, 2], [1, 2]]
    """
    return jnp.broadcast_to(tensor(x), _shape(shape))


@keras_op("numpy")
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis.

    Args:
        x: input tensor.
        repeats: repetitions per axis (an int or a list).

    >>> tile(np.array([1, 2]), 2).tolist()
    [1, 2, 1, 2]
    >>> tile(np.array([1, 2]), (2, 1)).tolist()
    [[1, 2], [1, 2]]
    """
    return jnp.tile(tensor(x), repeats)


@keras_op("numpy")
def repeat(x, repeats, axis=None):
    """Each entry of ``x`` repeated ``repeats`` times along ``axis`` (None: flattened).

    Args:
        x: input tensor.
        repeats: an int, or one count per entry along ``axis``.
        axis: the axis.

    >>> repeat(np.array([1, 2]), 2).tolist()
    [1, 1, 2, 2]
    >>> repeat(np.array([[1, 2], [3, 4]]), [1, 2], axis=0).tolist()
    [[1, 2], [3, 4], [3, 4]]
    """
    if isinstance(repeats, (list, tuple)):
        repeats = np.asarray(repeats, "int32")
    return jnp.repeat(tensor(x), repeats, axis=axis)


@keras_op("numpy")
def flip(x, axis=None):
    """``x`` reversed along ``axis`` (None: all axes).

    Args:
        x: input tensor.
        axis: the axis or axes.

    >>> flip(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [[2, 1], [4, 3]]
    """
    return jnp.flip(tensor(x), axis=tuple(axis) if isinstance(axis, list) else axis)


thin(_G, "numpy", "fliplr", "(x)", lambda x: jnp.fliplr(tensor(x)),
     "``x`` reversed along axis 1.\n\nArgs:\n    x: input tensor (rank >= 2).\n"
     + doc_example("fliplr(np.array([[1, 2], [3, 4]])).tolist()", "[[2, 1], [4, 3]]"))
thin(_G, "numpy", "flipud", "(x)", lambda x: jnp.flipud(tensor(x)),
     "``x`` reversed along axis 0.\n\nArgs:\n    x: input tensor (rank >= 1).\n"
     + doc_example("flipud(np.array([[1, 2], [3, 4]])).tolist()", "[[3, 4], [1, 2]]"))
thin(_G, "numpy", "ravel", "(x)", lambda x: jnp.ravel(tensor(x)),
     "``x`` flattened to 1-D.\n\nArgs:\n    x: input tensor.\n"
     + doc_example("ravel(np.array([[1, 2], [3, 4]])).tolist()", "[1, 2, 3, 4]"))


@keras_op("numpy")
def roll(x, shift, axis=None):
    """``x`` shifted by ``shift`` along ``axis``, wrapping around (None: flattened).

    Args:
        x: input tensor.
        shift: the shift (or one per axis).
        axis: the axis or axes.

    >>> roll(np.array([1, 2, 3, 4]), 1).tolist()
    [4, 1, 2, 3]
    """
    return jnp.roll(tensor(x), shift, axis=axis)


@keras_op("numpy")
def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by 90 degrees ``k`` times in the plane of ``axes``.

    Args:
        array: input tensor (rank >= 2).
        k: number of rotations.
        axes: the plane.

    >>> rot90(np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    return jnp.rot90(tensor(array), k=k, axes=tuple(axes))


@keras_op("numpy")
def moveaxis(x, source, destination):
    """``x`` with axes ``source`` moved to ``destination``.

    Args:
        x: input tensor.
        source, destination: axis or axes.

    >>> moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    return jnp.moveaxis(tensor(x), source, destination)


@keras_op("numpy")
def swapaxes(x, axis1, axis2):
    """``x`` with ``axis1`` and ``axis2`` exchanged.

    Args:
        x: input tensor.
        axis1, axis2: the axes.

    >>> swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    return jnp.swapaxes(tensor(x), axis1, axis2)


@keras_op("numpy")
def split(x, indices_or_sections, axis=0):
    """``x`` split along ``axis`` into equal sections, or at the given indices.

    Args:
        x: input tensor.
        indices_or_sections: number of equal sections, or split indices.
        axis: the axis.

    >>> [t.tolist() for t in split(np.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    >>> [t.tolist() for t in split(np.arange(6), [1, 4])]
    [[0], [1, 2, 3], [4, 5]]
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

    >>> [t.tolist() for t in array_split(np.arange(5), 2)]
    [[0, 1, 2], [3, 4]]
    """
    return jnp.array_split(tensor(x), indices_or_sections, axis=axis)


_SPLITS = {  # name: (jax function, axis, example code, example output)
    "hsplit": (jnp.hsplit, "1 (0 for 1-D)",
               "[t.tolist() for t in hsplit(np.array([[1, 2], [3, 4]]), 2)]",
               "[[[1], [3]], [[2], [4]]]"),
    "vsplit": (jnp.vsplit, "0", "[t.tolist() for t in vsplit(np.array([[1, 2], [3, 4]]), 2)]",
               "[[[1, 2]], [[3, 4]]]"),
    "dsplit": (jnp.dsplit, "2", "[t.shape for t in dsplit(np.zeros((1, 2, 4)), [1])]",
               "[(1, 2, 1), (1, 2, 3)]"),
}
for _name, (_fn, _axis, _code, _out) in _SPLITS.items():
    thin(_G, "numpy", _name, "(x, indices_or_sections)",
         lambda x, ios, _fn=_fn: _fn(tensor(x), ios),
         f"``{_name}``: ``split`` along axis {_axis}.\n\n"
         "Args:\n    x: input tensor.\n    indices_or_sections: sections or indices.\n"
         + doc_example(_code, _out))


@keras_op("numpy")
def tril(x, k=0):
    """``x`` with the entries above the ``k``-th diagonal set to 0.

    Args:
        x: input tensor (rank >= 2).
        k: diagonal offset.

    >>> tril(np.array([[1, 2], [3, 4]])).tolist()
    [[1, 0], [3, 4]]
    """
    return jnp.tril(tensor(x), k=k)


@keras_op("numpy")
def triu(x, k=0):
    """``x`` with the entries below the ``k``-th diagonal set to 0.

    Args:
        x: input tensor (rank >= 2).
        k: diagonal offset.

    >>> triu(np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), k=1).tolist()
    [[0, 2, 3], [0, 0, 6], [0, 0, 0]]
    """
    return jnp.triu(tensor(x), k=k)


@keras_op("numpy")
def diag(x, k=0):
    """The ``k``-th diagonal of a 2-D ``x``, or a 2-D tensor with 1-D ``x`` on it.

    Args:
        x: a 1-D or 2-D tensor.
        k: diagonal offset.

    >>> diag(np.array([1, 2])).tolist()
    [[1, 0], [0, 2]]
    >>> diag(np.array([[1, 2], [3, 4]])).tolist()
    [1, 4]
    """
    return jnp.diag(tensor(x), k=k)


@keras_op("numpy")
def diagflat(x, k=0):
    """A 2-D tensor with the flattened ``x`` on its ``k``-th diagonal.

    Args:
        x: input tensor.
        k: diagonal offset.

    >>> diagflat(np.array([[1, 2]]), k=1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    return jnp.diagflat(tensor(x), k=k)


@keras_op("numpy")
def diagonal(x, offset=0, axis1=0, axis2=1):
    """A diagonal of ``x`` (in the plane of ``axis1`` and ``axis2``).

    Args:
        x: input tensor (rank >= 2).
        offset: diagonal offset.
        axis1, axis2: the plane.

    >>> diagonal(np.array([[1, 2, 3], [4, 5, 6]]), offset=1).tolist()
    [2, 6]
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

    >>> pad(np.array([[1, 2]]), ((0, 0), (1, 1)), constant_values=9).tolist()
    [[9, 1, 2, 9]]
    >>> pad(np.array([1, 2, 3]), 2, mode="reflect").tolist()
    [3, 2, 1, 2, 3, 2, 1]
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

    >>> vander(np.array([1, 2, 3])).tolist()
    [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    return jnp.vander(tensor(x), N=N, increasing=increasing)


@keras_op("numpy")
def meshgrid(*x, indexing="xy"):
    """Coordinate matrices from 1-D coordinate vectors.

    Args:
        *x: 1-D tensors.
        indexing: 'xy' (Cartesian) or 'ij' (matrix).

    >>> xs, ys = meshgrid(np.array([1, 2, 3]), np.array([4, 5]))
    >>> xs.tolist(), ys.tolist()
    ([[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]])
    """
    return jnp.meshgrid(*[tensor(t) for t in x], indexing=indexing)


@keras_op("numpy")
def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of flat ``indices``.

    Args:
        indices: flat indices.
        shape: the array's shape.

    >>> rows, cols = unravel_index(np.array([1, 5]), (2, 3))
    >>> rows.tolist(), cols.tolist()
    ([0, 1], [1, 2])
    """
    return jnp.unravel_index(tensor(indices), tuple(shape))


@keras_op("numpy")
def view(x, dtype=None):
    """``x``'s bytes read as ``dtype`` (last axis rescaled by the size ratio).

    Args:
        x: input tensor.
        dtype: the new dtype (None: a copy of ``x``).

    >>> view(np.array([-1, 2], "int8"), "uint8").tolist()
    [255, 2]
    """
    x = tensor(x)
    return x if dtype is None else x.view(dtype)

