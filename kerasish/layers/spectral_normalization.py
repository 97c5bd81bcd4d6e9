"""``SpectralNormalization``: a wrapper that divides a layer's kernel by its largest
singular value (estimated by power iteration) while training.

>>> import numpy as np, kerasish
>>> layer = kerasish.layers.SpectralNormalization(kerasish.layers.Dense(4, name="d"))
>>> layer(np.ones((2, 3), "float32"), training=True).shape
(2, 4)
>>> [w.path.split("/", 1)[1] for w in layer.weights]  # Keras's order
['d/kernel', 'vector_u', 'd/bias']
"""

import numbers

import jax
import jax.numpy as jnp

from kerasish import initializers
from kerasish.layers.base import Layer
from kerasish.layers.rnn_cells import _serialization, deserialize_layer, keras_names
from kerasish.ops import nn as nn_ops
from kerasish.variables import autocast, current_scope


class _WithoutKernel:
    """The wrapped layer as the weight walks see it inside the wrapper: its variables
    and sub-layers, less the kernel.

    Keras's wrapper tracks the wrapped kernel as its own weight too (``weights`` is
    ``[kernel, vector_u, bias]``; the wrapper's saved group holds kernel and
    ``vector_u``, the wrapped layer's group kernel and bias) and counts it once. Here
    a variable is counted once per layer that lists it, so the wrapper lists the
    kernel and this view stands for the wrapped layer in its ``_layers``; the
    wrapped layer itself (``wrapper.layer``, saved at ``.../layer``) is untouched.
    The view shares the wrapped layer's attributes (its ``__dict__``: name, the
    losses of its last eager call ...); ``_wrapped``/``_kernel`` are set per view
    class by ``_view_of``.
    """

    _wrapped = _kernel = None

    @property
    def _own_variables(self):
        return [v for v in self._wrapped._own_variables if v is not self._kernel]

    @property
    def _layers(self):
        return self._wrapped._layers

    @property
    def _trainable(self):
        return self._wrapped._trainable

    @property
    def trainable(self):
        return self._wrapped.trainable

    @trainable.setter
    def trainable(self, value):
        self._wrapped.trainable = value

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


def _view_of(layer, kernel):
    # Named after the wrapped class's module: the engine reads it (convolutions on the
    # CPU train one step per compiled call).
    cls = type(f"_{type(layer).__name__}WithoutKernel", (_WithoutKernel,),
               {"__module__": type(layer).__module__, "_wrapped": layer, "_kernel": kernel})
    view = cls()
    view.__dict__ = layer.__dict__
    return view


def _set_paths(layer, prefix):
    for v in layer._own_variables:
        v.path = f"{prefix}/{v.name}"
    for sub in layer._layers:
        _set_paths(sub, f"{prefix}/{sub.name}")


