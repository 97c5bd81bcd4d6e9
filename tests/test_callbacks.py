"""Callbacks: each one's decisions against Keras 3's own callback fed the same logs (a
fake model records what they do), then inside real ``fit`` runs — against Keras with
copied weights and ``shuffle=False`` where Keras has the same feature."""

import os

import numpy as np
import pytest

import kerasish
from kerasish import callbacks
from kerasish.layers import Dense, Layer


class FakeModel:
    """What callbacks touch on a model: weights, stop_training, optimizer, saving."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.weights = [np.zeros(2, "float32")]
        self.optimizer = type("Opt", (), {"learning_rate": learning_rate})()
        self.metrics = []
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.asarray(w).copy() for w in weights]

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath))

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath))


def drive(callback, values, monitor="val_loss", extra=None, learning_rates=None):
    """Run ``callback`` through an imaginary fit whose ``monitor`` takes ``values``.

    Returns the epochs run, the final weights' epoch marker and the model.
    """
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    logs = {}
    for epoch, value in enumerate(values):
        model.weights = [np.full(2, float(epoch), "float32")]  # "trained" in this epoch
        callback.on_epoch_begin(epoch)
        if learning_rates is not None:
            learning_rates.append(float(model.optimizer.learning_rate))
        logs = {"loss": 1.0 / (epoch + 1), monitor: value, **(extra or {})}
        callback.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback.on_train_end(logs)
    return epoch + 1, float(model.weights[0][0]), model


SEQUENCES = [
    [1.0, 0.8, 0.7, 0.72, 0.71, 0.69, 0.75, 0.8, 0.9, 0.95],
    [0.5, 0.52, 0.51, 0.49, 0.485, 0.484, 0.483, 0.6, 0.7, 0.7],
    [0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
]

EARLY_STOPPING = [
    dict(),
    dict(patience=2),
    dict(patience=2, restore_best_weights=True),
    dict(patience=1, min_delta=0.015, restore_best_weights=True),
    dict(patience=3, mode="max", restore_best_weights=True),
    dict(patience=2, baseline=0.6),
    dict(patience=1, baseline=0.6, restore_best_weights=True),
    dict(patience=1, start_from_epoch=3, restore_best_weights=True),
    dict(patience=20, restore_best_weights=True),  # never stops: still restores
]


@pytest.mark.parametrize("seq", range(len(SEQUENCES)))
@pytest.mark.parametrize("kwargs", EARLY_STOPPING, ids=lambda kw: "-".join(map(str, kw.items())))
def test_early_stopping_decisions_match_keras(keras, kwargs, seq):
    values = SEQUENCES[seq]
    ours = callbacks.EarlyStopping(**kwargs)
    theirs = keras.callbacks.EarlyStopping(**kwargs)
    assert drive(ours, values)[:2] == drive(theirs, values)[:2]
    assert (ours.stopped_epoch, ours.best_epoch, ours.wait) == \
        (theirs.stopped_epoch, theirs.best_epoch, theirs.wait)


def test_early_stopping_restores_best_even_without_stopping():
    epochs, marker, _ = drive(callbacks.EarlyStopping(patience=50, restore_best_weights=True),
                              SEQUENCES[0])
    assert epochs == len(SEQUENCES[0]) and marker == 5.0  # 0.69 at epoch 5


REDUCE_LR = [
    dict(patience=1),
    dict(patience=2, factor=0.5, cooldown=1, min_lr=0.02),
    dict(patience=0, factor=0.5, min_delta=0.05, mode="min"),
]


@pytest.mark.parametrize("kwargs", REDUCE_LR, ids=lambda kw: "-".join(map(str, kw.items())))
def test_reduce_lr_on_plateau_matches_keras(keras, kwargs):
    values = SEQUENCES[0] + SEQUENCES[1]
    ours_lrs, their_lrs = [], []
    ours, theirs = callbacks.ReduceLROnPlateau(**kwargs), keras.callbacks.ReduceLROnPlateau(**kwargs)
    drive(ours, values, learning_rates=ours_lrs)
    drive(theirs, values, learning_rates=their_lrs)
    np.testing.assert_allclose(ours_lrs, their_lrs, rtol=1e-7)
    assert ours_lrs[-1] < ours_lrs[0]


def test_model_checkpoint_decisions_and_names_match_keras(keras, tmp_path):
    path = str(tmp_path / "ckpt" / "w-{epoch:02d}-{val_loss:.3f}.weights.h5")
    for kwargs in (dict(), dict(save_best_only=True), dict(save_best_only=True, mode="max"),
                   dict(save_best_only=True, initial_value_threshold=0.75)):
        ours = callbacks.ModelCheckpoint(path, save_weights_only=True, **kwargs)
        theirs = keras.callbacks.ModelCheckpoint(path, save_weights_only=True, **kwargs)
        assert drive(ours, SEQUENCES[0])[2].saved == drive(theirs, SEQUENCES[0])[2].saved
    full = callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True)
    saved = drive(full, SEQUENCES[1])[2].saved
    assert saved == [("model", str(tmp_path / "best.keras"))] * 5  # epochs 1, 4, 5, 6, 7


def test_model_checkpoint_refuses_bad_paths_and_formats(tmp_path):
    with pytest.raises(ValueError, match=r"must end in `.weights.h5`"):
        callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"pass save_weights_only=True"):
        callbacks.ModelCheckpoint("w.weights.h5")
    with pytest.raises(ValueError, match=r"must end in `.keras` .* or `.h5` \(legacy"):
        callbacks.ModelCheckpoint("model.hdf5")  # "model.h5" is fine: test_legacy_h5.py
    with pytest.raises(ValueError, match=r"Unrecognized save_freq: 'batch'"):
        callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    bad = callbacks.ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.keras"))
    with pytest.raises(KeyError, match=r"Fields available: epoch, loss, val_loss"):
        drive(bad, [0.5])


def test_csv_logger_writes_what_keras_writes(keras, tmp_path):
    files = []
    for module in (callbacks, keras.callbacks):
        name = tmp_path / f"{module.__name__}.csv"
        drive(module.CSVLogger(str(name)), SEQUENCES[0][:3], extra={"accuracy": 0.5})
        drive(module.CSVLogger(str(name), separator=";", append=True), [0.3],
              extra={"accuracy": 0.25})
        files.append(name.read_text())
    assert files[0] == files[1]
    assert files[0].splitlines()[0] == "epoch,accuracy,loss,val_loss"


def test_lambda_callback_and_batch_hook_aliases():
    seen = {"epochs": [], "ends": 0}
    lam = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen["epochs"].append(epoch),
                                   on_train_end=lambda logs: seen.update(ends=seen["ends"] + 1))
    drive(lam, [1.0, 2.0])
    assert seen == {"epochs": [0, 1], "ends": 1}
    assert not callbacks.wants_batch_hooks(lam)
    assert callbacks.wants_batch_hooks(callbacks.LambdaCallback(on_train_batch_end=print))

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    assert callbacks.wants_batch_hooks(Old())
    # the progress bar follows the engine's chunks: it must not force one step per chunk
    assert not callbacks.wants_batch_hooks(callbacks.ProgbarLogger())
    assert not callbacks.wants_batch_hooks(callbacks.TerminateOnNaN())
    assert callbacks.wants_batch_hooks(callbacks.ModelCheckpoint("m.keras", save_freq=5))
    with pytest.raises(TypeError, match="Did you mean `on_epoch_end`"):
        callbacks.LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match=r"Call it, e.g. EarlyStopping\(\)"):
        callbacks.to_list([callbacks.EarlyStopping])


def test_monitor_direction_and_bad_modes():
    stop = callbacks.EarlyStopping(monitor="val_accuracy")
    stop.set_model(FakeModel())
    stop._set_monitor_op()
    assert stop.monitor_op is np.greater  # accuracies go up
    stop = callbacks.EarlyStopping(monitor="my_score")
    stop.set_model(FakeModel())
    with pytest.raises(ValueError, match="Pass mode='max'"):
        stop.on_epoch_end(0, {"my_score": 1.0})
    with pytest.raises(ValueError, match=r"`mode` must be 'auto', 'min' or 'max'"):
        callbacks.EarlyStopping(mode="maximum")
    with pytest.raises(ValueError, match=r"factor in \(0, 1\)"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="Did you mean `min_delta`"):
        callbacks.ReduceLROnPlateau(min_detla=0.1)


def test_missing_monitor_warns_once_with_the_fix():
    stop = callbacks.EarlyStopping()  # val_loss, but no validation data
    with pytest.warns(UserWarning, match=r"`val_loss`.*pass validation_data= or validation_split="):
        epochs, _, _ = drive(stop, [1.0, 2.0, 3.0], monitor="loss")
    assert epochs == 3


# ---------------------------------------------------------------- inside fit


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [2.0]], "float32") + 0.3).astype("float32")
    return x, y


def twins(keras, n_in=3, hidden=4):
    keras.utils.set_random_seed(1)
    km = keras.Sequential([keras.Input(shape=(n_in,)), keras.layers.Dense(hidden, "relu"),
                           keras.layers.Dense(1)])
    om = kerasish.Sequential([kerasish.Input(shape=(n_in,)), Dense(hidden, "relu"), Dense(1)])
    om.set_weights(km.get_weights())
    return km, om


def test_fit_with_early_stopping_and_lr_callbacks_matches_keras(keras, regression):
    """Same History (learning_rate included), same stopping epoch, same restored weights."""
    x, y = regression

    def cbs(module):
        return [module.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                               restore_best_weights=True),
                module.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9),
                module.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)]

    # validation data from a shifted distribution, so that val_loss turns up early
    rng = np.random.default_rng(1)
    x_val = rng.normal(size=(20, 3)).astype("float32")
    y_val = (x_val @ np.array([[1.0], [-1.0], [2.0]], "float32") + 0.3
             + 1.5 * rng.normal(size=(20, 1)) + x_val[:, :1] ** 2).astype("float32")
    km, om = twins(keras)
    km.compile(loss="mse", optimizer=keras.optimizers.SGD(0.3))
    om.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.3))
    kw = dict(batch_size=16, epochs=25, shuffle=False, verbose=0,
              validation_data=(x_val, y_val))
    kh = km.fit(x, y, callbacks=cbs(keras), **kw).history
    oh = om.fit(x, y, callbacks=cbs(kerasish), **kw).history
    assert list(oh) == list(kh) == ["loss", "val_loss", "learning_rate"]
    assert len(oh["loss"]) == len(kh["loss"]) == 5  # best epoch 2, patience 2
    for key in kh:
        np.testing.assert_allclose(oh[key], kh[key], rtol=2e-4, err_msg=key)
    for kw_, ow in zip(km.get_weights(), om.get_weights()):
        np.testing.assert_allclose(ow, kw_, rtol=1e-3, atol=1e-5)


class CountTraces(Layer):
    traces = 0

    def call(self, x):
        CountTraces.traces += 1
        return x


def test_learning_rate_changes_without_recompiling(regression):
    x, y = regression
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), CountTraces(), Dense(1)])
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.1))
    traces, lrs = [], []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: (
        traces.append(CountTraces.traces), lrs.append(logs["learning_rate"])))
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[scheduler, record])
    assert traces == [traces[0]] * 4  # traced in epoch 0 only
    np.testing.assert_allclose(lrs, [0.1, 0.05, 0.1 / 3, 0.025], rtol=1e-6)
    assert history.history["learning_rate"] == lrs
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)


@pytest.mark.filterwarnings("ignore::kerasish.diagnostics.DiagnosticWarning")
def test_terminate_on_nan_keeps_the_last_finite_weights(regression):
    x, y = regression
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(4, "relu"), Dense(1)])
    model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(2.0))  # diverges
    snapshots = []
    keep = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    history = model.fit(x * 10, y, epochs=30, verbose=0,
                        callbacks=[keep, callbacks.TerminateOnNaN()])
    losses = history.history["loss"]
    assert not np.isfinite(losses[-1]) and np.all(np.isfinite(losses[:-1]))
    assert len(losses) < 30
    last_finite = snapshots[-2]  # the weights at the end of the last finite epoch
    for w, ref in zip(model.get_weights(), last_finite):
        assert np.all(np.isfinite(w))
        np.testing.assert_array_equal(w, ref)
    assert all(np.all(np.isfinite(leaf)) for leaf in
               __import__("jax").tree_util.tree_leaves(model.get_optimizer_state()))

    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered"):
        model.compile(loss="mse", optimizer=kerasish.optimizers.SGD(2.0))
        model.fit(x * 10, y, epochs=30, verbose=0,
                  callbacks=[callbacks.TerminateOnNaN(raise_error=True)])
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.filterwarnings("ignore::kerasish.diagnostics.DiagnosticWarning")
def test_terminate_on_nan_stops_in_the_same_epoch_as_keras(keras, regression):
    x, y = regression
    km, om = twins(keras)
    km.compile(loss="mse", optimizer=keras.optimizers.SGD(0.02))
    om.compile(loss="mse", optimizer=kerasish.optimizers.SGD(0.02))
    kw = dict(batch_size=16, epochs=30, shuffle=False, verbose=0)
    kh = km.fit(x * 10, y, callbacks=[keras.callbacks.TerminateOnNaN()], **kw).history
    oh = om.fit(x * 10, y, callbacks=[callbacks.TerminateOnNaN()], **kw).history
    assert len(oh["loss"]) == len(kh["loss"]) == 2  # Keras: at batch 0 of epoch 2
    np.testing.assert_allclose(oh["loss"][0], kh["loss"][0], rtol=1e-3)
    assert not np.isfinite(oh["loss"][1]) and not np.isfinite(kh["loss"][1])
    assert all(np.all(np.isfinite(w)) for w in om.get_weights())


def test_batch_hooks_see_every_batch_and_stop_training_mid_epoch(regression):
    x, y = regression  # 60 rows, batch 16: 4 batches per epoch
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    batches = []

    def on_batch_end(batch, logs):
        batches.append(batch)
        if len(batches) == 6:
            model.stop_training = True

    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0,
                        callbacks=[callbacks.LambdaCallback(on_train_batch_end=on_batch_end)])
    assert batches == [0, 1, 2, 3, 0, 1]
    assert len(history.history["loss"]) == 2


def test_model_checkpoint_in_fit(regression, tmp_path):
    x, y = regression
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    saved = []
    model.save_weights = lambda path, overwrite=True: saved.append(path)
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}-{batch}.weights.h5"),
                                     save_weights_only=True, save_freq=3)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[ckpt])
    names = [os.path.basename(p) for p in saved]
    assert names == ["w-01-3.weights.h5", "w-02-2.weights.h5"]  # every 3 batches of 8


def _saving_available():
    try:
        from kerasish import saving  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _saving_available(), reason="kerasish.saving is not implemented yet")
@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_model_checkpoint_files_reload(regression, tmp_path, suffix):
    x, y = regression
    model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(2, "relu"), Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    path = str(tmp_path / f"best{suffix}")
    ckpt = callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True,
                                     save_weights_only=suffix == ".weights.h5")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[ckpt])
    assert os.path.exists(path)
    if suffix == ".keras":
        again = kerasish.models.load_model(path)
    else:
        again = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(2, "relu"), Dense(1)])
        again.load_weights(path)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b)


def test_disabled_interactive_logging_sends_progress_to_the_logger(caplog):
    import logging

    model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    kerasish.utils.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="kerasish"):
            model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=2, verbose=2,
                      callbacks=[kerasish.callbacks.EarlyStopping(monitor="loss", patience=0,
                                                                  min_delta=10, verbose=1)])
    finally:
        kerasish.utils.enable_interactive_logging()
    messages = [r.getMessage() for r in caplog.records if r.name == "kerasish"]
    assert any(m.startswith("Epoch 1/2") for m in messages)
    assert any("loss:" in m for m in messages)
    assert any("early stopping" in m for m in messages)
