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

from kerasish.layers.base import KerasTensor


def flatten(struct):
    """Tensors of a nested structure in Keras's order (dicts by sorted key)."""
    if isinstance(struct, KerasTensor):
        return [struct]
    if isinstance(struct, dict):
        return [t for key in sorted(struct) for t in flatten(struct[key])]
    if isinstance(struct, (list, tuple)):
        return [t for item in struct for t in flatten(item)]
    return []


def layer_order(model):
    """The layers of functional ``model`` (its InputLayers included) in Keras's order."""
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
    return sorted(layers.values(), key=lambda la: (-layer_depth[id(la)], first_visit[id(la)]))


def nodes(model):
    """{id(layer): [(args, kwargs) per call]} and {id(tensor): [layer name, node
    index, 0]}: each call of a layer in ``model`` is one numbered node, with the
    arguments it was called with (``Endpoint()(targets, logits)``: two positional
    tensors), as Keras's inbound nodes record them."""
    calls, refs = {}, {}
    for tensor in model.inputs:
        refs[id(tensor)] = [tensor._keras_history[0].name, 0, 0]
    for layer, inputs, out in model._nodes:
        own = calls.setdefault(id(layer), [])
        refs[id(out)] = [layer.name, len(own), 0]
        args, kwargs = out._keras_call or ((inputs,), {})
        own.append((tuple(args), dict(kwargs)))
    return calls, refs
