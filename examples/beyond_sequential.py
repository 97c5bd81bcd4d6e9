"""Beyond Sequential, on the bundled digits:

1. a custom layer (``build`` + ``add_weight`` + ``call``) inside a Sequential model;
2. a functional model with two inputs (top and bottom half of each image) and two
   outputs (the digit, and whether it is even), with a loss per output;
3. the model as a pure JAX function: ``apply_fn, params = model.as_jax_function()``,
   trained by a hand-written ``jax.grad`` + optax loop.

Run: python examples/beyond_sequential.py [--epochs 30]
"""

import argparse

import jax
import numpy as np
import optax

import kerasish
from kerasish import layers, ops

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=30)
epochs = parser.parse_args().epochs
kerasish.utils.set_random_seed(7)

# The bundled handwritten digits: 8x8 images, as 64 features scaled to [0, 1].
(X, y), (X_test, y_test) = kerasish.datasets.digits.load_data()
X = X.reshape(len(X), 64).astype("float32") / 16.0
X_test = X_test.reshape(len(X_test), 64).astype("float32") / 16.0
y, y_test = y.astype("int32"), y_test.astype("int32")


# 1. A custom layer ---------------------------------------------------------------
class ScaledDense(layers.Layer):
    """Dense with a learned output scale: ``scale * (x @ w + b)``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs):
        return self.scale * (ops.matmul(inputs, self.w) + self.b)


model = kerasish.Sequential([kerasish.Input((64,)), ScaledDense(25), layers.Activation("relu"),
                             layers.Dense(10)])
model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
              optimizer=kerasish.optimizers.Adam(1e-2), metrics=["accuracy"])
model.fit(X, y, epochs=epochs, verbose=0)
print(f"custom layer: test accuracy {model.evaluate(X_test, y_test, verbose=0)[1]:.4f}")

# 2. A functional model: two inputs, two outputs ------------------------------------
top = kerasish.Input(shape=(32,), name="top")
bottom = kerasish.Input(shape=(32,), name="bottom")
h = layers.Concatenate()([layers.Dense(16, activation="relu")(top),
                          layers.Dense(16, activation="relu")(bottom)])
digit = layers.Dense(10, name="digit")(h)
even = layers.Dense(1, activation="sigmoid", name="even")(h)
functional = kerasish.Model([top, bottom], [digit, even])
functional.compile(
    optimizer=kerasish.optimizers.Adam(1e-2),
    loss={"digit": kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
          "even": "binary_crossentropy"},
    loss_weights={"digit": 1.0, "even": 0.5},
    metrics={"digit": ["accuracy"], "even": ["accuracy"]})
functional.fit({"top": X[:, :32], "bottom": X[:, 32:]},
               {"digit": y, "even": (y % 2 == 0).astype("float32")}, epochs=epochs, verbose=0)
logits, p_even = functional.predict([X_test[:, :32], X_test[:, 32:]], verbose=0)
print(f"functional: digit accuracy {np.mean(logits.argmax(1) == y_test):.4f}, "
      f"even accuracy {np.mean((p_even[:, 0] > 0.5) == (y_test % 2 == 0)):.4f}")

# 3. The model as a pure JAX function ------------------------------------------------
kerasish.utils.set_random_seed(7)
mlp = kerasish.Sequential([kerasish.Input((64,)), layers.Dense(25, activation="relu"),
                           layers.Dense(10)])
apply_fn, params = mlp.as_jax_function()
tx = optax.adam(1e-2)
opt_state = tx.init(params)


@jax.jit
def step(params, opt_state, xb, yb):
    def loss_fn(p):
        return optax.softmax_cross_entropy_with_integer_labels(apply_fn(p, xb), yb).mean()

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


for _ in range(epochs):
    for i in range(0, len(X), 32):
        params, opt_state, loss = step(params, opt_state, X[i:i + 32], y[i:i + 32])
mlp.set_params(params)  # back into the Keras-shaped model: predict/evaluate/save work
accuracy = np.mean(mlp.predict(X_test, verbose=0).argmax(1) == y_test)
print(f"pure JAX loop: test accuracy {accuracy:.4f}")
