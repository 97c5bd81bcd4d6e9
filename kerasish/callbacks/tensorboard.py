"""``TensorBoard``: training curves, weight histograms and the model, for TensorBoard.

Writes the event files Keras's callback writes, under the same folders and tags, without
TensorFlow (``kerasish.callbacks.event_file`` encodes them): ``<log_dir>/train`` and
``<log_dir>/validation``, one scalar ``epoch_<metric>`` per epoch (and
``epoch_learning_rate``), ``batch_<metric>`` every ``update_freq`` batches,
``evaluation_<metric>_vs_iterations`` after each evaluation, ``<weight path>/histogram``
every ``histogram_freq`` epochs, and the model's config (the "Keras" graph view).

>>> import tempfile, numpy as np, kerasish
>>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> log_dir = tempfile.mkdtemp()
>>> history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0,
...                     callbacks=[kerasish.callbacks.TensorBoard(log_dir)])
>>> import os
>>> sorted(os.listdir(log_dir))
['train']

Then ``tensorboard --logdir <log_dir>`` shows the curves.
"""

import os
import time

import jax
import numpy as np

from kerasish.callbacks.base import Callback
from kerasish.callbacks.event_file import EventFileWriter

# tf.summary.image keeps the first three images of a batch (its max_outputs default).
_MAX_IMAGES = 3


def _as_float(value):
    return float(np.asarray(getattr(value, "value", value)))


def _check_update_freq(update_freq):
    if update_freq in ("epoch", "batch"):
        return 1 if update_freq == "batch" else "epoch"
    if isinstance(update_freq, (int, np.integer)) and not isinstance(update_freq, bool) \
            and update_freq > 0:
        return int(update_freq)
    raise ValueError("Received an invalid value for `update_freq`: expected 'epoch', "
                     f"'batch' or a positive integer. Received: update_freq={update_freq!r}")


def _check_profile_batch(profile_batch):
    message = ("`profile_batch` must be a non-negative integer or a pair of positive "
               "integers (first, last) of the batches to profile, e.g. (10, 15); 0 turns "
               f"profiling off. Received: profile_batch={profile_batch!r}")
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(p) for p in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
        profile_batch = profile_batch[0] if len(profile_batch) == 1 else profile_batch
    if isinstance(profile_batch, (int, np.integer)) and not isinstance(profile_batch, bool):
        start = stop = int(profile_batch)
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = (int(b) for b in profile_batch)
    else:
        raise ValueError(message)
    if start < 0 or stop < start or (start == 0 and stop > 0):
        raise ValueError(message)
    return start, stop


