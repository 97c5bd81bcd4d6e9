"""The metric base classes: `Metric` (Keras 3's stateful and stateless APIs over one pure
core), `Sum`, `Mean` and `MeanMetricWrapper`.

A metric is ``init_state() -> state``, ``update(state, y_true, y_pred, sample_weight)
-> state`` and ``compute(state) -> scalar``, all jittable, so the training step can
accumulate it on device. ``update_state`` / ``result`` / ``reset_state`` keep one such
state in the metric's ``variables`` for Keras-style use, and Keras 3's
``stateless_update_state`` / ``stateless_result`` / ``stateless_reset_state`` work on
lists of their values. A user's metric can be written either way: see `Metric`.
"""

import difflib
import re

import jax
import jax.numpy as jnp

from kerasish import config
from kerasish import initializers
from kerasish import losses
from kerasish.losses import squeeze_or_expand_to_same_rank
# Imported under private names: `kerasish.metrics` exports metrics only (as keras.metrics).
from kerasish.variables import StatelessScope as _StatelessScope
from kerasish.variables import Variable as _Variable
from kerasish.variables import call_initializer as _call_initializer
from kerasish.variables import current_scope as _current_scope
from kerasish.variables import standardize_dtype, unwrap

# Metric functions by name, filled by the modules that define them: what a saved
# `MeanMetricWrapper`'s "fn" may name besides the loss functions.
_FUNCTIONS = {}


def _register_functions(*fns):
    _FUNCTIONS.update({fn.__name__: fn for fn in fns})
    return fns


def _divide_no_nan(x, y):
    """``x / y``, 0 where ``y`` is 0 (Keras's ``ops.divide_no_nan``)."""
    safe = jnp.where(y == 0, 1, y)
    return jnp.where(y == 0, jnp.zeros_like(x), x / safe)


