"""The model's side of the engine: what ``kerasish.engine`` needs from a ``Model``.

* :class:`Host` — the small protocol the epoch loop talks to (``train_state``,
  ``commit``, ``refresh``, ``publish``, ``eval_state``, ``stop_training``);
* :func:`make_pieces` — a compiled model's configuration as the engine's static
  ``Pieces`` (its forward function, loss terms, metrics, optimizer update);
* Keras 3's JAX extension contract: a user's ``train_step(state, data)`` /
  ``test_step`` / ``predict_step`` plugged into the engine's compiled chunks, and the
  default steps, ``compute_loss`` and ``stateless_compute_loss`` written against it.

The state Keras's JAX trainer hands to ``train_step`` is four lists of arrays:
``(trainable, non_trainable, optimizer_variables, metrics_variables)``, each in the
order of ``model.trainable_variables``, ``model.non_trainable_variables``,
``model.optimizer.variables`` and ``model.metrics_variables``.
"""

import contextlib
import inspect
import signal
import threading

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import diagnostics, random
from kerasish.engine import adapters, checks, programs as programs_module, steps
from kerasish.layers.base import assign_tree, is_carried_state, make_apply
from kerasish.variables import StatelessScope

FIT_KWARGS = {
    "x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split",
    "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
    "steps_per_epoch", "validation_steps", "validation_batch_size", "validation_freq",
}


def overrides(model, name):
    """True when a user's class (not kerasish's) defines method ``name``."""
    for klass in type(model).__mro__:
        if name in vars(klass):
            return not klass.__module__.startswith("kerasish.")
    return False


def is_stack(model):
    return hasattr(model, "add") and hasattr(model, "pop")


def conv_on_cpu(model):
    """Convolutional models on the CPU backend train one step per program call
    (see ``engine.steps.make_train_chunk`` for why)."""
    return jax.default_backend() == "cpu" and any(
        type(layer).__module__.endswith(".conv") for layer in model._flatten_layers())


def diagnose(model, train):
    """The teaching diagnostics on the model and the training arrays (kerasish.diagnostics)."""
    if isinstance(train, adapters.ArrayAdapter):
        xs, ys, _ = train.host_arrays()
        diagnostics.before_fit(model, model._pack_inputs(xs),
                               None if ys is None else ys[0] if len(ys) == 1 else ys,
                               stack=model.layers if is_stack(model) else None)


def chunk_size(model, train, per_batch):
    """Steps per compiled call: a whole epoch, ``steps_per_execution``, or one step (batch
    hooks, a stream, or convolutions on the CPU)."""
    if per_batch or conv_on_cpu(model) or isinstance(train, adapters.StreamAdapter):
        return 1
    if model.steps_per_execution == 1:
        return train.num_batches
    return min(model.steps_per_execution, train.num_batches)


def unpack_validation(data):
    if adapters.is_stream(data):
        return data, None, None
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise ValueError(
            "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
            "val_sample_weight), a PyDataset, a generator or a dataset. Received: "
            f"{type(data).__name__}"
            + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))
    return tuple(data) + (None,) * (3 - len(data))


def split_validation(model, x, y, sample_weight, validation_split):
    """Keras's ``validation_split``: the last fraction of the arrays, before shuffling."""
    if adapters.is_stream(x):
        raise ValueError(
            "`validation_split` is only supported for arrays, not for a "
            f"{type(x).__name__}. Pass `validation_data=` instead.")
    spec = model._data_spec(x)
    xs, ys, sw = checks.prepare(spec, x, y, sample_weight, "fit")
    n_x, n_y = len(xs), len(ys or [])
    train, held = checks.split_validation(xs + (ys or []) + [sw], validation_split)

    def unsplit(parts):
        xs, ys, sw = list(parts[:n_x]), list(parts[n_x:n_x + n_y]), parts[-1]
        return spec.pack(xs), (None if not ys else ys[0] if len(ys) == 1 else ys), sw

    return unsplit(train), unsplit(held)


