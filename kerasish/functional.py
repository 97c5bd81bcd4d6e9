"""The functional API: ``kerasish.Model(inputs, outputs)`` over a graph of layer calls.

Calling a layer on symbolic tensors (``kerasish.Input``) records the call in the output
tensor's history. ``Functional`` walks that history back from the outputs once, in
topological order, and ``call`` replays it on real arrays. The replay is ordinary layer
code, so the engine traces it like any other model: one jitted program per phase.
A call records all its arguments (``Endpoint()(targets, logits, sample_weights=w)``)
and is replayed with them; masks flow along the replay as they do in Keras.

>>> import numpy as np, kerasish
>>> from kerasish import layers
>>> a = kerasish.Input(shape=(4,), name="a")
>>> b = kerasish.Input(shape=(3,), name="b")
>>> h = layers.Dense(5, activation="relu")(layers.Concatenate()([a, b]))
>>> model = kerasish.Model([a, b], [layers.Dense(1, name="out1")(h),
...                                 layers.Dense(3, name="out2")(h)])
>>> [o.shape for o in model.predict([np.ones((2, 4)), np.ones((2, 3))], verbose=0)]
[(2, 1), (2, 3)]
"""

import jax
import numpy as np

from kerasish.layers.base import KerasTensor, flatten_outputs, set_keras_mask
from kerasish.layers.core import InputLayer
from kerasish.models import host_inputs
from kerasish.models.model import FUNCTIONAL, Model
from kerasish.ops.node import Operation


def _flatten(struct):
    if isinstance(struct, dict):
        return list(struct.values())
    if isinstance(struct, (list, tuple)):
        return list(struct)
    return [struct]


def _tensors_in(struct):
    return [t for t in jax.tree_util.tree_leaves(
        struct, is_leaf=lambda t: isinstance(t, KerasTensor)) if isinstance(t, KerasTensor)]


