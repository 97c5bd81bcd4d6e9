"""Loss names: the tables each topic module fills in when it is imported, and the
lookups (`get`, `serialize`, `deserialize`, `resolve`) that read them.

The tables live here, not in the package's ``__init__``, so that the topic modules
(``crossentropy``, ``regression`` ...) register themselves without importing each
other: importing `kerasish.losses` imports every topic, so every table is complete
before a user can look a name up.

>>> from kerasish import losses
>>> get("kld").name, type(get("kld")).__name__
('kld', 'KLDivergence')
"""

import difflib
import inspect
import re

# function name -> function
_FUNCTIONS = {}
# alias -> the function name it stands for ('mse' -> 'mean_squared_error')
_ALIASES = {}
# class name -> class
_CLASSES = {}
# function name -> the class `get` builds for it: same numbers, plus `from_logits` etc.
# as attributes the engine can read.
_CLASS_OF = {}
# function name -> its argument without a default (Keras's `get` returns such a function,
# which fails when called with two arguments; we say so up front).
_NEEDS = {}
_ABSTRACT = set()
_SHAPE_DEPENDENT = ("crossentropy", "ce")


def register_class(cls, abstract=False):
    """Make ``cls`` known by its class name (`get`, `deserialize`)."""
    _CLASSES[cls.__name__] = cls
    if abstract:
        _ABSTRACT.add(cls.__name__)
    return cls


def register_function(fn, cls=None, aliases=(), needs=None):
    """Make ``fn`` known by its name and ``aliases``; `get` builds ``cls`` for them."""
    _FUNCTIONS[fn.__name__] = fn
    for alias in aliases:
        _ALIASES[alias] = fn.__name__
    if cls is not None:
        _CLASS_OF[fn.__name__] = cls
    if needs is not None:
        _NEEDS[fn.__name__] = needs
    return fn


def _valid_names():
    return sorted([*_FUNCTIONS, *_ALIASES, *(n for n in _CLASSES if n not in _ABSTRACT)])


def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unknown(kind, identifier, valid, extra=""):
    close = difflib.get_close_matches(str(identifier), valid, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}.{hint}{extra} Expected a "
        f"{kind} name, a {kind.capitalize()} instance, a callable `fn(y_true, y_pred)` or a "
        f"config dict. Valid names: {valid}"
    )


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """Keras's guess, from shapes alone, of what ``'accuracy'`` or ``'crossentropy'`` mean.

    Returns ``(is_binary, is_sparse_categorical)``; binary wins when both hold.

    >>> is_binary_or_sparse_categorical((8,), (8, 1))
    (True, True)
    >>> is_binary_or_sparse_categorical((8, 1), (8, 10))
    (False, True)
    >>> is_binary_or_sparse_categorical((8, 10), (8, 10))
    (False, False)
    """
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    classes = y_pred_shape[-1]
    is_binary = classes == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and classes is not None and classes > 1
    )
    return is_binary, is_sparse


def _is_loss(obj):
    return isinstance(obj, _CLASSES["Loss"])


def serialize(loss):
    """A JSON-ready dict for a `Loss` or a built-in loss function (Keras's layout).

    Args:
        loss: a `Loss` instance or a loss function.

    >>> from kerasish import losses
    >>> serialize(losses.Huber())["class_name"]
    'Huber'
    >>> serialize(losses.mean_squared_error)["config"]
    'mean_squared_error'
    """
    if _is_loss(loss):
        return {
            "module": type(loss).__module__,
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    if callable(loss) and hasattr(loss, "__name__"):
        return {
            "module": "builtins",
            "class_name": "function",
            "config": loss.__name__,
            "registered_name": "function",
        }
    raise ValueError(
        f"`serialize` expects a Loss instance or a loss function. Received: {loss!r}"
    )


def deserialize(config, custom_objects=None):
    """The `Loss` or function that `serialize` described.

    Args:
        config: a name, or a dict with ``'class_name'`` and ``'config'``.
        custom_objects: optional ``{name: class or function}`` looked up first.

    >>> from kerasish import losses
    >>> deserialize(serialize(losses.Huber(delta=2.0))).delta
    2.0
    >>> deserialize("msle") is losses.mean_squared_logarithmic_error
    True
    """
    objects = {**_CLASSES, **_FUNCTIONS, **{a: _FUNCTIONS[n] for a, n in _ALIASES.items()}}
    objects.update(custom_objects or {})
    if isinstance(config, str):
        if config not in objects:
            raise _unknown("loss", config, sorted(objects))
        obj = objects[config]
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "`deserialize` expects a name or a dict with 'class_name' and 'config'. "
            f"Received: {config!r}"
        )
    if config["class_name"] == "function":
        return deserialize(config["config"], custom_objects)
    cls = objects.get(config["class_name"])
    if not isinstance(cls, type):
        raise _unknown("loss", config["class_name"], sorted(_CLASSES))
    return cls.from_config(config.get("config") or {})


