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
``sync_from_state`` writes the state back into the Variables after training.

Keras 3's list API sits on top of the same ``update``: ``build(var_list)`` creates the
slot Variables, ``variables`` lists them in Keras's order (``iteration``,
``learning_rate`` unless it is a schedule, then the slots), ``stateless_apply`` steps
lists of arrays, ``apply``/``apply_gradients`` step Variables, and
``state_to_variables``/``variables_to_state`` convert between the two forms.

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

from kerasish.optimizers import options, transforms
from kerasish.utils.naming import check_kwargs, to_snake_case, uniquify
from kerasish import config
from kerasish.variables import Variable, unwrap


class OptimizerState(NamedTuple):
    """What an optimizer step reads and writes: arrays only.

    ``iterations`` (int32 scalar) counts the updates applied so far; ``learning_rate``
    (float32 scalar) is the current rate (NaN for a wrapped optax transform);
    ``slots`` is the per-weight state of the step's ``optax.chain`` (momentums, ...).

    >>> import jax.numpy as jnp, kerasish
    >>> state = kerasish.optimizers.SGD(0.1).init({"w": jnp.zeros(2)})
    >>> int(state.iterations), round(float(state.learning_rate), 4)
    (0, 0.1)
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


def _check_count(name, value, low):
    """``value`` as an int >= ``low``, None for None (or Keras's falsy 0), else a ValueError."""
    if value is None or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected an integer >= {low} or None. "
            f"Received: {name}={value!r}"
        )
    return int(value)


BASE_ARGUMENTS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                  "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                  "gradient_accumulation_steps", "name")


def base_arguments(local_vars):
    """The base :class:`Optimizer` arguments among a subclass ``__init__``'s ``locals()``
    (its ``**kwargs`` included), to pass on to ``super().__init__``."""
    return {**{k: local_vars[k] for k in BASE_ARGUMENTS}, **local_vars.get("kwargs", {})}


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


class SlotRef(NamedTuple):
    """Where one of Keras's per-weight optimizer variables lives in ``OptimizerState.slots``.

    ``part``: index of the state in the step's ``optax.chain``; ``field``: the field of
    that part's NamedTuple (``"momentums"``); ``weight_key``: the weight's keys in the
    params pytree (``("dense", "kernel")``); ``name``: Keras's variable name suffix
    (``"momentum"``); ``leaf``: its index in ``jax.tree.leaves(slots)``.
    """

    part: int
    field: str
    weight_key: tuple
    name: str
    leaf: int


def weight_keys(variables):
    """The key of each Variable in a params pytree, in order.

    A layer's weight is ``(layer name, weight name)``, as in ``model.current_params()``;
    a free Variable is ``(path,)``. A key already taken gets a ``_1``, ``_2``... suffix.
    """
    keys, taken, tops = [], set(), {}
    for v in variables:
        owner = getattr(v, "_owner", None)
        key = (owner.name, v.name) if owner is not None else (v.path,)
        base, n = key, 0
        # A key may be neither a duplicate nor a leaf where another key has a subtree.
        while key in taken or tops.get(key[0], len(key)) != len(key):
            n += 1
            if len(base) > 1 and tops.get(base[0], len(base)) != len(base):
                key = (f"{base[0]}_{n}",) + base[1:]
            else:
                key = base[:-1] + (f"{base[-1]}_{n}",)
        taken.add(key)
        tops[key[0]] = len(key)
        keys.append(key)
    return keys


def _parse_slot_path(path, keys_by_length):
    """``(part, field, weight key)`` when ``path`` (of a leaf of the slots) is
    ``[chain index,] NamedTuple field, *weight key``; otherwise None."""
    for n in sorted(keys_by_length, reverse=True):
        head, tail = path[:-n], path[-n:]
        if len(path) <= n or not all(isinstance(k, jax.tree_util.DictKey) for k in tail):
            continue
        key = tuple(k.key for k in tail)
        if key not in keys_by_length[n]:
            continue
        if len(head) == 2 and isinstance(head[0], jax.tree_util.SequenceKey) \
                and isinstance(head[1], jax.tree_util.GetAttrKey):
            return head[0].idx, head[1].name, key
        if len(head) == 1 and isinstance(head[0], jax.tree_util.GetAttrKey):
            return 0, head[0].name, key
    return None


