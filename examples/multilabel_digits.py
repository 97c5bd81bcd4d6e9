"""Multi-label classification: one network with three sigmoid outputs answers three
yes/no questions about each digit at once — is it even? is it greater than 4? is it
a 0, 6, 8 or 9 (a digit with a closed loop)?

Run: python examples/multilabel_digits.py [--epochs 100]
"""

import argparse

import numpy as np

import kerasish
from kerasish.layers import Dense
from kerasish.losses import BinaryCrossentropy
from kerasish.models import Sequential

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
epochs = parser.parse_args().epochs
kerasish.utils.set_random_seed(1234)

# The bundled handwritten digits: 8x8 images, as 64 features scaled to [0, 1].
(X, digit), (X_test, digit_test) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
digit, digit_test = digit.astype("int32"), digit_test.astype("int32")


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
