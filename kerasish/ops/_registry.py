"""The registry of ops and what both the ops and their graph nodes need: reading
Variables, and telling symbolic tensors apart.

>>> from kerasish.ops._registry import REGISTRY
>>> REGISTRY["mean"].__module__
'kerasish.ops.numpy'
"""

from kerasish.variables import Variable

# name -> the public op function, for the graph's nodes and for loading saved graphs.
REGISTRY = {}


def unwrap(x):
    """Variables (also inside lists, tuples and dicts) as their current value."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: unwrap(v) for k, v in x.items()}
    return x


def is_symbolic(x):
    """True when ``x`` is (or holds) a KerasTensor, the symbolic tensors of a graph."""
    if hasattr(x, "_keras_history") and hasattr(x, "shape"):
        return True
    if isinstance(x, (list, tuple)):
        return any(is_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(is_symbolic(v) for v in x.values())
    return False
