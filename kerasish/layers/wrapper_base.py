"""``Wrapper``: the base of layers that wrap one other layer (Keras's
``TimeDistributed`` and ``Bidirectional`` are two).

A subclass gets the wrapped layer as ``self.layer`` (tracked: its weights are the
wrapper's, under ``wrapper/inner/...`` paths as in Keras), a ``build`` that builds it on
the wrapper's input shape, and a config that saves the wrapped layer whole; it writes
its own ``call``.
"""

from kerasish.layers.base import Layer
from kerasish.layers.rnn_cells import _serialization, deserialize_layer, keras_names, set_paths


class Wrapper(Layer):
    """A layer around ``layer`` (a ``kerasish.layers.Layer``); subclass it and write
    ``call``.

    >>> import numpy as np, kerasish
    >>> class Halved(kerasish.layers.Wrapper):
    ...     def call(self, inputs):
    ...         return 0.5 * self.layer(inputs)
    >>> halved = Halved(kerasish.layers.Dense(2, kernel_initializer="ones", name="d"), name="h")
    >>> halved(np.ones((1, 3))).tolist(), [w.path for w in halved.weights]
    ([[1.5, 1.5]], ['h/d/kernel', 'h/d/bias'])
    >>> type(Halved.from_config(halved.get_config()).layer).__name__
    'Dense'
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__} wraps a kerasish layer: pass a "
                f"`kerasish.layers.Layer` instance. Received: {layer!r} "
                f"(type {type(layer).__name__}).")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
        set_paths(self)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = keras_names(_serialization().serialize_keras_object(self.layer))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


__all__ = ["Wrapper"]
