"""Many models of one structure, trained side by side as one compiled program.

``jax.vmap`` over a stack of N :class:`~kerasish.engine.steps.TrainState` s, inside the
engine's own chunk programs (:func:`steps.make_train_chunk` /
:func:`steps.make_eval_chunk`), so each model takes exactly the steps ``fit`` would give
it. What differs between the N models is data, never a constant baked into the program:

* weights, optimizer state (the learning rate is already an array in it), metric
  accumulators and the dropout key: the stacked ``TrainState``;
* the L1/L2 factors of the weight regularizers and the loss weights: :class:`Knobs`,
  stacked beside it (:func:`with_knobs` rebuilds the ``Pieces`` around them);
* the rows each model trains on (its shuffle, its cross-validation fold): per-model
  index and mask tables of shape ``(N, steps, batch)`` (:func:`stacked_tables`); one
  shared ``(steps, batch)`` table when every model reads the same batches.

A model that a callback stopped is frozen by ``active`` (its state passes through the
chunk unchanged) while the others go on.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.engine import steps


class Knobs(NamedTuple):
    """The per-model numbers of a group that enter the loss as data."""

    penalty: tuple       # per regularised weight: (l1, l2) scalars in the weight's dtype
    loss_weights: tuple  # per output: the loss weight (float32 scalar), or None


class ManyPrograms(NamedTuple):
    train: Any     # (ts, knobs, data, idx, mask, active, start, n_steps, may_skip) -> ts
    evaluate: Any  # (ts, knobs, data, idx, mask, start, n_steps) -> ts
    results: Any   # stacked metrics -> {name: (N,) values}, on the device
    init_metrics: Any  # (n, training=True) -> stacked fresh metrics (numpy)


def factor_penalty(rules):
    """``(params, factors) -> penalty``, Keras's L1/L2 formulas with the factors as data.

    ``rules`` has one entry per regularised weight, in trainable-weight order:
    ``(layer, weight, rule)`` where ``rule`` is ``(use_l1, use_l2)`` (factors read from
    ``factors``, the matching entry of ``Knobs.penalty``) or a regularizer called as is
    (one shared by the whole group). The sums run in the order of
    ``programs.penalty_fn``; a factor of 0 adds an exact 0, so every model's penalty
    and gradient equal those of its own regularizers.
    """

    def penalty(params, factors):
        total = jnp.zeros((), jnp.float32)
        for (layer, weight, rule), (l1, l2) in zip(rules, factors):
            x = params[layer][weight]
            if callable(rule):
                total = total + rule(x)
                continue
            use_l1, use_l2 = rule
            terms = []
            if use_l1:
                terms.append(l1.astype(x.dtype) * jnp.sum(jnp.abs(x)))
            if use_l2:
                terms.append(l2.astype(x.dtype) * jnp.sum(jnp.square(x)))
            # L1L2's own form when both are used: zeros, += l1 term, += l2 term.
            value = terms[0] if len(terms) == 1 else \
                jnp.zeros((), x.dtype) + terms[0] + terms[1]
            total = total + value
        return total

    return penalty


def with_knobs(pieces, rules, knobs):
    """``pieces`` whose penalty and loss weights come from ``knobs`` (traced values)."""
    penalty = factor_penalty(rules)
    losses = tuple(None if term is None else term._replace(weight=w)
                   for term, w in zip(pieces.losses, knobs.loss_weights))
    return pieces._replace(losses=losses,
                           penalty=lambda params: penalty(params, knobs.penalty))


def build_many(pieces, rules):
    """The jitted programs that advance N stacked ``TrainState`` s of ``pieces``' model.

    ``rules``: see :func:`factor_penalty`. Index and mask tables of ndim 3 are per model
    (vmapped), of ndim 2 shared by all. ``active``: a ``(N,)`` bool array (a False model
    keeps its state), or None when every model trains.
    """
    if pieces.custom_train is not None or pieces.custom_test is not None or pieces.exact:
        raise ValueError("build_many: custom steps and exact (unpadded) batches are not "
                         "supported; train such models with fit().")

    def train(ts, knobs, data, idx, mask, active, start, n_steps, may_skip):
        def one(ts, knobs, idx, mask, active):
            chunk = steps.make_train_chunk(with_knobs(pieces, rules, knobs))
            new = chunk(ts, data, idx, mask, start, n_steps, may_skip)
            if active is None:
                return new
            return jax.lax.cond(active, lambda: new, lambda: ts)

        axis = 0 if idx.ndim == 3 else None
        return jax.vmap(one, in_axes=(0, 0, axis, axis, 0))(ts, knobs, idx, mask, active)

    def evaluate(ts, knobs, data, idx, mask, start, n_steps):
        def one(ts, knobs, idx, mask):
            chunk = steps.make_eval_chunk(with_knobs(pieces, rules, knobs))
            return chunk(ts, data, idx, mask, start, n_steps)

        axis = 0 if idx.ndim == 3 else None
        return jax.vmap(one, in_axes=(0, 0, axis, axis))(ts, knobs, idx, mask)

    results = steps.make_results(pieces)

    def init_metrics(n, training=True):
        return stack([steps.init_metrics(pieces, training)] * n)

    return ManyPrograms(
        train=jax.jit(train, static_argnums=(7, 8)),
        evaluate=jax.jit(evaluate, static_argnums=(6,)),
        results=jax.jit(jax.vmap(results)),
        init_metrics=init_metrics,
    )


def stack(trees):
    """Trees of the same structure -> one tree of arrays with a leading axis of N.

    Stacked on the host with numpy (a ``jnp.stack`` per leaf shape would compile a
    small program each); ``jax.random`` keys through their key data.
    """
    def leaf(*leaves):
        if jax.dtypes.issubdtype(getattr(leaves[0], "dtype", None), jax.dtypes.prng_key):
            data = np.stack([np.asarray(jax.random.key_data(k)) for k in leaves])
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(leaves[0]))
        return np.stack([np.asarray(a) for a in leaves])

    return jax.tree_util.tree_map(leaf, *trees)


def unstack(tree, n):
    """The inverse of :func:`stack` (slices stay where ``tree`` lives)."""
    return [jax.tree_util.tree_map(lambda a: a[i], tree) for i in range(n)]


def fold_rows(n, k):
    """``k`` contiguous folds of ``range(n)``: ``[(train_rows, held_out_rows)]``.

    The first ``n % k`` folds hold one row more (scikit-learn's ``KFold`` without
    shuffling); training rows keep their order.

    >>> [(t.tolist(), v.tolist()) for t, v in fold_rows(5, 2)]
    [([3, 4], [0, 1, 2]), ([0, 1, 2], [3, 4])]
    """
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    bounds = np.cumsum([0] + sizes)
    rows = np.arange(n, dtype=np.int32)
    return [(np.concatenate([rows[:bounds[i]], rows[bounds[i + 1]:]]),
             rows[bounds[i]:bounds[i + 1]]) for i in range(k)]


def stacked_tables(rows, batch_size, shared=False):
    """Index and mask tables for N models, each reading its own ``rows`` in order.

    ``rows``: one int array per model (already permuted when shuffling). Returns
    ``(idx, mask, may_skip)``: tables of shape ``(N, steps, batch)`` padded to the
    longest model's steps (a model with fewer steps gets steps of pure padding, which
    do not move it), or ``(steps, batch)`` tables when ``shared`` (every model reads
    the same rows, ``rows[0]``).
    """
    n_steps = max(-(-len(r) // batch_size) for r in rows)
    if shared:
        idx, mask = steps.batch_tables(len(rows[0]), batch_size, n_steps, rows[0])
        return idx, mask, False
    tables = [steps.batch_tables(len(r), batch_size, n_steps, r) for r in rows]
    may_skip = any(-(-len(r) // batch_size) < n_steps for r in rows)
    return (np.stack([t[0] for t in tables]), np.stack([t[1] for t in tables]), may_skip)
