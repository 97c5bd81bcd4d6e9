"""The compiled program of one ``fit_many`` group: many epochs of N models in one call.

:func:`build_run` returns one jitted function that runs a *block* of epochs of the
group's N stacked models — per epoch: fresh metric accumulators, the dropout keys of
``fit`` (the model's key folded with the epoch), the engine's fused train chunk under
``jax.vmap``, the training logs, then the validation pass and its logs — as a
``lax.scan`` over the block. One call per block, one host transfer of the logs per
block, and one compilation per group however many epochs run (blocks are of equal
length; when the epochs do not divide, the last block ends in epochs flagged not
``live``, computed and dropped).

Beside the engine's :class:`~kerasish.engine.many.Knobs` (L1/L2 factors, loss
weights), the keep probabilities ``1 - rate`` of the template's ``Dropout`` layers
are data too (:func:`data_rate_layers`): while the forward pass is traced, each such
layer's ``rate`` is a :class:`TracedRate` holding the vmapped keep probability, so
models that differ only in a dropout rate share the program. ``Dropout.call`` then
computes ``keep_prob = 1.0 - rate`` as the traced value and draws and scales with it;
in float32 that is the same mask and the same quotient as with the Python constant.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.engine import many as many_engine, steps
from kerasish.layers.regularization import Dropout


class TracedRate:
    """Stands for a ``Dropout`` layer's ``rate`` while a group's program is traced.

    Compares unequal to 0 and 1 (rates of exactly 0 or 1 are structure, never data)
    and gives the traced keep probability for ``1.0 - rate``.
    """

    def __init__(self, keep):
        self.keep = keep

    def __eq__(self, other):
        return False

    __hash__ = None

    def __rsub__(self, other):
        if other != 1:
            raise TypeError("A data dropout rate only supports `1 - rate`.")
        return self.keep


def rate_is_data(layer):
    """Whether ``layer``'s dropout rate can be data: a ``Dropout`` (exactly), a rate
    strictly between 0 and 1 (0 and 1 take other branches of ``call``), float32
    compute (the traced keep probability is float32)."""
    return (type(layer) is Dropout and isinstance(layer.rate, (int, float))
            and 0 < layer.rate < 1 and getattr(layer, "compute_dtype", None) == "float32")


def data_rate_layers(model):
    """The model's ``Dropout`` layers whose rate is data, in ``_flatten_layers`` order."""
    return [layer for layer in model._flatten_layers()[1:] if rate_is_data(layer)]


def keep_probs(model):
    """The model's keep probabilities ``1 - rate`` as float32 scalars (a tuple)."""
    return tuple(np.float32(1.0 - layer.rate) for layer in data_rate_layers(model))


class rates_as:
    """Context: the template's data-rate layers take the given rate objects."""

    def __init__(self, layers, rates):
        self.layers, self.rates = layers, rates

    def __enter__(self):
        self.saved = [layer.rate for layer in self.layers]
        for layer, rate in zip(self.layers, self.rates):
            layer.rate = rate

    def __exit__(self, *exc):
        for layer, rate in zip(self.layers, self.saved):
            layer.rate = rate


def _stacked(tree, n):
    return jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n,) + jnp.shape(a)), tree)


def build_run(pieces, rules, template, batch_size):
    """The jitted ``run`` of a group whose template model is ``template``.

    ``run(ts, keys, knobs, keeps, data, idx, mask, live, active, epoch0, val_data,
    vidx, vmask, may_skip, padded) -> (ts, logs, val_logs)``:

    * ``ts``: the stacked ``TrainState`` (its ``metrics`` and ``rng`` are replaced);
      ``keys``: each model's ``fit`` key, folded with the epoch number;
    * ``knobs``, ``keeps``: the stacked penalty/loss-weight knobs and keep
      probabilities;
    * ``idx``, ``mask``: per epoch of the block, ``(B, N, steps, batch)`` (each model
      its rows) or ``(B, steps, batch)`` (shared); ``live``: ``(B,)`` bools (False:
      a padding epoch, computed and dropped; ``padded``, static, says whether any
      is); ``may_skip`` (static): whether a step can be all padding; ``active``:
      ``(N,)`` bools or None; ``epoch0``: the block's first epoch;
    * ``val_data`` None, or the validation arrays with their ``vidx``/``vmask``
      tables (``(N, steps, batch)`` or ``(steps, batch)``).

    ``batch_size`` (the group's) sizes one model's tensors for :func:`compiler_options`.

    Returns the new state and ``{name: (B, N) values}`` for training and validation.
    """
    if pieces.custom_train is not None or pieces.custom_test is not None or pieces.exact:
        raise ValueError("fit_many: custom steps and exact (unpadded) batches are not "
                         "supported; train such models with fit().")
    rate_layers = data_rate_layers(template)
    results = steps.make_results(pieces)
    train_metrics = steps.init_metrics(pieces, True)
    eval_metrics = steps.init_metrics(pieces, False)

    def train_one(ts, knobs, keeps, data, idx, mask, active, n_steps, may_skip):
        with rates_as(rate_layers, [TracedRate(k) for k in keeps]):
            chunk = steps.make_train_chunk(many_engine.with_knobs(pieces, rules, knobs))
            new = chunk(ts, data, idx, mask, jnp.int32(0), n_steps, may_skip)
        if active is None:
            return new
        return jax.lax.cond(active, lambda: new, lambda: ts)

    def eval_one(ts, knobs, data, idx, mask, n_steps):
        chunk = steps.make_eval_chunk(many_engine.with_knobs(pieces, rules, knobs))
        return chunk(ts, data, idx, mask, jnp.int32(0), n_steps)

    def run(ts, keys, knobs, keeps, data, idx, mask, live, active, epoch0, val_data,
            vidx, vmask, may_skip, padded):
        n = keys.shape[0]
        per_model = idx.ndim == 4
        n_steps = idx.shape[-2]

        def epoch_fn(ts, e, idx_e, mask_e):
            ts = ts._replace(metrics=_stacked(train_metrics, n),
                             rng=jax.vmap(lambda k: jax.random.fold_in(k, e))(keys))
            axis = 0 if per_model else None
            ts = jax.vmap(train_one, in_axes=(0, 0, 0, None, axis, axis, 0, None, None))(
                ts, knobs, keeps, data, idx_e, mask_e, active, n_steps, may_skip)
            logs = jax.vmap(results)(ts.metrics)
            val_logs = {}
            if val_data is not None:
                ev = steps.TrainState(ts.params, ts.state, None,
                                      _stacked(eval_metrics, n), None)
                vaxis = 0 if vidx.ndim == 3 else None
                ev = jax.vmap(eval_one, in_axes=(0, 0, None, vaxis, vaxis, None))(
                    ev, knobs, val_data, vidx, vmask, vidx.shape[-2])
                val_logs = jax.vmap(results)(ev.metrics)
            return ts, (logs, val_logs)

        def body(ts, xs):
            e, idx_e, mask_e, live_e = xs
            new, out = epoch_fn(ts, e, idx_e, mask_e)
            if padded:  # a padding epoch leaves the state as it was (its logs are unused)
                new = jax.tree_util.tree_map(lambda a, b: jnp.where(live_e, a, b), new, ts)
            return new, out

        epochs = epoch0 + jnp.arange(idx.shape[0], dtype=jnp.int32)
        ts, (logs, val_logs) = jax.lax.scan(body, ts, (epochs, idx, mask, live))
        return ts, logs, val_logs

    return jax.jit(run, static_argnums=(13, 14),
                   compiler_options=compiler_options(template, batch_size))


