"""A functional model's graph as Keras numbers it: its layer order and its nodes.

Keras saves a functional model's layers in a specific order, and names their weight
groups after it (``layers/dense``, ``layers/dense_1``, ...). The order is: walk the
graph depth-first from the outputs (dict outputs by sorted key), noting the first
visit of each layer; give every call (node) a depth, the longest path to an output;
a layer takes its deepest node; sort layers by decreasing depth, ties by first visit.

>>> import kerasish
>>> from kerasish import layers
>>> a, b = kerasish.Input((4,), name="a"), kerasish.Input((3,), name="b")
>>> h = layers.Concatenate(name="cat")([layers.Dense(5, name="d5")(a), b])
>>> model = kerasish.Model([a, b], layers.Dense(1, name="out")(h))
>>> [layer.name for layer in layer_order(model)]
['a', 'd5', 'b', 'cat', 'out']
"""

from kerasish.functional import node_outputs  # noqa: F401 - also for serialization
from kerasish.layers.base import KerasTensor
from kerasish.ops import node as _node
from kerasish.ops.node import Operation


def flatten(struct):
    """Tensors of a nested structure in Keras's order (dicts by sorted key)."""
    if isinstance(struct, KerasTensor):
        return [struct]
    if isinstance(struct, dict):
        return [t for key in sorted(struct) for t in flatten(struct[key])]
    if isinstance(struct, (list, tuple)):
        return [t for item in struct for t in flatten(item)]
    return []


def layer_order(model, operations=False):
    """The layers of functional ``model`` (its InputLayers included) in Keras's order;
    with ``operations=True`` its op nodes too (``ops.mean(x)``, ``x + y``), as a
    config lists them (a weights file has no entry for them: they hold no weights)."""
    first_visit, layers, post_order, done = {}, {}, [], set()

    def visit(tensor):
        if id(tensor) in done:
            return
        layer, args = tensor._keras_history
        layers[id(layer)] = layer
        first_visit.setdefault(id(layer), len(first_visit))
        for parent in flatten(args) if args is not None else ():
            visit(parent)
        done.add(id(tensor))
        post_order.append(tensor)

    for output in flatten(model._outputs_struct):
        visit(output)
    node_depth, layer_depth = {}, {}
    for tensor in reversed(post_order):
        layer, args = tensor._keras_history
        depth = max(node_depth.setdefault(id(tensor), 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[id(tensor)] = depth
        for parent in flatten(args) if args is not None else ():
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in model.inputs:  # an input no output depends on
        layer = tensor._keras_history[0]
        if id(layer) not in layer_depth:
            layers[id(layer)], layer_depth[id(layer)], first_visit[id(layer)] = layer, 0, -1
    order = sorted(layers.values(), key=lambda la: (-layer_depth[id(la)], first_visit[id(la)]))
    return order if operations else [la for la in order if not isinstance(la, Operation)]


def nodes(model):
    """{id(layer): [(args, kwargs) per call]} and {id(tensor): [layer name, node
    index, tensor index]}: each call of a layer in ``model`` is one numbered node, with the
    arguments it was called with (``Endpoint()(targets, logits)``: two positional
    tensors), as Keras's inbound nodes record them."""
    calls, refs = {}, {}
    for tensor in model.inputs:
        refs[id(tensor)] = [tensor._keras_history[0].name, 0, 0]
    for layer, inputs, out in model._nodes:
        own = calls.setdefault(id(layer), [])
        for i, tensor in enumerate(node_outputs(out)):  # `LSTM(return_state=True)`: 3
            refs[id(tensor)] = [layer.name, len(own), i]
        out = node_outputs(out)[0]
        args, kwargs = out._keras_call or ((inputs,), {})
        own.append((tuple(args), dict(kwargs)))
    return calls, refs


def _is_op(entry):
    return isinstance(entry, dict) and str(entry.get("module") or "").startswith(
        ("keras.src.ops.", "keras.ops"))


def ops_to_replay(config):
    """Names of the op nodes of a saved functional ``config`` that the model's outputs
    depend on through call arguments. Those are rebuilt as op nodes; the ones that
    only feed the ``mask=`` keywords Keras records are not (the replay recomputes
    masks itself)."""
    entries = {e.get("name"): e for e in config.get("layers") or [] if isinstance(e, dict)}
    needed, stack = set(), _refs(config.get("output_layers"))
    while stack:
        name = stack.pop()
        if name in needed or name not in entries:
            continue
        needed.add(name)
        for call in entries[name].get("inbound_nodes") or []:
            if not isinstance(call, dict):
                continue
            kwargs = {k: v for k, v in (call.get("kwargs") or {}).items()
                      if k != "mask" and not k.endswith("_mask")}
            stack += _refs(call.get("args")) + _refs(kwargs)
    return {name for name in needed if _is_op(entries[name])}


def _refs(value):
    """Layer names referred to by the tensors (and tensor references) in ``value``."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            return [history[0]] if isinstance(history, list) and history else []
        return [n for v in value.values() for n in _refs(v)]
    if isinstance(value, list):
        if len(value) == 3 and isinstance(value[0], str) and isinstance(value[1], int):
            return [value[0]]
        return [n for v in value for n in _refs(v)]
    return []


def operation(entry, where):
    """The op node of a saved Keras op entry (``keras.src.ops.numpy`` ``Mean``)."""
    op = _node.from_config(entry)
    if op is None:
        raise ValueError(
            f"{where}: the model uses the Keras op {entry.get('module')}."
            f"{entry.get('class_name')}, which kerasish does not implement.")
    return op
