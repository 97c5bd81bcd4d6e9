"""``fit_many``'s structural groups: which models can share one compiled program.

A model's *structure key* (layer types and configs without names, initializers and
L1/L2 factors; weight shapes, dtypes and trainable flags; loss, metric and optimizer
configs without the learning rate) and, inside a key, its training forward pass as a
jaxpr decide its group. What the key leaves out is data in the group's stacked state:
initial weights, learning rates, L1/L2 factors, loss weights and the rates of
``Dropout`` layers strictly between 0 and 1 (:mod:`kerasish.many_programs`).
"""

import json
import numbers

import jax
import numpy as np

from kerasish import regularizers
from kerasish.layers.base import make_apply
from kerasish.many_programs import TracedRate, rates_as, data_rate_layers, rate_is_data
from kerasish.models import host as host_module



def _json(value):
    return json.dumps(value, sort_keys=True, default=repr)


def _config_key(obj, drop=("name",)):
    try:
        config = obj.get_config()
    except Exception:  # no (working) get_config: only the object itself is itself
        return ("object", id(obj))
    if not isinstance(config, dict):
        return ("object", id(obj))
    config = {k: v for k, v in config.items() if k not in drop}
    return (type(obj).__module__, type(obj).__qualname__, _json(config))


def _spec_key(spec):
    """A compile() spec (strings, objects, lists, dicts of them) as a hashable key."""
    if spec is None or isinstance(spec, (str, numbers.Number)):
        return spec
    if isinstance(spec, (list, tuple)):
        return tuple(_spec_key(s) for s in spec)
    if isinstance(spec, dict):
        return tuple(sorted((k, _spec_key(v)) for k, v in spec.items()))
    return _config_key(spec, drop=())


def _layer_key(layer):
    # Names differ between models; initial values are data; L1/L2 factors are data
    # (other regularizers are keyed per weight below).
    try:
        config = layer.get_config()
    except Exception:
        config = {}
    if layer._layers:  # a container: its sub-layers are keyed themselves
        config = {}
    config = {k: v for k, v in config.items() if k != "name"
              and not k.endswith("_initializer")
              and not (k.endswith("_regularizer") and k != "activity_regularizer")}
    if rate_is_data(layer):  # a dropout rate in (0, 1) is data: keyed as such
        config["rate"] = "data"
    return (type(layer).__module__, type(layer).__qualname__, _json(config))


def _optimizer_key(optimizer):
    try:
        config = dict(optimizer.get_config())
    except Exception:
        return ("object", id(optimizer))
    config.pop("name", None)
    schedule = getattr(optimizer, "_schedule", None)
    config["learning_rate"] = None if schedule is None else ("schedule", id(schedule))
    config["exclude"] = (sorted(getattr(optimizer, "_exclude_paths", ()) or ()),
                         getattr(getattr(optimizer, "_exclude_pattern", None), "pattern", None))
    return (type(optimizer).__module__, type(optimizer).__qualname__, _json(config))


def _rule(regularizer):
    """A weight's regularizer as ("factors", l1, l2) (data) or ("static", key)."""
    if regularizer is None:
        return ("factors", 0.0, 0.0)
    kind = type(regularizer)
    if kind is regularizers.L1:
        return ("factors", regularizer.l1, 0.0)
    if kind is regularizers.L2:
        return ("factors", 0.0, regularizer.l2)
    if kind is regularizers.L1L2:
        return ("factors", regularizer.l1, regularizer.l2)
    return ("static", _config_key(regularizer, drop=()))


def _structure_key(model):
    trainable, non_trainable = model._variables_split()
    variables = tuple((tuple(v.shape), str(v.dtype), t) for vs, t in
                      ((trainable, True), (non_trainable, False)) for v in vs)
    regs = tuple(r if r[0] == "static" else "factors"
                 for r in (_rule(v.regularizer) for v in trainable))
    return (
        type(model).__module__, type(model).__qualname__, model.dtype,
        tuple(_layer_key(layer) for layer in model._flatten_layers()[1:]),
        variables, regs,
        tuple(tuple(s) for s in model._input_shapes()),
        tuple(tuple(s) for s in model._output_shapes()), tuple(model._output_names()),
        tuple(_config_key(fn) if fn is not None else None for fn in model.compiled_losses()),
        _spec_key(model._metric_ids), _spec_key(model._weighted_ids),
        _optimizer_key(model.optimizer),
    )


def _forward_signature(model):
    """The training forward pass as a jaxpr (text and constants), traced abstractly.

    Two models with equal signatures compute the same function of (weights, inputs,
    key): Python constants in a layer's ``call`` (a dropout rate, a user's attribute)
    show up here even when no config mentions them. Also tells whether the forward
    adds losses (``add_loss``), which fit_many does not support.
    """
    trainable, non_trainable = model._variables_split()
    t_keys = [(v._owner.name, v.name) for v in trainable]
    n_keys = [(v._owner.name, v.name) for v in non_trainable]
    apply = make_apply(model, with_aux=True)

    def fn(t_values, n_values, x, rng, row_mask):
        y, new_state, aux = apply(_tree(t_keys, t_values), _tree(n_keys, n_values), x,
                                  True, rng, row_mask)
        return y, [new_state[a][b] for a, b in n_keys], aux["losses"], aux["mask"]

    x, _, _ = host_module._example_batch(model, None, False)
    # Data dropout rates traced as one shared stand-in, so they do not split groups.
    layers = data_rate_layers(model)
    with rates_as(layers, [TracedRate(np.float32(0.5))] * len(layers)):
        closed, out = jax.make_jaxpr(fn, return_shape=True)(
            [v.value for v in trainable], [v.value for v in non_trainable], x,
            jax.random.key(0), jax.ShapeDtypeStruct((2,), "float32"))
    consts = [np.asarray(jax.random.key_data(c) if jax.dtypes.issubdtype(
        getattr(c, "dtype", None), jax.dtypes.prng_key) else c) for c in closed.consts]
    return str(closed.jaxpr), consts, bool(out[2])


def _same_signature(a, b):
    return a[0] == b[0] and len(a[1]) == len(b[1]) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
        for x, y in zip(a[1], b[1]))


def _group(runs):
    """Runs -> lists of runs that can share one program, in order of first appearance."""
    buckets = {}
    for run in runs:
        signature = _forward_signature(run.model)
        if signature[2]:
            raise ValueError(
                f"fit_many cannot train model {run.model.name!r} (hp={run.point!r}): its "
                "layers add losses in call() (add_loss or activity_regularizer). Train it "
                "with model.fit.")
        subgroups = buckets.setdefault(_structure_key(run.model), [])
        for sub in subgroups:
            if _same_signature(sub[0], signature):
                sub[1].append(run)
                break
        else:
            subgroups.append((signature, [run]))
    found = [members for subgroups in buckets.values() for _, members in subgroups]
    return sorted(found, key=lambda members: runs.index(members[0]))


def _tree(keys, values):
    tree = {}
    for (layer, weight), value in zip(keys, values):
        tree.setdefault(layer, {})[weight] = value
    return tree


__all__ = []  # internal to kerasish.many