def place_variables(model, dist):
    """Put each weight where the distribution wants it (replicated or sharded)."""
    from kerasish import distribution as distribution_module

    trainable, non_trainable = model._variables_split()
    for v in trainable + non_trainable:
        sharding = dist.get_variable_layout(v).sharding()
        if getattr(v.value, "sharding", None) != sharding:
            v._value = jax.device_put(v.value, sharding)
    state = model.get_optimizer_state()
    if state is not None:  # optimizer slots follow (replicated scalars)
        model._opt_state = None if isinstance(dist, distribution_module.ModelParallel) else \
            jax.device_put(state, distribution_module.replicated(dist))


# ------------------------------------------------------------------ the host protocol

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


class Host:
    """What the engine's loop may do to a model (see ``kerasish.engine.loop``)."""

    def __init__(self, model):
        self.model = model

    @property
    def stop_training(self):
        return self.model.stop_training

    def resume_epoch(self, initial_epoch):
        """The epoch to start at: a callback that restored an earlier run sets
        ``model._initial_epoch`` in ``on_train_begin`` (Keras's attribute, which Keras
        callbacks such as ``BackupAndRestore`` set), read once."""
        resumed = getattr(self.model, "_initial_epoch", None)
        self.model._initial_epoch = None
        return initial_epoch if resumed is None else int(resumed)

    def _opt_state(self, params):
        m = self.model
        state = m._opt_state
        # A new layout (layers added, weights frozen) needs a fresh optimizer state.
        if state is None or getattr(m, "_opt_layout", None) != m._layout_key():
            # Keras builds the optimizer on the model's weights at fit: its `variables`
            # (slots included) then mirror the state. Built first: MultiOptimizer routes
            # the weights by their paths when built.
            m.optimizer.build(m.trainable_variables)
            state = m.optimizer.init(params)
            m._opt_layout = m._layout_key()
        else:  # pick up a learning rate the user (or a callback) changed
            state = m.optimizer.sync_to_state(state)
        m._opt_state = state
        return state

    def train_state(self, programs):
        params, state = self.model.current_params()
        return steps.TrainState(params, state, self._opt_state(params),
                                programs.init_metrics(), random.next_key())

    def refresh(self, ts):
        params, state = self.model.current_params()
        return ts._replace(params=params, state=state, opt_state=self._opt_state(params))

    def commit(self, ts):
        """Make a completed chunk the model's state (weights, optimizer), atomically
        with respect to Ctrl-C: a SIGINT arriving mid-way is held until both are in."""
        with _sigint_deferred():
            assign_tree(self.model, ts.params, ts.state)
            self.model._opt_state = ts.opt_state

    def publish(self, ts):
        """Let callbacks read the optimizer's ``iterations`` and learning rate."""
        if self.model._opt_state is not None:  # counters only: slots are synced at the end
            self.model.optimizer.sync_from_state(self.model._opt_state, slots=False)

    def eval_state(self, programs, ts=None):
        params, state = (ts.params, ts.state) if ts is not None else \
            self.model.current_params()
        return steps.TrainState(params, state, None, programs.init_metrics(training=False),
                                None)

    def after_first_epoch(self, first, logs):
        if first:
            diagnostics.after_first_epoch(self.model, logs)


# ------------------------------------------------------------------ pieces

def _supports_aux():
    return "with_aux" in inspect.signature(make_apply).parameters


def forward(model, check_loss=False):
    """``(params, state, x, training, rng, row_mask) -> (y, new_state, added_loss,
    output_masks)``: the model as the engine runs it."""
    # Keras 3 compiles without a loss (layers may add_loss); with none at all there is
    # nothing to train on: say so at the first trace, before any step runs.
    no_loss = check_loss and all(fn is None for fn in model.compiled_losses())
    if _supports_aux():
        apply = make_apply(model, with_aux=True)

        def fwd(params, state, x, training, rng, row_mask):
            y, new_state, aux = apply(params, state, x, training, rng, row_mask)
            if no_loss and not aux["losses"]:
                raise _no_loss_error(model)
            added = sum((jnp.sum(loss).astype(jnp.float32) for loss in aux["losses"]),
                        jnp.zeros((), jnp.float32))
            return y, new_state, added, aux.get("mask")

        return fwd
    apply = make_apply(model)

    def fwd(params, state, x, training, rng, row_mask):
        if no_loss:
            raise _no_loss_error(model)
        y, new_state = apply(params, state, x, training, rng, row_mask)
        return y, new_state, jnp.zeros((), jnp.float32), None

    return fwd


