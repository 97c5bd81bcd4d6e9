"""Learning-rate schedules with Keras 3's names, arguments and formulas.

A schedule is a callable ``schedule(step) -> learning rate`` (a float32 scalar), pure
and jittable, so it can be passed as any optimizer's ``learning_rate``: the optimizer
evaluates it at its ``iterations`` counter inside the compiled step, and
``optimizer.learning_rate`` reads its value at the current step.

>>> from kerasish.optimizers import Adam, schedules
>>> schedule = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(schedule(10)), 6), round(float(schedule(20)), 6)
(0.05, 0.025)
>>> opt = Adam(learning_rate=schedule)
>>> round(float(opt.learning_rate), 6)  # at iterations == 0
0.1

The formulas are Keras's, evaluated in float32 in the same order (the tests compare
them with Keras at many steps), rather than optax's schedules, whose conventions
differ (e.g. ``optax.exponential_decay`` has no ``decay_steps`` / ``staircase`` pair
with Keras's meaning, and ``optax.cosine_decay_schedule`` no warmup target).
"""

import math

import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.utils.naming import closest


def _floatx():
    return jnp.dtype(config.floatx())


def _number(name, value, *, positive=False, minimum=None):
    """A Python float from a config number, or a ValueError that names the argument."""
    ok = not isinstance(value, (bool, str, bytes)) and np.ndim(value) == 0
    number = float(value) if ok else None
    if ok and not math.isfinite(number):
        ok = False
    if ok and positive and number <= 0:
        ok = False
    if ok and minimum is not None and number < minimum:
        ok = False
    if not ok:
        need = ("a finite number > 0" if positive
                else f"a finite number >= {minimum:g}" if minimum is not None
                else "a finite number")
        raise ValueError(
            f"Received an invalid value for `{name}`, expected {need}. Received: {name}={value!r}"
        )
    return value


