"""Automatic names, as Keras gives them: ``dense``, ``dense_1``, ... per prefix and
per process, and a keyword-argument check that suggests the closest valid name."""

import collections
import difflib
import re

_counts = collections.defaultdict(int)


def to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)  # Conv2D -> conv2d, as Keras
    return name.lower()


def uniquify(prefix):
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ..."""
    n = _counts[prefix]
    _counts[prefix] += 1
    return prefix if n == 0 else f"{prefix}_{n}"


def reset_names():
    _counts.clear()


def closest(word, options, n=3):
    """Up to ``n`` close matches of ``word`` in ``options``, for 'did you mean' hints."""
    return difflib.get_close_matches(str(word), [str(o) for o in options], n=n, cutoff=0.5)


def module_getattr(module_name, public_names):
    """A module ``__getattr__`` that turns a misspelled public name into a hint.

    ``kerasish.losses.BinaryCrossEnytopy`` (a typo from real course notes) then says
    "Did you mean 'BinaryCrossentropy'?" instead of a bare AttributeError.
    """

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        hint = closest(name, [n for n in public_names() if not n.startswith("_")], n=1)
        fix = f" Did you mean {hint[0]!r}?" if hint else ""
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}.{fix}")

    return __getattr__


def check_kwargs(kwargs, allowed, where, suggestions=()):
    """Raise a TypeError for the first unexpected keyword, suggesting the fix.

    ``suggestions`` adds names to draw the hint from (e.g. a subclass's own arguments)
    without allowing them here.

    Args:
        kwargs: the keyword arguments received.
        allowed: the names accepted.
        where: how the message names the call (e.g. ``"Dense()"``).
        suggestions: more names to draw the hint from.

    >>> check_kwargs({"units": 3}, {"units"}, "Dense()")  # nothing to report
    >>> check_kwargs({"unitz": 3}, {"units"}, "Dense()")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: Dense() got an unexpected keyword argument `unitz`. Did you mean `units`? ...
    """
    for key in kwargs:
        if key not in allowed:
            hint = closest(key, set(allowed) | set(suggestions), n=1)
            fix = f" Did you mean `{hint[0]}`?" if hint else ""
            raise TypeError(
                f"{where} got an unexpected keyword argument `{key}`.{fix} "
                f"Allowed keyword arguments: {sorted(allowed)}."
            )
