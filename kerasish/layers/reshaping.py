"""Reshaping layers: ``Flatten`` and ``Reshape`` (the batch axis is never touched).

>>> import numpy as np, kerasish
>>> kerasish.layers.Flatten()(np.ones((2, 4, 4, 3))).shape
(2, 48)
>>> kerasish.layers.Reshape((8, 8, 1))(np.ones((2, 64))).shape
(2, 8, 8, 1)
"""

import math

import jax.numpy as jnp

from kerasish.layers.base import Layer


class Flatten(Layer):
    """Flattens each sample: ``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``.

    ``data_format="channels_first"`` moves the channels axis last before flattening,
    so the feature order matches a channels_last model (as in Keras).

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                "The `data_format` argument must be 'channels_last' or 'channels_first'. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be ``-1``: inferred).

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Reshape((-1, 2))(np.ones((3, 12))).shape
    (3, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(target_shape)
        except TypeError:
            target = None
        if target is None or any(isinstance(d, bool) or not isinstance(d, int)
                                 or (d <= 0 and d != -1) for d in target) \
                or target.count(-1) > 1:
            raise ValueError(
                "The `target_shape` argument must be a tuple of positive integers, with at "
                f"most one -1 (inferred). Received: target_shape={target_shape!r}"
            )
        self.target_shape = target

    def _resolve(self, input_shape):
        """The output shape of one sample; -1 resolved when the input size is known."""
        rest = input_shape[1:]
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and size % known) or (
                -1 not in self.target_shape and size != known):
            raise ValueError(
                f"Layer {self.name!r} (Reshape) cannot reshape samples of shape {tuple(rest)} "
                f"({size} values) into target_shape={self.target_shape}"
                f"{f' ({known} values)' if -1 not in self.target_shape else ''}. Choose a "
                f"target_shape whose sizes multiply to {size}, or put -1 in one place to "
                "infer it."
            )
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return jnp.reshape(inputs, (inputs.shape[0], *self._resolve(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolve(input_shape))

    def get_config(self):
        config = super().get_config()
        config.update(target_shape=self.target_shape)
        return config


class RepeatVector(Layer):
    """Repeats each sample ``n`` times: ``(batch, features) -> (batch, n, features)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.RepeatVector(3)(np.ones((2, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(
                f"Expected an integer value for `n` (the number of repetitions, >= 1). "
                f"Received: n={n!r}")
        self.n = n

    def _check(self, shape):
        if len(shape) != 2:
            raise ValueError(
                f"Layer {self.name!r} (RepeatVector) expects inputs of rank 2, (batch, "
                f"features). Received input shape {tuple(shape)}. Flatten the input first "
                "(e.g. with a Flatten layer).")

    def call(self, inputs):
        self._check(inputs.shape)
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config.update(n=self.n)
        return config


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` lists them, 1-indexed, in the new order.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Permute((2, 1))(np.ones((5, 3, 4))).shape
    (5, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            dims = None
        if dims is None or any(isinstance(d, bool) or not isinstance(d, int) for d in dims) \
                or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices "
                "in `dims` must be consecutive and start from 1 (the batch axis is 0 and "
                f"never moves), e.g. dims=(2, 1). Received: dims={dims!r}")
        self.dims = dims

    def _check(self, shape):
        if len(shape) != len(self.dims) + 1:
            raise ValueError(
                f"Layer {self.name!r} (Permute) with dims={self.dims} expects inputs of "
                f"rank {len(self.dims) + 1}. Received input shape {tuple(shape)}.")

    def call(self, inputs):
        self._check(inputs.shape)
        return jnp.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config.update(dims=self.dims)
        return config
