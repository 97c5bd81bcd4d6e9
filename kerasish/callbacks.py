"""Callbacks with Keras 3's hook names and ``logs`` dicts: ``Callback``, ``History``,
``ProgbarLogger``, and the ``CallbackList`` that ``fit`` drives.

With kerasish's fused training, batch hooks run once per *chunk* of steps unless a
callback overrides a batch hook: then ``fit`` runs one step per chunk, so that every
batch hook sees every batch, as in Keras.
"""

import sys
import time

import numpy as np


class Callback:
    """Base class: override any ``on_*`` hook; ``self.model`` is set by ``fit``."""

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
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end")


def wants_batch_hooks(callback):
    """True when a callback overrides a per-batch training hook."""
    return any(getattr(type(callback), h) is not getattr(Callback, h) for h in _BATCH_HOOKS)


class History(Callback):
    """Records ``logs`` of every epoch: ``history.history['loss']`` is a list."""

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


def _format_logs(logs):
    parts = []
    for k, v in logs.items():
        v = float(v)
        parts.append(f"{k}: {v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{k}: {v:.4e}")
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
    """

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream

    def _out(self):
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


class CallbackList:
    """Calls every callback's hook in order."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def per_batch(self):
        return any(wants_batch_hooks(cb) for cb in self.callbacks)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args, **kwargs):
            for cb in self.callbacks:
                getattr(cb, hook)(*args, **kwargs)

        return call


def to_list(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                "`callbacks` must be a list of kerasish.callbacks.Callback instances. "
                f"Received an item of type {type(cb).__name__}."
            )
    return callbacks


def logs_as_floats(logs):
    return {k: float(np.asarray(v)) for k, v in logs.items()}
