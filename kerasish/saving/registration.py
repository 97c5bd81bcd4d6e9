"""Registering user classes and functions so that saved models can name them.

A saved config refers to a user class by its *registered name*, ``"package>Name"``.
Loading looks that name up here (or in ``custom_objects``); nothing is ever imported
from a module named in the file.

>>> import kerasish
>>> @register_keras_serializable(package="demo")
... class Scale(kerasish.layers.Layer):
...     pass
>>> get_registered_name(Scale), get_registered_object("demo>Scale") is Scale
('demo>Scale', True)
"""

_OBJECTS = {}  # registered name -> class or function
_NAMES = {}    # class or function -> registered name


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function loadable by name from saved files.

    The registered name is ``f"{package}>{name or obj.__name__}"`` (Keras's form).
    A class must define ``get_config`` (its constructor arguments).
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
    """The name ``obj`` is saved under: its registered name, else its ``__name__``."""
    if obj in _NAMES:
        return _NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None):
    """The class or function saved as ``name``: ``custom_objects`` first, then the
    registry; ``None`` if neither has it."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _OBJECTS.get(name)


def registered_by_class_name(class_name):
    """The one registered object named ``"<package>>class_name"``, if exactly one is."""
    found = [obj for name, obj in _OBJECTS.items() if name.split(">", 1)[1] == class_name]
    return found[0] if len(found) == 1 else None
