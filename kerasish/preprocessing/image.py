"""Keras 3's ``keras.preprocessing.image``: ``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``, ``smart_resize``.

>>> import numpy as np
>>> smart_resize(np.ones((4, 8, 1)), (2, 2)).shape
(2, 2, 1)
"""

from kerasish.utils.image_utils import (array_to_img, img_to_array, load_img,  # noqa: F401
                                        save_img, smart_resize)

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
