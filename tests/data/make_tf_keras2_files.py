"""Writes the tf.keras 2 sample files in ``tests/data/tf_keras2/`` (run by hand).

The files are what real tf.keras 2 programs leave on disk: ``model.save("x.h5")``
(architecture, weights, ``training_config`` and the optimizer's variables),
``save_weights("x.h5")``, a ``ModelCheckpoint("best.h5")`` output and ``to_json()``
output. Beside each model an ``.npz`` holds the input batch, tf.keras's predictions
and, for compiled models, ``evaluate()`` and one more epoch of ``fit()`` from the
saved state (the reference for continuing training after loading).

It needs TensorFlow 2.15.1 (whose ``tf.keras`` is Keras 2.15.0) in its own virtual
environment, never in the project's::

    python3.11 -m venv /tmp/tfvenv
    /tmp/tfvenv/bin/pip install tensorflow-cpu==2.15.1   # or tensorflow==2.15.1
    /tmp/tfvenv/bin/python tests/data/make_tf_keras2_files.py

The test suite reads the files and never imports TensorFlow. Seeds are fixed and
TF's ops are deterministic (``enable_op_determinism``): two runs on the same machine
gave byte-identical files. After a rerun, paste the table this script prints into
``tests/data/README.md`` (``tests/test_tf_keras2_files.py`` checks the checksums).
"""

import hashlib
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402

from keras import __version__ as KERAS_VERSION  # noqa: E402  (tf.keras is this package)

OUT = pathlib.Path(__file__).resolve().parent / "tf_keras2"
L = keras.layers


def seed(n):
    keras.utils.set_random_seed(n)


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = (x[:, :3].sum(1) > 0).astype("int64") + (x[:, 3] > 0.5).astype("int64")
    return x, y


def mlp(units_out=3):
    """The tf.keras 2 style: the input shape given to the first layer."""
    return keras.Sequential([
        L.Dense(16, activation="relu", input_shape=(8,), name="hidden_1"),
        L.Dropout(0.1, name="dropout"),
        L.Dense(16, activation="tanh", name="hidden_2"),
        L.Dense(units_out, activation="softmax", name="probs")], name="mlp")


def conv_data():
    rng = np.random.default_rng(1)
    img = rng.normal(size=(24, 8, 8, 3)).astype("float32")
    aux = rng.normal(size=(24, 4)).astype("float32")
    cls = rng.integers(0, 4, size=(24,)).astype("int64")
    reg = (img.mean((1, 2, 3)) + aux[:, 0]).astype("float32")[:, None]
    return img, aux, cls, reg


def conv_model():
    """Two inputs, two outputs: Conv2D, BatchNormalization, MaxPooling2D, Dropout,
    Dense, merged with Add and Concatenate."""
    img = keras.Input((8, 8, 3), name="image")
    aux = keras.Input((4,), name="aux")
    x = L.Conv2D(6, 3, padding="same", name="conv_a")(img)
    x = L.BatchNormalization(name="bn_a")(x)
    x = L.Activation("relu", name="relu_a")(x)
    y = L.Conv2D(6, 1, name="conv_skip")(img)
    x = L.Add(name="add")([x, y])
    x = L.MaxPooling2D(2, name="pool")(x)
    x = L.Conv2D(8, 3, activation="relu", name="conv_b")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    a = L.Dense(5, activation="relu", name="aux_dense")(aux)
    h = L.Concatenate(name="concat")([x, a])
    h = L.Dropout(0.2, name="dropout")(h)
    h = L.BatchNormalization(name="bn_h")(h)
    cls = L.Dense(4, activation="softmax", name="cls")(h)
    reg = L.Dense(1, name="reg")(h)
    return keras.Model([img, aux], [cls, reg], name="conv_net")


def text_data():
    rng = np.random.default_rng(2)
    tok = rng.integers(1, 20, size=(24, 7)).astype("int32")
    for i in range(24):  # right padding with 0 (masked)
        tok[i, 7 - i % 4:] = 0
    label = (tok[:, 0] > 10).astype("float32")[:, None]
    return tok, label


def text_model():
    tok = keras.Input((7,), dtype="int32", name="tokens")
    x = L.Embedding(20, 6, mask_zero=True, name="embed")(tok)
    x = L.Bidirectional(L.LSTM(5, return_sequences=True, name="lstm"), name="bilstm")(x)
    x = L.GRU(4, name="gru")(x)
    out = L.Dense(1, activation="sigmoid", name="out")(x)
    return keras.Model(tok, out, name="text_net")


