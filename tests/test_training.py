"""The training engine against real Keras 3 (JAX backend): same initial weights, same
data, same optimizer -> same weights and History after several epochs; and the
engine's own promises (one compilation per phase, padded last batch, commit only
after a completed chunk)."""

import jax
import numpy as np
import pytest

import kerasish
from kerasish.layers import Dense


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(42)
    x = rng.normal(size=(70, 6)).astype("float32")  # 70 = 2 * 32 + 6: a short last batch
    y_bin = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    y_cls = (np.digitize(x[:, 0], [-0.5, 0.5])).astype("int32")  # 3 classes
    y_reg = (x @ rng.normal(size=(6, 1))).astype("float32")
    return x, y_bin, y_cls, y_reg


def twin_models(keras, units, activations, n_in, kernel_regularizer=None, seed=0):
    keras.utils.set_random_seed(seed)
    k_layers = [keras.Input(shape=(n_in,))]
    o_layers = [kerasish.Input(shape=(n_in,))]
    for u, a in zip(units, activations):
        k_reg = o_reg = None
        if kernel_regularizer is not None:
            k_reg = keras.regularizers.L2(kernel_regularizer)
            o_reg = kerasish.regularizers.L2(kernel_regularizer)
        k_layers.append(keras.layers.Dense(u, activation=a, kernel_regularizer=k_reg))
        o_layers.append(Dense(u, activation=a, kernel_regularizer=o_reg))
    km = keras.Sequential(k_layers)
    om = kerasish.Sequential(o_layers)
    om.set_weights(km.get_weights())
    return km, om


def assert_weights_close(km, om, rtol=1e-4, atol=1e-6):
    for kw, ow in zip(km.get_weights(), om.get_weights()):
        np.testing.assert_allclose(ow, kw, rtol=rtol, atol=atol)


CASES = [
    # name, loss, optimizer (keras factory, kerasish factory), target, output units/act
    ("bce_sgd", "binary_crossentropy", ("SGD", {"learning_rate": 0.1}), "bin", 1, "sigmoid"),
    ("bce_sgd_momentum", "binary_crossentropy",
     ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}), "bin", 1, "sigmoid"),
    ("bce_default_rmsprop", "binary_crossentropy", None, "bin", 1, "sigmoid"),
    ("sparse_logits_adam", "sparse_logits", ("Adam", {"learning_rate": 0.01}), "cls", 3, "linear"),
    ("sparse_softmax_adam", "sparse_categorical_crossentropy",
     ("Adam", {"learning_rate": 0.01}), "cls", 3, "softmax"),
    ("mse_adamw", "mse", ("AdamW", {"learning_rate": 0.01}), "reg", 1, "linear"),
    ("huber_adagrad", "huber", ("Adagrad", {"learning_rate": 0.1}), "reg", 1, "linear"),
]


def _loss(module, name):
    if name == "sparse_logits":
        return module.losses.SparseCategoricalCrossentropy(from_logits=True)
    return name


@pytest.mark.parametrize("name,loss,opt,target,units,act", CASES, ids=[c[0] for c in CASES])
def test_fit_matches_keras(keras, data, name, loss, opt, target, units, act):
    x, y_bin, y_cls, y_reg = data
    y = {"bin": y_bin, "cls": y_cls, "reg": y_reg}[target]
    km, om = twin_models(keras, [8, units], ["relu", act], x.shape[1])
    metrics = ["accuracy"] if target != "reg" else ["mae"]
    if opt is None:
        km.compile(loss=_loss(keras, loss), metrics=metrics)
        om.compile(loss=_loss(kerasish, loss), metrics=metrics)
    else:
        cls, kwargs = opt
        km.compile(loss=_loss(keras, loss), optimizer=getattr(keras.optimizers, cls)(**kwargs),
                   metrics=metrics)
        om.compile(loss=_loss(kerasish, loss),
                   optimizer=getattr(kerasish.optimizers, cls)(**kwargs), metrics=metrics)
    kh = km.fit(x, y, batch_size=32, epochs=4, shuffle=False, verbose=0)
    oh = om.fit(x, y, batch_size=32, epochs=4, shuffle=False, verbose=0)
    assert list(oh.history) == list(kh.history)
    for key in kh.history:
        np.testing.assert_allclose(oh.history[key], kh.history[key], rtol=1e-4, atol=1e-6)
    assert_weights_close(km, om)
    np.testing.assert_allclose(om.predict(x, verbose=0), km.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-6)
    k_eval = km.evaluate(x, y, verbose=0)
    o_eval = om.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(o_eval, k_eval, rtol=1e-4, atol=1e-6)
    assert int(om.optimizer.iterations) == int(km.optimizer.iterations) == 12


