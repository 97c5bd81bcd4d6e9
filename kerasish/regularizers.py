"""Weight penalties, with Keras 3's names, defaults and formulas.

A regularizer is a config object whose call ``reg(x)`` returns a scalar penalty that
the training step adds to the loss. The lowercase names are the classes themselves,
as in Keras: ``l2(0.01)`` is an ``L2``.

>>> reg = L2(0.5)
>>> reg([[1.0, 2.0], [3.0, 4.0]])  # 0.5 * (1 + 4 + 9 + 16)
Array(15., dtype=float32)
>>> type(get("l2")) is l2
True
"""

import difflib
import math
import numbers

import jax
import jax.numpy as jnp

from kerasish import config


def _check_factor(name, value):
    # numbers.Real admits numpy scalars (Keras rejects np.float32); bool does not count.
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(
            f"Invalid value for `{name}`. Expected a non-negative, finite float such "
            f"as 0.01 (0 turns the penalty off). Received: {name}={value!r}"
        )
    return float(value)


def _as_float_array(x):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return x


class Regularizer:
    """Base class. Subclasses implement ``__call__(x)`` returning a scalar and, when
    they take arguments, ``get_config()``.

    >>> class Sparsity(Regularizer):
    ...     def __call__(self, x):
    ...         return 1e-3 * jnp.sum(jnp.abs(jnp.asarray(x)))
    ...     def get_config(self):
    ...         return {}
    >>> Sparsity()([1.0, -2.0])
    Array(0.003, dtype=float32)
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments, as a JSON-serialisable dict."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `get_config()` to be saved: return "
            "a dict of its constructor arguments."
        )

    @classmethod
    def from_config(cls, config):
        """Rebuild a regularizer from the output of ``get_config()``."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = "..."
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(square(x))``. Both factors default to 0 here;
    the string ``"l1_l2"`` gives 0.01 for each (see :func:`get`).

    >>> L1L2(l1=0.5, l2=0.25)([1.0, -2.0])  # 0.5 * 3 + 0.25 * 5
    Array(2.75, dtype=float32)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("l1", l1)
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        x = _as_float_array(x)
        penalty = jnp.zeros((), x.dtype)
        # Skipping a zero term keeps the gradient free of the kink of abs at 0.
        if self.l1:
            penalty += jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))
        if self.l2:
            penalty += jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(abs(x))``; pushes weights to exactly zero.

    >>> L1(0.5)([1.0, -2.0])
    Array(1.5, dtype=float32)
    """

    def __init__(self, l1=0.01):
        self.l1 = _check_factor("l1", l1)

    def __call__(self, x):
        x = _as_float_array(x)
        return jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(square(x))`` (no factor of 1/2, as in Keras); also called weight decay.

    >>> L2(0.5)([1.0, -2.0])
    Array(2.5, dtype=float32)
    """

    def __init__(self, l2=0.01):
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        x = _as_float_array(x)
        return jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonal rows (``mode="rows"``) or columns of a 2D weight:
    ``factor`` times the mean of ``|<u_i, u_j>|`` over the pairs ``i < j`` of
    L2-normalised rows (or columns). Parallel rows give ``factor``.

    >>> OrthogonalRegularizer(factor=1.0)([[1.0, 0.0], [0.0, 1.0]])
    Array(0., dtype=float32)
    >>> OrthogonalRegularizer(factor=1.0)([[1.0, 0.0], [1.0, 0.0]])
    Array(1., dtype=float32)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _check_factor("factor", factor)
        if mode not in ("rows", "columns"):
            close = difflib.get_close_matches(str(mode), ["rows", "columns"], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Invalid value for `mode`.{hint} Expected 'rows' or 'columns'. "
                f"Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x):
        x = _as_float_array(x)
        if x.ndim != 2:
            raise ValueError(
                "OrthogonalRegularizer needs a 2D weight (a Dense kernel). Received: "
                f"an array of shape {x.shape}."
            )
        if self.mode == "columns":
            x = x.T
        if x.shape[0] < 2:
            # One row has no pair to be orthogonal to (Keras divides 0 by 0 here).
            return jnp.zeros((), x.dtype)
        # Keras's normalisation: multiply by rsqrt of the squared norm, capped at
        # 1/epsilon so that an all-zero row stays zero. Keras caps with `minimum`,
        # whose gradient flows through rsqrt(0) = inf: NaN for a zero row. The double
        # `where` gives the same values with finite gradients, and rows shorter than
        # epsilon (no direction to speak of) get no gradient rather than one scaled
        # by 1/epsilon.
        eps = config.epsilon()
        squared = jnp.sum(jnp.square(x), axis=1, keepdims=True)
        large = squared > eps**2
        inv_norm = jnp.where(large, jax.lax.rsqrt(jnp.where(large, squared, 1.0)), 1.0 / eps)
        u = jnp.where(large, x, jax.lax.stop_gradient(x)) * inv_norm
        n = x.shape[0]
        off_diagonal = (u @ u.T) * (1.0 - jnp.eye(n, dtype=x.dtype))
        num_pairs = n * (n - 1.0) / 2.0
        # The sum counts each pair twice, hence the 0.5 (Keras's own arrangement).
        return self.factor * 0.5 * jnp.sum(jnp.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's lowercase names are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {
    "L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": l1, "l2": l2, "l1_l2": l1_l2, "orthogonal_regularizer": orthogonal_regularizer,
    "l1l2": L1L2,  # what Keras 3's own name lookup calls L1L2
}
# Keras documents `kernel_regularizer="l1_l2"` as l1 = l2 = 0.01 (its 3.x lookup
# actually gives a zero penalty, or fails): a named penalty should penalise.
_STRING_DEFAULTS = {L1L2: {"l1": 0.01, "l2": 0.01}}


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name not in _BY_NAME:
        valid = sorted(_BY_NAME)
        close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Unknown regularizer name.{hint} Expected one of {valid}. "
            f"Received: regularizer={name!r}"
        )
    return _BY_NAME[name]


