"""Weight constraints, with Keras 3's names, defaults and formulas.

A constraint is a config object whose call ``c(w)`` returns ``w`` projected back onto
the allowed set (Keras applies it to a weight after each optimizer update). The
lowercase names are the classes themselves, as in Keras: ``max_norm(2.0)`` is a
``MaxNorm``.

>>> import numpy as np
>>> w = np.array([[3.0, 0.0], [4.0, 0.5]])
>>> np.round(np.asarray(MaxNorm(max_value=1.0)(w)), 4)  # column norms 5 and 0.5
array([[0.6, 0. ],
       [0.8, 0.5]], dtype=float32)
>>> np.asarray(NonNeg()([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

import numbers

import jax.numpy as jnp

from kerasish import config
from kerasish.utils.naming import closest, to_snake_case


def _tensor(w):
    # Keras's convert_to_tensor: a Variable reads as its value; numpy float64 becomes
    # JAX's default float (float32 unless x64 is on), ints stay ints.
    w = getattr(w, "value", w)
    return jnp.asarray(w)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _norms(w, axis):
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=_axis(axis), keepdims=True))


def _check_number(name, value, low=0.0, high=None):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not low <= value or (high is not None and value > high) or value != value:
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(
            f"Invalid value for argument `{name}`: expected a number {bound}. Received: "
            f"{name}={value!r}"
        )
    return value


def _check_axis(axis):
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if not items or any(isinstance(a, bool) or not isinstance(a, numbers.Integral)
                        for a in items):
        raise ValueError(
            "Invalid value for argument `axis`: expected an integer or a list of integers "
            f"(e.g. 0, or [0, 1, 2] for a Conv2D kernel). Received: axis={axis!r}"
        )
    return axis


class Constraint:
    """Base class: ``__call__(w)`` returns the projected weight (here: ``w`` itself).

    Subclass it and override ``__call__`` (and ``get_config`` if it takes arguments):

    >>> class NonNegative(Constraint):
    ...     def __call__(self, w):
    ...         return w * jnp.asarray(w >= 0, dtype=w.dtype)
    >>> NonNegative()(jnp.array([-1.0, 1.0])).tolist()
    [-0.0, 1.0]
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, as a JSON-serialisable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale the weights along ``axis`` so their L2 norm is at most ``max_value``.

    For a ``Dense`` kernel ``(input_dim, units)``, ``axis=0`` bounds each unit's
    incoming vector; for a ``Conv2D`` kernel use ``axis=[0, 1, 2]``.

    >>> MaxNorm(max_value=2).get_config()
    {'max_value': 2, 'axis': 0}
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _check_number("max_value", max_value)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w.astype(norms.dtype) * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clip the weights at 0 from below.

    >>> NonNeg()(jnp.array([-0.5, 0.5])).tolist()
    [0.0, 0.5]
    """

    def __call__(self, w):
        return jnp.maximum(_tensor(w), 0)


class UnitNorm(Constraint):
    """Rescale the weights along ``axis`` to unit L2 norm.

    >>> import numpy as np
    >>> np.asarray(UnitNorm()(np.array([[3.0], [4.0]]))).ravel().round(4)
    array([0.6, 0.8], dtype=float32)
    """

    def __init__(self, axis=0):
        self.axis = _check_axis(axis)

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        return w.astype(norms.dtype) / (config.epsilon() + norms)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move the L2 norm along ``axis`` into ``[min_value, max_value]``: the new norm
    is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm`` (``rate=1``:
    strictly inside; smaller rates move it part of the way each step).

    >>> MinMaxNorm(0.5, 1.0).get_config()
    {'min_value': 0.5, 'max_value': 1.0, 'rate': 1.0, 'axis': 0}
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _check_number("min_value", min_value)
        self.max_value = _check_number("max_value", max_value)
        if min_value > max_value:
            raise ValueError(
                "Invalid values for `min_value` and `max_value`: expected min_value <= "
                f"max_value. Received: min_value={min_value!r}, max_value={max_value!r}"
            )
        self.rate = _check_number("rate", rate, 0.0, 1.0)
        self.axis = _check_axis(axis)

    def __call__(self, w):
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * jnp.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w.astype(norms.dtype) * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras's lowercase aliases are the classes themselves.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})


def _lookup(names, custom_objects=None):
    """The class saved under the first of ``names`` that ``custom_objects``, Keras's
    names or the ``register_keras_serializable`` registry knows."""
    names = [n for n in names if isinstance(n, str)]
    for name in names:
        if custom_objects and name in custom_objects:
            return custom_objects[name]
    for name in names:
        if name in _BY_NAME:
            return _BY_NAME[name]
    from kerasish.saving.registration import get_registered_object

    for name in names:
        obj = get_registered_object(name)
        if obj is not None:
            return obj
    hint = closest(names[-1] if names else "", sorted(_BY_NAME))
    fix = f" Did you mean {' or '.join(repr(c) for c in hint)}?" if hint else ""
    raise ValueError(
        f"Could not interpret constraint identifier: {names[-1] if names else None!r}.{fix} "
        f"Expected one of {sorted(_BY_NAME)}, a config dict, a Constraint or a callable "
        "(custom classes: pass custom_objects= or register them with "
        "@kerasish.saving.register_keras_serializable())."
    )


def serialize(constraint):
    """The Keras-format config dict of a constraint.

    >>> serialize(MaxNorm(3))["config"]
    {'max_value': 3, 'axis': 0}
    """
    if constraint is None:
        return None
    if not callable(getattr(constraint, "get_config", None)):
        raise ValueError(
            "Only objects with a `get_config()` method can be saved. Expected a Constraint "
            f"instance. Received: constraint={constraint!r}. To save a custom function, "
            "subclass Constraint and implement `get_config()`."
        )
    cls = type(constraint)
    if _BY_NAME.get(cls.__name__) is cls:
        module, registered = "keras.constraints", None
    else:
        from kerasish.saving.registration import get_registered_name

        module, registered = cls.__module__, get_registered_name(cls)
    return {"module": module, "class_name": cls.__name__, "config": constraint.get_config(),
            "registered_name": registered}


def deserialize(config, custom_objects=None):
    """A constraint from :func:`serialize`'s dict (or a Keras-saved one), or a name.

    >>> deserialize({"class_name": "UnitNorm", "config": {"axis": 1}})
    UnitNorm(axis=1)
    """
    if config is None:
        return None
    if isinstance(config, str):
        return _lookup([config], custom_objects)()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Expected a constraint config: a dict with 'class_name' and 'config' keys, as "
            f"`serialize` makes. Received: config={config!r}"
        )
    cls = _lookup([config.get("registered_name"), config["class_name"]], custom_objects)
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier):
    """Resolve a constraint identifier, as Keras's ``constraints.get``.

    ``None`` gives None; a name (``"max_norm"``, ``"MaxNorm"``, ...) or a class gives
    an instance with the constructor defaults; a config dict is deserialized; an
    instance or any callable ``w -> w`` is returned as is.

    >>> get("unit_norm")
    UnitNorm(axis=0)
    >>> get("max_nrom")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Could not interpret constraint identifier: 'max_nrom'. Did you mean 'max_norm'...
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
        f"Could not interpret constraint identifier: {identifier!r} (of type "
        f"{type(identifier).__name__}). Expected a name such as 'max_norm', a config dict, "
        "a Constraint, a callable `w -> w`, or None."
    )


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
