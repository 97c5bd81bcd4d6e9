"""``BackupAndRestore``: resume a ``fit`` that was interrupted (a crash, a killed job).

The callback saves the weights and optimizer state (``latest.weights.h5``, Keras's file)
and the epoch reached (``training_metadata.json``) in ``backup_dir``. When the same
script runs again, ``fit`` starts from there. kerasish shuffles each epoch and draws its
dropout keys from (the fit's seed, the epoch number), so with
``kerasish.utils.set_random_seed`` a run resumed from an epoch backup ends with the
same weights as a run that was never interrupted (Keras's resumed run differs).

>>> import tempfile, numpy as np, kerasish
>>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> backup = kerasish.callbacks.BackupAndRestore(tempfile.mkdtemp() + "/backup")
>>> history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0,
...                     callbacks=[backup])
>>> len(history.history["loss"])
2
"""

import json
import os
import shutil

from kerasish.callbacks.base import Callback


class _Unreadable(Exception):
    """The latest backup could not be read (its cause says why)."""


class BackupAndRestore(Callback):
    """Back up the training state regularly; restore it when ``fit`` starts again.

    Args:
        backup_dir: folder of the backup (made if missing). Use one folder per run.
        save_freq: ``"epoch"`` (at the end of every epoch) or an integer ``N`` (also
            every ``N`` training batches; a run resumed from such a backup restarts its
            epoch from the first batch, with the weights of the backup, as in Keras).
        double_checkpoint: keep the previous backup too (``*.bkp``), used when the
            latest one cannot be read (the process was killed while writing it).
        delete_checkpoint: delete ``backup_dir`` when training ends normally.

    >>> import os, tempfile, numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((1,)), kerasish.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     backup = BackupAndRestore(folder, delete_checkpoint=False)
    ...     _ = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=2, verbose=0,
    ...                   callbacks=[backup])
    ...     print(sorted(os.listdir(folder)))
    ['latest.weights.h5', 'training_metadata.json']
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("`backup_dir` must name a folder for the backup. Received: "
                             f"backup_dir={backup_dir!r}")
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(
                save_freq, bool) or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`: expected 'epoch' or "
                             f"a positive integer. Received: save_freq={save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._batches_since_save = 0
        self._last_batch = 0
        self._epoch = 0
        # Only a per-batch backup needs every batch; epoch backups keep fused steps.
        self._per_batch = save_freq != "epoch"

    # -- restore ------------------------------------------------------------

    def on_train_begin(self, logs=None):
        try:
            self._restore()
        except _Unreadable as err:
            # The latest backup is unreadable (killed while writing): use the previous.
            previous = self._weights_path + ".bkp"
            if not os.path.exists(previous):
                raise err.__cause__
            shutil.copyfile(previous, self._weights_path)
            if os.path.exists(self._metadata_path + ".bkp"):
                shutil.copyfile(self._metadata_path + ".bkp", self._metadata_path)
            elif os.path.exists(self._metadata_path):
                os.remove(self._metadata_path)
            self._restore()

    def _restore(self):
        # fit builds the model before callbacks run, so a model without an `Input`
        # can be restored too (Keras refuses it).
        if os.path.exists(self._weights_path):
            try:
                self.model.load_weights(self._weights_path)
            except (OSError, ValueError) as err:  # a truncated or corrupt file
                raise _Unreadable() from err
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path) as f:
                metadata = json.load(f)
            self._epoch = int(metadata["epoch"])
            self.model._initial_epoch = self._epoch  # Keras's attribute: fit starts there

    # -- back up ------------------------------------------------------------

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # Batches restart at 0 every epoch; a larger index means several batches passed.
        self._batches_since_save += batch + 1 if batch <= self._last_batch else \
            batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        # Write beside, then rename: a kill mid-write leaves the last backup intact.
        partial = self._weights_path + ".partial.weights.h5"
        self.model.save_weights(partial, overwrite=True)
        os.replace(partial, self._weights_path)
        with open(self._metadata_path + ".partial", "w") as f:
            json.dump({"epoch": self._epoch, "batch": self._last_batch}, f)
        os.replace(self._metadata_path + ".partial", self._metadata_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
