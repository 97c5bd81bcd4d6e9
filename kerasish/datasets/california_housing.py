"""California housing prices: 20,640 census block groups of 1990, 8 features each
(MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude), and
the median house value in dollars.

Downloaded on first use (0.4 MB) from Keras's URL into
``~/.keras/datasets/california_housing.npz``.
"""

from kerasish.datasets import _loading
from kerasish.utils.file_utils import get_file

ORIGIN = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
          "california_housing.npz")
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California Housing dataset.

    Args:
        version: `"large"` (all 20,640 samples) or `"small"` (the first 600, a
            replacement for `boston_housing`).
        path: Name of the file in the cache folder (relative to `~/.keras/datasets`).
        test_split: Fraction of the samples, in `[0, 1)`, held out for testing.
        seed: Seed of the shuffle before the split.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        **`x_train`, `x_test`**: arrays of shape `(num_samples, 8)` (16,512 and 4,128
        samples for `"large"`, 480 and 120 for `"small"`).

        **`y_train`, `y_test`**: arrays of shape `(num_samples,)`, prices in dollars
        (typically 25,000 to 500,000).

    Example:

    >>> from kerasish.datasets import california_housing
    >>> (x_train, y_train), _ = california_housing.load_data("small")  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((480, 8), (480,))
    """
    _loading.check_test_split(test_split)
    if version not in ("small", "large"):
        raise ValueError(
            "Argument `version` must be one of 'small', 'large'. "
            f"Received: version={version}"
        )
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    f = _loading.load_npz(path, ("x", "y"))
    x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return _loading.shuffle_split(x, y, test_split, seed)
