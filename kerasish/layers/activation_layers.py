"""Activation layers: ``Activation``, ``ReLU``, ``LeakyReLU``, ``ELU``, ``PReLU``,
``Softmax``.

Each applies a function of :mod:`kerasish.activations` element-wise (``Softmax``
along ``axis``); only ``PReLU`` has a weight (its learned slopes ``alpha``).

>>> import numpy as np, kerasish
>>> np.asarray(kerasish.layers.ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])))
array([0., 3., 6.], dtype=float32)
>>> np.asarray(kerasish.layers.LeakyReLU()(np.array([-1.0, 2.0])))
array([-0.3,  2. ], dtype=float32)
"""

import warnings

import jax.numpy as jnp

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.base import Layer


def _large_negative(dtype):
    # Keras's value: -1e9 overflows float16, so half precision uses -3e4.
    return jnp.asarray(-3e4 if jnp.dtype(dtype) == jnp.float16 else -1e9, dtype)


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # as Keras: element-wise, the mask passes unchanged

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

    Args:
        negative_slope: the slope below 0 (a float >= 0).
        **kwargs: layer keyword arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> LeakyReLU(negative_slope=0.5)(np.array([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 3.0]
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

    def call(self, inputs, mask=None):
        if mask is None:
            return activations.softmax(inputs, axis=self.axis)
        mask = self._check_mask(inputs, jnp.asarray(mask))
        # Keras: masked positions get a large negative logit, then a 0 output (so a
        # fully masked row gives zeros, not a uniform distribution).
        inputs = jnp.where(mask, inputs, _large_negative(inputs.dtype))
        return jnp.where(mask, activations.softmax(inputs, axis=self.axis),
                         jnp.zeros((), inputs.dtype))

    @staticmethod
    def _check_mask(inputs, mask):
        """Keras's rule: the mask broadcasts to ``inputs`` (no extra axes; each axis 1
        or equal, from the right); True, or > 0.5 when not boolean, keeps a position."""
        shapes = f"Received: inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
        if mask.ndim > inputs.ndim:
            raise ValueError(
                "The `mask` must be broadcastable to `inputs` and must not have more "
                f"dimensions. {shapes}")
        if any(m != 1 and m != i for m, i in zip(mask.shape[::-1], inputs.shape[::-1])):
            raise ValueError(
                "The `mask` must be broadcastable to `inputs`. Each mask dimension must be "
                f"1 or match the corresponding input dimension. {shapes}. A sequence mask "
                "(batch, steps) does not fit logits (batch, steps, features): pass a mask "
                "of the logits' rank, e.g. `mask[..., None]`.")
        return mask if mask.dtype == jnp.bool_ else mask > jnp.asarray(0.5, mask.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis)
        return config


class ELU(_Elementwise):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below.

    >>> import numpy as np, kerasish
    >>> np.asarray(kerasish.layers.ELU(alpha=2.0)(np.array([-100.0, 1.0])))
    array([-2.,  1.], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ValueError(f"The `alpha` argument must be a number. Received: alpha={alpha!r}")
        self.alpha = alpha

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config.update(alpha=self.alpha)
        return config


class PReLU(_Elementwise):
    """Leaky ReLU whose negative slopes ``alpha`` are learned: ``max(x, 0) - alpha *
    max(-x, 0)``.

    ``alpha`` has the shape of one sample; ``shared_axes`` (1-indexed, as Keras) share
    one slope along those axes, e.g. ``shared_axes=[1, 2]`` for one slope per channel
    of ``(batch, height, width, channels)`` images.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.PReLU(alpha_initializer="constant", shared_axes=[1, 2])
    >>> y = layer(-np.ones((1, 4, 4, 3)))
    >>> layer.alpha.shape
    (1, 1, 3)
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None:
            shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) \
                else [shared_axes]
            if any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in shared_axes):
                raise ValueError(
                    "The `shared_axes` argument must list axes as integers >= 1 (the batch "
                    f"axis 0 is always separate). Received: shared_axes={shared_axes!r}")
        self.shared_axes = shared_axes

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(
                    f"Layer {self.name!r}: shared_axes={self.shared_axes} names axis {axis}, "
                    f"but the input has rank {len(input_shape)} (shape {tuple(input_shape)}).")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(
                f"Layer {self.name!r} (PReLU) needs known sizes on every non-shared axis. "
                f"Received input shape {tuple(input_shape)}; pass shared_axes for the "
                "unknown ones.")
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")
        self.built = True

    def call(self, inputs):
        return jnp.maximum(inputs, 0) - self.alpha.value * jnp.maximum(-inputs, 0)

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                      alpha_constraint=constraints.serialize(self.alpha_constraint),
                      shared_axes=self.shared_axes)
        return config
