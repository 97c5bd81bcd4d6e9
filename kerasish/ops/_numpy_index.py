"""Indexing, selection and products of ``kerasish.ops.numpy``.

>>> import numpy as np
>>> from kerasish.ops import numpy as knp
>>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> knp.take(x, np.array([1, 0]), axis=1).tolist()
[[2.0, 1.0], [4.0, 3.0]]
>>> knp.tensordot(x, x, axes=1).tolist()
[[7.0, 10.0], [15.0, 22.0]]
"""

import jax.numpy as jnp
import numpy as np

from kerasish.ops._dispatch import keras_op
from kerasish.ops._numpy_math import tensor


def _check_index_axis(x, axis):
    if axis is not None and not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise ValueError(f"Invalid `axis`: {axis} for a tensor of rank {x.ndim}; expected "
                         f"an integer in [{-x.ndim}, {x.ndim}). Received: axis={axis}")


@keras_op("numpy")
def take(x, indices, axis=None):
    """Entries of ``x`` at ``indices`` along ``axis`` (None: of the flattened ``x``).
    Negative indices count from the end.

    Args:
        x: source tensor.
        indices: integer indices (any shape).
        axis: the axis.

    >>> take(np.array([5, 6, 7]), np.array([[0, -1]])).tolist()
    [[5, 7]]
    """
    x, indices = tensor(x), tensor(indices)
    _check_index_axis(x, axis)
    if not jnp.issubdtype(indices.dtype, jnp.integer):
        indices = indices.astype("int32")
    size = x.size if axis is None else x.shape[axis]
    indices = jnp.where(indices < 0, indices + size, indices)
    return jnp.take(x, indices, axis=axis, mode="clip")


@keras_op("numpy")
def take_along_axis(x, indices, axis=None):
    """Entries of ``x`` picked by ``indices`` along ``axis`` (``indices`` has ``x``'s
    rank and broadcasts on the other axes).

    Args:
        x: source tensor.
        indices: integer indices.
        axis: the axis (None: of the flattened ``x``).

    >>> x = np.array([[10, 30, 20], [60, 40, 50]])
    >>> take_along_axis(x, argmax(x, axis=1, keepdims=True), axis=1).tolist()
    [[30], [60]]
    """
    x, indices = tensor(x), tensor(indices)
    _check_index_axis(x, axis)
    size = x.size if axis is None else x.shape[axis]
    indices = jnp.where(indices < 0, indices + size, indices)
    return jnp.take_along_axis(x, indices, axis=axis, mode="clip")


@keras_op("numpy")
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with neither, the indices of the
    true entries (as ``nonzero``).

    Args:
        condition: boolean tensor.
        x1: values where true.
        x2: values where false.

    >>> where(np.array([True, False]), 1.0, np.array([5.0, 6.0])).tolist()
    [1.0, 6.0]
    """
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` either both should be `None` or both should have "
                         f"non-None value. Received: x1={x1}, x2={x2}")
    condition = tensor(condition)
    if x1 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition.astype(bool), tensor(x1), tensor(x2))


@keras_op("numpy")
def select(condlist, choicelist, default=0):
    """The first choice of ``choicelist`` whose condition holds, else ``default``.

    Args:
        condlist: list of boolean tensors.
        choicelist: list of tensors, one per condition.
        default: the value where no condition holds.

    >>> x = np.array([-2, 0, 3])
    >>> select([x < 0, x > 0], [-x, x * 10], default=-1).tolist()
    [2, -1, 30]
    """
    if len(condlist) != len(choicelist):
        raise ValueError("`condlist` and `choicelist` must have the same length. Received: "
                         f"len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}")
    return jnp.select([tensor(c) for c in condlist], [tensor(c) for c in choicelist],
                      default)


@keras_op("numpy")
def get_item(x, key):
    """``x[key]``.

    Args:
        x: input tensor.
        key: an index, slice, tuple of them, or an index tensor.

    >>> get_item(np.array([[1, 2], [3, 4]]), (1, 0)).tolist()
    3
    >>> get_item(np.array([10, 20, 30]), slice(1, None)).tolist()
    [20, 30]
    """
    return tensor(x)[tuple(key) if isinstance(key, list) else key]


@keras_op("numpy")
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each entry of ``x1`` occurs in ``x2``.

    Args:
        x1: tensor to test.
        x2: the values.
        assume_unique: both inputs have unique entries (a speed hint).
        invert: return the opposite (not in ``x2``).

    >>> isin(np.array([1, 2, 3, 4]), np.array([2, 4])).tolist()
    [False, True, False, True]
    >>> isin(np.array([1, 2, 3, 4]), np.array([2, 4]), invert=True).tolist()
    [True, False, True, False]
    """
    return jnp.isin(tensor(x1), tensor(x2), assume_unique=assume_unique, invert=invert)


def _same_kind(x1, x2):
    x1, x2 = tensor(x1), tensor(x2)
    return x1, x2


@keras_op("numpy")
def dot(x1, x2):
    """Dot product (numpy's rules for each rank; ``matmul`` for 2-D).

    Args:
        x1, x2: tensors.

    >>> dot(np.array([1, 2, 3]), np.array([4, 5, 6])).tolist()
    32
    >>> dot(np.array([[1, 2], [3, 4]]), np.array([1, 1])).tolist()
    [3, 7]
    """
    return jnp.dot(*_same_kind(x1, x2))


