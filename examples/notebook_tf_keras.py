"""A course notebook written for tf.keras, run with kerasish.

Every import below was written as ``from tensorflow.keras... import ...`` (and every
``tf.keras.`` as a module path); only ``tensorflow.keras`` was replaced by ``kerasish``
(and ``tf.nn.softmax`` by ``kerasish.ops.softmax``). Nothing else was changed. The
notebook's cells follow one another: coffee roasting with a Normalization layer,
neurons and layers, a 400-feature digit classifier, softmax and from_logits multiclass
models, regularization, ops, and float64.

Run: python examples/notebook_tf_keras.py [--epochs 10]
"""

import argparse
import warnings

import numpy as np

import kerasish
from kerasish import Input
from kerasish.activations import linear, relu, sigmoid
from kerasish.layers import Dense, InputLayer, Normalization
from kerasish.losses import BinaryCrossentropy, SparseCategoricalCrossentropy
from kerasish.models import Sequential
from kerasish.optimizers import Adam
from kerasish.regularizers import l2
from kerasish.utils import set_random_seed, to_categorical

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
EPOCHS = parser.parse_args().epochs
np.set_printoptions(precision=2, suppress=True)
set_random_seed(1234)


# %% [markdown]
# ## 1. Coffee roasting: a 2-3-1 network on normalized data


# %%
def load_coffee_data():
    """Temperature (C) and duration (minutes) of 200 roasts; 1 for a good roast."""
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5           # 11.5-15.5 min is the best range
    X[:, 0] = X[:, 0] * (285 - 150) + 150  # 150-285 C
    Y = np.zeros(len(X))
    for i, (t, d) in enumerate(X):
        y = -3 / (260 - 175) * t + 21
        if 175 < t < 260 and 12 < d < 15 and d <= y:
            Y[i] = 1
    return X, Y.reshape(-1, 1)


X, Y = load_coffee_data()
print(X.shape, Y.shape)

# %%
print(f"Temperature Max, Min pre normalization: {np.max(X[:, 0]):0.2f}, {np.min(X[:, 0]):0.2f}")
print(f"Duration    Max, Min pre normalization: {np.max(X[:, 1]):0.2f}, {np.min(X[:, 1]):0.2f}")
norm_l = Normalization(axis=-1)
norm_l.adapt(X)  # learns mean, variance
Xn = norm_l(X)
print(f"Temperature Max, Min post normalization: {np.max(Xn[:, 0]):0.2f}, {np.min(Xn[:, 0]):0.2f}")
print(f"Duration    Max, Min post normalization: {np.max(Xn[:, 1]):0.2f}, {np.min(Xn[:, 1]):0.2f}")
assert np.allclose(np.mean(Xn, axis=0), 0.0, atol=1e-5)
assert np.allclose(np.var(Xn, axis=0), 1.0, atol=1e-4)  # population variance, as Keras

# %%
Xt = np.tile(Xn, (1000, 1))
Yt = np.tile(Y, (1000, 1))
print(Xt.shape, Yt.shape)

# %%
model = Sequential(
    [
        kerasish.Input(shape=(2,)),
        Dense(3, activation="sigmoid", name="layer1"),
        Dense(1, activation="sigmoid", name="layer2"),
    ]
)
model.summary()

# %%
L1_num_params = 2 * 3 + 3   # W1 parameters  + b1 parameters
L2_num_params = 3 * 1 + 1   # W2 parameters  + b2 parameters
print("L1 params = ", L1_num_params, ", L2 params = ", L2_num_params)
assert model.get_layer("layer1").count_params() == L1_num_params
assert model.get_layer("layer2").count_params() == L2_num_params

# %%
W1, b1 = model.get_layer("layer1").get_weights()
W2, b2 = model.get_layer("layer2").get_weights()
print(f"W1{W1.shape}:\n", W1, f"\nb1{b1.shape}:", b1)
print(f"W2{W2.shape}:\n", W2, f"\nb2{b2.shape}:", b2)

# %%
model.compile(
    loss=kerasish.losses.BinaryCrossentropy(),
    optimizer=kerasish.optimizers.Adam(learning_rate=0.01),
)
model.fit(Xt, Yt, epochs=EPOCHS)

# %%
W1, b1 = model.get_layer("layer1").get_weights()
W2, b2 = model.get_layer("layer2").get_weights()
print("W1:\n", W1, "\nb1:", b1)
print("W2:\n", W2, "\nb2:", b2)

# %% After finishing the lab later, load the weights from a previous run
W1 = np.array([
    [-8.94, 0.29, 12.89],
    [-0.17, -7.34, 10.79]])
