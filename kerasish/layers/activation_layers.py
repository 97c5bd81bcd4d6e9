"""Activation layers: ``Activation``, ``ReLU``, ``LeakyReLU``, ``Softmax``.

Each applies a function of :mod:`kerasish.activations` element-wise (``Softmax``
along ``axis``); none has weights.

>>> import numpy as np, kerasish
>>> np.asarray(kerasish.layers.ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])))
array([0., 3., 6.], dtype=float32)
>>> np.asarray(kerasish.layers.LeakyReLU()(np.array([-1.0, 2.0])))
array([-0.3,  2. ], dtype=float32)
"""

import warnings

from kerasish import activations
from kerasish.layers.base import Layer


class _Elementwise(Layer):
    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class Activation(_Elementwise):
    """Applies ``activation`` (a name such as ``"relu"`` or a function).

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.Activation("sigmoid")(np.zeros(2)))
    array([0.5, 0.5], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config.update(activation=activations.serialize(self.activation))
        return config


def _check_non_negative(layer, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) \
            or value < 0:
        raise ValueError(
            f"{name} of a {layer} layer cannot be None or a negative value. Expected a "
            f"number >= 0. Received: {name}={value!r}"
        )
    return value


class ReLU(_Elementwise):
    """``max(x, 0)``, with Keras's options: values below ``threshold`` become
    ``negative_slope * (x - threshold)``; ``max_value`` clips from above.

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.ReLU(negative_slope=0.5)(np.array([-2.0, 2.0])))
    array([-1.,  2.], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _check_non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _check_non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _check_non_negative("ReLU", "threshold", threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(_Elementwise):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below; the layer's default slope is
    0.3 (the function ``activations.leaky_relu`` defaults to 0.2, as in Keras).
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # the Keras 2 name, still accepted by Keras 3
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        self.negative_slope = _check_non_negative("LeakyReLU", "negative_slope", negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config.update(negative_slope=self.negative_slope)
        return config


class Softmax(_Elementwise):
    """Softmax along ``axis`` (an int, or a tuple of ints normalised together).

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.Softmax()(np.zeros((1, 4))))
    array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config
