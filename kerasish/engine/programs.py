"""From a compiled model's configuration to its :class:`~kerasish.engine.steps.Pieces`.

``compile()`` stores what the user asked for (loss per output, loss weights, metrics,
weighted metrics); the first ``fit``/``evaluate`` knows the targets' shapes. This module
turns both into the static pieces of the compiled programs: one ``LossTerm`` per output,
the resolved metrics with Keras's log names, the regularisation penalty.
"""

import jax
import jax.numpy as jnp

from kerasish import metrics as metrics_module
from kerasish.engine import steps


def loss_terms(loss_fns, loss_weights):
    """One ``LossTerm`` (or None) per output."""
    return tuple(
        None if fn is None else steps.LossTerm(
            values=fn.call,
            mask=fn.compute_mask if getattr(fn, "ignore_class", None) is not None else None,
            weight=float(1.0 if w is None else w),
            sum_reduction=getattr(fn, "reduction", None) == "sum",
            rows=getattr(fn, "_call_on_rows", None),
            name=getattr(fn, "name", None) or getattr(fn, "__name__", "loss"))
        for fn, w in zip(loss_fns, loss_weights))


def needs_real_rows(loss_fns, output_shapes):
    """Whether a compiled loss gives one value per batch and cannot leave padded rows
    out itself (no ``_call_on_rows``, e.g. a user's function returning a mean): such a
    model needs exact batches (a short last batch run at its own size, as in Keras).

    Found by an abstract evaluation of each loss on a two-row batch shaped like its
    output (no FLOPs). A loss that cannot be evaluated that way (labels of another
    shape) is left to the step's own check (``steps._refuse_partial_steps``).
    """
    for fn, shape in zip(loss_fns, output_shapes):
        if fn is None or hasattr(fn, "_call_on_rows"):
            continue
        spec = jax.ShapeDtypeStruct((2,) + tuple(1 if d is None else d for d in shape[1:]),
                                    jnp.float32)
        try:
            out = jax.eval_shape(fn.call, spec, spec)
        except Exception:  # noqa: BLE001  (labels not shaped like the output)
            continue
        if out.ndim == 0 or out.shape[0] != 2:
            return True
    return False


def metric_terms(output_names, per_output_ids, per_output_weighted, y_shapes, out_shapes):
    """Resolved metrics and their log names, as Keras 3 names them.

    Several outputs prefix the output's name; a name already taken by an unweighted
    metric gets ``weighted_``; remaining clashes get ``_1``, ``_2`` (Keras's rule).
    """
    multi = len(output_names) > 1
    terms, names = [], []
    for per_output, weighted in ((per_output_ids, False), (per_output_weighted, True)):
        for i, output_ids in enumerate(per_output):
            if not isinstance(output_ids, (list, tuple)):
                output_ids = [output_ids]
            for m in output_ids:
                y_spec = (None,) + tuple(y_shapes[i][1:]) if y_shapes else out_shapes[i]
                metric = metrics_module.resolve(m, y_spec, out_shapes[i])
                terms.append(steps.MetricTerm(metric, i, weighted))
                name = f"{output_names[i]}_{metric.name}" if multi else metric.name
                if weighted and name in names:
                    name = f"weighted_{name}"
                base, k = name, 0
                while name in names:  # Keras: binary_accuracy, binary_accuracy_1
                    k += 1
                    name = f"{base}_{k}"
                names.append(name)
    return tuple(terms), names


def penalty_fn(trainable_variables):
    """``params -> sum of the weights' regularisation penalties``."""
    regs = [(v._owner.name, v.name, v.regularizer) for v in trainable_variables
            if v.regularizer]

    def penalty(params):
        total = jnp.zeros((), jnp.float32)
        for layer_name, weight_name, reg in regs:
            total = total + reg(params[layer_name][weight_name])
        return total

    return penalty


def constrain_fn(trainable_variables):
    """``params -> params`` with each weight's constraint applied, or None if none has."""
    constrained = [(v._owner.name, v.name, v.constraint) for v in trainable_variables
                   if getattr(v, "constraint", None) is not None]
    if not constrained:
        return None

    def constrain(params):
        params = {layer: dict(weights) for layer, weights in params.items()}
        for layer_name, weight_name, constraint in constrained:
            params[layer_name][weight_name] = constraint(params[layer_name][weight_name])
        return params

    return constrain


def batch_sharder(dist):
    """Constrain a batch pytree to the distribution's batch sharding (data parallel)."""
    from kerasish import distribution as distribution_module

    def shard(tree):
        return jax.tree_util.tree_map(
            lambda a: jax.lax.with_sharding_constraint(
                a, distribution_module.batch_sharding(dist, a.ndim)), tree)

    return shard
