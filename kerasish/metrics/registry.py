"""Metrics by name: `get`, `serialize`, `deserialize`, and `resolve` (what
``compile(metrics=[...])`` makes of an identifier)."""

import inspect

from kerasish import losses
from kerasish.metrics import accuracy as _accuracy
from kerasish.metrics import auc as _auc
from kerasish.metrics import confusion as _confusion
from kerasish.metrics import regression as _regression
from kerasish.metrics.base import Mean, MeanMetricWrapper, Metric, Sum, _snake_case, _unknown

_MODULES = (_accuracy, _regression, _confusion, _auc)


def _public_classes():
    found = {"Mean": Mean, "Sum": Sum}
    for module in _MODULES:
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Metric) and not name.startswith("_") \
                    and obj.__module__ == module.__name__:
                found[name] = obj
    return found


_CLASSES = _public_classes()
# Keras looks metrics up by class name, by its snake_case, and by a few short aliases.
_BY_NAME = {**_CLASSES, **{_snake_case(n): c for n, c in _CLASSES.items()}}
_BY_NAME.update({
    alias: _CLASSES[name]
    for aliases, name in (
        (("bce", "BCE"), "BinaryCrossentropy"),
        (("mse", "MSE"), "MeanSquaredError"),
        (("mae", "MAE"), "MeanAbsoluteError"),
        (("mape", "MAPE"), "MeanAbsolutePercentageError"),
        (("msle", "MSLE"), "MeanSquaredLogarithmicError"),
    )
    if name in _CLASSES
    for alias in aliases
})
_VALID_NAMES = sorted(_BY_NAME)


def _instance(cls, name):
    """``cls()`` for the name ``name``, or a clear error when the class needs arguments
    (Keras fails there with a bare TypeError)."""
    required = [p.name for p in inspect.signature(cls).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if required:
        raise ValueError(
            f"The metric {name!r} ({cls.__name__}) needs arguments that a name cannot give: "
            f"{required}. Pass an instance instead, e.g. "
            f"metrics=[kerasish.metrics.{cls.__name__}({required[0]}=...)]."
        )
    return cls()


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
            return _instance(objects[config], config)
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
            return _instance(_BY_NAME[identifier], identifier)
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
            return _accuracy.BinaryAccuracy(name=identifier)
        if is_sparse:
            return _accuracy.SparseCategoricalAccuracy(name=identifier)
        return _accuracy.CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    if hasattr(metric, "_build_for_shapes"):  # e.g. AUC(multi_label=True) sizes its state
        metric._build_for_shapes(y_true_shape, y_pred_shape)
    return metric
