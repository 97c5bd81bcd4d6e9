"""Layers that wrap a layer: ``Bidirectional`` (an RNN run both ways) and
``TimeDistributed`` (a layer applied to every time step).

>>> import numpy as np
>>> from kerasish.layers.recurrent import LSTM
>>> from kerasish.layers.core import Dense
>>> x = np.ones((2, 5, 3), "float32")
>>> Bidirectional(LSTM(4, return_sequences=True))(x).shape
(2, 5, 8)
>>> TimeDistributed(Dense(2))(x).shape
(2, 5, 2)
"""

import inspect

import jax.numpy as jnp

from kerasish.layers.base import Layer
from kerasish.layers.recurrent import RNN
from kerasish.layers.wrapper_base import Wrapper
from kerasish.layers.rnn_cells import (StackedRNNCells, _serialization, deserialize_layer,
                                       keras_names, set_paths)

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def clone_layer(layer, **overrides):
    """A fresh layer from ``layer``'s config (Keras's serialize/deserialize round
    trip), ``overrides`` applied; cells and wrapped layers are cloned the same way,
    so user classes need no registration."""
    config = layer.get_config()
    config.update(overrides)
    if isinstance(layer, RNN) and "cell" in config:
        config["cell"] = clone_layer(layer.cell)
    elif isinstance(layer, StackedRNNCells):
        config["cells"] = [clone_layer(c) for c in layer.cells]
    elif isinstance(layer, TimeDistributed):
        config["layer"] = clone_layer(layer.layer)
    elif isinstance(layer, Bidirectional):
        config["layer"] = clone_layer(layer.forward_layer)
        config["backward_layer"] = clone_layer(layer.backward_layer)
    if "name" in config:
        config["name"] = config["name"].rsplit("/", 1)[-1]
    return type(layer).from_config(config)