def _no_loss_error(model):
    return ValueError(
        f"No loss to compute for model {model.name!r}: compile() was given no `loss` and "
        "no layer added one with add_loss(). Provide a `loss` argument in `compile()`, "
        "e.g. model.compile(optimizer='adam', loss='mse').")


def user_metrics(model):
    """The compiled metric objects whose ``update_state`` is the user's (Keras-style
    subclasses): they see real batches, never padded ones, as in Keras."""
    found = []
    for group in (model._metric_ids, model._weighted_ids):
        for m in jax.tree_util.tree_leaves(group, is_leaf=lambda m: not isinstance(
                m, (list, tuple, dict))):
            if overrides(m, "update_state"):
                found.append(m)
    return found


def needs_exact_batches(model, step="train_step"):
    """Whether batches must reach the model unpadded (decided once it is built): a
    user's step, a user's metric, or layers that add losses (a loss computed over a
    padded batch would count the padding rows)."""
    eager = getattr(model, "run_eagerly", False) or getattr(model, "jit_compile",
                                                            "auto") is False
    # Eager: what `call` prints while debugging is the real batch, as in Keras. A
    # stateful RNN takes its fixed batch size only; a user's loss that returns one value
    # per batch cannot leave padded rows out: both run a short batch at its own size.
    return eager or overrides(model, step) or bool(user_metrics(model)) or \
        adds_losses(model) or any(is_carried_state(v) for v in model._variables_split()[1]) \
        or (model.compiled and programs_module.needs_real_rows(model.compiled_losses(),
                                                               model._output_shapes()))


