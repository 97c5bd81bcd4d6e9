"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 fine classes
grouped into 20 coarse ones.

The archive (161 MB) is downloaded on first use from Keras's URL into Keras's cache
folder and extracted to ``~/.keras/datasets/cifar-100-python-target/``.
"""

import os

from kerasish.datasets.cifar10 import _load_batch
from kerasish.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Loads the CIFAR-100 dataset.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 superclasses).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: `uint8` arrays of shape `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (channels last), pixel values 0 to 255.

        **`y_train`, `y_test`**: `int64` arrays of labels (0-99, or 0-19 for
        `"coarse"`), shapes `(50000, 1)` and `(10000, 1)`. (`int64`, not `uint8` as for
        CIFAR-10: Keras returns them so.)

    Example:

    >>> from kerasish.datasets import cifar100
    >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, int(y_train.max())  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1), 19)
    """
    if label_mode not in ["fine", "coarse"]:
        raise ValueError(
            '`label_mode` must be one of `"fine"`, `"coarse"`. '
            f"Received: label_mode={label_mode}."
        )
    path = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-100-python")
    key = f"{label_mode}_labels"
    x_train, y_train = _load_batch(os.path.join(path, "train"), label_key=key)
    x_test, y_test = _load_batch(os.path.join(path, "test"), label_key=key)
    return ((x_train.transpose(0, 2, 3, 1), y_train.reshape(-1, 1)),
            (x_test.transpose(0, 2, 3, 1), y_test.reshape(-1, 1)))
