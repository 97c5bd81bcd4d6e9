"""``Sequential``: a linear stack of layers, built as soon as its input shape is known.

>>> import kerasish
>>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
>>> model.output_shape
(None, 2)
"""

import numpy as np

from kerasish.layers.base import KerasTensor, Layer, _bump
from kerasish.layers.core import InputLayer
from kerasish.models import host_inputs
from kerasish.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    >>> import kerasish
    >>> from kerasish.layers import Dense
    >>> model = kerasish.Sequential([
    ...     kerasish.Input(shape=(400,)),
    ...     Dense(units=25, activation="sigmoid"),
    ...     Dense(units=15, activation="sigmoid"),
    ...     Dense(units=1, activation="sigmoid"),
    ... ])
    >>> [layer.count_params() for layer in model.layers]
    [10025, 390, 16]
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._input_layer = None
        self._stack = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._input_layer is not None or (self._stack and self._stack[0]._declared_input_shape):
            self._build_from_declared()

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer, rebuild=True):
        """Append a layer (or set the input with ``kerasish.Input``)."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            layer = history[0] if history and isinstance(history[0], InputLayer) else \
                InputLayer(batch_shape=layer.shape, dtype=layer.dtype)
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("An Input must be the first element of a Sequential model.")
            self._input_layer = layer
            if rebuild:
                self._build_from_declared()
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of kerasish.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        names = {existing.name for existing in self._stack}
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name."
            )
        self._stack.append(layer)
        self._layers.append(layer)
        _bump()
        self._programs = None
        self._predict_fns = None
        if rebuild and (self.built or self._input_layer is not None):
            was_built = self.built
            self.built = False
            try:
                self._build_from_declared()
            except Exception:
                # A layer that does not fit is not kept: the model stays as it was.
                self._stack.pop()
                self._layers.remove(layer)
                _bump()
                self.built = was_built
                raise

    def pop(self):
        layer = self._stack.pop()
        self._layers.remove(layer)
        _bump()
        self._programs = self._predict_fns = None
        if self._input_shape is not None:
            self.built = False
            self.build(self._input_shape)
        return layer

    def _build_from_declared(self):
        if self._input_layer is not None:
            shape = self._input_layer.batch_shape
        elif self._stack and self._stack[0]._declared_input_shape:
            shape = self._stack[0]._declared_input_shape
        else:
            return
        self.build(shape)

    def build(self, input_shape=None):
        """Create every layer's weights for inputs of ``input_shape`` (batch dim first)."""
        if input_shape is None:
            raise ValueError("Sequential.build needs an input shape, e.g. (None, 400).")
        input_shape = tuple(input_shape)
        if self.built and self._input_shape is not None:
            if tuple(self._input_shape[1:]) != input_shape[1:]:
                raise ValueError(
                    f"Model {self.name!r} was built for inputs of shape {self._input_shape}; "
                    f"it cannot be rebuilt for {input_shape}."
                )
            return
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            self._input_layer = InputLayer(batch_shape=input_shape,
                                           name=f"{self.name}_input" if self._input_layer is None
                                           else self._input_layer.name)
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._input_shape = input_shape
        self.built = True

    @property
    def input(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name!r} has no input yet.")
        return self._input_layer.output

    @property
    def output(self):
        if not self.built or not self._stack:
            raise AttributeError(f"Sequential model {self.name!r} has no output yet.")
        return self._stack[-1].output

    @property
    def inputs(self):
        """``[model.input]``, as Keras 3 (the model must have an input)."""
        return [self.input]

    @property
    def outputs(self):
        return [self.output]

    # The model does not cast its inputs to its compute dtype; ``call`` casts them to
    # the Input's dtype, and each layer to its own (Keras: `input_dtype`).
    _autocast_inputs = False

    def call(self, inputs, training=None):
        x = host_inputs.to_input_dtype(inputs, self._input_layer.dtype if self._input_layer is not None
                            else self.compute_dtype)
        # Given the host layers' output (the compiled step's input), start after them.
        start = len(self._host_layers()) if not host_inputs.holds_strings(inputs) else 0
        for layer in self._stack[start:]:
            x = layer(x, training=training)
        return x

    def _host_layers(self):
        return self._stack[:host_inputs.sequential_prefix(self._stack)]

    def _run_host_layers(self, x):
        for layer in self._host_layers():
            x = layer(x)
        return np.asarray(x)

    def _layers_reading_input(self):
        rest = self._stack[len(self._host_layers()):]
        return rest[:1]

    def _input_shapes(self):
        host = self._host_layers()
        return [tuple(host[-1].output.shape)] if host else super()._input_shapes()

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        """Keras's Sequential config: every layer as a full Keras entry, the InputLayer
        and the input shape included (written by ``kerasish.saving``)."""
        serialization = _serialization()

        return serialization._sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a built model from ``get_config()`` output (kerasish's or Keras's)."""
        serialization = _serialization()

        return serialization._from_config(cls, config, custom_objects)


def _serialization():
    # Loaded as a plugin on first use: saving imports this module's classes (and h5py).
    import importlib

    return importlib.import_module("kerasish.saving.serialization")