def _needs_argument(name, identifier):
    arg, cls = _NEEDS[name], _CLASS_OF[name]
    default = inspect.signature(cls).parameters[arg].default
    return ValueError(
        f"The loss {identifier!r} needs the argument `{arg}` (it has no default), so it "
        f"cannot be named by a string or passed bare. Use `{cls.__name__}({arg}=...)` (its "
        f"default is {arg}={default!r}) or `functools.partial`."
    )


def get(identifier):
    """Resolve a loss name, instance, callable or config dict to a `Loss` object.

    Function names ('mse', 'binary_crossentropy', ...) give the matching class named after
    the identifier, as Keras's ``compile`` does; class names give the class's defaults.

    Args:
        identifier: a name, a `Loss` instance or class, a function
            ``fn(y_true, y_pred)``, a config dict, or None.

    >>> get("mse").name, get("MeanSquaredError").name
    ('mse', 'mean_squared_error')
    >>> get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}).from_logits
    True
    >>> get(lambda y_true, y_pred: (y_pred - y_true) ** 2).name
    'lambda'
    """
    if identifier is None:
        return None
    if _is_loss(identifier):
        return identifier
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
        if _is_loss(identifier):
            return identifier
    if isinstance(identifier, str):
        if identifier.lower() in _SHAPE_DEPENDENT:
            raise ValueError(
                f"The loss {identifier!r} means binary, categorical or sparse categorical "
                "cross-entropy depending on the shapes of y_true and y_pred. Use "
                "`losses.resolve(identifier, y_true_shape, y_pred_shape)` (compile() does), "
                "or name the loss, e.g. 'binary_crossentropy'."
            )
        name = _ALIASES.get(identifier, identifier)
        if name in _NEEDS:
            raise _needs_argument(name, identifier)
        if name in _CLASS_OF:
            return _CLASS_OF[name](name=identifier)
        if name in _CLASSES and name not in _ABSTRACT:
            return _CLASSES[name]()
        raise _unknown("loss", identifier, _valid_names())
    if isinstance(identifier, type) and issubclass(identifier, _CLASSES["Loss"]):
        return identifier()
    if callable(identifier):
        for name, fn in _FUNCTIONS.items():
            if identifier is fn:
                if name in _NEEDS:
                    raise _needs_argument(name, name)
                return _CLASS_OF[name](name=name)
        return _CLASSES["LossFunctionWrapper"](
            identifier, name=_snake_case(identifier.__name__)
        )
    raise _unknown("loss", identifier, _valid_names())


def resolve(identifier, y_true_shape, y_pred_shape):
    """`get`, plus Keras's shape-based meaning of 'crossentropy' / 'ce'.

    Args:
        identifier: what `get` takes.
        y_true_shape: the shape of the labels.
        y_pred_shape: the shape of the model's output.

    >>> resolve("crossentropy", (8,), (8, 1))
    <BinaryCrossentropy name=crossentropy>
    >>> resolve("ce", (8,), (8, 10))
    <SparseCategoricalCrossentropy name=ce>
    """
    if isinstance(identifier, str) and identifier.lower() in _SHAPE_DEPENDENT:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape, y_pred_shape)
        if is_binary:
            name = "binary_crossentropy"
        elif is_sparse:
            name = "sparse_categorical_crossentropy"
        else:
            name = "categorical_crossentropy"
        return _CLASS_OF[name](name=identifier)
    return get(identifier)