b1 = np.array([-9.87, -9.28, 1.01])
W2 = np.array([
    [-31.38],
    [-27.86],
    [-32.79]])
b2 = np.array([15.54])
model.get_layer("layer1").set_weights([W1, b1])  # float64 arrays, cast to the layer's dtype
model.get_layer("layer2").set_weights([W2, b2])

# %%
X_test = np.array([
    [200, 13.9],  # positive example
    [200, 17]])   # negative example
X_testn = norm_l(X_test)
predictions = model.predict(X_testn)
print("predictions = \n", predictions)
yhat = (predictions >= 0.5).astype(int)
print(f"decisions = \n{yhat}")
assert yhat.tolist() == [[1], [0]]


# %% The same forward pass in NumPy (the "CoffeeRoastingNumPy" lab)
def sigmoid_np(z):
    return 1 / (1 + np.exp(-z))


def my_dense(a_in, W, b, g):
    return g(np.matmul(a_in, W) + b)


def my_sequential(x, W1, b1, W2, b2):
    a1 = my_dense(x, W1, b1, sigmoid_np)
    return my_dense(a1, W2, b2, sigmoid_np)


p_numpy = my_sequential(np.asarray(X_testn), W1, b1, W2, b2)
assert np.allclose(predictions, p_numpy, rtol=1e-4, atol=1e-6)

# %% The Normalization layer can also be the model's first layer
model_n = Sequential([
    Input(shape=(2,)),
    norm_l,
    Dense(3, activation="sigmoid", name="n_layer1"),
    Dense(1, activation="sigmoid", name="n_layer2"),
])
model_n.set_weights(norm_l.get_weights() + [W1, b1, W2, b2])
assert np.allclose(model_n.predict(X_test), predictions, rtol=1e-5)


# %% [markdown]
# ## 2. Neurons and layers

# %%
X_train = np.array([[1.0], [2.0]], dtype=np.float32)  # size in 1000 square feet
Y_train = np.array([[300.0], [500.0]], dtype=np.float32)  # price in 1000s of dollars

linear_layer = Dense(units=1, activation="linear")
print(linear_layer.get_weights())  # no weights yet
assert linear_layer.get_weights() == []
a1 = linear_layer(X_train[0].reshape(1, 1))
print(a1)
w, b = linear_layer.get_weights()
print(f"w = {w}, b={b}")
assert w.shape == (1, 1) and b.shape == (1,)

# %%
set_w = np.array([[200]])  # int64
set_b = np.array([100])
linear_layer.set_weights([set_w, set_b])
print(linear_layer.get_weights())
a1 = linear_layer(X_train[0].reshape(1, 1))
print(a1)
alin = np.dot(set_w, X_train[0].reshape(1, 1)) + set_b
print(alin)
assert np.allclose(a1, alin)
prediction_tf = linear_layer(X_train)
prediction_np = np.dot(X_train, set_w) + set_b
assert np.allclose(prediction_tf, prediction_np)

# %%
X_train = np.array([0.0, 1, 2, 3, 4, 5], dtype=np.float32).reshape(-1, 1)
Y_train = np.array([0, 0, 0, 1, 1, 1], dtype=np.float32).reshape(-1, 1)
model = Sequential(
    [
        Dense(1, input_dim=1, activation="sigmoid", name="L1")
    ]
)
model.summary()
logistic_layer = model.get_layer("L1")
w, b = logistic_layer.get_weights()
print(w, b)
print(w.shape, b.shape)
set_w = np.array([[2]])
set_b = np.array([-4.5])
logistic_layer.set_weights([set_w, set_b])
print(logistic_layer.get_weights())
a1 = model.predict(X_train[0].reshape(1, 1))
print(a1)
alog = sigmoid_np(np.dot(set_w, X_train[0].reshape(1, 1)) + set_b)
print(alog)
assert np.allclose(a1, alog)
print(logistic_layer.weights)  # named variables: L1/kernel, L1/bias
assert [v.path for v in logistic_layer.weights] == ["L1/kernel", "L1/bias"]
assert np.allclose(logistic_layer.weights[0].numpy(), set_w)
assert np.allclose(np.asarray(logistic_layer.weights[1]), set_b)


# %% [markdown]
# ## 3. Handwritten digits 0 and 1: a 400-25-15-1 network

# %%
def load_data():
    """Digits 0 and 1 as 20x20 images, flattened to 400 features in [0, 1]."""
    (x, y), _ = kerasish.datasets.digits.load_data()
    keep = y <= 1
    images = np.kron(x[keep], np.ones((1, 2, 2))) / 16.0  # 8x8 -> 16x16
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))     # -> 20x20
    return images.reshape(-1, 400), y[keep].reshape(-1, 1)


