"""Merge layers for the functional API: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum``.

>>> import numpy as np, kerasish
>>> a, b = np.ones((2, 3)), np.full((2, 3), 3.0)
>>> np.asarray(kerasish.layers.Average()([a, b]))[0]
array([2., 2., 2.], dtype=float32)
>>> kerasish.layers.Concatenate()([a, b]).shape
(2, 6)
"""

import functools

import jax.numpy as jnp

from kerasish.layers.base import Layer


class _Merge(Layer):
    """Elementwise merge of a list of same-shaped inputs."""

    _min_inputs = 2

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) must be called on a list of "
                f"inputs. Received a single input of shape {input_shape}."
            )
        if len(input_shape) < self._min_inputs:
            raise ValueError(
                f"Layer {self.name!r} needs at least {self._min_inputs} inputs. Received "
                f"{len(input_shape)}."
            )
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def _check_shapes(self, shapes):
        trailing = {s[1:] for s in shapes}
        if len(trailing) > 1 and not self._broadcastable(shapes):
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) needs inputs of the same "
                f"shape (or broadcastable). Received shapes {shapes}."
            )

    @staticmethod
    def _broadcastable(shapes):
        try:
            jnp.broadcast_shapes(*[tuple(1 if d is None else d for d in s) for s in shapes])
            return True
        except ValueError:
            return False

    def call(self, inputs):
        return functools.reduce(self._op, inputs)


class Add(_Merge):
    """Sum of the inputs."""

    _op = staticmethod(jnp.add)


class Multiply(_Merge):
    """Elementwise product of the inputs."""

    _op = staticmethod(jnp.multiply)


class Maximum(_Merge):
    _op = staticmethod(jnp.maximum)


class Minimum(_Merge):
    _op = staticmethod(jnp.minimum)


class Average(_Merge):
    """Elementwise mean of the inputs."""

    def call(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"Layer {self.name!r} (Subtract) needs exactly 2 inputs. Received "
                f"{len(input_shape)}."
            )

    def call(self, inputs):
        return inputs[0] - inputs[1]


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default: the last)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes):
        ranks = {len(s) for s in shapes}
        axis = self.axis % next(iter(ranks)) if len(ranks) == 1 else None
        others = {tuple(d for i, d in enumerate(s) if i != axis and i != 0) for s in shapes}
        if len(ranks) != 1 or len(others) != 1:
            raise ValueError(
                f"Layer {self.name!r} (Concatenate) needs inputs whose shapes match except "
                f"on the concatenation axis {self.axis}. Received shapes {shapes}."
            )

    def call(self, inputs):
        return jnp.concatenate(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
