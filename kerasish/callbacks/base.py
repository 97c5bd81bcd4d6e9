"""Callbacks with Keras 3's names, hooks and ``logs`` dicts.

``Callback`` (the base), ``History``, ``ProgbarLogger``, ``EarlyStopping``,
``ModelCheckpoint``, ``TerminateOnNaN``, ``LearningRateScheduler``,
``ReduceLROnPlateau``, ``CSVLogger`` and ``LambdaCallback``, plus the ``CallbackList``
that ``fit`` drives.

kerasish trains in compiled *chunks* of steps (an epoch by default). Epoch hooks run
as in Keras. Batch hooks: a callback that overrides ``on_train_batch_begin`` /
``on_train_batch_end`` (or ``on_batch_begin`` / ``on_batch_end``) makes ``fit`` run one
step per chunk, so it sees every batch, as in Keras. The built-in callbacks do not ask
for that (except ``ModelCheckpoint(save_freq=<int>)``), so they keep the fast path;
``TerminateOnNaN`` checks at the end of every chunk.

>>> import numpy as np, kerasish
>>> from kerasish.layers import Dense
>>> model = kerasish.Sequential([kerasish.Input(shape=(3,)), Dense(1)])
>>> model.compile(loss="mse", optimizer="sgd")
>>> x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
>>> stop = kerasish.callbacks.EarlyStopping(monitor="loss", patience=2)
>>> history = model.fit(x, x.sum(1), epochs=50, callbacks=[stop], verbose=0)
>>> len(history.history["loss"]) <= 50
True
"""

import csv
import inspect
import math
import os
import sys
import time
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.config import is_interactive_logging_enabled
from kerasish.utils.naming import check_kwargs


class Callback:
    """Base class: override any ``on_*`` hook; ``self.model`` is set by ``fit``.

    ``on_batch_begin`` / ``on_batch_end`` are Keras's older names: the default
    ``on_train_batch_*`` hooks call them.

    >>> import numpy as np, kerasish
    >>> class PrintLoss(kerasish.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, round(logs["loss"], 4))
    >>> model = kerasish.Sequential([kerasish.Input((1,)),
    ...                              kerasish.layers.Dense(1, kernel_initializer="zeros")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> x = np.array([[1.0], [2.0]])
    >>> _ = model.fit(x, 2 * x, epochs=2, verbose=0, callbacks=[PrintLoss()])
    0 10.0
    1 8.6866
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs=logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs=logs)
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def wants_batch_hooks(callback, mode="train"):
    """True when a callback needs to see every batch of ``mode`` ('train', 'test',
    'predict'), so the engine runs one step per compiled call: it overrides a per-batch
    hook, on its class or (``LambdaCallback``) on the instance. A callback can decide
    explicitly for training batches with a ``_per_batch`` attribute.

    Args:
        callback: a ``Callback``.
        mode: ``"train"``, ``"test"`` or ``"predict"``.

    >>> class EveryBatch(Callback):
    ...     def on_train_batch_end(self, batch, logs=None):
    ...         pass
    >>> wants_batch_hooks(EveryBatch()), wants_batch_hooks(History())
    (True, False)
    >>> wants_batch_hooks(EveryBatch(), mode="test")
    False
    """
    hooks = _BATCH_HOOKS[mode]
    explicit = getattr(callback, "_per_batch", None)
    if explicit is not None and mode == "train":
        return bool(explicit)
    if any(h in vars(callback) for h in hooks):
        return True
    return any(getattr(type(callback), h) is not getattr(Callback, h) for h in hooks)


class History(Callback):
    """Records ``logs`` of every epoch: ``history.history['loss']`` is a list.

    ``fit`` returns its ``History``; ``history.epoch`` lists the epoch indices.

    >>> history = History()
    >>> history.on_train_begin()
    >>> history.on_epoch_end(0, {"loss": 0.5})
    >>> history.on_epoch_end(1, {"loss": 0.25})
    >>> history.history, history.epoch
    ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _format_number(v):
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


def _format_logs(logs):
    parts = []
    for k, v in logs.items():
        v = np.asarray(v)
        text = _format_number(v) if v.ndim == 0 else \
            "[" + ", ".join(_format_number(e) for e in v.reshape(-1)) + "]"
        parts.append(f"{k}: {text}")
    return "".join(f" - {p}" for p in parts)


