"""Datasets with Keras 3's names, and a small one bundled with kerasish.

Like ``keras.datasets``, each dataset is a module with a ``load_data()`` function that
returns NumPy arrays ``(x_train, y_train), (x_test, y_test)``. Importing this package
reads no data; the file is opened only when ``load_data()`` is called.

``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``, ``imdb``, ``reuters``,
``boston_housing`` and ``california_housing`` are downloaded on first use, from Keras's
URLs into Keras's cache folder (``~/.keras/datasets``, or ``$KERAS_HOME/datasets``) with
``kerasish.utils.get_file``: files that Keras downloaded are reused, and the other way
round. ``digits`` ships inside the package and never touches the network.

>>> from kerasish import datasets
>>> (x_train, y_train), (x_test, y_test) = datasets.digits.load_data()
>>> x_train.shape, x_test.shape
((1437, 8, 8), (360, 8, 8))
"""

from kerasish.datasets import (boston_housing, california_housing, cifar10, cifar100, digits,
                               fashion_mnist, imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters"]
