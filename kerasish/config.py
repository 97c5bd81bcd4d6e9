"""Global settings, with Keras 3's names: ``floatx``, ``set_floatx``, ``epsilon``.

>>> import kerasish
>>> kerasish.config.floatx()
'float32'
"""

import jax

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "bfloat16", "float32", "float64")


def floatx():
    """The default float dtype of new weights and inputs, as a string."""
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype. ``'float64'`` also turns on JAX's x64 mode,
    without which JAX would silently give float32 arrays."""
    global _FLOATX
    value = str(value)
    if value not in _ALLOWED_FLOATX:
        raise ValueError(
            f"Unknown `floatx` value. Expected one of {_ALLOWED_FLOATX}. Received: {value!r}"
        )
    if value == "float64":
        jax.config.update("jax_enable_x64", True)
    _FLOATX = value


def epsilon():
    """The fuzz factor Keras uses in numeric expressions (clipping, division)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def backend():
    """Always ``'jax'``: kerasish runs on JAX only."""
    return "jax"
