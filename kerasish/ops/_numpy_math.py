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
from kerasish.ops._dispatch import keras_op, thin

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


def doc_example(code, output):
    """Docstring text of a runnable example: each line of ``code`` as a ``>>>`` line,
    then ``output`` (the tables below keep one example per op; doctest runs them)."""
    lines = "\n".join(f">>> {line}" for line in code.split("\n"))
    return f"\n{lines}\n{output}\n"


# -- unary, same dtype rules as jax.numpy (which Keras's JAX backend follows).
# name: (what it computes, jax function, example code, example output)
_UNARY = {
    "abs": ("absolute value, element-wise", jnp.abs,
            "abs(np.array([-1.5, 0.0, 2.0])).tolist()", "[1.5, 0.0, 2.0]"),
    "absolute": ("absolute value, element-wise (alias of ``abs``)", jnp.absolute,
                 "absolute(np.array([-3, 4])).tolist()", "[3, 4]"),
    "arccos": ("inverse cosine, element-wise", jnp.arccos,
               "rad2deg(arccos(np.array([1.0, 0.0, -1.0]))).tolist()", "[0.0, 90.0, 180.0]"),
    "arccosh": ("inverse hyperbolic cosine, element-wise", jnp.arccosh,
                'print(f"{float(arccosh(2.0)):.4f}")', "1.3170"),
    "arcsin": ("inverse sine, element-wise", jnp.arcsin,
               "rad2deg(arcsin(np.array([0.0, 1.0, -1.0]))).tolist()", "[0.0, 90.0, -90.0]"),
    "arcsinh": ("inverse hyperbolic sine, element-wise", jnp.arcsinh,
                'print(f"{float(arcsinh(1.0)):.4f}")', "0.8814"),
    "arctan": ("inverse tangent, element-wise", jnp.arctan,
               "rad2deg(arctan(np.array([0.0, 1.0, -1.0]))).tolist()", "[0.0, 45.0, -45.0]"),
    "arctanh": ("inverse hyperbolic tangent, element-wise", jnp.arctanh,
                'print(f"{float(arctanh(0.5)):.4f}")', "0.5493"),
    "cbrt": ("cube root, element-wise", jnp.cbrt,
             "cbrt(np.array([8.0, -27.0])).tolist()", "[2.0, -3.0]"),
    "conj": ("complex conjugate, element-wise", jnp.conj,
             "conj(np.array([1 + 2j, 3 - 1j])).tolist()", "[(1-2j), (3+1j)]"),
    "conjugate": ("complex conjugate, element-wise (alias of ``conj``)", jnp.conjugate,
                  "conjugate(np.array([1 + 2j])).tolist()", "[(1-2j)]"),
    "copy": ("a copy of ``x``", jnp.array, "copy(np.array([1, 2])).tolist()", "[1, 2]"),
    "cos": ("cosine, element-wise", jnp.cos,
            "cos(np.array([0.0, np.pi])).tolist()", "[1.0, -1.0]"),
    "cosh": ("hyperbolic cosine, element-wise", jnp.cosh,
             'print(f"{float(cosh(1.0)):.4f}")', "1.5431"),
    "deg2rad": ("degrees to radians, element-wise", jnp.deg2rad,
                "(deg2rad(np.array([90.0, 180.0])) / np.pi).tolist()", "[0.5, 1.0]"),
    "exp": ("``e ** x``, element-wise", jnp.exp,
            "exp(np.array([0.0, np.log(4.0)])).tolist()", "[1.0, 4.0]"),
    "exp2": ("``2 ** x``, element-wise", jnp.exp2,
             "exp2(np.array([0, 3, -1])).tolist()", "[1.0, 8.0, 0.5]"),
    "expm1": ("``exp(x) - 1``, accurate near 0", jnp.expm1,
              'print(f"{float(expm1(1e-10)):.3e}")', "1.000e-10"),
    "fabs": ("absolute value as a float, element-wise", jnp.fabs,
             "fabs(np.array([-2, 3])).tolist()", "[2.0, 3.0]"),
    "i0": ("modified Bessel function of the first kind, order 0", jnp.i0,
           'print(f"{float(i0(1.0)):.4f}")', "1.2661"),
    "imag": ("imaginary part, element-wise", jnp.imag,
             "imag(np.array([1 + 2j, 3 - 1j])).tolist()", "[2.0, -1.0]"),
    "isfinite": ("whether each entry is finite", jnp.isfinite,
                 "isfinite(np.array([1.0, np.inf, np.nan])).tolist()", "[True, False, False]"),
    "isinf": ("whether each entry is +inf or -inf", jnp.isinf,
              "isinf(np.array([1.0, np.inf, -np.inf])).tolist()", "[False, True, True]"),
    "isnan": ("whether each entry is NaN", jnp.isnan,
              "isnan(np.array([1.0, np.nan])).tolist()", "[False, True]"),
    "isneginf": ("whether each entry is -inf", jnp.isneginf,
                 "isneginf(np.array([np.inf, -np.inf])).tolist()", "[False, True]"),
    "isposinf": ("whether each entry is +inf", jnp.isposinf,
                 "isposinf(np.array([np.inf, -np.inf])).tolist()", "[True, False]"),
    "isreal": ("whether each entry has no imaginary part", jnp.isreal,
               "isreal(np.array([1 + 0j, 1 + 2j])).tolist()", "[True, False]"),
    "log": ("natural logarithm, element-wise", jnp.log,
            "log(np.array([1.0, np.e])).tolist()", "[0.0, 1.0]"),
    "log10": ("base-10 logarithm, element-wise", jnp.log10,
              "log10(np.array([1.0, 100.0, 0.001])).tolist()", "[0.0, 2.0, -3.0]"),
    "log1p": ("``log(1 + x)``, accurate near 0", jnp.log1p,
              'print(f"{float(log1p(1e-10)):.3e}")', "1.000e-10"),
    "log2": ("base-2 logarithm, element-wise", jnp.log2,
             "log2(np.array([1.0, 8.0, 0.5])).tolist()", "[0.0, 3.0, -1.0]"),
    "logical_not": ("logical NOT, element-wise", jnp.logical_not,
                    "logical_not(np.array([True, False])).tolist()", "[False, True]"),
    "negative": ("``-x``, element-wise", jnp.negative,
                 "negative(np.array([1, -2])).tolist()", "[-1, 2]"),
    "rad2deg": ("radians to degrees, element-wise", jnp.rad2deg,
                "rad2deg(np.array([0.0, np.pi])).tolist()", "[0.0, 180.0]"),
    "real": ("real part, element-wise", jnp.real,
             "real(np.array([1 + 2j, 3 - 1j])).tolist()", "[1.0, 3.0]"),
    "reciprocal": ("``1 / x``, element-wise", jnp.reciprocal,
                   "reciprocal(np.array([2.0, 4.0])).tolist()", "[0.5, 0.25]"),
    "sign": ("sign (-1, 0 or 1), element-wise", jnp.sign,
             "sign(np.array([-3.0, 0.0, 2.0])).tolist()", "[-1.0, 0.0, 1.0]"),
    "signbit": ("whether the sign bit is set, element-wise", jnp.signbit,
                "signbit(np.array([-1.0, 0.0, -0.0])).tolist()", "[True, False, True]"),
    "sin": ("sine, element-wise", jnp.sin,
            "sin(np.array([0.0, np.pi / 2])).tolist()", "[0.0, 1.0]"),
    "sinc": ("normalised sinc, ``sin(pi x) / (pi x)``", jnp.sinc,
             'print(f"{float(sinc(0.0)):.4f} {float(sinc(0.5)):.4f}")', "1.0000 0.6366"),
    "sinh": ("hyperbolic sine, element-wise", jnp.sinh,
             'print(f"{float(sinh(1.0)):.4f}")', "1.1752"),
    "sqrt": ("square root, element-wise", jnp.sqrt,
             "sqrt(np.array([4.0, 9.0])).tolist()", "[2.0, 3.0]"),
    "square": ("``x * x``, element-wise", jnp.square,
               "square(np.array([-3, 4])).tolist()", "[9, 16]"),
    "tan": ("tangent, element-wise", jnp.tan,
            "tan(np.array([0.0, np.pi / 4])).tolist()", "[0.0, 1.0]"),
    "tanh": ("hyperbolic tangent, element-wise", jnp.tanh,
             'print(f"{float(tanh(1.0)):.4f}")', "0.7616"),
    "trunc": ("rounds toward zero, element-wise", jnp.trunc,
              "trunc(np.array([-1.7, 1.7])).tolist()", "[-1.0, 1.0]"),
    "angle": ("argument (angle) of complex entries, element-wise", jnp.angle,
              "rad2deg(angle(np.array([1 + 1j, -1 + 0j]))).tolist()", "[45.0, 180.0]"),
    "bitwise_invert": ("bitwise NOT of integers, element-wise", jnp.bitwise_invert,
                       "bitwise_invert(np.array([0, 5])).tolist()", "[-1, -6]"),
    "bitwise_not": ("bitwise NOT of integers, element-wise", jnp.bitwise_not,
                    'bitwise_not(np.array([0, 5], "uint8")).tolist()', "[255, 250]"),
}
for _name, (_what, _fn, _code, _out) in _UNARY.items():
    thin(_G, "numpy", _name, "(x)", lambda x, _fn=_fn: _fn(tensor(x)),
         f"The {_what} (``keras.ops.{_name}``).\n\nArgs:\n    x: input tensor.\n"
         + doc_example(_code, _out))

