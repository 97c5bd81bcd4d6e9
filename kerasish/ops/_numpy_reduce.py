"""Reductions, statistics, sorting and searching of ``kerasish.ops.numpy``.

``axis`` is an int, a tuple of ints or None (all axes); ``keepdims=True`` keeps the
reduced axes with size 1. Integer input of a mean, variance or median gives
``float32``, as in Keras 3.

>>> import numpy as np
>>> from kerasish.ops import numpy as knp
>>> x = np.array([[1, 2], [3, 4]], "int32")
>>> knp.mean(x, axis=0).tolist(), str(knp.mean(x).dtype)
([2.0, 3.0], 'float32')
>>> knp.sum(x, axis=1, keepdims=True).shape
(2, 1)
"""

import builtins

import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.ops._dispatch import keras_op, thin
from kerasish.ops._numpy_math import doc_example, floating, tensor

_G = globals()


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def check_axis(x, axis, name="axis"):
    """Refuse an ``axis`` outside ``[-ndim, ndim)``: an error naming it (numpy's
    ``AxisError``, a ValueError and an IndexError)."""
    for a in (axis if isinstance(axis, (tuple, list)) else (axis,)):
        if a is None:
            continue
        if not isinstance(a, int) or not -x.ndim <= a < builtins.max(x.ndim, 1):
            # numpy's AxisError is a ValueError and an IndexError (Keras's type here).
            raise np.exceptions.AxisError(
                f"Invalid `{name}`: {a!r} for a tensor of rank {x.ndim}; expected an "
                f"integer in [{-x.ndim}, {x.ndim}) (or None for all axes). "
                f"Received: {name}={axis!r}")
    return _axis(axis)


_AXIS_DOC = ("Args:\n    x: input tensor.\n    axis: axis or axes to reduce (None: all).\n"
             "    keepdims: keep the reduced axes with size 1.\n")

# name: (what, jax function, example code, example output)
_REDUCE = {
    "all": ("Whether every entry is true", jnp.all,
            "all(np.array([[True, False], [True, True]]), axis=1).tolist()", "[False, True]"),
    "any": ("Whether some entry is true", jnp.any,
            "any(np.array([[True, False], [False, False]]), axis=1).tolist()", "[True, False]"),
    "amax": ("The largest entry", jnp.max,
             "amax(np.array([[1, 5], [3, 2]]), axis=0).tolist()", "[3, 5]"),
    "amin": ("The smallest entry", jnp.min,
             "amin(np.array([[1, 5], [3, 2]]), axis=1).tolist()", "[1, 2]"),
    "sum": ("The sum", jnp.sum,
            "sum(np.array([[1, 2], [3, 4]]), axis=0).tolist()", "[4, 6]"),
    "median": ("The median", jnp.median,
               "median(np.array([[1.0, 3.0, 2.0], [4.0, 6.0, 5.0]]), axis=1).tolist()",
               "[2.0, 5.0]"),
    "std": ("The standard deviation (population, ddof=0)", jnp.std,
            "std(np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])).tolist()", "2.0"),
    "ptp": ("The range, max - min", jnp.ptp,
            "ptp(np.array([[4, 9, 2], [1, 1, 1]]), axis=1).tolist()", "[7, 0]"),
    "nanmax": ("The largest entry, ignoring NaN", jnp.nanmax,
               "nanmax(np.array([1.0, np.nan, 3.0])).tolist()", "3.0"),
    "nanmin": ("The smallest entry, ignoring NaN", jnp.nanmin,
               "nanmin(np.array([1.0, np.nan, 3.0])).tolist()", "1.0"),
    "nanmean": ("The mean, ignoring NaN", jnp.nanmean,
                "nanmean(np.array([1.0, np.nan, 3.0])).tolist()", "2.0"),
    "nanmedian": ("The median, ignoring NaN", jnp.nanmedian,
                  "nanmedian(np.array([1.0, np.nan, 3.0, 5.0])).tolist()", "3.0"),
    "nanprod": ("The product, ignoring NaN", jnp.nanprod,
                "nanprod(np.array([2.0, np.nan, 3.0])).tolist()", "6.0"),
    "nansum": ("The sum, ignoring NaN", jnp.nansum,
               "nansum(np.array([2.0, np.nan, 3.0])).tolist()", "5.0"),
    "nanstd": ("The standard deviation, ignoring NaN", jnp.nanstd,
               "nanstd(np.array([1.0, np.nan, 3.0])).tolist()", "1.0"),
    "nanvar": ("The variance, ignoring NaN", jnp.nanvar,
               "nanvar(np.array([1.0, np.nan, 3.0])).tolist()", "1.0"),
    "argmax": ("The index of the largest entry", jnp.argmax,
               "argmax(np.array([[1, 5, 2], [7, 0, 3]]), axis=1).tolist()", "[1, 0]"),
    "argmin": ("The index of the smallest entry", jnp.argmin,
               "argmin(np.array([[1, 5, 2], [7, 0, 3]]), axis=1).tolist()", "[0, 1]"),
    "nanargmax": ("The index of the largest entry, ignoring NaN", jnp.nanargmax,
                  "nanargmax(np.array([1.0, np.nan, 3.0])).tolist()", "2"),
    "nanargmin": ("The index of the smallest entry, ignoring NaN", jnp.nanargmin,
                  "nanargmin(np.array([np.nan, 2.0, 3.0])).tolist()", "1"),
}
for _name, (_what, _fn, _code, _out) in _REDUCE.items():
    thin(_G, "numpy", _name, "(x, axis=None, keepdims=False)",
         lambda x, axis, keepdims, _fn=_fn: _fn(
             tensor(x), axis=check_axis(tensor(x), axis), keepdims=keepdims),
         f"{_what} along ``axis`` (``keras.ops.{_name}``).\n\n{_AXIS_DOC}"
         + doc_example(_code, _out))


