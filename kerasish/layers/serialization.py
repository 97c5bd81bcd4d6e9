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
    """Keras's config dict of ``layer`` (``module``, ``class_name``, ``config`` ...).

    The dict is what ``.keras`` files hold and what ``deserialize`` (here or in Keras)
    turns back into a layer.

    Args:
        layer: a layer instance.

    >>> import kerasish
    >>> config = serialize(kerasish.layers.Dense(2))
    >>> config["module"], config["class_name"], config["config"]["units"]
    ('keras.layers', 'Dense', 2)
    """
    return _saving().serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a Keras config dict describes (``custom_objects``: ``{name: class}``
    for your own layers, as ``keras.layers.deserialize`` takes them).

    Args:
        config: a dict from ``serialize`` (or from Keras's ``keras.layers.serialize``).
        custom_objects: ``{name: class}`` for your own layers.

    >>> import kerasish
    >>> layer = deserialize(serialize(kerasish.layers.Dense(2, activation="relu")))
    >>> type(layer).__name__, layer.units, layer.get_config()["activation"]
    ('Dense', 2, 'relu')
    """
    from kerasish.layers.base import Layer

    layer = _saving().deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"`config` describes a {type(layer).__name__}, not a layer. "
                         f"Received: config={config!r}")
    return layer
