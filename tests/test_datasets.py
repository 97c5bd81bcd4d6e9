"""Tests for the bundled digits data: contents, dtypes, and a split that is the same
everywhere. scikit-learn, when installed, is the independent reference for the values."""

import doctest
import hashlib

import numpy as np
import pytest

from kerasish import datasets
from kerasish.datasets import digits

N_ROWS = 1797
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


@pytest.fixture(scope="module")
def split():
    return digits.load_data()


def test_shapes_and_dtypes(split):
    (x_train, y_train), (x_test, y_test) = split
    assert x_train.shape == (1437, 8, 8) and y_train.shape == (1437,)
    assert x_test.shape == (360, 8, 8) and y_test.shape == (360,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8


def test_value_ranges(split):
    (x_train, y_train), (x_test, y_test) = split
    x = np.concatenate([x_train, x_test])
    assert x.min() == 0 and x.max() == 16
    y = np.concatenate([y_train, y_test])
    assert set(np.unique(y).tolist()) == set(range(10))


def test_total_rows_and_class_counts(split):
    (_, y_train), (_, y_test) = split
    assert len(y_train) + len(y_test) == N_ROWS
    train_counts = np.bincount(y_train, minlength=10)
    test_counts = np.bincount(y_test, minlength=10)
    assert (train_counts + test_counts).tolist() == CLASS_COUNTS
    # Stratified: every digit in both splits, each within one image of its 20% share.
    assert train_counts.min() > 0 and test_counts.min() > 0
    assert np.all(np.abs(test_counts - 0.2 * np.array(CLASS_COUNTS)) < 1)


def test_split_is_deterministic(split):
    (x_train, y_train), (x_test, y_test) = split
    (x_train2, y_train2), (x_test2, y_test2) = digits.load_data()
    np.testing.assert_array_equal(x_train, x_train2)
    np.testing.assert_array_equal(y_train, y_train2)
    np.testing.assert_array_equal(x_test, x_test2)
    np.testing.assert_array_equal(y_test, y_test2)


def test_default_split_is_pinned():
    # A golden checksum: the default split must not move between machines or numpy
    # versions, or results quoted against it stop being comparable.
    _, y = digits._load_arrays()
    _, test = digits._split_indices(y, 0.2, 113)
    assert test[:8].tolist() == [0, 1, 2, 7, 8, 13, 21, 25]
    assert hashlib.sha256(test.astype("<i8").tobytes()).hexdigest()[:16] == "873784bfb867a118"


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.2, 0), (0.5, 7), (0.0, 113), (0.05, 1)])
def test_indices_partition_the_rows(test_split, seed):
    _, y = digits._load_arrays()
    train, test = digits._split_indices(y, test_split, seed)
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(N_ROWS))
    assert len(train) == int(N_ROWS * (1 - test_split))  # keras.datasets.reuters rounding


def test_load_data_returns_the_indexed_rows():
    x, y = digits._load_arrays()
    train, test = digits._split_indices(y, 0.3, 5)
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.3, seed=5)
    np.testing.assert_array_equal(x_train, x[train])
    np.testing.assert_array_equal(y_train, y[train])
    np.testing.assert_array_equal(x_test, x[test])
    np.testing.assert_array_equal(y_test, y[test])
    # The 1,797 images are all distinct, so no image may appear in both splits.
    seen = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in seen for row in x_test)


def test_seed_changes_the_split():
    (_, _), (x_a, _) = digits.load_data(seed=113)
    (_, _), (x_b, _) = digits.load_data(seed=114)
    assert x_a.shape == x_b.shape
    assert not np.array_equal(x_a, x_b)


def test_zero_test_split_gives_everything_to_train():
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.0)
    assert x_train.shape == (N_ROWS, 8, 8) and x_test.shape == (0, 8, 8)
    assert y_test.shape == (0,) and y_test.dtype == np.uint8


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "0.2", None, True])
def test_invalid_test_split(bad):
    with pytest.raises(ValueError, match=r"invalid value for `test_split`, expected a float in \[0, 1\).*Received: test_split="):
        digits.load_data(test_split=bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "113", None, False])
def test_invalid_seed(bad):
    with pytest.raises(ValueError, match=r"invalid value for `seed`, expected a non-negative integer. Received: seed="):
        digits.load_data(seed=bad)


def test_numpy_scalars_are_accepted():
    (x_train, _), _ = digits.load_data(test_split=np.float32(0.2), seed=np.int64(113))
    assert x_train.shape == (1437, 8, 8)


@pytest.mark.parametrize("module", [datasets, digits])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0


def test_matches_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is the optional reference")
    reference = sklearn_datasets.load_digits()
    x, y = digits._load_arrays()
    np.testing.assert_array_equal(x, reference.images.astype(np.uint8))
    np.testing.assert_array_equal(x.astype(reference.images.dtype), reference.images)
    np.testing.assert_array_equal(y, reference.target)