def _snake_case(name):
    """Keras's default metric name for a class name: ``MeanIoU`` -> ``mean_io_u``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unknown(kind, identifier, valid, extra=""):
    """The error for a name that is no metric, with the closest valid names."""
    close = difflib.get_close_matches(str(identifier), valid, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}.{hint}{extra} Expected a "
        f"{kind} name, a {kind.capitalize()} instance, a callable `fn(y_true, y_pred)` or a "
        f"config dict. Valid names: {valid}"
    )


# ----------------------------------------------------------------- base classes
#
# A metric's state lives in `Variable`s (Keras's model) and is also offered as a pure
# triple for jitted code (the engine's model). A subclass writes one side:
#
# * pure (every built-in): `init_state() -> state`, `update(state, ...) -> state`,
#   `compute(state) -> result`. Its `variables` are made from `init_state()`'s leaves on
#   first use, and the stateful methods run the pure ones on their values.
# * Keras-style: `add_variable` in `__init__`, then `update_state` and `result` (and maybe
#   `reset_state`) that read and assign the variables. The pure triple is then derived:
#   the state is the list of the variables' values, and `init_state` / `update` /
#   `compute` are `stateless_reset_state` / `stateless_update_state` / `stateless_result`,
#   which run the stateful method with the variables bound in a `StatelessScope`.
#
# `Metric.__init_subclass__` picks the side per class: one that overrides a stateful
# method more recently than its pure counterpart (say a subclass of `Mean` that overrides
# `update_state`) gets the derived triple, so the engine runs the code written last.

_PAIRS = (("update_state", "update"), ("result", "compute"), ("reset_state", "init_state"))
_AGGREGATIONS = ("none", "sum", "mean", "only_first_replica")


def _leaves(state):
    """A state's arrays in `variables` order: a dict's values in insertion order (Keras's
    creation order: jax's own flattening would sort the keys), lists and tuples in order."""
    if isinstance(state, dict):
        return [leaf for value in state.values() for leaf in _leaves(value)]
    if isinstance(state, (list, tuple)):
        return [leaf for value in state for leaf in _leaves(value)]
    return [state]


def _rebuild(template, leaves):
    """The inverse of `_leaves`: ``leaves`` put back into ``template``'s structure."""
    leaves = iter(leaves)

    def build(node):
        if isinstance(node, dict):
            return {key: build(value) for key, value in node.items()}
        if isinstance(node, (list, tuple)):
            items = [build(value) for value in node]
            return type(node)(*items) if hasattr(node, "_fields") else type(node)(items)
        return next(leaves)

    return build(template)


def _overrides_last(cls, stateful, pure):
    """Whether the nearest class in ``cls``'s MRO that defines either method defines only
    the stateful one."""
    for klass in cls.__mro__:
        own = vars(klass)
        if stateful in own or pure in own:
            return stateful in own and pure not in own
    return False


class Metric:
    """Base class of metrics: Keras 3's stateful and stateless APIs over one pure core.

    Subclass it as in Keras (variables from `add_variable` in ``__init__``, then
    ``update_state`` and ``result``) or the pure way (``init_state``, ``update``,
    ``compute``, as the built-ins do). Either way every metric offers:

    * stateful: ``update_state(...)``, ``result()``, ``reset_state()``, ``variables``;
    * stateless (Keras 3): ``stateless_update_state(values, ...) -> values``,
      ``stateless_result(values)`` and ``stateless_reset_state() -> values``, where
      ``values`` is a list of arrays, one per entry of ``variables``, in that order;
    * pure, jittable, what the training engine calls: ``init_state()``,
      ``update(state, y_true, y_pred, sample_weight) -> state``, ``compute(state)``.
      For a Keras-style metric ``state`` is that same list of values. For a pure one it
      is ``init_state()``'s pytree, and ``variables`` holds its leaves, a dict's values
      in insertion order (``Mean``: ``{"total", "count"}``, as Keras's two variables).

    >>> import jax, jax.numpy as jnp
    >>> class TruePositives(Metric):
    ...     def __init__(self, name="true_positives", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         hits = ((y_true == 1) & (y_pred > 0.5)).astype("float32")
    ...         if sample_weight is not None:
    ...             hits = hits * sample_weight
    ...         self.tp.assign_add(jnp.sum(hits))
    ...     def result(self):
    ...         return self.tp
    >>> m = TruePositives()
    >>> m.update_state(jnp.array([1, 1, 0]), jnp.array([0.9, 0.2, 0.8]))
    >>> float(m.result()), [v.path for v in m.variables]
    (1.0, ['true_positives/tp'])
    >>> state = jax.jit(m.update)(m.init_state(), jnp.array([1, 1]), jnp.array([0.9, 0.7]))
    >>> float(m.compute(state)), float(m.result())  # the pure path leaves m alone
    (2.0, 1.0)
    >>> mean = Mean()
    >>> values = mean.stateless_update_state(mean.stateless_reset_state(), [1.0, 3.0])
    >>> [float(v) for v in values], float(mean.stateless_result(values))  # total, count
    ([4.0, 2.0], 2.0)
    """

    # Which way is better ("up", "down" or None), for callbacks' mode="auto" (Keras's
    # `_direction`).
    _direction = None

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"`name` must be a string or None. Received: name={name!r}")
        # Straight into __dict__: `__setattr__` tracks into these lists.
        self.__dict__.update(
            _variables=[],      # from add_variable or assigned as attributes, in order
            _metrics=[],        # sub-metrics assigned as attributes (Keras tracks them)
            _state_vars=None,   # pure metrics: one Variable per init_state() leaf
            _template=None,     # pure metrics: init_state()'s structure, for _rebuild
            _layout_fixed=False,  # True once a stateless/pure call saw `variables`
        )
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = str(jnp.dtype(dtype or config.floatx()))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if any(_overrides_last(cls, stateful, pure) for stateful, pure in _PAIRS):
            for name in ("init_state", "update", "compute"):
                setattr(cls, name, vars(Metric)[name])

    # -- the pure core. These three are derived from the stateful methods; pure
    # subclasses replace them.
    def init_state(self):
        """The state before any batch: what ``reset_state`` gives, as a list of values in
        ``variables`` order."""
        return self.stateless_reset_state()

    def update(self, state, *args, **kwargs):
        """``state`` with one batch accumulated (``update_state`` run on ``state``)."""
        return self.stateless_update_state(state, *args, **kwargs)

    def compute(self, state):
        """The metric's value for ``state`` (``result`` run on ``state``)."""
        return self.stateless_result(state)

    # -- Keras's stateful API: for pure subclasses, the pure core on the variables.
    def update_state(self, *args, **kwargs):
        """Accumulate one batch into the variables."""
        update = self._pure("update")
        if update is None:
            raise self._not_implemented("update_state", "update")
        self._write_state(update(self._read_state(), *args, **kwargs))

    def result(self):
        """The metric's value from the variables."""
        compute = self._pure("compute")
        if compute is None:
            raise self._not_implemented("result", "compute")
        return compute(self._read_state())

    def reset_state(self):
        """Put the variables back to their state before any batch."""
        init = self._pure("init_state")
        if init is None:  # Keras's default: every variable back to zeros
            for v in self.variables:
                v.assign(jnp.zeros(v.shape, v.dtype))
        else:
            self._write_state(init())

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    # -- Keras 3's stateless API: the stateful methods with the variables bound.
    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The values of ``variables`` after ``update_state(*args, **kwargs)``, starting
        from ``metric_variables`` (a list in ``variables`` order). Changes nothing;
        jittable."""
        return self._run_bound(metric_variables, "stateless_update_state",
                               self.update_state, *args, **kwargs)[0]

    def stateless_result(self, metric_variables):
        """``result()`` for the variables' values ``metric_variables``."""
        return self._run_bound(metric_variables, "stateless_result", self.result)[1]

    def stateless_reset_state(self):
        """The values of ``variables`` after ``reset_state()``, as a list. Changes nothing."""
        current = [v.value for v in self.variables]
        return self._run_bound(current, "stateless_reset_state", self.reset_state)[0]

    # -- variables
    @property
    def variables(self):
        """The state's Variables in Keras's order: a pure metric's (one per leaf of
        ``init_state()``), then this metric's from ``add_variable`` (in creation order),
        then its sub-metrics'."""
        found = self._state_variables() + list(self._variables)
        for metric in self._metrics:
            found += metric.variables
        unique = {id(v): v for v in found}  # one entry per variable, first place kept
        return list(unique.values())

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a state variable of this metric (call it from ``__init__``), as in Keras.

        ``initializer`` is an initializer name, instance or ``fn(shape, dtype)``; None
        means zeros. ``dtype`` defaults to ``floatx()``. ``aggregation`` ("sum", "mean",
        "only_first_replica" or "none") is recorded on the variable.

        >>> class Count(Metric):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
        >>> Count().n.shape, Count().n.path
        ((), 'count/n')
        """
        self._check_super_called()
        self._check_layout_open(f"add_variable(name={name!r})")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"Received an invalid value for `aggregation`, expected one of "
                f"{list(_AGGREGATIONS)}. Received: aggregation={aggregation!r}"
            )
        shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
        dtype = standardize_dtype(dtype)
        # Metric variables are accumulators: with no initializer they start at zero.
        initializer = initializers.get("zeros" if initializer is None else initializer)
        with jax.ensure_compile_time_eval():  # a concrete value even inside a jit trace
            value = _call_initializer(initializer, shape, dtype, key=None)
        name = name or "variable"
        variable = _Variable(value, dtype=dtype, trainable=False, name=name,
                            path=f"{self.name}/{name}")
        variable.aggregation = aggregation
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's older name for `add_variable` (zeros unless ``initializer`` is given)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def __setattr__(self, name, value):
        # As Keras does: variables and sub-metrics assigned as attributes (directly or in
        # a list or tuple) become part of this metric's state.
        if "_variables" in self.__dict__:
            for item in value if isinstance(value, (list, tuple)) else (value,):
                known = self._variables + (self._state_vars or [])
                if isinstance(item, _Variable) and all(item is not v for v in known):
                    self._check_layout_open(f"assigning variable {item.path!r} to self.{name}")
                    self._variables.append(item)
                elif isinstance(item, Metric) and item is not self \
                        and all(item is not m for m in self._metrics):
                    self._check_layout_open(f"assigning metric {item.name!r} to self.{name}")
                    self._metrics.append(item)
        super().__setattr__(name, value)

    # -- internals
    def _pure(self, name):
        """This class's own pure method ``name``, skipping the derived ones; or None."""
        for klass in type(self).__mro__:
            fn = vars(klass).get(name)
            if fn is not None and fn is not vars(Metric)[name]:
                return fn.__get__(self)
        return None

    def _state_variables(self):
        """A pure metric's Variables, one per leaf of ``init_state()``, made on first use
        (after the subclass's ``__init__`` has set what the state's shape depends on)."""
        if self._state_vars is None:
            init = self._pure("init_state")
            if init is None:
                return []
            with jax.ensure_compile_time_eval():  # concrete values even inside a jit trace
                template = init()
            leaves = _leaves(template)
            flat_dict = isinstance(template, dict) and len(template) == len(leaves)
            names = list(template) if flat_dict else [f"state_{i}" for i in range(len(leaves))]
            self.__dict__["_template"] = template
            self.__dict__["_state_vars"] = [
                _Variable(leaf, dtype=jnp.asarray(leaf).dtype, trainable=False, name=name,
                         path=f"{self.name}/{name}")
                for name, leaf in zip(names, leaves)
            ]
        return list(self._state_vars)

    def _read_state(self):
        variables = self._state_variables()
        return _rebuild(self._template, [v.value for v in variables])

    def _write_state(self, state):
        variables, leaves = self._state_variables(), _leaves(state)
        if len(leaves) != len(variables):
            raise ValueError(
                f"{type(self).__name__}: the state has {len(leaves)} arrays, but "
                f"`init_state()` gave {len(variables)}. `update` must return a state of the "
                "structure `init_state` returns."
            )
        for variable, leaf in zip(variables, leaves):
            variable.assign(leaf)

    def _run_bound(self, values, caller, fn, *args, **kwargs):
        """Run ``fn`` with ``variables`` bound to ``values``; returns (new values, output)."""
        variables = self.variables
        self.__dict__["_layout_fixed"] = True  # callers now hold states of this layout
        if not isinstance(values, (list, tuple)) or len(values) != len(variables):
            received = (f"a list of length {len(values)}" if isinstance(values, (list, tuple))
                        else f"{type(values).__name__}")
            raise ValueError(
                f"`{type(self).__name__}.{caller}` expects `metric_variables`: a list with one "
                f"value per entry of `metric.variables`, in that order (expected "
                f"{len(variables)}: {[v.name for v in variables]}). Received: {received}. "
                "Pass `[v.value for v in metric.variables]`, or what `stateless_reset_state()` "
                "or a previous `stateless_update_state` returned."
            )
        values = [jnp.asarray(unwrap(x), v.dtype) for v, x in zip(variables, values)]
        with _StatelessScope(dict(zip(variables, values))) as scope:
            # Read any Variable in the output while it is still bound.
            out = jax.tree_util.tree_map(unwrap, fn(*args, **kwargs))
        assigned = scope.assigned()
        new = [assigned.get(v, x) for v, x in zip(variables, values)]
        for v, x in zip(variables, new):
            if tuple(jnp.shape(x)) != v.shape:
                raise ValueError(
                    f"{type(self).__name__}.{fn.__name__} assigned a value of shape "
                    f"{tuple(jnp.shape(x))} to variable {v.path!r} of shape {v.shape}. "
                    "Assign values of the variable's shape, e.g. `v.assign(ops.zeros(v.shape))`."
                )
        return new, out

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: `Metric.__init__` has not run, so the metric cannot "
                "hold variables yet. Call `super().__init__(name=name, **kwargs)` first in "
                "your `__init__`."
            )

    def _check_layout_open(self, what):
        # The engine and stateless callers hold states with one value per variable; a
        # variable added afterwards would not be in them.
        if self._layout_fixed or _current_scope() is not None:
            raise RuntimeError(
                f"{type(self).__name__}: {what} after the metric's variables were fixed "
                "(it has run in a compiled step or a `stateless_*` call, or this call is "
                "inside one). Expected every variable to be created in `__init__`. Move the "
                "`add_variable` call into `__init__`."
            )

    def _not_implemented(self, stateful, pure):
        return NotImplementedError(
            f"{type(self).__name__} implements neither `{stateful}` nor `{pure}`. A Metric "
            f"subclass must define `{stateful}` (Keras style: read and assign the variables "
            f"made with `add_variable`) or the pure `{pure}` (with `init_state`)."
        )

    def _check_implemented(self):
        """Raise now (e.g. in ``compile``) what the first batch would."""
        for stateful, pure in _PAIRS[:2]:
            if getattr(type(self), stateful) is vars(Metric)[stateful] and self._pure(pure) is None:
                raise self._not_implemented(stateful, pure)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values, sample_weight, reduce_fn, dtype):
    """Keras's reduction of ``values`` to one (weighted) value per sample."""
    values = jnp.asarray(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if values.ndim > sample_weight.ndim:
            values = reduce_fn(values, axis=tuple(range(sample_weight.ndim, values.ndim)))
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        # A zero weight (a padded sample) contributes 0 even if its value is inf/NaN.
        values = jnp.where(sample_weight == 0, 0.0, values * sample_weight).astype(dtype)
        if sample_weight.ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, sample_weight.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Weighted sum of all values seen.

    >>> m = Sum()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self):
        return {"total": jnp.zeros((), self.dtype)}

    def update(self, state, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, jnp.sum, self.dtype)
        return {"total": state["total"] + jnp.sum(values)}

    def compute(self, state):
        return state["total"]