def _format_time(seconds, unit):
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class ProgbarLogger(Callback):
    """Keras's progress output: ``Epoch 1/100`` then ``157/157 ━━━━ 0s 1ms/step - ...``.

    ``verbose=1`` redraws one line in a terminal and prints a single final line per
    epoch when the output is not a terminal (a file, a CI log): no carriage-return
    spam. ``verbose=2`` prints one line per epoch.

    It follows the engine's chunks (one update per compiled chunk of steps) and does
    not make ``fit`` run one step at a time.

    Args:
        verbose: 1 (a progress bar) or 2 (one line per epoch).
        stream: where to print (default: standard output, or the ``kerasish`` logger
            when ``utils.disable_interactive_logging()`` was called).
        mode: ``"train"``, ``"test"`` (the line of ``evaluate``) or ``"predict"``.

    >>> import sys
    >>> progbar = ProgbarLogger(verbose=2, stream=sys.stdout)
    >>> progbar.set_params({"epochs": 1, "steps": 2})
    >>> progbar.on_epoch_begin(0)
    >>> progbar.on_epoch_end(0, {"loss": 0.5})  # doctest: +ELLIPSIS
    2/2 - 0s - ...step - loss: 0.5000
    """

    _per_batch = False

    def __init__(self, verbose=1, stream=None, mode="train"):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self.mode = mode  # "test": the line of a direct evaluate() call

    def on_predict_begin(self, logs=None):
        if self.mode == "predict":
            self._start = time.perf_counter()
            self._seen = 0

    def on_predict_batch_end(self, batch, logs=None):
        if self.mode == "predict":
            self._seen = batch + 1

    def on_predict_end(self, logs=None):
        if self.mode == "predict":
            steps = self._seen or self.params.get("steps") or 1
            elapsed = time.perf_counter() - self._start
            print(f"{steps}/{steps} - {elapsed:.0f}s {_format_time(elapsed / steps, 'step')}",
                  file=self._out(), flush=True)

    def on_test_begin(self, logs=None):
        if self.mode == "test":
            self._start = time.perf_counter()
            self._seen = 0

    def on_test_batch_end(self, batch, logs=None):
        if self.mode == "test":
            self._seen = batch + 1

    def on_test_end(self, logs=None):
        if self.mode == "test":
            steps = self.params.get("steps") or self._seen
            elapsed = time.perf_counter() - self._start
            print(f"{steps}/{steps} - {elapsed:.0f}s{_format_logs(logs or {})}",
                  file=self._out(), flush=True)

    def _out(self):
        if self.stream is None and not is_interactive_logging_enabled():
            return _LOG_STREAM  # utils.disable_interactive_logging(): lines go to logging
        return self.stream or sys.stdout

    def _interactive(self):
        out = self._out()
        return hasattr(out, "isatty") and out.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._seen = 0
        if self.params.get("epochs", 1) > 1:
            print(f"Epoch {epoch + 1}/{self.params['epochs']}", file=self._out(), flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.verbose == 1 and self._interactive():
            self._write(self._seen, logs or {}, final=False)

    def on_epoch_end(self, epoch, logs=None):
        self._write(self.params.get("steps") or self._seen, logs or {}, final=True)

    def _write(self, current, logs, final):
        target = self.params.get("steps") or current
        elapsed = time.perf_counter() - self._start
        per_step = elapsed / max(current, 1)
        width = len(str(target))
        if self.verbose == 2:
            if final:
                line = (f"{current:>{width}}/{target} - {elapsed:.0f}s - "
                        f"{_format_time(per_step, 'step')}{_format_logs(logs)}")
                print(line, file=self._out(), flush=True)
            return
        filled = int(20 * current / max(target, 1))
        bar = "━" * filled + " " * (20 - filled) if final or self._interactive() else ""
        try:
            bar.encode(getattr(self._out(), "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            bar = "=" * filled + "." * (20 - filled)
        if final:
            timing = f"{elapsed:.0f}s {_format_time(per_step, 'step')}"
        else:
            timing = f"{per_step * (target - current):.0f}s"  # ETA
        line = f"{current:>{width}}/{target} {bar} {timing}{_format_logs(logs)}"
        if self._interactive():
            self._out().write("\r" + line + ("\n" if final else ""))
            self._out().flush()
        elif final:
            print(line, file=self._out(), flush=True)


class _LogStream:
    """A text stream whose complete lines go to the 'kerasish' logger (INFO), as
    Keras's progress bar logs them when interactive logging is off."""

    encoding = "utf-8"

    def write(self, text):
        import logging

        for line in str(text).replace("\r", "\n").splitlines():
            if line.strip():
                logging.getLogger("kerasish").info(line)

    def flush(self):
        pass


_LOG_STREAM = _LogStream()


class CallbackList:
    """Calls every callback's hook in order.

    As in Keras, the user's callbacks run first, then ``History``, then the progress
    bar: so ``History`` and the printed line see what a callback adds to ``logs``
    (``LearningRateScheduler`` and ``ReduceLROnPlateau`` add ``learning_rate``).

    Args:
        callbacks: the callbacks; each gets ``set_model(model)`` and ``set_params(params)``.
        model: the model being trained.
        params: ``fit``'s parameters (``epochs``, ``steps``, ``verbose``).

    >>> history = History()
    >>> callbacks = CallbackList([history], model=None, params={"epochs": 1})
    >>> callbacks.on_train_begin()
    >>> callbacks.on_epoch_end(0, {"loss": 1.5})
    >>> history.history
    {'loss': [1.5]}
    """

    def __init__(self, callbacks, model, params):
        callbacks = list(callbacks)
        rank = lambda cb: 2 if isinstance(cb, ProgbarLogger) else 1 if isinstance(cb, History) \
            else 0  # noqa: E731
        self.callbacks = sorted(callbacks, key=rank)  # stable: keeps the user's order
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def per_batch(self, mode="train"):
        return any(wants_batch_hooks(cb, mode) for cb in self.callbacks)

    @property
    def user_hooks(self):
        """Callbacks other than History and the progress bar are present."""
        return any(not isinstance(cb, (History, ProgbarLogger)) for cb in self.callbacks)

    @property
    def user_test_hooks(self):
        return self.per_batch("test")

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args, **kwargs):
            for cb in self.callbacks:
                getattr(cb, hook)(*args, **kwargs)

        return call


def to_list(callbacks):
    """``fit``'s ``callbacks`` argument as a list: None becomes ``[]``, one callback a
    list of one; anything that is not a ``Callback`` instance is refused (TypeError).

    Args:
        callbacks: None, a ``Callback``, or an iterable of them.

    >>> to_list(None), len(to_list(History()))
    ([], 1)
    >>> to_list([History])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: `callbacks` must be a list of ... Call it, e.g. History().
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            hint = " Did you pass the class instead of an instance? Call it, e.g. " \
                f"{cb.__name__}()." if isinstance(cb, type) and issubclass(cb, Callback) else ""
            raise TypeError(
                "`callbacks` must be a list of kerasish.callbacks.Callback instances. "
                f"Received an item of type {type(cb).__name__}.{hint}"
            )
    return callbacks


# ------------------------------------------------------------------ shared helpers


def _print(message):
    # stdout, or the 'kerasish' logger after utils.disable_interactive_logging().
    from kerasish.utils.io_utils import print_msg

    print_msg(message)


def _snapshot(model):
    """The model's weights as they are now. The engine never donates committed
    weights, so keeping references to the (immutable) arrays is a free snapshot."""
    if hasattr(model, "current_params"):
        return ("tree", model.current_params())
    return ("list", model.get_weights())


def _restore(model, snapshot):
    kind, value = snapshot
    if kind == "tree":
        from kerasish.layers.base import assign_tree

        assign_tree(model, *value)
    else:
        model.set_weights(value)


def _each_optimizer(optimizer):
    """``[(log key suffix, optimizer)]``: a MultiOptimizer's inner optimizers, each
    scheduled on its own and logged as ``learning_rate_<name>`` (as Keras), or the one
    optimizer, logged as ``learning_rate``."""
    inner = getattr(optimizer, "optimizers", None)
    if inner is not None and not hasattr(optimizer, "learning_rate"):
        return [(f"_{opt.name}", opt) for opt in inner]
    return [("", optimizer)]


def _log_learning_rates(optimizer, logs):
    for suffix, opt in _each_optimizer(optimizer):
        logs[f"learning_rate{suffix}"] = _learning_rate(opt)


def _learning_rate(optimizer):
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            'The optimizer must have a "learning_rate" attribute. Received: '
            f"{type(optimizer).__name__}. Compile the model with a kerasish optimizer."
        )
    return float(np.asarray(optimizer.learning_rate))


def _logs_hint(monitor, logs):
    available = ", ".join(logs) if logs else "none"
    hint = ""
    if monitor.startswith("val_") and monitor[4:] in logs:
        hint = (f" `{monitor}` exists only when fit() validates: pass validation_data= or "
                f"validation_split=, or monitor '{monitor[4:]}'.")
    return f"Available metrics are: {available}.{hint}"


class _MonitorCallback(Callback):
    """Tracks whether a monitored value improved (``mode``, ``min_delta``, ``best``)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"{type(self).__name__}: `mode` must be 'auto', 'min' or 'max'. "
                f"Received: mode={mode!r}"
            )
        if not isinstance(monitor, str):
            raise TypeError(f"`monitor` must be the name of a logged value, e.g. 'val_loss'. "
                            f"Received: monitor={monitor!r}")
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _direction(self):
        """'up' or 'down' for mode='auto', from the monitored metric (as Keras)."""
        name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
        if name == "loss" or name.endswith("_loss"):
            return "down"
        # The reported names of several outputs' metrics are prefixed with the output's.
        for metric in getattr(self.model, "metrics", None) or ():
            metric_name = getattr(metric, "name", None)
            if metric_name and (name == metric_name or name.endswith("_" + metric_name)):
                if getattr(metric, "_direction", None):
                    return metric._direction
        from kerasish import metrics as metrics_module

        try:
            return metrics_module.get(name)._direction
        except (ValueError, TypeError, AttributeError):
            return None

    def _set_monitor_op(self):
        direction = {"min": "down", "max": "up"}.get(self.mode) or self._direction()
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor!r}, but "
                "cannot tell whether that metric should be maximized or minimized. Pass "
                "mode='max' to monitor the highest value, or mode='min' for the lowest."
            )
        self.monitor_op = np.greater if direction == "up" else np.less
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