X, y = load_data()
print("The shape of X is: " + str(X.shape))
print("The shape of y is: " + str(y.shape))

# %%
model = Sequential(
    [
        kerasish.Input(shape=(400,)),    # specify input size
        Dense(25, activation="sigmoid", name="layer1"),
        Dense(15, activation="sigmoid", name="layer2"),
        Dense(1, activation="sigmoid", name="layer3"),
    ], name="my_model"
)
model.summary()

# %%
L1_num_params = 400 * 25 + 25  # W1 parameters  + b1 parameters
L2_num_params = 25 * 15 + 15   # W2 parameters  + b2 parameters
L3_num_params = 15 * 1 + 1     # W3 parameters  + b3 parameters
print("L1 params = ", L1_num_params, ", L2 params = ", L2_num_params,
      ",  L3 params = ", L3_num_params)
assert [layer.count_params() for layer in model.layers] == [10025, 390, 16]

# %%
[layer1, layer2, layer3] = model.layers
W1, b1 = layer1.get_weights()
W2, b2 = layer2.get_weights()
W3, b3 = layer3.get_weights()
print(f"W1 shape = {W1.shape}, b1 shape = {b1.shape}")
print(f"W2 shape = {W2.shape}, b2 shape = {b2.shape}")
print(f"W3 shape = {W3.shape}, b3 shape = {b3.shape}")
assert (W1.shape, b1.shape, W2.shape, b2.shape, W3.shape, b3.shape) == (
    (400, 25), (25,), (25, 15), (15,), (15, 1), (1,))
print(model.layers[2].weights)

# %%
print(model.input.shape, model.input_shape, layer1.output.shape, model.built, model.name)
assert model.input.shape == (None, 400) and model.input_shape == (None, 400)
assert layer1.output.shape == (None, 25) and model.built and model.name == "my_model"
print(layer1.units, layer1.activation.__name__, layer1.activation == sigmoid)
assert layer1.units == 25 and layer1.activation == sigmoid
assert layer1.activation.__name__ == "sigmoid"
config = layer1.get_config()
print(config["units"], config["activation"])
clone = Dense.from_config(config)
assert clone.get_config() == config

# %%
model.compile(
    loss=kerasish.losses.BinaryCrossentropy(),
    optimizer=kerasish.optimizers.Adam(0.001),
)
print(type(model.loss).__name__, type(model.optimizer).__name__)
assert type(model.loss) is BinaryCrossentropy and type(model.optimizer) is Adam
print(float(model.optimizer.learning_rate), model.optimizer.learning_rate.numpy())
assert abs(float(model.optimizer.learning_rate) - 0.001) < 1e-9
print("from_logits:", model.loss.get_config()["from_logits"])
model.fit(X, y, epochs=EPOCHS)

# %%
prediction = model.predict(X[0].reshape(1, 400))  # a zero
print(f" predicting a zero: {prediction}")
first_one = int(np.argmax(y[:, 0] == 1))
prediction = model.predict(X[first_one].reshape(1, 400))  # a one
print(f" predicting a one:  {prediction}")
yhat = (model.predict(X) >= 0.5).astype(int)
accuracy = np.mean(yhat == y)
print(f"training accuracy: {accuracy:.3f}")

# %% build() on a built (and fitted) model changes nothing
before = model.get_weights()
model.build(input_shape=(None, 400))
assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

# %% A model without an Input layer is built by build() or by its first call
lazy = Sequential([Dense(25, activation="sigmoid"), Dense(1, activation="sigmoid")],
                  name="lazy_model")
print(lazy.built, lazy.get_weights())
lazy.build(input_shape=(None, 400))
print(lazy.built, [w.shape for w in lazy.get_weights()])
lazy.get_layer(index=0).set_weights([W1.astype(np.float64), b1.astype(np.float64)])
explicit = Sequential([InputLayer(shape=(400,)), Dense(3)])
print(explicit.input_shape)


# %% [markdown]
# ## 4. Multiclass: softmax output, and the preferred from_logits form

# %%
def make_blobs(n_samples=2000, centers=((-5, 2), (-2, -2), (1, 2), (5, -2)), std=1.0):
    rng = np.random.default_rng(30)
    labels = rng.integers(0, len(centers), n_samples)
    return np.asarray(centers)[labels] + rng.normal(0, std, (n_samples, 2)), labels