@keras_op("numpy")
def matmul(x1, x2):
    """Matrix product, batched over leading axes.

    Args:
        x1, x2: tensors (rank >= 1); the last axis of ``x1`` meets the second-to-last
            of ``x2``.

    >>> matmul(np.array([[1, 2], [3, 4]]), np.array([[5], [6]])).tolist()
    [[17], [39]]
    >>> matmul(np.ones((5, 2, 3)), np.ones((3, 4))).shape
    (5, 2, 4)
    """
    x1, x2 = _same_kind(x1, x2)
    if x1.ndim and x2.ndim and x1.shape[-1] != x2.shape[max(x2.ndim - 2, 0)]:
        raise ValueError(
            "Inner dimensions of `matmul` do not match: x1.shape[-1] must equal "
            f"x2.shape[-2]. Received: x1.shape={x1.shape}, x2.shape={x2.shape}")
    return jnp.matmul(x1, x2)


@keras_op("numpy")
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes``: the last ``axes`` axes of ``x1`` with the first
    of ``x2`` (an int), or the pairs of axes given as two lists.

    Args:
        x1, x2: tensors.
        axes: an int, or ``[axes of x1, axes of x2]``.

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    >>> tensordot(np.ones((2, 3, 4)), np.ones((4, 2, 3)), axes=[[0, 1], [1, 2]]).shape
    (4, 4)
    """
    return jnp.tensordot(*_same_kind(x1, x2), axes=axes)


@keras_op("numpy")
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over ``operands`` as ``subscripts`` says (``"ij,jk->ik"``).

    Args:
        subscripts: the summation, numpy's notation.
        *operands: the tensors.
        **kwargs: ``jax.numpy.einsum`` options (``precision``, ``optimize``,
            ``preferred_element_type``); others are refused.

    >>> einsum("ij,jk->ik", np.array([[1, 2]]), np.array([[3], [4]])).tolist()
    [[11]]
    >>> einsum("bi,bi->b", np.array([[1, 2], [3, 4]]), np.array([[1, 1], [2, 0]])).tolist()
    [3, 6]
    """
    return jnp.einsum(subscripts, *[tensor(t) for t in operands], **kwargs)


@keras_op("numpy")
def inner(x1, x2):
    """Inner product over the last axes.

    Args:
        x1, x2: tensors.

    >>> inner(np.array([1, 2, 3]), np.array([0, 1, 2])).tolist()
    8
    """
    return jnp.inner(*_same_kind(x1, x2))


@keras_op("numpy")
def outer(x1, x2):
    """Outer product of the flattened tensors.

    Args:
        x1, x2: tensors.

    >>> outer(np.array([1, 2]), np.array([3, 4, 5])).tolist()
    [[3, 4, 5], [6, 8, 10]]
    """
    return jnp.outer(*_same_kind(x1, x2))


@keras_op("numpy")
def vdot(x1, x2):
    """Dot product of the flattened tensors (``x1`` conjugated).

    Args:
        x1, x2: tensors.

    >>> vdot(np.array([1 + 1j, 2]), np.array([1 + 1j, 3])).tolist()
    (8+0j)
    """
    return jnp.vdot(*_same_kind(x1, x2))


@keras_op("numpy")
def kron(x1, x2):
    """Kronecker product.

    Args:
        x1, x2: tensors.

    >>> kron(np.array([1, 2]), np.array([1, 10])).tolist()
    [1, 10, 2, 20]
    """
    return jnp.kron(*_same_kind(x1, x2))


@keras_op("numpy")
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of (2- or 3-) vectors.

    Args:
        x1, x2: tensors of vectors.
        axisa: the vector axis of ``x1``.
        axisb: the vector axis of ``x2``.
        axisc: the vector axis of the result.
        axis: one axis for all three (overrides them).

    >>> cross(np.array([1, 0, 0]), np.array([0, 1, 0])).tolist()
    [0, 0, 1]
    """
    return jnp.cross(*_same_kind(x1, x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@keras_op("numpy")
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule.

    Args:
        y: values.
        x: sample points (default: spaced by ``dx``).
        dx: spacing when ``x`` is None.
        axis: the axis.

    >>> trapezoid(np.array([0.0, 1.0, 4.0]), x=np.array([0.0, 1.0, 2.0])).tolist()
    3.0
    >>> trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5).tolist()
    2.0
    """
    y = tensor(y)
    if not jnp.issubdtype(y.dtype, jnp.inexact):
        y = y.astype("float32")
    return jnp.trapezoid(y, None if x is None else tensor(x), dx=dx, axis=axis)


@keras_op("numpy")
def ndim(x):
    """The rank of ``x``.

    Args:
        x: a tensor.

    >>> ndim(np.zeros((2, 3)))
    2
    """
    return jnp.ndim(tensor(x))


@keras_op("numpy")
def size(x):
    """The number of entries of ``x``.

    Args:
        x: a tensor.

    >>> size(np.zeros((2, 3)))
    6
    """
    return jnp.size(tensor(x))


@keras_op("numpy")
def slogdet(x):
    """``(sign, log|det|)`` of square matrices (batched).

    Args:
        x: tensor of shape ``(..., n, n)``.

    >>> sign, logdet = slogdet(np.array([[2.0, 0.0], [0.0, -0.5]]))
    >>> sign.tolist(), logdet.tolist()
    (-1.0, 0.0)
    """
    return tuple(jnp.linalg.slogdet(tensor(x)))


@keras_op("numpy", symbolic=False)
def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` vectorised over its tensor arguments (numpy's ``vectorize``).

    Args:
        pyfunc: a function of scalars (or of core shapes given by ``signature``).
        excluded: names or positions of arguments not vectorised.
        signature: generalised ufunc signature, e.g. ``"(n),(n)->()"``.

    >>> f = vectorize(lambda a, b: a + 2 * b)
    >>> f(np.array([1, 2]), np.array([10, 20])).tolist()
    [21, 42]
    """
    return jnp.vectorize(pyfunc, excluded=set() if excluded is None else excluded,
                         signature=signature)


