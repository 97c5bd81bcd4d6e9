"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse,
8 ship, 9 truck.

The archive (163 MB) is downloaded on first use from Keras's URL into Keras's cache
folder and extracted to ``~/.keras/datasets/cifar-10-batches-py-target/``.
"""

import os

import numpy as np

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Loads the CIFAR-10 dataset.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: `uint8` arrays of shape `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (channels last), pixel values 0 to 255.

        **`y_train`, `y_test`**: `uint8` arrays of labels (0-9), shapes `(50000, 1)` and
        `(10000, 1)`.

    Example:

    >>> from kerasish.datasets import cifar10
    >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))

    Note: CIFAR-10 has a small share of mislabelled images, inherent to the data.
    """
    path = get_file(fname="cifar-10-batches-py-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-10-batches-py")
    train = [_load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train]).astype("uint8")
    x_test, y_test = _load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(-1, 1)
    y_test = y_test.astype("uint8").reshape(-1, 1)
    # Files store (N, 3, 32, 32); kerasish is channels_last, like Keras's default.
    return (x_train.transpose(0, 2, 3, 1), y_train), (x_test.transpose(0, 2, 3, 1), y_test)


def _load_batch(fpath, label_key="labels"):
    d = _loading.load_pickle(fpath)
    if "data" not in d or label_key not in d:
        raise ValueError(
            f"{fpath} is not a CIFAR batch: expected the keys 'data' and {label_key!r}. "
            f"Found: {sorted(d)}. Delete the extracted folder and its archive so that "
            "they are downloaded again."
        )
    data = np.asarray(d["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), np.asarray(d[label_key])