class _Layout(NamedTuple):
    """What ``build`` learns once: the weights and where each optimizer variable lives."""

    variables: list   # the Variables the optimizer was built for
    keys: list        # their keys in the params pytree
    treedef: Any      # the structure of OptimizerState.slots
    leaf_order: tuple  # leaves of the slots in `optimizer.variables` order
    slot_weights: tuple  # for each slot variable, the index of its weight (or None)

    def to_tree(self, values):
        tree = {}
        for key, value in zip(self.keys, values):
            node = tree
            for k in key[:-1]:
                node = node.setdefault(k, {})
            node[key[-1]] = value
        return tree

    def to_list(self, tree):
        out = []
        for key in self.keys:
            node = tree
            for k in key:
                node = node[k]
            out.append(node)
        return out

    def slot_values(self, slots):
        leaves = jax.tree.leaves(slots)
        return [leaves[i] for i in self.leaf_order]

    def slots_from(self, values):
        leaves = [None] * self.treedef.num_leaves
        for i, value in zip(self.leaf_order, values):
            leaves[i] = value
        return jax.tree.unflatten(self.treedef, leaves)


def _short(treedef, limit=300):
    text = str(treedef)
    return text if len(text) <= limit else text[:limit] + "..."


def _shape_of(x):
    return tuple(np.shape(x))


def _check_list(what, values, expected, owner):
    """A clear error unless ``values`` has one array per Variable of ``expected``, each
    of its shape."""
    if values is None or isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__"):
        raise ValueError(
            f"Received an invalid value for `{what}`, expected a list of {len(expected)} "
            f"arrays. Received: {what}={type(values).__name__}"
        )
    if len(values) != len(expected):
        raise ValueError(
            f"Received an invalid value for `{what}`, expected a list of {len(expected)} "
            f"arrays, one per {owner} ({[v.path for v in expected]}), in that order. "
            f"Received a list of {len(values)}."
        )
    for i, (value, var) in enumerate(zip(values, expected)):
        if value is not None and _shape_of(value) != tuple(var.shape):
            raise ValueError(
                f"Received an invalid value for `{what}[{i}]`, expected shape "
                f"{tuple(var.shape)} (the shape of {var.path!r}). "
                f"Received: shape {_shape_of(value)}"
            )