@keras_op("numpy")
def mean(x, axis=None, keepdims=False):
    """The mean along ``axis``, computed in (at least) ``float32``; integer input gives
    ``float32``, float16 input is averaged in float32 and returned as float16.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with size 1.

    >>> mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1).tolist()
    [1.5, 4.0]
    """
    x = tensor(x)
    axis = check_axis(x, axis)
    compute = jnp.promote_types(x.dtype, jnp.float32)
    result = x.dtype if jnp.issubdtype(x.dtype, jnp.inexact) else compute
    return jnp.mean(x, axis=axis, keepdims=keepdims, dtype=compute).astype(result)


@keras_op("numpy")
def var(x, axis=None, keepdims=False):
    """The variance (population, ddof=0) along ``axis``, computed in float32 or wider.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with size 1.

    >>> var(np.array([1.0, 3.0, 5.0, 7.0])).tolist(), str(var(np.array([1, 3])).dtype)
    (5.0, 'float32')
    """
    x = tensor(x)
    axis = check_axis(x, axis)
    compute = jnp.promote_types(x.dtype, jnp.float32)
    result = x.dtype if jnp.issubdtype(x.dtype, jnp.inexact) else config.floatx()
    return jnp.var(x, axis=axis, keepdims=keepdims, dtype=compute).astype(result)


@keras_op("numpy")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """The largest entry along ``axis``; ``initial`` is a floor included in the max.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with size 1.
        initial: a value the result is at least (and the result of an empty input).

    >>> max(np.array([[1, 5], [3, 2]]), axis=1).tolist()
    [5, 3]
    >>> max(np.array([1, 5, 3]), initial=10).tolist()
    10
    """
    x = tensor(x)
    return jnp.max(x, axis=check_axis(x, axis), keepdims=keepdims, initial=initial)