def compiler_options(template, batch_size):
    """XLA options for a group's program: on the CPU, LLVM's level 1 and, where one
    model's tensors are small (so that its train step uses YNNPACK for no reduction),
    XLA's classic loop emitters and YNNPACK kept to the dots; elsewhere none.

    Compile time is most of a small group's cost. Level 1 compiles this program ~20%
    faster than the default level 2 and runs it as fast; the classic emitters instead of
    the newer fusion emitters compile it in about half the time again (0.65-0.84 s
    against 1.38-1.45 s for the digits lambda search) and run it as fast. Neither
    changes a number: every weight of that search still equals its ``fit`` twin's.
    The classic emitters are kept to small models (the YNNPACK threshold below), where
    compiling is most of the cost: on larger ones the newer emitters can run faster
    (a small Transformer's ``fit`` epoch took 29% longer with the classic ones).

    YNNPACK: XLA:CPU hands a reduction of at least ~4,096 elements to YNNPACK, which
    sums in another order than XLA's own loop. The N stacked models' reductions are N
    times larger than one model's: in the notes' lambda search (batch 32, Dense 25) a
    bias gradient is ``(8, 32, 25)`` summed over the batch — YNNPACK's — where ``fit``
    sums ``(32, 25)`` itself. Every model then drifted from its own ``fit`` by an ulp
    a step, which Adam amplified to 2e-3 in a validation loss after 100 epochs. When
    no tensor of one model's step reaches the threshold, the group's program keeps
    YNNPACK to the individual dots, as ``fit``'s program uses it, and the search's
    models equal their ``fit`` bit for bit (other models can still differ in a last
    bit where XLA fuses elementwise math differently); when all of them reach it, the
    default already matches.
    """
    if jax.default_backend() != "cpu":
        return None
    options = {"xla_backend_optimization_level": 1}
    if _largest_tensor(template, batch_size) >= YNN_REDUCE_MIN_ELEMENTS:
        return options
    for option, value in (("xla_cpu_use_fusion_emitters", False),
                          ("xla_cpu_experimental_ynn_fusion_type", YNN_DOTS_ONLY)):
        if _known(option):
            options[option] = value
    return options


# Measured on jaxlib 0.10.2: XLA:CPU gives a reduction to YNNPACK from 4,096 input
# elements on (a (4095,) sum stays XLA's, a (4096,) or (32, 128) one does not).
YNN_REDUCE_MIN_ELEMENTS = 4096
YNN_DOTS_ONLY = "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"
_PROBE_VALUES = {"xla_cpu_use_fusion_emitters": False,
                 "xla_cpu_experimental_ynn_fusion_type": YNN_DOTS_ONLY}


def _largest_tensor(template, batch_size):
    """The most elements of one model's weights and of its layers' outputs for a batch;
    unknown output shapes (a subclassed model's layers) count as large."""
    sizes = [int(np.prod(w.shape)) for w in template.weights]
    for layer in template._flatten_layers()[1:]:
        try:
            shapes = jax.tree_util.tree_leaves(
                layer.output.shape, is_leaf=lambda s: isinstance(s, tuple))
        except (AttributeError, ValueError):
            return YNN_REDUCE_MIN_ELEMENTS
        for shape in shapes:
            dims = [batch_size if d is None else d for d in shape]
            sizes.append(int(np.prod(dims)))
    return max(sizes, default=0)


@functools.cache
def _known(option):
    """Whether this XLA knows the option (both are recent; older ones refuse them)."""
    options = {option: _PROBE_VALUES[option]}
    try:
        jax.jit(lambda a: a + 1, compiler_options=options).lower(np.float32(0)).compile()
    except Exception:  # noqa: BLE001 - "No such compile option", whatever it is called
        return False
    return True


__all__ = []  # internal to kerasish.many