class Mean(Metric):
    """Weighted mean of all values seen: ``sum(w * v) / sum(w)`` over samples.

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init_state(self):
        return {"total": jnp.zeros((), self.dtype), "count": jnp.zeros((), self.dtype)}

    def update(self, state, values, sample_weight=None):
        values, sample_weight = _samplewise(values, sample_weight, jnp.mean, self.dtype)
        if sample_weight is not None:
            count = jnp.sum(sample_weight)
        else:
            count = values.shape[0] if values.ndim else 1
        return {
            "total": state["total"] + jnp.sum(values),
            "count": state["count"] + jnp.asarray(count, self.dtype),
        }

    def compute(self, state):
        return _divide_no_nan(state["total"], state["count"])


class MeanMetricWrapper(Mean):
    """The running mean of a function ``fn(y_true, y_pred, **kwargs)`` of per-sample values.

    >>> from kerasish import losses
    >>> m = MeanMetricWrapper(losses.mean_squared_error, name="mse")
    >>> m.update_state([[0.0], [1.0]], [[1.0], [1.0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise ValueError(f"`fn` must be a callable `fn(y_true, y_pred)`. Received: fn={fn!r}")
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if isinstance(fn, losses.Loss) or str(getattr(fn, "__module__", "")).startswith(losses.__name__):
            self._direction = "down"  # a wrapped loss is minimised, as in Keras

    def mask(self, y_true, y_pred):
        """Booleans for the entries to count, or None for all of them."""
        return None

    def update(self, state, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        mask = self.mask(y_true, y_pred)
        if mask is not None:
            if sample_weight is None:
                sample_weight = mask.astype(self.dtype)
            else:
                mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
                sample_weight = jnp.asarray(sample_weight, self.dtype) * mask
        return super().update(state, values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": losses.serialize(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:  # subclasses fix their own function
            config["fn"] = losses.deserialize(config["fn"], _FUNCTIONS)
        return cls(**config)


