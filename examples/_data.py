"""Shared data preparation for the examples: the bundled digits, flattened and scaled."""

import numpy as np

import kerasish


def digits(classes=None):
    """(x_train, y_train), (x_test, y_test) as float32 in [0, 1], 64 features."""
    (x_train, y_train), (x_test, y_test) = kerasish.datasets.digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
    if classes is not None:
        keep_train, keep_test = np.isin(y_train, classes), np.isin(y_test, classes)
        x_train, y_train = x_train[keep_train], y_train[keep_train]
        x_test, y_test = x_test[keep_test], y_test[keep_test]
    return (x_train, y_train.astype("int32")), (x_test, y_test.astype("int32"))


def epochs_arg(default=100):
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=default)
    return parser.parse_args().epochs
