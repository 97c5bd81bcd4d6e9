"""The 1D and 3D convolutions beside ``conv.py``'s: ``Conv3D``, ``Conv1DTranspose``,
``Conv3DTranspose``, ``DepthwiseConv1D``, ``SeparableConv1D``, and Keras's aliases
(``Convolution2D is Conv2D`` ...: the same class objects).

They share ``conv.py``'s code; only the rank and the default tuples differ. Kernels
keep Keras's layouts: ``Conv3D`` ``(kd, kh, kw, in // groups, filters)``, transposed
ones ``(k..., filters, in)``, depthwise ones ``(k..., in, depth_multiplier)``.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.Conv3D(4, 3)
>>> layer(np.ones((1, 5, 5, 5, 2))).shape, layer.kernel.shape
((1, 3, 3, 3, 4), (3, 3, 3, 2, 4))
>>> kerasish.layers.Convolution3D is kerasish.layers.Conv3D
True
"""

from kerasish.layers.conv import (Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, _Conv,
                                  _ConvTranspose, _DepthwiseConv, _SeparableConv)


class Conv3D(_Conv):
    """3D convolution over ``(batch, depth, height, width, channels)``.

    The kernel is ``(kd, kh, kw, in_channels // groups, filters)``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Conv3D(2, (1, 3, 3), strides=2, padding="same")
    >>> layer(np.ones((1, 4, 6, 6, 3))).shape
    (1, 2, 3, 3, 2)
    """

    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1D convolution: upsamples ``(batch, steps, channels)`` by ``strides``.

    Kernel ``(k, filters, in_channels)``, as Keras's.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Conv1DTranspose(3, 3, strides=2, padding="same")
    >>> layer(np.ones((2, 5, 4))).shape, layer.kernel.shape
    ((2, 10, 3), (3, 3, 4))
    """

    _rank = 1


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution over ``(batch, depth, height, width, channels)``.

    Kernel ``(kd, kh, kw, filters, in_channels)``, as Keras's.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Conv3DTranspose(2, 2, strides=2)(np.ones((1, 2, 3, 3, 4))).shape
    (1, 4, 6, 6, 2)
    """

    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class DepthwiseConv1D(_DepthwiseConv):
    """Convolves each channel of ``(batch, steps, channels)`` with its own
    ``depth_multiplier`` filters; kernel ``(k, in_channels, depth_multiplier)``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.DepthwiseConv1D(3, depth_multiplier=2)
    >>> layer(np.ones((2, 7, 3))).shape, layer.kernel.shape
    ((2, 5, 6), (3, 3, 2))
    """

    _rank = 1


class SeparableConv1D(_SeparableConv):
    """A depthwise 1D convolution, then a pointwise one to ``filters`` channels.

    Weights: ``depthwise_kernel (k, in, depth_multiplier)``,
    ``pointwise_kernel (1, in * depth_multiplier, filters)``, ``bias (filters,)``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.SeparableConv1D(4, 3, padding="same")
    >>> layer(np.ones((2, 7, 3))).shape, [w.shape for w in layer.weights]
    ((2, 7, 4), [(3, 3, 1), (1, 3, 4), (4,)])
    """

    _rank = 1


# Keras's other names for the same classes.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
