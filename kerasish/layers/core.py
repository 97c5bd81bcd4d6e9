"""Core layers: ``Dense`` (and the symbolic ``Input``/``InputLayer``)."""

import jax.numpy as jnp

from kerasish import activations, initializers, regularizers
from kerasish.layers.base import KerasTensor, Layer


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        try:
            ok = float(value) == int(value) and int(value) > 0 and not isinstance(value, bool)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                f"Received an invalid value for `{name}`, expected a positive integer. "
                f"Received: {name}={value!r}"
            )
    return int(value)


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)``.

    The kernel has Keras's layout ``(input_dim, units)``.

    >>> import numpy as np, kerasish
    >>> layer = kerasish.layers.Dense(units=25, activation="sigmoid")
    >>> y = layer(np.ones((4, 400)))
    >>> y.shape, layer.kernel.shape, layer.bias.shape
    ((4, 25), (400, 25), (25,))
    >>> layer.activation is kerasish.activations.sigmoid
    True
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _check_positive_int("units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        if kernel_constraint is not None or bias_constraint is not None:
            raise NotImplementedError(
                "Dense: weight constraints (kernel_constraint, bias_constraint) are not "
                "supported yet by kerasish. Received: "
                f"kernel_constraint={kernel_constraint!r}, bias_constraint={bias_constraint!r}"
            )
        self.supports_masking = True  # Keras: a mask passes through Dense unchanged

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Layer {self.name!r} needs a known last input dimension to create its "
                f"kernel. Received input_shape={tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                name="bias",
            )
        self.built = True

    def call(self, inputs):
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Layer {self.name!r} expects inputs with last dimension "
                f"{self.kernel.shape[0]}, but received input with shape {tuple(inputs.shape)}."
            )
        y = jnp.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            y = y + self.bias.value
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=None,
            bias_constraint=None,
        )
        return config


class InputLayer(Layer):
    """The entry point of a model: holds the input shape; no weights.

    Usually created through :func:`Input`.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **{k: v for k, v in kwargs.items()
                                                    if k != "input_shape"})
        if shape is None and "input_shape" in kwargs:
            shape = kwargs["input_shape"]
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` (e.g. shape=(400,)). Received none.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(batch_shape)
        self._output_tensor = KerasTensor(self.batch_shape, dtype=self.dtype,
                                          name=self.name, history=(self, None))
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": False, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
          name=None, tensor=None):
    """A symbolic input: ``kerasish.Input(shape=(400,))`` has shape ``(None, 400)``.

    >>> import kerasish
    >>> kerasish.Input(shape=(400,)).shape
    (None, 400)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    return layer.output