@keras.utils.register_keras_serializable(package="demo")
class Scale(L.Layer):
    """A user layer (registered as "demo>Scale"): one weight per feature, times a factor."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def zoo_data():
    rng = np.random.default_rng(3)
    left = rng.normal(size=(24, 4)).astype("float32")
    right = rng.normal(size=(24, 4)).astype("float32")
    seq = rng.normal(size=(24, 6, 5)).astype("float32")
    label = ((left - right).sum(1) + seq[:, 0, 0] > 0).astype("float32")[:, None]
    weight = rng.uniform(0.5, 2.0, size=(24,)).astype("float32")
    return left, right, seq, label, weight


def zoo_model():
    """A shared nested Sequential (siamese), merge layers, a user layer, Conv1D
    (causal, dilated), LayerNormalization, TimeDistributed, SimpleRNN, PReLU."""
    encoder = keras.Sequential([
        L.Dense(6, activation="elu", input_shape=(4,), name="enc_dense"),
        L.LeakyReLU(alpha=0.1, name="enc_leaky"),
        L.Dense(3, name="enc_out")], name="encoder")
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    a, b = encoder(left), encoder(right)
    diff = L.Subtract(name="diff")([a, b])
    prod = L.Multiply(name="prod")([a, b])
    dot = Scale(2.0, name="scale")(L.Dot(axes=1, name="dot")([a, b]))
    seq = keras.Input((6, 5), name="seq")
    s = L.Conv1D(4, 3, padding="causal", dilation_rate=2, name="conv1d")(seq)
    s = L.LayerNormalization(name="ln")(s)
    s = L.TimeDistributed(L.Dense(3, activation="swish", name="td_dense"), name="td")(s)
    s = L.SimpleRNN(4, go_backwards=True, name="rnn")(s)
    h = L.Concatenate(name="cat")([diff, prod, dot, s])
    h = L.PReLU(name="prelu")(L.Dense(6, name="mix")(h))
    out = L.Dense(1, activation="sigmoid", name="out")(h)
    return keras.Model([left, right, seq], out, name="zoo")


def evaluate(model, x, y):
    return {k: np.float64(v) for k, v in
            model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True).items()}


def continue_fit(model, x, y):
    """One more epoch, unshuffled: its logs."""
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return {f"fit_{k}": np.float64(v[-1]) for k, v in history.history.items()}


def without_dropout(model, path, x, y):
    """tf.keras's loaded copy of ``path`` with every Dropout rate set to 0, trained one
    more epoch: the reference a reader checks continued training against (dropout
    masks depend on the framework's random stream, the rest does not)."""
    clone = keras.models.load_model(path)
    for layer in clone.layers:
        if isinstance(layer, L.Dropout):
            layer.rate = 0.0
    logs = continue_fit(clone, x, y)
    after = clone.predict(x, verbose=0)
    return logs, after


def save_npz(name, **arrays):
    flat = {}
    for key, value in arrays.items():
        if isinstance(value, dict):
            for k, v in value.items():
                flat[f"{key}/{k}"] = np.asarray(v)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                flat[f"{key}/{i}"] = np.asarray(v)
        else:
            flat[key] = np.asarray(value)
    np.savez_compressed(OUT / f"{name}.npz", **flat)


def make_mlp():
    seed(10)
    x, y = mlp_data()
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, beta_1=0.85),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    path = OUT / "mlp_adam.h5"
    model.save(path)
    model.save_weights(OUT / "mlp_weights.h5")
    logs = evaluate(model, x, y)
    fit_logs, after = without_dropout(model, path, x, y)
    save_npz("mlp_adam", x=x, y=y, predictions=model.predict(x, verbose=0),
             evaluate=logs, fit=fit_logs, after_fit=after)
    (OUT / "mlp.json").write_text(model.to_json())

    # The optimizers of TF <= 2.10 (tf.keras.optimizers.legacy in 2.11+): another
    # config form and another layout of the optimizer's variables.
    seed(12)
    model = mlp()
    model.compile(optimizer=keras.optimizers.legacy.Adam(learning_rate=0.01, beta_2=0.99),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = OUT / "mlp_legacy_adam.h5"
    model.save(path)
    fit_logs, after = without_dropout(model, path, x, y)
    save_npz("mlp_legacy_adam", x=x, y=y, predictions=model.predict(x, verbose=0),
             evaluate=evaluate(model, x, y), fit=fit_logs, after_fit=after)

    # load_weights(by_name=True, skip_mismatch=True): a weights file from a variant
    # whose last layer has 5 units and whose middle layer has another name.
    seed(11)
    variant = keras.Sequential([
        L.Dense(16, activation="relu", input_shape=(8,), name="hidden_1"),
        L.Dense(16, activation="tanh", name="renamed"),
        L.Dense(5, activation="softmax", name="probs")], name="variant")
    variant.save_weights(OUT / "mlp_variant_weights.h5")
    target = mlp()
    start = [np.asarray(w) for w in target.get_weights()]
    target.load_weights(OUT / "mlp_variant_weights.h5", by_name=True, skip_mismatch=True)
    save_npz("mlp_variant_weights", x=x, start=start,
             predictions=target.predict(x, verbose=0))


def make_conv():
    seed(20)
    img, aux, cls, reg = conv_data()
    model = conv_model()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        loss={"cls": "sparse_categorical_crossentropy", "reg": keras.losses.Huber(delta=0.5)},
        loss_weights={"cls": 1.0, "reg": 0.5},
        metrics={"cls": ["accuracy"], "reg": ["mae"]})
    model.fit([img, aux], {"cls": cls, "reg": reg}, batch_size=8, epochs=2, shuffle=False,
              verbose=0)
    path = OUT / "conv_sgd.h5"
    model.save(path)
    model.save_weights(OUT / "conv_weights.h5")
    (OUT / "conv_net.json").write_text(model.to_json())
    pred = model.predict([img, aux], verbose=0)
    logs = evaluate(model, [img, aux], {"cls": cls, "reg": reg})
    fit_logs, after = without_dropout(model, path, [img, aux], {"cls": cls, "reg": reg})
    save_npz("conv_sgd", image=img, aux=aux, cls=cls, reg=reg, predictions=pred,
             evaluate=logs, fit=fit_logs, after_fit=after)