# ------------------------------------------------------------------ EarlyStopping


class EarlyStopping(_MonitorCallback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs.

    Args:
        monitor: the logged value to watch. Defaults to ``'val_loss'``.
        min_delta: smaller changes than this do not count as improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints when it stops and when it restores weights.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the metric: losses go down,
            accuracies up).
        baseline: training stops if the monitored value does not beat this within
            ``patience`` epochs.
        restore_best_weights: at the end of training, put back the weights of the best
            epoch — whether training stopped early or ran all its epochs.
        start_from_epoch: epochs to wait before watching at all (warm-up).

    ``stopped_epoch`` and ``best_epoch`` are 0-based epoch indices, as in Keras.

    >>> stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    >>> stop.patience, stop.restore_best_weights
    (3, True)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = _non_negative_int("patience", patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = _non_negative_int("start_from_epoch", start_from_epoch)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._warned = False

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None:
            if not self._warned:
                self._warned = True
                warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which "
                              f"is not available. {_logs_hint(self.monitor, logs or {})}",
                              stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _snapshot(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _snapshot(self.model)
            # Beating the previous best is not enough to reset patience while the
            # baseline is still unbeaten.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(f"Restoring model weights from the end of the best epoch: "
                       f"{self.best_epoch + 1}.")
            _restore(self.model, self.best_weights)


def _non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"`{name}` must be an integer >= 0. Received: {name}={value!r}")
    return int(value)


