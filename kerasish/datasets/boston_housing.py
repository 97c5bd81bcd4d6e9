"""Boston housing prices: 506 samples of 13 attributes of Boston suburbs in the late
1970s, and the median value of their houses (in k$).

**Warning:** the attribute "B" assumes that racial self-segregation influences house
prices; prefer `california_housing` except to illustrate ethical issues in data science.

Downloaded on first use (57 KB) from Keras's URL into
``~/.keras/datasets/boston_housing.npz``.
"""

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston Housing dataset.

    Args:
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).
        test_split: Fraction of the samples, in `[0, 1)`, held out for testing.
        seed: Seed of the shuffle before the split.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: `float64` arrays of shape `(num_samples, 13)`
        (404 and 102 samples with the defaults).

        **`y_train`, `y_test`**: `float64` arrays of shape `(num_samples,)`, prices in k$
        (typically 10 to 50).

    Example:

    >>> from kerasish.datasets import boston_housing
    >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((404, 13), (102, 13))
    """
    _loading.check_test_split(test_split)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = _loading.load_npz(path, ("x", "y"))
    return _loading.shuffle_split(f["x"], f["y"], test_split, seed)
