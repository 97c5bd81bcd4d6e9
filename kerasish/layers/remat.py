"""Rematerialisation (gradient checkpointing), Keras's ``remat`` and ``RematScope``.

Instead of keeping a layer's intermediate values for the backward pass, the backward
pass recomputes them: less memory for more compute. ``remat(f)`` is ``jax.checkpoint``.
``RematScope(mode)`` marks the layers *created* inside it; when such a layer is later
called on concrete (or traced) arrays, its ``call`` runs rematerialised:

* ``"full"``: every such layer;
* ``"activations"``: only the ``activation`` of layers that have one (``Dense(...,
  activation="gelu")``: the matmul's output is kept, the activation recomputed);
* ``"larger_than"``: layers whose output has more than ``output_size_threshold``
  elements (unknown dimensions count as 1, as in Keras);
* ``"list_of_layers"``: the layers named in ``layer_names``;
* ``None``: none (inside an outer scope, switches it off).

The numbers do not change, only what the compiled step keeps in memory.

>>> import numpy as np, kerasish
>>> with kerasish.RematScope(mode="list_of_layers", layer_names=["big"]):
...     big, small = kerasish.layers.Dense(4, name="big"), kerasish.layers.Dense(4)
>>> big.remat_mode.mode, small.remat_mode.mode
('list_of_layers', 'list_of_layers')
>>> squared = kerasish.remat(lambda x: x ** 2)
>>> float(squared(np.float32(3.0)))
9.0
"""

import collections
import functools
import math
import threading

import jax

RematMode = collections.namedtuple("RematMode", ["mode", "output_size_threshold",
                                                 "layer_names"])
_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_local = threading.local()


def remat(f):
    """``f`` rematerialised: its intermediate values are recomputed in the backward
    pass instead of stored (``jax.checkpoint``).

    >>> import jax, jax.numpy as jnp
    >>> f = remat(lambda x: jnp.sin(x) * x)
    >>> round(float(jax.grad(f)(1.0)), 6)
    1.381773
    """
    return jax.checkpoint(f)


class RematScope:
    """A context in which the layers created get a rematerialisation mode (see the
    module's text for the modes).

    >>> import kerasish
    >>> with kerasish.RematScope(mode="larger_than", output_size_threshold=2048):
    ...     layer = kerasish.layers.Dense(8)
    >>> layer.remat_mode.output_size_threshold
    2048
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(f"RematScope: unknown mode {mode!r}. Expected one of 'full', "
                             "'activations', 'larger_than', 'list_of_layers', or None.")
        if mode == "larger_than" and not (isinstance(output_size_threshold, int)
                                          and output_size_threshold >= 0):
            raise ValueError("RematScope: `output_size_threshold` must be a non-negative "
                             f"int. Received: {output_size_threshold!r}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __repr__(self):
        return (f"RematScope(mode={self.mode!r}, output_size_threshold="
                f"{self.output_size_threshold!r}, layer_names={self.layer_names!r})")

    def __enter__(self):
        _stack().append(self)
        return self

    def __exit__(self, *exc):
        _stack().pop()
        return False


def _stack():
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


def current_remat_mode():
    """The innermost open ``RematScope``'s settings, or None (no scope, or mode None)."""
    scopes = _stack()
    if not scopes or scopes[-1].mode is None:
        return None
    top = scopes[-1]
    return RematMode(top.mode, top.output_size_threshold, list(top.layer_names))


def rematerialized(layer, call, args, kwargs):
    """``call`` (a layer's ``call``) as the layer's mode says it runs: a function of
    the positional arrays (keyword arguments are closed over)."""
    mode = layer.remat_mode
    plain = functools.partial(call, **kwargs)
    if mode.mode == "full" or (mode.mode == "list_of_layers"
                               and layer.name in mode.layer_names):
        return remat(plain)
    if mode.mode == "larger_than":
        shape = layer.compute_output_shape(_shapes(args[0]))
        shapes = jax.tree_util.tree_leaves(shape, is_leaf=lambda s: isinstance(s, tuple))
        size = sum(math.prod(d or 1 for d in s) for s in shapes)
        return remat(plain) if size > mode.output_size_threshold else plain
    if mode.mode == "activations" and getattr(layer, "activation", None) is not None:
        def with_remat_activation(*a):
            original = layer.activation
            layer.activation = remat(original)
            try:
                return plain(*a)
            finally:
                layer.activation = original
        return with_remat_activation
    return plain


def _shapes(x):
    if isinstance(x, (list, tuple)):
        return [tuple(i.shape) for i in x]
    return tuple(x.shape)


__all__ = ["RematScope", "remat"]