@keras_op("numpy")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """The smallest entry along ``axis``; ``initial`` is a ceiling included in the min.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with size 1.
        initial: a value the result is at most (and the result of an empty input).

    >>> min(np.array([[1, 5], [3, 2]]), axis=1).tolist()
    [1, 2]
    """
    x = tensor(x)
    return jnp.min(x, axis=check_axis(x, axis), keepdims=keepdims, initial=initial)


@keras_op("numpy")
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product along ``axis``, accumulated in ``dtype`` when given.

    Args:
        x: input tensor.
        axis: axis or axes to reduce (None: all).
        keepdims: keep the reduced axes with size 1.
        dtype: the accumulator and output dtype.

    >>> prod(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [2, 12]
    """
    x = tensor(x)
    return jnp.prod(x, axis=check_axis(x, axis), keepdims=keepdims, dtype=dtype)


@keras_op("numpy")
def count_nonzero(x, axis=None):
    """How many entries are non-zero along ``axis`` (``int32``).

    Args:
        x: input tensor.
        axis: axis or axes to count over (None: all).

    >>> count_nonzero(np.array([[0, 1, 2], [0, 0, 3]]), axis=1).tolist()
    [2, 1]
    """
    x = tensor(x)
    return jnp.count_nonzero(x, axis=check_axis(x, axis)).astype("int32")


@keras_op("numpy")
def average(x, axis=None, weights=None):
    """The weighted mean along ``axis`` (``weights`` broadcast along it).

    Args:
        x: input tensor.
        axis: axis to average over (None: all).
        weights: weights, of ``x``'s shape or of ``x.shape[axis]``.

    >>> average(np.array([1.0, 2.0, 3.0]), weights=np.array([3.0, 1.0, 0.0])).tolist()
    1.25
    """
    x = floating(x)
    if weights is not None:
        weights = tensor(weights)
        dtype = jnp.result_type(x, weights, float)
        x, weights = x.astype(dtype), weights.astype(dtype)
    return jnp.average(x, axis=_axis(axis), weights=weights)


_CUMULATIVE = {  # name: (jax function, example code, example output)
    "cumsum": (jnp.cumsum, "cumsum(np.array([[1, 2], [3, 4]]), axis=0).tolist()",
               "[[1, 2], [4, 6]]"),
    "cumprod": (jnp.cumprod, "cumprod(np.array([1, 2, 3, 4])).tolist()", "[1, 2, 6, 24]"),
    "nancumsum": (jnp.nancumsum, "nancumsum(np.array([1.0, np.nan, 3.0])).tolist()",
                  "[1.0, 1.0, 4.0]"),
    "nancumprod": (jnp.nancumprod, "nancumprod(np.array([2.0, np.nan, 3.0])).tolist()",
                   "[2.0, 2.0, 6.0]"),
}
for _name, (_fn, _code, _out) in _CUMULATIVE.items():
    thin(_G, "numpy", _name, "(x, axis=None, dtype=None)",
         lambda x, axis, dtype, _fn=_fn: _fn(tensor(x), axis=axis, dtype=dtype),
         f"Cumulative ``{_name[3:] if _name.startswith('nan') else _name}`` along ``axis`` "
         f"(None: of the flattened input){', NaN as identity' * _name.startswith('nan')}.\n\n"
         "Args:\n    x: input tensor.\n    axis: the axis (None: flatten first).\n"
         "    dtype: the accumulator and output dtype.\n" + doc_example(_code, _out))


_QUANTILES = {  # name: (jax function, ignores NaN, example code, example output)
    "percentile": (jnp.percentile, False,
                   "percentile(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([25, 50, 100]))"
                   ".tolist()", "[2.0, 3.0, 5.0]"),
    "quantile": (jnp.quantile, False,
                 "quantile(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0.25, 0.5, 1.0]))"
                 ".tolist()", "[2.0, 3.0, 5.0]"),
    "nanpercentile": (jnp.nanpercentile, True,
                      "nanpercentile(np.array([1.0, np.nan, 3.0, 5.0]), 50).tolist()", "3.0"),
    "nanquantile": (jnp.nanquantile, True,
                    'nanquantile(np.array([1.0, np.nan, 4.0]), 0.5, method="lower").tolist()',
                    "1.0"),
}
for _name, (_fn, _nan, _code, _out) in _QUANTILES.items():
    thin(_G, "numpy", _name, "(x, q, axis=None, method='linear', keepdims=False)",
         lambda x, q, axis, method, keepdims, _fn=_fn: _fn(
             tensor(x), tensor(q), axis=_axis(axis), method=method, keepdims=keepdims),
         f"The ``q``-th {_name.replace('nan', '')} along ``axis``"
         f"{', ignoring NaN' * _nan}.\n\nArgs:\n    x: input tensor.\n"
         "    q: the probabilities (percent for percentiles); a scalar or 1-D.\n"
         "    axis: axis or axes (None: all).\n    method: 'linear', 'lower', 'higher', "
         "'midpoint' or 'nearest'.\n    keepdims: keep the reduced axes with size 1.\n"
         + doc_example(_code, _out))


@keras_op("numpy")
def argsort(x, axis=-1):
    """The indices that sort ``x`` along ``axis`` (stable).

    Args:
        x: input tensor.
        axis: the axis to sort along (None: the flattened input).

    >>> argsort(np.array([3, 1, 2])).tolist()
    [1, 2, 0]
    """
    x = tensor(x)
    return jnp.argsort(x, axis=None if x.ndim == 0 else axis)


@keras_op("numpy")
def sort(x, axis=-1):
    """``x`` sorted along ``axis``.

    Args:
        x: input tensor.
        axis: the axis to sort along (None: the flattened input).

    >>> sort(np.array([[3, 1], [0, 2]])).tolist()
    [[1, 3], [0, 2]]
    >>> sort(np.array([[3, 1], [0, 2]]), axis=0).tolist()
    [[0, 1], [3, 2]]
    """
    return jnp.sort(tensor(x), axis=axis)


@keras_op("numpy")
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` smallest entry along ``axis``.

    Args:
        x: input tensor.
        kth: the index of the entry that ends in its sorted place.
        axis: the axis to partition.

    >>> argpartition(np.array([7, 1, 5, 3]), 1)[:2].tolist()
    [1, 3]
    """
    return jnp.argpartition(tensor(x), kth, axis=axis)


@keras_op("numpy")
def searchsorted(sorted_sequence, values, side="left"):
    """Indices where ``values`` would be inserted into 1-D ``sorted_sequence``.

    Args:
        sorted_sequence: a sorted 1-D tensor.
        values: values to place.
        side: 'left' (first suitable index) or 'right' (last).

    >>> searchsorted(np.array([1, 3, 5, 7]), np.array([0, 3, 6])).tolist()
    [0, 1, 3]
    >>> searchsorted(np.array([1, 3, 5, 7]), np.array([3]), side="right").tolist()
    [2]
    """
    seq = tensor(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. Use `vectorized_map` for "
            f"batches. Received: sorted_sequence.shape={seq.shape}")
    out = jnp.searchsorted(seq, tensor(values), side=side)
    return out.astype("int32")


@keras_op("numpy")
def digitize(x, bins):
    """The index of the bin each entry falls in (``bins`` increasing).

    Args:
        x: input tensor.
        bins: 1-D increasing bin edges.

    >>> digitize(np.array([0.5, 1.5, 2.5]), np.array([1.0, 2.0])).tolist()
    [0, 1, 2]
    """
    return jnp.digitize(tensor(x), tensor(bins)).astype("int32")


@keras_op("numpy")
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in ``x`` (rank 1, or rank 2 per
    row), summing ``weights`` instead of ones when given.

    Args:
        x: non-negative integers.
        weights: weights of the entries of ``x``.
        minlength: the least length of the output.
        sparse: Keras's sparse output; not available in kerasish (True is refused).

    >>> bincount(np.array([0, 1, 1, 3]), minlength=5).tolist()
    [1, 2, 0, 1, 0]
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported by kerasish's bincount (no "
                         "sparse tensors). Received: sparse=True")
    x = tensor(x)
    length = int(jnp.max(x)) + 1 if x.size else 0
    length = builtins.max(length, minlength)
    dtype = "int32" if weights is None else jnp.result_type(tensor(weights))
    if x.ndim == 2:
        w = weights if weights is None else tensor(weights)
        rows = [jnp.bincount(x[i], None if w is None else w[i], length=length)
                for i in range(x.shape[0])]
        return jnp.stack(rows).astype(dtype)
    return jnp.bincount(x, None if weights is None else tensor(weights),
                        length=length).astype(dtype)