def _removeprefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and a copy of it backwards over the sequence,
    then merges the two outputs (``merge_mode``: ``"concat"`` (default), ``"sum"``,
    ``"mul"``, ``"ave"``, or None for the pair).

    The forward layer is a fresh copy of ``layer`` named ``forward_<name>``; the
    backward one is ``backward_layer`` or a copy with ``go_backwards=True``. Its
    output is flipped back to time order before merging, and with
    ``return_sequences`` masked steps output zeros (Keras forces
    ``zero_output_for_mask``). Weights: forward ones, then backward ones.

    >>> import numpy as np
    >>> from kerasish.layers.recurrent import GRU
    >>> layer = Bidirectional(GRU(3), merge_mode="sum")
    >>> layer(np.ones((2, 4, 5))).shape, len(layer.weights)
    ((2, 3), 6)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        if weights is not None:
            raise ValueError(
                "`weights` is not supported by kerasish's Bidirectional. Received: weights="
                "<list>. Build the layer, then call `layer.set_weights(weights)` (forward "
                "weights first, then backward ones).")
        # Not Wrapper.__init__: the layer given is only a template here (its two
        # clones are the sublayers), so it must not be tracked as `self.layer`.
        Layer.__init__(self, **kwargs)
        self.forward_layer = clone_layer(
            layer, name=f"forward_{_removeprefix(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = clone_layer(
                layer, go_backwards=True,
                name=f"backward_{_removeprefix(layer.name, 'backward_')}")
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` "
                f"value. Received: forward_layer.go_backwards {forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, a) != getattr(backward, a):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value "
                    f'for attribute "{a}", got "{getattr(forward, a)}" for forward layer and '
                    f'"{getattr(backward, a)}" for backward layer')

    def build(self, sequences_shape):
        self.forward_layer._maybe_build(sequences_shape)
        self.backward_layer._maybe_build(sequences_shape)
        set_paths(self)
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if "training" in inspect.signature(self.forward_layer.call).parameters:
            kwargs["training"] = training
        if "mask" in inspect.signature(self.forward_layer.call).parameters:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y, y_rev = y.astype(self.compute_dtype), y_rev.astype(self.compute_dtype)
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = jnp.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (output + states) if self.merge_mode is None else (output,) + states
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        if self.return_state:
            output_shape, state_shape = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, output_shape]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output_shape) + state_shape + state_shape
            return (output_shape,) + state_shape + state_shape
        return tuple(output_shape) if self.merge_mode is not None else output_shape

    def compute_mask(self, _, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            return (mask, mask) if not self.merge_mode else mask
        return (None, None) if not self.merge_mode else None

    @property
    def states(self):
        """The forward layer's state variables, then the backward one's (None unless
        stateful and built)."""
        forward, backward = self.forward_layer.states, self.backward_layer.states
        if forward and backward:
            return tuple(list(forward) + list(backward))
        return None

    def reset_state(self):
        """Zero both layers' states (``stateful=True`` only, as Keras).

        >>> import numpy as np
        >>> from kerasish.layers.core import Input
        >>> from kerasish.layers.recurrent import GRU
        >>> layer = Bidirectional(GRU(2, stateful=True))
        >>> _ = layer(Input(batch_shape=(1, 3, 1)))
        >>> _ = layer(np.ones((1, 3, 1)))
        >>> layer.reset_state()
        >>> [np.asarray(s.value).tolist() for s in layer.states]
        [[[0.0, 0.0]], [[0.0, 0.0]]]
        """
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Keras's alias of ``reset_state()``."""
        self.reset_state()

    def get_config(self):
        serialize = _serialization().serialize_keras_object
        config = Layer.get_config(self)  # the layer entries are the two directions
        config.update(merge_mode=self.merge_mode,
                      layer=keras_names(serialize(self.forward_layer)),
                      backward_layer=keras_names(serialize(self.backward_layer)))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"],
                                                         custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every time step: inputs ``(batch, time, ...)``, the
    layer sees ``(batch, ...)`` and its weights are shared across steps.

    As Keras, the layer's ``call`` runs once per step (so a ``Dropout`` inside draws
    a new mask per step, and a ``BatchNormalization`` updates its statistics step by
    step); a ``mask`` ``(batch, time)`` passes on unchanged and, if the layer's
    ``call`` takes one, each step gets its slice.

    >>> import numpy as np
    >>> from kerasish.layers.core import Dense
    >>> layer = TimeDistributed(Dense(8, name="d"), name="td")
    >>> layer(np.ones((32, 10, 16))).shape, layer.weights[0].path
    ((32, 10, 8), 'td/d/kernel')
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        self.layer._maybe_build(self._child_input_shape(input_shape))
        set_paths(self)
        self.built = True

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        if inputs.ndim < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {tuple(inputs.shape)}")
        if mask is not None:
            if mask.ndim < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D "
                    "(e.g., `(batch_size, timesteps)`), but it has "
                    f"{mask.ndim} dimension(s) with shape {tuple(mask.shape)}.")
            if tuple(mask.shape[:2]) != tuple(inputs.shape[:2]):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape "
                    f"{tuple(mask.shape)} that is incompatible with the input shape "
                    f"{tuple(inputs.shape)}. The first two dimensions of the mask (batch "
                    "size and timesteps) must match the input's first two dimensions. "
                    f"Expected mask shape prefix: {tuple(inputs.shape[:2])}.")
        params = inspect.signature(self.layer.call).parameters
        outputs = []
        for t in range(inputs.shape[1]):
            kwargs = {}
            if "mask" in params and mask is not None:
                kwargs["mask"] = mask[:, t]
            if "training" in params:
                kwargs["training"] = training
            outputs.append(self.layer.call(inputs[:, t], **kwargs))
        return jnp.stack(outputs, axis=1)
    # (get_config / from_config: Wrapper's, the wrapped layer saved whole.)


__all__ = ["Bidirectional", "TimeDistributed"]
