"""Keras's lowercase merge functions: ``add([a, b])`` is ``Add()([a, b])``.

Each makes a new layer (layer keyword arguments such as ``name=`` go to it) and calls
it on ``inputs``, a list of tensors, symbolic or concrete.

>>> import kerasish
>>> a, b = kerasish.Input((4,)), kerasish.Input((4,))
>>> add([a, b]).shape, concatenate([a, b]).shape, dot([a, b], axes=1).shape
((None, 4), (None, 8), (None, 1))
"""

from kerasish.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum,
                                     Multiply, Subtract)


def add(inputs, **kwargs):
    """The sum of ``inputs``: ``add(inputs)`` is ``Add()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape.
        **kwargs: keyword arguments of the ``Add`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> add([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[4.0, 7.0]]
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """The difference ``inputs[0] - inputs[1]`` of two tensors: ``subtract(inputs)``
    is ``Subtract()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape (exactly two).
        **kwargs: keyword arguments of the ``Subtract`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> subtract([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[-2.0, 3.0]]
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """The elementwise product of ``inputs``: ``multiply(inputs)`` is ``Multiply()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape.
        **kwargs: keyword arguments of the ``Multiply`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> multiply([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[3.0, 10.0]]
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """The elementwise mean of ``inputs``: ``average(inputs)`` is ``Average()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape.
        **kwargs: keyword arguments of the ``Average`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> average([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[2.0, 3.5]]
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """The elementwise maximum of ``inputs``: ``maximum(inputs)`` is ``Maximum()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape.
        **kwargs: keyword arguments of the ``Maximum`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> maximum([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[3.0, 5.0]]
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """The elementwise minimum of ``inputs``: ``minimum(inputs)`` is ``Minimum()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors of the same shape.
        **kwargs: keyword arguments of the ``Minimum`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> minimum([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).tolist()
    [[1.0, 2.0]]
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``inputs`` joined along ``axis``: ``concatenate(inputs)`` is
    ``Concatenate()(inputs)``.

    Works on symbolic tensors (to build a functional model) and on arrays.

    Args:
        inputs: a list of tensors whose shapes match except along ``axis``.
        axis: the axis to join along.
        **kwargs: keyword arguments of the ``Concatenate`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> concatenate([np.array([[1.0, 2.0]]), np.array([[3.0]])]).tolist()
    [[1.0, 2.0, 3.0]]
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """The per-sample dot product of the two ``inputs`` along ``axes`` (``Dot``);
    ``normalize=True`` gives the cosine similarity.

    Args:
        inputs: a list of two tensors.
        axes: the axis (or a pair of axes, one per input) to contract; never the
            batch axis 0.
        normalize: L2-normalise both inputs along ``axes`` first.
        **kwargs: keyword arguments of the ``Dot`` layer (e.g. ``name``).

    >>> import numpy as np
    >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
    >>> dot([a, b], axes=1).tolist()
    [[11.0]]
    >>> dot([a, a], axes=1, normalize=True).round(5).tolist()
    [[1.0]]
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
