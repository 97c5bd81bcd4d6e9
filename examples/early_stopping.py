"""Training with validation data, EarlyStopping and a learning-rate schedule, then the
loss curves as a PNG: the everyday loop around `fit`.

Run: python examples/early_stopping.py [--epochs 200]
"""

import argparse
import os
import tempfile

import numpy as np

import kerasish
from kerasish.callbacks import EarlyStopping
from kerasish.layers import Dense
from kerasish.optimizers.schedules import ExponentialDecay

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=200)
epochs = parser.parse_args().epochs
kerasish.utils.set_random_seed(3)

# The bundled handwritten digits: 8x8 images, as 64 features scaled to [0, 1].
(X, y), (X_test, y_test) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
y, y_test = y.astype("int32"), y_test.astype("int32")

model = kerasish.Sequential([Dense(25, activation="relu"), Dense(15, activation="relu"),
                             Dense(10)])
schedule = ExponentialDecay(initial_learning_rate=1e-2, decay_steps=200, decay_rate=0.9)
model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=kerasish.optimizers.Adam(learning_rate=schedule), metrics=["accuracy"])
stop = EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
history = model.fit(X, y, epochs=epochs, validation_split=0.2, callbacks=[stop], verbose=0)

ran = len(history.history["loss"])
best = int(np.argmin(history.history["val_loss"]))
_, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"ran {ran} of {epochs} epochs; best val_loss {history.history['val_loss'][best]:.4f} "
      f"at epoch {best + 1} (weights restored)")
print(f"learning rate now {float(model.optimizer.learning_rate):.5f}")
print(f"test accuracy {test_accuracy:.4f}")
try:
    import matplotlib

    matplotlib.use("Agg")
    path = os.path.join(tempfile.gettempdir(), "kerasish_history.png")
    kerasish.utils.plot_history(history, filename=path)
    print(f"loss curves saved to {path}")
except ImportError:
    print("matplotlib not installed: no plot (pip install matplotlib)")
