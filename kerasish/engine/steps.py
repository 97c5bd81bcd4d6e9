"""The compiled programs: a ``TrainState`` of arrays and the jitted functions that
advance it.

Nothing here knows about Keras objects. The model hands over pure pieces (its forward
function, each output's per-sample loss, the regularisation penalty, the optimizer's
``update``, the metrics' ``init_state/update/compute``) as a :class:`Pieces`, and gets
back :class:`Programs`:

* ``train``: K optimizer steps as one ``lax.scan`` over batches gathered on the device
  from an index table: one host round trip per chunk, not per step;
* ``evaluate``: the same without gradients (``evaluate`` and validation);
* ``predict``: a forward pass over one batch, or a scan over a stack of batches.

A chunk's batches are rows of ``data = (x, y, sample_weight)`` picked by an
``(steps, batch)`` index table and a 0/1 mask table. The last, short batch is padded to
the full batch size and masked: padded rows carry zero weight, the loss is divided by
the number of *real* rows (so the gradient equals Keras's for that short batch), and a
step whose rows are all padding is skipped with ``lax.cond`` (padding never moves the
optimizer). Every epoch therefore has the same shapes: each program compiles once per
dataset shape. A loss that mixes the rows of its batch (Dice/Tversky over the whole
batch, Circle's pairs) is computed on the real rows only, by the loss itself
(``LossTerm.rows``: padding masked inside the loss, not exact batches); a whole-batch
loss that cannot do that (a user's mean) is refused on a padded batch.

A user's ``train_step`` / ``test_step`` (Keras 3's JAX contract) plugs in as
``Pieces.custom_train`` / ``custom_test``: the same chunk programs call it instead of
the default step (see :func:`keras_state`).
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax


class TrainState(NamedTuple):
    """Everything that changes during training, as arrays only."""

    params: Any      # trainable weights {layer: {weight: array}}
    state: Any       # non-trainable weights, same layout
    opt_state: Any   # the optimizer's state (kerasish.optimizers.OptimizerState)
    metrics: Any     # accumulators (default step) or (metric variables, logs) (custom step)
    rng: Any         # key for dropout-style layers


class LossTerm(NamedTuple):
    """One output's loss: Keras's per-sample ``call`` and how to reduce it."""

    values: Any           # (y_true, y_pred) -> per-sample losses, unreduced
    mask: Any             # (y_true, y_pred) -> entries to keep, or None (ignore_class)
    weight: float         # Keras's loss_weights entry for this output
    sum_reduction: bool   # reduction="sum": no division by the number of entries
    # Losses that mix the rows of a batch (Dice/Tversky over the whole batch, Circle's
    # pairs): (y_true, y_pred, real) -> (values, entries to keep or None), computed on
    # the real rows only, so the padding of a short last batch cannot change them.
    rows: Any = None
    name: str = "loss"    # for messages


class MetricTerm(NamedTuple):
    metric: Any           # a Metric with pure init_state/update/compute
    output: int           # which model output it watches
    weighted: bool        # Keras's weighted_metrics see sample weights; metrics don't


class Pieces(NamedTuple):
    """The pure functions a model contributes to its programs (static config).

    Outputs are handled as a tuple, one entry per model output (a single-output model
    has a 1-tuple); ``losses`` has one ``LossTerm`` (or None) per output.
    """

    forward: Any          # (params, state, x, training, rng, row_mask) ->
                          #     (y_pred, new_state, added_loss, output_masks)
    losses: tuple         # LossTerm or None, per output
    penalty: Any          # params -> scalar regularisation penalty
    optimizer_update: Any  # (grads, opt_state, params) -> (updates, opt_state)
    metrics: tuple        # MetricTerm, in reporting order
    names: tuple          # log names after "loss": per-output losses, then metrics
    shard_batch: Any = None  # batch pytree -> same, constrained to the batch sharding
    loss_scale: Any = None   # opt_state -> loss scale (float16 mixed precision), or None
    custom_train: Any = None  # (ts, x, y, sw) -> ts: a user's train_step, or None
    custom_test: Any = None   # (ts, x, y, sw) -> ts: a user's test_step, or None
    constrain: Any = None     # params -> params with weight constraints applied, or None
    custom_init: Any = None   # () -> initial metrics of a custom step's TrainState
    exact: bool = False   # batches are never padded (a user's step or metric sees them)
    has_sw: bool = True   # the user gave sample (or class) weights
    # Filled while tracing: the names of losses that give one value per batch and have
    # no ``rows`` form, so a padded batch would change them (see `build_programs`).
    whole_batch: Any = None


class Programs(NamedTuple):
    pieces: Pieces
    train: Any     # (ts, data, idx, mask, start, n_steps, may_skip) -> ts
    evaluate: Any  # (ts, data, idx, mask, start, n_steps) -> ts (metrics advanced)
    results: Any   # metrics -> {name: value}, on the device
    init_metrics: Any  # (training=True) -> fresh metrics pytree (numpy)


def as_tuple(y):
    """Model outputs as a tuple; float16/bfloat16 outputs upcast, since Keras computes
    losses and metrics in float32 under mixed precision."""
    if isinstance(y, dict):
        y = tuple(y.values())
    y = tuple(y) if isinstance(y, (list, tuple)) else (y,)
    return tuple(p.astype(jnp.float32) if p.dtype in (jnp.float16, jnp.bfloat16) else p
                 for p in y)


def _per_output_losses(pieces):
    return sum(term is not None for term in pieces.losses) > 1


def _n_loss(pieces):
    return 1 + (len(pieces.losses) if _per_output_losses(pieces) else 0)


def init_metrics(pieces, training=True):
    """Fresh accumulators, as numpy (passed as arguments they need no program)."""
    if pieces.custom_init is not None:
        return pieces.custom_init(training)
    zero = np.zeros((), np.float32)
    return ((zero, zero),) * _n_loss(pieces) + tuple(
        jax.tree_util.tree_map(np.asarray, t.metric.init_state()) for t in pieces.metrics)


def make_results(pieces):
    """A jitted ``metrics -> {name: value}`` (the logs, still on the device)."""
    if pieces.custom_init is not None:
        return jax.jit(lambda metrics: metrics[1])  # the logs of the latest custom step
    n_loss = _n_loss(pieces)
    names = ("loss",) + pieces.names

    def results(metrics):
        values = [s / jnp.maximum(c, 1.0) for s, c in metrics[:n_loss]]
        values += [t.metric.compute(a) for t, a in zip(pieces.metrics, metrics[n_loss:])]
        return dict(zip(names, values))

    return jax.jit(results)


def read_logs(programs, metrics):
    """Device accumulators -> ``{name: float}``, with one host transfer.

    Nested dicts (a custom step that returns a metric container's result) are flattened
    into the top level, as Keras does with its logs.
    """
    values = jax.device_get(programs.results(metrics))
    logs = {}

    def put(name, v):
        if isinstance(v, dict):
            for k, sub in v.items():
                put(k, sub)
        else:  # scalars as floats; a vector result (several thresholds) as an array
            logs[name] = float(v) if np.ndim(v) == 0 else np.asarray(v)

    for name, v in values.items():
        put(name, v)
    return logs


def _whole_batch(values, y_pred):
    """Whether a loss's values describe the whole batch rather than each sample."""
    return values.ndim == 0 or values.shape[0] != y_pred.shape[0]


def _weighted_loss(term, values, y, y_pred, weights, real, out_mask, keep=None,
                   has_sw=True):
    """Keras's ``sum_over_batch_size`` over the real entries of a padded batch.

    Divides by the number of real entries (not the padded batch size), so the short
    last batch gets exactly Keras's loss and gradient. Entries a loss masks out
    (``ignore_class``, Circle's rows without pairs: ``keep``) or the output's mask hides
    (``Embedding(mask_zero=True)``) leave the denominator too, as in Keras.

    A loss that gives one value for the whole batch (Dice with ``axis=None``) is, as in
    Keras's ``reduce_weighted_values``, that value times the batch's weights (their sum
    over the number of real rows); without sample weights Keras passes none, and the
    value is the loss.
    """
    n = y_pred.shape[0]
    if _whole_batch(values, y_pred):
        if values.size != 1:
            raise ValueError(
                f"The loss returned values of shape {values.shape} for a batch of {n} "
                "samples. Expected one value per sample (leading axis of size "
                f"{n}) or one value for the whole batch (a scalar).")
        if not has_sw:
            return values.reshape(())
        values = jnp.broadcast_to(values.reshape(()), real.shape)
    expand = lambda a: a.reshape(a.shape + (1,) * (values.ndim - a.ndim))  # noqa: E731
    w, real = expand(weights), expand(real)
    if keep is None and term.mask is not None:
        keep = term.mask(y, y_pred)
    for hide in (keep, out_mask):
        if hide is not None:
            hide = jnp.broadcast_to(hide.reshape(hide.shape + (1,) * (values.ndim - hide.ndim)),
                                    values.shape).astype(values.dtype)
            w, real = w * hide, real * hide
    total = jnp.sum(values * w)
    if term.sum_reduction:
        return total
    count = jnp.sum(jnp.broadcast_to(real, values.shape))
    return total / jnp.maximum(count, 1.0)


def _losses(pieces, ys, y_preds, weights, real, out_masks):
    """(total, per-output losses) for one batch; Keras sums the weighted outputs."""
    total, parts = jnp.zeros((), jnp.float32), []
    for term, y, y_pred, out_mask in zip(pieces.losses, ys, y_preds, out_masks):
        if term is None:
            continue
        if term.rows is not None:
            values, keep = term.rows(y, y_pred, real)
        else:
            values, keep = term.values(y, y_pred), None
            if pieces.whole_batch is not None and _whole_batch(values, y_pred) \
                    and term.name not in pieces.whole_batch:
                pieces.whole_batch.append(term.name)
        part = _weighted_loss(term, values, y, y_pred, weights, real, out_mask, keep,
                              pieces.has_sw)
        parts.append(part)
        total = total + term.weight * part
    return total, parts


def _update_metrics(pieces, metrics, loss, parts, n_real, ys, y_preds, weights, real,
                    out_masks):
    # Keras weights each batch's loss by its number of samples.
    track = [loss] + (parts if _per_output_losses(pieces) else [])
    new = [(s + (v * n_real).astype(s.dtype), c + n_real) for (s, c), v in zip(metrics, track)]
    # Keras's `metrics` ignore sample weights (only `weighted_metrics` use them); the
    # row mask still removes padded rows from both, and an output's mask (as Keras
    # passes it as a sample weight) removes masked time steps.
    accs = metrics[len(track):]
    for t, a in zip(pieces.metrics, accs):
        w = weights if t.weighted else real
        if pieces.exact and not (t.weighted and pieces.has_sw):
            w = None  # no padding to hide: Keras passes no weights to these
        if w is None and out_masks[t.output] is not None:
            w = jnp.ones(real.shape, jnp.float32)
        out_mask = out_masks[t.output]
        if out_mask is not None:
            w = w.reshape(w.shape + (1,) * (out_mask.ndim - w.ndim)) * out_mask
        new.append(t.metric.update(a, ys[t.output], y_preds[t.output], w))
    return tuple(new)


def _output_masks(masks, n):
    if masks is None:
        return (None,) * n
    masks = tuple(masks.values()) if isinstance(masks, dict) else \
        tuple(masks) if isinstance(masks, (list, tuple)) else (masks,)
    return tuple(None if m is None else m.astype(jnp.float32) for m in masks)


def _ys(y, n):
    if y is None:
        return (None,) * n
    return tuple(y) if isinstance(y, (list, tuple)) else (y,)


def _gather(data, idx):
    return jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), data)


