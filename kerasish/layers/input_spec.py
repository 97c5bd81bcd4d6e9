"""``InputSpec``: what a layer accepts as its first argument, checked at every call.

A layer sets ``self.input_spec`` (one spec, or a list/dict of them, one per input) in
``__init__`` or ``build``; ``Layer.__call__`` then checks the first argument against it
before building or running the layer, so a wrong input fails with the layer's name and
both shapes instead of deep inside ``call``.

>>> import numpy as np, kerasish
>>> class Pairs(kerasish.layers.Layer):
...     def __init__(self, **kwargs):
...         super().__init__(**kwargs)
...         self.input_spec = kerasish.layers.InputSpec(ndim=3, axes={-1: 2})
...     def call(self, x):
...         return x[..., 0] * x[..., 1]
>>> Pairs()(np.ones((4, 5, 2))).shape
(4, 5)
>>> try:
...     Pairs(name="pairs")(np.ones((4, 5, 3)))
... except ValueError as e:
...     for part in str(e).split(": ", 1):
...         print(part)
Input 0 of layer 'pairs' does not match its InputSpec
expected axis -1 of size 2, received shape (4, 5, 3).
"""

import jax
import jax.numpy as jnp
import numpy as np


class InputSpec:
    """The rank, dtype and shape a layer accepts for one input (``None``: any).

    Args:
        dtype: the input's dtype.
        shape: the whole shape, batch axis included (``None`` entries match any size);
            sets ``ndim``.
        ndim, max_ndim, min_ndim: the rank, exactly or as bounds.
        axes: ``{axis: size}`` for single axes (negative axes count from the end).
        allow_last_axis_squeeze: accept one more trailing axis of size 1 (or one fewer
            when the spec's last axis is 1) against ``shape`` and ``ndim``.
        name: the key of this input when the layer is called with a dict.
        optional: the input may be ``None``.

    >>> spec = InputSpec(shape=(None, 28, 28, 1))
    >>> spec.ndim, spec
    (4, InputSpec(shape=(None, 28, 28, 1), ndim=4))
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else jnp.dtype(dtype).name
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = bool(optional)
        self.allow_last_axis_squeeze = bool(allow_last_axis_squeeze)
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (AttributeError, TypeError, ValueError):
            raise TypeError("InputSpec: `axes` must be a dict of integer axes to sizes, e.g. "
                            f"{{-1: 3}}. Received: axes={axes!r}") from None
        top = self.ndim if self.ndim is not None else self.max_ndim
        if self.axes and top is not None and max(self.axes) > top - 1:
            raise ValueError(f"InputSpec: axis {max(self.axes)} is out of range for inputs "
                             f"of rank {top} (largest axis: {top - 1}). Received: "
                             f"axes={axes!r}")

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes))
                 if v]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name, dtype_of=None):
    """Raise a ``ValueError`` naming the layer when ``inputs`` do not match
    ``input_spec`` (a spec, or a flat/nested structure of specs, one per input).
    ``dtype_of(x)`` gives the dtype the layer will see (after its own casting)."""
    specs = jax.tree_util.tree_leaves(input_spec, is_leaf=lambda s: isinstance(s, InputSpec))
    if not specs:
        return
    if isinstance(inputs, dict) and all(s.name for s in specs):
        missing = [s.name for s in specs if s.name not in inputs]
        if missing:
            raise ValueError(f"Layer '{layer_name}' expects inputs named "
                             f"{[s.name for s in specs]}; the dict passed has no "
                             f"{missing} (its keys: {list(inputs)}).")
        inputs = [inputs[s.name] for s in specs]
    flat = jax.tree_util.tree_leaves(inputs, is_leaf=lambda x: x is None or hasattr(x, "shape"))
    if len(flat) != len(specs):
        raise ValueError(f"Layer '{layer_name}' expects {len(specs)} input(s), received "
                         f"{len(flat)}. Pass one tensor per InputSpec (a list, or a dict by "
                         "the specs' names).")
    for i, (x, spec) in enumerate(zip(flat, specs)):
        _check(spec, x, i, layer_name, dtype_of)


def _check(spec, x, i, layer_name, dtype_of):
    if x is None and spec.optional:
        return
    where = f"Input {i} of layer '{layer_name}'"
    if not hasattr(x, "shape"):
        raise ValueError(f"{where} must be a tensor. Received {type(x).__name__}: {x!r}.")
    shape = tuple(None if d is None else int(d) for d in x.shape)
    ndim = len(shape)

    def fail(expected):
        raise ValueError(f"{where} does not match its InputSpec: expected {expected}, "
                         f"received shape {shape}.")

    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        fail(f"rank {spec.ndim}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        fail(f"rank at most {spec.max_ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        fail(f"rank at least {spec.min_ndim}")
    if spec.dtype is not None:
        dtype = dtype_of(x) if dtype_of is not None else np.dtype(x.dtype).name
        if dtype != spec.dtype:
            raise ValueError(f"{where} does not match its InputSpec: expected dtype "
                             f"{spec.dtype}, received {dtype} (shape {shape}).")
    for axis, size in spec.axes.items():
        if size is not None and -ndim <= axis < ndim and shape[axis] not in (size, None):
            fail(f"axis {axis} of size {size}")
        if size is not None and not -ndim <= axis < ndim:
            fail(f"an axis {axis}")
    if spec.shape is not None:
        want, have = spec.shape, shape
        if spec.allow_last_axis_squeeze:
            have = have[:-1] if have and have[-1] == 1 else have
            want = want[:-1] if want and want[-1] == 1 else want
        if any(w is not None and h is not None and w != h for w, h in zip(want, have)):
            fail(f"shape {spec.shape}")


__all__ = ["InputSpec"]
