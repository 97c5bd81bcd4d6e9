"""A small convolutional network on the 8x8 digits, beside the course's 25-15-10 MLP.

Both models see the same images, the same optimizer (Adam, 1e-3), the same epochs and
batch size; only the architecture differs. The CNN keeps each image as an 8x8 grid
and slides small 3x3 filters over it, so it has fewer parameters than the MLP and
reaches a higher test accuracy. See docs/cnn.md.

Run: python examples/cnn_digits.py [--epochs 100]
"""

import argparse

import kerasish
from kerasish.layers import (Conv2D, Dense, Dropout, Flatten, MaxPooling2D,
                             Rescaling)
from kerasish.losses import SparseCategoricalCrossentropy
from kerasish.models import Sequential

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
epochs = parser.parse_args().epochs
(x_train, y_train), (x_test, y_test) = kerasish.datasets.digits.load_data()
# Keep the grid: (n, 8, 8) pixel values 0..16 -> (n, 8, 8, 1), one grey channel.
x_train = x_train[..., None].astype("float32")
x_test = x_test[..., None].astype("float32")


def train(model):
    model.compile(loss=SparseCategoricalCrossentropy(),
                  optimizer=kerasish.optimizers.Adam(learning_rate=1e-3),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    _, train_accuracy = model.evaluate(x_train, y_train, verbose=0)
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    return train_accuracy, test_accuracy


kerasish.utils.set_random_seed(1234)
mlp = Sequential([
    kerasish.Input(shape=(8, 8, 1)),
    Rescaling(1 / 16),
    Flatten(),                            # 64 pixels, the grid forgotten
    Dense(units=25, activation="relu"),
    Dense(units=15, activation="relu"),
    Dense(units=10, activation="softmax"),
], name="mlp")
mlp_train, mlp_test = train(mlp)

kerasish.utils.set_random_seed(1234)
cnn = Sequential([
    kerasish.Input(shape=(8, 8, 1)),
    Rescaling(1 / 16),
    Conv2D(filters=8, kernel_size=3, padding="same", activation="relu"),   # 8x8x8
    MaxPooling2D(),                                                        # 4x4x8
    Conv2D(filters=16, kernel_size=3, padding="same", activation="relu"),  # 4x4x16
    MaxPooling2D(),                                                        # 2x2x16
    Flatten(),                                                             # 64
    Dropout(0.2),
    Dense(units=10, activation="softmax"),
], name="cnn")
cnn_train, cnn_test = train(cnn)

mlp.summary()
cnn.summary()
for name, model, train_acc, test_acc in (("MLP", mlp, mlp_train, mlp_test),
                                         ("CNN", cnn, cnn_train, cnn_test)):
    print(f"{name}: {model.count_params():,} parameters, train accuracy {train_acc:.4f}, "
          f"test accuracy {test_acc:.4f}")