def make_text():
    seed(30)
    tok, label = text_data()
    model = text_model()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8),
                  loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    model.fit(tok, label, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = OUT / "text_rmsprop.h5"
    model.save(path)
    (OUT / "text_net.json").write_text(model.to_json())
    model.save_weights(OUT / "text_weights.h5")
    logs = evaluate(model, tok, label)
    fit_logs, after = without_dropout(model, path, tok, label)
    save_npz("text_rmsprop", tokens=tok, label=label, predictions=model.predict(tok, verbose=0),
             evaluate=logs, fit=fit_logs, after_fit=after)


def make_zoo():
    seed(50)
    left, right, seq, label, weight = zoo_data()
    x = [left, right, seq]
    model = zoo_model()
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.05),
                  loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1),
                  metrics=[keras.metrics.Precision(name="precision"),
                           keras.metrics.Recall(name="recall")],
                  weighted_metrics=["accuracy"])
    model.fit(x, label, sample_weight=weight, batch_size=8, epochs=2, shuffle=False, verbose=0)
    path = OUT / "zoo_adamw.h5"
    model.save(path)
    logs = {k: np.float64(v) for k, v in model.evaluate(
        x, label, sample_weight=weight, batch_size=8, verbose=0, return_dict=True).items()}
    clone = keras.models.load_model(path)
    history = clone.fit(x, label, sample_weight=weight, batch_size=8, epochs=1, shuffle=False,
                        verbose=0)
    save_npz("zoo_adamw", left=left, right=right, seq=seq, label=label, weight=weight,
             predictions=model.predict(x, verbose=0), evaluate=logs,
             fit={f"fit_{k}": np.float64(v[-1]) for k, v in history.history.items()},
             after_fit=clone.predict(x, verbose=0))


