"""``Model`` and ``Sequential``: Keras's training API over the functional engine.

This is the only tier with mutable Python state. A model holds its weights in its
layers' variables and its optimizer state in ``_opt_state``; ``fit`` builds a
``TrainState`` from them, runs compiled chunks of steps (see ``kerasish.training``) and
writes the result back after every completed chunk. A refused or failed call therefore
leaves the model exactly as it was after the last completed chunk.

>>> import numpy as np, kerasish
>>> from kerasish.layers import Dense
>>> model = kerasish.Sequential([kerasish.Input(shape=(4,)), Dense(8, activation="relu"),
...                              Dense(1, activation="sigmoid")])
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
>>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
>>> y = (x[:, 0] > 0).astype("float32")
>>> history = model.fit(x, y, epochs=3, verbose=0)
>>> sorted(history.history)
['accuracy', 'loss']
>>> model.predict(x[:2], verbose=0).shape
(2, 1)
"""

import math
import signal
import sys
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import callbacks as callbacks_module
from kerasish import data_checks, diagnostics, losses, optimizers
from kerasish import metrics as metrics_module
from kerasish import distribution as distribution_module
from kerasish import mixed_precision
from kerasish import random, streaming, training
from kerasish.layers.base import (KerasTensor, Layer, _bump, assign_tree, is_inside_scope,
                                  make_apply)
from kerasish.layers.core import InputLayer
from kerasish.utils.naming import check_kwargs, closest

_FIT_KWARGS = {
    "x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split",
    "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
    "steps_per_epoch", "validation_steps", "validation_batch_size", "validation_freq",
}


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return verbose


