"""Metrics with Keras 3's names, as three pure functions plus Keras's stateful methods.

A metric is ``init_state() -> state``, ``update(state, y_true, y_pred, sample_weight)
-> state`` and ``compute(state) -> scalar``, all jittable, so the training step can
accumulate it on device. ``update_state`` / ``result`` / ``reset_state`` keep one such
state on the object for Keras-style use.

>>> import numpy as np
>>> from kerasish import metrics
>>> m = metrics.BinaryAccuracy()
>>> state = m.init_state()
>>> state = m.update(state, np.array([1.0, 0.0]), np.array([[0.9], [0.8]]))
>>> float(m.compute(state))
0.5
"""

import jax.numpy as jnp

from kerasish import config
from kerasish import losses
from kerasish.losses import _divide_no_nan, _snake_case, _unknown, squeeze_or_expand_to_same_rank

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


class Metric:
    """Base class: subclasses implement ``init_state``, ``update`` and ``compute``.

    The stateful methods call those on ``self``'s current state:

    >>> m = Mean()
    >>> m.update_state([1.0, 3.0, 5.0, 7.0])
    >>> float(m.result())
    4.0
    >>> m.reset_state(); float(m.result())
    0.0
    """

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"`name` must be a string or None. Received: name={name!r}")
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = str(jnp.dtype(dtype or config.floatx()))
        self._state = None  # built on first use: subclasses set their options first

    # The pure core.
    def init_state(self):
        raise NotImplementedError(f"{type(self).__name__} must implement `init_state()`.")

    def update(self, state, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement `update(state, ...)`.")

    def compute(self, state):
        raise NotImplementedError(f"{type(self).__name__} must implement `compute(state)`.")

    # Keras's stateful API on top of it.
    def update_state(self, *args, **kwargs):
        self._state = self.update(self._current(), *args, **kwargs)

    def result(self):
        return self.compute(self._current())

    def reset_state(self):
        self._state = self.init_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self):
        """The state's arrays, in the order ``init_state`` lists them."""
        state = self._current()
        return list(state.values()) if isinstance(state, dict) else [state]

    def _current(self):
        if self._state is None:
            self._state = self.init_state()
        return self._state

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

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label.

    >>> float(BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
    0.75
    """

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

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of ``y_pred`` equals the integer label.

    >>> float(SparseCategoricalAccuracy()([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

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

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of `losses.mean_absolute_error`.

    >>> float(MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class RootMeanSquaredError(Mean):
    """Square root of the running mean of squared errors (the root is taken last).

    >>> float(RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

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


# ---------------------------------------------------------------- name lookup

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy)
}
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
        MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError, BinaryCrossentropy,
        CategoricalCrossentropy, SparseCategoricalCrossentropy,
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
        return identifier()
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
    return metric