def test_regularizer_penalty_in_loss_matches_keras(keras, data):
    x, y_bin, _, _ = data
    km, om = twin_models(keras, [8, 1], ["relu", "sigmoid"], x.shape[1], kernel_regularizer=0.05)
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    om.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.SGD(0.1))
    kh = km.fit(x, y_bin, batch_size=32, epochs=3, shuffle=False, verbose=0)
    oh = om.fit(x, y_bin, batch_size=32, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-4)
    assert_weights_close(km, om)
    np.testing.assert_allclose(om.evaluate(x, y_bin, verbose=0), km.evaluate(x, y_bin, verbose=0),
                               rtol=1e-4)


def test_sample_weight_and_validation_split_match_keras(keras, data):
    x, y_bin, _, _ = data
    sw = np.linspace(0.2, 2.0, len(x)).astype("float32")
    km, om = twin_models(keras, [8, 1], ["tanh", "sigmoid"], x.shape[1])
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01),
               metrics=["accuracy"])
    om.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.Adam(0.01),
               metrics=["accuracy"])
    kwargs = dict(batch_size=16, epochs=3, shuffle=False, verbose=0, validation_split=0.2)
    kh = km.fit(x, y_bin, sample_weight=sw, **kwargs)
    oh = om.fit(x, y_bin, sample_weight=sw, **kwargs)
    assert list(oh.history) == list(kh.history) == [
        "accuracy", "loss", "val_accuracy", "val_loss"]
    for key in kh.history:
        np.testing.assert_allclose(oh.history[key], kh.history[key], rtol=1e-4, atol=1e-6)
    assert_weights_close(km, om)


def test_evaluate_returns_scalar_without_metrics(data):
    x, y_bin, _, _ = data
    model = kerasish.Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    value = model.evaluate(x, y_bin, verbose=0)
    assert isinstance(value, float)
    logs = model.evaluate(x, y_bin, verbose=0, return_dict=True)
    assert list(logs) == ["loss"] and logs["loss"] == pytest.approx(value)


class _TraceCounter:
    """Counts how many times the model's forward function is traced."""

    def __init__(self, model):
        self.count = 0
        original = model.call

        def counting_call(*args, **kwargs):
            if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args)):
                self.count += 1
            return original(*args, **kwargs)

        model.call = counting_call


