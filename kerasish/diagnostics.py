"""Warnings that teach: mistakes that train without error but train wrong.

``fit`` calls :func:`before_fit` once its data passed the hard checks, and
:func:`after_first_epoch` with the first epoch's logs. Each warning is given once per
model and says what to change.
"""

import warnings


def _warn_once(model, key, message):
    seen = model.__dict__.setdefault("_diagnostics_seen", set())
    if key not in seen:
        seen.add(key)
        warnings.warn(message, UserWarning, stacklevel=4)


def before_fit(model, x, y):
    """Checks on the compiled model and the data, before the first step."""


def after_first_epoch(model, logs):
    """Checks on how the first epoch went."""