def serialize(regularizer):
    """The Keras-format config dict of a regularizer.

    >>> serialize(L2(0.1))["config"]
    {'l2': 0.1}
    """
    if regularizer is None:
        return None
    if not callable(getattr(regularizer, "get_config", None)):
        raise ValueError(
            "Only objects with a `get_config()` method can be saved. Expected a "
            f"Regularizer instance. Received: regularizer={regularizer!r}. "
            "To save a custom function, subclass Regularizer and implement `get_config()`."
        )
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """A regularizer from :func:`serialize`'s dict (or a Keras-saved one), or a name.

    >>> deserialize({"class_name": "L1", "config": {"l1": 0.5}})
    L1(l1=0.5)
    """
    if config is None:
        return None
    if isinstance(config, str):
        cls = _lookup(config, custom_objects)
        return cls(**_STRING_DEFAULTS.get(cls, {}))
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Expected a regularizer config: a dict with 'class_name' and 'config' "
            f"keys, as `serialize` makes. Received: config={config!r}"
        )
    cls = _lookup(config["class_name"], custom_objects)
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """Resolve a regularizer identifier.

    ``None`` gives None; a name (``"l1"``, ``"l2"``, ``"l1_l2"``, ...) gives an
    instance whose factors are 0.01; a config dict is deserialized; a class gives
    an instance with its constructor defaults; an instance or other
    callable ``x -> scalar`` is returned as is.

    >>> get("l1_l2")
    L1L2(l1=0.01, l2=0.01)
    >>> get("l3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown regularizer name. Did you mean 'l2' or 'l1'?...
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret the regularizer identifier. Expected a name such as "
        "'l2', a config dict, a Regularizer, a callable `x -> scalar`, or None. "
        f"Received: {identifier!r} of type {type(identifier).__name__}"
    )


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
