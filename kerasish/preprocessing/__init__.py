"""Keras 3's ``keras.preprocessing``: the ``image`` and ``sequence`` helpers and the
three dataset builders (the same objects as in ``kerasish.utils``).

>>> import kerasish
>>> kerasish.preprocessing.sequence.pad_sequences([[1], [2, 3]]).tolist()
[[0, 1], [2, 3]]
"""

from kerasish.preprocessing import image, sequence  # noqa: F401
from kerasish.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from kerasish.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from kerasish.utils.timeseries_dataset import timeseries_dataset_from_array  # noqa: F401

__all__ = ["image", "image_dataset_from_directory", "sequence",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]