# Keras returns floats where jax.numpy keeps integers.
thin(_G, "numpy", "ceil", "(x)", lambda x: jnp.ceil(floating(x)),
     "Smallest integer >= x, element-wise; integer input gives ``floatx``.\n\n"
     "Args:\n    x: input tensor.\n"
     + doc_example("ceil(np.array([-1.5, 1.2])).tolist()", "[-1.0, 2.0]"))
thin(_G, "numpy", "floor", "(x)", lambda x: jnp.floor(floating(x)),
     "Largest integer <= x, element-wise; integer input gives ``floatx``.\n\n"
     "Args:\n    x: input tensor.\n"
     + doc_example("floor(np.array([-1.5, 1.2])).tolist()", "[-2.0, 1.0]"))


@keras_op("numpy")
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """Round to ``decimals`` decimal places (half to even, as numpy).

    Args:
        x: input tensor.
        decimals: number of decimal places (negative: to tens, hundreds ...).

    >>> round(np.array([0.5, 1.5, 2.5])).tolist()
    [0.0, 2.0, 2.0]
    >>> round(np.array([123.0, 456.0]), decimals=-1).tolist()
    [120.0, 460.0]
    """
    return jnp.round(tensor(x), decimals)


@keras_op("numpy")
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default:
    the dtype's largest/smallest finite values).

    Args:
        x: input tensor.
        nan, posinf, neginf: replacement values.

    >>> nan_to_num(np.array([np.nan, np.inf, 1.0]), posinf=9.0).tolist()
    [0.0, 9.0, 1.0]
    """
    return jnp.nan_to_num(tensor(x), nan=nan, posinf=posinf, neginf=neginf)


# -- binary, broadcasting; name: (what, jax function, example code, example output)
_BINARY = {
    "add": ("``x1 + x2``", jnp.add,
            "add(np.array([[1], [2]]), np.array([10, 20])).tolist()", "[[11, 21], [12, 22]]"),
    "arctan2": ("the angle of ``(x2, x1)``, ``arctan(x1 / x2)`` by quadrant", jnp.arctan2,
                "rad2deg(arctan2(np.array([1.0, 1.0, -1.0]), np.array([1.0, -1.0, -1.0]))).tolist()",
                "[45.0, 135.0, -135.0]"),
    "divide": ("``x1 / x2`` (true division)", jnp.divide,
               "divide(np.array([1, 3]), np.array([2, 4])).tolist()", "[0.5, 0.75]"),
    "true_divide": ("``x1 / x2`` (alias of ``divide``)", jnp.true_divide,
                    "true_divide(np.array([1, 3]), 2).tolist()", "[0.5, 1.5]"),
    "equal": ("``x1 == x2``", jnp.equal,
              "equal(np.array([1, 2, 3]), 2).tolist()", "[False, True, False]"),
    "not_equal": ("``x1 != x2``", jnp.not_equal,
                  "not_equal(np.array([1, 2, 3]), 2).tolist()", "[True, False, True]"),
    "floor_divide": ("``x1 // x2``", jnp.floor_divide,
                     "floor_divide(np.array([7, -7]), 2).tolist()", "[3, -4]"),
    "fmod": ("remainder with the sign of ``x1`` (C's fmod)", jnp.fmod,
             "fmod(np.array([7, -7]), 3).tolist()", "[1, -1]"),
    "mod": ("``x1 % x2`` (sign of ``x2``)", jnp.mod,
            "mod(np.array([7, -7]), 3).tolist()", "[1, 2]"),
    "gcd": ("greatest common divisor of integers", jnp.gcd,
            "gcd(np.array([12, 9]), np.array([18, 6])).tolist()", "[6, 3]"),
    "lcm": ("least common multiple of integers", jnp.lcm,
            "lcm(np.array([4, 6]), np.array([6, 10])).tolist()", "[12, 30]"),
    "greater": ("``x1 > x2``", jnp.greater,
                "greater(np.array([1, 2, 3]), 2).tolist()", "[False, False, True]"),
    "greater_equal": ("``x1 >= x2``", jnp.greater_equal,
                      "greater_equal(np.array([1, 2, 3]), 2).tolist()", "[False, True, True]"),
    "less": ("``x1 < x2``", jnp.less,
             "less(np.array([1, 2, 3]), 2).tolist()", "[True, False, False]"),
    "less_equal": ("``x1 <= x2``", jnp.less_equal,
                   "less_equal(np.array([1, 2, 3]), 2).tolist()", "[True, True, False]"),
    "heaviside": ("Heaviside step of ``x1``, ``x2`` where ``x1 == 0``", jnp.heaviside,
                  "heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).tolist()", "[0.0, 0.5, 1.0]"),
    "hypot": ("``sqrt(x1**2 + x2**2)`` without overflow", jnp.hypot,
              "hypot(np.array([3.0, 6.0]), np.array([4.0, 8.0])).tolist()", "[5.0, 10.0]"),
    "logaddexp": ("``log(exp(x1) + exp(x2))`` computed stably", jnp.logaddexp,
                  'print(f"{float(logaddexp(1000.0, 1000.0)):.2f}")', "1000.69"),
    "logaddexp2": ("``log2(2**x1 + 2**x2)`` computed stably", jnp.logaddexp2,
                   "logaddexp2(np.array([1.0, 3.0]), np.array([1.0, 3.0])).tolist()", "[2.0, 4.0]"),
    "logical_and": ("logical AND", jnp.logical_and,
                    "logical_and(np.array([True, True, False]), np.array([True, False, False]))"
                    ".tolist()", "[True, False, False]"),
    "logical_or": ("logical OR", jnp.logical_or,
                   "logical_or(np.array([True, True, False]), np.array([True, False, False]))"
                   ".tolist()", "[True, True, False]"),
    "logical_xor": ("logical XOR", jnp.logical_xor,
                    "logical_xor(np.array([True, True, False]), np.array([True, False, False]))"
                    ".tolist()", "[False, True, False]"),
    "maximum": ("element-wise maximum (NaN propagates)", jnp.maximum,
                "maximum(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0])).tolist()",
                "[3.0, 5.0, nan]"),
    "minimum": ("element-wise minimum (NaN propagates)", jnp.minimum,
                "minimum(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0])).tolist()",
                "[1.0, 2.0, nan]"),
    "fmax": ("element-wise maximum, ignoring NaN", jnp.fmax,
             "fmax(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0])).tolist()",
             "[3.0, 5.0, 0.0]"),
    "fmin": ("element-wise minimum, ignoring NaN", jnp.fmin,
             "fmin(np.array([1.0, 5.0, np.nan]), np.array([3.0, 2.0, 0.0])).tolist()",
             "[1.0, 2.0, 0.0]"),
    "multiply": ("``x1 * x2``", jnp.multiply,
                 "multiply(np.array([1, 2]), np.array([3, 4])).tolist()", "[3, 8]"),
    "nextafter": ("next float after ``x1`` toward ``x2``", jnp.nextafter,
                  "float(nextafter(np.float32(1.0), np.float32(2.0))) == 1.0 + 2.0 ** -23",
                  "True"),
    "power": ("``x1 ** x2``", jnp.power,
              "power(np.array([2, 3]), np.array([3, 2])).tolist()", "[8, 9]"),
    "subtract": ("``x1 - x2``", jnp.subtract,
                 "subtract(np.array([5, 7]), np.array([1, 2])).tolist()", "[4, 5]"),
    "ldexp": ("``x1 * 2**x2``", jnp.ldexp,
              "ldexp(np.array([1.0, 3.0]), np.array([3, -1])).tolist()", "[8.0, 1.5]"),
}
for _name, (_what, _fn, _code, _out) in _BINARY.items():
    thin(_G, "numpy", _name, "(x1, x2)",
         lambda x1, x2, _fn=_fn: _fn(tensor(x1), tensor(x2)),
         f"{_what[0].upper()}{_what[1:]}, element-wise with broadcasting "
         f"(``keras.ops.{_name}``).\n\nArgs:\n    x1: first tensor.\n    x2: second tensor.\n"
         + doc_example(_code, _out))

# name: (jax function, example code, example output)
_BITS = {
    "bitwise_and": (jnp.bitwise_and,
                    "bitwise_and(np.array([12, 10]), np.array([10, 6])).tolist()", "[8, 2]"),
    "bitwise_or": (jnp.bitwise_or,
                   "bitwise_or(np.array([12, 10]), np.array([10, 6])).tolist()", "[14, 14]"),
    "bitwise_xor": (jnp.bitwise_xor,
                    "bitwise_xor(np.array([12, 10]), np.array([10, 6])).tolist()", "[6, 12]"),
    "bitwise_left_shift": (jnp.left_shift,
                           "bitwise_left_shift(np.array([1, 3]), 2).tolist()", "[4, 12]"),
    "bitwise_right_shift": (jnp.right_shift,
                            "bitwise_right_shift(np.array([8, 7]), 1).tolist()", "[4, 3]"),
    "left_shift": (jnp.left_shift,
                   "left_shift(np.array([1, 3]), np.array([1, 2])).tolist()", "[2, 12]"),
    "right_shift": (jnp.right_shift,
                    "right_shift(np.array([16, 16]), np.array([2, 4])).tolist()", "[4, 1]"),
}
for _name, (_fn, _code, _out) in _BITS.items():
    thin(_G, "numpy", _name, "(x, y)", lambda x, y, _fn=_fn: _fn(tensor(x), tensor(y)),
         f"``{_name}`` of integer tensors, element-wise with broadcasting.\n\n"
         "Args:\n    x: first integer tensor.\n    y: second integer tensor (or shift).\n"
         + doc_example(_code, _out))


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

    >>> isclose(np.array([1.0, 1.1]), np.array([1.0, 1.0])).tolist()
    [True, False]
    >>> isclose(np.array([1.0, 1.1]), np.array([1.0, 1.0]), atol=0.2).tolist()
    [True, True]
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

