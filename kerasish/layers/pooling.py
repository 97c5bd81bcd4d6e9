"""Pooling layers: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` (one
``lax.reduce_window`` each) and ``GlobalAveragePooling1D/2D/3D``,
``GlobalMaxPooling1D/2D/3D`` (a reduction over the spatial axes), with Keras's aliases
(``MaxPool2D is MaxPooling2D`` ...). ``data_format`` is ``"channels_last"`` (default) or
``"channels_first"``.

>>> import numpy as np, kerasish
>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> np.asarray(kerasish.layers.MaxPooling2D()(x))[0, :, :, 0]
array([[ 5.,  7.],
       [13., 15.]], dtype=float32)
>>> kerasish.layers.GlobalAveragePooling2D()(x).shape
(1, 1)
"""

import math

import jax.numpy as jnp
from jax import lax

from kerasish.layers.base import Layer
from kerasish.layers.conv import (check_data_format, check_rank, spatial_of,
                                  standardize_padding, standardize_tuple, window_output_sizes,
                                  with_channels)


class _Pooling(Layer):
    _rank = 2
    _mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = standardize_tuple(pool_size, self._rank, "pool_size")
        self.strides = standardize_tuple(pool_size if strides is None else strides,
                                         self._rank, "strides")
        self.padding = standardize_padding(padding)
        self.data_format = check_data_format(data_format)

    def _sizes(self, input_shape):
        check_rank(self, input_shape, self._rank)
        return window_output_sizes(self, input_shape, self.pool_size, self.strides,
                                   (1,) * self._rank, self.padding, "pool")

    def call(self, inputs):
        self._sizes(inputs.shape)
        window = with_channels(1, self.pool_size, 1, self.data_format)
        strides = with_channels(1, self.strides, 1, self.data_format)
        padding = self.padding.upper()
        if self._mode == "max":
            return lax.reduce_window(inputs, -jnp.inf, lax.max, window, strides, padding)
        sums = lax.reduce_window(inputs, 0.0, lax.add, window, strides, padding)
        if self.padding == "valid":
            return sums / math.prod(self.pool_size)
        # 'same': divide by the number of real (not padded) entries in each window.
        ones = jnp.ones(with_channels(1, spatial_of(inputs.shape, self.data_format), 1,
                                      self.data_format), inputs.dtype)
        return sums / lax.reduce_window(ones, 0.0, lax.add, window, strides, padding)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_channels(input_shape[0], self._sizes(input_shape), channels,
                             self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling1D(_Pooling):
    """Maximum over windows of ``pool_size`` steps (default 2), moved by ``strides``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.MaxPooling1D()(np.ones((2, 7, 3))).shape
    (2, 3, 3)
    """

    _rank, _mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Maximum over ``pool_size`` windows (default 2x2), moved by ``strides``
    (default: ``pool_size``).

    >>> import numpy as np, kerasish
    >>> kerasish.layers.MaxPooling2D(padding="same")(np.ones((1, 5, 5, 3))).shape
    (1, 3, 3, 3)
    """

    _rank, _mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps; with ``padding="same"`` the padded
    positions are left out of each mean.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AveragePooling1D(3, strides=1)(np.ones((2, 7, 3))).shape
    (2, 5, 3)
    """

    _rank, _mode = 1, "average"


class AveragePooling2D(_Pooling):
    """Mean over ``pool_size`` windows; with ``padding="same"`` the padded positions
    are left out of each mean.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AveragePooling2D((2, 2))(np.ones((1, 4, 6, 3))).shape
    (1, 2, 3, 3)
    """

    _rank, _mode = 2, "average"


class _GlobalPooling(Layer):
    _rank = 2
    _reduce = staticmethod(jnp.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self.keepdims = bool(keepdims)

    @property
    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self._rank))

    def call(self, inputs):
        check_rank(self, inputs.shape, self._rank)
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        if not self.keepdims:
            return (input_shape[0], channels)
        return with_channels(input_shape[0], (1,) * self._rank, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis: ``(batch, steps, channels) -> (batch, channels)``.

    With a mask ``(batch, steps)`` (from ``Embedding(mask_zero=True)`` or ``Masking``),
    the mean is over the unmasked steps only, as in Keras; the output has no mask.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalAveragePooling1D(keepdims=True)(np.ones((2, 7, 3))).shape
    (2, 1, 3)
    >>> x = np.array([[[1.0], [3.0], [100.0]]])
    >>> np.asarray(kerasish.layers.GlobalAveragePooling1D()(x, mask=np.array([[1, 1, 0]])))
    array([[2.]], dtype=float32)
    """

    _rank, _reduce = 1, staticmethod(jnp.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        check_rank(self, inputs.shape, self._rank)
        steps = self._axes[0]
        keep = jnp.expand_dims(jnp.asarray(mask).astype(bool), 3 - steps)
        total = jnp.sum(jnp.where(keep, inputs, 0), axis=steps, keepdims=self.keepdims)
        # An all-masked sample gives 0 / 0 = nan, as in Keras.
        return total / jnp.sum(keep.astype(inputs.dtype), axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: ``(batch, h, w, channels) -> (batch, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalAveragePooling2D()(np.ones((2, 4, 4, 3))).shape
    (2, 3)
    """

    _rank, _reduce = 2, staticmethod(jnp.mean)


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the steps axis: ``(batch, steps, channels) -> (batch, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalMaxPooling1D()(np.ones((2, 7, 3))).shape
    (2, 3)
    """

    _rank, _reduce = 1, staticmethod(jnp.max)


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over height and width: ``(batch, h, w, channels) -> (batch, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 4, 3))).shape
    (2, 1, 1, 3)
    """

    _rank, _reduce = 2, staticmethod(jnp.max)


class MaxPooling3D(_Pooling):
    """Maximum over ``pool_size`` windows (default 2x2x2) of
    ``(batch, depth, height, width, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.MaxPooling3D()(np.ones((1, 4, 4, 5, 2))).shape
    (1, 2, 2, 2, 2)
    """

    _rank, _mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Mean over ``pool_size`` windows of ``(batch, depth, height, width, channels)``;
    with ``padding="same"`` the padded positions are left out of each mean.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AveragePooling3D(2, padding="same")(np.ones((1, 3, 4, 4, 2))).shape
    (1, 2, 2, 2, 2)
    """

    _rank, _mode = 3, "average"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over depth, height and width: ``(batch, d, h, w, channels) -> (batch,
    channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalAveragePooling3D()(np.ones((2, 3, 4, 4, 5))).shape
    (2, 5)
    """

    _rank, _reduce = 3, staticmethod(jnp.mean)


class GlobalMaxPooling3D(_GlobalPooling):
    """Maximum over depth, height and width: ``(batch, d, h, w, channels) -> (batch,
    channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.GlobalMaxPooling3D(keepdims=True)(np.ones((2, 3, 4, 4, 5))).shape
    (2, 1, 1, 1, 5)
    """

    _rank, _reduce = 3, staticmethod(jnp.max)


# Keras's other names for the same classes.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
