"""kerasish.ops.numpy against keras.ops.numpy (JAX backend): every op, from a table.

One row per op (``CASES``): the calls to compare, each exercising the op's arguments
(every defaulted argument gets a non-default value in some call: checked by
tests/test_ops_signatures.py). Values within 1e-5, dtypes equal; ``_grad=True`` rows
also compare gradients. The first call of the most used ops runs in the fast tier; the rest are slow
(the whole grid takes minutes: one XLA compilation per op, shape and dtype).
"""

import numpy as np
import pytest

from ops_harness import A, c, run

FAST = {"argmax", "clip", "concatenate", "einsum", "matmul", "mean", "reshape", "sum",
        "take", "take_along_axis", "tensordot", "where"}

_UNARY_F = ["abs", "absolute", "arcsinh", "arctan", "cbrt", "ceil", "conj", "conjugate",
            "copy", "cos", "cosh", "deg2rad", "exp", "exp2", "expm1", "fabs", "floor", "i0",
            "imag", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal",
            "logical_not", "negative", "rad2deg", "real", "sign", "signbit", "sin", "sinc",
            "sinh", "square", "tan", "tanh", "trunc", "angle", "ravel", "fliplr", "flipud",
            "ndim", "size", "nonzero"]
_UNARY_POS = ["log", "log10", "log1p", "log2", "sqrt", "reciprocal"]
_UNARY_UNIT = ["arccos", "arcsin", "arctanh"]
_BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
           "fmax", "fmin", "power", "equal", "not_equal", "greater", "greater_equal",
           "less", "less_equal", "arctan2", "hypot", "logaddexp", "logaddexp2", "heaviside",
           "nextafter", "divide_no_nan", "logical_and", "logical_or", "logical_xor"]
_INT_BINARY = ["floor_divide", "mod", "fmod", "gcd", "lcm", "bitwise_and", "bitwise_or",
               "bitwise_xor", "left_shift", "right_shift", "bitwise_left_shift",
               "bitwise_right_shift"]
_REDUCE = ["all", "any", "amax", "amin", "sum", "median", "std", "var", "ptp", "mean",
           "argmax", "argmin", "nanmax", "nanmin", "nanmean", "nanmedian", "nanprod",
           "nansum", "nanstd", "nanvar", "nanargmax", "nanargmin"]

