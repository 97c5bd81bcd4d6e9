"""``Optimizer``: Keras's configuration on the outside, an optax transform inside.

An optimizer object holds static configuration (``beta_1``, ``clipnorm``, ...) and two
Keras-style Variables, ``learning_rate`` and ``iterations``. Everything a training step
changes lives in an :class:`OptimizerState` of arrays, advanced by the pure, jittable
``update(grads, state, params) -> (updates, new_state)``. The learning rate is an array
in that state, not a Python constant, so changing it between epochs does not recompile.

Each step runs Keras's order as one ``optax.chain``:

1. clip the gradients (at most one of ``clipnorm``, ``global_clipnorm``, ``clipvalue``);
2. the optimizer's own rule (:meth:`Optimizer.transform`), e.g. Adam's;
3. decoupled weight decay ``-w * weight_decay * learning_rate``, if ``weight_decay``.

Then ``optax.apply_updates(params, updates)`` gives the new weights, and
``sync_from_state`` writes the counters back into the Variables after training.

>>> import jax.numpy as jnp
>>> from kerasish.optimizers import SGD
>>> opt = SGD(learning_rate=0.1)
>>> state = opt.init({"w": jnp.zeros(3)})
>>> int(state.iterations), float(state.learning_rate)
(0, 0.10000000149011612)
"""

import inspect
import math
import re
import sys
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from kerasish.optimizers import transforms
from kerasish.utils.naming import check_kwargs, to_snake_case, uniquify
from kerasish import config
from kerasish.variables import Variable


class OptimizerState(NamedTuple):
    """What an optimizer step reads and writes: arrays only.

    ``iterations`` (int32 scalar) counts the updates applied so far; ``learning_rate``
    (float32 scalar) is the current rate (NaN for a wrapped optax transform);
    ``slots`` is the per-weight state of the step's ``optax.chain`` (momentums, ...).
    """

    iterations: jax.Array
    learning_rate: jax.Array
    slots: Any


def check_float(name, value, low=0.0, high=None, *, low_open=False, high_open=False):
    """``value`` as a Python float, or a ValueError naming the argument and its range."""
    try:
        number = None if isinstance(value, (bool, str, bytes)) else float(value)
    except (TypeError, ValueError):
        number = None
    ok = number is not None and math.isfinite(number)
    if ok:
        ok = (number > low if low_open else number >= low) and (
            high is None or (number < high if high_open else number <= high)
        )
    if not ok:
        interval = (
            f"{'(' if low_open else '['}{low:g}, "
            f"{'inf)' if high is None else f'{high:g}' + (')' if high_open else ']')}"
        )
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a finite number in "
            f"{interval}. Received: {name}={value!r}"
        )
    return number


def _accepted_arguments(cls):
    names = set()
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
                    names.add(p.name)
        if klass is Optimizer:
            break
    return names


