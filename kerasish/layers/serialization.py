"""``layers.serialize`` / ``layers.deserialize``: a layer to Keras's config dict and back.

>>> import kerasish
>>> config = kerasish.layers.serialize(kerasish.layers.Dense(3, name="d"))
>>> config["class_name"], config["config"]["units"]
('Dense', 3)
>>> kerasish.layers.deserialize(config).units
3
"""

import importlib


def _saving():
    # kerasish.saving imports the layers: loaded on first use.
    return importlib.import_module("kerasish.saving")


def serialize(layer):
    """Keras's config dict of ``layer`` (``module``, ``class_name``, ``config`` ...)."""
    return _saving().serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a Keras config dict describes (``custom_objects``: ``{name: class}``
    for your own layers, as ``keras.layers.deserialize`` takes them)."""
    from kerasish.layers.base import Layer

    layer = _saving().deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"`config` describes a {type(layer).__name__}, not a layer. "
                         f"Received: config={config!r}")
    return layer
