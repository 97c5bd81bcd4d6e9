"""Regression with mean squared error: predict how much ink a digit has (the fraction
of the 8x8 image's total intensity in its top half) from the pixels of its bottom
half. The output layer is linear because the target can be any real number.

Run: python examples/regression_digits.py [--epochs 100]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _data import digits, epochs_arg  # noqa: E402

import kerasish  # noqa: E402
from kerasish.layers import Dense  # noqa: E402
from kerasish.losses import MeanSquaredError  # noqa: E402
from kerasish.models import Sequential  # noqa: E402

epochs = epochs_arg()
kerasish.utils.set_random_seed(1234)
(X, _), (X_test, _) = digits()


def split(images):
    top, bottom = images[:, :32], images[:, 32:]
    return bottom, top.sum(axis=1, keepdims=True) / 32.0  # mean ink of the top half


X_in, y = split(X)
X_test_in, y_test = split(X_test)

model = Sequential([
    Dense(units=25, activation="relu"),
    Dense(units=15, activation="relu"),
    Dense(units=1, activation="linear"),
])
model.compile(loss=MeanSquaredError(), optimizer=kerasish.optimizers.Adam(1e-3),
              metrics=["mae"])
model.fit(X_in, y, epochs=epochs, verbose=0)
test_mse, test_mae = model.evaluate(X_test_in, y_test, verbose=0)
baseline = float(np.mean((y_test - y.mean()) ** 2))
print(f"test MSE {test_mse:.5f} (predicting the mean: {baseline:.5f}), test MAE {test_mae:.4f}")