# ------------------------------------------------------------------ ModelCheckpoint


class ModelCheckpoint(_MonitorCallback):
    """Save the model (``.keras``, or legacy ``.h5``) or its weights (``.weights.h5``)
    during training.

    Args:
        filepath: where to save; may contain ``str.format`` fields filled from the
            epoch (1-based) and the logs, e.g. ``'w-{epoch:02d}-{val_loss:.2f}.weights.h5'``.
        monitor: the logged value that decides "best" for ``save_best_only``.
        verbose: 1 prints a line for every save decision.
        save_best_only: save only when ``monitor`` improved (the file is overwritten
            unless ``filepath`` has fields).
        save_weights_only: save only the weights; ``filepath`` must end in
            ``.weights.h5``. Otherwise it must end in ``.keras`` or ``.h5``.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        save_freq: ``'epoch'``, or an integer: save every that many batches (this makes
            ``fit`` run one step per chunk, so that it sees every batch).
        initial_value_threshold: the value ``monitor`` must beat for the first save.

    >>> ckpt = ModelCheckpoint("ckpt/w-{epoch:02d}.weights.h5", save_weights_only=True)
    >>> ckpt.filepath.format(epoch=3)
    'ckpt/w-03.weights.h5'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, baseline=initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch" and (isinstance(save_freq, bool)
                                     or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. Expected 'epoch' or a positive "
                "integer (a number of batches)."
            )
        self.save_freq = save_freq
        self._per_batch = save_freq != "epoch"
        self._batches_since_save = 0
        self._last_batch = None
        self._current_epoch = 0
        if self.save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    f"must end in `.weights.h5`. Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith(".keras") and (
                not self.filepath.endswith(".h5") or self.filepath.endswith(".weights.h5")):
            fix = (" To save only the weights, pass save_weights_only=True."
                   if self.filepath.endswith(".weights.h5") else "")
            raise ValueError(
                "The filepath must end in `.keras` (Keras model format) or `.h5` (legacy "
                f"HDF5 format). Received: filepath={self.filepath}.{fix}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # Batches restart at 0 every epoch; a larger index means several batches passed.
        if self._last_batch is None or batch <= self._last_batch:
            self._batches_since_save += batch + 1
        else:
            self._batches_since_save += batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs)
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except (KeyError, IndexError) as err:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: '
                f"{err!r}. Fields available: epoch, {', '.join(fields) or '(no logs)'}."
            ) from None

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available; saving "
                          f"anyway. {_logs_hint(self.monitor, logs)}", stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                       f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch, batch, logs):
        filepath = self._file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used "
                f"is an existing directory: {filepath}"
            )
        if not self._should_save(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


# ------------------------------------------------------------------ TerminateOnNaN


@jax.jit
def _all_finite(tree):
    leaves = [jnp.all(jnp.isfinite(a)) for a in jax.tree_util.tree_leaves(tree)
              if jnp.issubdtype(a.dtype, jnp.inexact)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.array(True)


class TerminateOnNaN(Callback):
    """Stop training when the loss (or a weight) becomes NaN or infinite, and put back
    the last weights (and optimizer state) that were still finite.

    Keras stops too but leaves the NaN weights in the model. The check runs at the end
    of every compiled chunk of steps (every epoch by default; every batch when another
    callback has batch hooks), so the weights put back are those of the last finite
    chunk end.

    Args:
        raise_error: raise a ``RuntimeError`` instead of stopping gracefully (the
            finite weights are put back first).

    >>> TerminateOnNaN().raise_error
    False
    """

    _per_batch = False

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = bool(raise_error)
        self._last_finite = None

    def _save_state(self):
        return (_snapshot(self.model), self.model.get_optimizer_state())

    def on_train_begin(self, logs=None):
        self._reported = False
        self._last_finite = self._save_state() if _model_is_finite(self.model) else None

    def on_train_batch_end(self, batch, logs=None):
        self._check(logs, f"Batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"Epoch {epoch + 1}")

    def _check(self, logs, where):
        loss = (logs or {}).get("loss")
        bad = loss is not None and not math.isfinite(float(np.asarray(loss)))
        if not bad and _model_is_finite(self.model):
            self._last_finite = self._save_state()
            return
        if self._last_finite is not None:
            weights, opt_state = self._last_finite
            _restore(self.model, weights)
            if opt_state is not None:
                self.model.set_optimizer_state(opt_state)
        self.model.stop_training = True
        if self._reported:
            return
        self._reported = True
        restored = ("; the model keeps its last finite weights"
                    if self._last_finite is not None else "")
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered ({where}): loss={loss}{restored}. Terminating "
                "training immediately."
            )
        _print(f"{where}: Invalid loss, terminating training{restored}.")


def _model_is_finite(model):
    if not hasattr(model, "current_params"):
        return all(np.all(np.isfinite(w)) for w in model.get_weights()
                   if np.issubdtype(np.asarray(w).dtype, np.inexact))
    return bool(_all_finite(model.current_params()))


# ------------------------------------------------------------------ learning rate


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch to ``schedule(epoch, lr)``.

    ``schedule`` takes the 0-based epoch index and the current rate (a float) and
    returns the new rate; a one-argument ``schedule(epoch)`` works too. The rate enters
    the compiled step as data, so changing it does not recompile. The rate of each
    epoch is logged as ``learning_rate``.

    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 10 else lr * 0.9
    >>> callback = LearningRateScheduler(schedule)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "`schedule` must be a function `schedule(epoch, lr) -> new lr`. "
                f"Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _accepts_two_args(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        for suffix, optimizer in _each_optimizer(self.model.optimizer):
            lr = _learning_rate(optimizer)
            new = self.schedule(epoch, lr) if self._takes_lr else self.schedule(epoch)
            if isinstance(new, (bool, str)) or np.ndim(new) != 0 \
                    or not np.issubdtype(np.asarray(new).dtype, np.number):
                raise ValueError(
                    "The output of the `schedule` function should be a float. "
                    f"Got: {new!r} at epoch {epoch}"
                )
            new = float(np.asarray(new))
            optimizer.learning_rate = new
            if self.verbose > 0:
                which = f"{optimizer.name} " if suffix else ""
                _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}"
                       f"learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            _log_learning_rates(self.model.optimizer, logs)


def _accepts_two_args(fn):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return any(p.kind == p.VAR_POSITIONAL for p in params) or len(positional) >= 2


class ReduceLROnPlateau(_MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    Args:
        monitor: the logged value to watch. Defaults to ``'val_loss'``.
        factor: the multiplier, in (0, 1): ``new_lr = lr * factor``.
        patience: epochs without improvement before reducing.
        verbose: 1 prints every reduction.
        mode: ``'min'``, ``'max'`` or ``'auto'``.
        min_delta: changes smaller than this do not count as improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate never goes below this.

    The current rate is logged as ``learning_rate``.

    >>> ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-3).factor
    0.2
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        check_kwargs(kwargs, set(), "ReduceLROnPlateau()",
                     suggestions={"monitor", "factor", "patience", "verbose", "mode",
                                  "min_delta", "cooldown", "min_lr"})
        super().__init__(monitor, mode, min_delta=min_delta)
        if not 0 < factor < 1:
            raise ValueError(
                "ReduceLROnPlateau needs a factor in (0, 1): the learning rate is multiplied "
                f"by it. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = _non_negative_int("patience", patience)
        self.verbose = verbose
        self.cooldown = _non_negative_int("cooldown", cooldown)
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0
        self._warned = False

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        _log_learning_rates(self.model.optimizer, logs)
        current = logs.get(self.monitor)
        if current is None:
            if not self._warned:
                self._warned = True
                warnings.warn(f"Learning rate reduction is conditioned on metric "
                              f"`{self.monitor}` which is not available. "
                              f"{_logs_hint(self.monitor, logs)}", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch):
        reduced = False
        for suffix, optimizer in _each_optimizer(self.model.optimizer):
            old = _learning_rate(optimizer)
            if not old > np.float32(self.min_lr):
                continue
            new = max(old * self.factor, self.min_lr)
            optimizer.learning_rate = new
            reduced = True
            if self.verbose > 0:
                which = f" {optimizer.name}" if suffix else ""
                _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate "
                       f"to {new}.")
        return reduced


# ------------------------------------------------------------------ logging


class CSVLogger(Callback):
    """Write every epoch's logs as a row of a CSV file: ``epoch`` (0-based), then the
    logged values in sorted order (``val_*`` columns are added, ``NA`` when there is no
    validation, as in Keras).

    Args:
        filename: the CSV file.
        separator: the field separator. Defaults to ``','``.
        append: append to an existing file (no second header) instead of overwriting.

    >>> CSVLogger("training.log", separator=";").sep
    ';'
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = bool(append)
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not bool(len(f.readline()))
        else:
            self.append_header = True
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            sep = self.sep

            class Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    array = np.asarray(value)
    if array.ndim:
        return f'"[{", ".join(map(str, array.tolist()))}]"'
    return value


class LambdaCallback(Callback):
    """A callback from plain functions, with Keras's signatures:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)``,
    ``on_train_batch_end(batch, logs)``, and any other ``on_*`` hook by keyword.
    Giving a batch hook makes ``fit`` run one step per chunk.

    >>> seen = []
    >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    >>> callback.on_epoch_end(0, {}); seen
    [0]
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = {name for name in dir(Callback) if name.startswith("on_")}
        check_kwargs(kwargs, hooks, "LambdaCallback()")
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: `{name}` must be a function. "
                                f"Received: {name}={fn!r}")
            setattr(self, name, fn)