class TensorBoard(Callback):
    """Write TensorBoard logs: metrics per epoch (and per batch), weight histograms,
    weight images and the model config.

    Args:
        log_dir: folder of the logs; ``train/`` and ``validation/`` are made under it.
        histogram_freq: every how many epochs to write a histogram of every weight
            (0: never).
        write_graph: write the model's config, shown by TensorBoard's graph page (the
            "Keras" tag). A JAX program has no TensorFlow graph to add, as in Keras on JAX.
        write_images: with ``histogram_freq``, also write each weight as an image.
        write_steps_per_second: also log training steps per second (``epoch_`` and,
            with a per-batch ``update_freq``, ``batch_steps_per_second``).
        update_freq: ``"epoch"``, ``"batch"`` or an integer ``N``: also write the
            running batch logs as ``batch_<metric>`` every ``N`` training batches.
            Per-batch logging makes ``fit`` run one step per compiled call (Keras runs
            that way anyway); ``"epoch"`` keeps kerasish's fused steps.
        profile_batch: a batch number or a pair ``(first, last)`` of batches to trace
            with the JAX profiler into ``log_dir/train/plugins/profile`` (0: off).
        embeddings_freq: refused when non-zero: TensorBoard's projector reads
            TensorFlow checkpoints, which kerasish does not write.
        embeddings_metadata: refused (only meaningful with ``embeddings_freq``).

    Then ``tensorboard --logdir <log_dir>`` shows the curves.

    >>> import os, tempfile, numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((1,)), kerasish.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> with tempfile.TemporaryDirectory() as logs:
    ...     _ = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=2, verbose=0,
    ...                   validation_split=0.5, callbacks=[TensorBoard(log_dir=logs)])
    ...     print(sorted(os.listdir(logs)))
    ['train', 'validation']
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if not isinstance(histogram_freq, (int, np.integer)) or isinstance(
                histogram_freq, bool) or histogram_freq < 0:
            raise ValueError("`histogram_freq` must be a non-negative integer (0: no "
                             f"histograms). Received: histogram_freq={histogram_freq!r}")
        if embeddings_freq:
            raise ValueError(
                "`embeddings_freq` is not supported: TensorBoard's embedding projector "
                "reads TensorFlow checkpoints, which kerasish does not write. Received: "
                f"embeddings_freq={embeddings_freq!r}. Save the embedding weights with "
                "`layer.get_weights()` and load them in the projector as a TSV instead.")
        if embeddings_metadata is not None:
            raise ValueError("`embeddings_metadata` is only used with `embeddings_freq`, "
                             "which is not supported. Received: "
                             f"embeddings_metadata={embeddings_metadata!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = _check_update_freq(update_freq)
        self._start_batch, self._stop_batch = _check_profile_batch(profile_batch)
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._tracing = False
        # The engine runs one step per compiled call only for callbacks that need every
        # batch: per-batch scalars and profiling do, epoch logging does not.
        self._per_batch = self.update_freq != "epoch" or self._start_batch > 0

    # -- writers ------------------------------------------------------------

    def _writer(self, which):
        if which not in self._writers:
            folder = "train" if which == "train" else "validation"
            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, folder))
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        # Keras writes the config of Sequential and functional models only.
        if self.write_graph and type(model).__name__ in ("Sequential", "Functional"):
            self._write_model_config(model)

    def _write_model_config(self, model):
        try:
            config = model.to_json()
        except Exception:  # noqa: BLE001 - Keras skips models it cannot serialize too
            return
        # The "graph_keras_model" plugin: TensorBoard's graph page draws it.
        self._writer("train").text("keras", config, step=0, plugin="graph_keras_model",
                                   content=b"1")
        self._writer("train").flush()

    # -- training -----------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_start = None

    def on_train_end(self, logs=None):
        if self._tracing:
            self._stop_trace()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = (time.time(), self._iterations())

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start = time.time()
        if self._start_batch and self._global_train_batch == self._start_batch:
            jax.profiler.start_trace(os.path.join(self.log_dir, "train"))
            self._tracing = True

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            writer = self._writer("train")
            if self.write_steps_per_second:
                writer.scalar("batch_steps_per_second",
                              1.0 / max(time.time() - self._batch_start, 1e-9), step)
            for name, value in (logs or {}).items():
                writer.scalar(f"batch_{name}", _as_float(value), step)
        if self._tracing and step >= self._stop_batch:
            self._stop_trace()

    def _stop_trace(self):
        jax.profiler.stop_trace()
        self._tracing = False

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, dict(logs or {}))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- evaluation ---------------------------------------------------------

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is None or not logs:
            return
        writer, step = self._writer("val"), self._iterations()
        for name, value in logs.items():
            writer.scalar(f"evaluation_{name}_vs_iterations", _as_float(value), step)
        writer.flush()

    # -- what is written ----------------------------------------------------

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return int(_as_float(optimizer.iterations)) if optimizer is not None else 0

    def _learning_rates(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if optimizer is None:
            return {}
        if hasattr(optimizer, "optimizers"):  # one per group of weights
            return {f"learning_rate_{opt.name}": _as_float(opt.learning_rate)
                    for opt in optimizer.optimizers}
        try:
            return {"learning_rate": _as_float(optimizer.learning_rate)}
        except (AttributeError, TypeError, ValueError):
            return {}

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second and self._epoch_start is not None:
            began, iterations = self._epoch_start
            train["steps_per_second"] = (self._iterations() - iterations) / max(
                time.time() - began, 1e-9)
        for which, values in (("train", train), ("val", val)):
            if values:
                writer = self._writer(which)
                for name, value in values.items():
                    writer.scalar(f"epoch_{name}", _as_float(value), epoch)
                writer.flush()

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.value)
                writer.histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.image(f"{name}/image", image[:_MAX_IMAGES], epoch)
        writer.flush()


def _weight_image(w):
    """A weight as images, the way Keras shows it: a bias as one row, a Dense kernel
    as one (wide) image, a 1-D conv kernel as one image per output... (None when it
    has no 2-D picture, like 2-D conv kernels)."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))  # channels_last kernel: one image per channel
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    return w
