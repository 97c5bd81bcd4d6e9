"""What every op shares: Keras's signature, Variables read as their value, and the
symbolic path (an op called on a ``KerasTensor`` becomes a node of a functional graph).

``keras_op("numpy")`` wraps a plain function written over jax arrays; ``thin`` makes
the op from a signature and a jax function when nothing but the names differ.

>>> import numpy as np
>>> from kerasish.ops import numpy as knp
>>> float(knp.mean(np.array([1.0, 2.0, 6.0])))
3.0
"""

import functools
import inspect

from kerasish.ops._registry import REGISTRY, is_symbolic, unwrap  # noqa: F401

_PUBLIC = {"numpy": "kerasish.ops.numpy", "nn": "kerasish.ops.nn",
           "linalg": "kerasish.ops.linalg", "core": "kerasish.ops.core",
           "math": "kerasish.ops", "einops": "kerasish.ops"}


def keras_op(module, name=None, symbolic=True):
    """Make ``fn`` the public op ``name`` of ``kerasish.ops.<module>``: keep its
    signature, read Variables, and record a graph node when given KerasTensors
    (``symbolic=False``: ops that look at the symbolic tensor itself, e.g. ``shape``)."""

    def decorate(fn):
        op_name = name or fn.__name__
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def op(*args, **kwargs):
            if symbolic and (is_symbolic(args) or is_symbolic(kwargs)):
                from kerasish.ops import node  # imports layers: only on the symbolic path

                return node.symbolic_call(op_name, signature, args, kwargs)
            return fn(*unwrap(args), **unwrap(kwargs))

        op.__module__ = _PUBLIC[module]
        op.__name__ = op.__qualname__ = op_name
        op._impl = fn
        REGISTRY[op_name] = op
        return op

    return decorate


def _signature(text):
    scope = {}
    exec(f"def f{text}: pass", scope)  # noqa: S102 - a literal signature of this package
    return inspect.signature(scope["f"])


def thin(namespace, module, name, signature, impl, doc):
    """Define op ``name`` in ``namespace`` (a module's globals) with Keras's
    ``signature`` (text, as ``"(x, axis=None)"``): ``impl`` receives every argument,
    defaults filled in, positionally in that order."""
    sig = _signature(signature)

    def fn(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return impl(*bound.args, **bound.kwargs)

    fn.__signature__ = sig
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = namespace["__name__"]
    op = keras_op(module, name)(fn)
    op.__signature__ = sig
    namespace[name] = op
    return op


def doctests(namespace):
    """``__test__`` for a module of ops: their docstring examples, which doctest would
    not find on its own (the public function is a wrapper made here)."""
    return {name: fn._impl for name, fn in namespace.items()
            if getattr(fn, "_impl", None) is not None and ">>>" in (fn.__doc__ or "")
            and getattr(fn._impl, "__globals__", None) is namespace}
