"""The functional training tier: a ``TrainState`` of arrays and the jitted programs
that advance it.

Nothing here knows about Keras objects. The model hands over pure pieces (its forward
function, each output's per-sample loss ``call``, the regularisation penalty, the
optimizer's ``update`` and the metrics' ``init/update/compute``) and gets back three
compiled programs:

* ``train_chunk``: K optimizer steps as one ``lax.scan`` over batches gathered on the
  device from a shuffled index table — one host round trip per chunk, not per step;
* ``eval_chunk``: the same without gradients, for ``evaluate`` and validation;
* ``predict``: a batched forward pass.

The last, short batch is padded to the full batch size and masked: padded rows carry
zero weight, the loss is divided by the number of *real* rows (so the gradient equals
Keras's for that short batch), and a step whose rows are all padding is skipped with
``lax.cond`` (so padding never moves the optimizer). Every epoch therefore has the same
shapes, and each program compiles once per dataset shape.
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
    metrics: Any     # accumulators: (sum, count) for the loss (and each output's), then metrics
    rng: Any         # key for shuffling and for dropout-style layers
    step: Any        # int32: optimizer steps taken in this TrainState's life


class LossTerm(NamedTuple):
    """One output's loss: Keras's per-sample ``call`` and how to reduce it."""

    values: Any           # (y_true, y_pred) -> per-sample losses, unreduced
    mask: Any             # (y_true, y_pred) -> entries to keep, or None (ignore_class)
    weight: float         # Keras's loss_weights entry for this output
    sum_reduction: bool   # reduction="sum": no division by the number of entries


class MetricTerm(NamedTuple):
    metric: Any           # a Metric with pure init_state/update/compute
    output: int           # which model output it watches
    weighted: bool        # Keras's weighted_metrics see sample weights; metrics don't


class Pieces(NamedTuple):
    """The pure functions a model contributes to its programs (static config).

    Outputs are handled as a tuple, one entry per model output (a single-output model
    has a 1-tuple); ``losses`` has one ``LossTerm`` (or None) per output.
    """

    forward: Any          # (params, state, x, training, rng) -> (y_pred, new_state)
    losses: tuple         # LossTerm or None, per output
    penalty: Any          # params -> scalar regularisation penalty
    optimizer_update: Any  # (grads, opt_state, params) -> (updates, opt_state)
    metrics: tuple        # MetricTerm, in reporting order
    names: tuple          # log names after "loss": per-output losses, then metrics
    shard_batch: Any = None  # batch pytree -> same, constrained to the batch sharding
    loss_scale: Any = None   # opt_state -> loss scale (float16 mixed precision), or None


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


def init_metrics(pieces):
    # numpy zeros: passed as arguments they need no compiled program of their own.
    zero = np.zeros((), np.float32)
    n_loss = 1 + (len(pieces.losses) if _per_output_losses(pieces) else 0)
    return ((zero, zero),) * n_loss + tuple(
        jax.tree_util.tree_map(np.asarray, t.metric.init_state()) for t in pieces.metrics)


def make_results(pieces):
    """A jitted ``metrics -> [loss, *per-output losses, *metric results]``."""
    n_loss = 1 + (len(pieces.losses) if _per_output_losses(pieces) else 0)

    def results(metrics):
        values = [s / jnp.maximum(c, 1.0) for s, c in metrics[:n_loss]]
        return values + [t.metric.compute(a) for t, a in zip(pieces.metrics, metrics[n_loss:])]

    return jax.jit(results)


def read_metrics(pieces, metrics, results_fn):
    """Device accumulators -> {'loss': float, name: float}, with one host transfer."""
    values = jax.device_get(results_fn(metrics))
    # Scalars as floats; a vector result (Precision with several thresholds) as an array.
    return {name: float(v) if np.ndim(v) == 0 else np.asarray(v)
            for name, v in zip(("loss",) + pieces.names, values)}


def _weighted_loss(term, values, y, y_pred, weights, mask):
    """Keras's ``sum_over_batch_size`` over the real rows of a padded batch.

    Divides by the number of real entries (not the padded batch size), so the short
    last batch gets exactly Keras's loss and gradient. Entries a loss masks out
    (``ignore_class``) leave the denominator too, as in Keras.
    """
    expand = lambda a: a.reshape(a.shape + (1,) * (values.ndim - a.ndim))  # noqa: E731
    w, real = expand(weights), expand(mask)
    keep = term.mask(y, y_pred) if term.mask is not None else None
    if keep is not None:
        keep = keep.reshape(values.shape).astype(values.dtype)
        w, real = w * keep, real * keep
    total = jnp.sum(values * w)
    if term.sum_reduction:
        return total
    count = jnp.sum(jnp.broadcast_to(real, values.shape))
    return total / jnp.maximum(count, 1.0)


def _losses(pieces, ys, y_preds, weights, mask):
    """(total, per-output losses) for one batch; Keras sums the weighted outputs."""
    parts = []
    for term, y, y_pred in zip(pieces.losses, ys, y_preds):
        if term is None:
            continue
        values = term.values(y, y_pred)
        parts.append(_weighted_loss(term, values, y, y_pred, weights, mask))
    total = sum(t.weight * p for t, p in zip([t for t in pieces.losses if t is not None], parts))
    return total, parts


def _update_metrics(pieces, metrics, loss, parts, n_real, ys, y_preds, weights, mask):
    # Keras weights each batch's loss by its number of samples.
    track = [loss] + (parts if _per_output_losses(pieces) else [])
    new = [(s + (v * n_real).astype(s.dtype), c + n_real) for (s, c), v in zip(metrics, track)]
    # Keras's `metrics` ignore sample weights (only `weighted_metrics` use them); the
    # mask still removes padded rows from both.
    accs = metrics[len(track):]
    new += [t.metric.update(a, ys[t.output], y_preds[t.output], weights if t.weighted else mask)
            for t, a in zip(pieces.metrics, accs)]
    return tuple(new)


def _gather(data, idx):
    return jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), data)


def make_train_chunk(pieces):
    """``(ts, data, index_table, mask_table, start, K, may_skip) -> ts``: K steps.

    ``data = (x, y, sample_weight)`` lives on the device for the whole ``fit``; the
    tables are ``(steps, batch)`` row indices and 0/1 masks for one epoch. ``may_skip``
    (static) says whether a step can be all padding; only then is the ``lax.cond``
    compiled in (it costs compile time, not run time).
    """

    def train_chunk(ts, data, idx_table, mask_table, start, n_steps, may_skip):
        def step(ts, i):
            idx = jax.lax.dynamic_index_in_dim(idx_table, i, keepdims=False)
            mask = jax.lax.dynamic_index_in_dim(mask_table, i, keepdims=False)
            x, y, sw = _gather(data, idx)
            if pieces.shard_batch is not None:  # data parallel: split the batch's rows
                x, y, sw, mask = pieces.shard_batch((x, y, sw, mask))
            weights = sw * mask
            n_real = jnp.sum(mask)

            def do_step(ts):
                rng, step_rng = jax.random.split(ts.rng)

                scale = None if pieces.loss_scale is None else pieces.loss_scale(ts.opt_state)

                def loss_fn(params):
                    y_pred, new_state = pieces.forward(params, ts.state, x, True, step_rng,
                                                       mask)
                    y_preds = as_tuple(y_pred)
                    loss, parts = _losses(pieces, y, y_preds, weights, mask)
                    loss = loss + pieces.penalty(params)
                    # float16: differentiate the scaled loss; the optimizer unscales.
                    scaled = loss if scale is None else loss * scale
                    return scaled, (loss, y_preds, new_state, parts)

                (_, (loss, y_preds, new_state, parts)), grads = jax.value_and_grad(
                    loss_fn, has_aux=True)(ts.params)
                updates, opt_state = pieces.optimizer_update(grads, ts.opt_state, ts.params)
                params = optax.apply_updates(ts.params, updates)
                metrics = _update_metrics(pieces, ts.metrics, loss, parts, n_real, y, y_preds,
                                          weights, mask)
                return TrainState(params, new_state, opt_state, metrics, rng, ts.step + 1)

            if not may_skip:
                return do_step(ts), None
            # A step of pure padding (the tail of the last chunk) must not move anything.
            return jax.lax.cond(n_real > 0, do_step, lambda ts: ts, ts), None

        if n_steps == 1:
            # A plain step, not a scan of length one: on XLA:CPU a convolution's kernel
            # gradient inside any loop runs ~20x slower (jax-ml/jax#12868).
            return step(ts, start)[0]
        ts, _ = jax.lax.scan(step, ts, start + jnp.arange(n_steps))
        return ts

    return jax.jit(train_chunk, static_argnums=(5, 6))


def make_eval_chunk(pieces):
    """``(params, state, metrics, data, idx_table, mask_table) -> metrics``."""

    def eval_chunk(params, state, metrics, data, idx_table, mask_table):
        def step(metrics, im):
            idx, mask = im
            x, y, sw = _gather(data, idx)
            if pieces.shard_batch is not None:
                x, y, sw, mask = pieces.shard_batch((x, y, sw, mask))
            weights = sw * mask
            n_real = jnp.sum(mask)
            y_pred, _ = pieces.forward(params, state, x, False, None)
            y_preds = as_tuple(y_pred)
            loss, parts = _losses(pieces, y, y_preds, weights, mask)
            loss = loss + pieces.penalty(params)
            # Padded rows have weight 0, so they add nothing to any accumulator.
            return _update_metrics(pieces, metrics, loss, parts, n_real, y, y_preds, weights,
                                   mask), None

        metrics, _ = jax.lax.scan(step, metrics, (idx_table, mask_table))
        return metrics

    return jax.jit(eval_chunk)


def make_predict(forward):
    """``(params, state, x) -> y``: one batch, or a scan over ``(steps, batch, ...)``."""

    def predict_batch(params, state, x):
        return forward(params, state, x, False, None)[0]

    def predict_batches(params, state, xb):
        def step(_, x):
            return None, forward(params, state, x, False, None)[0]

        return jax.lax.scan(step, None, xb)[1]

    return jax.jit(predict_batch), jax.jit(predict_batches)


def batch_tables(n, batch_size, steps_padded, perm=None):
    """Index and mask tables of shape ``(steps_padded, batch_size)``, built with numpy.

    Rows past ``n`` point at row 0 with mask 0. ``perm`` reorders the rows (shuffle).
    Shuffling on the host costs microseconds for the dataset sizes that fit on one
    device and, unlike ``jax.random.permutation``, needs no compiled program; only
    the small index table travels, the data stays on the device.
    """
    total = steps_padded * batch_size
    idx = np.zeros(total, np.int32)
    idx[:n] = np.arange(n) if perm is None else perm
    mask = np.zeros(total, np.float32)
    mask[:n] = 1.0
    return idx.reshape(steps_padded, batch_size), mask.reshape(steps_padded, batch_size)
