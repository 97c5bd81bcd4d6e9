"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grey images of 10 kinds of
clothing, a drop-in replacement for MNIST.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot.

The four gzip-compressed IDX files are downloaded on first use (30 MB) from Keras's URLs
into Keras's cache folder, ``~/.keras/datasets/fashion-mnist/``.
"""

import os

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def load_data():
    """Loads the Fashion-MNIST dataset.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: `uint8` arrays of shape `(60000, 28, 28)` and
        `(10000, 28, 28)`, pixel values 0 to 255.

        **`y_train`, `y_test`**: `uint8` arrays of labels (0-9), shapes `(60000,)` and
        `(10000,)`.

    Example:

    >>> from kerasish.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (10000,))

    License:
        The copyright for Fashion-MNIST is held by Zalando SE. Fashion-MNIST is
        licensed under the MIT license.
    """
    # Keras publishes no hashes for these four files; the IDX headers are checked instead.
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=subdir)
             for name in FILES]
    y_train = _loading.read_idx(paths[0], ndim=1)
    x_train = _loading.read_idx(paths[1], ndim=3)
    y_test = _loading.read_idx(paths[2], ndim=1)
    x_test = _loading.read_idx(paths[3], ndim=3)
    return (x_train, y_train), (x_test, y_test)