def adds_losses(model):
    """True when the model's forward pass calls ``add_loss`` (found by an abstract
    trace, no FLOPs; cached per variable layout)."""
    key = model._layout_key()
    cached = getattr(model, "_adds_losses", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    x, _, _ = _example_batch(model, None, False)
    params, state = model.current_params()
    apply = make_apply(model, with_aux=True)
    probe = lambda p, s, x: apply(p, s, x, True, jax.random.key(0), None)[2]  # noqa: E731
    if getattr(model, "run_eagerly", False) or getattr(model, "jit_compile", "auto") is False:
        # Eager models may use numpy in `call`: probe on concrete zeros instead.
        zeros = jax.tree_util.tree_map(lambda s: np.zeros(s.shape, s.dtype), x)
        with jax.disable_jit():
            out = probe(params, state, zeros)
    else:
        out = jax.eval_shape(probe, params, state, x)
    model._adds_losses = (key, bool(out["losses"]))
    return model._adds_losses[1]


def _example_batch(model, y_shapes, has_sw):
    """Abstract ``(x, y, sample_weight)`` of a batch (for ``jax.eval_shape``): two rows,
    or the model's fixed batch size (a stateful RNN takes no other)."""
    rows = next((s[0] for s in model._input_shapes() if s and s[0] is not None), 2)
    concrete = lambda s: (rows,) + tuple(1 if d is None else d for d in s[1:])  # noqa: E731
    x = model._pack_inputs([jax.ShapeDtypeStruct(concrete(s), model.dtype)
                            for s in model._input_shapes()])
    y = None
    if y_shapes is not None:
        from kerasish.engine.checks import loss_kind

        kinds = [loss_kind(fn) for fn in model.compiled_losses()]
        y = tuple(jax.ShapeDtypeStruct(concrete(s), "int32" if k == "sparse" else model.dtype)
                  for s, k in zip(y_shapes, kinds + [None] * len(y_shapes)))
    return x, y, jax.ShapeDtypeStruct((rows,), "float32")


def make_pieces(model, y_shapes, dist, exact=False, has_sw=True):
    names = model._output_names()
    loss_fns = model.compiled_losses()
    weights = model._per_output(model._loss_weights, "loss_weights") \
        if model._loss_weights is not None else [1.0] * len(names)
    terms = programs_module.loss_terms(loss_fns, weights)
    per_ids = model._per_output(model._metric_ids, "metrics", default=[])
    per_weighted = model._per_output(model._weighted_ids, "metrics", default=[])
    if y_shapes is None and any(per_ids) or y_shapes is None and any(per_weighted):
        raise ValueError(
            f"Model {model.name!r} was compiled with metrics, which compare targets with "
            "predictions, but the data has no targets `y`. Pass y=..., or compile "
            "without metrics.")
    metric_terms, metric_names = programs_module.metric_terms(
        names, per_ids, per_weighted, y_shapes, model._output_shapes())
    model._compiled_metrics = [t.metric for t in metric_terms]  # for `model.metrics`
    loss_names = [f"{n}_loss" for n, t in zip(names, terms) if t is not None] \
        if sum(t is not None for t in terms) > 1 else []
    trainable, _ = model._variables_split()
    pieces = steps.Pieces(
        forward=forward(model, check_loss=not overrides(model, "train_step")),
        losses=terms,
        penalty=programs_module.penalty_fn(trainable),
        constrain=programs_module.constrain_fn(trainable),
        optimizer_update=model.optimizer.update,
        metrics=metric_terms,
        names=tuple(loss_names + metric_names),
        shard_batch=None if dist is None else programs_module.batch_sharder(dist),
        loss_scale=getattr(model.optimizer, "scale_of", None),
        exact=exact,
        has_sw=has_sw,
    )
    if overrides(model, "train_step") or overrides(model, "test_step"):
        pieces = _with_custom_steps(model, pieces, y_shapes, has_sw)
    return pieces


# ------------------------------------------------------------------ Keras's contract

def _flat(model, params, state):
    trainable, non_trainable = model._variables_split()
    key = lambda v: (v._owner.name, v.name)  # noqa: E731
    return ([params[key(v)[0]][key(v)[1]] for v in trainable],
            [state[key(v)[0]][key(v)[1]] for v in non_trainable])


def _trees(model, t_values, n_values):
    trainable, non_trainable = model._variables_split()
    params, state = {}, {}
    for v, value in zip(trainable, t_values):
        params.setdefault(v._owner.name, {})[v.name] = value
    for v, value in zip(non_trainable, n_values):
        state.setdefault(v._owner.name, {})[v.name] = value
    return params, state


def _data(x, y, sw, has_sw):
    return adapters.pack_x_y_sample_weight(x, None if y is None else
                                           y[0] if len(y) == 1 else list(y),
                                           sw if has_sw else None)


class _RngScope(StatelessScope):
    """An outer scope whose only job is to give ``stateless_call`` a step key."""


def _with_custom_steps(model, pieces, y_shapes, has_sample_weight):
    optimizer = model.optimizer
    has_sw = [has_sample_weight]

    def metric_values():
        return [np.asarray(v) for m in model.metrics for v in m.stateless_reset_state()]

    def run(step, ts, x, y, sw, training):
        rng, step_rng = (jax.random.split(ts.rng) if ts.rng is not None else (None, None))
        t_list, n_list = _flat(model, ts.params, ts.state)
        metric_vars = list(ts.metrics[0])
        data = _data(x, y, sw, has_sw[0])
        with _RngScope(rng=step_rng):
            if training:
                opt_list = optimizer.state_to_variables(ts.opt_state)
                logs, new = step((t_list, n_list, opt_list, metric_vars), data)
                t_list, n_list, opt_list, metric_vars = new
            else:
                logs, new = step((t_list, n_list, metric_vars), data)
                t_list, n_list, metric_vars = new
        params, state = _trees(model, t_list, n_list)
        opt_state = optimizer.variables_to_state(opt_list) if training \
            else ts.opt_state
        logs = jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.float32), dict(logs))
        return steps.TrainState(params, state, opt_state, (list(metric_vars), logs),
                                rng if training else ts.rng)

    def custom_train(ts, x, y, sw, real):
        return run(model.train_step, ts, x, y, sw, True)

    def custom_test(ts, x, y, sw, real):
        return run(model.test_step, ts, x, y, sw, False)

    def logs_template(training):
        """The structure of the step's logs (carried through the compiled chunk)."""
        spec = _example_batch(model, y_shapes, has_sw[0])
        params, state = model.current_params()
        opt = None
        if training:
            optimizer.build(model.trainable_variables)
            opt = optimizer.init(params)
        ts = steps.TrainState(params, state, opt, (metric_values(), {}), jax.random.key(0))
        step = custom_train if training else custom_test
        out = jax.eval_shape(lambda ts, x, y, sw: step(ts, x, y, sw, None), ts, *spec)
        return jax.tree_util.tree_map(lambda s: np.zeros(s.shape, s.dtype), out.metrics[1])

    templates = {}

    def custom_init(training=True):
        if training not in templates:
            templates[training] = logs_template(training)
        return (metric_values(), templates[training])

    return pieces._replace(custom_train=custom_train, custom_test=custom_test,
                           custom_init=custom_init)


