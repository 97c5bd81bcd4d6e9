"""Global settings, with Keras 3's names (``keras.config``): ``floatx``, ``epsilon``,
``image_data_format``, ``dtype_policy``, interactive logging.

>>> import kerasish
>>> kerasish.config.floatx()
'float32'
>>> kerasish.config.image_data_format()
'channels_last'
"""

import importlib
import numbers

import jax

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_INTERACTIVE_LOGGING = [True]
_ALLOWED_FLOATX = ("float16", "bfloat16", "float32", "float64")
_ALLOWED_DATA_FORMATS = ("channels_last", "channels_first")


def floatx():
    """The default float dtype of new weights and inputs, as a string.

    >>> floatx()
    'float32'
    """
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype. ``'float64'`` also turns on JAX's x64 mode,
    without which JAX would silently give float32 arrays.

    Args:
        value: one of ``'float16'``, ``'bfloat16'``, ``'float32'``, ``'float64'``.

    >>> set_floatx("float16"); floatx()
    'float16'
    >>> set_floatx("float32")
    """
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
    """The fuzz factor Keras uses in numeric expressions (clipping, division).

    >>> epsilon()
    1e-07
    """
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by :func:`epsilon`.

    Args:
        value: a float (Keras's default is ``1e-7``).

    >>> set_epsilon(1e-5); epsilon()
    1e-05
    >>> set_epsilon(1e-7)
    """
    global _EPSILON
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`epsilon` must be a number. Received: value={value!r}")
    _EPSILON = float(value)


def backend():
    """The name of the backend: always ``'jax'``, kerasish runs on JAX only.

    >>> backend()
    'jax'
    """
    return "jax"


def image_data_format():
    """The default image layout of image layers and utilities: ``'channels_last'``
    (``(height, width, channels)``, Keras's default) or ``'channels_first'``.

    >>> image_data_format()
    'channels_last'
    """
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default image layout returned by :func:`image_data_format`.

    Args:
        data_format: ``'channels_last'`` or ``'channels_first'`` (any case).

    >>> set_image_data_format("channels_first"); image_data_format()
    'channels_first'
    >>> set_image_data_format("channels_last")
    """
    global _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in _ALLOWED_DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}")
    _IMAGE_DATA_FORMAT = value


def standardize_data_format(data_format):
    """``None`` -> the global :func:`image_data_format`; else a checked, lower-case value.

    Layers call it on their ``data_format`` argument, so a wrong value fails where it is
    passed.

    Args:
        data_format: ``"channels_last"``, ``"channels_first"`` (any case) or None.

    >>> standardize_data_format(None)  # the global default
    'channels_last'
    >>> standardize_data_format("Channels_First")
    'channels_first'
    """
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in _ALLOWED_DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}")
    return value


def enable_interactive_logging():
    """Print progress and messages to stdout (the default). When disabled, they go to
    Python's ``logging`` (logger ``'kerasish'``, level INFO) instead.

    >>> disable_interactive_logging(); is_interactive_logging_enabled()
    False
    >>> enable_interactive_logging(); is_interactive_logging_enabled()
    True
    """
    _INTERACTIVE_LOGGING[0] = True


def disable_interactive_logging():
    """Send progress and messages to Python's ``logging`` instead of stdout.

    >>> disable_interactive_logging(); is_interactive_logging_enabled()
    False
    >>> enable_interactive_logging()
    """
    _INTERACTIVE_LOGGING[0] = False


def is_interactive_logging_enabled():
    """Whether messages are printed to stdout (True) or logged (False).

    >>> is_interactive_logging_enabled()
    True
    """
    return _INTERACTIVE_LOGGING[0]


def dtype_policy():
    """The global dtype policy (a ``kerasish.mixed_precision.DTypePolicy``).

    >>> dtype_policy().name
    'float32'
    """
    return _mixed_precision().global_policy()


def set_dtype_policy(policy):
    """Set the global dtype policy (a policy name such as ``'mixed_float16'`` or a
    ``DTypePolicy``); the same as ``kerasish.mixed_precision.set_global_policy``.

    Args:
        policy: a policy name or a ``DTypePolicy``.

    >>> set_dtype_policy("mixed_bfloat16"); dtype_policy().name
    'mixed_bfloat16'
    >>> set_dtype_policy("float32")
    """
    _mixed_precision().set_global_policy(policy)


def _mixed_precision():
    # kerasish.mixed_precision reads this module's floatx: loaded by name, not imported.
    return importlib.import_module("kerasish.mixed_precision")


def set_backend(backend):
    """Keras's backend switch. kerasish runs on JAX only: ``'jax'`` is accepted (and
    changes nothing), any other backend is refused.

    Args:
        backend: the backend's name.

    >>> set_backend("jax")
    """
    if backend != "jax":
        raise ValueError(
            "kerasish runs on JAX only, so the backend cannot be switched. Received: "
            f"backend={backend!r}. Use real Keras for the {backend!r} backend.")


def is_nnx_enabled():
    """Whether Keras's Flax NNX integration is on: never, in kerasish.

    >>> is_nnx_enabled()
    False
    """
    return False
