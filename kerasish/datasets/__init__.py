"""Small datasets bundled with kerasish, loadable with no network access.

Like ``keras.datasets``, each dataset is a module with a ``load_data()`` function that
returns NumPy arrays ``(x_train, y_train), (x_test, y_test)``. Importing this package
reads no data; the file is opened only when ``load_data()`` is called.

>>> from kerasish import datasets
>>> (x_train, y_train), (x_test, y_test) = datasets.digits.load_data()
>>> x_train.shape, x_test.shape
((1437, 8, 8), (360, 8, 8))
"""

from kerasish.datasets import digits

__all__ = ["digits"]