@keras_op("numpy")
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's name
    """``(counts, bin_edges)`` of the 1-D ``x`` in ``bins`` equal bins over ``range``.

    Args:
        x: a 1-D tensor.
        bins: number of bins.
        range: ``(low, high)``; default the min and max of ``x``.

    >>> counts, edges = histogram(np.array([0.0, 1.0, 1.0, 4.0]), bins=2)
    >>> counts.tolist(), edges.tolist()
    ([3.0, 1.0], [0.0, 2.0, 4.0])
    """
    x = tensor(x)
    if x.ndim != 1:
        raise ValueError(f"`histogram` takes a 1-D input. Received: x.shape={x.shape}")
    return jnp.histogram(x, bins=bins, range=range)


@keras_op("numpy")
def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The unique entries of ``x`` (optionally with first indices, inverse and counts).

    Args:
        x: input tensor.
        sorted: return them sorted.
        return_index, return_inverse, return_counts: also return these.
        axis: unique slices along this axis (None: entries of the flattened input).
        size: pad or cut the result to this length (needed under ``jit``).
        fill_value: the padding value when ``size`` is given.

    >>> values, counts = unique(np.array([3, 1, 3, 2, 1]), return_counts=True)
    >>> values.tolist(), counts.tolist()
    ([1, 2, 3], [2, 1, 2])
    """
    return jnp.unique(tensor(x), return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, size=size,
                      fill_value=fill_value, sorted=sorted)


@keras_op("numpy")
def nonzero(x):
    """A tuple of index arrays, one per axis, of the non-zero entries.

    Args:
        x: input tensor.

    >>> rows, cols = nonzero(np.array([[0, 1], [2, 0]]))
    >>> rows.tolist(), cols.tolist()
    ([0, 1], [1, 0])
    """
    return jnp.nonzero(tensor(x))


@keras_op("numpy")
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of ``x``.

    Args:
        x: input tensor (rank >= 2).
        offset: diagonal offset (positive: above the main diagonal).
        axis1, axis2: the axes of the 2-D slices.

    >>> trace(np.array([[1, 2], [3, 4]])).tolist()
    5
    """
    return jnp.trace(tensor(x), offset=offset, axis1=axis1, axis2=axis2)


@keras_op("numpy")
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``.

    Args:
        a: input tensor.
        n: how many times to difference.
        axis: the axis.

    >>> diff(np.array([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    >>> diff(np.array([1, 4, 9, 16]), n=2).tolist()
    [2, 2]
    """
    return jnp.diff(tensor(a), n=n, axis=axis)


@keras_op("numpy")
def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x``.

    Args:
        x: a 2-D tensor, one variable per row.

    >>> corrcoef(np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    return jnp.corrcoef(floating(x))


@keras_op("numpy")
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors.

    Args:
        x1, x2: 1-D tensors.
        mode: 'valid', 'same' or 'full'.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="full").tolist()
    [1.0, 3.0, 5.0, 3.0]
    """
    x1, x2 = tensor(x1), tensor(x2)
    dtype = jnp.result_type(x1, x2, float)
    return jnp.correlate(x1.astype(dtype), x2.astype(dtype), mode=mode)

