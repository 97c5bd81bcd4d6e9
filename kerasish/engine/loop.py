"""The one loop that ``fit``, ``evaluate`` and ``predict`` share.

:func:`run_epoch` walks an adapter's chunks for one epoch, calls the compiled program
on each, and talks to the callbacks through Keras's hooks (``on_{mode}_batch_begin``
/ ``_end`` with ``logs`` dicts). :func:`fit` repeats it for every epoch, with
validation through :func:`evaluate`; :func:`predict` collects outputs.

The loop never touches a model object directly. It talks to a *host* (the model's
side, see ``kerasish.models``) through a few methods:

* ``host.train_state(programs)`` -> a fresh ``TrainState`` from the model's weights
  and optimizer (learning rate as the optimizer holds it now);
* ``host.commit(ts)`` -> make a completed chunk the model's state (atomic under Ctrl-C);
* ``host.refresh(ts)`` -> ``ts`` with what callbacks may have changed (weights, rate);
* ``host.publish(ts)`` -> let callbacks see the optimizer's iterations and rate;
* ``host.stop_training`` -> a callback asked to stop.

A refused or failed chunk never reaches ``commit``: the model keeps the state of the
last completed chunk.
"""

import contextlib

import jax
import numpy as np

from kerasish.engine import steps


class NoHooks:
    """The hooks of a call without callbacks (``predict(x)`` in a loop must cost
    little more than the compiled call)."""

    user_hooks = user_test_hooks = False

    def per_batch(self, mode="train"):
        return False

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        return _nothing


def _nothing(*args, **kwargs):
    return None


NO_HOOKS = NoHooks()


def _eager_context(eager):
    # run_eagerly / jit_compile=False: the same step functions, op by op, so `call`
    # sees concrete arrays (under jax.grad, JVP tracers that carry concrete values).
    return jax.disable_jit() if eager else contextlib.nullcontext()


def run_epoch(mode, adapter, chunk_size, call, read, hooks, *, per_batch, progress=False,
              stop=lambda: False, after_batch=None):
    """One pass over ``adapter``: ``call(chunk)`` does the work of each chunk.

    With ``per_batch`` every batch hook runs (chunks are then one step long); with
    ``progress`` only ``on_{mode}_batch_end`` runs, once per chunk (the progress bar).
    ``read()`` gives the logs handed to the hooks. Returns the last logs read, or None.
    """
    begin = getattr(hooks, f"on_{mode}_batch_begin")
    end = getattr(hooks, f"on_{mode}_batch_end")
    logs, seen = None, False
    for chunk in adapter.epoch(chunk_size):
        seen = True
        if per_batch:
            begin(chunk.first, {})
        call(chunk)
        logs = None
        if per_batch or progress:
            logs = read()
            end(chunk.last, dict(logs))
            if after_batch is not None:
                after_batch()
        if stop():
            break
    if not seen:
        hint = " A generator is consumed across epochs: pass `steps_per_epoch` (or " \
            "`steps`), or use a PyDataset or a re-iterable dataset." \
            if hasattr(getattr(adapter, "source", None), "__next__") else ""
        raise ValueError(f"{_WHAT[mode]}: the data gave no batches.{hint}")
    return logs


_WHAT = {"train": "fit", "test": "evaluate", "predict": "predict"}


def fit(host, programs, train, val, hooks, *, epochs, initial_epoch, chunk_size,
        validation_freq, val_chunk_size, per_batch, progress, eager=False):
    """Train for ``epochs`` epochs; the logs of the last epoch."""
    logs = {}
    hooks.on_train_begin({})
    # A callback may have restored an earlier run (BackupAndRestore): start after it.
    initial_epoch = host.resume_epoch(initial_epoch)
    box = [host.train_state(programs)]
    # Each epoch's dropout keys come from (this fit's key, epoch), as its shuffle does:
    # a fit resumed at epoch k draws what the uninterrupted run drew.
    fit_key = box[0].rng

    def call(chunk):
        new = programs.train(box[0], chunk.data, chunk.idx, chunk.mask,
                             np.int32(chunk.start), chunk.n_steps, chunk.may_skip)
        host.commit(new)
        box[0] = new

    def read():
        host.publish(box[0])
        return steps.read_logs(programs, box[0].metrics)

    def after_batch():  # a user's batch hook may have set weights or the rate
        box[0] = host.refresh(box[0])

    with _eager_context(eager):
        for epoch in range(initial_epoch, epochs):
            hooks.on_epoch_begin(epoch, {})
            # A learning rate set by the user or a callback enters the state as data:
            # no recompilation.
            box[0] = host.refresh(box[0])._replace(metrics=programs.init_metrics())
            if fit_key is not None:
                box[0] = box[0]._replace(rng=jax.random.fold_in(fit_key, epoch))
            if hasattr(train, "set_epoch"):
                train.set_epoch(epoch)
            epoch_logs = run_epoch(
                "train", train, chunk_size, call, read, hooks, per_batch=per_batch,
                progress=progress, stop=lambda: host.stop_training,
                after_batch=after_batch if hooks.user_hooks else None)
            # One host read per epoch: reuse the progress bar's if it just happened.
            logs = epoch_logs if epoch_logs is not None else read()
            host.after_first_epoch(epoch == initial_epoch, logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = evaluate(host, programs, val, hooks, chunk_size=val_chunk_size,
                                    per_batch=hooks.user_test_hooks, ts=box[0])
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            logs = {k: logs[k] for k in sorted(logs)}  # Keras reports keys sorted
            host.publish(box[0])
            hooks.on_epoch_end(epoch, logs)
            train.on_epoch_end()
            if host.stop_training:
                break
    hooks.on_train_end(logs)
    return logs


def evaluate(host, programs, adapter, hooks, *, chunk_size, per_batch, ts=None,
             eager=False):
    """Metrics over one pass of ``adapter``, as a logs dict."""
    box = [None]

    def call(chunk):
        box[0] = programs.evaluate(box[0], chunk.data, chunk.idx, chunk.mask,
                                   np.int32(chunk.start), chunk.n_steps)

    def read():
        return steps.read_logs(programs, box[0].metrics)

    hooks.on_test_begin({})
    # The weights as on_test_begin left them: a callback may swap in others
    # (SwapEMAWeights). In fit, the model holds the committed training state, so
    # without such a callback this reads the same arrays as `ts`.
    box[0] = host.eval_state(programs, ts if hooks is NO_HOOKS else None)
    with _eager_context(eager):
        run_epoch("test", adapter, 1 if per_batch else chunk_size, call, read, hooks,
                  per_batch=per_batch)
        logs = read()
    hooks.on_test_end(dict(logs))
    return logs


def predict(adapter, predict_chunk, hooks, *, per_batch, eager=False):
    """Outputs over one pass of ``adapter``: ``predict_chunk(chunk)`` gives a chunk's
    outputs with the padding rows removed; they are concatenated on the host."""
    outs = []
    hooks.on_predict_begin({})
    with _eager_context(eager):
        run_epoch("predict", adapter, 1 if per_batch else None,
                  lambda chunk: outs.append(predict_chunk(chunk)),
                  lambda: {"outputs": outs[-1]}, hooks, per_batch=per_batch)
    hooks.on_predict_end({})
    if len(outs) == 1:
        return outs[0]
    return jax.tree_util.tree_map(lambda *o: np.concatenate(o), *outs)
