"""Metrics with Keras 3's names, as three pure functions plus Keras's stateful methods.

A metric is ``init_state() -> state``, ``update(state, y_true, y_pred, sample_weight)
-> state`` and ``compute(state) -> scalar``, all jittable, so the training step can
accumulate it on device. ``update_state`` / ``result`` / ``reset_state`` keep one such
state in the metric's ``variables`` for Keras-style use, and Keras 3's
``stateless_update_state`` / ``stateless_result`` / ``stateless_reset_state`` work on
lists of their values. A user's metric can be written either way: see `Metric`.

>>> import numpy as np
>>> from kerasish import metrics
>>> m = metrics.BinaryAccuracy()
>>> state = m.init_state()
>>> state = m.update(state, np.array([1.0, 0.0]), np.array([[0.9], [0.8]]))
>>> float(m.compute(state))
0.5
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish import initializers
from kerasish import losses
from kerasish.losses import _divide_no_nan, _snake_case, _unknown, squeeze_or_expand_to_same_rank
# Imported under private names: `kerasish.metrics` exports metrics only (as keras.metrics).
from kerasish.variables import StatelessScope as _StatelessScope
from kerasish.variables import Variable as _Variable
from kerasish.variables import call_initializer as _call_initializer
from kerasish.variables import current_scope as _current_scope
from kerasish.variables import standardize_dtype, unwrap

# ------------------------------------------------------------- function forms


def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0.

    >>> accuracy([[1.0], [2.0]], [[1.0], [0.0]])
    Array([[1.],
           [0.]], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` matches the 0/1 label, with Keras's shapes:
    labels ``(N,)`` against ``(N, 1)`` give ``(N, 1)``.

    >>> binary_accuracy([1.0, 0.0], [[0.9], [0.8]]).shape
    (2, 1)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of the one-hot label and of ``y_pred`` agree; one per sample.

    >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    Array([0., 1.], dtype=float32)
    """
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if y_true.ndim < y_pred.ndim:
        # Keras would take the arg-max across the batch here and report nonsense.
        raise ValueError(
            "`categorical_accuracy` expects one-hot labels of the shape of y_pred. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer class "
            "ids, use `sparse_categorical_accuracy`."
        )
    return sparse_categorical_accuracy(jnp.argmax(y_true, axis=-1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the arg-max of ``y_pred``; labels ``(N,)`` or
    ``(N, 1)`` both give ``(N,)``.

    >>> sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    Array([0., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    # Keras compares labels as floats of y_pred's dtype.
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    predicted = jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


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
        if isinstance(fn, losses.Loss) or getattr(fn, "__module__", None) == losses.__name__:
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


# ---------------------------------------------------------------- accuracies


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (not what compile's 'accuracy' means:
    see `resolve`).

    >>> float(Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
    0.75
    """

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label.

    >>> float(BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
    0.75
    """

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(
                "Received an invalid value for `threshold`, expected a float (predictions "
                f"above it count as 1). Received: threshold={threshold!r}"
            )
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def get_config(self):
        return {**Metric.get_config(self), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` hits the one-hot label.

    >>> float(CategoricalAccuracy()([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` equals the integer label.

    >>> float(SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


# ------------------------------------------------------- regression and entropy


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of `losses.mean_squared_error`.

    >>> float(MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of `losses.mean_absolute_error`.

    >>> float(MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class RootMeanSquaredError(Mean):
    """Square root of the running mean of squared errors (the root is taken last).

    >>> float(RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update(state, jnp.square(y_pred - y_true), sample_weight)

    def compute(self, state):
        return jnp.sqrt(super().compute(state))


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.binary_crossentropy`.

    >>> round(float(BinaryCrossentropy()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    0.8149
    """

    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        losses._check_from_logits(from_logits)
        losses._check_label_smoothing(label_smoothing)
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.categorical_crossentropy`.

    >>> round(float(CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]],
    ...                                      [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        losses._check_from_logits(from_logits)
        losses._check_label_smoothing(label_smoothing)
        losses._check_axis(axis)
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of `losses.sparse_categorical_crossentropy`; entries labelled
    ``ignore_class`` are not counted.

    >>> m = SparseCategoricalCrossentropy()
    >>> round(float(m([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        losses._check_from_logits(from_logits)
        losses._check_axis(axis)
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        y_pred = jnp.asarray(y_pred)
        return losses._sparse_labels(y_true, y_pred, self.axis) != self.ignore_class

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


# ----------------------------------------------------------------- top-k accuracy


def _in_top_k(labels, y_pred, k):
    """True where ``y_pred``'s score for the integer label is among the ``k`` largest
    (ties count in the label's favour; a NaN score never does), as Keras on JAX."""
    at_label = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    rank = 1 + jnp.sum(y_pred > at_label, axis=-1)
    return rank <= k


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"Received an invalid value for `k`, expected an integer >= 1. "
                         f"Received: k={k!r}")
    return k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest scores.

    >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                            [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=2)
    Array([1., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true).astype(y_pred.dtype), axis=-1)
    shape = labels.shape
    matches = _in_top_k(labels.reshape(-1).astype(jnp.int32),
                        y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.reshape(shape).astype(config.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest scores; labels ``(N, 1)``
    give ``(N, 1)``. With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by
    score and the label is looked up in its first ``k`` columns.

    >>> sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
    Array([0., 1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    shape = y_true.shape
    labels = y_true.reshape(-1)
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = jnp.any(labels.astype(y_pred.dtype)[:, None] == ids, axis=1)
    else:
        matches = _in_top_k(labels.astype(jnp.int32), y_pred.reshape(-1, y_pred.shape[-1]), k)
    return matches.reshape(shape).astype(config.floatx())


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest scores.

    >>> m = TopKCategoricalAccuracy(k=1)
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=_check_k(k))
        self.k = k

    def get_config(self):
        return {**Metric.get_config(self), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest scores.

    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> float(m([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype,
                         k=_check_k(k), from_sorted_ids=bool(from_sorted_ids))
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def get_config(self):
        config = {**Metric.get_config(self), "k": self.k}
        if self.from_sorted_ids:  # Keras writes the key only when it is set
            config["from_sorted_ids"] = True
        return config


# ------------------------------------------------------- confusion-matrix metrics
#
# Precision, Recall and AUC accumulate weighted counts of true/false positives and
# negatives at a list of thresholds: a prediction counts as positive at threshold t when
# it is > t. The counts are sums of sample weights, so padded rows (weight 0) add nothing.

_NEG_INF = -1e10  # Keras's stand-in score for classes outside the top k


def _check_thresholds(thresholds):
    values = [thresholds] if not isinstance(thresholds, (list, tuple, np.ndarray)) \
        else list(np.asarray(thresholds, dtype=np.float64).reshape(-1))
    bad = [t for t in values if isinstance(t, bool) or not 0.0 <= float(t) <= 1.0]
    if bad:
        raise ValueError(
            f"Threshold values must be in [0, 1]. Received: {bad} in thresholds={thresholds!r}"
        )
    return [float(t) for t in values]


def _evenly_spaced(thresholds):
    """Whether ``thresholds`` are ``i / (n - 1)``: then a bucket count replaces the
    ``(thresholds x predictions)`` comparison, as in Keras."""
    n = len(thresholds)
    if n < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1),
                            atol=config.epsilon()))


def _filter_top_k(y_pred, k):
    _, idx = jax.lax.top_k(y_pred, k)
    keep = jnp.sum(jax.nn.one_hot(idx, y_pred.shape[-1], dtype=y_pred.dtype), axis=-2)
    return y_pred * keep + _NEG_INF * (1 - keep)


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, *, evenly=None,
                     multi_label=False, label_weights=None, top_k=None, class_id=None,
                     dtype="float32"):
    """Weighted ``tp, fp, tn, fn`` counts of one batch at each threshold (pure, jittable).

    Returns a dict of arrays of shape ``(len(thresholds),)``, or
    ``(len(thresholds), n_labels)`` with ``multi_label=True``. Labels count as positive
    when non-zero. ``top_k`` keeps only the k highest scores per sample; ``class_id``
    looks at one column only.

    >>> c = confusion_counts([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], [0.5])
    >>> [float(c[k][0]) for k in ("tp", "fp", "tn", "fn")]
    [1.0, 1.0, 1.0, 1.0]
    """
    thresholds = np.asarray(thresholds, np.float64)
    if evenly is None:
        evenly = _evenly_spaced(thresholds)
    n_thresholds = len(thresholds)
    y_true = jnp.asarray(y_true).astype(dtype)
    y_pred = jnp.asarray(y_pred).astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]

    weights = jnp.ones(y_pred.shape, dtype) if sample_weight is None \
        else jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        weights = weights * jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
    positive = y_true != 0
    if not multi_label:
        weights, positive, y_pred = weights.reshape(-1), positive.reshape(-1), y_pred.reshape(-1)
    else:
        weights, positive, y_pred = (a.reshape(-1, a.shape[-1])
                                     for a in (weights, positive, y_pred))
    true_w = jnp.where(positive, weights, 0.0)
    false_w = jnp.where(positive, 0.0, weights)

    if evenly:
        # Bucket i holds the predictions in (t[i], t[i + 1]]; a reversed cumulative sum
        # then counts those above each threshold. Same arithmetic as Keras, so a score
        # exactly on a threshold lands in the same bucket.
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        buckets = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (n_thresholds - 1)) - 1
        if with_epsilon:
            buckets = jnp.maximum(buckets, 0)
        buckets = buckets.astype(jnp.int32)

        def above(w, b):
            per_bucket = jax.ops.segment_sum(w, b, num_segments=n_thresholds)
            return jnp.flip(jnp.cumsum(jnp.flip(per_bucket)))

        if multi_label:
            tp = jax.vmap(above, in_axes=1, out_axes=1)(true_w, buckets)
            fp = jax.vmap(above, in_axes=1, out_axes=1)(false_w, buckets)
        else:
            tp, fp = above(true_w, buckets), above(false_w, buckets)
    else:
        t = jnp.asarray(thresholds, dtype).reshape((n_thresholds,) + (1,) * y_pred.ndim)
        predicted = y_pred[None] > t  # (thresholds, samples[, labels])
        tp = jnp.sum(jnp.where(predicted, true_w[None], 0.0), axis=1)
        fp = jnp.sum(jnp.where(predicted, false_w[None], 0.0), axis=1)
    total_true = jnp.sum(true_w, axis=0)
    total_false = jnp.sum(false_w, axis=0)
    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


class _ThresholdMetric(Metric):
    """Precision and Recall: counts at ``thresholds`` (default 0.5), optionally only
    over the ``top_k`` scores of each sample or the ``class_id`` column."""

    _direction = "up"
    _counts = ()  # the two counts this metric keeps, e.g. ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            _check_k(top_k)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else _NEG_INF
        self.thresholds = [default] if thresholds is None else _check_thresholds(thresholds)
        self._evenly = _evenly_spaced(self.thresholds)

    _names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}

    def init_state(self):
        return {self._names[c]: jnp.zeros((len(self.thresholds),), self.dtype)
                for c in self._counts}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                  evenly=self._evenly, top_k=self.top_k,
                                  class_id=self.class_id, dtype=self.dtype)
        return {self._names[c]: state[self._names[c]] + counts[c] for c in self._counts}

    def compute(self, state):
        tp, other = (state[self._names[c]] for c in self._counts)
        result = _divide_no_nan(tp, tp + other)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """Of the samples predicted positive (score > threshold), the fraction that are.

    ``tp / (tp + fp)``, over all batches seen; one value per threshold when
    ``thresholds`` is a list.

    >>> m = Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("tp", "fp")


class Recall(_ThresholdMetric):
    """Of the positive samples, the fraction predicted positive (score > threshold).

    ``tp / (tp + fn)``, over all batches seen.

    >>> m = Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)
    0.6667
    """

    _counts = ("tp", "fn")


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, approximated by a Riemann sum
    over ``num_thresholds`` evenly spaced thresholds, as ``keras.metrics.AUC``.

    Args:
        num_thresholds: thresholds in [0, 1] to count at (> 1). Defaults to 200.
        curve: ``'ROC'`` (default), ``'PR'`` or ``'PRGAIN'``.
        summation_method: ``'interpolation'`` (default), ``'minoring'`` or
            ``'majoring'``.
        thresholds: explicit thresholds instead of ``num_thresholds``.
        multi_label: one curve per label column, averaged (else all columns pool).
        num_labels: the number of label columns (only with ``multi_label=True``).
        label_weights: weights of the label columns.
        from_logits: apply a sigmoid to ``y_pred`` first.

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> round(float(m.result()), 4)
    0.75
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        self.curve = _choice("curve", curve, {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"})
        self.summation_method = _choice(
            "summation_method", summation_method,
            {"interpolation": "interpolation", "majoring": "majoring", "minoring": "minoring"})
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(_check_thresholds(thresholds))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_spaced([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                    or num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds!r}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # The end thresholds lie just outside [0, 1] so that scores of exactly 0 and 1
        # still count as positive at the first and negative at the last.
        self._thresholds = np.array([0.0 - config.epsilon()] + inner + [1.0 + config.epsilon()])
        self.multi_label = bool(multi_label)
        if num_labels is not None and not self.multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None \
            else tuple(float(w) for w in np.asarray(label_weights).reshape(-1))
        self.from_logits = bool(from_logits)
        self._num_labels = num_labels

    @property
    def thresholds(self):
        return [float(t) for t in self._thresholds]

    def _build_for_shapes(self, y_true_shape, y_pred_shape):
        """Learn the number of label columns from the output shape (multi-label only)."""
        if self.multi_label and self._num_labels is None:
            if len(y_pred_shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(y_pred_shape)}. Full shape received for `y_pred`: {y_pred_shape}"
                )
            self._num_labels = int(y_pred_shape[-1])

    def init_state(self):
        if self.multi_label:
            if self._num_labels is None:
                raise ValueError(
                    "AUC(multi_label=True) does not know its number of labels yet. Pass "
                    "`num_labels=...`, or call `update_state` (or `compile`) first."
                )
            shape = (self.num_thresholds, self._num_labels)
        else:
            shape = (self.num_thresholds,)
        zeros = lambda: jnp.zeros(shape, self.dtype)  # noqa: E731
        return {"true_positives": zeros(), "false_positives": zeros(),
                "true_negatives": zeros(), "false_negatives": zeros()}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._state_vars is None:
            self._build_for_shapes(None, np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred)
        if self.from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = confusion_counts(
            y_true, y_pred, self._thresholds, sample_weight, evenly=self._evenly,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, dtype=self.dtype)
        return {"true_positives": state["true_positives"] + counts["tp"],
                "false_positives": state["false_positives"] + counts["fp"],
                "true_negatives": state["true_negatives"] + counts["tn"],
                "false_negatives": state["false_negatives"] + counts["fn"]}

    def _average(self, by_label):
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return jnp.mean(by_label)
        w = jnp.asarray(self.label_weights, self.dtype)
        return _divide_no_nan(jnp.sum(by_label * w), jnp.sum(w))

    def _interpolated_pr_auc(self, tp, fp, fn):
        # Davis & Goadrich (2006): precision interpolated along each recall step.
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = jnp.where(both, _divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)),
                          jnp.ones_like(p[1:]))
        terms = _divide_no_nan(slope * (dtp + intercept * jnp.log(ratio)),
                               jnp.maximum(tp[1:] + fn[1:], 0))
        return self._average(jnp.sum(terms, axis=0))

    def compute(self, state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp))
            precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
            x, y = jnp.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._average(jnp.sum((x[:-1] - x[1:]) * heights, axis=0))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else list(self.label_weights),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _choice(name, value, options):
    key = str(value).lower()
    if key not in options:
        raise ValueError(
            f"Invalid `{name}` argument value {value!r}. Expected one of: "
            f"{sorted(set(options.values()))}"
        )
    return options[key]


# ---------------------------------------------------------------- name lookup

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
               top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)
}
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
        MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError, BinaryCrossentropy,
        CategoricalCrossentropy, SparseCategoricalCrossentropy, TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy, Precision, Recall, AUC,
    )
}
# Keras looks metrics up by class name, by its snake_case, and by a few short aliases.
_BY_NAME = {**_CLASSES, **{_snake_case(n): c for n, c in _CLASSES.items()}}
_BY_NAME.update({
    alias: cls
    for aliases, cls in (
        (("bce", "BCE"), BinaryCrossentropy),
        (("mse", "MSE"), MeanSquaredError),
        (("mae", "MAE"), MeanAbsoluteError),
    )
    for alias in aliases
})
_VALID_NAMES = sorted(_BY_NAME)


def serialize(metric):
    """A JSON-ready dict for a `Metric` (Keras's layout).

    >>> serialize(BinaryAccuracy())["config"]
    {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}
    """
    if not isinstance(metric, Metric):
        return losses.serialize(metric)
    return {
        "module": type(metric).__module__,
        "class_name": type(metric).__name__,
        "config": metric.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """The `Metric` that `serialize` described.

    >>> deserialize(serialize(BinaryAccuracy(threshold=0.7))).threshold
    0.7
    """
    objects = {**_BY_NAME, "MeanMetricWrapper": MeanMetricWrapper, **(custom_objects or {})}
    if isinstance(config, str):
        if config in objects:
            return objects[config]()
        raise _unknown("metric", config, _VALID_NAMES)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "`deserialize` expects a name or a dict with 'class_name' and 'config'. "
            f"Received: {config!r}"
        )
    cls = objects.get(config["class_name"])
    if cls is None:
        raise _unknown("metric", config["class_name"], _VALID_NAMES)
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A `Metric` for a name, an instance, a class, a config dict or a callable.

    Names give the class's default name, as ``keras.metrics.get`` does ('accuracy' is
    the exact-match `Accuracy` here; `resolve` gives compile's meaning).

    >>> get("mse")
    <MeanSquaredError name=mean_squared_error>
    >>> get(lambda y_true, y_pred: y_pred - y_true).name
    'lambda'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        identifier._check_implemented()  # in compile, not at the first batch
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _BY_NAME:
            return _BY_NAME[identifier]()
        extra = ""
        if identifier.lower() in ("crossentropy", "ce"):
            extra = (" Keras resolves 'crossentropy' for losses only; for a metric, name it:"
                     " 'binary_crossentropy', 'categorical_crossentropy' or"
                     " 'sparse_categorical_crossentropy'.")
        raise _unknown("metric", identifier, _VALID_NAMES, extra)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return get(identifier())
    if callable(identifier):
        name = _snake_case(getattr(identifier, "__name__", type(identifier).__name__))
        return MeanMetricWrapper(identifier, name=name)
    raise _unknown("metric", identifier, _VALID_NAMES)


def resolve(identifier, y_true_shape, y_pred_shape, loss=None):
    """The `Metric` that ``model.compile(metrics=[identifier])`` gives in Keras 3.

    'accuracy' / 'acc' (any case) become binary, sparse categorical or categorical
    accuracy from the shapes (see `losses.is_binary_or_sparse_categorical`). A string
    identifier is also the metric's name (its key in ``History.history``); an instance
    keeps its own name; a function gets its snake_case ``__name__``. ``loss`` is accepted
    for tf.keras 2 habits, but Keras 3 (and so this function) ignores it.

    >>> resolve("accuracy", (None,), (None, 1))
    <BinaryAccuracy name=accuracy>
    >>> resolve("acc", (None, 1), (None, 10))
    <SparseCategoricalAccuracy name=acc>
    >>> resolve("mse", (None, 1), (None, 1))
    <MeanSquaredError name=mse>
    """
    del loss
    if identifier is None:
        raise ValueError("Expected a metric, received `None`.")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        if is_binary:
            return BinaryAccuracy(name=identifier)
        if is_sparse:
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    if hasattr(metric, "_build_for_shapes"):  # e.g. AUC(multi_label=True) sizes its state
        metric._build_for_shapes(y_true_shape, y_pred_shape)
    return metric