class Model(Layer):
    """Base of all models: ``compile``, ``fit``, ``evaluate``, ``predict``, ``summary``.

    Subclass it and define ``call`` (layers assigned in ``__init__`` are tracked).
    """

    def __new__(cls, *args, **kwargs):
        # `kerasish.Model(inputs, outputs)` is the functional API, as in Keras.
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from kerasish.functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes keyword arguments only (name=, trainable=); "
                "for a functional model use kerasish.Model(inputs, outputs)."
            )
        super().__init__(**kwargs)
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._opt_state = None
        self._programs = None
        self._predict_fns = None
        self._input_shape = None

    # -- compile ------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configure training: resolves and checks every name now, not at ``fit``.

        Everything is resolved before anything is stored, so a refused ``compile``
        leaves the previous configuration (and optimizer state) in place.
        """
        check_kwargs(kwargs, {"optimizer", "loss", "loss_weights", "metrics",
                              "weighted_metrics", "run_eagerly", "steps_per_execution",
                              "jit_compile", "auto_scale_loss"}, "compile()")
        if loss is None:
            raise ValueError(
                "compile() needs a loss, e.g. loss='binary_crossentropy' or "
                "loss=kerasish.losses.MeanSquaredError(). Received: loss=None"
            )
        loss_fn = _map_spec(loss, lambda leaf: None if leaf is None else losses.get(leaf))
        metric_ids = _map_metric_spec(metrics, lambda m: self._check_metrics(m, "metrics"))
        weighted_ids = _map_metric_spec(weighted_metrics,
                                        lambda m: self._check_metrics(m, "weighted_metrics"))
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict)):
            loss_weights = [loss_weights]
        optimizer_obj = optimizers.get(optimizer)
        policy = mixed_precision.explicit_global_policy()
        if auto_scale_loss and policy is not None and policy.compute_dtype == "float16" \
                and not isinstance(optimizer_obj, optimizers.LossScaleOptimizer):
            # float16 gradients underflow without it; Keras wraps the optimizer too.
            optimizer_obj = optimizers.LossScaleOptimizer(optimizer_obj)
        steps = _check_int("steps_per_execution", steps_per_execution, 1)
        if self.built:  # per-output specs can be checked against the outputs now
            for spec, what in ((loss_fn, "loss"), (loss_weights, "loss_weights"),
                               (metric_ids, "metrics"), (weighted_ids, "metrics")):
                if spec is not None:
                    self._per_output(spec, what)
        self._loss_fn, self._metric_ids, self._weighted_ids = loss_fn, metric_ids, weighted_ids
        self._loss_weights = loss_weights
        self.optimizer, self.loss, self.steps_per_execution = optimizer_obj, loss, steps
        self._opt_state = None
        self._programs = None
        self.compiled = True

    @staticmethod
    def _check_metrics(metrics, what):
        if metrics is None:
            return []
        if isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
            metrics = [metrics]
        if not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"`{what}` must be a list of metric names, Metric objects or functions. "
                f"Received: {what}={metrics!r}"
            )
        for m in metrics:
            if isinstance(m, str) and m.lower() in ("accuracy", "acc"):
                continue
            metrics_module.get(m)  # raises with suggestions for an unknown name
        return list(metrics)

    # -- build & shapes --------------------------------------------------------
    def build(self, input_shape=None):
        """Build a subclassed model by running ``call`` once on zeros of that shape.

        Sub-layers create their weights on first call; doing it eagerly here (not
        under a trace) keeps tracers out of the weights.
        """
        if input_shape is None:
            raise ValueError(f"Model {self.name!r}: build() needs an input shape.")
        input_shape = tuple(input_shape)
        self.call(jnp.zeros(tuple(1 if d is None else d for d in input_shape), self.dtype))
        self._input_shape = input_shape
        self.built = True

    def _ensure_built(self, x_shape):
        if not self.built:
            self.build((None,) + tuple(x_shape[1:]))

    @property
    def input_shape(self):
        if self._input_shape is None:
            raise AttributeError(f"Model {self.name!r} has no input shape yet: build it first.")
        return self._input_shape

    def _output_shape(self):
        return self.compute_output_shape(self.input_shape)

    def __call__(self, inputs, *args, training=None, **kwargs):
        # Concrete arrays outside a trace go through one cached compiled forward pass:
        # the eager op-by-op path costs milliseconds per call on small models.
        # training=True goes the eager way: it needs a fresh dropout key per call and
        # must keep the state it updates (BatchNormalization's moving statistics).
        if (self.built and not training and not is_inside_scope() and not args and not kwargs
                and not isinstance(inputs, (KerasTensor, list, tuple, dict))
                and not isinstance(inputs, jax.core.Tracer)):
            x = np.asarray(inputs) if not isinstance(inputs, jax.Array) else inputs
            params, state = self.current_params()
            fwd = self._forward_jit()
            if isinstance(x, np.ndarray):
                x = x.astype(self.dtype, copy=False)
            else:
                x = jnp.asarray(x, dtype=self.dtype)
            return fwd(params, state, x, bool(training))
        return super().__call__(inputs, *args, training=training, **kwargs)

    def _forward_jit(self):
        if self._predict_fns is None or self._predict_fns[0] != self._layout_key():
            apply = make_apply(self)
            fwd = jax.jit(lambda p, s, x, t: apply(p, s, x, t, None)[0], static_argnums=3)
            self._predict_fns = (self._layout_key(), fwd) + training.make_predict(apply)
        return self._predict_fns[1]

    def _layout_key(self):
        t, n = self._variables_split()
        return tuple(id(v) for v in t), tuple(id(v) for v in n)

    # -- inputs and outputs ------------------------------------------------------------
    def _input_names(self):
        return [None]

    def _input_shapes(self):
        return [self.input_shape]

    def _output_names(self):
        return [None]

    def _output_shapes(self):
        return [self._output_shape()]

    def _pack_inputs(self, xs):
        """The host's list of input arrays -> what ``call`` takes."""
        return xs[0] if len(xs) == 1 else list(xs)

    def _per_output(self, spec, what, default=None):
        """A compile argument given once, as a list, or as a dict -> one entry per output."""
        names = self._output_names()
        if isinstance(spec, dict):
            unknown = sorted(set(spec) - set(names))
            if unknown:
                raise ValueError(
                    f"`{what}` has keys {unknown} that are not outputs of model "
                    f"{self.name!r}. Its outputs are {names}."
                )
            return [spec.get(n, default) for n in names]
        if len(names) == 1:
            if what == "loss_weights" and isinstance(spec, (list, tuple)):
                return list(spec[:1])
            return [spec]  # e.g. a list of metrics, all for the one output
        if isinstance(spec, (list, tuple)):
            if what == "metrics" and not any(isinstance(m, (list, tuple)) for m in spec):
                return [list(spec)] * len(names)  # a flat metric list: for every output
            if len(spec) != len(names):
                raise ValueError(
                    f"`{what}` has {len(spec)} entries but model {self.name!r} has "
                    f"{len(names)} outputs {names}. Give one entry per output (or a dict)."
                )
            return list(spec)
        return [spec] * len(names)

    # -- the engine's pieces -----------------------------------------------------------
    def _build_programs(self, y_shapes):
        dist = distribution_module.distribution()
        key = (self._layout_key(), tuple(tuple(s[1:]) for s in y_shapes), id(dist))
        if self._programs is not None and self._programs["key"] == key:
            return self._programs
        names = self._output_names()
        out_shapes = self._output_shapes()
        multi = len(names) > 1
        loss_fns = self._per_output(self._loss_fn, "loss")
        weights = self._per_output(self._loss_weights, "loss_weights") \
            if self._loss_weights is not None else [1.0] * len(names)
        terms = tuple(
            None if fn is None else training.LossTerm(
                values=fn.call,
                mask=fn.compute_mask if getattr(fn, "ignore_class", None) is not None else None,
                weight=float(1.0 if w is None else w),
                sum_reduction=getattr(fn, "reduction", None) == "sum")
            for fn, w in zip(loss_fns, weights))
        metric_terms, metric_names = [], []
        for ids, weighted in ((self._metric_ids, False), (self._weighted_ids, True)):
            for i, output_ids in enumerate(self._per_output(ids, "metrics", default=[])):
                if not isinstance(output_ids, (list, tuple)):
                    output_ids = [output_ids]
                for m in output_ids:
                    y_spec = (None,) + tuple(y_shapes[i][1:])
                    metric = metrics_module.resolve(m, y_spec, out_shapes[i], loss=loss_fns[i])
                    metric_terms.append(training.MetricTerm(metric, i, weighted))
                    name = f"{names[i]}_{metric.name}" if multi else metric.name
                    if weighted and name in metric_names:
                        name = f"weighted_{name}"
                    base, k = name, 0
                    while name in metric_names:  # Keras: binary_accuracy, binary_accuracy_1
                        k += 1
                        name = f"{base}_{k}"
                    metric_names.append(name)
        loss_names = [f"{n}_loss" for n, t in zip(names, terms) if t is not None] \
            if sum(t is not None for t in terms) > 1 else []
        trainable, _ = self._variables_split()
        regs = [(v._owner.name, v.name, v.regularizer) for v in trainable if v.regularizer]

        def penalty(params):
            total = jnp.zeros((), jnp.float32)
            for ln, wn, reg in regs:
                total = total + reg(params[ln][wn])
            return total

        pieces = training.Pieces(
            forward=make_apply(self),
            losses=terms,
            penalty=penalty,
            optimizer_update=self.optimizer.update,
            metrics=tuple(metric_terms),
            names=tuple(loss_names + metric_names),
            shard_batch=None if dist is None else _batch_sharder(dist),
            loss_scale=getattr(self.optimizer, "scale_of", None),
        )
        self._programs = {
            "key": key,
            "pieces": pieces,
            "losses": loss_fns,
            "train": training.make_train_chunk(pieces),
            "eval": training.make_eval_chunk(pieces),
            "results": training.make_results(pieces),
        }
        return self._programs

    @property
    def metrics_names(self):
        names = ["loss"]
        if self._programs is not None:
            names += list(self._programs["pieces"].names)
        return names

    # -- data preparation ---------------------------------------------------------------
    def _as_list(self, data, names, what):
        """User data (array, list or dict keyed by input/output names) -> list of arrays."""
        if isinstance(data, dict):
            missing = [n for n in names if n not in data]
            if missing or len(names) == 1 and names[0] is None:
                raise ValueError(
                    f"`{what}` is a dict with keys {sorted(data)}, but model {self.name!r} "
                    f"expects {'keys ' + str(names) if names[0] is not None else 'an array'}."
                )
            data = [data[n] for n in names]
        elif isinstance(data, (list, tuple)) and len(names) > 1:
            if len(data) != len(names):
                raise ValueError(
                    f"Model {self.name!r} has {len(names)} {what == 'x' and 'inputs' or 'outputs'} "
                    f"{names} but `{what}` has {len(data)} arrays."
                )
            data = list(data)
        else:
            data = [data]
        suffix = (lambda i: f"[{names[i]!r}]") if len(names) > 1 else (lambda i: "")
        return [data_checks.as_array(d, f"{what}{suffix(i)}") for i, d in enumerate(data)]

    def _prepare(self, x, y, sample_weight, what):
        if not self.built and not isinstance(x, (list, tuple, dict)):
            self._ensure_built(data_checks.as_array(x, "x").shape)
        xs = self._as_list(x, self._input_names(), "x")
        ys = self._as_list(y, self._output_names(), "y")
        sw = None if sample_weight is None else data_checks.as_array(sample_weight, "sample_weight")
        data_checks.check_lengths(**{f"x{i or ''}": a for i, a in enumerate(xs)},
                                  **{f"y{i or ''}": a for i, a in enumerate(ys)},
                                  sample_weight=sw)
        self._ensure_built(xs[0].shape)
        for xi, shape in zip(xs, self._input_shapes()):
            data_checks.check_features(xi, shape, self.name)
        self._require_compiled(what)
        loss_fns = self._per_output(self._loss_fn, "loss")
        ys = [data_checks.check_targets(yi, shape, fn)
              for yi, shape, fn in zip(ys, self._output_shapes(), loss_fns)]
        return xs, ys, sw

    def _device_data(self, xs, ys, sw, class_weight=None):
        sw = self._sample_weights(ys, sw, class_weight, len(xs[0]))
        dist = distribution_module.distribution()
        # Under a distribution the dataset is replicated; each step's batch is then split
        # over the batch axis inside the program (see training.Pieces.shard_batch).
        put = (lambda a, dtype: jnp.asarray(a, dtype=dtype)) if dist is None else \
            (lambda a, dtype: jax.device_put(np.asarray(a, dtype=dtype),
                                             distribution_module.replicated(dist)))
        x_dev = self._pack_inputs([put(x, self.dtype) for x in xs])
        y_dev = tuple(put(y, np.int32 if np.issubdtype(y.dtype, np.integer) else self.dtype)
                      for y in ys)
        return x_dev, y_dev, put(sw, np.float32)

    @staticmethod
    def _sample_weights(ys, sw, class_weight, n):
        """Per-row weights (numpy): ``sample_weight`` times ``class_weight[label]``."""
        if sw is None:
            sw = np.ones(n, np.float32)
        else:
            sw = np.asarray(sw, np.float32).reshape(n, -1)[:, 0] if sw.ndim > 1 else sw
        if class_weight is not None:
            y = ys[0]
            labels = y.argmax(-1) if (y.ndim > 1 and y.shape[-1] > 1) else y.reshape(len(y))
            labels = np.round(labels).astype(np.int64)
            missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
            if missing:
                raise ValueError(
                    f"`class_weight` has no entry for classes {missing}. Expected a dict "
                    f"with a weight for every class label. Received keys {sorted(class_weight)}."
                )
            sw = sw * np.array([class_weight[int(c)] for c in labels], np.float32)
        return np.asarray(sw, np.float32)

    def _require_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (`{method}()`): e.g. "
                "model.compile(loss='binary_crossentropy', optimizer='adam')."
            )

    # -- fit --------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for ``epochs`` epochs; returns a ``History``.

        Each epoch (or chunk of ``steps_per_execution`` steps) is one compiled program:
        batches are gathered and shuffled on the device, metrics are read once per chunk.
        """
        check_kwargs(kwargs, _FIT_KWARGS, "fit()")
        self._require_compiled("fit")
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        epochs = _check_int("epochs", epochs, 0)
        initial_epoch = _check_int("initial_epoch", initial_epoch, 0)
        verbose = _resolve_verbose(verbose)
        validation_freq = _check_int("validation_freq", validation_freq, 1)
        if steps_per_epoch is not None:
            steps_per_epoch = _check_int("steps_per_epoch", steps_per_epoch, 1)
        cbs = callbacks_module.to_list(callbacks)

        stream_args = dict(epochs=epochs, initial_epoch=initial_epoch, verbose=verbose,
                           cbs=cbs, steps_per_epoch=steps_per_epoch,
                           validation_freq=validation_freq, class_weight=class_weight,
                           batch_size=validation_batch_size or batch_size)
        if streaming.is_stream(x):
            if y is not None:
                raise ValueError(
                    f"`y` must not be passed when `x` is a {type(x).__name__}: its batches "
                    "carry their labels, as (x, y) or (x, y, sample_weight) tuples.")
            return self._fit_stream(x, validation_data, **stream_args)
        xs, ys, sw = self._prepare(x, y, sample_weight, "fit")
        if streaming.too_big(xs + ys + [sw]):
            # Too large to copy to the device whole: stream it batch by batch instead.
            pack = lambda a: a[0] if len(a) == 1 else a  # noqa: E731
            if validation_split and validation_data is None:
                n_x = len(xs)
                train, held = data_checks.split_validation(xs + ys + [sw], validation_split)
                xs, ys, sw = list(train[:n_x]), list(train[n_x:-1]), train[-1]
                validation_data = (pack(list(held[:n_x])), pack(list(held[n_x:-1])), held[-1])
            source = streaming.ArrayBatches(pack(xs), pack(ys), sw, batch_size, shuffle,
                                            random.next_seed())
            return self._fit_stream(source, validation_data, **stream_args)
        val = val_source = None
        if streaming.is_stream(validation_data):
            val_source, validation_data = validation_data, None  # evaluated batch by batch
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError(
                    "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                    f"val_sample_weight). Received: {type(validation_data).__name__}"
                )
            val = self._prepare(*validation_data, *([None] * (3 - len(validation_data))),
                                what="validation")
        elif validation_split:
            n_x = len(xs)
            train, held = data_checks.split_validation(xs + ys + [sw], validation_split)
            xs, ys, sw = list(train[:n_x]), list(train[n_x:-1]), train[-1]
            val = (list(held[:n_x]), list(held[n_x:-1]), held[-1])

        programs = self._build_programs([y.shape for y in ys])
        pieces = programs["pieces"]
        diagnostics.before_fit(self, self._pack_inputs(xs), ys[0] if len(ys) == 1 else ys)
        data = self._device_data(xs, ys, sw, class_weight)
        val_data = None if val is None else self._device_data(*val)
        val_batch = validation_batch_size or batch_size

        n = len(xs[0])
        steps = math.ceil(n / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, steps_per_epoch)
        history = callbacks_module.History()
        cb_list = [history] + cbs
        if verbose:
            cb_list.append(callbacks_module.ProgbarLogger(verbose))
        cb = callbacks_module.CallbackList(
            cb_list, self, {"verbose": verbose, "epochs": epochs, "steps": steps})
        chunk = 1 if (cb.per_batch() or self._conv_on_cpu()) else (
            steps if self.steps_per_execution == 1 else min(self.steps_per_execution, steps))
        n_chunks = math.ceil(steps / chunk)
        may_skip = n_chunks * chunk > steps

        dist = distribution_module.distribution()
        if dist is not None:
            distribution_module.check_batch_size(dist, batch_size)
            self._place_variables(dist)
        params, state = self.current_params()
        if self._opt_state is None or jax.tree_util.tree_structure(
                self._opt_state.slots) != jax.tree_util.tree_structure(
                self.optimizer.init(params).slots):
            self._opt_state = self.optimizer.init(params)
        else:  # pick up a learning rate the user (or a callback) changed
            self._opt_state = self.optimizer.sync_to_state(self._opt_state)
        rng = random.next_key()  # carried from epoch to epoch by the TrainState
        shuffler = np.random.default_rng(random.next_seed())
        self.stop_training = False
        self.history = history
        cb.on_train_begin()
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                cb.on_epoch_begin(epoch)
                # A learning rate set by the user or a callback (LearningRateScheduler,
                # ReduceLROnPlateau) enters the state as data: no recompilation.
                if cbs:
                    self._opt_state = self.optimizer.sync_to_state(self._opt_state)
                perm = shuffler.permutation(n) if shuffle else None
                idx, mask = training.batch_tables(n, batch_size, n_chunks * chunk, perm)
                if steps_per_epoch is not None:
                    mask[steps:] = 0.0
                params, state = self.current_params()
                ts = training.TrainState(params, state, self._opt_state,
                                         training.init_metrics(pieces), rng,
                                         np.zeros((), np.int32))
                chunk_logs = None  # the metrics as read after the latest chunk, if read
                for c in range(n_chunks):
                    chunk_logs = None
                    if cb.per_batch():
                        cb.on_train_batch_begin(c * chunk)
                    ts = programs["train"](ts, data, idx, mask, np.int32(c * chunk), chunk,
                                           may_skip)
                    self._commit(ts)
                    done = min((c + 1) * chunk, steps)
                    if verbose == 1 or cb.per_batch():
                        if cb.per_batch():  # batch hooks may read iterations / the rate
                            self.optimizer.sync_from_state(self._opt_state)
                        chunk_logs = training.read_metrics(pieces, ts.metrics,
                                                           programs["results"])
                        cb.on_train_batch_end(done - 1, dict(chunk_logs))
                        if cbs:  # a batch hook may have set weights or the learning rate
                            params, state = self.current_params()
                            ts = ts._replace(params=params, state=state,
                                             opt_state=self.optimizer.sync_to_state(self._opt_state))
                    if self.stop_training:
                        break
                rng = ts.rng
                # One host read per epoch: reuse the progress bar's if it just happened.
                logs = chunk_logs if chunk_logs is not None else training.read_metrics(
                    pieces, ts.metrics, programs["results"])
                if epoch == initial_epoch:
                    diagnostics.after_first_epoch(self, logs)
                if (val_data is not None or val_source is not None) \
                        and (epoch + 1) % validation_freq == 0:
                    val_logs = self._run_eval(val_data, val_batch) if val_data is not None \
                        else self._evaluate_source(val_source, val_batch)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                logs = self._ordered_logs(logs)
                if cbs:  # user callbacks may read the optimizer's iterations / learning rate
                    self.optimizer.sync_from_state(self._opt_state)
                cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        finally:  # even after an interrupt, the optimizer shows the committed state
            self.optimizer.sync_from_state(self._opt_state)
        cb.on_train_end(logs)
        return history

    @staticmethod
    def _ordered_logs(logs):
        # Keras 3 reports an epoch's keys sorted (validation keys included).
        return {k: logs[k] for k in sorted(logs)}

    # -- data fed batch by batch (kerasish.streaming) --------------------------------------
    def _stream_step_data(self, bx, by, bsw, rows, class_weight, what):
        """Check one batch on the host and pad it to ``rows``: (device data, n, ys)."""
        if by is None:
            raise ValueError(f"{what}: every batch must carry labels, as (x, y) or (x, y, "
                             "sample_weight).")
        xs, ys, sw = self._prepare(bx, by, bsw, what)
        n = len(xs[0])
        if rows is not None and n > rows:
            raise ValueError(
                f"{what}: batch of {n} rows after a first batch of {rows}. Batches may be "
                "shorter than the first one, never longer.")
        sw = self._sample_weights(ys, sw, class_weight, n)
        rows = rows or n
        xs, ys, sw = streaming.pad_rows(xs, rows), streaming.pad_rows(ys, rows), \
            streaming.pad_rows([sw], rows)[0]
        return self._device_data(xs, ys, sw), n, ys

    @staticmethod
    def _one_batch_tables(n, rows):
        return np.arange(rows, dtype=np.int32)[None], \
            (np.arange(rows) < n).astype(np.float32)[None]

    def _fit_stream(self, source, validation_data, epochs, initial_epoch, verbose, cbs,
                    steps_per_epoch, validation_freq, class_weight, batch_size):
        """``fit`` over a PyDataset, a generator, or arrays too large for the device: one
        compiled step per batch, each batch checked on the host first."""
        steps = steps_per_epoch or (len(source) if hasattr(source, "__len__") else None)
        history = callbacks_module.History()
        cb_list = [history] + cbs + ([callbacks_module.ProgbarLogger(verbose)] if verbose
                                     else [])
        cb = callbacks_module.CallbackList(
            cb_list, self, {"verbose": verbose, "epochs": epochs, "steps": steps})
        programs = rows = None
        rng = random.next_key()
        self.stop_training = False
        self.history = history
        cb.on_train_begin()
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                cb.on_epoch_begin(epoch)
                ts, step = None, -1
                for step, (bx, by, bsw) in enumerate(streaming.epoch_batches(source,
                                                                             steps_per_epoch)):
                    data, n, ys = self._stream_step_data(bx, by, bsw, rows, class_weight, "fit")
                    if programs is None:
                        rows = len(ys[0])
                        programs = self._build_programs([y.shape for y in ys])
                        params, _ = self.current_params()
                        if self._opt_state is None:
                            self._opt_state = self.optimizer.init(params)
                    if ts is None:
                        self._opt_state = self.optimizer.sync_to_state(self._opt_state)
                        params, state = self.current_params()
                        ts = training.TrainState(params, state, self._opt_state,
                                                 training.init_metrics(programs["pieces"]),
                                                 rng, np.zeros((), np.int32))
                    idx, mask = self._one_batch_tables(n, rows)
                    ts = programs["train"](ts, data, idx, mask, np.int32(0), 1, False)
                    self._commit(ts)
                    if cb.per_batch():
                        self.optimizer.sync_from_state(self._opt_state)
                        cb.on_train_batch_end(step, training.read_metrics(
                            programs["pieces"], ts.metrics, programs["results"]))
                    if self.stop_training:
                        break
                if ts is None:
                    raise ValueError(
                        f"fit: the data gave no batches in epoch {epoch + 1}. A generator is "
                        "consumed across epochs: pass `steps_per_epoch`, or a PyDataset.")
                rng = ts.rng
                logs = training.read_metrics(programs["pieces"], ts.metrics, programs["results"])
                if verbose == 1 and not cb.per_batch():
                    cb.on_train_batch_end(step, logs)
                if validation_data is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_source(validation_data, batch_size)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                logs = self._ordered_logs(logs)
                if cbs:
                    self.optimizer.sync_from_state(self._opt_state)
                cb.on_epoch_end(epoch, logs)
                if hasattr(source, "on_epoch_end"):
                    source.on_epoch_end()
                if self.stop_training:
                    break
        finally:
            if self._opt_state is not None:
                self.optimizer.sync_from_state(self._opt_state)
        cb.on_train_end(logs)
        return history

    def _evaluate_source(self, data, batch_size):
        """Metrics over arrays ``(x, y[, sw])`` or a PyDataset / generator, batch by batch."""
        if not streaming.is_stream(data):
            if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
                raise ValueError("`validation_data` must be (x, y), (x, y, sample_weight), a "
                                 f"PyDataset or a generator. Received {type(data).__name__}.")
            data = streaming.ArrayBatches(*data, *([None] * (3 - len(data))),
                                          batch_size=batch_size, shuffle=False, seed=0)
        metrics = pieces = programs = rows = None
        for bx, by, bsw in streaming.epoch_batches(data):
            device_data, n, ys = self._stream_step_data(bx, by, bsw, rows, None, "evaluate")
            if programs is None:
                rows = len(ys[0])
                programs = self._build_programs([y.shape for y in ys])
                pieces = programs["pieces"]
                metrics = training.init_metrics(pieces)
            idx, mask = self._one_batch_tables(n, rows)
            params, state = self.current_params()
            metrics = programs["eval"](params, state, metrics, device_data, idx, mask)
        if programs is None:
            raise ValueError("evaluate: the data gave no batches.")
        return training.read_metrics(pieces, metrics, programs["results"])

    def _conv_on_cpu(self):
        """Convolutional models on the CPU backend train one step per program call
        (see training.make_train_chunk for why)."""
        return jax.default_backend() == "cpu" and any(
            type(layer).__module__.endswith(".conv") for layer in self._flatten_layers())

    def _place_variables(self, dist):
        """Put each weight where the distribution wants it (replicated or sharded)."""
        trainable, non_trainable = self._variables_split()
        for v in trainable + non_trainable:
            sharding = dist.get_variable_layout(v).sharding()
            if getattr(v.value, "sharding", None) != sharding:
                v._value = jax.device_put(v.value, sharding)
        if self._opt_state is not None:  # optimizer slots follow (replicated scalars)
            self._opt_state = jax.device_put(self._opt_state,
                                             distribution_module.replicated(dist)) \
                if not isinstance(dist, distribution_module.ModelParallel) else None

    def _commit(self, ts):
        """Make a completed chunk the model's state (weights, optimizer), atomically
        with respect to Ctrl-C: a SIGINT arriving mid-way is held until both are in."""
        with _sigint_deferred():
            assign_tree(self, ts.params, ts.state)
            self._opt_state = ts.opt_state

    def _run_eval(self, data, batch_size):
        programs = self._programs
        pieces = programs["pieces"]
        n = int(data[2].shape[0])  # the per-sample weights: one per row
        steps = math.ceil(n / batch_size)
        idx, mask = training.batch_tables(n, batch_size, steps)
        params, state = self.current_params()
        metrics = programs["eval"](params, state, training.init_metrics(pieces), data, idx, mask)
        return training.read_metrics(pieces, metrics, programs["results"])

    # -- evaluate / predict ---------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss (and metrics) on ``x, y``: a scalar without metrics, else a list."""
        check_kwargs(kwargs, {"x", "y", "batch_size", "verbose", "sample_weight", "steps",
                              "callbacks", "return_dict"}, "evaluate()")
        self._require_compiled("evaluate")
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        verbose = _resolve_verbose(verbose)
        if streaming.is_stream(x) or (not isinstance(x, (list, tuple, dict)) and x is not None
                                      and streaming.too_big([x, y, sample_weight])):
            source = x if streaming.is_stream(x) else (x, y, sample_weight)
            logs = self._evaluate_source(source, batch_size)
            if return_dict:
                return self._ordered_logs(logs)
            values = [logs["loss"]] + [logs[n] for n in self._programs["pieces"].names]
            return values[0] if len(values) == 1 else values
        xs, ys, sw = self._prepare(x, y, sample_weight, "evaluate")
        programs = self._build_programs([y.shape for y in ys])
        if self._opt_state is None:
            self._opt_state = self.optimizer.init(self.current_params()[0])
        start = time.perf_counter()
        logs = self._run_eval(self._device_data(xs, ys, sw), batch_size)
        if verbose:
            steps_ = math.ceil(len(xs[0]) / batch_size)
            line = callbacks_module._format_logs(self._ordered_logs(logs))
            print(f"{steps_}/{steps_} - {time.perf_counter() - start:.0f}s{line}", flush=True)
        if return_dict:
            return self._ordered_logs(logs)
        values = [logs["loss"]] + [logs[name] for name in programs["pieces"].names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """Outputs for ``x`` as a numpy array, computed in batches of ``batch_size``."""
        if kwargs:
            check_kwargs(kwargs, {"x", "batch_size", "verbose", "steps", "callbacks"},
                         "predict()")
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        _resolve_verbose(verbose)
        if streaming.is_stream(x):
            outs = []
            for batch in (x if hasattr(x, "__next__") else
                          (x[i] for i in range(steps or len(x)))):
                bx = batch[0] if isinstance(batch, tuple) else batch
                outs.append(self.predict(bx, batch_size=batch_size, verbose=0))
                if steps is not None and len(outs) >= steps:
                    break
            if not outs:
                raise ValueError("predict: the data gave no batches.")
            if isinstance(outs[0], np.ndarray):
                return np.concatenate(outs)
            return jax.tree_util.tree_map(lambda *o: np.concatenate(o), *outs)
        if isinstance(x, np.ndarray) and x.dtype == self.dtype and self.built and x.ndim > 0 \
                and len(x) > 0 and np.isfinite(x).all():
            xs = [x]  # the single-sample loop's path: checks already done, no copies
        else:
            if not self.built and not isinstance(x, (list, tuple, dict)):
                self._ensure_built(data_checks.as_array(x, "x").shape)
            xs = self._as_list(x, self._input_names(), "x")
            self._ensure_built(xs[0].shape)
            data_checks.check_lengths(**{f"x{i or ''}": a for i, a in enumerate(xs)})
        for xi, shape in zip(xs, self._input_shapes()):
            data_checks.check_features(xi, shape, self.name)
        params, state = self.current_params()
        self._forward_jit()
        _, _, predict_batch, predict_batches = self._predict_fns
        n = len(xs[0])
        if n <= batch_size:
            # Row counts are padded to a power of two, so predicting on 1..batch_size rows
            # compiles at most log2(batch_size) + 1 programs, not one per count.
            rows = 1 << (n - 1).bit_length()
            batch = [np.asarray(a, self.dtype) for a in xs]
            if rows != n:
                batch = [np.concatenate([a, np.zeros((rows - n,) + a.shape[1:], a.dtype)])
                         for a in batch]
            # numpy goes straight to the compiled call: an explicit device_put costs more.
            out = predict_batch(params, state, self._pack_inputs(batch))
            if isinstance(out, jax.Array):
                return np.asarray(out)[:n]
            return jax.tree_util.tree_map(lambda o: np.asarray(o)[:n], out)
        steps = 1 << (math.ceil(n / batch_size) - 1).bit_length()  # bucketed too

        def batched(a):
            padded = np.zeros((steps * batch_size,) + a.shape[1:], self.dtype)
            padded[:n] = a
            return padded.reshape((steps, batch_size) + a.shape[1:])

        out = predict_batches(params, state, self._pack_inputs([batched(a) for a in xs]))
        return jax.tree_util.tree_map(
            lambda o: np.asarray(o).reshape((steps * batch_size,) + o.shape[2:])[:n], out)

    def predict_on_batch(self, x):
        first = x[0] if isinstance(x, (list, tuple)) else next(iter(x.values())) \
            if isinstance(x, dict) else x
        return self.predict(x, batch_size=max(len(np.asarray(first)), 1), verbose=0)

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` (position in ``model.layers``)."""
        if (name is None) == (index is None):
            raise ValueError("Provide exactly one of `name` or `index` to get_layer().")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        hint = closest(name, [layer.name for layer in self.layers])
        raise ValueError(
            f"No such layer: {name}. Existing layers are: {[la.name for la in self.layers]}."
            + (f" Did you mean {hint[0]!r}?" if hint else "")
        )

    @property
    def layers(self):
        return list(self._layers)

    # -- saving (implemented in kerasish.saving) -------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """Save architecture, weights, compile config and optimizer state (``.keras``)."""
        from kerasish import saving

        return saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights in Keras's ``.weights.h5`` layout."""
        from kerasish import saving

        return saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights saved by ``save_weights`` (kerasish or Keras 3)."""
        from kerasish import saving

        return saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    # -- summary --------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: Layer (type) / Output Shape / Param #, then totals."""
        from kerasish.utils.summary import format_summary

        text = format_summary(self, sys.stdout)
        (print_fn or print)(text)


class Sequential(Model):
    """A linear stack of layers.

    >>> import kerasish
    >>> from kerasish.layers import Dense
    >>> model = kerasish.Sequential([
    ...     kerasish.Input(shape=(400,)),
    ...     Dense(units=25, activation="sigmoid"),
    ...     Dense(units=15, activation="sigmoid"),
    ...     Dense(units=1, activation="sigmoid"),
    ... ])
    >>> [layer.count_params() for layer in model.layers]
    [10025, 390, 16]
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._input_layer = None
        self._stack = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._input_layer is not None or (self._stack and self._stack[0]._declared_input_shape):
            self._build_from_declared()

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer, rebuild=True):
        """Append a layer (or set the input with ``kerasish.Input``)."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            layer = history[0] if history and isinstance(history[0], InputLayer) else \
                InputLayer(batch_shape=layer.shape, dtype=layer.dtype)
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("An Input must be the first element of a Sequential model.")
            self._input_layer = layer
            if rebuild:
                self._build_from_declared()
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of kerasish.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        names = {existing.name for existing in self._stack}
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name."
            )
        self._stack.append(layer)
        self._layers.append(layer)
        _bump()
        self._programs = None
        self._predict_fns = None
        if rebuild and (self.built or self._input_layer is not None):
            was_built = self.built
            self.built = False
            try:
                self._build_from_declared()
            except Exception:
                # A layer that does not fit is not kept: the model stays as it was.
                self._stack.pop()
                self._layers.remove(layer)
                _bump()
                self.built = was_built
                raise

    def pop(self):
        layer = self._stack.pop()
        self._layers.remove(layer)
        _bump()
        self._programs = self._predict_fns = None
        if self._input_shape is not None:
            self.built = False
            self.build(self._input_shape)
        return layer

    def _build_from_declared(self):
        if self._input_layer is not None:
            shape = self._input_layer.batch_shape
        elif self._stack and self._stack[0]._declared_input_shape:
            shape = self._stack[0]._declared_input_shape
        else:
            return
        self.build(shape)

    def build(self, input_shape=None):
        """Create every layer's weights for inputs of ``input_shape`` (batch dim first)."""
        if input_shape is None:
            raise ValueError("Sequential.build needs an input shape, e.g. (None, 400).")
        input_shape = tuple(input_shape)
        if self.built and self._input_shape is not None:
            if tuple(self._input_shape[1:]) != input_shape[1:]:
                raise ValueError(
                    f"Model {self.name!r} was built for inputs of shape {self._input_shape}; "
                    f"it cannot be rebuilt for {input_shape}."
                )
            return
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            self._input_layer = InputLayer(batch_shape=input_shape,
                                           name=f"{self.name}_input" if self._input_layer is None
                                           else self._input_layer.name)
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._input_shape = input_shape
        self.built = True

    @property
    def input(self):
        if self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name!r} has no input yet.")
        return self._input_layer.output

    @property
    def output(self):
        if not self.built or not self._stack:
            raise AttributeError(f"Sequential model {self.name!r} has no output yet.")
        return self._stack[-1].output

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        """Keras's Sequential config: every layer as a full Keras entry, the InputLayer
        and the input shape included (written by ``kerasish.saving``)."""
        from kerasish.saving import serialization

        return serialization._sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a built model from ``get_config()`` output (kerasish's or Keras's)."""
        from kerasish.saving import serialization

        return serialization._from_config(cls, config, custom_objects)


class _sigint_deferred:
    """Hold SIGINT for the duration of a few Python assignments (main thread only)."""

    def __enter__(self):
        self.pending = None
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._hold)
            except ValueError:  # not allowed here (e.g. embedded interpreter)
                self.previous = None
        return self

    def _hold(self, signum, frame):
        self.pending = (signum, frame)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            if self.pending is not None and callable(self.previous):
                self.previous(*self.pending)
        return False


def _batch_sharder(dist):
    def shard(tree):
        return jax.tree_util.tree_map(
            lambda a: jax.lax.with_sharding_constraint(
                a, distribution_module.batch_sharding(dist, a.ndim)), tree)

    return shard


def _map_spec(spec, fn):
    """Apply ``fn`` to each leaf of a loss spec (one, a list, or a dict per output)."""
    if isinstance(spec, dict):
        return {k: fn(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [fn(v) for v in spec]
    return fn(spec)


def _map_metric_spec(spec, check):
    """Check a metrics spec: a list, a list of lists (per output) or a dict per output."""
    if spec is None:
        return []
    if isinstance(spec, dict):
        return {k: check(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)) and any(isinstance(m, (list, tuple)) for m in spec):
        return [check(m) for m in spec]
    return check(spec)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (by kerasish or by Keras 3)."""
    from kerasish import saving

    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