def optimizers():
    """{file stem: optimizer}: the other tf.keras 2 optimizers, current and legacy."""
    opt, legacy = keras.optimizers, keras.optimizers.legacy
    return {
        "opt_adam_amsgrad": opt.Adam(0.02, amsgrad=True),
        "opt_adam_ema": opt.Adam(0.02, use_ema=True, ema_momentum=0.9),
        "opt_adagrad": opt.Adagrad(0.1),
        "opt_adadelta": opt.Adadelta(1.0, rho=0.9),
        "opt_adamax": opt.Adamax(0.05),
        "opt_nadam": opt.Nadam(0.02),
        "opt_ftrl": opt.Ftrl(0.1, l1_regularization_strength=0.01),
        "opt_lion": opt.Lion(0.01),
        "opt_rmsprop_centered": opt.RMSprop(0.01, momentum=0.5, centered=True),
        "opt_legacy_sgd": legacy.SGD(0.05, momentum=0.8, nesterov=True),
        "opt_legacy_rmsprop": legacy.RMSprop(0.01, momentum=0.5, centered=True),
        "opt_legacy_adagrad": legacy.Adagrad(0.1),
        "opt_legacy_adadelta": legacy.Adadelta(1.0, rho=0.9),
        "opt_legacy_adamax": legacy.Adamax(0.05),
        "opt_legacy_ftrl": legacy.Ftrl(0.1, l1_regularization_strength=0.01),
        "opt_legacy_nadam": legacy.Nadam(0.02),
    }


def make_optimizers():
    """A tiny regression model per optimizer, saved after 4 steps; ``after_fit`` is the
    same model (not reloaded) one epoch later: uninterrupted training, which a reader
    that restores the whole optimizer state continues exactly."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0], "float32") + 0.3)[:, None]
    for i, (stem, optimizer) in enumerate(optimizers().items()):
        seed(60 + i)
        model = keras.Sequential([L.Dense(3, activation="tanh", input_shape=(4,), name="h"),
                                  L.Dense(1, name="o")], name="tiny")
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        model.save(OUT / f"{stem}.h5")
        predictions = model.predict(x, verbose=0)
        history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        save_npz(stem, x=x, y=y, predictions=predictions, after_fit=model.predict(x, verbose=0),
                 fit={"fit_loss": np.float64(history.history["loss"][-1])})


def make_mixed():
    """Mixed precision: layers with the ``mixed_float16`` policy (a float32 output
    layer), compile wraps Adam in tf.keras's ``LossScaleOptimizerV3``."""
    seed(80)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = (x.sum(1) > 0).astype("float32")[:, None]
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([
            L.Dense(8, activation="relu", input_shape=(4,), name="h"), L.Dense(1, name="logit"),
            L.Activation("sigmoid", dtype="float32", name="prob")], name="mixed")
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                      metrics=["accuracy"])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    model.save(OUT / "mixed_adam.h5")
    predictions, logs = model.predict(x, verbose=0), evaluate(model, x, y)
    # The reference is uninterrupted training: tf.keras's own reload of this file does
    # not restore its LossScaleOptimizerV3's state (iterations 0, fresh slots).
    fit_logs = continue_fit(model, x, y)
    save_npz("mixed_adam", x=x, y=y, predictions=predictions, evaluate=logs, fit=fit_logs,
             after_fit=model.predict(x, verbose=0),
             loss_scale=np.float64(model.optimizer.loss_scale))


def make_checkpoint():
    seed(40)
    x, y = mlp_data()
    model = keras.Sequential([
        keras.Input((8,), name="features"),
        L.Dense(12, activation="relu", name="dense"),
        L.BatchNormalization(name="bn"),
        L.Dense(3, activation="softmax", name="out")], name="ckpt_mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    best = OUT / "best.h5"
    checkpoint = keras.callbacks.ModelCheckpoint(str(best), monitor="val_loss",
                                                 save_best_only=True)
    model.fit(x[:24], y[:24], validation_data=(x[24:], y[24:]), batch_size=8, epochs=4,
              shuffle=False, verbose=0, callbacks=[checkpoint])
    restored = keras.models.load_model(best)
    save_npz("best", x=x, y=y, predictions=restored.predict(x, verbose=0),
             evaluate=evaluate(restored, x, y),
             iterations=np.int64(restored.optimizer.iterations.numpy()))


def main():
    assert tf.__version__ == "2.15.1" and KERAS_VERSION == "2.15.0", (
        f"needs TensorFlow 2.15.1 / Keras 2.15.0, found {tf.__version__} / "
        f"{KERAS_VERSION}")
    tf.config.experimental.enable_op_determinism()
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    make_mlp()
    make_conv()
    make_text()
    make_zoo()
    make_optimizers()
    make_mixed()
    make_checkpoint()
    print(f"TensorFlow {tf.__version__}, Keras {KERAS_VERSION}, "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}")
    total = 0
    for path in sorted(OUT.iterdir()):
        data = path.read_bytes()
        total += len(data)
        print(f"| `{path.name}` | {len(data):,} | `{hashlib.sha256(data).hexdigest()}` |")
    print(f"total {total:,} bytes")


if __name__ == "__main__":
    main()
