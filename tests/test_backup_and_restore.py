"""``callbacks.BackupAndRestore``: an interrupted ``fit`` resumes from its backup and
ends with the weights of a run that was never interrupted (same seed), both when the
interruption is an exception and when the process is killed (SIGKILL)."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kerasish
from kerasish import callbacks, layers

EPOCHS = 5


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]


def _model():
    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential([kerasish.Input((4,)), layers.Dense(8, activation="relu"),
                                 layers.Dropout(0.3), layers.Dense(1)])
    model.compile(optimizer=kerasish.optimizers.Adam(0.01), loss="mse")
    return model


class _Crash(callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("simulated crash")


def _fit(model, backup_dir, extra=()):
    x, y = _data()
    return model.fit(x, y, epochs=EPOCHS, batch_size=8, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup_dir), *extra])


def test_resumed_fit_ends_with_the_uninterrupted_weights(tmp_path):
    reference = _model()
    _fit(reference, tmp_path / "ref")
    assert not (tmp_path / "ref").exists()  # delete_checkpoint: removed after success

    crashed = _model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        _fit(crashed, tmp_path / "run", [_Crash(epoch=3, batch=2)])
    metadata = json.loads((tmp_path / "run" / "training_metadata.json").read_text())
    assert metadata == {"epoch": 3, "batch": 0}  # epochs 0, 1, 2 were backed up

    resumed = _model()  # the same script, run again
    history = _fit(resumed, tmp_path / "run")
    assert len(history.history["loss"]) == EPOCHS - 3  # epochs 3 and 4 only
    assert int(resumed.optimizer.iterations.value) == int(reference.optimizer.iterations.value)
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_delete_checkpoint_false_keeps_the_backup(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[
        callbacks.BackupAndRestore(backup_dir=tmp_path / "kept", delete_checkpoint=False)])
    metadata = json.loads((tmp_path / "kept" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2 and (tmp_path / "kept" / "latest.weights.h5").exists()


def test_per_batch_backups_and_the_previous_copy(tmp_path):
    model = _model()
    with pytest.raises(RuntimeError):
        x, y = _data()
        model.fit(x, y, epochs=EPOCHS, batch_size=8, verbose=0, callbacks=[
            callbacks.BackupAndRestore(tmp_path, save_freq=4, double_checkpoint=True),
            _Crash(epoch=1, batch=3)])
    # 7 batches per epoch: saved after global batches 4 and 8 (epoch 1, batch 0).
    assert json.loads((tmp_path / "training_metadata.json").read_text()) == {
        "epoch": 1, "batch": 0}
    # The previous copy is the backup before: after global batch 4 (epoch 0, batch 3).
    assert json.loads((tmp_path / "training_metadata.json.bkp").read_text()) == {
        "epoch": 0, "batch": 3}
    # A corrupt latest backup (killed while writing): the previous copy is used.
    (tmp_path / "latest.weights.h5").write_bytes(b"not an HDF5 file")
    resumed = _model()
    history = resumed.fit(x, y, epochs=2, batch_size=8, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(tmp_path, save_freq=4,
                                                                double_checkpoint=True)])
    assert len(history.history["loss"]) == 2  # resumed at epoch 0, from the .bkp copy


def test_epoch_backups_keep_fused_steps():
    assert not callbacks.wants_batch_hooks(callbacks.BackupAndRestore("b"))
    assert callbacks.wants_batch_hooks(callbacks.BackupAndRestore("b", save_freq=3))


@pytest.mark.parametrize("kwargs, match", [
    (dict(backup_dir=""), "backup_dir"),
    (dict(backup_dir="b", save_freq="batch"), "save_freq"),
    (dict(backup_dir="b", save_freq=0), "save_freq"),
])
def test_bad_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.BackupAndRestore(**kwargs)


def test_a_model_without_input_is_restored_too(tmp_path):
    # fit builds the model before the callbacks start (Keras refuses an unbuilt model).
    def make():
        kerasish.utils.set_random_seed(1)
        model = kerasish.Sequential([layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    x, y = np.ones((4, 2)), np.ones((4, 1))
    first = make()
    with pytest.raises(RuntimeError):
        first.fit(x, y, epochs=3, verbose=0, callbacks=[
            callbacks.BackupAndRestore(tmp_path), _Crash(epoch=1, batch=0)])
    resumed = make()
    history = resumed.fit(x, y, epochs=3, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(tmp_path)])
    assert len(history.history["loss"]) == 2


_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import kerasish
    from kerasish import callbacks, layers

    kerasish.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    model = kerasish.Sequential([kerasish.Input((4,)), layers.Dense(8, activation="relu"),
                                 layers.Dropout(0.3), layers.Dense(1)])
    model.compile(optimizer=kerasish.optimizers.Adam(0.01), loss="mse")

    class Kill(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if os.environ.get("KILL") and (self.epoch, batch) == (2, 3):
                os.kill(os.getpid(), signal.SIGKILL)

    model.fit(x, y, epochs=4, batch_size=8, verbose=0,
              callbacks=[callbacks.BackupAndRestore(sys.argv[1]), Kill()])
    np.savez(sys.argv[2], *model.get_weights())
""")


@pytest.mark.slow
def test_a_killed_process_resumes_to_the_same_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)

    def run(backup, out, kill):
        env = {**os.environ, "KILL": "1" if kill else ""}
        return subprocess.run([sys.executable, str(script), str(backup), str(out)],
                              env=env, capture_output=True, text=True, timeout=300)

    killed = run(tmp_path / "backup", tmp_path / "never.npz", kill=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (tmp_path / "backup" / "latest.weights.h5").exists()
    resumed = run(tmp_path / "backup", tmp_path / "resumed.npz", kill=False)
    assert resumed.returncode == 0, resumed.stderr
    straight = run(tmp_path / "straight", tmp_path / "straight.npz", kill=False)
    assert straight.returncode == 0, straight.stderr
    got, want = np.load(tmp_path / "resumed.npz"), np.load(tmp_path / "straight.npz")
    for key in want.files:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6, atol=1e-7)
