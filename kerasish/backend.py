"""Keras 3's ``keras.backend`` names: global settings, dtype helpers, name uids,
``clear_session``. The backend is always JAX.

>>> import kerasish
>>> kerasish.backend.backend(), kerasish.backend.floatx()
('jax', 'float32')
"""

import gc

import jax
import numpy as np

from kerasish.config import (backend, epsilon, floatx, image_data_format,  # noqa: F401
                             set_epsilon, set_floatx, set_image_data_format)
from kerasish.utils import naming

# Keras's dtype names (``keras.src.backend.common.dtypes.ALLOWED_DTYPES``).
ALLOWED_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64",
                  "int8", "int16", "int32", "int64", "bfloat16", "bool", "string",
                  "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
_NARROW = {"float64": "float32", "int64": "int32", "uint64": "uint32",
           "complex128": "complex64"}
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string",
                  "int": "int32", complex: "complex64"}


def standardize_dtype(dtype):
    """A dtype (string, numpy/JAX dtype, Python type) as Keras's dtype name; ``None``
    is ``floatx()``. Python ``int``/``float`` are ``'int32'``/``'float32'`` as in Keras.

    Args:
        dtype: the dtype.

    >>> standardize_dtype(np.float16), standardize_dtype(int), standardize_dtype(None)
    ('float16', 'int32', 'float32')
    """
    if dtype is None:
        return floatx()
    try:
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    except TypeError:  # unhashable
        pass
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "jax.numpy" in str(dtype) or "torch" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}. Expected one of {ALLOWED_DTYPES}.")
    return dtype


def is_float_dtype(dtype):
    """Whether ``dtype`` is a float dtype (``float*`` or ``bfloat16``).

    Args:
        dtype: the dtype.

    >>> is_float_dtype("bfloat16"), is_float_dtype("int8")
    (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether ``dtype`` is a signed or unsigned integer dtype.

    Args:
        dtype: the dtype.

    >>> is_int_dtype("uint8"), is_int_dtype("float32")
    (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def result_type(*dtypes):
    """The dtype of an operation's result on inputs of these dtypes, by JAX's type
    promotion (which Keras follows); Python ``int``/``float``/``bool`` are weakly
    typed, ``None`` is ``floatx()``, no argument gives ``floatx()``.

    Args:
        *dtypes: the input dtypes.

    >>> result_type("int32", "float16"), result_type("int8", float), result_type()
    ('float16', 'float32', 'float32')
    """
    if not dtypes:
        return floatx()
    for dtype in dtypes:
        if dtype in FLOAT8_TYPES:
            raise ValueError("There is no implicit conversions from float8 dtypes to others. "
                             f"You must cast it internally. Received: {dtypes}")
    resolved = []
    for dtype in dtypes:
        if dtype is None:
            resolved.append(floatx())
        elif dtype in (int, float, bool, complex):
            resolved.append(dtype)  # weak: JAX keeps the other operand's width
        else:
            resolved.append(standardize_dtype(dtype))
    # Keras promotes on the 64-bit lattice, then narrows to what the backend holds.
    with _x64():
        out = np.dtype(jax.dtypes.result_type(*resolved)).name
    if all(d in (int, float, bool, complex) for d in resolved) and out.startswith("float"):
        return floatx()
    if not jax.config.jax_enable_x64:
        out = _NARROW.get(out, out)
    return out


def _x64():
    """JAX's 64-bit mode, as a context (``jax.enable_x64`` in newer JAX)."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # JAX before 0.6

    return enable_x64()


def get_uid(prefix=""):
    """A counter per ``prefix``, shared with automatic layer names: 1 the first time,
    then 2, 3... (the layer named ``dense_2`` took uid 3 of ``'dense'``).

    Args:
        prefix: the counter's name.

    >>> clear_session()
    >>> get_uid("example"), get_uid("example")
    (1, 2)
    """
    name = naming.uniquify(prefix)
    return 1 if name == prefix else int(name[len(prefix) + 1:]) + 1


def clear_session(free_memory=True):
    """Reset kerasish's global state: automatic names start again from ``dense``,
    ``dense_1``... (as after Keras's ``clear_session``).

    With ``free_memory`` (the default) it also frees the compiled programs of models
    no longer referenced and JAX's caches of compiled programs (``jax.clear_caches()``),
    which Keras on JAX keeps: each XLA:CPU executable holds a few memory mappings, and
    a process building thousands of models (a hyperparameter search) otherwise grows
    until Linux's ``vm.max_map_count`` (65,530 mappings) makes XLA crash. Programs
    compiled after it compile again (or load from the persistent compilation cache).

    Args:
        free_memory: also run Python's garbage collector, as Keras does, and clear
            JAX's compilation caches.

    >>> import kerasish
    >>> clear_session()
    >>> kerasish.layers.Dense(1).name
    'dense'
    """
    naming.reset_names()
    if free_memory:
        gc.collect()
        jax.clear_caches()


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor (from ``kerasish.Input`` or a layer called on
    one).

    Args:
        x: any object.

    >>> import kerasish, numpy as np
    >>> is_keras_tensor(kerasish.Input((3,))), is_keras_tensor(np.ones(3))
    (True, False)
    """
    from kerasish.layers.base import KerasTensor  # layers import this tier's settings

    return isinstance(x, KerasTensor)
