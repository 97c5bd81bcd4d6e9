"""Sequences and text: a text classifier that takes raw strings, a small Transformer
encoder on the same texts, and a time-series forecaster.

1. ``TextVectorization`` -> ``Embedding(mask_zero=True)`` -> ``Bidirectional(LSTM)`` ->
   ``Dense``: the model starts with ``Input(dtype="string")``; kerasish runs the text
   layer on the host, on the data, and compiles the rest.
2. A Transformer encoder block (``MultiHeadAttention`` with the padding mask, a
   feed-forward block, residuals and ``LayerNormalization``) on the same tokens.
3. A forecaster of the next value of a noisy periodic signal, trained on windows made
   by ``timeseries_dataset_from_array``, compared with the "same as last" baseline.

The script writes its own data (short reviews built from positive, negative and
neutral words), so it runs anywhere. See docs/guide/sequences.md.

Run: python examples/sequences.py [--epochs 20]
"""

import argparse

import numpy as np

import kerasish
from kerasish import layers

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

# -- the data: short "reviews"; the label says whether the positive words win -----------
rng = np.random.default_rng(0)
POSITIVE = ["good", "great", "fine", "lovely", "superb", "enjoyable", "clever"]
NEGATIVE = ["bad", "awful", "poor", "dull", "boring", "weak", "clumsy"]
NEUTRAL = ["the", "film", "plot", "actor", "was", "and", "a", "story", "music", "very"]


def review():
    n_pos, n_neg = rng.integers(0, 4, size=2)
    while n_pos == n_neg:
        n_pos, n_neg = rng.integers(0, 4, size=2)
    words = list(rng.choice(POSITIVE, n_pos)) + list(rng.choice(NEGATIVE, n_neg))
    words += list(rng.choice(NEUTRAL, rng.integers(3, 12)))
    rng.shuffle(words)
    return " ".join(words), float(n_pos > n_neg)


pairs = [review() for _ in range(1200)]
texts = np.array([[t] for t, _ in pairs])  # shape (n, 1): one string per row, as Keras
labels = np.array([y for _, y in pairs], "float32")
train_x, val_x, train_y, val_y = texts[:1000], texts[1000:], labels[:1000], labels[1000:]

# -- 1. the text classifier --------------------------------------------------------------
vectorize = layers.TextVectorization(max_tokens=100, output_sequence_length=16)
vectorize.adapt(train_x)  # the vocabulary, learned from the training texts
print("vocabulary:", vectorize.get_vocabulary()[:6], "...")

kerasish.utils.set_random_seed(0)
classifier = kerasish.Sequential([
    kerasish.Input((1,), dtype="string"),
    vectorize,                                     # runs on the host, on the data
    layers.Embedding(100, 16, mask_zero=True),     # id 0 (padding) is masked
    layers.Bidirectional(layers.LSTM(16)),
    layers.Dense(1, activation="sigmoid"),
])
classifier.compile(optimizer=kerasish.optimizers.Adam(1e-2), loss="binary_crossentropy",
                   metrics=["accuracy"])
classifier.fit(train_x, train_y, epochs=args.epochs, batch_size=32, verbose=0)
_, accuracy = classifier.evaluate(val_x, val_y, verbose=0)
print(f"text classifier: validation accuracy {accuracy:.3f}")
print("'a superb and clever film' ->",
      round(float(classifier.predict(np.array([["a superb and clever film"]]),
                                     verbose=0)[0, 0]), 3))

# -- 2. a Transformer encoder block on the same tokens ------------------------------------
tokens_train, tokens_val = np.asarray(vectorize(train_x)), np.asarray(vectorize(val_x))
kerasish.utils.set_random_seed(0)
inputs = kerasish.Input((16,), dtype="int32")
x = layers.Embedding(100, 32, mask_zero=True)(inputs)
positions = layers.Embedding(16, 32)(kerasish.ops.arange(16))
x = x + positions                                   # learned position embeddings
attention = layers.MultiHeadAttention(num_heads=2, key_dim=16)(x, x)
x = layers.LayerNormalization(epsilon=1e-6)(x + attention)
feed_forward = layers.Dense(32)(layers.Dense(64, activation="relu")(x))
x = layers.LayerNormalization(epsilon=1e-6)(x + feed_forward)
x = layers.GlobalAveragePooling1D()(x)
encoder = kerasish.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
encoder.compile(optimizer=kerasish.optimizers.Adam(3e-3), loss="binary_crossentropy",
                metrics=["accuracy"])
encoder.fit(tokens_train, train_y, epochs=args.epochs, batch_size=32, verbose=0)
_, accuracy = encoder.evaluate(tokens_val, val_y, verbose=0)
print(f"transformer: validation accuracy {accuracy:.3f}")

# -- 3. a time-series forecaster -----------------------------------------------------------
steps = np.arange(3000)
series = (np.sin(steps * 2 * np.pi / 50) + 0.5 * np.sin(steps * 2 * np.pi / 13)
          + 0.1 * rng.normal(size=steps.size)).astype("float32")
window = 30
# Windows of 30 values; the target of each is the value right after it.
train_ds = kerasish.utils.timeseries_dataset_from_array(
    series[:-1], series[window:], sequence_length=window, batch_size=64,
    end_index=2400)
val_ds = kerasish.utils.timeseries_dataset_from_array(
    series[:-1], series[window:], sequence_length=window, batch_size=64,
    start_index=2400)

kerasish.utils.set_random_seed(0)
forecaster = kerasish.Sequential([
    kerasish.Input((window,)),
    layers.Reshape((window, 1)),
    layers.GRU(16),
    layers.Dense(1),
])
forecaster.compile(optimizer=kerasish.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
forecaster.fit(train_ds, epochs=args.epochs, verbose=0)
_, mae = forecaster.evaluate(val_ds, verbose=0)
baseline = np.mean(np.abs(series[2400 + window:] - series[2400 + window - 1:-1]))
print(f"forecaster: validation MAE {mae:.3f} (same-as-last baseline: {baseline:.3f})")