def _decay_steps(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value!r}")
    return value


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate * 0.5 ** (step // 100)
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    >>> float(Halving(0.4)(250))
    0.1
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(step / decay_steps)``: the rate
    drops once every ``decay_steps`` steps.

    >>> s = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5, staircase=True)
    >>> [round(float(s(step)), 6) for step in (0, 99, 100, 250)]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("decay_steps", decay_steps)
        self.decay_rate = _number("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        dtype = _floatx()
        p = jnp.asarray(step).astype(dtype) / jnp.asarray(self.decay_steps, dtype)
        if self.staircase:
            p = jnp.floor(p)
        return jnp.asarray(self.initial_learning_rate, dtype) * jnp.power(
            jnp.asarray(self.decay_rate, dtype), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``step <= boundaries[1]``, ..., and ``values[-1]`` after the last boundary.

    >>> s = PiecewiseConstantDecay(boundaries=[100, 200], values=[1.0, 0.5, 0.1])
    >>> [round(float(s(step)), 6) for step in (0, 100, 101, 200, 201)]
    [1.0, 1.0, 0.5, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        for i, b in enumerate(boundaries):
            _number(f"boundaries[{i}]", b)
        for i, v in enumerate(values):
            _number(f"values[{i}]", v)
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(
                f"`boundaries` must be strictly increasing. Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        dtype = _floatx()
        step = jnp.asarray(step)
        # Keras casts the boundaries to the step's dtype (an int counter truncates them).
        bounds = [jnp.asarray(b).astype(step.dtype) for b in self.boundaries]
        values = [jnp.asarray(v, dtype) for v in self.values]
        rate = (step <= bounds[0]).astype(dtype) * values[0]
        rate = rate + (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            rate = rate + ((step > low) & (step <= high)).astype(dtype) * value
        return rate

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` in ``decay_steps``::

        (initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end

    With ``cycle=True`` the decay restarts: ``decay_steps`` becomes the first multiple
    of itself at or above ``step``.

    >>> s = PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.0, power=1.0)
    >>> [round(float(s(step)), 6) for step in (0, 50, 100, 1000)]
    [0.1, 0.05, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("decay_steps", decay_steps)
        self.end_learning_rate = _number("end_learning_rate", end_learning_rate)
        self.power = _number("power", power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        dtype = _floatx()
        initial = jnp.asarray(self.initial_learning_rate, dtype)
        end = jnp.asarray(self.end_learning_rate, dtype)
        step = jnp.asarray(step).astype(dtype)
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        if self.cycle:
            multiplier = jnp.where(step == 0, 1.0, jnp.ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier.astype(dtype)
        else:
            step = jnp.minimum(step, decay_steps)
        p = step / decay_steps
        return (initial - end) * jnp.power(1 - p, jnp.asarray(self.power, dtype)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is floored.

    >>> s = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
    >>> [round(float(s(step)), 6) for step in (0, 1, 2)]
    [0.1, 0.066667, 0.05]
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("decay_steps", decay_steps)
        self.decay_rate = _number("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        dtype = _floatx()
        p = jnp.asarray(step).astype(dtype) / jnp.asarray(self.decay_steps, dtype)
        if self.staircase:
            p = jnp.floor(p)
        denominator = jnp.asarray(1, dtype) + jnp.asarray(self.decay_rate, dtype) * p
        return jnp.asarray(self.initial_learning_rate, dtype) / denominator

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the start rate to ``alpha`` times it over ``decay_steps``,
    after an optional linear warmup.

    Without ``warmup_target``: ``initial * ((1 - alpha) * c + alpha)`` with
    ``c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))``.
    With ``warmup_target``: the rate first goes linearly from ``initial_learning_rate``
    to ``warmup_target`` in ``warmup_steps`` steps, then decays from ``warmup_target``
    as above (``step`` counted from the end of the warmup).

    >>> s = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> [round(float(s(step)), 6) for step in (0, 5, 10, 60, 110)]
    [0.0, 0.05, 0.1, 0.05, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("decay_steps", decay_steps)
        self.alpha = _number("alpha", alpha)
        self.name = name
        self.warmup_target = None if warmup_target is None else _number(
            "warmup_target", warmup_target)
        self.warmup_steps = _number("warmup_steps", warmup_steps, minimum=0)

    def _decay(self, step, decay_steps, start, dtype):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        dtype = _floatx()
        initial = jnp.asarray(self.initial_learning_rate, dtype)
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        step = jnp.asarray(step).astype(dtype)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, decay_steps), decay_steps, initial, dtype)
        target = jnp.asarray(self.warmup_target, dtype)
        warmup_steps = jnp.asarray(self.warmup_steps, dtype)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        warmup = (target - initial) * (step / warmup_steps) + initial
        decay = self._decay(step - warmup_steps, decay_steps, target, dtype)
        return jnp.where(step < warmup_steps, warmup, decay)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps``, each
    ``t_mul`` times longer than the last and starting ``m_mul`` times lower.

    >>> s = CosineDecayRestarts(0.1, first_decay_steps=10, t_mul=1.0)
    >>> [round(float(s(step)), 6) for step in (0, 5, 10, 15)]
    [0.1, 0.05, 0.1, 0.05]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = _number("initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = _decay_steps("first_decay_steps", first_decay_steps)
        self._t_mul = _number("t_mul", t_mul, positive=True)
        self._m_mul = _number("m_mul", m_mul)
        self.alpha = _number("alpha", alpha)
        self.name = name

    def __call__(self, step):
        dtype = _floatx()
        initial = jnp.asarray(self.initial_learning_rate, dtype)
        alpha = jnp.asarray(self.alpha, dtype)
        t_mul = jnp.asarray(self._t_mul, dtype)
        m_mul = jnp.asarray(self._m_mul, dtype)
        fraction = jnp.asarray(step).astype(dtype) / jnp.asarray(self.first_decay_steps, dtype)
        if self._t_mul == 1.0:
            restart = jnp.floor(fraction)
            fraction = fraction - restart
        else:  # geometric periods: find which period `fraction` falls in
            restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            done = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / jnp.power(t_mul, restart)
        cosine = 0.5 * jnp.power(m_mul, restart) * (
            1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return initial * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
    CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Keras's dict layout for a schedule (``class_name`` + ``config``).

    >>> serialize(InverseTimeDecay(0.1, 10, 0.5))["class_name"]
    'InverseTimeDecay'
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            "`serialize` expects a LearningRateSchedule (e.g. ExponentialDecay(...)). "
            f"Received: {learning_rate_schedule!r}"
        )
    return {
        "module": "kerasish.optimizers.schedules",
        "class_name": type(learning_rate_schedule).__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """The schedule that `serialize` (ours or Keras's) described.

    >>> s = deserialize(serialize(ExponentialDecay(0.1, 10, 0.9)))
    >>> type(s).__name__, s.decay_rate
    ('ExponentialDecay', 0.9)
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A schedule config must be a dict with 'class_name' and 'config', e.g. "
            "{'class_name': 'ExponentialDecay', 'config': {'initial_learning_rate': 0.1, "
            f"'decay_steps': 1000, 'decay_rate': 0.9}}. Received: {config!r}"
        )
    objects = {**_SCHEDULES, **(custom_objects or {})}
    name = config["class_name"]
    if name not in objects:
        hint = closest(name, list(objects), n=1)
        raise ValueError(
            f"Unknown learning rate schedule: {name!r}."
            + (f" Did you mean {hint[0]!r}?" if hint else "")
            + f" Known schedules: {sorted(objects)}; pass others in `custom_objects`."
        )
    return objects[name].from_config(dict(config.get("config") or {}))


__all__ = [
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
    "serialize",
]
