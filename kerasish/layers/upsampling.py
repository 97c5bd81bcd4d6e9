"""``UpSampling1D/2D/3D``: repeat each position ``size`` times along the spatial axes
(``UpSampling2D`` can interpolate instead: ``interpolation="bilinear"`` ...).

>>> import numpy as np, kerasish
>>> x = np.arange(4.0).reshape(1, 2, 2, 1)
>>> np.asarray(kerasish.layers.UpSampling2D()(x))[0, :, :, 0]
array([[0., 0., 1., 1.],
       [0., 0., 1., 1.],
       [2., 2., 3., 3.],
       [2., 2., 3., 3.]], dtype=float32)
"""

import jax
import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.conv import (check_data_format, check_rank, spatial_of,
                                  standardize_tuple, with_channels)

# Keras's interpolation names (ops.image.resize on JAX: jax.image.resize's methods).
_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


class _UpSampling(Layer):
    _rank = 2

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, self._rank, "size")
        self.data_format = check_data_format(data_format)

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return range(first, first + self._rank)

    def call(self, inputs):
        check_rank(self, inputs.shape, self._rank)
        for axis, factor in zip(self._axes(), self.size):
            inputs = jnp.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        sizes = [None if n is None else n * f
                 for n, f in zip(spatial_of(input_shape, self.data_format), self.size)]
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_channels(input_shape[0], sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, data_format=self.data_format)
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times: ``(batch, steps, features) -> (batch, steps *
    size, features)``.

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.UpSampling1D(3)(np.array([[[1.0], [2.0]]])))[0, :, 0]
    array([1., 1., 1., 2., 2., 2.], dtype=float32)
    """

    _rank = 1

    def __init__(self, size=2, **kwargs):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(
                f"The `size` argument must be a positive integer (the repetitions of each "
                f"step). Received: size={size!r}")
        super().__init__(size, None, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's UpSampling1D has none
        config["size"] = self.size[0]
        return config


class UpSampling2D(_UpSampling):
    """Upsamples height and width by ``size``: ``"nearest"`` repeats rows and columns;
    ``"bilinear"``, ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"`` interpolate (as
    Keras, through ``jax.image.resize``).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.UpSampling2D((2, 3), interpolation="bilinear")
    >>> layer(np.ones((1, 2, 2, 3))).shape
    (1, 4, 6, 3)
    """

    _rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        value = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if value not in _INTERPOLATIONS:
            raise ValueError(
                f"The `interpolation` argument must be one of {_INTERPOLATIONS}. Received: "
                f"interpolation={interpolation!r}")
        self.interpolation = value

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        check_rank(self, inputs.shape, self._rank)
        x = inputs if self.data_format == "channels_last" else jnp.moveaxis(inputs, 1, -1)
        b, h, w, c = x.shape
        y = jax.image.resize(x, (b, h * self.size[0], w * self.size[1], c),
                             method=self.interpolation, antialias=False)
        return y if self.data_format == "channels_last" else jnp.moveaxis(y, -1, 1)

    def get_config(self):
        config = super().get_config()
        config.update(interpolation=self.interpolation)
        return config


class UpSampling3D(_UpSampling):
    """Repeats each position ``size`` times along depth, height and width.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.UpSampling3D()(np.ones((1, 2, 3, 4, 5))).shape
    (1, 4, 6, 8, 5)
    """

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