X_train, y_train = make_blobs()
model = Sequential(
    [
        Dense(25, activation="relu"),
        Dense(15, activation="relu"),
        Dense(4, activation="softmax"),    # < softmax activation here
    ]
)
model.compile(
    loss=kerasish.losses.SparseCategoricalCrossentropy(),
    optimizer=kerasish.optimizers.Adam(0.001),
)
model.fit(X_train, y_train, epochs=EPOCHS)

# %%
p_nonpreferred = model.predict(X_train)
print(p_nonpreferred[:2])
print("largest value", np.max(p_nonpreferred), "smallest value", np.min(p_nonpreferred))
assert np.allclose(np.sum(p_nonpreferred, axis=1), 1.0, atol=1e-5)

# %%
preferred_model = Sequential(
    [
        Dense(25, activation="relu"),
        Dense(15, activation="relu"),
        Dense(4, activation="linear"),   # <-- Note
    ]
)
preferred_model.compile(
    loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),  # <-- Note
    optimizer=kerasish.optimizers.Adam(0.001),
    metrics=["accuracy"],
)
preferred_model.fit(X_train, y_train, epochs=EPOCHS)
print("from_logits:", preferred_model.loss.get_config()["from_logits"])

# %%
p_preferred = preferred_model.predict(X_train)
print("two example output vectors:\n", p_preferred[:2])
print("largest value", np.max(p_preferred), "smallest value", np.min(p_preferred))
sm_preferred = kerasish.ops.convert_to_numpy(kerasish.ops.softmax(p_preferred))
print("two example output vectors:\n", sm_preferred[:2])
print("largest value", np.max(sm_preferred), "smallest value", np.min(sm_preferred))
assert np.allclose(np.sum(sm_preferred, axis=1), 1.0, atol=1e-5)
for i in range(5):
    print(f"{p_preferred[i]}, category: {np.argmax(p_preferred[i])}")
loss, accuracy = preferred_model.evaluate(X_train, y_train)
print(f"loss {loss:.3f}, accuracy {accuracy:.3f}")

# %% One-hot labels
y_onehot = to_categorical(y_train, num_classes=4)
print(y_onehot[:3])
onehot_model = Sequential([Input(shape=(2,)), Dense(4, activation="softmax")])
onehot_model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01),
                     metrics=["accuracy"])
history = onehot_model.fit(X_train, y_onehot, epochs=EPOCHS, verbose=0)
print(sorted(history.history), len(history.history["loss"]))


# %% [markdown]
# ## 5. Regularization, old spellings, ops

# %%
regularized = Sequential(
    [
        Dense(25, activation="relu", kernel_regularizer=l2(0.1), name="L1"),
        Dense(15, activation="relu", kernel_regularizer=kerasish.regularizers.l2(0.1),
              name="L2"),
        Dense(4, activation="linear", name="L3"),
    ]
)
print("lambda:", regularized.get_layer("L1").kernel_regularizer.l2)
assert abs(regularized.get_layer("L1").kernel_regularizer.l2 - 0.1) < 1e-9
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_adam = Adam(lr=0.01)  # the tf.keras 1 spelling: accepted, with a warning
print(caught[0].category.__name__ + ":", caught[0].message)
regularized.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=old_adam)
regularized.fit(X_train, y_train, epochs=EPOCHS, verbose=0)
print(float(regularized.optimizer.learning_rate))

# %%
ops = kerasish.ops
z = np.array([[1.0, 2.0, 3.0, 4.0]])
print(ops.softmax(z), ops.sigmoid(z), ops.relu(z - 2.5), ops.log_softmax(z))
print(int(ops.argmax(z, axis=-1)[0]), ops.matmul(z, z.T), ops.sum(z), ops.mean(z))
print(ops.exp(z), ops.log(z), ops.where(z > 2, z, 0.0))
assert isinstance(ops.convert_to_numpy(ops.softmax(z)), np.ndarray)
print(linear(z), relu(z - 2.5))


# %% [markdown]
# ## 6. float64

# %%
kerasish.backend.set_floatx("float64")
print(kerasish.backend.floatx(), kerasish.config.floatx())
model64 = Sequential([Input(shape=(2,)), Dense(3, activation="sigmoid"),
                      Dense(1, activation="sigmoid")])
model64.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.01), metrics=["accuracy"])
model64.fit(np.asarray(Xn, np.float64), Y, epochs=EPOCHS, verbose=0)
p64 = model64.predict(np.asarray(norm_l(X_test), np.float64))
print(p64.dtype, [w.dtype for w in model64.get_weights()])
assert p64.dtype == np.float64
assert all(w.dtype == np.float64 for w in model64.get_weights())
kerasish.config.set_floatx("float32")

print("notebook ok")
