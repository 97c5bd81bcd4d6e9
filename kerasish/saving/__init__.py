"""Saving and loading in Keras 3's own file formats, both ways.

``model.save("m.keras")`` writes the archive Keras 3 writes; ``load_model`` reads
archives from kerasish or Keras 3; ``save_weights`` / ``load_weights`` use Keras's
``.weights.h5`` layout. Legacy HDF5 files (``model.save("m.h5")``, Keras 2 and
tf.keras models) are read and written too. See ``docs/saving.md`` for the formats
and the guarantees.

Importing this package also gives ``Sequential`` and functional models Keras's
``get_config`` / ``from_config`` (the layers as full Keras entries, the InputLayer
and input shape included), which ``kerasish.models`` leaves to it.

>>> import os, tempfile, numpy as np, kerasish
>>> model = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(1)])
>>> model.compile(loss="mse", optimizer="adam")
>>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
>>> model.save(path)
>>> restored = kerasish.saving.load_model(path)
>>> type(restored.optimizer).__name__, restored.layers[0].kernel.shape
('Adam', (4, 1))
"""

from kerasish.saving.files import load_model, load_weights, save_model, save_weights
from kerasish.saving.registration import (CustomObjectScope, custom_object_scope,
                                          get_custom_objects, get_registered_name,
                                          get_registered_object, register_keras_serializable)
from kerasish.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