def data_spec(model, x):
    """Build ``model`` from the first data if needed; what the data checks need."""
    if not model.built:
        first = x
        if isinstance(x, dict):
            first = next(iter(x.values()))
        elif isinstance(x, (list, tuple)) and len(model._input_names()) == 1 and x \
                and np.ndim(x[0]) > 0 and hasattr(x[0], "shape"):
            first = x[0]
        model._ensure_built(checks.as_array(first, "x").shape)
    loss_fns = model.compiled_losses() if model.compiled else [None] * len(
        model._output_names())
    return checks.DataSpec(
        name=model.name, input_names=model._input_names(),
        input_shapes=model._input_shapes(), output_names=model._output_names(),
        output_shapes=model._output_shapes(), losses=loss_fns, dtype=model.dtype,
        pack=model._pack_inputs,
        needs_y=model.compiled and any(fn is not None for fn in loss_fns)
        and not overrides(model, "train_step"))


def predict_inputs(model, x):
    """``x`` for ``predict`` as a checked list of host arrays (one per input)."""
    if isinstance(x, np.ndarray) and x.dtype == model.dtype and model.built \
            and x.ndim > 0 and len(x) > 0 and np.isfinite(x).all():
        xs = [x]  # the single-sample loop's path: checks already done, no copies
    else:
        spec = model._data_spec(x)
        xs = checks.as_list(x, spec.input_names, "x", model.name)
        checks.check_lengths(**{f"x{i or ''}": a for i, a in enumerate(xs)})
    for xi, shape in zip(xs, model._input_shapes()):
        checks.check_features(xi, shape, model.name)
    return xs


def predict_chunk_fn(model, adapter, batch_size):
    """``chunk -> outputs`` (numpy, padding removed) for ``loop.predict``."""
    one, stacked = model._predict_programs()
    weights = []  # read at the first chunk: after on_predict_begin (SwapEMAWeights)

    stream = isinstance(adapter, adapters.StreamAdapter)
    dtype = np.dtype(model.dtype)

    def predict_chunk(chunk):
        if not weights:
            weights.extend(model.current_params())
        params, state = weights
        if stream:
            n = int(chunk.mask.sum())
            out = one(params, state, chunk.data[0])
        else:
            n = chunk.start
            xs = [a if a.dtype == dtype else a.astype(dtype) for a in chunk.data]
            if chunk.n_steps == 0:
                # numpy goes straight to the compiled call: a device_put costs more.
                out = one(params, state, model._pack_inputs(xs))
            else:
                shaped = [a.reshape((chunk.n_steps, batch_size) + a.shape[1:]) for a in xs]
                out = jax.tree_util.tree_map(lambda o: o.reshape((-1,) + o.shape[2:]),
                                             stacked(params, state, model._pack_inputs(shaped)))
        if isinstance(out, jax.Array):  # the common case, without a tree walk
            return np.asarray(out)[:n]
        return jax.tree_util.tree_map(lambda o: np.asarray(o)[:n], out)

    return predict_chunk


def custom_predict(model):
    if not overrides(model, "predict_step"):
        return None

    def predict(params, state, x):
        t_list, n_list = _flat(model, params, state)
        outputs, _ = model.predict_step((t_list, n_list), x)  # Keras passes x alone
        return outputs

    return predict