def _batch(pieces, data, idx_table, mask_table, i):
    idx = jax.lax.dynamic_index_in_dim(idx_table, i, keepdims=False)
    real = jax.lax.dynamic_index_in_dim(mask_table, i, keepdims=False)
    x, y, sw = _gather(data, idx)
    if pieces.shard_batch is not None:  # data parallel: split the batch's rows
        x, y, sw, real = pieces.shard_batch((x, y, sw, real))
    return x, y, sw, real


def default_train_step(pieces, ts, x, y, sw, real):
    """Keras's ``train_step``: forward, loss (+ added losses + penalty), gradient,
    optimizer update, metrics. ``real`` is 1 for real rows, 0 for padding."""
    weights = sw * real
    n_real = jnp.sum(real)
    rng, step_rng = jax.random.split(ts.rng)
    scale = None if pieces.loss_scale is None else pieces.loss_scale(ts.opt_state)

    def loss_fn(params):
        y_pred, new_state, added, masks = pieces.forward(params, ts.state, x, True, step_rng,
                                                         real)
        y_preds = as_tuple(y_pred)
        out_masks = _output_masks(masks, len(y_preds))
        loss, parts = _losses(pieces, _ys(y, len(y_preds)), y_preds, weights, real, out_masks)
        loss = loss + added + pieces.penalty(params)
        # float16: differentiate the scaled loss; the optimizer unscales.
        scaled = loss if scale is None else loss * scale
        return scaled, (loss, y_preds, new_state, parts, out_masks)

    (_, (loss, y_preds, new_state, parts, out_masks)), grads = jax.value_and_grad(
        loss_fn, has_aux=True)(ts.params)
    updates, opt_state = pieces.optimizer_update(grads, ts.opt_state, ts.params)
    params = optax.apply_updates(ts.params, updates)
    if pieces.constrain is not None:  # Keras: w.assign(constraint(w)) after each step
        params = pieces.constrain(params)
    metrics = _update_metrics(pieces, ts.metrics, loss, parts, n_real,
                              _ys(y, len(y_preds)), y_preds, weights, real, out_masks)
    return TrainState(params, new_state, opt_state, metrics, rng)


