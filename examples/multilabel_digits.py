"""Multi-label classification: one network with three sigmoid outputs answers three
yes/no questions about each digit at once — is it even? is it greater than 4? is it
a 0, 6, 8 or 9 (a digit with a closed loop)?

Run: python examples/multilabel_digits.py [--epochs 100]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _data import digits, epochs_arg  # noqa: E402

import kerasish  # noqa: E402
from kerasish.layers import Dense  # noqa: E402
from kerasish.losses import BinaryCrossentropy  # noqa: E402
from kerasish.models import Sequential  # noqa: E402

epochs = epochs_arg()
kerasish.utils.set_random_seed(1234)
(X, digit), (X_test, digit_test) = digits()


def labels(d):
    return np.stack([d % 2 == 0, d > 4, np.isin(d, [0, 6, 8, 9])], axis=1).astype("float32")


Y, Y_test = labels(digit), labels(digit_test)

model = Sequential([
    Dense(units=25, activation="relu"),
    Dense(units=15, activation="relu"),
    Dense(units=3, activation="sigmoid"),
])
# 'binary_accuracy' (not 'accuracy'): Keras resolves 'accuracy' for a 3-unit output
# to categorical accuracy, which is the wrong question for independent labels.
model.compile(loss=BinaryCrossentropy(), optimizer=kerasish.optimizers.Adam(1e-3),
              metrics=["binary_accuracy"])
model.fit(X, Y, epochs=epochs, verbose=0)
pred = model.predict(X_test, verbose=0) >= 0.5
per_label = (pred == (Y_test >= 0.5)).mean(axis=0)
print("test accuracy per label (even, >4, loop): " + ", ".join(f"{a:.4f}" for a in per_label))
