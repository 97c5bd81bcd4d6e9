"""``Model``: Keras's training API, a thin shell over ``kerasish.engine``.

This is the only tier with mutable Python state. A model holds its weights in its
layers' variables and its optimizer state (``get_optimizer_state()``); ``fit`` asks the
engine for a data adapter and the compiled programs, and the engine's loop runs them,
writing the result back after every completed chunk of steps. A refused or failed call
therefore leaves the model exactly as it was after the last completed chunk.

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

import importlib

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import callbacks as callbacks_module
from kerasish import losses, optimizers
from kerasish import metrics as metrics_module
from kerasish import distribution as distribution_module
from kerasish import mixed_precision, random
from kerasish.engine import adapters, loop, steps
from kerasish.layers.base import KerasTensor, Layer, is_carried_state, is_inside_scope
from kerasish.models import compile_args, host as host_module, host_inputs
from kerasish.utils.naming import check_kwargs, closest
from kerasish.utils.validation import check_int, check_verbose

# Set by kerasish.functional when it is imported (it subclasses Model): the class that
# `Model(inputs, outputs)` builds. Registered, not imported, so that the two modules
# do not import each other.
FUNCTIONAL = []


def _functional_args(args, kwargs):
    return len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs or (
        len(args) == 1 and "outputs" in kwargs)


_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls):
    """``class MyModel(keras.Model)`` built as ``MyModel(inputs, outputs)``: Keras makes it
    a functional model that keeps the subclass's methods (``train_step``, ...)."""
    functional = FUNCTIONAL[0]
    if issubclass(cls, functional):
        return cls
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, functional),
                                           {"__module__": cls.__module__,
                                            "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(Layer):
    """Base of all models: ``compile``, ``fit``, ``evaluate``, ``predict``, ``summary``.

    Subclass it and define ``call`` (layers assigned in ``__init__`` are tracked), or
    build it from tensors: ``Model(inputs, outputs)``. Override ``train_step`` /
    ``test_step`` / ``predict_step`` (Keras 3's JAX signatures) to customise ``fit``.

    >>> import numpy as np, kerasish
    >>> inputs = kerasish.Input((3,))
    >>> model = kerasish.Model(inputs, kerasish.layers.Dense(2, kernel_initializer="ones")(inputs))
    >>> model(np.array([[1.0, 2.0, 3.0]])).tolist(), model.count_params()
    ([[6.0, 6.0]], 8)
    """

    def __new__(cls, *args, **kwargs):
        if _functional_args(args, kwargs) and FUNCTIONAL:
            target = FUNCTIONAL[0] if cls is Model else _functional_subclass(cls)
            return super().__new__(target)
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
        self._opt_layout = None  # the weights the optimizer state was made for
        self._compile_config = None
        self._programs = None
        self._predict_fns = None
        self._input_shape = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compiled_metrics = []  # resolved by the first fit/evaluate (shapes needed)

    # -- compile ------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs):
        """Configure training: resolves and checks every name now, not at ``fit``.

        Everything is resolved before anything is stored, so a refused ``compile``
        leaves the previous configuration (and optimizer state) in place. ``loss`` may
        be omitted when the model adds its own losses (``add_loss``) or overrides
        ``train_step``.
        """
        check_kwargs(kwargs, {"optimizer", "loss", "loss_weights", "metrics",
                              "weighted_metrics", "run_eagerly", "steps_per_execution",
                              "jit_compile", "auto_scale_loss"}, "compile()")
        loss_fn = compile_args.map_spec(loss, lambda leaf: None if leaf is None
                                        else losses.get(leaf))
        metric_ids = compile_args.map_metric_spec(
            metrics, lambda m: compile_args.check_metrics(m, "metrics"))
        weighted_ids = compile_args.map_metric_spec(
            weighted_metrics, lambda m: compile_args.check_metrics(m, "weighted_metrics"))
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict)):
            loss_weights = [loss_weights]
        optimizer_obj = optimizers.get(optimizer)
        policy = mixed_precision.explicit_global_policy()
        if auto_scale_loss and policy is not None and policy.compute_dtype == "float16" \
                and not isinstance(optimizer_obj, optimizers.LossScaleOptimizer):
            # float16 gradients underflow without it; Keras wraps the optimizer too.
            optimizer_obj = optimizers.LossScaleOptimizer(optimizer_obj)
        steps_per_execution = check_int("steps_per_execution", steps_per_execution, 1)
        compile_args.check_execution(run_eagerly, jit_compile)
        if self.built:  # per-output specs can be checked against the outputs now
            for spec, what in ((loss_fn, "loss"), (loss_weights, "loss_weights"),
                               (metric_ids, "metrics"), (weighted_ids, "metrics")):
                if spec is not None:
                    self._per_output(spec, what)
        self._loss_fn, self._metric_ids, self._weighted_ids = loss_fn, metric_ids, weighted_ids
        self._loss_weights = loss_weights
        self.optimizer, self.loss = optimizer_obj, loss
        self.steps_per_execution = steps_per_execution
        self.run_eagerly, self.jit_compile = run_eagerly, jit_compile
        self._compile_config = {
            "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile, "auto_scale_loss": auto_scale_loss}
        self._opt_state = None
        self._programs = None
        self._compiled_metrics = []
        self.compiled = True

    def get_compile_config(self):
        """The arguments of the last ``compile()`` (None before it), as Keras 3."""
        return None if self._compile_config is None else dict(self._compile_config)

    def compiled_losses(self):
        """The resolved loss object of each output (None where an output has none)."""
        self._require_compiled("compiled_losses")
        if self._loss_fn is None:
            return [None] * len(self._output_names())
        return self._per_output(self._loss_fn, "loss")

    @property
    def metrics(self):
        """Keras's ``model.metrics``: the loss tracker, then the compiled metrics (once a
        ``fit``/``evaluate`` resolved them), then any metric assigned as an attribute."""
        found = [self._loss_tracker] + list(self._compiled_metrics)
        for value in vars(self).values():
            if isinstance(value, metrics_module.Metric) and value is not self._loss_tracker \
                    and all(value is not m for m in found):
                found.append(value)
        return found

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics] if self._programs is None else \
            ["loss"] + list(self._programs[1].pieces.names)

    # -- optimizer state: the public accessors callbacks and saving use -----------------
    def get_optimizer_state(self):
        """The optimizer's state as arrays (``OptimizerState``), or None before training."""
        return self._opt_state

    def set_optimizer_state(self, state):
        """Replace the optimizer's state (e.g. restored from a file or a snapshot).

        The state must be laid out for the model's current weights (as
        ``get_optimizer_state()`` gives it); the next ``fit`` continues from it.
        """
        self._opt_state = state
        self._opt_layout = None if state is None else self._layout_key()
        if state is not None and self.optimizer is not None:
            self.optimizer.build(self.trainable_variables)
            self.optimizer.sync_from_state(state)

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

    @property
    def output_shape(self):
        return self.compute_output_shape(self.input_shape)

    def __call__(self, inputs, *args, training=None, **kwargs):
        # Concrete arrays outside a trace go through one cached compiled forward pass:
        # the eager op-by-op path costs milliseconds per call on small models.
        # training=True goes the eager way: it needs a fresh dropout key per call and
        # must keep the state it updates (BatchNormalization's moving statistics).
        if not isinstance(inputs, KerasTensor) and host_inputs.holds_strings(inputs):
            inputs = host_inputs.apply(self, inputs)  # text layers at the front
        if (self.built and not training and not is_inside_scope() and not args and not kwargs
                and not isinstance(inputs, (KerasTensor, list, tuple, dict))
                and not isinstance(inputs, jax.core.Tracer)
                and not getattr(self, "run_eagerly", False)
                # A stateful RNN advances its states on each call (the eager path).
                and not any(is_carried_state(v) for v in self._variables_split()[1])
                # Losses added in `call` must land on the layers (`model.losses`).
                and not host_module.adds_losses(self)):
            x = np.asarray(inputs) if not isinstance(inputs, jax.Array) else inputs
            params, state = self.current_params()
            if isinstance(x, np.ndarray):
                x = x.astype(self.dtype, copy=False)
            else:
                x = jnp.asarray(x, dtype=self.dtype)
            return self._predict_programs()[0](params, state, x)
        return super().__call__(inputs, *args, training=training, **kwargs)

    def _layout_key(self):
        """Identity of the variable layout (cached: it is on every predict's path)."""
        split = self._variables_split()  # cached per structure version itself
        cached = self.__dict__.get("_layout_cache")
        if cached is not None and cached[0] is split:
            return cached[1]
        key = tuple(id(v) for v in split[0]), tuple(id(v) for v in split[1])
        object.__setattr__(self, "_layout_cache", (split, key))
        return key

    # -- inputs and outputs (Functional and Sequential refine these) -------------------
    def _input_names(self):
        return [None]

    def _input_shapes(self):
        return [self.input_shape]

    def _output_names(self):
        return [None]

    def _output_shapes(self):
        return [self.output_shape]

    def _pack_inputs(self, xs):
        """The host's list of input arrays -> what ``call`` takes."""
        return xs[0] if len(xs) == 1 else list(xs)

    def _per_output(self, spec, what, default=None):
        """A compile argument given once, as a list, or as a dict -> one entry per output."""
        return compile_args.per_output(spec, what, self._output_names(), self.name, default)

    def _data_spec(self, x):
        """Build the model from the first data if needed; what the data checks need."""
        return host_module.data_spec(self, x)

    def _require_compiled(self, method):
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (`{method}()`): e.g. "
                "model.compile(loss='binary_crossentropy', optimizer='adam')."
            )

    # -- the engine's programs ----------------------------------------------------------
    def _programs_for(self, adapter):
        """The compiled programs for the adapter's data (cached per layout and shapes)."""
        y_shapes = adapter.peek() if isinstance(adapter, adapters.StreamAdapter) \
            else adapter.y_shapes
        dist = distribution_module.distribution()
        eager = self.run_eagerly or self.jit_compile is False
        key = (self._layout_key(), None if y_shapes is None else
               tuple(tuple(s[1:]) for s in y_shapes), id(dist), eager, adapter.exact,
               adapter.has_sample_weight)
        if self._programs is not None and self._programs[0] == key:
            return self._programs[1]
        pieces = host_module.make_pieces(self, y_shapes, dist, exact=adapter.exact,
                                         has_sw=adapter.has_sample_weight)
        built = steps.build_programs(pieces, compile=not eager)
        self._programs = (key, built)
        return built

    def _predict_programs(self):
        """Jitted ``(params, state, x) -> y`` for one batch and for a stack of batches."""
        eager = getattr(self, "run_eagerly", False) or getattr(self, "jit_compile",
                                                               "auto") is False
        key = (self._layout_key(), eager)
        if self._predict_fns is None or self._predict_fns[0] != key:
            batch, batches = steps.make_predict(host_module.forward(self),
                                                host_module.custom_predict(self))
            wrap = (lambda f: f) if eager else jax.jit
            self._predict_fns = (key, wrap(batch), wrap(batches))
        return self._predict_fns[1:]

    # -- fit / evaluate / predict ------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, validation_batch_size=None, validation_freq=1, **kwargs):
        """Train for ``epochs`` epochs; returns a ``History``.

        ``x`` may be arrays (lists/dicts of them, pandas), a ``PyDataset``, a generator,
        a ``tf.data.Dataset``, a torch ``DataLoader`` or any iterable of batches.
        """
        check_kwargs(kwargs, host_module.FIT_KWARGS, "fit()")
        self._require_compiled("fit")
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        epochs = check_int("epochs", epochs, 0)
        initial_epoch = check_int("initial_epoch", initial_epoch, 0)
        verbose = check_verbose(verbose)
        validation_freq = check_int("validation_freq", validation_freq, 1)
        steps_per_epoch = None if steps_per_epoch is None else check_int(
            "steps_per_epoch", steps_per_epoch, 1)
        validation_steps = None if validation_steps is None else check_int(
            "validation_steps", validation_steps, 1)
        val_batch = batch_size if validation_batch_size is None else check_int(
            "validation_batch_size", validation_batch_size, 1)
        cbs = callbacks_module.to_list(callbacks)
        if not isinstance(shuffle, bool) and shuffle != "batch":
            raise ValueError("`shuffle` must be True, False or 'batch'. Received: "
                             f"shuffle={shuffle!r}")
        exact = lambda: host_module.needs_exact_batches(self, "train_step")  # noqa: E731
        dist = distribution_module.distribution()
        common = dict(spec_for=self._data_spec, dist=dist, exact=exact)

        # Text layers at the front of the model run on the host, on the data.
        x, validation_data = host_inputs.apply_fit(self, x, validation_data)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = host_module.split_validation(
                self, x, y, sample_weight, validation_split)
        train = adapters.make_adapter(
            x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
            shuffle=shuffle, class_weight=class_weight, seed=random.next_seed(),
            what="fit", **common)
        val = None
        if validation_data is not None:
            vx, vy, vsw = host_module.unpack_validation(validation_data)
            val = adapters.make_adapter(vx, vy, vsw, batch_size=val_batch,
                                        steps=validation_steps, what="validation", **common)
        programs = self._programs_for(train)
        host_module.diagnose(self, train)
        history = callbacks_module.History()
        hooks = callbacks_module.CallbackList(
            [history] + cbs + ([callbacks_module.ProgbarLogger(verbose)] if verbose else []),
            self, {"verbose": verbose, "epochs": epochs, "steps": train.num_batches})
        per_batch = hooks.per_batch()
        chunk = host_module.chunk_size(self, train, per_batch)
        if dist is not None:
            distribution_module.check_batch_size(dist, batch_size)
            host_module.place_variables(self, dist)
        self.stop_training = False
        self.history = history
        try:
            loop.fit(host_module.Host(self), programs, train, val, hooks, epochs=epochs,
                     initial_epoch=initial_epoch, chunk_size=chunk,
                     validation_freq=validation_freq, val_chunk_size=None,
                     per_batch=per_batch, progress=verbose == 1,
                     eager=self.run_eagerly or self.jit_compile is False)
        finally:  # even after an interrupt, the optimizer shows the committed state
            if self._opt_state is not None:
                self.optimizer.sync_from_state(self._opt_state)
        if epochs > 0 and self._opt_state is not None:
            # Keras: at the end of a completed fit, use_ema's averages become the weights
            # (a no-op without use_ema). Not after a failed call: that keeps the weights.
            self.optimizer.finalize_variable_values(self.trainable_variables)
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss (and metrics) on ``x, y``: a scalar without metrics, else a list."""
        check_kwargs(kwargs, {"x", "y", "batch_size", "verbose", "sample_weight", "steps",
                              "callbacks", "return_dict"}, "evaluate()")
        self._require_compiled("evaluate")
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        verbose = check_verbose(verbose)
        steps_ = None if steps is None else check_int("steps", steps, 1)
        x = host_inputs.apply(self, x)
        adapter = adapters.make_adapter(
            x, y, sample_weight, spec_for=self._data_spec, batch_size=batch_size, steps=steps_,
            dist=distribution_module.distribution(),
            exact=lambda: host_module.needs_exact_batches(self, "test_step"), what="evaluate")
        programs = self._programs_for(adapter)
        cbs = callbacks_module.to_list(callbacks)
        hooks = callbacks_module.CallbackList(
            cbs + ([callbacks_module.ProgbarLogger(verbose, mode="test")] if verbose else []),
            self, {"verbose": verbose, "epochs": 1, "steps": adapter.num_batches})
        per_batch = hooks.per_batch("test")
        chunk = 1 if per_batch or isinstance(adapter, adapters.StreamAdapter) else \
            adapter.num_batches
        logs = loop.evaluate(host_module.Host(self), programs, adapter, hooks,
                             chunk_size=chunk, per_batch=per_batch,
                             eager=self.run_eagerly or self.jit_compile is False)
        logs = {k: logs[k] for k in sorted(logs)}
        if return_dict:
            return logs
        names = ["loss"] + [n for n in programs.pieces.names if n in logs]
        values = [logs[n] for n in names] if not programs.pieces.custom_init else \
            list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """Outputs for ``x`` as numpy, computed in batches of ``batch_size``."""
        check_kwargs(kwargs, {"x", "batch_size", "verbose", "steps", "callbacks"},
                     "predict()")
        batch_size = 32 if batch_size is None else check_int("batch_size", batch_size, 1)
        verbose = check_verbose(verbose)
        steps_ = None if steps is None else check_int("steps", steps, 1)
        cbs = callbacks_module.to_list(callbacks)
        if verbose:  # Keras prints the progress line of predict too
            cbs = cbs + [callbacks_module.ProgbarLogger(verbose, mode="predict")]
        hooks = loop.NO_HOOKS if not cbs else callbacks_module.CallbackList(
            cbs, self, {"verbose": verbose, "epochs": 1, "steps": steps_})
        per_batch = hooks.per_batch("predict")
        x = host_inputs.apply(self, x)
        if adapters.is_stream(x):
            adapter = adapters.StreamAdapter(x, self._data_spec, steps=steps_,
                                             what="predict", predict=True)
        else:
            xs = host_module.predict_inputs(self, x)
            adapter = adapters.PredictArrays(xs, batch_size, steps_)
        predict_chunk = host_module.predict_chunk_fn(self, adapter, batch_size)
        return loop.predict(adapter, predict_chunk, hooks, per_batch=per_batch,
                            eager=self.compiled and (self.run_eagerly or self.jit_compile is False))

    def predict_on_batch(self, x):
        first = jax.tree_util.tree_leaves(x)[0] if isinstance(x, (list, tuple, dict)) else x
        return self.predict(x, batch_size=max(len(np.asarray(first)), 1), verbose=0)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One optimizer step on one batch; the batch's logs (Keras's return forms)."""
        n = len(jax.tree_util.tree_leaves(x)[0])
        history = self.fit(x, y, batch_size=max(n, 1), epochs=1, verbose=0, shuffle=False,
                           sample_weight=sample_weight, class_weight=class_weight)
        logs = {k: v[-1] for k, v in history.history.items()}
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        n = len(jax.tree_util.tree_leaves(x)[0])
        return self.evaluate(x, y, batch_size=max(n, 1), sample_weight=sample_weight,
                             verbose=0, return_dict=return_dict)

    # -- Keras 3's JAX extension points (see kerasish.models.host) ----------------------
    def train_step(self, state, data):
        """Override with Keras 3's JAX signature: ``(logs, new_state)`` from
        ``state = (trainable, non_trainable, optimizer_variables, metrics_variables)``."""
        return host_module.default_train_step(self, state, data)

    def test_step(self, state, data):
        return host_module.default_test_step(self, state, data)

    def predict_step(self, state, data):
        trainable, non_trainable = state
        x, _, _ = adapters.unpack_x_y_sample_weight(data)
        return self.stateless_call(trainable, non_trainable, x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y`` against ``y_pred`` plus the model's added losses."""
        return host_module.compute_loss(self, x, y, y_pred, sample_weight, training)

    def stateless_compute_loss(self, trainable_variables, non_trainable_variables,
                               metrics_variables, x=None, y=None, y_pred=None,
                               sample_weight=None, training=True):
        return host_module.stateless_compute_loss(
            self, trainable_variables, non_trainable_variables, metrics_variables, x, y,
            y_pred, sample_weight, training)

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    # -- layers --------------------------------------------------------------------------
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

    # -- saving (implemented in kerasish.saving, loaded on first use) ---------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """Save architecture, weights, compile config and optimizer state (``.keras``)."""
        return _saving().save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights in Keras's ``.weights.h5`` layout."""
        return _saving().save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights saved by ``save_weights`` (kerasish or Keras 3, or legacy ``.h5``;
        ``by_name=True`` loads a legacy file's layers by name, as Keras does)."""
        unknown = sorted(set(kwargs) - {"by_name"})
        if unknown:
            raise ValueError(f"Invalid keyword arguments: {unknown}. load_weights() takes "
                             "`filepath`, `skip_mismatch` and (legacy .h5 files) `by_name`.")
        return _saving().load_weights(self, filepath, skip_mismatch=skip_mismatch,
                                      by_name=kwargs.get("by_name"))

    def to_json(self, **kwargs):
        """The model's config (as in ``.keras`` files) as JSON; kwargs go to ``json.dumps``."""
        return importlib.import_module("kerasish.saving.cloning").model_to_json(self, **kwargs)

    # -- summary --------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: Layer (type) / Output Shape / Param #, then totals."""
        import sys

        from kerasish.utils.summary import format_summary

        if print_fn is not None and not callable(print_fn):
            raise ValueError(f"`print_fn` must be a function that takes a string, or None. "
                             f"Received: print_fn={print_fn!r}")
        text = format_summary(self, sys.stdout, line_length=line_length, positions=positions,
                              expand_nested=expand_nested, show_trainable=show_trainable,
                              layer_range=layer_range)
        if print_fn is None:
            print(text)
        else:  # Keras calls it once, with the whole table
            print_fn(text + "\n")


def _saving():
    # saving imports h5py (~0.12 s) and the model classes: loaded when first needed, as a
    # plugin, so `import kerasish` stays fast and the modules do not import each other.
    return importlib.import_module("kerasish.saving")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (by kerasish or by Keras 3); the same as
    ``kerasish.saving.load_model`` (see it for the arguments and legacy ``.h5`` files).

    >>> import os, tempfile, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model.save(os.path.join(folder, "model.keras"))
    ...     loaded = load_model(os.path.join(folder, "model.keras"))
    >>> loaded.get_config() == model.get_config()
    True
    """
    return _saving().load_model(filepath, custom_objects=custom_objects, compile=compile,
                                safe_mode=safe_mode)
