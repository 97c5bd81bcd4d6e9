"""Registering user classes and functions so that saved models can name them.

A saved config refers to a user class by its *registered name*, ``"package>Name"``.
Loading looks that name up in ``custom_objects``, then in the innermost
``custom_object_scope``, then in the global dict (``get_custom_objects()``, which
``register_keras_serializable`` fills); nothing is ever imported from a module named
in the file.

>>> import kerasish
>>> @register_keras_serializable(package="docs_example")
... class Halver(kerasish.layers.Layer):
...     pass
>>> get_registered_name(Halver), get_registered_object("docs_example>Halver") is Halver
('docs_example>Halver', True)
"""

import threading

_OBJECTS = {}  # registered name -> class or function: Keras's GLOBAL_CUSTOM_OBJECTS
_NAMES = {}    # class or function -> registered name
_SCOPE = threading.local()  # .objects: the innermost custom_object_scope's dict, per thread


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function loadable by name from saved files.

    The registered name is ``f"{package}>{name or obj.__name__}"`` (Keras's form).
    A class must define ``get_config`` (its constructor arguments).

    Args:
        package: the prefix of the registered name (no ``>``).
        name: the name within the package (default: the object's ``__name__``).

    >>> @register_keras_serializable(package="docs_example")
    ... def double(x):
    ...     return x * 2
    >>> get_registered_name(double)
    'docs_example>double'
    >>> get_registered_object("docs_example>double") is double
    True
    """
    if not isinstance(package, str) or ">" in package or not package:
        raise ValueError(
            "`package` must be a non-empty string without '>'. "
            f"Received: package={package!r}"
        )

    def decorator(obj):
        registered = f"{package}>{name or getattr(obj, '__name__', '')}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: it has no `get_config()` method. "
                "Add one that returns the constructor arguments as a dict."
            )
        if not callable(obj) or registered.endswith(">"):
            raise ValueError(
                "register_keras_serializable decorates a class or a named function. "
                f"Received: {obj!r}"
            )
        previous = _OBJECTS.get(registered)
        if previous is not None and previous is not obj:
            _NAMES.pop(previous, None)
        _OBJECTS[registered] = obj
        _NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj):
    """The name ``obj`` is saved under: its registered name, else its ``__name__``.

    ``register_keras_serializable`` gives the registered name (``"package>name"``);
    loading looks it up with ``get_registered_object``.

    Args:
        obj: a class or function.

    >>> import kerasish
    >>> get_registered_name(kerasish.layers.Dense)
    'Dense'
    >>> @register_keras_serializable(package="docs_example")
    ... def triple(x):
    ...     return x * 3
    >>> get_registered_name(triple)
    'docs_example>triple'
    """
    if obj in _NAMES:
        return _NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function saved as ``name``: ``custom_objects`` first, then the
    innermost ``custom_object_scope``, then the global custom objects, then
    ``module_objects``; ``None`` if none has it.

    Args:
        name: the registered name (``"package>name"``) or a key of the dicts below.
        custom_objects: ``{name: object}`` looked up first.
        module_objects: ``{name: object}`` looked up last.

    >>> def halve(x):
    ...     return x / 2
    >>> get_registered_object("halve", custom_objects={"halve": halve}) is halve
    True
    >>> get_registered_object("no_such_name") is None
    True
    """
    for objects in (custom_objects, _scope_objects(), _OBJECTS, module_objects):
        if objects and name in objects:
            return objects[name]
    return None


def registered_by_class_name(class_name):
    """The one registered object named ``"<package>>class_name"``, if exactly one is."""
    found = [obj for name, obj in _OBJECTS.items()
             if ">" in name and name.split(">", 1)[1] == class_name]
    return found[0] if len(found) == 1 else None


def get_custom_objects():
    """The global dict of custom objects: registered name -> class or function.

    ``register_keras_serializable`` adds to it; adding to it directly makes a name
    loadable too (Keras's ``GLOBAL_CUSTOM_OBJECTS``). Prefer ``custom_object_scope``
    for temporary additions.

    >>> import jax.numpy as jnp
    >>> def halve(x):
    ...     return x / 2
    >>> get_custom_objects()["halve"] = halve
    >>> get_registered_object("halve") is halve
    True
    >>> del get_custom_objects()["halve"]
    """
    return _OBJECTS


def _scope_objects():
    return getattr(_SCOPE, "objects", None)


class CustomObjectScope:
    """``with CustomObjectScope({"name": obj}):`` makes ``obj`` loadable under
    ``name`` inside the block (this thread only). As in Keras, an inner scope replaces
    the outer one until it ends.

    >>> def scaled(x):
    ...     return 2 * x
    >>> with custom_object_scope({"scaled": scaled}):
    ...     get_registered_object("scaled") is scaled
    True
    >>> get_registered_object("scaled") is None
    True
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(
                "custom_object_scope takes a dict of {name: class or function}. Received: "
                f"{custom_objects!r} (of type {type(custom_objects).__name__})."
            )
        self.custom_objects = dict(custom_objects or {})
        self.backup = None

    def __enter__(self):
        self.backup = _scope_objects()
        _SCOPE.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPE.objects = self.backup
        return False


custom_object_scope = CustomObjectScope  # Keras's two names for it
