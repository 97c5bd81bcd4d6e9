"""More normalization layers: ``GroupNormalization`` (statistics per sample and group
of channels), ``UnitNormalization`` (L2 norm 1 along ``axis``) and
``RMSNormalization`` (divide by the root mean square, times a learned ``scale``).

>>> import numpy as np, kerasish
>>> y = kerasish.layers.UnitNormalization()(np.array([[3.0, 4.0]]))
>>> np.asarray(y)
array([[0.6, 0.8]], dtype=float32)
"""

import jax
import jax.numpy as jnp

from kerasish import constraints, initializers, regularizers
from kerasish.layers.base import Layer
from kerasish.layers.normalization import _at_least_float32, _normalize
from kerasish.variables import autocast


def _check_axis_arg(axis):
    if isinstance(axis, (list, tuple)):
        axis = list(axis)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            return axis
    elif isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(
        "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
        f"Received: axis={axis!r}")


def _axes_of(layer, axis, shape):
    axes = axis if isinstance(axis, list) else [axis]
    ndim = len(shape)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"Layer {layer.name!r}: axis {a} is out of bounds for input shape "
                f"{tuple(shape)}. Received: axis={axis}")
    return sorted(a % ndim for a in axes)


class GroupNormalization(Layer):
    """Normalizes each sample over groups of channels: the ``axis`` channels are split
    into ``groups`` groups, and each group is normalized with its own mean and
    variance over every other non-batch axis; then ``gamma``/``beta`` per channel.

    ``groups=-1`` makes one group per channel (instance normalization), ``groups=1``
    one group (layer normalization over all axes).

    Args:
        groups: number of groups; the channels must divide evenly.
        axis: the channels axis.
        epsilon, center, scale, beta_*/gamma_*: as in ``LayerNormalization``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.GroupNormalization(groups=2)
    >>> layer(np.random.default_rng(0).normal(size=(2, 5, 4))).shape, layer.gamma.shape
    ((2, 5, 4), (4,))
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive "
                f"integer (or `-1` for instance normalization). Received: groups={groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"The `axis` argument must be an integer. Received: axis={axis!r}")
        super().__init__(**kwargs)
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        axis = _axes_of(self, self.axis, input_shape)[0]
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim  # as Keras: the config then shows the channel count
        if dim < self.groups or dim % self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) must divide the number of channels "
                f"({dim}, axis {self.axis} of input shape {tuple(input_shape)}). Choose "
                "`groups` among the divisors of the channel count.")
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma",
                                         autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, name="beta",
                                        autocast=False)
        self.built = True

    def call(self, inputs):
        axis = _axes_of(self, self.axis, inputs.shape)[0]
        shape = inputs.shape
        grouped = shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1:]
        per_channel = [1] * len(grouped)
        per_channel[axis:axis + 2] = grouped[axis:axis + 2]
        reduce = tuple(a for a in range(1, len(grouped)) if a != axis)
        with autocast(None):  # float32 statistics under a mixed policy, as Keras
            x = jnp.reshape(_at_least_float32(inputs), grouped)
            mean = jnp.mean(x, axis=reduce, keepdims=True)
            variance = jnp.var(x, axis=reduce, keepdims=True)
            gamma = None if self.gamma is None else jnp.reshape(self.gamma.value, per_channel)
            beta = None if self.beta is None else jnp.reshape(self.beta.value, per_channel)
            y = _normalize(x, mean, variance, gamma, beta, self.epsilon)
        return jnp.reshape(y, shape).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        _axes_of(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            groups=self.groups, axis=self.axis, epsilon=self.epsilon, center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            beta_regularizer=regularizers.serialize(self.beta_regularizer),
            gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
            beta_constraint=constraints.serialize(self.beta_constraint),
            gamma_constraint=constraints.serialize(self.gamma_constraint))
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis`` (an int or a list of ints):
    ``x * min(1 / ||x||, 1e12)``, as Keras.

    >>> import numpy as np, kerasish
    >>> y = kerasish.layers.UnitNormalization(axis=[1, 2])(np.ones((2, 2, 2)))
    >>> np.asarray(y)[0, 0]
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis_arg(axis)
        self.supports_masking = True

    def call(self, inputs):
        axes = tuple(_axes_of(self, self.axis, inputs.shape))
        squares = jnp.sum(jnp.square(inputs), axis=axes, keepdims=True)
        # Keras's ops.normalize: rsqrt, capped at 1 / epsilon (epsilon 1e-12).
        return inputs * jnp.minimum(jax.lax.rsqrt(squares), 1e12)

    def compute_output_shape(self, input_shape):
        _axes_of(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config


class RMSNormalization(Layer):
    """``x / sqrt(mean(x**2 over axis) + epsilon) * scale``, with a learned ``scale``
    of the shape of the ``axis`` axes (initialized to ones).

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.RMSNormalization()
    >>> np.asarray(layer(np.array([[3.0, -3.0]]))).round(4), layer.scale.shape
    (array([[ 1., -1.]], dtype=float32), (2,))
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis_arg(axis)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"The `epsilon` argument must be a number >= 0. "
                             f"Received: epsilon={epsilon!r}")
        self.epsilon = epsilon

    def build(self, input_shape):
        if isinstance(self.axis, list):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[a] for a in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]  # as Keras: the config shows the list once built
        _axes_of(self, self.axis, input_shape)
        self.scale = self.add_weight(shape=shape, initializer="ones", name="scale")
        self.built = True

    def call(self, inputs):
        axes = tuple(_axes_of(self, self.axis, inputs.shape))
        x = _at_least_float32(inputs)
        rrms = jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + self.epsilon)
        shape = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        scale = jnp.reshape(self.scale.value.astype(x.dtype), shape)
        return (x * rrms * scale).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        _axes_of(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config
