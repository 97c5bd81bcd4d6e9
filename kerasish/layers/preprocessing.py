"""Preprocessing layers: ``Normalization`` (feature-wise standardisation with ``adapt``).

>>> import numpy as np, kerasish
>>> norm = kerasish.layers.Normalization(axis=-1)
>>> norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
>>> np.asarray(norm(np.array([[2.0, 20.0]])))
array([[0., 0.]], dtype=float32)
"""

import itertools

import jax
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

    >>> import numpy as np
    >>> norm = Normalization()
    >>> norm.adapt(np.array([[1.0], [3.0]]))  # mean 2, variance 1
    >>> norm(np.array([[2.0], [5.0]])).tolist()
    [[0.0], [3.0]]
    >>> Normalization(mean=2.0, variance=4.0, invert=True)(np.array([[1.0]])).tolist()
    [[4.0]]
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
        self.supports_masking = True  # as Keras: element-wise, the mask passes unchanged

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
        """Compute the mean and (population) variance of ``data`` on the host.

        ``data`` is an array (or nested lists), or an iterable of batches (a generator,
        a ``PyDataset``, any iterator; a batch may be a tuple ``(x, ...)``, whose ``x``
        is used, as in Keras).

        * ``batch_size``: for an array, read it in slices of that many samples, each
          folded into running statistics (bounded memory; the result is the same).
          Refused for an iterable, which is batched already (as Keras 2 did).
        * ``steps``: use only the first ``steps`` batches; for an array, batches of
          ``batch_size`` samples, 32 when not given (Keras 2's default).

        Batches are combined exactly in float64 (Chan et al.'s pairwise update), so
        how the data is split does not change the statistics.
        """
        batch_size = _check_count("batch_size", batch_size)
        steps = _check_count("steps", steps)
        batches = _batches(data, batch_size, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError("adapt() received no data (an empty iterable, or steps "
                             "that cover no batch). Pass at least one non-empty batch.")
        if not self.built:
            self._maybe_build((None,) + first.shape[1:])
        count, mean, m2 = 0, None, None
        for batch in itertools.chain([first], batches):
            self._check_adapt_batch(batch)
            n = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
            b_mean = batch.mean(axis=self._reduce_axis)
            b_m2 = batch.var(axis=self._reduce_axis) * n  # ddof=0: Keras's population variance
            if count == 0:
                count, mean, m2 = n, b_mean, b_m2
                continue
            if 0 in self._keep_axis:
                raise ValueError(
                    f"Layer {self.name!r} keeps the batch axis (axis={self.axis}), so its "
                    "statistics cannot be accumulated over several batches. Pass the data "
                    "as one array, without `batch_size` or `steps`.")
            total = count + n
            delta = b_mean - mean
            mean = mean + delta * (n / total)
            m2 = m2 + b_m2 + delta**2 * (count * n / total)
            count = total
        self.adapt_mean.assign(mean.reshape(self.adapt_mean.shape))
        self.adapt_variance.assign((m2 / count).reshape(self.adapt_variance.shape))
        self.count.assign(count)

    def _check_adapt_batch(self, batch):
        if batch.ndim == 0 or batch.shape[0] == 0:
            raise ValueError(f"adapt() needs non-empty batches. Received shape {batch.shape}.")
        if not np.all(np.isfinite(batch)):
            raise ValueError("adapt() received NaN or inf values; remove them first.")
        expected = tuple(self._broadcast_shape[d] for d in self._keep_axis)
        got = tuple(batch.shape[d] if d < batch.ndim else None for d in self._keep_axis)
        if batch.ndim != len(self._broadcast_shape) or got != expected:
            raise ValueError(
                f"adapt() data has shape {batch.shape}, but layer {self.name!r} was built "
                f"for statistics of shape {self.adapt_mean.shape}.")

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


def _check_count(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive integer or None. "
            f"Received: {name}={value!r}")
    return int(value)


def _as_batch(batch):
    if isinstance(batch, tuple):  # (x, y) or (x, y, sample_weight): the features, as Keras
        batch = batch[0]
    return np.asarray(batch, dtype=np.float64)


def _batches(data, batch_size, steps):
    """The batches ``adapt`` reads, as float64 arrays (an iterator)."""
    if isinstance(data, (np.ndarray, jax.Array, list, tuple)) or np.isscalar(data):
        array = np.asarray(data, dtype=np.float64)
        if array.ndim == 0:
            raise ValueError(f"adapt() needs an array of samples. Received shape {array.shape}.")
        size = batch_size or (32 if steps is not None else max(len(array), 1))
        starts = range(0, len(array), size)
        if steps is not None:
            starts = starts[:steps]
        return (array[i:i + size] for i in starts)
    if batch_size is not None:
        raise ValueError(
            "`batch_size` applies to array data only: an iterable of batches is batched "
            f"already. Remove `batch_size`, or pass one array. Received: batch_size={batch_size}")
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):  # a PyDataset
        source = (data[i] for i in range(len(data)))
    elif hasattr(data, "__iter__"):
        source = iter(data)
    else:
        raise TypeError(
            "adapt() expects an array or an iterable of batches (a generator, a PyDataset). "
            f"Received: {type(data).__name__}")
    return (_as_batch(b) for b in itertools.islice(source, steps))