def compute_loss(model, x, y, y_pred, sample_weight, training=True):
    """Keras's ``Model.compute_loss``: the compiled loss (per output, weighted), plus the
    weights' regularisation penalties and the losses layers added in ``call``."""
    del x, training
    total = jnp.zeros((), jnp.float32)
    if model.compiled and y is not None:
        names = model._output_names()
        loss_fns = model.compiled_losses()
        weights = model._per_output(model._loss_weights, "loss_weights") \
            if model._loss_weights is not None else [1.0] * len(names)
        pieces = steps.Pieces(None, programs_module.loss_terms(loss_fns, weights), None,
                              None, (), (), has_sw=sample_weight is not None)
        y_preds = steps.as_tuple(y_pred)
        ys = tuple(y) if isinstance(y, (list, tuple)) else (y,)
        n = jax.tree_util.tree_leaves(y_preds)[0].shape[0]
        sw = jnp.ones((n,), jnp.float32) if sample_weight is None else \
            jnp.asarray(sample_weight, jnp.float32).reshape(n, -1)[:, 0]
        loss, _ = steps._losses(pieces, ys, y_preds, sw, jnp.ones((n,), jnp.float32),
                                (None,) * len(y_preds))
        total = total + loss
    # `model.losses`: the add_loss values and the weights' regularization penalties
    # (inside the default steps, those of the forward pass, as Keras's override).
    for loss in getattr(model, "losses", []) or []:
        total = total + jnp.sum(loss)
    return total


def stateless_compute_loss(model, trainable, non_trainable, metrics_variables, x, y, y_pred,
                           sample_weight, training):
    t_vars, n_vars = model._variables_split()
    bindings = dict(zip(t_vars, trainable))
    bindings.update(zip(n_vars, non_trainable))
    with StatelessScope(bindings):  # the model's own compute_loss: it may be overridden
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                  training=training)
    return loss, (trainable, non_trainable, metrics_variables)


def _update_metrics(model, metrics_variables, loss, x, y, y_pred, sample_weight):
    logs, new, i = {}, [], 0
    n = jax.tree_util.tree_leaves(x)[0].shape[0]
    for metric in model.metrics:
        k = len(metric.variables)
        values = metrics_variables[i:i + k]
        i += k
        if metric is model._loss_tracker:
            values = metric.stateless_update_state(values, loss, sample_weight=n)
        else:
            values = metric.stateless_update_state(values, y, y_pred, sample_weight)
        logs[metric.name] = metric.stateless_result(values)
        new += list(values)
    return logs, new


@contextlib.contextmanager
def _forward_losses(model, losses):
    """Keras's losses override: inside the default steps, ``model.losses`` (which
    ``compute_loss`` adds) are the forward pass's (its add_loss values and the
    penalties of the weights it used), counted once."""
    model._losses_override = list(losses)
    try:
        yield
    finally:
        model._losses_override = None


def default_train_step(model, state, data):
    """Keras's default ``train_step``, written against its own JAX contract (what a
    user's override calling ``super().train_step(state, data)`` runs)."""
    trainable, non_trainable, optimizer_variables, metrics_variables = state
    x, y, sample_weight = adapters.unpack_x_y_sample_weight(data)

    def loss_fn(trainable):
        y_pred, new_non_trainable, losses = model.stateless_call(
            trainable, non_trainable, x, training=True, return_losses=True)
        with _forward_losses(model, losses):
            loss, _ = model.stateless_compute_loss(trainable, new_non_trainable,
                                                   metrics_variables, x, y, y_pred,
                                                   sample_weight)
        return loss, (y_pred, new_non_trainable)

    (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
        trainable)
    trainable, optimizer_variables = model.optimizer.stateless_apply(
        optimizer_variables, grads, trainable)
    logs, metrics_variables = _update_metrics(model, metrics_variables, loss, x, y, y_pred,
                                              sample_weight)
    return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)


def default_test_step(model, state, data):
    trainable, non_trainable, metrics_variables = state
    x, y, sample_weight = adapters.unpack_x_y_sample_weight(data)
    y_pred, non_trainable, losses = model.stateless_call(
        trainable, non_trainable, x, training=False, return_losses=True)
    with _forward_losses(model, losses):
        loss, _ = model.stateless_compute_loss(trainable, non_trainable, metrics_variables, x,
                                               y, y_pred, sample_weight, training=False)
    logs, metrics_variables = _update_metrics(model, metrics_variables, loss, x, y, y_pred,
                                              sample_weight)
    return logs, (trainable, non_trainable, metrics_variables)
