"""Convolution layers: ``Conv1D``, ``Conv2D``, ``Conv2DTranspose``, ``DepthwiseConv2D``,
``SeparableConv2D`` (their 1D/3D siblings are in ``conv_more.py``).

Keras 3's names, defaults and weight layouts: a ``Conv2D`` kernel is
``(kh, kw, in_channels // groups, filters)`` whatever ``data_format`` says
(``"channels_last"``, the default, or ``"channels_first"``). Every layer is one
``lax.conv_general_dilated`` call, plus bias and activation.

>>> import numpy as np, kerasish
>>> conv = kerasish.layers.Conv2D(filters=8, kernel_size=3, activation="relu")
>>> y = conv(np.ones((2, 8, 8, 1)))
>>> y.shape, conv.kernel.shape, conv.bias.shape
((2, 6, 6, 8), (3, 3, 1, 8), (8,))
"""

import jax.numpy as jnp
from jax import lax

from kerasish import activations, config, constraints, initializers, regularizers
from kerasish.layers.base import Layer

# lax dimension numbers for Keras's (spatial..., in, out) kernels, per data format.
_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}
_DIMS = {(rank, fmt): (lhs, _SPATIAL[rank] + "IO", lhs)
         for rank in _SPATIAL for fmt, lhs in (("channels_last", "N" + _SPATIAL[rank] + "C"),
                                               ("channels_first", "NC" + _SPATIAL[rank]))}
_SPATIAL_NAMES = {1: "steps", 2: "height, width", 3: "depth, height, width"}


# -- argument checks shared with pooling.py -------------------------------------------
def standardize_tuple(value, n, name, allow_zero=False):
    """``3`` -> ``(3, 3)``; checks every entry is a positive (or >= 0) integer."""
    values = (value,) * n if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    low = 0 if allow_zero else 1
    if values is None or len(values) != n or any(
            isinstance(v, bool) or not isinstance(v, int) or v < low for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} {kind} integers (or one integer). "
            f"Received: {name}={value!r}"
        )
    return values


def standardize_padding(padding, allow_causal=False):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {allowed}. Received: padding={padding!r}"
        )
    return value


def check_data_format(data_format, who=None):
    """None -> the global image data format (Keras's ``image_data_format()``,
    ``'channels_last'`` unless set); else the checked value."""
    if data_format is None:
        return getattr(config, "image_data_format", lambda: "channels_last")()
    value = data_format.lower() if isinstance(data_format, str) else data_format
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return value


def spatial_of(shape, data_format):
    """The spatial sizes of a (batch, ..., channels) or (batch, channels, ...) shape."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def with_channels(batch, spatial, channels, data_format):
    """A full shape from its parts, in ``data_format``'s order."""
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def check_rank(layer, input_shape, rank):
    if len(input_shape) != rank + 2:
        fmt = getattr(layer, "data_format", "channels_last")
        axes = f"(batch, {_SPATIAL_NAMES[rank]}, channels)" if fmt == "channels_last" \
            else f"(batch, channels, {_SPATIAL_NAMES[rank]})"
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects inputs of rank {rank + 2}, "
            f"{axes}. Received input shape {tuple(input_shape)}. Reshape "
            f"the data (e.g. with a Reshape layer) to add the missing axes."
        )