def test_one_compilation_per_phase(data):
    x, y_bin, _, _ = data
    model = kerasish.Sequential([kerasish.Input((6,)), Dense(4, activation="relu"),
                                 Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    counter = _TraceCounter(model)
    model.fit(x, y_bin, batch_size=32, epochs=3, verbose=0, validation_data=(x[:10], y_bin[:10]))
    first = counter.count
    # One train program (short last batch included) + one eval program, + one abstract
    # trace (jax.eval_shape, no compilation) that finds whether layers call add_loss.
    assert first == 3
    model.fit(x, y_bin, batch_size=32, epochs=2, verbose=0, validation_data=(x[:10], y_bin[:10]))
    model.evaluate(x[:10], y_bin[:10], verbose=0)
    assert counter.count == first  # a second fit, new epochs, validation: no retrace
    model.optimizer.learning_rate = 0.5
    model.fit(x, y_bin, batch_size=32, epochs=1, verbose=0)
    assert counter.count == first  # a new learning rate is data, not a constant


def test_short_last_batch_is_one_keras_step(keras, data):
    """6 samples left over: one optimizer step on their mean loss, exactly as Keras."""
    x, y_bin, _, _ = data
    km, om = twin_models(keras, [1], ["sigmoid"], x.shape[1])
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(1.0))
    om.compile(loss="binary_crossentropy", optimizer=kerasish.optimizers.SGD(1.0))
    km.fit(x, y_bin, batch_size=64, epochs=1, shuffle=False, verbose=0)
    om.fit(x, y_bin, batch_size=64, epochs=1, shuffle=False, verbose=0)
    assert int(om.optimizer.iterations) == 2
    assert_weights_close(km, om, rtol=1e-5)


def test_steps_per_execution_and_batch_callbacks_give_same_weights(data):
    x, y_bin, _, _ = data

    def train(**compile_kwargs):
        kerasish.utils.set_random_seed(3)
        model = kerasish.Sequential([kerasish.Input((6,)), Dense(3, activation="relu"),
                                     Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="sgd", **compile_kwargs)
        return model

    base = train()
    base.fit(x, y_bin, batch_size=8, epochs=2, verbose=0)
    chunked = train(steps_per_execution=4)  # 9 steps per epoch: last chunk has padding
    chunked.fit(x, y_bin, batch_size=8, epochs=2, verbose=0)

    seen = []

    class Batches(kerasish.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    per_batch = train()
    per_batch.fit(x, y_bin, batch_size=8, epochs=2, verbose=0, callbacks=[Batches()])
    for other in (chunked, per_batch):
        for a, b in zip(base.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)
    assert [b for b, _ in seen] == list(range(9)) * 2
    assert seen[0][1] == ["loss"]


def test_same_seed_same_training_bit_for_bit(data):
    x, _, y_cls, _ = data

    def run():
        kerasish.utils.set_random_seed(11)
        model = kerasish.Sequential([Dense(5, activation="relu"), Dense(3)])
        model.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
                      optimizer="adam")
        h = model.fit(x, y_cls, epochs=3, verbose=0)  # shuffled
        return model.get_weights(), h.history["loss"]

    (w1, l1), (w2, l2) = run(), run()
    assert l1 == l2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_interrupt_keeps_last_completed_epoch(data):
    x, y_bin, _, _ = data
    model = kerasish.Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    snapshots = []

    class Stop(kerasish.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())
            if epoch == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y_bin, epochs=5, verbose=0, callbacks=[Stop()])
    for a, b in zip(model.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y_bin, epochs=1, verbose=0)  # and the model still trains


def test_verbose_output_formats(data, capsys):
    x, y_bin, _, _ = data
    model = kerasish.Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y_bin, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out  # captured output is not a terminal: no carriage returns
    lines = out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ") and "accuracy: " in lines[1]
    assert lines[1].endswith(tuple("0123456789")) and " - loss: " in lines[1]
    model.fit(x, y_bin, epochs=2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[1].startswith("3/3 - ") and "/step - accuracy:" in lines[1]
    model.fit(x, y_bin, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_ignore_class_matches_keras(keras, data):
    x, _, y_cls, _ = data
    km, om = twin_models(keras, [8, 3], ["relu", "linear"], x.shape[1])
    km.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
               optimizer=keras.optimizers.SGD(0.1))
    om.compile(loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                   ignore_class=0),
               optimizer=kerasish.optimizers.SGD(0.1))
    kh = km.fit(x, y_cls, batch_size=32, epochs=2, shuffle=False, verbose=0)
    oh = om.fit(x, y_cls, batch_size=32, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], kh.history["loss"], rtol=1e-4)
    assert_weights_close(km, om)