def default_test_step(pieces, ts, x, y, sw, real):
    weights = sw * real
    n_real = jnp.sum(real)
    y_pred, _, added, masks = pieces.forward(ts.params, ts.state, x, False, None, real)
    y_preds = as_tuple(y_pred)
    out_masks = _output_masks(masks, len(y_preds))
    ys = _ys(y, len(y_preds))
    loss, parts = _losses(pieces, ys, y_preds, weights, real, out_masks)
    loss = loss + added + pieces.penalty(ts.params)
    # Padded rows have weight 0, so they add nothing to any accumulator.
    return ts._replace(metrics=_update_metrics(pieces, ts.metrics, loss, parts, n_real, ys,
                                               y_preds, weights, real, out_masks))


def make_train_chunk(pieces):
    """``(ts, data, index_table, mask_table, start, K, may_skip) -> ts``: K steps.

    ``data = (x, y, sample_weight)`` lives on the device; the tables are ``(steps,
    batch)`` row indices and 0/1 masks. ``may_skip`` (static) says whether a step can be
    all padding; only then is the ``lax.cond`` compiled in (it costs compile time).
    """
    step_fn = pieces.custom_train or (lambda ts, x, y, sw, real:
                                      default_train_step(pieces, ts, x, y, sw, real))

    def train_chunk(ts, data, idx_table, mask_table, start, n_steps, may_skip):
        def step(ts, i):
            x, y, sw, real = _batch(pieces, data, idx_table, mask_table, i)
            do_step = lambda ts: step_fn(ts, x, y, sw, real)  # noqa: E731
            if not may_skip:
                return do_step(ts), None
            # A step of pure padding (the tail of the last chunk) must not move anything.
            return jax.lax.cond(jnp.sum(real) > 0, do_step, lambda ts: ts, ts), None

        if n_steps == 1:
            # A plain step, not a scan of length one: on XLA:CPU a convolution's kernel
            # gradient inside any loop runs ~20x slower (jax-ml/jax#12868).
            return step(ts, start)[0]
        ts, _ = jax.lax.scan(step, ts, start + jnp.arange(n_steps))
        return ts

    return train_chunk


