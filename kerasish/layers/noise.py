"""Regularization layers that add noise while training (``SpatialDropout1D/2D/3D``,
``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``) and
``ActivityRegularization``. Outside training (``training`` not True) each is the
identity. Keys come from :func:`kerasish.layers.regularization.draw_key`, as
``Dropout``'s: the compiled step's key inside ``fit``.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.GaussianNoise(0.1, seed=0)
>>> x = np.ones((2, 3))
>>> bool((np.asarray(layer(x)) == x).all()), bool((np.asarray(layer(x, training=True)) != x).any())
(True, True)
"""

import math

import jax
import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.conv import check_data_format
from kerasish.layers.regularization import Dropout, check_rate, check_seed, draw_key
from kerasish.regularizers import L1L2


class _SpatialDropout(Dropout):
    _rank = 1

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = check_data_format(data_format)

    def call(self, inputs, training=False):
        if inputs.ndim != self._rank + 2:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank "
                f"{self._rank + 2}. Received input shape {tuple(inputs.shape)}.")
        if not training or self.rate == 0:
            return inputs
        # One keep/drop decision per (sample, channel): whole feature maps go.
        channel = -1 if self.data_format == "channels_last" else 1
        shape = [1] * inputs.ndim
        shape[0], shape[channel] = inputs.shape[0], inputs.shape[channel]
        keep_prob = 1.0 - self.rate
        keep = jax.random.bernoulli(draw_key(self), keep_prob, tuple(shape))
        return jnp.where(keep, inputs / keep_prob, jnp.zeros_like(inputs))

    def get_config(self):
        # Keras's exact keys (its constructor takes no other keyword).
        config = {"rate": self.rate, "seed": self.seed, "name": self.name,
                  "dtype": self.dtype_policy.name}
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of ``(batch, steps, channels)``: each sample keeps or
    drops each channel at every step together.

    >>> import numpy as np, kerasish
    >>> y = np.asarray(kerasish.layers.SpatialDropout1D(0.5, seed=1)(np.ones((4, 6, 3)),
    ...                                                                training=True))
    >>> bool((y == y[:, :1, :]).all())  # the same decision at every step
    True
    """

    _rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, None, seed=seed, name=name, dtype=dtype)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of ``(batch, height, width, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.SpatialDropout2D(0.5)(np.ones((2, 4, 4, 3)), training=True).shape
    (2, 4, 4, 3)
    """

    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature maps of ``(batch, depth, height, width, channels)``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.SpatialDropout3D(0.5)(np.ones((2, 2, 2, 2, 3))).shape
    (2, 2, 2, 2, 3)
    """

    _rank = 3


class _Noise(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_seed(seed)
        self._draws = 0
        self.supports_masking = True  # as Keras: element-wise, the mask passes

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training.

    Args:
        stddev: the noise's standard deviation, in ``[0, 1]`` (Keras's range).
        seed: an int, for reproducible noise.

    >>> import numpy as np, kerasish
    >>> y = kerasish.layers.GaussianNoise(0.5, seed=0)(np.zeros((1000, 10)), training=True)
    >>> round(float(np.std(np.asarray(y))), 1)
    0.5
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.stddev = check_rate(stddev, "stddev")

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = jax.random.normal(draw_key(self), inputs.shape, inputs.dtype)
        return inputs + self.stddev * noise

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(_Noise):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` while training.

    >>> import numpy as np, kerasish
    >>> y = kerasish.layers.GaussianDropout(0.5, seed=0)(np.ones((1000, 10)), training=True)
    >>> round(float(np.mean(np.asarray(y))), 1), round(float(np.std(np.asarray(y))), 1)
    (1.0, 1.0)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = check_rate(rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = jax.random.normal(draw_key(self), inputs.shape, inputs.dtype)
        return inputs * (1.0 + stddev * noise)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class AlphaDropout(_Noise):
    """Dropout for SELU networks: dropped entries take SELU's negative saturation value
    and an affine map keeps the mean and variance of the inputs (Keras's formula).

    Args:
        rate: the fraction of entries dropped.
        noise_shape: one keep/drop decision per broadcast group (``None`` entries:
            the input's size).
        seed: an int, for reproducible masks.

    >>> import numpy as np, kerasish
    >>> x = np.random.default_rng(0).normal(size=(2000, 10)).astype("float32")
    >>> y = np.asarray(kerasish.layers.AlphaDropout(0.2, seed=0)(x, training=True))
    >>> round(float(y.mean()), 1), round(float(y.std()), 1)
    (0.0, 1.0)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = check_rate(rate)
        if noise_shape is not None:
            noise_shape = tuple(noise_shape)
            if any(d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0)
                   for d in noise_shape):
                raise ValueError(
                    "Invalid value received for argument `noise_shape`. Expected a tuple "
                    f"of positive integers or None. Received: noise_shape={noise_shape!r}")
        self.noise_shape = noise_shape

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            if len(self.noise_shape) != inputs.ndim:
                raise ValueError(
                    f"Layer {self.name!r}: noise_shape={self.noise_shape} must have one "
                    f"entry per input axis; the input has shape {tuple(inputs.shape)}.")
            shape = tuple(n if d is None else d for d, n in zip(self.noise_shape, shape))
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        kept = (jax.random.uniform(draw_key(self), shape) >= self.rate).astype(inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)
        return config


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x**2)`` (divided by the batch
    size, as every activity regularizer) to the model's losses.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.ActivityRegularization(l1=0.5)
    >>> _ = layer(np.array([[1.0, -3.0]]))
    >>> [float(v) for v in layer.losses]
    [2.0]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        for name, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(
                    f"The `{name}` argument must be a number >= 0. Received: {name}={value!r}")
        super().__init__(activity_regularizer=L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # made from l1 and l2, as Keras's
        config.update(l1=self.l1, l2=self.l2)
        return config
