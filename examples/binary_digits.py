"""Binary classification, as in the course: a 25-15-1 sigmoid network tells 0 from 1.

Run: python examples/binary_digits.py [--epochs 100]
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _data import digits, epochs_arg  # noqa: E402

from kerasish.layers import Dense  # noqa: E402
from kerasish.losses import BinaryCrossentropy  # noqa: E402
from kerasish.models import Sequential  # noqa: E402
import kerasish  # noqa: E402

epochs = epochs_arg()
kerasish.utils.set_random_seed(1234)
(X, y), (X_test, y_test) = digits(classes=[0, 1])

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
