"""Regression with mean squared error: predict how much ink a digit has (the fraction
of the 8x8 image's total intensity in its top half) from the pixels of its bottom
half. The output layer is linear because the target can be any real number.

Run: python examples/regression_digits.py [--epochs 100]
"""

import argparse

import numpy as np

import kerasish
from kerasish.layers import Dense
from kerasish.losses import MeanSquaredError
from kerasish.models import Sequential

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
epochs = parser.parse_args().epochs
kerasish.utils.set_random_seed(1234)

# The bundled handwritten digits: 8x8 images, as 64 features scaled to [0, 1].
(X, _), (X_test, _) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
_, _ = _.astype("int32"), _.astype("int32")


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
