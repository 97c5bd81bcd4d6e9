"""Ops on symbolic tensors: ``ops.mean(kerasish.Input((4, 3)), axis=1)`` is a node.

An op called on ``KerasTensor``s returns a ``KerasTensor`` whose history is an
``Operation`` (a weightless layer holding the op's name and its non-tensor arguments),
so that ``kerasish.Model(inputs, outputs)`` replays it like any layer call. Output
shapes and dtypes come from ``jax.eval_shape``: unknown dimensions (``None``) are
traced at two stand-in sizes, and the output dimensions that follow them stay ``None``.
In a saved config the node is written as Keras 3 writes its own op nodes
(``keras.src.ops.numpy`` ``Mean`` with ``{"axis": 1, "keepdims": false}``).

>>> import numpy as np, kerasish
>>> from kerasish import ops
>>> x = kerasish.Input((4, 3))
>>> y = ops.mean(x, axis=1) * 2.0
>>> y.shape
(None, 3)
>>> model = kerasish.Model(x, y)
>>> model.predict(np.ones((2, 4, 3)), verbose=0).tolist()
[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
"""

import inspect

import jax
import numpy as np

from kerasish.layers.base import KerasTensor, Layer
from kerasish.ops._registry import REGISTRY, unwrap
from kerasish.ops._keras_nodes import BY_CLASS, NODES
from kerasish.utils.naming import uniquify

_STAND_INS = (5, 7)  # two sizes for unknown dimensions; what differs stays unknown


def _leaves(struct):
    if isinstance(struct, (list, tuple)):
        return [t for v in struct for t in _leaves(v)]
    if isinstance(struct, dict):
        return [t for v in struct.values() for t in _leaves(v)]
    return [struct]


def _call_names(op_name, signature, arguments):
    """The arguments Keras's node records (the op's ``call``), in order."""
    if op_name in NODES:
        return [n for n in NODES[op_name][2] if n in signature.parameters]
    return [n for n in signature.parameters
            if n in arguments and any(isinstance(t, KerasTensor) for t in _leaves(arguments[n]))]


