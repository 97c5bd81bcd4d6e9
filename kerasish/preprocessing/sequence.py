"""Keras 3's ``keras.preprocessing.sequence``: ``pad_sequences``.

>>> pad_sequences([[1, 2, 3]], maxlen=2).tolist()
[[2, 3]]
"""

from kerasish.utils.sequence_utils import pad_sequences  # noqa: F401

__all__ = ["pad_sequences"]
