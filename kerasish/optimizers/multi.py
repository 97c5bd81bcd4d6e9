"""``MultiOptimizer`` and ``OptimizerMap``: different optimizers for different weights.

Keras 3.15's rule: each trainable variable goes to the optimizer its map chooses (an
:class:`OptimizerMap` matches ``variable.path`` exactly, else as a regular expression
with ``re.fullmatch``, else falls back to its default; or any callable
``variable -> Optimizer``). Every step, each inner optimizer that owns weights takes
one step on its own weights (clipping, weight decay, EMA and gradient accumulation are
the inner optimizer's, over its weights only); the MultiOptimizer counts the steps.

The state is an :class:`~kerasish.optimizers.OptimizerState` whose ``slots`` is a
:class:`MultiSlots`: one inner ``OptimizerState`` per inner optimizer, with the
assignment of weights (their keys in the params pytree) as static data, so that ``init``
and ``update`` agree under ``jax.jit``. Keras's ``variables`` list is the
MultiOptimizer's ``iteration`` and ``learning_rate`` (always 0), then each inner
optimizer's own list, in :attr:`MultiOptimizer.optimizers` order.

The weights are assigned by their Variable paths once the optimizer is built
(``optimizer.build(model.trainable_variables)``); a state made with ``init(params)``
before that assigns each weight by its key path in ``params`` (``"dense/kernel"``),
which is the Variable's path except for layers nested in a layer (``Bidirectional``).
"""

import importlib
import re
import warnings
from collections.abc import MutableMapping

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.optimizers.base import (Optimizer, OptimizerState, _caller_stacklevel,
                                      _check_list, _Layout, check_float, weight_keys)
from kerasish.utils.naming import to_snake_case, uniquify
from kerasish.variables import Variable, unwrap


def _serialization():
    # The saving package imports the optimizers; reached at call time, as a plugin
    # (the package first: its modules import one another through it).
    importlib.import_module("kerasish.saving")
    return importlib.import_module("kerasish.saving.serialization")


def _is_loss_scale(obj):
    return hasattr(obj, "inner_optimizer") and hasattr(obj, "scale_of")


def _check_inner(optimizer, what):
    """A ValueError unless ``optimizer`` can be one of a MultiOptimizer's optimizers."""
    if _is_loss_scale(optimizer):
        raise ValueError(
            f"{what}: optimizer cannot be LossScaleOptimizer. Wrap the MultiOptimizer "
            "instead: LossScaleOptimizer(MultiOptimizer(...)).")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{what}: optimizer cannot be MultiOptimizer (no nesting). Put its "
                         "patterns into one OptimizerMap.")
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"{what}: optimizer must be a Keras Optimizer instance, e.g. "
            f"kerasish.optimizers.Adam(). Received: {optimizer!r} (of type "
            f"{type(optimizer).__name__})")