CASES = {
    **{n: [c(A.F, _grad=n not in ("ceil", "floor", "trunc", "sign", "isfinite", "isinf",
                                  "isnan", "isneginf", "isposinf", "isreal", "logical_not",
                                  "signbit", "ndim", "size", "nonzero", "angle", "imag")),
           c(A.I)] for n in _UNARY_F},
    **{n: [c(A.P, _grad=True), c(A.IP)] for n in _UNARY_POS},
    **{n: [c(A.U, _grad=True)] for n in _UNARY_UNIT},
    "arccosh": [c(A.IP), c(np.array([1.5, 2.0, 4.0], "float32"), _grad=True)],
    **{n: [c(A.F, A.F2, _grad=n not in ("equal", "not_equal", "greater", "greater_equal",
                                        "less", "less_equal", "heaviside", "nextafter",
                                        "logical_and", "logical_or", "logical_xor")),
           c(A.I, 2), c(A.F, 2.0), c(A.I, A.F)] for n in _BINARY},
    "ldexp": [c(A.F, A.I)],
    **{n: [c(A.IP, np.array([2, 3, 1], "int32")), c(A.IP, 3)] for n in _INT_BINARY},
    **{n: [c(A.B, A.B2)] for n in ("bitwise_and", "bitwise_or", "bitwise_xor")},
    "bitwise_invert": [c(A.I), c(A.B)],
    "bitwise_not": [c(A.I)],
    "round": [c(A.F), c(np.array([1.234, -5.678, 12.5], "float32"), decimals=1),
              c(A.F * 10.0, decimals=-1)],
    "nan_to_num": [c(A.NAN), c(A.NAN, nan=-1.0, posinf=9.0, neginf=-9.0)],
    "isclose": [c(A.F, A.F + 1e-6), c(A.NAN, A.NAN, rtol=0.5, atol=0.1, equal_nan=True)],
    "allclose": [c(A.F, A.F + 1e-3), c(A.NAN, A.NAN, rtol=0.5, atol=0.1, equal_nan=True)],
    "clip": [c(A.F, -1.0, 1.0, _grad=True), c(A.I, 0, 3), c(A.B, 0, 1)],
    **{n: [c(A.F, _grad=n in ("sum", "mean", "std", "var", "amax")),
           c(A.T, axis=1, keepdims=True), c(A.I, axis=0 if "arg" in n else (0, 1))]
       for n in _REDUCE},
    "max": [c(A.F, _grad=True), c(A.T, axis=1, keepdims=True), c(A.I, axis=0, initial=2)],
    "min": [c(A.F, _grad=True), c(A.T, axis=1, keepdims=True), c(A.I, axis=0, initial=2)],
    "prod": [c(A.F, _grad=True), c(A.T, axis=2, keepdims=True), c(A.I, dtype="float32")],
    "count_nonzero": [c(A.I), c(A.B, axis=1)],
    "average": [c(A.F), c(A.F, axis=1, weights=A.V3), c(A.I, axis=0)],
    **{n: [c(A.F, _grad=n in ("cumsum", "cumprod")), c(A.T, axis=1), c(A.I, axis=0, dtype="float32")]
       for n in ("cumsum", "cumprod", "nancumsum", "nancumprod")},
    **{n: [c(A.F, 50.0 if "perc" in n else 0.5),
           c(A.T, [10.0, 90.0] if "perc" in n else [0.1, 0.9], axis=1, method="nearest",
             keepdims=True)]
       for n in ("percentile", "quantile", "nanpercentile", "nanquantile")},
    "argsort": [c(A.F), c(A.T, axis=1)],
    "sort": [c(A.F, _grad=True), c(A.T, axis=0)],
    "argpartition": [c(A.V, 2), c(A.F, 1, axis=0)],
    "searchsorted": [c(A.SORTED, A.V), c(A.SORTED, A.V, side="right")],
    "digitize": [c(A.V, A.SORTED)],
    "bincount": [c(A.VI), c(A.VI, weights=A.V, minlength=8)],
    "histogram": [c(A.V), c(A.V, bins=3, range=(-1.0, 4.0))],
    "unique": [c(A.VI),
               c(A.VI, sorted=True, return_index=True, return_inverse=True, return_counts=True),
               c(A.IDX2, axis=1), c(A.VI, size=6, fill_value=-1)],
    "trace": [c(A.M, _grad=True), c(A.T, offset=1, axis1=1, axis2=2)],
    "diff": [c(A.V, _grad=True), c(A.F, n=2, axis=0), c(A.T, n=2, axis=1)],
    "corrcoef": [c(A.M34)],
    "correlate": [c(A.V, A.V3), c(A.V, A.V3, mode="full"), c(A.V, A.V3, mode="same")],
    # creation
    "zeros": [c((2, 3)), c(4, dtype="int32")],
    "ones": [c((2, 3)), c(4, dtype="int32")],
    "empty": [c((2, 3)), c(4, dtype="int32")],
    "zeros_like": [c(A.F), c(A.I, dtype="float32")],
    "ones_like": [c(A.F), c(A.I, dtype="float32")],
    "empty_like": [c(A.F), c(A.I, dtype="float32")],
    "full": [c((2, 2), 3.0), c((2,), 7, dtype="float32"), c((2, 3), A.V3)],
    "full_like": [c(A.F, 2.0), c(A.I, 1.5), c(A.I, 1.5, dtype="float32")],
    "arange": [c(5), c(1, 7, 2), c(0.0, 1.0, 0.25), c(3, dtype="float32"),
               c(2, stop=9, step=3)],
    "eye": [c(3), c(3, M=4, k=1, dtype="int32")],
    "identity": [c(3), c(2, dtype="int32")],
    "tri": [c(3), c(3, M=4, k=-1, dtype="int32")],
    "linspace": [c(0.0, 1.0), c(0, 10, num=5, endpoint=False, retstep=True, dtype="float32"),
                 c(A.V3, A.W3, num=4, axis=1)],
    "logspace": [c(0.0, 2.0), c(0, 3, num=4, endpoint=False, base=2, dtype="float32"),
                 c(A.V3, A.V3 + 1, num=3, axis=1)],
    "geomspace": [c(1.0, 100.0), c(1, 8, num=4, endpoint=False, dtype="float32"),
                  c(A.V3, A.V3 * 4, num=3, axis=1)],
    **{n: [c(6)] for n in ("bartlett", "blackman", "hamming", "hanning")},
    "kaiser": [c(6, 2.5)],
    "array": [c([[1, 2], [3, 4]]), c(A.F, dtype="float32"), c([1.5, 2.5], dtype="int32")],
    # shapes
    "reshape": [c(A.T, (4, 6), _grad=True), c(A.T, (-1, 3)), c(A.V, 6)],
    "transpose": [c(A.T, _grad=True), c(A.T, axes=(1, 0, 2))],
    "expand_dims": [c(A.F, 0), c(A.F, -1), c(A.F, (0, 3))],
    "squeeze": [c(A.F[None]), c(A.F[:, None], axis=1), c(A.F[None, :, None], axis=(0, 2))],
    "concatenate": [c([A.F, A.F2], _grad=True), c([A.F, A.F2], axis=1), c([A.I, A.F], axis=0)],
    "stack": [c([A.F, A.F2]), c([A.F, A.F2], axis=2)],
    **{n: [c([A.F, A.F2])] for n in ("hstack", "vstack", "dstack")},
    "append": [c(A.F, A.F2), c(A.F, A.F2, axis=1)],
    "broadcast_to": [c(A.V3, (2, 3)), c(A.I[:, :1], (2, 4))],
    "tile": [c(A.F, 2), c(A.F, (2, 1))],
    "repeat": [c(A.F, 2), c(A.F, 3, axis=1), c(A.V3, np.array([1, 0, 2], "int32"), axis=0)],
    "flip": [c(A.T), c(A.T, axis=1), c(A.T, axis=(0, 2))],
    "roll": [c(A.F, 2), c(A.F, 1, axis=1), c(A.T, (1, 2), axis=(0, 2))],
    "rot90": [c(A.F), c(A.T, k=3, axes=(1, 2))],
    "moveaxis": [c(A.T, 0, -1), c(A.T, (0, 1), (2, 0))],
    "swapaxes": [c(A.T, 0, 2)],
    "split": [c(A.V, 3), c(A.T, [1, 3], axis=2)],
    "array_split": [c(A.V, 4), c(A.T, 3, axis=2)],
    "hsplit": [c(A.M34, 2)],
    "vsplit": [c(A.M43, 2)],
    "dsplit": [c(A.T, 2)],
    "tril": [c(A.M), c(A.M, k=-1)],
    "triu": [c(A.M), c(A.M, k=1)],
    "diag": [c(A.M), c(A.V3, k=1), c(A.M34, k=-1)],
    "diagflat": [c(A.V3), c(A.F, k=-2)],
    "diagonal": [c(A.M), c(A.T, offset=1, axis1=1, axis2=2)],
    "pad": [c(A.F, 1), c(A.F, ((0, 1), (2, 0)), mode="reflect"),
            c(A.F, ((1, 1), (1, 1)), constant_values=5.0)],
    "vander": [c(A.V3), c(A.V3, N=4, increasing=True)],
    "meshgrid": [c(A.V3, A.W3[:2]), c(A.V3, A.W3[:2], indexing="ij")],
    "unravel_index": [c(np.array([1, 5, 7], "int32"), (2, 4))],
    "view": [c(A.F), c(A.F, dtype="int32")],
    # indexing and products
    "take": [c(A.F, np.array([0, 4], "int32")), c(A.F, A.IDX, axis=1),
             c(A.T, np.array([2, -1], "int32"), axis=2)],
    "take_along_axis": [c(A.F, A.IDX2, axis=1), c(A.V, np.array([5, 0], "int32"))],
    "where": [c(A.B, A.F, A.F2, _grad=True), c(A.B, x1=1.0, x2=A.I), c(A.B)],
    "select": [c([A.B, A.B2], [A.F, A.F2]), c([A.B], [A.I], default=-1)],
    "get_item": [c(A.T, (slice(None), 0)), c(A.T, (Ellipsis, 1)), c(A.F, 1)],
    "isin": [c(A.VI, np.array([2, 5], "int32")),
             c(A.VI, np.array([2, 5], "int32"), assume_unique=True, invert=True)],
    "dot": [c(A.M34, A.M43, _grad=True), c(A.V3, A.V3), c(A.F, 2.0)],
    "matmul": [c(A.M34, A.M43, _grad=True), c(A.T, A.T2), c(A.I, A.I.T)],
    "tensordot": [c(A.M34, A.M43, axes=1, _grad=True), c(A.T, A.T2, axes=([1, 2], [2, 1])),
                  c(A.F, A.F2)],
    "einsum": [c("ij,jk->ik", A.M34, A.M43, _grad=True), c("bij->bji", A.T),
               c("i,i->", A.V3, A.W3)],
    "inner": [c(A.V3, A.W3), c(A.F, A.F2)],
    "outer": [c(A.V3, A.W3)],
    "vdot": [c(A.F, A.F2)],
    "kron": [c(A.F, A.M)],
    "cross": [c(A.F, A.F2), c(A.F.T, A.F2.T, axisa=0, axisb=0, axisc=0),
              c(A.PAIRS, A.PAIRS[::-1], axis=-1)],
    "trapezoid": [c(A.V), c(A.F, x=A.V3, axis=1), c(A.F, dx=0.5, axis=0)],
    "slogdet": [c(A.M)],
    "vectorize": [c(lambda a, b: a * b + 1, _then=lambda f: f(np.arange(3.0), 2.0)),
                  c(lambda a, b: a + b, excluded={1}, _then=lambda f: f(np.arange(3.0), 2.0)),
                  c(lambda m: m.sum(), signature="(n)->()",
                    _then=lambda f: f(np.ones((2, 3), "float32")))],
}


def _params():
    return [pytest.param(name, i, id=f"{name}-{i}",
                         marks=[] if name in FAST and i == 0 else [pytest.mark.slow])
            for name, calls in sorted(CASES.items()) for i in range(len(calls))]


@pytest.mark.parametrize("name,i", _params())
def test_numpy_op_matches_keras(keras, name, i):
    """CASES: each call of each op equals Keras's (values, dtypes, gradients)."""
    assert run(keras, name, CASES[name][i]) <= CASES[name][i].tol
