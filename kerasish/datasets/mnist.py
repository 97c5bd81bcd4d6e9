"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey pixels.

Downloaded on first use (11 MB) from Keras's URL into Keras's cache folder
(``~/.keras/datasets/mnist.npz``), so a copy fetched by Keras is reused.
"""

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset.

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: `uint8` arrays of shape `(60000, 28, 28)` and
        `(10000, 28, 28)`, pixel values 0 to 255.

        **`y_train`, `y_test`**: `uint8` arrays of digit labels (0-9), shapes `(60000,)`
        and `(10000,)`.

    Example:

    >>> from kerasish.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, x_test.shape, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,))

    License:
        Yann LeCun and Corinna Cortes hold the copyright of MNIST, a derivative work
        of the NIST datasets, made available under the Creative Commons
        Attribution-Share Alike 3.0 license.
    """
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    f = _loading.load_npz(path, ("x_train", "y_train", "x_test", "y_test"))
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