def make_eval_chunk(pieces):
    """``(ts, data, index_table, mask_table, start, K) -> ts`` with metrics advanced."""
    step_fn = pieces.custom_test or (lambda ts, x, y, sw, real:
                                     default_test_step(pieces, ts, x, y, sw, real))

    def eval_chunk(ts, data, idx_table, mask_table, start, n_steps):
        def step(ts, i):
            x, y, sw, real = _batch(pieces, data, idx_table, mask_table, i)
            if pieces.custom_test is not None:
                return jax.lax.cond(jnp.sum(real) > 0, lambda ts: step_fn(ts, x, y, sw, real),
                                    lambda ts: ts, ts), None
            return step_fn(ts, x, y, sw, real), None

        if n_steps == 1:
            return step(ts, start)[0]
        ts, _ = jax.lax.scan(step, ts, start + jnp.arange(n_steps))
        return ts

    return eval_chunk


def build_programs(pieces, compile=True):
    """The jitted (or, for ``run_eagerly``, plain) programs of ``pieces``.

    A loss that gives one value per batch without a ``rows`` form (a user's function
    returning a mean) cannot leave the padding of a short last batch out: such a batch
    is refused with a clear error before its chunk is committed, unless the batches
    are exact (then the model's host passes unpadded batches: no padding to leave out).
    """
    wrap = jax.jit if compile else (lambda f, **kw: f)
    if not pieces.exact and pieces.custom_train is None:
        pieces = pieces._replace(whole_batch=[])
    train, evaluate = make_train_chunk(pieces), make_eval_chunk(pieces)
    train = wrap(train, static_argnums=(5, 6))
    evaluate = wrap(evaluate, static_argnums=(5,))
    if pieces.whole_batch is not None:
        train, evaluate = (_refusing_padded_batches(pieces, f, compile)
                           for f in (train, evaluate))
    return Programs(
        pieces=pieces,
        train=train,
        evaluate=evaluate,
        results=make_results(pieces),
        init_metrics=lambda training=True: init_metrics(pieces, training),
    )