class SpectralNormalization(Layer):
    """Divide the wrapped layer's kernel by its spectral norm (largest singular value)
    while training, which bounds the layer's Lipschitz constant (stabilises GANs).

    In a training call the norm is estimated by ``power_iterations`` steps of power
    iteration from the non-trainable ``vector_u`` (shape ``(1, kernel.shape[-1])``,
    updated by the call), then the kernel divided by it is used by the wrapped layer.
    As in Keras: an eager training call writes the normalised kernel into the layer;
    inside ``fit`` the weights keep their raw kernel (the gradient flows through the
    normalisation, ``vector_u`` is carried as state); at inference the kernel is used
    as it is. An all-zero kernel is left unchanged. The wrapped layer's kernel
    regularizer sees the normalised kernel in a training call, as in Keras.

    Args:
        layer: a layer with a ``kernel`` (``Dense``, ``Conv2D`` ...) or ``embeddings``
            (``Embedding``) weight.
        power_iterations: the number of power iterations per training call (>= 1).

    >>> import numpy as np, kerasish
    >>> dense = kerasish.layers.Dense(2, use_bias=False, kernel_initializer="ones")
    >>> layer = SpectralNormalization(dense, power_iterations=5)
    >>> _ = layer(np.ones((1, 2), "float32"), training=True)
    >>> np.round(np.asarray(dense.kernel.value), 4).tolist()  # all ones / 2
    [[0.5, 0.5], [0.5, 0.5]]
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer "
                             "type. Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        if isinstance(power_iterations, bool) or not isinstance(
                power_iterations, numbers.Integral) or power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations!r}`")
        self.layer = layer
        self.power_iterations = int(power_iterations)
        self._autocast_inputs = layer._autocast_inputs  # an Embedding takes integers

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
            _set_paths(self.layer, f"{self.name}/{self.layer.name}")  # Keras's: built inside
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings': SpectralNormalization wraps a layer that has "
                             "one (Dense, Conv2D, Embedding ...).")
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self._input_last_dim = input_shape[-1]
        self._layers[:] = [_view_of(self.layer, kernel)]
        self._own_variables.insert(0, kernel)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            name="vector_u", dtype=kernel.dtype)
        self.built = True

    def call(self, inputs, training=False):
        if inputs.ndim < 1 or inputs.shape[-1] != self._input_last_dim:
            raise ValueError(
                f"Input of layer {self.name!r} is incompatible: expected the last axis to "
                f"be {self._input_last_dim} (the shape it was built for). Received: "
                f"shape={tuple(inputs.shape)}")
        if training:
            # Read as Keras reads them: in the compute dtype under a mixed policy.
            kernel, u = self.kernel.value, self.vector_u.value
            stored = self.vector_u.dtype, self.kernel.dtype
            new_u, new_kernel = jax.lax.cond(
                jnp.all(kernel == 0), lambda: (u.astype(stored[0]), kernel.astype(stored[1])),
                lambda: self._normalized(kernel, u))
            self.vector_u.assign(new_u)
            with autocast(self.kernel.dtype):
                self._penalize_normalized(self.kernel.value, new_kernel)
            self.kernel.assign(new_kernel)
        output = self.layer(inputs, training=training)
        # Keras casts to the input's dtype, which turns an Embedding's vectors into
        # integer zeros; only floating inputs give their dtype here.
        floating = jnp.issubdtype(inputs.dtype, jnp.floating)
        return output.astype(inputs.dtype) if floating else output

    def _penalize_normalized(self, kernel, new_kernel):
        """Keras regularizes the kernel as the call left it (normalised). Inside a
        compiled step the assignment is not kept (the weights stay raw) and the engine
        regularizes the raw kernel; the difference is added here so that the loss and
        its gradient are Keras's. An eager call keeps the assignment: nothing to add."""
        regularizer = self.kernel.regularizer
        scope = current_scope()
        if regularizer is None or scope is None or id(self.kernel) not in scope.bindings:
            return
        self.add_loss(regularizer(new_kernel) - regularizer(kernel))

    def _normalized(self, kernel, u):
        """(the new ``vector_u``, ``kernel / sigma``)."""
        weights = kernel.reshape(-1, self.kernel_shape[-1])
        for _ in range(self.power_iterations):
            v = nn_ops.normalize(u @ weights.T, axis=None)
            u = nn_ops.normalize(v @ weights, axis=None)
        u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
        sigma = (v @ weights) @ u.T
        new_kernel = (kernel / sigma).reshape(self.kernel_shape)
        return u.astype(self.vector_u.dtype), new_kernel.astype(self.kernel.dtype)

    def normalized_weights(self):
        """Keras's method: ``(new vector_u, normalised kernel)`` from the current
        values, without assigning them.

        >>> import numpy as np, kerasish
        >>> dense = kerasish.layers.Dense(2, use_bias=False, kernel_initializer="ones")
        >>> layer = SpectralNormalization(dense, power_iterations=3)
        >>> _ = layer(np.ones((1, 2), "float32"))  # inference: nothing changes
        >>> u, kernel = layer.normalized_weights()
        >>> u.shape, np.round(np.asarray(kernel), 4).tolist()
        ((1, 2), [[0.5, 0.5], [0.5, 0.5]])
        """
        return self._normalized(self.kernel.value, self.vector_u.value)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = keras_names(_serialization().serialize_keras_object(self.layer))
        config["power_iterations"] = self.power_iterations
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


__all__ = ["SpectralNormalization"]