class Functional(Model):
    """A model defined by its input and output tensors (``kerasish.Model(inputs, outputs)``)."""

    _autocast_inputs = False  # ``call`` casts each input to its Input's dtype (Keras)

    def __init__(self, inputs, outputs, name=None, trainable=True):
        Model.__init__(self, name=name or _functional_name(), trainable=trainable)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = _flatten(inputs)
        self.outputs = _flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    "Model(inputs, outputs) expects symbolic tensors: inputs from "
                    "kerasish.Input(...) and outputs from layers called on them. Received "
                    f"{type(t).__name__}."
                )
        self._nodes = self._trace()
        layers = _keras_layer_order(self.inputs, self.outputs)
        # Op nodes (`ops.mean(x)`, `x + y`) are in the graph but, as in Keras, not layers.
        self._all_layers = [la for la in layers if not isinstance(la, Operation)]
        for layer in self._all_layers:
            if not isinstance(layer, InputLayer):
                self._layers.append(layer)
        names = [la.name for la in layers]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"The name(s) {duplicates} are used by more than one layer in model "
                f"{self.name!r}. All layer names should be unique."
            )
        from kerasish.layers.base import _bump

        _bump()
        self._input_shape = tuple(self.inputs[0].shape) if len(self.inputs) == 1 \
            else [tuple(t.shape) for t in self.inputs]
        self.built = True

    def _trace(self):
        """(layer, input structure, output structure) for every call, inputs first: the
        output structure is the tensor the call made, or the list/tuple/dict of them
        for a call with several outputs (``node_outputs`` flattens it)."""
        inputs = {id(t) for t in self.inputs}
        order, done = [], set()

        def visit(tensor, path):
            if tensor._keras_node_outputs is not None and id(tensor) not in inputs:
                tensor = tensor._keras_node_outputs  # the call, visited once
            if id(tensor) in done or id(tensor) in inputs:
                return
            history = node_outputs(tensor)[0]._keras_history
            if history is None or history[1] is None:
                raise ValueError(
                    f"Output tensor {node_outputs(tensor)[0].name!r} does not depend on the model's inputs "
                    "only: it reaches an Input that is not in `inputs`. Pass every Input "
                    "the outputs use to Model(inputs=...)."
                )
            if id(tensor) in path:
                raise ValueError("The layer graph has a cycle.")
            layer, layer_inputs = history
            for t in _tensors_in(layer_inputs):
                visit(t, path | {id(tensor)})
            done.add(id(tensor))
            order.append((layer, layer_inputs, tensor))

        for out in self.outputs:
            visit(out, frozenset())
        return order

    # -- Model's hooks ---------------------------------------------------------------
    @property
    def layers(self):
        return list(self._all_layers)

    def _input_names(self):
        return [t._keras_history[0].name for t in self.inputs] if len(self.inputs) > 1 \
            else [None]

    def _output_names(self):
        if len(self.outputs) == 1:
            return [None]
        return self.output_names

    @property
    def output_names(self):
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t._keras_history[0].name for t in self.outputs]

    def _output_shapes(self):
        return [tuple(t.shape) for t in self.outputs]

    def _output_shape(self):
        return tuple(self.outputs[0].shape)

    @property
    def input_shape(self):
        return self._input_shape

    @property
    def output_shape(self):
        shapes = self._output_shapes()
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    def build(self, input_shape=None):
        return  # built at construction

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, dict):
            names = [t._keras_history[0].name for t in self.inputs]
            inputs = [inputs[n] for n in names]
        values = {}
        flat = _flatten(inputs)
        masks = _flatten(mask) if mask is not None else [None] * len(flat)
        for t, v, m in zip(self.inputs, flat, masks):
            # Keras converts each input to its Input's dtype (floats only here), not to
            # the model's compute dtype: layers cast to their own.
            v = host_inputs.to_input_dtype(v, t.dtype)
            if m is not None:
                set_keras_mask(v, m)  # Keras: `mask=` marks the inputs
            values[id(t)] = v

        def fill(struct):
            return jax.tree_util.tree_map(
                lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, struct,
                is_leaf=lambda t: isinstance(t, KerasTensor))

        skip = set()
        for t, v in zip(self.inputs, flat):
            chain = self._host_chains().get(id(t))
            if chain is not None and not host_inputs.holds_strings(v):
                # The host layers' output (the compiled step's input): start after them.
                skip |= chain[0]
                values[id(chain[1])] = v
        for layer, layer_inputs, out in self._nodes:
            if id(out) in skip:
                continue
            args, kwargs = node_outputs(out)[0]._keras_call or ((layer_inputs,), {})
            kwargs = fill(kwargs)
            # Keras: the model's `training`, when given, wins over one fixed at build.
            if training is not None or "training" not in kwargs:
                kwargs["training"] = training
            result = layer(*fill(args), **kwargs)
            tensors = node_outputs(out)
            if len(tensors) == 1:
                values[id(tensors[0])] = result
            else:
                for t, v in zip(tensors, node_outputs(result), strict=True):
                    values[id(t)] = v
        outs = [values[id(t)] for t in self.outputs]
        if isinstance(self._outputs_struct, dict):
            return dict(zip(self._outputs_struct, outs))
        return outs if isinstance(self._outputs_struct, (list, tuple)) else outs[0]

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def _pack_inputs(self, xs):
        return list(xs) if len(self.inputs) > 1 else xs[0]

    # -- text layers at the front run on the host (kerasish.models.host_inputs) ---------
    def _host_chains(self):
        if getattr(self, "_host_chain_cache", None) is None:
            self._host_chain_cache = host_inputs.functional_chains(self.inputs, self._nodes)
        return self._host_chain_cache

    def _host_layers(self):
        host_ids = set().union(*(ids for ids, _ in self._host_chains().values()))
        return [layer for layer, _, out in self._nodes if id(out) in host_ids]

    def _run_host_layers(self, x):
        chains = self._host_chains()
        if isinstance(x, dict):
            x = [x[t._keras_history[0].name] for t in self.inputs]
        xs = list(x) if len(self.inputs) > 1 else [x]
        out = []
        for t, value in zip(self.inputs, xs):
            if id(t) not in chains or not host_inputs.holds_strings(value):
                out.append(value)
                continue
            ids, end = chains[id(t)]
            values = {id(t): value}
            for layer, layer_inputs, node_out in self._nodes:
                if id(node_out) in ids:
                    args, kwargs = node_out._keras_call or ((layer_inputs,), {})
                    filled = jax.tree_util.tree_map(
                        lambda a, seen=values: seen[id(a)] if isinstance(a, KerasTensor)
                        else a, (args, kwargs), is_leaf=lambda a: isinstance(a, KerasTensor))
                    values[id(node_out)] = layer(*filled[0], **filled[1])
            out.append(np.asarray(values[id(end)]))
        return self._pack_inputs(out)

    def _layers_reading_input(self):
        if len(self.inputs) != 1:
            return []
        chain = self._host_chains().get(id(self.inputs[0]))
        source = chain[1] if chain is not None else self.inputs[0]
        return [layer for layer, ins, _ in self._nodes
                if [id(t) for t in _tensors_in(ins)] == [id(source)]]

    def _input_shapes(self):
        chains = self._host_chains()
        return [tuple(chains[id(t)][1].shape) if id(t) in chains else tuple(t.shape)
                for t in self.inputs]

    def get_config(self):
        """Keras's functional config: layers with their inbound nodes, and the
        input/output tensor references (written by ``kerasish.saving``)."""
        serialization = _serialization()

        return serialization._functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        serialization = _serialization()

        return serialization._functional_from_config_method(cls, config, custom_objects)


