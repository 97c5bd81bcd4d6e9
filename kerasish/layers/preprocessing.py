"""Preprocessing layers: ``Normalization`` (feature-wise standardisation with ``adapt``).

>>> import numpy as np, kerasish
>>> norm = kerasish.layers.Normalization(axis=-1)
>>> norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> np.asarray(norm(np.array([[2.0, 20.0]])))
array([[0., 0.]], dtype=float32)
"""

import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.layers.base import Layer


class Normalization(Layer):
    """Shift and scale inputs to mean 0 and standard deviation 1 per feature.

    ``adapt(data)`` computes the mean and the *population* variance (as Keras does)
    over every axis not in ``axis``; they are stored as non-trainable weights
    (``mean``, ``variance``, ``count``), so they are saved with the model and never
    touched by the optimizer. ``invert=True`` maps standardised values back.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"All `axis` values must be in the range [-ndim, ndim). Received inputs "
                f"with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Normalization needs a known size on every kept axis. Received "
                    f"axis={self.axis}, input shape {tuple(input_shape)}."
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in self._keep_axis)
        self.adapt_mean = self.add_weight(name="mean", shape=stat_shape,
                                          initializer="zeros", trainable=False)
        self.adapt_variance = self.add_weight(name="variance", shape=stat_shape,
                                              initializer="ones", trainable=False)
        self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                     initializer="zeros", trainable=False)
        if self.input_mean is not None:
            self.adapt_mean.assign(np.broadcast_to(self.input_mean, stat_shape))
            self.adapt_variance.assign(np.broadcast_to(self.input_variance, stat_shape))
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and (population) variance of ``data`` on the host."""
        data = np.asarray(data, dtype=np.float64)
        if data.ndim == 0 or data.shape[0] == 0:
            raise ValueError(f"adapt() needs a non-empty array. Received shape {data.shape}.")
        if not np.all(np.isfinite(data)):
            raise ValueError("adapt() received NaN or inf values; remove them first.")
        if not self.built:
            self._maybe_build((None,) + data.shape[1:])
        elif tuple(data.shape[1:]) != tuple(self.adapt_mean.shape) and len(self._keep_axis) == 1 \
                and data.shape[self._keep_axis[0]] != self.adapt_mean.shape[0]:
            raise ValueError(
                f"adapt() data has shape {data.shape}, but layer {self.name!r} was built "
                f"for statistics of shape {self.adapt_mean.shape}."
            )
        mean = data.mean(axis=self._reduce_axis)
        variance = data.var(axis=self._reduce_axis)  # ddof=0: Keras's population variance
        self.adapt_mean.assign(mean.reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(variance.reshape(self.adapt_variance.shape))
        self.count.assign(int(np.prod([data.shape[d] for d in self._reduce_axis])))

    def call(self, inputs):
        mean = jnp.reshape(self.adapt_mean.value, self._broadcast_shape)
        std = jnp.maximum(jnp.sqrt(jnp.reshape(self.adapt_variance.value,
                                               self._broadcast_shape)), config.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config_ = super().get_config()
        config_.update(axis=self.axis, invert=self.invert,
                       mean=None if self.input_mean is None else np.asarray(self.input_mean).tolist(),
                       variance=None if self.input_variance is None
                       else np.asarray(self.input_variance).tolist())
        return config_
