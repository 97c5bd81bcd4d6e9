"""Argument checks shared by the public API, in Keras's "Received:" form."""

import numpy as np


def check_int(name, value, minimum):
    """``value`` as an int >= ``minimum``, or a ValueError naming the argument.

    >>> check_int("epochs", 3, 0)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def check_verbose(verbose):
    """Keras's ``verbose``: 'auto' (= 1), 0, 1 or 2."""
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)