def _caller_stacklevel():
    """The warnings ``stacklevel`` of the first frame outside this package (user code)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("kerasish.optimizers"):
        frame, level = frame.f_back, level + 1
    return level


def _key_path_str(path):
    return "/".join(str(getattr(k, "key", getattr(k, "name", getattr(k, "idx", k)))) for k in path)


class Optimizer:
    """Base class of kerasish optimizers (Keras 3's base arguments and defaults).

    Args:
        learning_rate: a non-negative float, or a schedule: a callable
            ``iterations -> learning rate`` (e.g. an optax schedule), evaluated at
            ``state.iterations`` inside every ``update``.
        weight_decay: if set, decoupled weight decay: each step also does
            ``w -= w * weight_decay * learning_rate``.
        clipnorm: if set, each weight's gradient is clipped to this L2 norm.
        clipvalue: if set, each gradient element is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are scaled together to this joint norm.
        use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
            gradient_accumulation_steps: accepted with their Keras defaults so that
            Keras configs load; the features themselves are not implemented and their
            non-default values raise ``NotImplementedError``.
        name: the optimizer's name; defaults to the snake-cased class name.

    A subclass implements :meth:`transform` (its own update rule) and extends
    :meth:`get_config`; see ``kerasish/optimizers/sgd.py`` for a small one.

    >>> import jax.numpy as jnp, optax
    >>> from kerasish.optimizers import Adam
    >>> opt = Adam(0.1)
    >>> params = {"dense": {"kernel": jnp.ones((2, 3))}}
    >>> state = opt.init(params)
    >>> grads = {"dense": {"kernel": jnp.full((2, 3), 0.5)}}
    >>> updates, state = opt.update(grads, state, params)
    >>> params = optax.apply_updates(params, updates)
    >>> params["dense"]["kernel"].shape, int(state.iterations)
    ((2, 3), 1)
    >>> round(float(params["dense"]["kernel"][0, 0]), 4)
    0.9
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        learning_rate = self._take_deprecated_lr(learning_rate, kwargs)
        if "decay" in kwargs:
            raise TypeError(
                f"{type(self).__name__}() no longer takes `decay` (Keras 3 ignores it "
                "with a warning; we refuse it so that training does not silently differ). "
                "Pass a schedule instead, e.g. "
                "learning_rate=optax.exponential_decay(0.01, 1000, 0.9)."
            )
        check_kwargs(kwargs, _accepted_arguments(type(self)), f"{type(self).__name__}()")

        self.name = name or uniquify(to_snake_case(type(self).__name__))
        self.weight_decay = None if weight_decay is None else check_float("weight_decay", weight_decay)
        self.clipnorm = None if clipnorm is None else check_float("clipnorm", clipnorm, low_open=True)
        self.clipvalue = None if clipvalue is None else check_float("clipvalue", clipvalue, low_open=True)
        self.global_clipnorm = (
            None if global_clipnorm is None
            else check_float("global_clipnorm", global_clipnorm, low_open=True)
        )
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self._refuse_unimplemented(use_ema, loss_scale_factor, gradient_accumulation_steps)
        self.use_ema = False
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = None
        self.gradient_accumulation_steps = None
        self._exclude_paths = frozenset()
        self._exclude_pattern = None

        self._iterations = Variable(
            0, dtype="int32", trainable=False, name="iteration", path=f"{self.name}/iteration"
        )
        self._learning_rate = Variable(
            0.0, dtype=config.floatx(), trainable=False, name="learning_rate",
            path=f"{self.name}/learning_rate",
        )
        self._schedule = None
        self.learning_rate = learning_rate

    def _take_deprecated_lr(self, learning_rate, kwargs):
        if "lr" not in kwargs:
            return learning_rate
        lr = kwargs.pop("lr")
        default = inspect.signature(type(self).__init__).parameters.get("learning_rate")
        if default is None or learning_rate is not default.default:
            raise TypeError(
                f"{type(self).__name__}() received both `learning_rate` and its old name "
                f"`lr`. Pass only `learning_rate`. Received: learning_rate={learning_rate!r}, "
                f"lr={lr!r}"
            )
        warnings.warn(
            f"`lr` is a deprecated name (Keras 2); use `learning_rate` instead: "
            f"{type(self).__name__}(learning_rate={lr!r}).",
            UserWarning,
            stacklevel=_caller_stacklevel(),
        )
        return lr

    def _refuse_unimplemented(self, use_ema, loss_scale_factor, gradient_accumulation_steps):
        for arg, value, hint in (
            ("use_ema", use_ema, "an exponential moving average of the weights"),
            ("loss_scale_factor", loss_scale_factor, "loss scaling (for float16 training)"),
            ("gradient_accumulation_steps", gradient_accumulation_steps, "gradient accumulation"),
        ):
            if value:
                raise NotImplementedError(
                    f"kerasish optimizers do not implement {hint} yet. Received: "
                    f"{arg}={value!r}. Remove the argument, or wrap an optax transform "
                    "(e.g. `optax.MultiSteps` for accumulation) with `optimizers.get`."
                )

    # -- the two Keras Variables ---------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate, as a float32 scalar Variable.

        With a schedule, a fresh read-only Variable holding the schedule's value at
        the current ``iterations`` (assigning to it changes nothing).
        """
        if self._schedule is not None:
            value = np.asarray(self._schedule(self._iterations.value), np.float32)
            return Variable(value, dtype="float32", trainable=False, name="learning_rate",
                            path=f"{self.name}/learning_rate")
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError(
                f"This optimizer's learning rate is a schedule ({self._schedule!r}), so it "
                "cannot be set to a number. Assign another schedule, or create the "
                "optimizer with a float `learning_rate` to be able to change it."
            )
        self._learning_rate.assign(check_float("learning_rate", value))

    @property
    def iterations(self):
        """The number of updates applied so far, as an int32 scalar Variable."""
        return self._iterations

    # -- the pure functions ----------------------------------------------------
    def transform(self):
        """This optimizer's own rule, as an ``optax.GradientTransformationExtraArgs``.

        Its ``update`` receives the clipped gradients and the keyword arguments
        ``learning_rate`` (float32 scalar) and ``iterations`` (int32 scalar, before
        this step), and returns the updates to *add* to the weights (learning rate
        and sign included). Subclasses override it.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `transform()`, returning its update "
            "rule as an optax transform (see kerasish/optimizers/sgd.py for an example)."
        )

    def _chain(self):
        parts = []
        if self.clipnorm is not None:
            parts.append(transforms.clip_by_norm(self.clipnorm))
        elif self.global_clipnorm is not None:
            parts.append(transforms.clip_by_global_norm(self.global_clipnorm))
        elif self.clipvalue is not None:
            parts.append(optax.clip(self.clipvalue))
        parts.append(self.transform())
        if self.weight_decay:
            mask = self._decay_mask if (self._exclude_paths or self._exclude_pattern) else None
            parts.append(transforms.add_decoupled_weight_decay(self.weight_decay, mask))
        return optax.chain(*parts)

    def _learning_rate_at(self, iterations):
        if self._schedule is None:
            # A copy, never the Variable's own buffer: the engine donates the state.
            # In floatx (as Keras): a float32 rate would cost float64 training 1.5e-8.
            return jnp.array(self._learning_rate.value, dtype=self._learning_rate.dtype)
        return jnp.array(self._schedule(iterations), dtype=jnp.float32).reshape(())

    def init(self, params):
        """A fresh :class:`OptimizerState` for ``params`` (a pytree of arrays).

        ``iterations`` and ``learning_rate`` start from the Variables' current values.
        """
        iterations = jnp.array(self._iterations.value, dtype=jnp.int32)
        return OptimizerState(iterations, self._learning_rate_at(iterations), self._chain().init(params))

    def update(self, grads, state, params=None):
        """One step: ``(grads, state, params) -> (updates, new_state)``. Pure, jittable.

        New weights are ``optax.apply_updates(params, updates)``. The learning rate is
        ``state.learning_rate``, or the schedule at ``state.iterations``.
        """
        if not isinstance(state, OptimizerState):
            raise TypeError(
                f"{type(self).__name__}.update expects the OptimizerState made by "
                f"`{type(self).__name__}.init(params)`. Received: {type(state).__name__}"
            )
        if params is not None:
            # Keras computes each step in the weight's dtype.
            grads = jax.tree.map(lambda g, p: jnp.asarray(g, p.dtype), grads, params)
        if self._schedule is None:
            learning_rate = state.learning_rate
        else:
            learning_rate = self._learning_rate_at(state.iterations)
        updates, slots = self._chain().update(
            grads, state.slots, params, learning_rate=learning_rate, iterations=state.iterations
        )
        iterations = state.iterations + 1
        if self._schedule is not None:
            learning_rate = self._learning_rate_at(iterations)
        return updates, OptimizerState(iterations, learning_rate, slots)

    def to_optax(self):
        """The same ``init`` / ``update`` as an ``optax.GradientTransformation``."""
        return optax.GradientTransformation(self.init, self.update)

    def sync_from_state(self, state):
        """Write ``state``'s iterations and learning rate back into the Variables."""
        # Host copies: the engine may donate (and so delete) the state's buffers later.
        self._iterations.assign(np.asarray(state.iterations))
        if self._schedule is None:
            self._learning_rate.assign(np.asarray(state.learning_rate))

    def sync_to_state(self, state):
        """``state`` with its learning rate replaced by the Variable's current value.

        For a rate changed between epochs (``opt.learning_rate = 0.01``, as Keras's
        callbacks do): the slots and ``iterations`` are kept, and the compiled step is
        reused. With a schedule the state is returned unchanged.
        """
        if self._schedule is not None:
            return state
        return state._replace(learning_rate=self._learning_rate_at(state.iterations))

    # -- weight decay exclusions ----------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt some weights from ``weight_decay``.

        ``var_list``: Variables (matched by their ``path``, e.g. ``"dense/bias"``) or
        path strings. ``var_names``: regular expressions searched in each weight's
        path, which is its pytree keys joined by ``/``. Call it before the step is
        compiled: a compiled step keeps the exclusions it was traced with.

        >>> import jax.numpy as jnp, optax
        >>> from kerasish.optimizers import AdamW
        >>> opt = AdamW(learning_rate=0.5, weight_decay=0.1)
        >>> opt.exclude_from_weight_decay(var_names=["bias"])
        >>> params = {"dense": {"kernel": jnp.ones(2), "bias": jnp.ones(2)}}
        >>> zeros = {"dense": {"kernel": jnp.zeros(2), "bias": jnp.zeros(2)}}
        >>> updates, _ = opt.update(zeros, opt.init(params), params)
        >>> new = optax.apply_updates(params, updates)
        >>> new["dense"]["kernel"].tolist(), new["dense"]["bias"].tolist()
        ([0.949999988079071, 0.949999988079071], [1.0, 1.0])
        """
        self._exclude_paths = frozenset(getattr(v, "path", v) for v in (var_list or ()))
        names = sorted(set(var_names or ()))
        self._exclude_pattern = re.compile("|".join(names)) if names else None

    def _decay_mask(self, params):
        def use(path, _):
            key = _key_path_str(path)
            if key in self._exclude_paths:
                return False
            return not (self._exclude_pattern and self._exclude_pattern.search(key))

        return jax.tree_util.tree_map_with_path(use, params)

    # -- config ----------------------------------------------------------------
    def get_config(self):
        """Keras's config keys; the learning rate as a float, or the schedule itself."""
        if self._schedule is None:
            learning_rate = float(self._learning_rate.numpy())
        else:
            learning_rate = self._schedule
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config):
        """A new optimizer (fresh counters) from :meth:`get_config`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _deserialize_schedule(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        rate = self._schedule if self._schedule is not None else float(self._learning_rate.numpy())
        return f"<{type(self).__name__} name={self.name}, learning_rate={rate}>"


def _deserialize_schedule(config):
    try:
        from kerasish.optimizers import schedules
    except ImportError:
        raise NotImplementedError(
            "This config's learning rate is a serialized schedule, and kerasish has no "
            "`optimizers.schedules` module to rebuild it yet. Pass the schedule "
            f"(a callable step -> rate) as `learning_rate` instead. Received: {config!r}"
        ) from None
    return schedules.deserialize(config)