class VariableListAPI:
    """Keras 3's list-of-arrays API (``stateless_apply``, ``apply``,
    ``apply_gradients``), written once over the pytree API.

    A class using it provides ``built``, ``variables``, ``build(var_list)``,
    ``state_to_variables``, ``variables_to_state``, ``update`` and
    ``_slot_positions(i)`` (the positions in ``variables`` of weight ``i``'s slots).
    """

    def _require_built(self, method):
        if not self.built:
            raise ValueError(
                f"To call `{method}`, {type(self).__name__} must be built for the weights "
                "it updates (its slot variables created), and it is not built yet. "
                "Call `optimizer.build(trainable_variables)` first, e.g. "
                "`optimizer.build(model.trainable_variables)`."
            )

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """One step on lists of arrays; pure and jittable (Keras 3's ``stateless_apply``).

        Args:
            optimizer_variables: the values of :attr:`variables`, in that order.
            grads: one gradient per built weight, in ``build`` order; ``None`` leaves
                that weight and its slots unchanged (Keras's "gradients do not exist").
            trainable_variables: the current values of the built weights.

        Returns:
            ``(new_trainable_values, new_optimizer_values)``, two lists. Nothing on the
            optimizer or on the Variables changes.

        >>> import jax, jax.numpy as jnp
        >>> from kerasish.optimizers import SGD
        >>> from kerasish.variables import Variable, unwrap
        >>> w = Variable(jnp.ones(2), name="w")
        >>> opt = SGD(learning_rate=0.5, momentum=0.9)
        >>> opt.build([w])
        >>> opt_values = [v.value for v in opt.variables]  # iteration, learning_rate, w_momentum
        >>> step = jax.jit(opt.stateless_apply)
        >>> new_w, opt_values = step(opt_values, [jnp.ones(2)], [w.value])
        >>> new_w[0].tolist(), int(opt_values[0]), opt_values[2].tolist()
        ([0.5, 0.5], 1, [-0.5, -0.5])
        """
        self._require_built("stateless_apply")
        layout = self._layout
        owner = f"entry of `{type(self).__name__}.variables`"
        _check_list("optimizer_variables", optimizer_variables, self.variables, owner)
        built = "variable the optimizer was built with"
        _check_list("trainable_variables", trainable_variables, layout.variables, built)
        _check_list("grads", grads, layout.variables, built)
        missing = [i for i, g in enumerate(grads) if g is None]
        self._check_missing([layout.variables[i].path for i in missing], len(grads))
        return self._apply_values(list(optimizer_variables), list(grads),
                                  list(trainable_variables), missing)

    @staticmethod
    def _check_missing(paths, count):
        if count and len(paths) == count:
            raise ValueError(
                "No gradients provided for any variable: every gradient is None. Check "
                "that the loss depends on the weights (and, with `model.compile()`, that "
                "a `loss` is given)."
            )
        if paths:
            warnings.warn(
                f"Gradients do not exist for variables {paths} when minimizing the loss: "
                "they are left unchanged. If using `model.compile()`, did you forget to "
                "provide a `loss` argument?",
                UserWarning, stacklevel=_caller_stacklevel(),
            )

    def _apply_values(self, optimizer_values, grads, values, missing):
        layout = self._layout
        values = [jnp.asarray(unwrap(x)) for x in values]
        grads = [jnp.zeros_like(x) if g is None else jnp.asarray(unwrap(g))
                 for g, x in zip(grads, values)]
        params = layout.to_tree(values)
        state = self.variables_to_state(optimizer_values)
        updates, new_state = self.update(layout.to_tree(grads), state, params)
        new_values = layout.to_list(optax.apply_updates(params, updates))
        # Keras applies each weight's constraint after the step, stateless_apply included.
        new_values = [v if getattr(var, "constraint", None) is None else var.constraint(v)
                      for var, v in zip(layout.variables, new_values)]
        new_optimizer_values = self.state_to_variables(new_state)
        for i in missing:  # Keras filters these out: no step, no slot change
            new_values[i] = values[i]
            for position in self._slot_positions(i):
                new_optimizer_values[position] = jnp.asarray(optimizer_values[position])
        return new_values, new_optimizer_values

    def apply(self, grads, trainable_variables=None):
        """One eager step on Variables (Keras 3's ``apply``).

        ``grads`` follow ``trainable_variables`` (kerasish Variables), or the variables
        the optimizer was built with when that is None. The first call builds the
        optimizer on ``trainable_variables``; later calls may pass any subset of them.
        The weights, ``iterations`` and the slot Variables are assigned the new values.

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import Adam
        >>> from kerasish.variables import Variable, unwrap
        >>> w = Variable(jnp.zeros(3), name="w")
        >>> opt = Adam(learning_rate=0.1)
        >>> opt.apply([jnp.ones(3)], [w])
        >>> [round(x, 4) for x in w.numpy().tolist()], int(opt.iterations)
        ([-0.1, -0.1, -0.1], 1)
        >>> [v.name for v in opt.variables]
        ['iteration', 'learning_rate', 'w_momentum', 'w_velocity']
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `trainable_variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first, or pass the variables: "
                    "`optimizer.apply(grads, trainable_variables)`."
                )
            given = list(self._layout.variables)
        else:
            given = list(trainable_variables)
            if not self.built:
                self.build(given)
        layout = self._layout
        if len(given) != len(grads):
            raise ValueError(
                f"Received {len(grads)} gradients for {len(given)} variables "
                f"({[getattr(v, 'path', v) for v in given]}). Pass one gradient per variable."
            )
        index = {id(v): i for i, v in enumerate(layout.variables)}
        unknown = [getattr(v, "path", repr(v)) for v in given if id(v) not in index]
        if unknown:
            raise ValueError(
                f"Unknown variables {unknown}: this optimizer can only update the variables "
                f"it was built with ({[v.path for v in layout.variables]}). Build a new "
                "optimizer for these variables."
            )
        full = [None] * len(layout.variables)
        for g, v in zip(grads, given):
            full[index[id(v)]] = g
        _check_list("grads", full, layout.variables, "variable the optimizer was built with")
        self._check_missing([v.path for g, v in zip(grads, given) if g is None], len(grads))
        new_values, new_optimizer_values = self._apply_values(
            [v.value for v in self.variables], full, [v.value for v in layout.variables],
            [i for i, g in enumerate(full) if g is None])
        for var, value in zip(layout.variables, new_values):
            var.assign(value)
        for var, value in zip(self.variables, new_optimizer_values):
            var.assign(value)

    def apply_gradients(self, grads_and_vars):
        """``apply`` on ``(gradient, variable)`` pairs; returns the ``iterations`` Variable.

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import SGD
        >>> from kerasish.variables import Variable, unwrap
        >>> w = Variable(jnp.ones(2), name="w")
        >>> int(SGD(learning_rate=0.5).apply_gradients([(jnp.ones(2), w)])), w.numpy().tolist()
        (1, [0.5, 0.5])
        """
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations


class Optimizer(VariableListAPI):
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
        use_ema: keep an exponential moving average of the weights (in the slots
            ``{weight}_average``); :meth:`finalize_variable_values` copies it into the
            weights (Keras's ``fit`` does so at its end).
        ema_momentum: the average's momentum, in [0, 1]. Defaults to 0.99.
        ema_overwrite_frequency: with ``use_ema``, replace the weights by their
            averages every this many steps. Defaults to None (never).
        loss_scale_factor: if set, :meth:`scale_loss` multiplies the loss by it and
            each step divides the gradients by it.
        gradient_accumulation_steps: if set (an int >= 2), sum the gradients over this
            many calls and step once with their mean (see ``optimizers/options.py``).
        name: the optimizer's name; defaults to the snake-cased class name.

    A subclass implements :meth:`transform` (its own update rule) and extends
    :meth:`get_config`; see ``kerasish/optimizers/sgd.py`` for a small one. Its
    :attr:`slot_order` gives Keras's order of its slot variables.

    Keras 3's list API works on the same state: :meth:`build`, :attr:`variables`,
    :meth:`stateless_apply`, :meth:`apply`, :meth:`apply_gradients`,
    :meth:`scale_loss`; :meth:`state_to_variables` and :meth:`variables_to_state`
    convert between an :class:`OptimizerState` and the list of ``variables`` values.

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
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if self.use_ema:
            self.ema_momentum = check_float("ema_momentum", ema_momentum, 0.0, 1.0)
            self.ema_overwrite_frequency = _check_count(
                "ema_overwrite_frequency", ema_overwrite_frequency, 1)
        self.loss_scale_factor = None if loss_scale_factor is None else check_float(
            "loss_scale_factor", loss_scale_factor, low_open=True)
        self.gradient_accumulation_steps = _check_count(
            "gradient_accumulation_steps", gradient_accumulation_steps, 2)
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
        """The number of updates applied so far, as an int32 scalar Variable.

        With ``gradient_accumulation_steps``, as in Keras, the number of applied steps
        (calls // steps) in a fresh read-only Variable; the call count is
        ``variables[0]``.
        """
        steps = getattr(self, "gradient_accumulation_steps", None)
        if steps:
            return Variable(np.asarray(self._iterations.value) // steps, dtype="int32",
                            trainable=False, name="iteration", path=f"{self.name}/iteration")
        return self._iterations

    @property
    def scale_of(self):
        """With ``loss_scale_factor``: ``state -> the factor``, read by the engine to
        scale the loss it differentiates; else None."""
        factor = self.loss_scale_factor
        if factor is None:
            return None
        return lambda state: jnp.asarray(factor, jnp.float32)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, assign each weight in ``var_list`` its moving average
        (Keras's ``fit`` calls this at its end); otherwise nothing.

        The optimizer must be built on ``var_list`` (the averages are read from its
        :attr:`variables`, which ``sync_from_state`` keeps current).
        """
        if not self.use_ema:
            return
        self._require_built("finalize_variable_values")
        var_list = list(var_list)
        built = self._layout.variables
        if len(var_list) != len(built):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not "
                f"match the length of model variables stored in the optimizer "
                f"({len(built)}). Pass the variables the optimizer was built with.")
        averages = self._slot_variables[:len(built)]  # Keras's order: the averages first
        for var, average in zip(var_list, averages):
            var.assign(average.value)

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

    def _clip_parts(self):
        if self.clipnorm is not None:
            return [transforms.clip_by_norm(self.clipnorm)]
        if self.global_clipnorm is not None:
            return [transforms.clip_by_global_norm(self.global_clipnorm)]
        if self.clipvalue is not None:
            return [optax.clip(self.clipvalue)]
        return []

    def _chain(self):
        parts = self._clip_parts()
        mask = self._decay_mask if (self._exclude_paths or self._exclude_pattern) else None
        if self.weight_decay and self.reads_weights:
            # Keras decays the weight before the rule runs, and this rule reads it.
            parts.append(transforms.decay_then(self.transform(), self.weight_decay, mask))
        else:
            parts.append(self.transform())
            if self.weight_decay:
                parts.append(transforms.add_decoupled_weight_decay(self.weight_decay, mask))
        return optax.chain(*parts)

    #: True for a rule that reads the weights (Lamb, Ftrl, Adafactor): weight decay
    #: then runs before it, on the weights it sees, as in Keras.
    reads_weights = False

    @property
    def _option_count(self):
        return bool(self.use_ema) + bool(self.gradient_accumulation_steps)

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
        slots = options.init_option_slots(params, use_ema=self.use_ema,
                                          accumulation_steps=self.gradient_accumulation_steps)
        return OptimizerState(iterations, self._learning_rate_at(iterations),
                              slots + tuple(self._chain().init(params)))

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
        if self.loss_scale_factor is not None:
            grads = jax.tree.map(lambda g: g / self.loss_scale_factor, grads)
        steps = self.gradient_accumulation_steps
        # Keras's `optimizer.iterations`: the count of applied steps.
        applied = state.iterations // steps if steps else state.iterations
        n = self._option_count
        chain = self._chain()

        def rule(grads, slots):
            return chain.update(grads, slots, params, learning_rate=learning_rate,
                                iterations=applied)

        option_slots, inner = list(state.slots[:n]), tuple(state.slots[n:])
        if steps:
            updates, inner, accumulators = options.accumulate(
                rule, grads, option_slots[-1].gradient_accumulators, inner, state.iterations, steps)
            option_slots[-1] = options.AccumulationSlots(accumulators)
        else:
            updates, inner = rule(grads, inner)
        if self.use_ema:
            if params is None:
                raise ValueError(
                    "`use_ema` needs the current weights, but `update` was called with "
                    "params=None. Pass them: `optimizer.update(grads, state, params)`.")
            updates, averages = options.moving_average(
                params, updates, option_slots[0].averages, applied, self.ema_momentum,
                self.ema_overwrite_frequency)
            option_slots[0] = options.EMASlots(averages)
        slots = tuple(option_slots) + tuple(inner)
        iterations = state.iterations + 1
        if self._schedule is not None:
            learning_rate = self._learning_rate_at(iterations)
        return updates, OptimizerState(iterations, learning_rate, slots)

    def to_optax(self):
        """The same ``init`` / ``update`` as an ``optax.GradientTransformation``."""
        return optax.GradientTransformation(self.init, self.update)

    def sync_from_state(self, state, slots=True):
        """Write ``state`` back into the Variables, so that :attr:`variables` show it.

        ``iterations`` and the learning rate always; the slot Variables too when
        ``slots`` is True and the optimizer is built for the weights ``state`` was made
        for (``build(model.trainable_variables)`` when the state is created with
        ``init``). ``slots=False`` skips the copy of every slot, for frequent syncs
        (per-batch callbacks) that only need the counters.
        """
        # Host copies: the engine may donate (and so delete) the state's buffers later.
        self._iterations.assign(np.asarray(state.iterations))
        if self._schedule is None:
            self._learning_rate.assign(np.asarray(state.learning_rate))
        if slots:
            self._sync_slots(state)

    def _sync_slots(self, state):
        layout = self._layout
        if not self.built or jax.tree.structure(state.slots) != layout.treedef:
            return
        for var, value in zip(self._slot_variables, layout.slot_values(state.slots)):
            # A device copy (the state may be donated later); device_put compiles
            # nothing, where jnp.array(copy=True) compiled a program per shape.
            var.assign(jax.device_put(value, may_alias=False))

    def sync_to_state(self, state):
        """``state`` with its learning rate replaced by the Variable's current value.

        For a rate changed between epochs (``opt.learning_rate = 0.01``, as Keras's
        callbacks do): the slots and ``iterations`` are kept, and the compiled step is
        reused. With a schedule the state is returned unchanged.
        """
        if self._schedule is not None:
            return state
        return state._replace(learning_rate=self._learning_rate_at(state.iterations))

    # -- Keras 3's variable lists ----------------------------------------------
    #: Keras's per-weight optimizer variables, in the order Keras creates them: a
    #: tuple of groups, one per Keras ``add_optimizer_variables`` call. Within a group
    #: the variables alternate weight by weight (Adam: momentum and velocity of the
    #: first weight, then of the second, ...); the groups follow one another. Each
    #: entry is ``(field of the transform's slots NamedTuple, Keras's name suffix)``.
    #: Fields that are None (``velocity_hats`` without ``amsgrad``) are skipped; fields
    #: not listed come last, one group each, named after the field. Read by
    #: :meth:`slot_layout`, hence by :attr:`variables` and by ``.weights.h5`` files.
    slot_order = ()
    built = False
    _layout = None
    _slot_variables = ()

    @property
    def variables(self):
        """Keras's list of optimizer variables, in Keras's order.

        ``iteration``, ``learning_rate`` (absent when it is a schedule), then, once
        built, the slots in :attr:`slot_order` (named ``{weight path}_{slot}``, e.g.
        ``dense_kernel_momentum``). Their values follow the training state through
        :meth:`sync_from_state`.

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import Adam
        >>> from kerasish.variables import Variable
        >>> opt = Adam()
        >>> [v.name for v in opt.variables]
        ['iteration', 'learning_rate']
        >>> opt.build([Variable(jnp.ones((2, 3)), name="kernel"), Variable(jnp.ones(3), name="bias")])
        >>> [(v.name, v.shape) for v in opt.variables[2:]]
        [('kernel_momentum', (2, 3)), ('kernel_velocity', (2, 3)), ('bias_momentum', (3,)), ('bias_velocity', (3,))]
        """
        return self._counter_variables() + list(self._slot_variables)

    def _counter_variables(self):
        return [self._iterations] + ([self._learning_rate] if self._schedule is None else [])

    def _counter_values(self, state):
        return [state.iterations] + ([state.learning_rate] if self._schedule is None else [])

    def _counters_from(self, values):
        """``(iterations, learning_rate, how many values they took)``."""
        iterations = jnp.asarray(values[0], jnp.int32)
        if self._schedule is None:
            return iterations, jnp.asarray(values[1], self._learning_rate.dtype), 2
        return iterations, self._learning_rate_at(iterations), 1

    def _slot_positions(self, i):
        offset = len(self._counter_variables())
        return [offset + j for j, w in enumerate(self._layout.slot_weights) if w == i]

    def slot_layout(self, slots, weight_keys):
        """Where Keras's per-weight variables live in ``slots``, in Keras's order.

        ``slots`` is an ``OptimizerState.slots``; ``weight_keys`` are the weights' keys
        in its pytrees (``("dense", "kernel")``), in Keras's weight order. Returns a
        list of :class:`SlotRef`. Leaves of ``slots`` that are not one weight's slot
        are not listed.

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import RMSprop
        >>> opt = RMSprop(momentum=0.9)
        >>> state = opt.init({"d": {"w": jnp.ones(2), "b": jnp.ones(1)}})
        >>> [(r.field, r.weight_key) for r in opt.slot_layout(state.slots, [("d", "w"), ("d", "b")])]
        [('velocities', ('d', 'w')), ('velocities', ('d', 'b')), ('momentums', ('d', 'w')), ('momentums', ('d', 'b'))]
        """
        keys = [tuple(k) for k in weight_keys]
        by_length = {}
        for k in keys:
            by_length.setdefault(len(k), set()).add(k)
        leaf_of, fields_of = {}, {}
        paths = jax.tree_util.tree_flatten_with_path(slots)[0]
        for leaf, (path, _) in enumerate(paths):
            found = _parse_slot_path(path, by_length) if keys else None
            if found is not None:
                part, field, key = found
                leaf_of[found] = leaf
                fields_of.setdefault(part, [])
                if field not in fields_of[part]:
                    fields_of[part].append(field)
        order = options.SLOT_ORDER + tuple(self.slot_order)
        names = {field: name for group in order for field, name in group}
        refs = []
        for part in sorted(fields_of):
            fields = fields_of[part]
            groups = [[f for f, _ in group if f in fields] for group in order]
            listed = {f for group in groups for f in group}
            groups = [g for g in groups if g] + [[f] for f in fields if f not in listed]
            for group in groups:
                for key in keys:
                    refs.extend(SlotRef(part, f, key, names.get(f, f), leaf_of[(part, f, key)])
                                for f in group if (part, f, key) in leaf_of)
        return refs

    def _variable_layout(self, slots, variables, keys):
        """[(leaf index, weight index or None, variable name)] in ``variables`` order."""
        index = {key: i for i, key in enumerate(keys)}
        # An empty slot name is Keras's bare weight name (Adafactor's factored moments).
        entries = [(r.leaf, index[r.weight_key],
                    variables[index[r.weight_key]].path.replace('/', '_')
                    + (f"_{r.name}" if r.name else ""))
                   for r in self.slot_layout(slots, keys)]
        used = {leaf for leaf, _, _ in entries}
        paths = jax.tree_util.tree_flatten_with_path(slots)[0]
        # Other state (a custom transform's step count, ...) comes last, named by its path.
        entries += [(leaf, None, _key_path_str(path).replace("/", "_"))
                    for leaf, (path, _) in enumerate(paths) if leaf not in used]
        return entries

    def build(self, var_list):
        """Create the slot Variables for the weights ``var_list`` (kerasish Variables).

        Keras 3's ``build``: afterwards :attr:`variables` lists the slots, and
        :meth:`stateless_apply` takes values in ``var_list``'s order. Building again
        on the same list does nothing; on another list it starts fresh slots.
        The slots' pytrees are keyed like the weights' params (see :func:`weight_keys`).

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import Adagrad
        >>> from kerasish.variables import Variable
        >>> opt = Adagrad(name="ada")
        >>> opt.build([Variable(jnp.zeros(2), name="w")])
        >>> opt.built, [(v.path, v.numpy().tolist()) for v in opt.variables[2:]]
        (True, [('ada/w_accumulator', [0.10000000149011612, 0.10000000149011612])])
        """
        var_list = list(var_list)
        bad = [type(v).__name__ for v in var_list if not isinstance(v, Variable)]
        if bad:
            raise TypeError(
                f"{type(self).__name__}.build expects a list of kerasish Variables (e.g. "
                f"`model.trainable_variables`). Received items of type {sorted(set(bad))}. "
                "For arrays, wrap each in `kerasish.Variable(array)`."
            )
        if self.built and len(var_list) == len(self._layout.variables) \
                and all(a is b for a, b in zip(var_list, self._layout.variables)):
            return
        keys = weight_keys(var_list)
        params = _Layout(var_list, keys, None, (), ()).to_tree([v.value for v in var_list])
        slots = self.init(params).slots
        leaves, treedef = jax.tree.flatten(slots)
        entries = self._variable_layout(slots, var_list, keys)
        self._layout = _Layout(var_list, keys, treedef, tuple(e[0] for e in entries),
                               tuple(e[1] for e in entries))
        self._slot_variables = [
            Variable(leaves[leaf], dtype=jnp.asarray(leaves[leaf]).dtype.name, trainable=False,
                     name=name, path=f"{self.name}/{name}")
            for leaf, _, name in entries
        ]
        self.built = True

    def state_to_variables(self, state):
        """The flat list of :attr:`variables` values held in ``state``; pure, jittable.

        ``state`` is an :class:`OptimizerState` whose slots are keyed like the params
        of the built weights (``init(params)``, or what ``update`` returns). With
        :meth:`variables_to_state`, this converts between the engine's pytree state and
        Keras's list, e.g. ``optimizer.state_to_variables(model_state)`` to hand a
        model's optimizer state to a Keras-style ``stateless_apply`` loop.

        >>> import jax.numpy as jnp
        >>> from kerasish.optimizers import SGD
        >>> from kerasish.variables import Variable
        >>> opt = SGD(momentum=0.9)
        >>> opt.build([Variable(jnp.ones(2), name="w")])
        >>> state = opt.init({"w": jnp.ones(2)})
        >>> [x.shape for x in opt.state_to_variables(state)]
        [(), (), (2,)]
        >>> opt.variables_to_state(opt.state_to_variables(state)).slots[0].momentums["w"].shape
        (2,)
        """
        self._require_built("state_to_variables")
        if not isinstance(state, OptimizerState):
            raise TypeError(
                f"{type(self).__name__}.state_to_variables expects an OptimizerState "
                f"(from `init` or `update`). Received: {type(state).__name__}"
            )
        structure = jax.tree.structure(state.slots)
        if structure != self._layout.treedef:
            raise ValueError(
                "Received an OptimizerState whose slots do not match the weights this "
                f"optimizer was built for ({[v.path for v in self._layout.variables]}): "
                f"expected slots structured as {_short(self._layout.treedef)}, received "
                f"{_short(structure)}. Build the optimizer on the weights the state was "
                "made for: `optimizer.build(model.trainable_variables)`."
            )
        return self._counter_values(state) + self._layout.slot_values(state.slots)

    def variables_to_state(self, optimizer_variables):
        """The :class:`OptimizerState` held in a list of :attr:`variables` values; pure,
        jittable. The inverse of :meth:`state_to_variables`; its slots are keyed like
        the params of the built weights. With a schedule, the state's learning rate is
        the schedule at ``iterations``."""
        self._require_built("variables_to_state")
        _check_list("optimizer_variables", optimizer_variables, self.variables,
                    f"entry of `{type(self).__name__}.variables`")
        iterations, learning_rate, n = self._counters_from(optimizer_variables)
        slots = [jnp.asarray(unwrap(x), var.dtype)
                 for x, var in zip(optimizer_variables[n:], self._slot_variables)]
        return OptimizerState(iterations, learning_rate, self._layout.slots_from(slots))

    def scale_loss(self, loss):
        """The loss to differentiate: ``loss * loss_scale_factor``, or ``loss`` itself
        when ``loss_scale_factor`` is None (each step divides the gradients back).

        >>> from kerasish.optimizers import SGD
        >>> SGD(loss_scale_factor=8.0).scale_loss(2.0)
        16.0
        """
        if getattr(self, "loss_scale_factor", None) is not None:
            return loss * self.loss_scale_factor
        return loss

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
    from kerasish.optimizers import schedules

    return schedules.deserialize(config)
