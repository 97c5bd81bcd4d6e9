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
    """The sum of ``inputs`` (``Add``)."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``inputs[0] - inputs[1]`` (``Subtract``)."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """The elementwise product of ``inputs`` (``Multiply``)."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """The elementwise mean of ``inputs`` (``Average``)."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """The elementwise maximum of ``inputs`` (``Maximum``)."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """The elementwise minimum of ``inputs`` (``Minimum``)."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``inputs`` joined along ``axis`` (``Concatenate``)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """The per-sample dot product of the two ``inputs`` along ``axes`` (``Dot``);
    ``normalize=True`` gives the cosine similarity."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
