"""Adaptive pooling: ``AdaptiveAveragePooling1D/2D/3D`` and
``AdaptiveMaxPooling1D/2D/3D`` pool any spatial size down to ``output_size``.

Output position ``i`` of an axis of size ``n`` pools the inputs
``floor(i * n / out) .. ceil((i + 1) * n / out) - 1`` (the windows of PyTorch's
``AdaptiveAvgPool``, which Keras's also uses); the axes are pooled one after another.

>>> import numpy as np, kerasish
>>> x = np.arange(5.0).reshape(1, 5, 1)
>>> np.asarray(kerasish.layers.AdaptiveAveragePooling1D(2)(x))[0, :, 0]
array([1., 3.], dtype=float32)
"""

import numpy as np
import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.conv import check_data_format, check_rank, with_channels


def _windows(n, out):
    """A (n, out) 0/1 matrix: column i marks the inputs of output position i."""
    starts = (np.arange(out) * n) // out
    ends = -((-(np.arange(1, out + 1) * n)) // out)  # ceil
    rows = np.arange(n)[:, None]
    return (rows >= starts[None]) & (rows < ends[None])


class _AdaptivePooling(Layer):
    _rank = 2
    _mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        size = (output_size,) * self._rank if isinstance(output_size, int) \
            and not isinstance(output_size, bool) else output_size
        try:
            size = tuple(size)
        except TypeError:
            size = None
        if size is None or len(size) != self._rank or any(
                isinstance(d, bool) or not isinstance(d, int) or d <= 0 for d in size):
            raise ValueError(
                f"`output_size` must be a positive integer or a tuple of {self._rank} "
                f"positive integers. Received: output_size={output_size!r}")
        self.output_size = size
        self.data_format = check_data_format(data_format)

    def call(self, inputs):
        check_rank(self, inputs.shape, self._rank)
        first = 1 if self.data_format == "channels_last" else 2
        y = inputs
        for axis, out in zip(range(first, first + self._rank), self.output_size):
            n = y.shape[axis]
            if n is not None and n < out:
                raise ValueError(
                    f"Layer {self.name!r} cannot pool spatial axis {axis} of size {n} to "
                    f"output_size {out}: the output cannot be larger than the input. "
                    f"Received input shape {tuple(inputs.shape)}.")
            y = jnp.moveaxis(y, axis, -1)
            windows = _windows(n, out)
            if self._mode == "average":
                y = y @ jnp.asarray(windows / windows.sum(0), y.dtype)
            else:
                y = jnp.max(jnp.where(jnp.asarray(windows), y[..., None], -jnp.inf), axis=-2)
            y = jnp.moveaxis(y, -1, axis)
        return y

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        return with_channels(input_shape[0], self.output_size, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(output_size=self.output_size, data_format=self.data_format)
        return config


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Averages ``(batch, steps, channels)`` down to ``output_size`` steps.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AdaptiveAveragePooling1D(3)(np.ones((2, 10, 4))).shape
    (2, 3, 4)
    """

    _rank, _mode = 1, "average"


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Averages ``(batch, height, width, channels)`` down to ``output_size``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AdaptiveAveragePooling2D((2, 3))(np.ones((1, 7, 9, 4))).shape
    (1, 2, 3, 4)
    """

    _rank, _mode = 2, "average"


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Averages ``(batch, depth, height, width, channels)`` down to ``output_size``.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AdaptiveAveragePooling3D(2)(np.ones((1, 5, 5, 5, 3))).shape
    (1, 2, 2, 2, 3)
    """

    _rank, _mode = 3, "average"


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Maximum of ``(batch, steps, channels)`` over ``output_size`` windows.

    >>> import numpy as np, kerasish
    >>> x = np.arange(5.0).reshape(1, 5, 1)
    >>> np.asarray(kerasish.layers.AdaptiveMaxPooling1D(2)(x))[0, :, 0]
    array([2., 4.], dtype=float32)
    """

    _rank, _mode = 1, "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Maximum of ``(batch, height, width, channels)`` over ``output_size`` windows.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AdaptiveMaxPooling2D(2)(np.ones((1, 5, 6, 3))).shape
    (1, 2, 2, 3)
    """

    _rank, _mode = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Maximum of ``(batch, depth, height, width, channels)`` over ``output_size``
    windows.

    >>> import numpy as np, kerasish
    >>> kerasish.layers.AdaptiveMaxPooling3D((1, 2, 2))(np.ones((1, 3, 4, 4, 2))).shape
    (1, 1, 2, 2, 2)
    """

    _rank, _mode = 3, "max"
