"""Core layers: ``Dense`` (and the symbolic ``Input``/``InputLayer``)."""

import jax.numpy as jnp

from kerasish import activations, constraints, initializers, regularizers
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
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
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
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
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
            kernel_constraint=constraints.serialize(self.kernel_constraint),
            bias_constraint=constraints.serialize(self.bias_constraint),
        )
        return config


class InputLayer(Layer):
    """The entry point of a model: holds the input shape; no weights.

    Usually created through :func:`Input`. As in Keras, give ``shape`` (without the
    batch axis, optionally with ``batch_size``) or ``batch_shape``, or an existing
    symbolic tensor as ``input_tensor``, which then becomes this layer's output.

    >>> layer = InputLayer(shape=(3,), batch_size=4)
    >>> layer.output.shape
    (4, 3)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, name=None, **kwargs):
        if "input_shape" in kwargs:  # Keras 2's name, still accepted by Keras 3
            if shape is not None:
                raise ValueError("Pass `shape` or its old name `input_shape`, not both. "
                                 f"Received: shape={shape}, input_shape={kwargs['input_shape']}")
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            if batch_shape is not None:
                raise ValueError(
                    "Pass `batch_shape` or its old name `batch_input_shape`, not both. "
                    f"Received: batch_shape={batch_shape}, "
                    f"batch_input_shape={kwargs['batch_input_shape']}")
            batch_shape = kwargs.pop("batch_input_shape")
        if "input_dim" in kwargs:
            raise ValueError(
                "InputLayer takes `shape`, not `input_dim`. Received: "
                f"input_dim={kwargs['input_dim']!r}; pass shape=({kwargs['input_dim']!r},).")
        if sparse:
            raise ValueError(
                "`sparse=True` is not supported by kerasish: inputs are dense JAX arrays. "
                f"Received: sparse={sparse!r}. Remove it and densify sparse data first "
                "(e.g. `x.toarray()` for a scipy matrix).")
        if input_tensor is not None:
            batch_shape, dtype = _from_input_tensor(input_tensor, shape, batch_size,
                                                    batch_shape, dtype)
        elif batch_shape is not None:
            if shape is not None:
                raise ValueError("You cannot pass both `shape` and `batch_shape` at the same "
                                 f"time. Received: shape={shape}, batch_shape={batch_shape}")
            if batch_size is not None:
                raise ValueError(
                    "You cannot pass both `batch_size` and `batch_shape` at the same time. "
                    f"Received: batch_size={batch_size}, batch_shape={batch_shape}")
        else:
            if shape is None:
                raise ValueError("InputLayer needs `shape` (e.g. shape=(400,)). Received none.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.batch_shape = tuple(batch_shape)
        self.sparse = False
        if input_tensor is not None:
            input_tensor._keras_history = (self, None)  # Keras re-points it to this layer
            self._output_tensor = input_tensor
        else:
            self._output_tensor = KerasTensor(self.batch_shape, dtype=self.dtype,
                                              name=self.name, history=(self, None))
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def _from_input_tensor(tensor, shape, batch_size, batch_shape, dtype):
    """(batch_shape, dtype) of ``tensor``, after Keras's compatibility checks."""
    if not isinstance(tensor, KerasTensor):
        raise ValueError(
            "Argument `input_tensor` (`tensor` of `Input`) must be a symbolic KerasTensor, "
            "such as the output of `kerasish.Input` or of a layer called on one. Received: "
            f"{tensor!r} of type {type(tensor).__name__}")
    if isinstance(shape, int):
        shape = (shape,)
    checks = (
        ("batch_size", batch_size, lambda: tensor.shape[:1] == (batch_size,)),
        ("shape", shape, lambda: tuple(tensor.shape[1:]) == tuple(shape)),
        ("batch_shape", batch_shape, lambda: tuple(tensor.shape) == tuple(batch_shape)),
        ("dtype", dtype, lambda: tensor.dtype == KerasTensor((), dtype).dtype),
    )
    for arg, value, compatible in checks:
        if value is not None and not compatible():
            raise ValueError(
                f"When providing the `input_tensor` argument, you cannot provide an "
                f"incompatible `{arg}` argument. Received: {arg}={value!r} for a tensor of "
                f"shape {tensor.shape} and dtype {tensor.dtype}.")
    return tensor.shape, tensor.dtype


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
          name=None, tensor=None):
    """A symbolic input: ``kerasish.Input(shape=(400,))`` has shape ``(None, 400)``.

    ``tensor`` wraps an existing symbolic tensor (it becomes the new input, as in
    Keras); ``sparse=True`` is refused (inputs are dense arrays).

    >>> import kerasish
    >>> kerasish.Input(shape=(400,)).shape
    (None, 400)
    >>> kerasish.Input(batch_shape=(8, 400)).shape
    (8, 400)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, name=name)
    return layer.output