class Operation(Layer):
    """One op call in a functional graph (Keras's ``Operation``): no weights; its
    config holds the op's non-tensor arguments (``axis``, ``keepdims`` ...).

    >>> import kerasish
    >>> from kerasish import ops
    >>> y = ops.sum(kerasish.Input((3,)), axis=-1, keepdims=True)
    >>> node = y._keras_history[0]
    >>> type(node).__name__, node.get_config()["axis"], y.shape
    ('Sum', -1, (None, 1))
    """

    _keras_module = "keras.src.ops.numpy"
    op_name = None

    def __init__(self, name=None, **config):
        Layer.__init__(self, name=name or uniquify(self.op_name))
        self._op_config = dict(config)
        self.built = True

    @property
    def signature(self):
        return inspect.signature(REGISTRY[self.op_name])

    def get_config(self):
        return {"name": self.name, **self._op_config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _arguments(self, values):
        """The op's arguments from the node's recorded ``values`` and the config."""
        names = _call_names(self.op_name, self.signature, {})
        if self.op_name not in NODES:
            names = self._tensor_names
        arguments, values = dict(self._op_config), list(values)
        for name in names:
            param = self.signature.parameters[name]
            if param.kind == param.VAR_POSITIONAL:
                arguments[name], values = tuple(values), []
            elif values:
                arguments[name] = values.pop(0)
        ordered = {n: arguments[n] for n in self.signature.parameters if n in arguments}
        return inspect.BoundArguments(self.signature, ordered)

    def __call__(self, *values, training=None, **kwargs):
        del training  # an op has no training mode; Functional passes one to every node
        bound = self._arguments(values)
        args, kw = list(bound.args), {**bound.kwargs, **kwargs}
        if any(isinstance(t, KerasTensor) for t in _leaves(values)):
            return self._symbolic(values, args, kw)
        return REGISTRY[self.op_name](*args, **kw)

    def call(self, *values):
        return self(*values)

    def _symbolic(self, values, args, kwargs):
        fn = REGISTRY[self.op_name]._impl
        outs = [_trace(fn, args, kwargs, size) for size in _STAND_INS]
        flat, tree = jax.tree_util.tree_flatten(outs[0])
        if tree.num_leaves != 1 or tree != jax.tree_util.tree_structure(0):
            raise NotImplementedError(
                f"ops.{self.op_name} on symbolic tensors returns {tree.num_leaves} tensors; "
                "a functional graph node of kerasish has one output. Wrap the op in a "
                "Layer subclass (its call may return several tensors), or index its "
                "result inside a layer.")
        other = jax.tree_util.tree_leaves(outs[1])[0]
        shape = tuple(a if a == b else None for a, b in zip(flat[0].shape, other.shape))
        out = KerasTensor(shape, dtype=flat[0].dtype, name=f"{self.name}_output")
        out._keras_history = (self, list(values))
        out._keras_call = (tuple(values), {})
        self._output_tensor = out
        return out


def _trace(fn, args, kwargs, size):
    def abstract(t):
        if isinstance(t, KerasTensor):
            shape = tuple(size if d is None else d for d in t.shape)
            return jax.ShapeDtypeStruct(shape, np.dtype(t.dtype))
        return t

    is_kt = lambda t: isinstance(t, KerasTensor)  # noqa: E731
    args = jax.tree_util.tree_map(abstract, list(args), is_leaf=is_kt)
    kwargs = jax.tree_util.tree_map(abstract, kwargs, is_leaf=is_kt)
    # Tensors are traced; everything else (axis, shapes, dtypes) stays static Python.
    leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
    where = [i for i, v in enumerate(leaves) if isinstance(v, jax.ShapeDtypeStruct)]

    def run(*tensors):
        filled = list(leaves)
        for i, t in zip(where, tensors):
            filled[i] = t
        a, k = jax.tree_util.tree_unflatten(tree, filled)
        return fn(*a, **k)

    return jax.eval_shape(run, *[leaves[i] for i in where])


_CLASSES = {}


def operation_class(op_name):
    """The ``Operation`` subclass of ``op_name``, named as Keras names its op class."""
    if op_name not in _CLASSES:
        module, class_name = NODES[op_name][:2] if op_name in NODES else (
            None, "".join(p.capitalize() for p in op_name.split("_")))
        _CLASSES[op_name] = type(class_name, (Operation,), {
            "op_name": op_name, "__module__": __name__,
            "_keras_module": f"keras.src.ops.{module}" if module else None,
            "__doc__": f"The graph node of ``ops.{op_name}``."})
    return _CLASSES[op_name]


def symbolic_call(op_name, signature, args, kwargs):
    """``ops.<op_name>(*args, **kwargs)`` with KerasTensors among the arguments."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = unwrap(dict(bound.arguments))
    names = _call_names(op_name, signature, arguments)
    values = []
    for name in names:
        param = signature.parameters[name]
        value = arguments.get(name)
        values.extend(value if param.kind == param.VAR_POSITIONAL else [value])
    config = {n: v for n, v in arguments.items() if n not in names}
    node = operation_class(op_name)(**config)
    node._tensor_names = names
    return node(*values)


def from_config(entry):
    """The ``Operation`` of a saved Keras op node (``{"module": "keras.src.ops.numpy",
    "class_name": "Mean", "config": {...}}``), or None when kerasish has no such op."""
    module = str(entry.get("module") or "").rsplit(".", 1)[-1]
    op_name = BY_CLASS.get((module, entry.get("class_name")))
    if op_name is None or op_name not in REGISTRY:
        return None
    config = dict(entry.get("config") or {})
    node = operation_class(op_name)(**config)
    node._tensor_names = list(NODES[op_name][2])
    return node