def node_outputs(out):
    """The leaves of a call's output structure, in Keras's order (lists in order,
    dicts by sorted key): the KerasTensors of a recorded call, or the arrays its
    replay returned."""
    return flatten_outputs(out)


def layer_calls(model):
    """``[(layer, input tensors, output tensor)]`` of a functional model's graph, in
    the order the model replays them (inputs first): what summaries and diagrams draw.

    >>> import kerasish
    >>> x = kerasish.Input((3,))
    >>> model = kerasish.Model(x, kerasish.layers.Dense(2, name="d")(x))
    >>> [(layer.name, out.shape) for layer, _, out in layer_calls(model)]
    [('d', (None, 2))]
    """
    return [(layer, _tensors_in(inputs), t) for layer, inputs, out in model._nodes
            for t in node_outputs(out)]


def _keras_layer_order(inputs, outputs):
    """The model's layers in Keras's order, which legacy ``.h5`` weight files (Keras's
    published application weights among them) and ``get_weights()`` follow: by depth
    (the longest path to an output), deepest first; within a depth, in the order a
    depth-first walk from the outputs first meets them."""
    index, node_order, done = {}, [], set()
    parents = {}  # node -> the nodes that made its input tensors
    input_ids = {id(t) for t in inputs}

    def node_of(tensor):
        layer, layer_inputs = tensor._keras_history
        return (id(layer), id(layer_inputs)), layer, layer_inputs

    def visit(tensor):
        key, layer, layer_inputs = node_of(tensor)
        if key in done:
            return
        index.setdefault(id(layer), (len(index), layer))
        is_input = layer_inputs is None or id(tensor) in input_ids
        parents[key] = [] if is_input else [node_of(t)[0] for t in _tensors_in(layer_inputs)]
        if not is_input:
            for t in _tensors_in(layer_inputs):
                visit(t)
        done.add(key)
        node_order.append((key, layer))

    for out in outputs:
        visit(out)
    node_depth, layer_depth = {}, {}
    for key, layer in reversed(node_order):  # outputs first
        depth = max(node_depth.get(key, 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[key] = depth
        for parent in parents[key]:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:  # an input no output uses is still the model's
        layer = t._keras_history[0]
        if id(layer) not in index:
            index[id(layer)], layer_depth[id(layer)] = (-1, layer), 0
    ordered = sorted(index.values(), key=lambda v: (-layer_depth[id(v[1])], v[0]))
    return [layer for _, layer in ordered]


def _functional_name():
    from kerasish.utils.naming import uniquify

    return uniquify("functional")


FUNCTIONAL.append(Functional)  # Model(inputs, outputs) builds this class


def _serialization():
    # Loaded as a plugin on first use: saving imports this module's classes (and h5py).
    import importlib

    return importlib.import_module("kerasish.saving.serialization")
