"""Element-wise ops of ``kerasish.ops.numpy``: unary and binary math, comparisons,
logic and bits, with Keras 3's signatures and dtype rules (integer input of a
floating op gives ``float32``; ``float64`` in gives ``float64`` out when x64 is on).

>>> import numpy as np
>>> from kerasish.ops import numpy as knp
>>> knp.divide(np.array([1, 2]), np.array([2, 4])).tolist()
[0.5, 0.5]
>>> str(knp.ceil(np.array([1, 2], "int32")).dtype)
'float32'
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.ops._dispatch import doctests, keras_op, thin

_G = globals()


def tensor(x, dtype=None):
    """``x`` as a jax array (Python numbers keep JAX's weak types)."""
    if isinstance(x, (jax.Array, np.ndarray, np.generic)) and dtype is None:
        return jnp.asarray(x)
    return jnp.asarray(x, dtype=dtype)


def floating(x):
    """``x`` as an array of a floating (or complex) dtype: integers and booleans
    become ``floatx`` (``float32``), as Keras's ``result_type(x.dtype, float)``."""
    x = tensor(x)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    return x.astype(config.floatx())


# -- unary, same dtype rules as jax.numpy (which Keras's JAX backend follows)
_UNARY = {
    "abs": ("absolute value, element-wise", jnp.abs),
    "absolute": ("absolute value, element-wise (alias of ``abs``)", jnp.absolute),
    "arccos": ("inverse cosine, element-wise", jnp.arccos),
    "arccosh": ("inverse hyperbolic cosine, element-wise", jnp.arccosh),
    "arcsin": ("inverse sine, element-wise", jnp.arcsin),
    "arcsinh": ("inverse hyperbolic sine, element-wise", jnp.arcsinh),
    "arctan": ("inverse tangent, element-wise", jnp.arctan),
    "arctanh": ("inverse hyperbolic tangent, element-wise", jnp.arctanh),
    "cbrt": ("cube root, element-wise", jnp.cbrt),
    "conj": ("complex conjugate, element-wise", jnp.conj),
    "conjugate": ("complex conjugate, element-wise (alias of ``conj``)", jnp.conjugate),
    "copy": ("a copy of ``x``", jnp.array),
    "cos": ("cosine, element-wise", jnp.cos),
    "cosh": ("hyperbolic cosine, element-wise", jnp.cosh),
    "deg2rad": ("degrees to radians, element-wise", jnp.deg2rad),
    "exp": ("``e ** x``, element-wise", jnp.exp),
    "exp2": ("``2 ** x``, element-wise", jnp.exp2),
    "expm1": ("``exp(x) - 1``, accurate near 0", jnp.expm1),
    "fabs": ("absolute value as a float, element-wise", jnp.fabs),
    "i0": ("modified Bessel function of the first kind, order 0", jnp.i0),
    "imag": ("imaginary part, element-wise", jnp.imag),
    "isfinite": ("whether each entry is finite", jnp.isfinite),
    "isinf": ("whether each entry is +inf or -inf", jnp.isinf),
    "isnan": ("whether each entry is NaN", jnp.isnan),
    "isneginf": ("whether each entry is -inf", jnp.isneginf),
    "isposinf": ("whether each entry is +inf", jnp.isposinf),
    "isreal": ("whether each entry has no imaginary part", jnp.isreal),
    "log": ("natural logarithm, element-wise", jnp.log),
    "log10": ("base-10 logarithm, element-wise", jnp.log10),
    "log1p": ("``log(1 + x)``, accurate near 0", jnp.log1p),
    "log2": ("base-2 logarithm, element-wise", jnp.log2),
    "logical_not": ("logical NOT, element-wise", jnp.logical_not),
    "negative": ("``-x``, element-wise", jnp.negative),
    "rad2deg": ("radians to degrees, element-wise", jnp.rad2deg),
    "real": ("real part, element-wise", jnp.real),
    "reciprocal": ("``1 / x``, element-wise", jnp.reciprocal),
    "sign": ("sign (-1, 0 or 1), element-wise", jnp.sign),
    "signbit": ("whether the sign bit is set, element-wise", jnp.signbit),
    "sin": ("sine, element-wise", jnp.sin),
    "sinc": ("normalised sinc, ``sin(pi x) / (pi x)``", jnp.sinc),
    "sinh": ("hyperbolic sine, element-wise", jnp.sinh),
    "sqrt": ("square root, element-wise", jnp.sqrt),
    "square": ("``x * x``, element-wise", jnp.square),
    "tan": ("tangent, element-wise", jnp.tan),
    "tanh": ("hyperbolic tangent, element-wise", jnp.tanh),
    "trunc": ("rounds toward zero, element-wise", jnp.trunc),
    "angle": ("argument (angle) of complex entries, element-wise", jnp.angle),
    "bitwise_invert": ("bitwise NOT of integers, element-wise", jnp.bitwise_invert),
    "bitwise_not": ("bitwise NOT of integers, element-wise", jnp.bitwise_not),
}
for _name, (_what, _fn) in _UNARY.items():
    thin(_G, "numpy", _name, "(x)", lambda x, _fn=_fn: _fn(tensor(x)),
         f"The {_what} (``keras.ops.{_name}``).\n\nArgs:\n    x: input tensor.\n")

# Keras returns floats where jax.numpy keeps integers.
thin(_G, "numpy", "ceil", "(x)", lambda x: jnp.ceil(floating(x)),
     "Smallest integer >= x, element-wise; integer input gives ``floatx``.\n\n"
     "Args:\n    x: input tensor.\n")
thin(_G, "numpy", "floor", "(x)", lambda x: jnp.floor(floating(x)),
     "Largest integer <= x, element-wise; integer input gives ``floatx``.\n\n"
     "Args:\n    x: input tensor.\n")


@keras_op("numpy")
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """Round to ``decimals`` decimal places (half to even, as numpy).

    Args:
        x: input tensor.
        decimals: number of decimal places (negative: to tens, hundreds ...).

    >>> round(np.array([1.25, 2.5]), decimals=1).tolist()
    [1.2000000476837158, 2.5]
    """
    return jnp.round(tensor(x), decimals)


@keras_op("numpy")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default:
    the dtype's largest/smallest finite values).

    Args:
        x: input tensor.
        nan, posinf, neginf: replacement values.
    """
    return jnp.nan_to_num(tensor(x), nan=nan, posinf=posinf, neginf=neginf)


# -- binary, broadcasting
_BINARY = {
    "add": ("``x1 + x2``", jnp.add),
    "arctan2": ("the angle of ``(x2, x1)``, ``arctan(x1 / x2)`` by quadrant", jnp.arctan2),
    "divide": ("``x1 / x2`` (true division)", jnp.divide),
    "true_divide": ("``x1 / x2`` (alias of ``divide``)", jnp.true_divide),
    "equal": ("``x1 == x2``", jnp.equal),
    "not_equal": ("``x1 != x2``", jnp.not_equal),
    "floor_divide": ("``x1 // x2``", jnp.floor_divide),
    "fmod": ("remainder with the sign of ``x1`` (C's fmod)", jnp.fmod),
    "mod": ("``x1 % x2`` (sign of ``x2``)", jnp.mod),
    "gcd": ("greatest common divisor of integers", jnp.gcd),
    "lcm": ("least common multiple of integers", jnp.lcm),
    "greater": ("``x1 > x2``", jnp.greater),
    "greater_equal": ("``x1 >= x2``", jnp.greater_equal),
    "less": ("``x1 < x2``", jnp.less),
    "less_equal": ("``x1 <= x2``", jnp.less_equal),
    "heaviside": ("Heaviside step of ``x1``, ``x2`` where ``x1 == 0``", jnp.heaviside),
    "hypot": ("``sqrt(x1**2 + x2**2)`` without overflow", jnp.hypot),
    "logaddexp": ("``log(exp(x1) + exp(x2))`` computed stably", jnp.logaddexp),
    "logaddexp2": ("``log2(2**x1 + 2**x2)`` computed stably", jnp.logaddexp2),
    "logical_and": ("logical AND", jnp.logical_and),
    "logical_or": ("logical OR", jnp.logical_or),
    "logical_xor": ("logical XOR", jnp.logical_xor),
    "maximum": ("element-wise maximum (NaN propagates)", jnp.maximum),
    "minimum": ("element-wise minimum (NaN propagates)", jnp.minimum),
    "fmax": ("element-wise maximum, ignoring NaN", jnp.fmax),
    "fmin": ("element-wise minimum, ignoring NaN", jnp.fmin),
    "multiply": ("``x1 * x2``", jnp.multiply),
    "nextafter": ("next float after ``x1`` toward ``x2``", jnp.nextafter),
    "power": ("``x1 ** x2``", jnp.power),
    "subtract": ("``x1 - x2``", jnp.subtract),
    "ldexp": ("``x1 * 2**x2``", jnp.ldexp),
}
for _name, (_what, _fn) in _BINARY.items():
    thin(_G, "numpy", _name, "(x1, x2)",
         lambda x1, x2, _fn=_fn: _fn(tensor(x1), tensor(x2)),
         f"{_what[0].upper()}{_what[1:]}, element-wise with broadcasting "
         f"(``keras.ops.{_name}``).\n\nArgs:\n    x1: first tensor.\n    x2: second tensor.\n")

_BITS = {
    "bitwise_and": jnp.bitwise_and, "bitwise_or": jnp.bitwise_or,
    "bitwise_xor": jnp.bitwise_xor, "bitwise_left_shift": jnp.left_shift,
    "bitwise_right_shift": jnp.right_shift, "left_shift": jnp.left_shift,
    "right_shift": jnp.right_shift,
}
for _name, _fn in _BITS.items():
    thin(_G, "numpy", _name, "(x, y)", lambda x, y, _fn=_fn: _fn(tensor(x), tensor(y)),
         f"``{_name}`` of integer tensors, element-wise with broadcasting.\n\n"
         "Args:\n    x: first integer tensor.\n    y: second integer tensor (or shift).\n")


@keras_op("numpy")
def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2 == 0`` (no NaN or inf).

    Args:
        x1: numerator.
        x2: denominator.

    >>> divide_no_nan(np.array([1.0, 2.0]), np.array([0.0, 4.0])).tolist()
    [0.0, 0.5]
    """
    x1, x2 = tensor(x1), tensor(x2)
    safe = jnp.where(x2 == 0, jnp.ones_like(x2), x2)
    return jnp.where(x2 == 0, jnp.zeros((), jnp.result_type(x1, x2)), jnp.divide(x1, safe))


@keras_op("numpy")
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|x1 - x2| <= atol + rtol * |x2|``, element-wise.

    Args:
        x1, x2: tensors to compare.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count NaN == NaN as close.
    """
    return jnp.isclose(tensor(x1), tensor(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op("numpy")
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every entry of ``x1`` is close to ``x2`` (see ``isclose``).

    Args:
        x1, x2: tensors to compare.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: count NaN == NaN as close.

    >>> bool(allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
    True
    """
    return jnp.allclose(tensor(x1), tensor(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op("numpy")
def clip(x, x_min, x_max):
    """Clip values to ``[x_min, x_max]``; booleans are clipped as ``int32``.

    Args:
        x: input tensor.
        x_min: lower bound.
        x_max: upper bound.

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    x = tensor(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, x_min, x_max)


__test__ = doctests(globals())