def window_output_sizes(layer, input_shape, window, strides, dilation, padding, what):
    """Spatial output sizes of a sliding window; a clear error when one is empty."""
    sizes = []
    spatial = spatial_of(input_shape, getattr(layer, "data_format", "channels_last"))
    for axis, (n, k, s, d) in enumerate(zip(spatial, window, strides, dilation)):
        span = d * (k - 1) + 1
        if n is None:
            sizes.append(None)
        elif padding == "valid":
            if n < span:
                shown = "x".join(map(str, window))
                dilated = f" (dilated to {span})" if span != k else ""
                raise ValueError(
                    f"Layer {layer.name!r} ({type(layer).__name__}) cannot apply a {shown} "
                    f"{what}{dilated} to inputs of shape {tuple(input_shape)} with "
                    f"padding='valid': spatial axis {axis + 1} has size {n} < {span}. Use "
                    f"padding='same', a smaller {what} size, or larger inputs (fewer "
                    "pooling/strided layers before this one)."
                )
            sizes.append((n - span) // s + 1)
        else:  # 'same' and 'causal'
            sizes.append((n - 1) // s + 1)
    return sizes


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive integer. "
            f"Received {name}={value!r}"
        )
    return value


class _BaseConv(Layer):
    """What every convolution shares: arguments, checks, bias and activation."""

    _rank = 2
    _dilated_strides_ok = False  # Keras refuses strides > 1 with dilation > 1, except depthwise

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, bias_initializer, bias_regularizer, bias_constraint=None,
                 allow_causal=False, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = standardize_tuple(kernel_size, self._rank, "kernel_size")
        self.strides = standardize_tuple(strides, self._rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, self._rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal)
        self.data_format = check_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1 \
                and not self._dilated_strides_ok:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}. "
                "Use one or the other."
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    @property
    def _dims(self):
        return _DIMS[(self._rank, self.data_format)]

    def _check_input(self, input_shape):
        check_rank(self, input_shape, self._rank)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"Layer {self.name!r} needs a known channel dimension (axis "
                f"{self._channel_axis}, data_format={self.data_format!r}) to create its "
                f"kernel. Received input shape {tuple(input_shape)}."
            )
        built = getattr(self, "_in_channels", None)
        if built is not None and channels != built:
            raise ValueError(
                f"Layer {self.name!r} was built for inputs with {built} channels (axis "
                f"{self._channel_axis}), but received input shape {tuple(input_shape)}."
            )
        return channels

    def _add_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def _finish(self, y):
        if self.bias is not None:
            bias = self.bias.value
            if self.data_format == "channels_first":
                bias = jnp.reshape(bias, (-1,) + (1,) * self._rank)
            y = y + bias
        return self.activation(y)

    def _spatial_sizes(self, input_shape):
        return window_output_sizes(self, input_shape, self.kernel_size, self.strides,
                                   self.dilation_rate, self.padding, "kernel")

    def _output_shape(self, input_shape, sizes, channels):
        return with_channels(input_shape[0], sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            bias_initializer=initializers.serialize(self.bias_initializer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            activity_regularizer=regularizers.serialize(self.activity_regularizer),
            bias_constraint=constraints.serialize(self.bias_constraint),
        )
        return config


class _Conv(_BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, bias_constraint,
                         allow_causal=self._rank == 1,
                         activity_regularizer=activity_regularizer, **kwargs)
        check_positive_int(filters, "filters")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups!r}"
            )
        if filters % groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        self.filters, self.groups = filters, groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        self._spatial_sizes(input_shape)
        self._in_channels = channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_input(inputs.shape)
        self._spatial_sizes(inputs.shape)
        padding = self.padding.upper()
        if self.padding == "causal":  # left-pad only: step t sees steps <= t
            padding = [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        y = lax.conv_general_dilated(
            inputs, self.kernel.value, self.strides, padding, rhs_dilation=self.dilation_rate,
            dimension_numbers=self._dims, feature_group_count=self.groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        return self._output_shape(input_shape, self._spatial_sizes(input_shape), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            groups=self.groups,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=constraints.serialize(self.kernel_constraint),
        )
        return config


class Conv1D(_Conv):
    """1D convolution over ``(batch, steps, channels)``; kernel ``(k, in // groups, filters)``.

    ``padding="causal"`` pads on the left only, so output step ``t`` sees inputs up to
    ``t``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3))).shape
    (2, 10, 4)
    """

    _rank = 1


class Conv2D(_Conv):
    """2D convolution over ``(batch, height, width, channels)``.

    The kernel is ``(kh, kw, in_channels // groups, filters)``; ``padding="same"`` keeps
    ``ceil(size / stride)`` positions per axis, ``"valid"`` only full windows.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Conv2D(6, (3, 3), strides=2, padding="same")
    >>> layer(np.ones((1, 8, 8, 2))).shape, layer.kernel.shape
    ((1, 4, 4, 6), (3, 3, 2, 6))
    """

    _rank = 2


class _ConvTranspose(_BaseConv):
    """Transposed convolution of any rank (``_rank``); kernel ``(k..., filters, in)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.output_padding = None if output_padding is None else standardize_tuple(
            output_padding, self._rank, "output_padding", allow_zero=True)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(
                "`output_padding` must be strictly less than `strides` on every axis. "
                f"Received: output_padding={self.output_padding}, strides={self.strides}"
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self._in_channels = channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self._add_bias(self.filters)
        self.built = True

    def _pads(self):
        """(left, right) padding of the stride-dilated input, per axis (Keras's sizes)."""
        pads = []
        for i, (k, s, d) in enumerate(zip(self.kernel_size, self.strides, self.dilation_rate)):
            span = d * (k - 1) + 1
            extra = None if self.output_padding is None else self.output_padding[i]
            if self.padding == "valid":
                extra = max(span, s) - span if extra is None else extra
                pads.append((span - 1, span - 1 + extra))
            else:
                total = s + span - 2 if extra is None else span + span % 2 - 2 + extra
                left = min(total // 2 + total % 2, span - 1)
                pads.append((left, total - left))
        return pads

    def call(self, inputs):
        self._check_input(inputs.shape)
        # A transposed convolution is a convolution of the stride-dilated input with
        # the spatially flipped kernel, its in/out axes swapped.
        kernel = jnp.flip(self.kernel.value, axis=tuple(range(self._rank)))
        kernel = jnp.swapaxes(kernel, -1, -2)
        y = lax.conv_general_dilated(
            inputs, kernel, (1,) * self._rank, self._pads(), lhs_dilation=self.strides,
            rhs_dilation=self.dilation_rate, dimension_numbers=self._dims)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        sizes = []
        for n, k, s, d, (left, right) in zip(spatial_of(input_shape, self.data_format),
                                              self.kernel_size, self.strides,
                                              self.dilation_rate, self._pads()):
            span = d * (k - 1) + 1
            sizes.append(None if n is None else (n - 1) * s + 1 + left + right - span + 1)
        return self._output_shape(input_shape, sizes, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            output_padding=self.output_padding,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            kernel_constraint=constraints.serialize(self.kernel_constraint),
        )
        return config


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution (the gradient of ``Conv2D``): upsamples by ``strides``.

    The kernel has Keras's layout ``(kh, kw, filters, in_channels)``. Output size per
    axis: ``'same'`` gives ``size * stride``; ``'valid'`` gives
    ``(size - 1) * stride + max(kernel, stride)`` (with ``output_padding`` replacing
    the ``max`` term's extra part when given).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    >>> layer(np.ones((1, 4, 4, 5))).shape, layer.kernel.shape
    ((1, 8, 8, 3), (3, 3, 3, 5))
    """

    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class _DepthwiseBase(_BaseConv):
    """Shared by the depthwise and separable convolutions: one filter bank per input
    channel."""

    _dilated_strides_ok = True

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate,
                 depth_multiplier, activation, use_bias, depthwise_initializer,
                 bias_initializer, depthwise_regularizer, bias_regularizer,
                 depthwise_constraint, bias_constraint, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, bias_constraint,
                         **kwargs)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _depthwise(self, inputs, kernel):
        # (k..., in, m) -> (k..., 1, in * m): output channel c * m + j comes from
        # input channel c, as in Keras.
        channels = inputs.shape[self._channel_axis]
        kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * kernel.shape[-1]))
        return lax.conv_general_dilated(
            inputs, kernel, self.strides, self.padding.upper(), rhs_dilation=self.dilation_rate,
            dimension_numbers=self._dims, feature_group_count=channels)

    def _depthwise_weight(self, channels, name):
        return self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name=name)

    def get_config(self):
        config = super().get_config()
        config.update(
            depth_multiplier=self.depth_multiplier,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            depthwise_regularizer=regularizers.serialize(self.depthwise_regularizer),
            depthwise_constraint=constraints.serialize(self.depthwise_constraint),
        )
        return config


class _DepthwiseConv(_DepthwiseBase):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         depthwise_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self._spatial_sizes(input_shape)
        self._in_channels = channels
        self.kernel = self._depthwise_weight(channels, "kernel")
        self._add_bias(channels * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        self._check_input(inputs.shape)
        self._spatial_sizes(inputs.shape)
        return self._finish(self._depthwise(inputs, self.kernel.value))

    def compute_output_shape(self, input_shape):
        channels = self._check_input(input_shape)
        return self._output_shape(input_shape, self._spatial_sizes(input_shape),
                                  channels * self.depth_multiplier)


class DepthwiseConv2D(_DepthwiseConv):
    """Convolves each input channel with its own ``depth_multiplier`` filters.

    Kernel ``(kh, kw, in_channels, depth_multiplier)``; output has
    ``in_channels * depth_multiplier`` channels.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.DepthwiseConv2D(3, depth_multiplier=2)
    >>> layer(np.ones((1, 5, 5, 4))).shape, layer.kernel.shape
    ((1, 3, 3, 8), (3, 3, 4, 2))
    """

    _rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class _SeparableConv(_DepthwiseBase):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         depthwise_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.filters = check_positive_int(filters, "filters")
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        channels = self._check_input(input_shape)
        self._spatial_sizes(input_shape)
        self._in_channels = channels
        self.depthwise_kernel = self._depthwise_weight(channels, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self._rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_input(inputs.shape)
        self._spatial_sizes(inputs.shape)
        y = self._depthwise(inputs, self.depthwise_kernel.value)
        y = lax.conv_general_dilated(y, self.pointwise_kernel.value, (1,) * self._rank, "VALID",
                                     dimension_numbers=self._dims)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        return self._output_shape(input_shape, self._spatial_sizes(input_shape), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
            pointwise_constraint=constraints.serialize(self.pointwise_constraint),
        )
        return config


class SeparableConv2D(_SeparableConv):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution to ``filters``.

    Weights, in Keras's order: ``depthwise_kernel (kh, kw, in, depth_multiplier)``,
    ``pointwise_kernel (1, 1, in * depth_multiplier, filters)``, ``bias (filters,)``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.SeparableConv2D(8, 3, padding="same")
    >>> layer(np.ones((1, 5, 5, 4))).shape, [w.shape for w in layer.weights]
    ((1, 5, 5, 8), [(3, 3, 4, 1), (1, 1, 4, 8), (8,)])
    """

    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)
