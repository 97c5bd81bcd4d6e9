"""The UCI handwritten digits: 1,797 grey images of 8x8 pixel counts, shipped inside
the package so that loading never touches the network.

Each pixel counts the "on" pixels in a 4x4 block of a 32x32 binary scan, so values are
integers in 0..16 (not 0..255 as in MNIST): divide by 16.0 to scale to [0, 1].

Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI
Machine Learning Repository (1998), https://doi.org/10.24432/C50P49, licensed
CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). The arrays are the
preprocessed copy that scikit-learn distributes (the UCI test set, ``optdigits.tes``);
nothing is changed but the storage format and the train/test split. See
``kerasish/datasets/data/LICENSE``.
"""

import importlib.resources
import numbers

import numpy as np

_N_CLASSES = 10


def load_data(test_split=0.2, seed=113):
    """Loads the 8x8 handwritten digits, split into a training and a test set.

    The split is stratified: each digit appears in the test set in proportion to its
    share of the data. It depends only on ``test_split`` and ``seed``, so it is the same
    on every machine and every numpy version (numpy guarantees the raw PCG64 stream
    that orders the rows). The defaults give 1,437 training and 360 test images, with
    every digit in both. Rows keep the order of the source file in each split.

    Args:
        test_split: Fraction of the 1,797 images to hold out for the test set, in
            ``[0, 1)``. As in ``keras.datasets.reuters``, the training set gets
            ``int(1797 * (1 - test_split))`` images and the test set the rest.
        seed: Integer seed that picks which images of each digit go to the test set.

    Returns:
        Tuple of NumPy arrays: ``(x_train, y_train), (x_test, y_test)``.

        **`x_train`, `x_test`**: `uint8` arrays of shape `(num_samples, 8, 8)` with
        values in 0..16.

        **`y_train`, `y_test`**: `uint8` arrays of digit labels (0..9) with shape
        `(num_samples,)`.

    Example:

    >>> from kerasish.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape, y_train.shape, x_test.shape, y_test.shape
    ((1437, 8, 8), (1437,), (360, 8, 8), (360,))
    >>> int(x_train.max()), x_train.dtype.name
    (16, 'uint8')
    >>> x_train = x_train.reshape(-1, 64).astype("float32") / 16.0  # into [0, 1]

    License:
        CC BY 4.0. Attribution: E. Alpaydin and C. Kaynak, "Optical Recognition of
        Handwritten Digits", UCI Machine Learning Repository, 1998,
        https://doi.org/10.24432/C50P49.
    """
    # Validate before reading the file, so a bad argument fails fast and clearly.
    if (
        isinstance(test_split, bool)
        or not isinstance(test_split, numbers.Real)
        or not 0 <= test_split < 1
    ):
        raise ValueError(
            "Received an invalid value for `test_split`, expected a float in [0, 1), "
            f"e.g. test_split=0.2. Received: test_split={test_split!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            "Received an invalid value for `seed`, expected a non-negative integer. "
            f"Received: seed={seed!r}"
        )
    x, y = _load_arrays()
    train, test = _split_indices(y, test_split, seed)
    return (x[train], y[train]), (x[test], y[test])


def _load_arrays():
    """All 1,797 rows, ``x`` (N, 8, 8) and ``y`` (N,), both uint8, in source order."""
    # importlib.resources (not __file__) so this also works from a zipped install.
    ref = importlib.resources.files(__package__).joinpath("data", "digits.npz")
    with ref.open("rb") as f, np.load(f) as npz:
        return npz["x"], npz["y"]


def _split_indices(labels, test_split, seed):
    """Sorted ``(train, test)`` row indices of a stratified split; together they are
    ``arange(len(labels))`` and they never overlap."""
    n = len(labels)
    n_test = n - int(n * (1 - test_split))  # keras.datasets.reuters's rounding
    counts = np.bincount(labels, minlength=_N_CLASSES)

    # Share n_test out among the classes by largest remainder, in exact integer
    # arithmetic, so the quotas sum to n_test and no float rounding differs by platform.
    quota, remainder = np.divmod(n_test * counts, n)
    extra = n_test - int(quota.sum())
    by_remainder = np.lexsort((np.arange(_N_CLASSES), -remainder))  # ties: lower digit
    quota[by_remainder[:extra]] += 1

    # One random key per row from the raw PCG64 stream, whose output numpy promises to
    # keep fixed across versions (Generator methods such as permutation carry no such
    # promise). Within each class, the rows with the smallest keys go to the test set.
    keys = np.random.default_rng(seed).bit_generator.random_raw(n)
    is_test = np.zeros(n, dtype=bool)
    for digit in range(_N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        chosen = rows[np.argsort(keys[rows], kind="stable")[: quota[digit]]]
        is_test[chosen] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)
