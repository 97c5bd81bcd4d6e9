"""``ZeroPadding1D/2D/3D`` and ``Cropping1D/2D/3D``: add zeros around, or cut from, the
spatial axes of ``(batch, ..., channels)`` inputs (``data_format="channels_first"``:
``(batch, channels, ...)``; ``Cropping1D`` has no ``data_format``, as in Keras).

``padding``/``cropping`` take Keras's forms: one int (the same on both sides of every
axis), one int per axis (both sides), or one ``(before, after)`` pair per axis.

>>> import numpy as np, kerasish
>>> kerasish.layers.ZeroPadding2D(((1, 0), (2, 2)))(np.ones((1, 3, 3, 2))).shape
(1, 4, 7, 2)
>>> kerasish.layers.Cropping2D(((1, 0), (2, 1)))(np.ones((1, 4, 6, 2))).shape
(1, 3, 3, 2)
"""

import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.conv import (check_data_format, check_rank, spatial_of,
                                  standardize_tuple, with_channels)


def _pairs(value, rank, name):
    """Keras's accepted forms -> ``((before, after),) * rank``; a ValueError naming
    ``name`` (and showing the accepted forms) otherwise."""
    if rank == 1:
        return (standardize_tuple(value, 2, name, allow_zero=True),)
    forms = (f"an int, a tuple of {rank} ints (symmetric, per axis), or a tuple of {rank} "
             "tuples of 2 ints ((before, after) per axis)")
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank
    try:
        entries = list(value)
    except TypeError:
        entries = None
    if entries is None or len(entries) != rank:
        raise ValueError(f"`{name}` should be {forms}. Received: {name}={value!r}")
    pairs = []
    for i, entry in enumerate(entries):
        try:
            pairs.append(standardize_tuple(entry, 2, name, allow_zero=True))
        except ValueError:
            raise ValueError(
                f"`{name}` should be {forms}; entry {i} is not a non-negative int or a "
                f"pair of them. Received: {name}={value!r}") from None
    return tuple(pairs)


class _Spatial(Layer):
    """Shared by padding and cropping: arguments, rank check, spatial axes."""

    _rank = 2
    _arg = "padding"

    def __init__(self, amount, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        setattr(self, self._arg, _pairs(amount, self._rank, self._arg))

    @property
    def _pairs(self):
        return getattr(self, self._arg)

    def _check(self, shape):
        check_rank(self, shape, self._rank)
        return spatial_of(shape, self.data_format)

    def compute_output_shape(self, input_shape):
        spatial = self._check(input_shape)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        sizes = [None if n is None else self._size(n, pair, input_shape)
                 for n, pair in zip(spatial, self._pairs)]
        return with_channels(input_shape[0], sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        value = self._pairs[0] if self._rank == 1 else self._pairs
        config.update({self._arg: value, "data_format": self.data_format})
        return config


class _ZeroPadding(_Spatial):
    def call(self, inputs):
        self._check(inputs.shape)
        widths = list(with_channels((0, 0), self.padding, (0, 0), self.data_format))
        return jnp.pad(inputs, widths)

    def _size(self, n, pair, input_shape):
        return n + pair[0] + pair[1]


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis of ``(batch, steps, channels)`` with zeros.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.ZeroPadding1D((1, 2))(np.ones((2, 3, 4))).shape
    (2, 6, 4)
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads height and width of ``(batch, height, width, channels)`` with zeros.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.ZeroPadding2D()(np.ones((1, 3, 3, 2))).shape
    (1, 5, 5, 2)
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads depth, height and width of ``(batch, d, h, w, channels)`` with zeros.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.ZeroPadding3D(((0, 1), (1, 1), (2, 0)))(np.ones((1, 2, 2, 2, 3))).shape
    (1, 3, 4, 4, 3)
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_Spatial):
    _arg = "cropping"

    def _size(self, n, pair, input_shape):
        if pair[0] + pair[1] >= n:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}): values in `cropping` should "
                "be smaller than the corresponding spatial dimension of the input (at least "
                f"one position must remain). Received: input_shape={tuple(input_shape)}, "
                f"cropping={self.cropping}")
        return n - pair[0] - pair[1]

    def call(self, inputs):
        spatial = self._check(inputs.shape)
        cuts = []
        for n, (a, b) in zip(spatial, self.cropping):
            self._size(n, (a, b), inputs.shape)
            cuts.append(slice(a, n - b))
        index = with_channels(slice(None), cuts, slice(None), self.data_format)
        return inputs[index]


class Cropping1D(_Cropping):
    """Cuts ``cropping = (before, after)`` steps from ``(batch, steps, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Cropping1D((1, 2))(np.ones((2, 6, 4))).shape
    (2, 3, 4)
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's Cropping1D has none
        return config


class Cropping2D(_Cropping):
    """Cuts rows and columns from ``(batch, height, width, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Cropping2D(1)(np.ones((1, 4, 5, 2))).shape
    (1, 2, 3, 2)
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Cuts from depth, height and width of ``(batch, d, h, w, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Cropping3D()(np.ones((1, 4, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
