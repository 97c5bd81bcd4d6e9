"""Binary classification, as in the course: a 25-15-1 sigmoid network tells 0 from 1.

Run: python examples/binary_digits.py [--epochs 100]
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
(X, y), (X_test, y_test) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
y, y_test = y.astype("int32"), y_test.astype("int32")
keep, keep_test = np.isin(y, [0, 1]), np.isin(y_test, [0, 1])
X, y, X_test, y_test = X[keep], y[keep], X_test[keep_test], y_test[keep_test]

model = Sequential([
    Dense(units=25, activation="sigmoid"),
    Dense(units=15, activation="sigmoid"),
    Dense(units=1, activation="sigmoid"),
])
model.compile(loss=BinaryCrossentropy(), metrics=["accuracy"])  # default optimizer: RMSprop
history = model.fit(X, y, epochs=epochs, verbose=0)

p_train = model.predict(X, verbose=0)[:, 0]
p_test = model.predict(X_test, verbose=0)[:, 0]
train_acc = float(np.mean((p_train >= 0.5) == y))
test_acc = float(np.mean((p_test >= 0.5) == y_test))
print(f"final loss {history.history['loss'][-1]:.4f}")
print(f"train accuracy {train_acc:.4f}")
print(f"test accuracy {test_acc:.4f}")