class OptimizerMap(MutableMapping):
    """Which optimizer updates which variable, as ``keras.optimizers.OptimizerMap``.

    A mapping from keys (a variable path, or a regular expression matched against the
    whole path with ``re.fullmatch``) to optimizers; a path that no key matches gets
    ``default_optimizer``. Calling the map on a Variable looks its ``path`` up.

    Args:
        default_optimizer: the Optimizer of every variable no key matches.
        optimizer_map: optional dict ``{key: Optimizer}``; more keys can be added
            with ``optimizer_map[key] = optimizer``.

    >>> from kerasish.optimizers import SGD, Adam
    >>> m = OptimizerMap(SGD(name="sgd"), {"encoder/.*": Adam(name="adam")})
    >>> m["encoder/dense/kernel"].name, m["head/kernel"].name, len(m)
    ('adam', 'sgd', 1)
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer) or _is_loss_scale(default_optimizer):
            raise TypeError(
                "default_optimizer must be a Keras Optimizer instance (not a "
                "LossScaleOptimizer), e.g. kerasish.optimizers.SGD(). "
                f"Received: {default_optimizer!r}")
        if isinstance(default_optimizer, MultiOptimizer):
            raise ValueError("default_optimizer cannot be MultiOptimizer (no nesting).")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "optimizer_map must be a dictionary {variable path or regex: Optimizer}. "
                f"Received: {optimizer_map!r} (of type {type(optimizer_map).__name__})")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        """The optimizer of the variables no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        """The optimizer for the path ``key``: an exact key first, else the one key that
        fully matches it as a regex, else the default. Two matching keys: ValueError."""
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(
                f"Multiple optimizers assigned to variable {key}: the keys {matching} all "
                "match its path. Make the patterns exclusive (e.g. anchor them).")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string (a variable path or a regex). "
                             f"Received: {key!r}")
        try:
            re.compile(key)
        except re.error as e:
            raise ValueError(f"key {key!r} is not a valid regular expression: {e}") from e
        _check_inner(optimizer, f"OptimizerMap[{key!r}]")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        """Keras's keys: the serialized ``default_optimizer`` and ``optimizer_map``."""
        serialize = _serialization().serialize_keras_object
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An OptimizerMap from :meth:`get_config`'s output (Keras's works too)."""
        return cls(_optimizer_from(config["default_optimizer"], custom_objects),
                   {k: _optimizer_from(v, custom_objects)
                    for k, v in (config.get("optimizer_map") or {}).items()})


def _optimizer_from(value, custom_objects=None):
    if isinstance(value, dict):
        return _serialization().deserialize_keras_object(value, custom_objects)
    return value


@jax.tree_util.register_pytree_node_class
class MultiSlots:
    """``OptimizerState.slots`` of a MultiOptimizer: ``states``, one OptimizerState per
    inner optimizer, and ``routing``, static: for each inner optimizer the keys of its
    weights in the params pytree (a tuple of tuples of keys)."""

    def __init__(self, states, routing):
        self.states = tuple(states)
        self.routing = routing

    def tree_flatten(self):
        return (self.states,), self.routing

    @classmethod
    def tree_unflatten(cls, routing, children):
        return cls(children[0], routing)

    def __repr__(self):
        return f"MultiSlots(states={self.states!r}, routing={self.routing!r})"


def _leaf_items(tree, prefix=()):
    """[(key tuple, leaf)]: dicts in their own (insertion) order, which for a model's
    params is its variable order (jax would sort the keys); other nodes as jax
    flattens them."""
    if isinstance(tree, dict):
        return [item for k, v in tree.items() for item in _leaf_items(v, prefix + (str(k),))]
    return [(prefix + tuple(_path_key(p) for p in path), leaf)
            for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]]


def _subtree(keys, values):
    tree = {}
    for key, value in zip(keys, values):
        node = tree
        for k in key[:-1]:
            node = node.setdefault(k, {})
        node[key[-1]] = value
    return tree


def _lookup(tree, key):
    for k in key:
        tree = tree[k]
    return tree


class MultiOptimizer(Optimizer):
    """Different optimizers for different variables, as ``keras.optimizers.MultiOptimizer``.

    Args:
        optimizer_map: an :class:`OptimizerMap`, or a callable ``variable ->
            Optimizer`` (it receives each trainable Variable, e.g. to test its
            ``path``).
        loss_scale_factor: if set, :meth:`scale_loss` multiplies the loss by it and
            each inner optimizer divides its gradients by it. As in Keras, it replaces
            the inner optimizers' own ``loss_scale_factor`` (None included).
        name: defaults to ``"multi_optimizer"``.

    It has no learning rate of its own (reading ``learning_rate`` raises
    AttributeError): change the inner ones, listed by :attr:`optimizers`.

    >>> import numpy as np, kerasish
    >>> from kerasish.optimizers import SGD, Adam
    >>> opt = MultiOptimizer(OptimizerMap(SGD(0.1, name="sgd"), {".*head/.*": Adam(name="adam")}))
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2, name="body"),
    ...                              kerasish.layers.Dense(1, name="head")])
    >>> model.compile(optimizer=opt, loss="mse")
    >>> _ = model.fit(np.ones((4, 3)), np.zeros((4, 1)), epochs=2, verbose=0)
    >>> [o.name for o in opt.optimizers], int(opt.iterations), int(opt.optimizers[0].iterations)
    (['adam', 'sgd'], 2, 2)
    >>> [v.path for v in opt.variables][:4]
    ['multi_optimizer/iteration', 'multi_optimizer/learning_rate', 'adam/iteration', 'adam/learning_rate']
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if isinstance(optimizer_map, Optimizer) or _is_loss_scale(optimizer_map):
            raise TypeError(
                "optimizer_map must be an OptimizerMap or a callable `variable -> "
                f"Optimizer`. Received: {optimizer_map!r}. For one optimizer for every "
                "variable, pass the optimizer itself to compile().")
        if isinstance(optimizer_map, dict) or not callable(optimizer_map):
            raise TypeError(
                "optimizer_map must be an OptimizerMap or a callable `variable -> "
                f"Optimizer`. Received: {optimizer_map!r} (of type "
                f"{type(optimizer_map).__name__}). For a dict of patterns, wrap it: "
                "MultiOptimizer(OptimizerMap(default_optimizer, {pattern: optimizer}))."
            )
        self.name = name or uniquify(to_snake_case(type(self).__name__))
        # The base options do not apply to a MultiOptimizer (the inner ones have them).
        self.weight_decay = self.clipnorm = self.clipvalue = self.global_clipnorm = None
        self.use_ema, self.ema_momentum, self.ema_overwrite_frequency = False, 0.99, None
        self.gradient_accumulation_steps = None
        self._exclude_paths, self._exclude_pattern = frozenset(), None
        self._schedule = None
        self._iterations = Variable(0, dtype="int32", trainable=False, name="iteration",
                                    path=f"{self.name}/iteration")
        # Keras's MultiOptimizer is an Optimizer with a learning rate of 0.
        self._learning_rate = Variable(0.0, dtype=config.floatx(), trainable=False,
                                       name="learning_rate", path=f"{self.name}/learning_rate")
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        self._key_choice = {}  # weight key -> inner index, chosen before build
        self._assignment = None  # built: inner index per built variable
        self._loss_scale_factor = None if loss_scale_factor is None else check_float(
            "loss_scale_factor", loss_scale_factor, low_open=True)
        if isinstance(optimizer_map, OptimizerMap):
            for opt in list(optimizer_map.values()) + [optimizer_map.default_optimizer]:
                self._add_inner(opt)

    # -- the inner optimizers ----------------------------------------------------
    @property
    def optimizers(self):
        """The inner optimizers, in Keras's order: the map's values, its default, then
        those a callable map returned, in the order of the variables."""
        return self._inner_optimizers

    def _add_inner(self, optimizer):
        if not any(optimizer is o for o in self._inner_optimizers):
            optimizer.loss_scale_factor = self._loss_scale_factor
            self._inner_optimizers.append(optimizer)
        return next(i for i, o in enumerate(self._inner_optimizers) if o is optimizer)

    def _choose(self, variable):
        optimizer = self._optimizer_map(variable)
        if _is_loss_scale(optimizer):
            raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer "
                             f"(variable {variable.path!r}).")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer "
                             f"(variable {variable.path!r}).")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"Optimizer for variable {variable.path!r} is not an Optimizer instance: "
                f"the optimizer_map returned {optimizer!r}. Return an optimizer for every "
                "trainable variable (an OptimizerMap always falls back to its default).")
        return self._add_inner(optimizer)

    @property
    def loss_scale_factor(self):
        """The loss scale, shared with every inner optimizer (setting it sets theirs)."""
        return self._loss_scale_factor

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self._inner_optimizers:
            opt.loss_scale_factor = value

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning "
            "rate on the individual sub-optimizers instead: "
            "[opt.learning_rate for opt in optimizer.optimizers].")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on "
            "the individual sub-optimizers instead: optimizer.optimizers[i].learning_rate.")

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Refused: weight decay belongs to the inner optimizers; call it on them."""
        raise ValueError(
            "A MultiOptimizer has no weight decay of its own: call "
            "`exclude_from_weight_decay` on the inner optimizer that decays the weights "
            "(`optimizer.optimizers[i]`).")

    # -- routing ---------------------------------------------------------------------
    def _routing(self, items):
        """For each inner optimizer, the keys of ``items`` ([(key, leaf)]) it updates."""
        keys = [key for key, _ in items]
        if self._assignment is not None and set(keys) == set(self._layout.keys):
            chosen = dict(zip(self._layout.keys, self._assignment))
        else:
            chosen = {}
            for key, leaf in items:
                if key not in self._key_choice:
                    # A stand-in Variable: the map sees the path, shape and dtype.
                    stand_in = Variable(lambda shape, dtype: None, shape=np.shape(leaf),
                                        dtype=jnp.result_type(leaf), name=key[-1],
                                        path="/".join(key))
                    self._key_choice[key] = self._choose(stand_in)
                chosen[key] = self._key_choice[key]
        # Sorted: jax's transforms give dicts back with sorted keys.
        return tuple(tuple(sorted(k for k in keys if chosen[k] == j))
                     for j in range(len(self._inner_optimizers)))

    def build(self, var_list):
        """Assign each Variable of ``var_list`` to its optimizer and build each inner
        optimizer on its variables (Keras's ``build``); again on the same list: nothing."""
        var_list = list(var_list)
        bad = [type(v).__name__ for v in var_list if not isinstance(v, Variable)]
        if bad:
            raise TypeError(
                f"MultiOptimizer.build expects a list of kerasish Variables (e.g. "
                f"`model.trainable_variables`). Received items of type {sorted(set(bad))}.")
        if self.built and len(var_list) == len(self._layout.variables) \
                and all(a is b for a, b in zip(var_list, self._layout.variables)):
            return
        keys = weight_keys(var_list)
        assignment = []
        for key, var in zip(keys, var_list):
            if key in self._key_choice and "/".join(key) == var.path:
                assignment.append(self._key_choice[key])  # the choice `init` made already
            else:
                assignment.append(self._choose(var))
        self._warn_unmatched(var_list)
        self._layout = _Layout(var_list, keys, None, (), ())
        self._assignment = tuple(assignment)
        for j, opt in enumerate(self._inner_optimizers):
            own = [v for v, a in zip(var_list, assignment) if a == j]
            if own:
                opt.build(own)
        self.built = True

    def _warn_unmatched(self, var_list):
        """A key of the OptimizerMap that matches no variable is most likely a path
        written for another model (Keras puts a Sequential's name in front of its
        layers' paths, kerasish does not): say so instead of silently using the default."""
        if not isinstance(self._optimizer_map, OptimizerMap) or not var_list:
            return
        paths = [v.path for v in var_list]
        unmatched = [k for k in self._optimizer_map
                     if k not in paths and not any(re.fullmatch(k, p) for p in paths)]
        if unmatched:
            warnings.warn(
                f"The OptimizerMap keys {unmatched} match none of the variables, which go to "
                "the other keys' optimizers or to the default. Keys match the whole "
                f"variable path with re.fullmatch; the paths are {paths[:6]}"
                f"{' ...' if len(paths) > 6 else ''}. A leading '.*' matches any prefix "
                "(e.g. '.*dense_1/.*').", UserWarning, stacklevel=_caller_stacklevel())

    # -- the pure functions ---------------------------------------------------------
    def init(self, params):
        """A fresh state for ``params``: each inner optimizer's ``init`` on its weights."""
        items = _leaf_items(params)
        routing = self._routing(items)
        values = dict(items)
        states = []
        for opt, keys in zip(self._inner_optimizers, routing):
            if keys:
                states.append(opt.init(_subtree(keys, [values[k] for k in keys])))
            else:  # Keras never steps nor builds an optimizer without variables
                iterations = jnp.array(opt._iterations.value, jnp.int32)
                states.append(OptimizerState(iterations, opt._learning_rate_at(iterations), ()))
        iterations = jnp.array(self._iterations.value, jnp.int32)
        return OptimizerState(iterations, jnp.array(self._learning_rate.value),
                              MultiSlots(states, routing))

    def _check_state(self, state, items, where):
        if not isinstance(state, OptimizerState) or not isinstance(state.slots, MultiSlots):
            raise TypeError(
                f"MultiOptimizer.{where} expects the OptimizerState made by "
                f"`MultiOptimizer.init(params)`. Received: {type(state).__name__}")
        routing = self._routing(items)
        if state.slots.routing != routing:
            raise ValueError(
                "This MultiOptimizer state assigns the weights to the inner optimizers "
                "differently from the optimizer now: it was made before `build()` (by "
                "the weights' keys in the params tree), and the Variables' paths choose "
                "other optimizers. Build the optimizer first, then start training: "
                "`model.optimizer.build(model.trainable_variables)` before `fit`.")
        return routing

    def update(self, grads, state, params=None):
        """One step: each inner optimizer's ``update`` on its weights; pure, jittable."""
        items = _leaf_items(params if params is not None else grads)
        routing = self._check_state(state, items, "update")
        grad_of = dict(_leaf_items(grads))
        param_of = None if params is None else dict(items)
        updates = {}
        states = list(state.slots.states)
        for j, (opt, keys) in enumerate(zip(self._inner_optimizers, routing)):
            if not keys:
                continue
            sub_params = None if param_of is None else _subtree(keys, [param_of[k] for k in keys])
            sub_updates, states[j] = opt.update(
                _subtree(keys, [grad_of[k] for k in keys]), states[j], sub_params)
            updates.update({k: _lookup(sub_updates, k) for k in keys})
        flat, treedef = jax.tree_util.tree_flatten_with_path(grads)
        new = jax.tree_util.tree_unflatten(
            treedef, [updates[tuple(_path_key(p) for p in path)] for path, _ in flat])
        return new, OptimizerState(state.iterations + 1, state.learning_rate,
                                   MultiSlots(states, routing))

    # -- Keras 3's variable lists ------------------------------------------------------
    @property
    def variables(self):
        """``iteration`` and ``learning_rate`` (0) of the MultiOptimizer, then each
        inner optimizer's ``variables``, in :attr:`optimizers` order."""
        out = [self._iterations, self._learning_rate]
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    def _blocks(self):
        """(start, stop) of each inner optimizer's variables in :attr:`variables`."""
        blocks, start = [], 2
        for opt in self._inner_optimizers:
            n = len(opt.variables)
            blocks.append((start, start + n))
            start += n
        return blocks

    def _slot_positions(self, i):
        j = self._assignment[i]
        local = sum(1 for a in self._assignment[:i] if a == j)
        start = self._blocks()[j][0]
        return [start + p for p in self._inner_optimizers[j]._slot_positions(local)]

    def _built_routing(self):
        return tuple(tuple(sorted(k for k, a in zip(self._layout.keys, self._assignment)
                                  if a == j))
                     for j in range(len(self._inner_optimizers)))

    def state_to_variables(self, state):
        """The values of :attr:`variables` held in ``state``; pure, jittable."""
        self._require_built("state_to_variables")
        self._check_state(state, [(k, None) for k in self._layout.keys], "state_to_variables")
        out = [state.iterations, state.learning_rate]
        for opt, keys, inner in zip(self._inner_optimizers, self._built_routing(),
                                    state.slots.states):
            out.extend(opt.state_to_variables(inner) if keys else opt._counter_values(inner))
        return out

    def variables_to_state(self, optimizer_variables):
        """The state held in a list of :attr:`variables` values; pure, jittable."""
        self._require_built("variables_to_state")
        _check_list("optimizer_variables", optimizer_variables, self.variables,
                    "entry of `MultiOptimizer.variables`")
        values = list(optimizer_variables)
        routing = self._built_routing()
        states = []
        for opt, keys, (start, stop) in zip(self._inner_optimizers, routing, self._blocks()):
            part = values[start:stop]
            if keys:
                states.append(opt.variables_to_state(part))
            else:
                iterations, learning_rate, _ = opt._counters_from(part)
                states.append(OptimizerState(iterations, learning_rate, ()))
        return OptimizerState(jnp.asarray(unwrap(values[0]), jnp.int32),
                              jnp.asarray(unwrap(values[1]), self._learning_rate.dtype),
                              MultiSlots(states, routing))

    def sync_from_state(self, state, slots=True):
        """Write ``state`` into the Variables: the counters, and each inner optimizer's
        (its slots too when ``slots`` and the state is of the built weights)."""
        self._iterations.assign(np.asarray(state.iterations))
        current = self.built and state.slots.routing == self._built_routing()
        for opt, inner in zip(self._inner_optimizers, state.slots.states):
            opt.sync_from_state(inner, slots=slots and current)

    def sync_to_state(self, state):
        """``state`` with each inner optimizer's current learning rate."""
        states = [opt.sync_to_state(inner)
                  for opt, inner in zip(self._inner_optimizers, state.slots.states)]
        return state._replace(slots=MultiSlots(states, state.slots.routing))

    def finalize_variable_values(self, var_list):
        """Each inner optimizer's ``finalize_variable_values`` on its variables (the
        ones with ``use_ema`` copy their moving averages into the weights)."""
        if not self.built:
            return
        index = {id(v): i for i, v in enumerate(self._layout.variables)}
        groups = [[] for _ in self._inner_optimizers]
        for var in var_list:
            if id(var) not in index:
                raise ValueError(
                    f"finalize_variable_values: {var.path!r} is not one of the variables "
                    "this MultiOptimizer was built with.")
            groups[self._assignment[index[id(var)]]].append(var)
        for opt, own in zip(self._inner_optimizers, groups):
            if own:
                opt.finalize_variable_values(own)

    # -- config ----------------------------------------------------------------------
    def get_config(self):
        """Keras's keys: ``optimizer_map`` (serialized, or the callable itself),
        ``loss_scale_factor`` and ``name``."""
        optimizer_map = self._optimizer_map
        if isinstance(optimizer_map, OptimizerMap):
            optimizer_map = _serialization().serialize_keras_object(optimizer_map)
        return {"optimizer_map": optimizer_map, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A MultiOptimizer from :meth:`get_config`'s output (Keras's works too)."""
        config = dict(config)
        optimizer_map = config.get("optimizer_map")
        if isinstance(optimizer_map, dict) and optimizer_map.get("class_name") == "OptimizerMap":
            optimizer_map = OptimizerMap.from_config(optimizer_map.get("config") or {},
                                                     custom_objects)
        elif isinstance(optimizer_map, dict):
            optimizer_map = _serialization().deserialize_keras_object(optimizer_map,
                                                                      custom_objects)
        config["optimizer_map"] = optimizer_map
        return cls(**config)

    def __repr__(self):
        return f"<MultiOptimizer name={self.name}, optimizers={[o.name for o in self.optimizers]}>"


def _path_key(entry):
    return str(getattr(entry, "key", getattr(entry, "idx", getattr(entry, "name", entry))))