def _refusing_padded_batches(pieces, program, compiled):
    """``program`` that refuses a chunk with a partly padded step when a loss computed
    over the whole batch was traced (:attr:`Pieces.whole_batch`).

    The first call traces the program abstractly first (``jax.eval_shape`` shares the
    jit's trace cache: nothing is traced twice), so even the first chunk is refused
    before it runs. Later calls only look at the host's 0/1 mask table, and only
    when such a loss exists.
    """
    traced = [not compiled]

    def call(ts, data, idx_table, mask_table, start, n_steps, *rest):
        if not traced[0]:
            jax.eval_shape(program, ts, data, idx_table, mask_table, start, n_steps, *rest)
            traced[0] = True
        if pieces.whole_batch:
            _refuse_partial_steps(pieces.whole_batch, mask_table, start, n_steps)
        out = program(ts, data, idx_table, mask_table, start, n_steps, *rest)
        if pieces.whole_batch:  # eager programs trace as they run
            _refuse_partial_steps(pieces.whole_batch, mask_table, start, n_steps)
        return out

    return call


def _refuse_partial_steps(names, mask_table, start, n_steps):
    rows = np.asarray(mask_table)[int(start):int(start) + n_steps]
    real = rows.sum(axis=1)
    partial = (real > 0) & (real < rows.shape[1])
    if partial.any():
        raise ValueError(
            f"The loss {names[0]!r} returns one value for the whole batch, and this data "
            f"ends with a short batch ({int(real[partial][0])} samples, padded to "
            f"{rows.shape[1]}): the padding would enter that value. Either return one "
            "value per sample (Keras averages them: the same loss), or use a batch_size "
            "that divides the number of samples."
        )


def make_predict(forward, custom_predict=None):
    """``(params, state, x) -> y``: one batch, or a scan over ``(steps, batch, ...)``."""

    def predict_batch(params, state, x):
        if custom_predict is not None:
            return custom_predict(params, state, x)
        return forward(params, state, x, False, None, None)[0]

    def predict_batches(params, state, xb):
        def step(_, x):
            return None, predict_batch(params, state, x)

        return jax.lax.scan(step, None, xb)[1]

    return predict_batch, predict_batches


def batch_tables(n, batch_size, steps_padded, perm=None):
    """Index and mask tables of shape ``(steps_padded, batch_size)``, built with numpy.

    Rows past ``n`` point at row 0 with mask 0. ``perm`` reorders the rows (shuffle).
    Shuffling on the host costs microseconds for the dataset sizes that fit on one
    device and, unlike ``jax.random.permutation``, needs no compiled program; only
    the small index table travels, the data stays on the device.
    """
    total = steps_padded * batch_size
    rows = min(n, total)  # `steps` may stop an epoch before the data ends
    idx = np.zeros(total, np.int32)
    idx[:rows] = (np.arange(n) if perm is None else perm)[:rows]
    mask = np.zeros(total, np.float32)
    mask[:rows] = 1.0
    return idx.reshape(steps_padded, batch_size), mask.reshape(steps_padded, batch_size)
