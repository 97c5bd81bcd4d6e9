"""Multiclass classification of the ten digits, two ways (as in the course notes):

1. a softmax output layer with SparseCategoricalCrossentropy();
2. the numerically accurate form: a linear output layer with
   SparseCategoricalCrossentropy(from_logits=True), probabilities recovered with softmax.

Run: python examples/multiclass_digits.py [--epochs 100]
"""

import argparse

import numpy as np

import kerasish
from kerasish.layers import Dense
from kerasish.losses import SparseCategoricalCrossentropy
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

softmax_model = Sequential([
    Dense(units=25, activation="relu"),
    Dense(units=15, activation="relu"),
    Dense(units=10, activation="softmax"),
])
softmax_model.compile(loss=SparseCategoricalCrossentropy(),
                      optimizer=kerasish.optimizers.Adam(learning_rate=1e-3),
                      metrics=["accuracy"])
softmax_model.fit(X, y, epochs=epochs, verbose=0)
_, train_acc = softmax_model.evaluate(X, y, verbose=0)
_, test_acc = softmax_model.evaluate(X_test, y_test, verbose=0)
print(f"softmax output:     train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")

logits_model = Sequential([
    Dense(units=25, activation="relu"),
    Dense(units=15, activation="relu"),
    Dense(units=10, activation="linear"),
])
logits_model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                     optimizer=kerasish.optimizers.Adam(learning_rate=1e-3),
                     metrics=["accuracy"])
logits_model.fit(X, y, epochs=epochs, verbose=0)
logits = logits_model.predict(X_test, verbose=0)
probabilities = np.asarray(kerasish.activations.softmax(logits))
_, train_acc = logits_model.evaluate(X, y, verbose=0)
test_acc = float(np.mean(probabilities.argmax(axis=1) == y_test))
print(f"from_logits output: train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")
print(f"probabilities sum to one: {np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)}")
