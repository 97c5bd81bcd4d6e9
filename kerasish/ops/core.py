"""``kerasish.ops.core``: Keras 3's core ops (``keras.src.ops.core``, exported flat as
``keras.ops.*``): control flow on ``jax.lax``, scatter and slice updates, dtype and
tensor conversions, gradients.

>>> import numpy as np
>>> from kerasish import ops
>>> ops.fori_loop(0, 4, lambda i, total: total + i, 0)
Array(6, dtype=int32, weak_type=True)
>>> ops.scatter(np.array([[0], [2]]), np.array([1.0, 5.0]), (4,)).tolist()
[1.0, 0.0, 5.0, 0.0]
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish.ops._dispatch import is_symbolic, keras_op, unwrap
from kerasish.ops._numpy_math import tensor
from kerasish.variables import standardize_dtype

__all__ = ["associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
           "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast",
           "scan", "scatter", "scatter_update", "shape", "slice", "slice_update",
           "stop_gradient", "switch", "unstack", "vectorized_map", "while_loop"]


@keras_op("core")
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns
    ``(final carry, stacked ys)`` (``jax.lax.scan``).

    Compiled once whatever the number of steps, so it replaces Python loops over time
    steps (RNNs, cumulative computations) inside jitted code; ``carry`` keeps its
    structure, shapes and dtypes from step to step.

    Args:
        f: ``(carry, x) -> (carry, y)``.
        init: the first carry.
        xs: the sequence (a pytree of arrays), or None with ``length``.
        length: the number of steps when ``xs`` is None.
        reverse: scan from the end.
        unroll: steps unrolled per loop iteration (an int, or True for all).

    >>> carry, ys = scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    >>> float(carry), ys.tolist()
    (6.0, [0.0, 2.0, 9.0])
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError("`unroll` must be a positive integer or boolean. "
                         f"Received: unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    return jax.lax.scan(f, init, xs, length=length, reverse=reverse, unroll=unroll)


@keras_op("core")
def associative_scan(f, elems, reverse=False, axis=0):
    """Parallel prefix scan with the associative binary ``f`` (``cumsum`` for add).

    Runs in ``O(log n)`` parallel steps instead of a sequential loop; ``f`` must be
    associative (``f(f(a, b), c) == f(a, f(b, c))``) for the result to be correct.

    Args:
        f: associative ``(a, b) -> c`` on pytrees of arrays.
        elems: the elements (a pytree of arrays sharing ``axis``'s length).
        reverse: scan from the end.
        axis: the scanned axis.

    >>> associative_scan(lambda a, b: a + b, np.array([1, 2, 3])).tolist()
    [1, 3, 6]
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


@keras_op("core")
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``.

    Traceable: under ``jax.jit`` the loop is compiled once, not unrolled, and
    ``lower``/``upper`` may be traced values. ``init_val`` may be any pytree of arrays.

    Args:
        lower, upper: the range.
        body_fun: ``(i, val) -> val``.
        init_val: the first value.

    >>> int(fori_loop(0, 4, lambda i, total: total + i, 0))  # 0 + 1 + 2 + 3
    6
    """
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


@keras_op("core")
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; a tuple or list of
    loop variables is unpacked into the calls (Keras's convention).

    Traceable (``jax.lax.while_loop``): the loop variables keep their structure, shapes
    and dtypes. Not reverse-differentiable, as in JAX; use ``scan`` or ``fori_loop``
    with a fixed count for gradients.

    Args:
        cond: returns a boolean scalar.
        body: returns the new loop variables (same structure).
        loop_vars: the initial variables.
        maximum_iterations: stop after this many iterations at most.

    >>> while_loop(lambda i: i < 10, lambda i: i * 2, 1)
    Array(16, dtype=int32, weak_type=True)
    """
    is_seq = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_seq else (loop_vars,)

    def c(s):
        return cond(*s[0]) if maximum_iterations is None else \
            jnp.logical_and(cond(*s[0]), s[1] < maximum_iterations)

    def b(s):
        out = body(*s[0])
        return (tuple(out) if is_seq else (out,)), s[1] + 1

    final = jax.lax.while_loop(c, b, (state, 0))[0]
    return (type(loop_vars)(final) if is_seq else final[0])


@keras_op("core")
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``, traceable (``jax.lax.cond``).

    Both branches are traced, so they must return values of the same structure, shapes
    and dtypes; only the chosen one runs. Use it in place of a Python ``if`` on a traced
    value.

    Args:
        pred: a boolean scalar.
        true_fn, false_fn: functions of no arguments, returning the same structure.

    >>> double_or_negate = lambda x: cond(x > 0, lambda: x * 2, lambda: -x)
    >>> [float(double_or_negate(np.float32(v))) for v in (-1.0, 3.0)]
    [1.0, 6.0]
    """
    return jax.lax.cond(pred, true_fn, false_fn)


@keras_op("core")
def switch(index, branches, *operands):
    """``branches[index](*operands)``, traceable; ``index`` is clamped to the range.

    The traceable form of ``branches[index](*operands)`` with a traced ``index``: every
    branch must return the same structure, shapes and dtypes.

    Args:
        index: an integer scalar.
        branches: a list of functions.
        *operands: their arguments.

    >>> branches = [lambda x: x + 1, lambda x: x * 10]
    >>> int(switch(0, branches, 3)), int(switch(5, branches, 3))  # 5 is clamped to 1
    (4, 30)
    """
    return jax.lax.switch(index, branches, *operands)


@keras_op("core", name="map")
def map_(f, xs):  # the public name is `map`, as in Keras
    """``f`` applied to each slice of ``xs`` along its leading axis, results stacked.

    Sequential (``jax.lax.map``: one slice at a time, compiled once); for a vectorised
    version see ``vectorized_map``.

    Args:
        f: a function of one slice.
        xs: a pytree of arrays sharing their leading length.

    >>> map(lambda row: row.sum(), np.array([[1, 2], [3, 4]])).tolist()
    [3, 7]
    """
    return jax.lax.map(f, xs)


globals()["map"] = map_  # noqa: A001 - Keras's name
del map_


@keras_op("core")
def vectorized_map(function, elements):
    """``function`` vectorised over the leading axis of ``elements`` (``jax.vmap``).

    Write ``function`` for one example and it runs on the whole batch at once, as one
    vectorised computation.

    Args:
        function: a function of one slice.
        elements: a pytree of arrays sharing their leading length.

    >>> vectorized_map(lambda row: row @ row, np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [5.0, 25.0]
    """
    return jax.vmap(function)(elements)


@keras_op("core")
def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (the last axis
    of ``indices`` indexes the leading axes of ``shape``).

    Entries named twice are summed. ``indices`` of shape ``(n, k)`` with ``k`` below the
    rank of ``shape`` scatter whole slices.

    Args:
        indices: ``(..., k)`` integer indices.
        values: the values, one per index.
        shape: the output shape.

    >>> scatter(np.array([[0, 1], [2, 0]]), np.array([5.0, 7.0]), (3, 2)).tolist()
    [[0.0, 5.0], [0.0, 0.0], [7.0, 0.0]]
    """
    values = tensor(values)
    key = tuple(jnp.moveaxis(tensor(indices), -1, 0))
    return jnp.zeros(tuple(shape), values.dtype).at[key].add(values)


@keras_op("core")
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices`` (or combined: ``reduction``
    'add', 'max', 'min', 'mul').

    A functional update: ``inputs`` is not changed, a new tensor is returned (JAX arrays
    are immutable).

    Args:
        inputs: the tensor.
        indices: ``(n, k)`` integer indices into the leading ``k`` axes.
        updates: the values.
        reduction: None (replace), 'add', 'max', 'min' or 'mul'.

    >>> scatter_update(np.zeros(3), np.array([[0], [2]]), np.array([1.0, 9.0])).tolist()
    [1.0, 0.0, 9.0]
    >>> scatter_update(np.ones(3), np.array([[0], [0]]), np.array([1.0, 9.0]),
    ...                reduction="add").tolist()
    [11.0, 1.0, 1.0]
    """
    at = tensor(inputs).at[tuple(jnp.transpose(tensor(indices)))]
    updates = tensor(updates)
    ops = {None: at.set, "add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}
    if reduction not in ops:
        raise ValueError("`reduction` must be None, 'add', 'max', 'min' or 'mul'. "
                         f"Received: reduction={reduction!r}")
    return ops[reduction](updates)


@keras_op("core")
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """The block of ``inputs`` of ``shape`` starting at ``start_indices``.

    The starts may be traced values (``jax.lax.dynamic_slice``); a block that would run
    past the end is moved back inside the tensor.

    Args:
        inputs: the tensor.
        start_indices: one start per axis (may be traced).
        shape: the block's shape (static).

    >>> x = np.arange(12).reshape(3, 4)
    >>> slice(x, (1, 1), (2, 2)).tolist()
    [[5, 6], [9, 10]]
    """
    return jax.lax.dynamic_slice(tensor(inputs), tuple(start_indices), tuple(shape))


@keras_op("core")
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    A functional update, as ``scatter_update``; ``updates`` is cast to the dtype of
    ``inputs``.

    Args:
        inputs: the tensor.
        start_indices: one start per axis.
        updates: the new block.

    >>> slice_update(np.zeros((3, 3)), (1, 1), np.ones((2, 2))).tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    """
    inputs = tensor(inputs)
    return jax.lax.dynamic_update_slice(inputs, tensor(updates).astype(inputs.dtype),
                                        tuple(start_indices))


@keras_op("core")
def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list.

    The inverse of ``stack``: ``x.shape[axis]`` tensors, each without ``axis``.

    Args:
        x: the tensor.
        num: the expected number of slices (checked when given).
        axis: the axis.

    >>> [row.tolist() for row in unstack(np.array([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """
    x = tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"`num` ({num}) does not match the size of axis {axis} "
                         f"({x.shape[axis]}). Received: num={num}")
    return [jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])]


@keras_op("core")
def cast(x, dtype):
    """``x`` as ``dtype``.

    Floats cast to integers are truncated toward zero; out-of-range values follow
    XLA's conversion rules (integers wrap), while ``saturate_cast`` clips to the new
    range. ``dtype`` is a Keras dtype name (``'float32'``, ``'int8'`` ...) or a numpy
    dtype.

    Args:
        x: the tensor.
        dtype: the new dtype.

    >>> cast(np.array([1.7, -1.7]), "int32").tolist()
    [1, -1]
    """
    return tensor(x).astype(standardize_dtype(dtype))


@keras_op("core")
def saturate_cast(x, dtype):
    """``x`` as ``dtype``, values first clipped to the new dtype's range (no wrap).

    Use it to quantise, or to write images to ``uint8``, where ``cast`` would wrap
    values outside the new range.

    Args:
        x: the tensor.
        dtype: the new dtype.

    >>> saturate_cast(np.array([-3.0, 300.0]), "uint8").tolist()
    [0, 255]
    """
    x, dtype = tensor(x), jnp.dtype(standardize_dtype(dtype))
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        low, high = info.min, info.max
    elif jnp.issubdtype(dtype, jnp.floating):
        info = jnp.finfo(dtype)
        low, high = float(info.min), float(info.max)
    else:
        return x.astype(dtype)
    if jnp.issubdtype(x.dtype, jnp.integer) or x.dtype == jnp.bool_:
        xi = jnp.iinfo(x.dtype) if x.dtype != jnp.bool_ else None
        if xi is not None:
            low, high = _max(low, xi.min), _min(high, xi.max)
    return jnp.clip(x, low, high).astype(dtype)


_max, _min = max, min


@keras_op("core")
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (numpy, lists, numbers, a Variable) as a jax array.

    Python ints become ``int32`` and floats ``float32`` (JAX without 64-bit mode),
    unless ``dtype`` is given.

    Args:
        x: array-like.
        dtype: the dtype.
        sparse: Keras's sparse output; kerasish has no sparse tensors (True refused).
        ragged: Keras's ragged output; kerasish has no ragged tensors (True refused).

    >>> t = convert_to_tensor([1, 2, 3])
    >>> str(t.dtype), convert_to_tensor([1, 2], dtype="float32").tolist()
    ('int32', [1.0, 2.0])
    """
    for name, value in (("sparse", sparse), ("ragged", ragged)):
        if value:
            raise ValueError(f"kerasish has no {name} tensors: `{name}=True` is not "
                             f"supported. Received: {name}={value}")
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    return jnp.asarray(x, dtype=dtype)


@keras_op("core", symbolic=False)
def convert_to_numpy(x):
    """``x`` as a numpy array.

    Copies the values to the host; a symbolic tensor (``Input``) has no values and is
    refused with a ValueError.

    Args:
        x: a tensor, a Variable or array-like.

    >>> convert_to_numpy(convert_to_tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    if is_symbolic(x):
        raise ValueError("A symbolic tensor (KerasTensor) has no values: convert_to_numpy "
                         "needs a concrete tensor.")
    return np.asarray(unwrap(x))


@keras_op("core", symbolic=False)
def shape(x):
    """The shape of ``x`` as a tuple (``None`` for unknown dimensions of a symbolic
    tensor).

    A plain tuple of Python ints (not a tensor), so it can be used to build shapes
    inside a function that is being traced.

    Args:
        x: a tensor.

    >>> shape(np.zeros((2, 3)))
    (2, 3)
    """
    return tuple(x.shape) if is_symbolic(x) else tuple(np.shape(unwrap(x)))


@keras_op("core", symbolic=False)
def dtype(x):
    """The dtype of ``x`` as a string (``"float32"``).

    Keras's dtype names: ``'float32'``, ``'int32'``, ``'bool'`` ...

    Args:
        x: a tensor.

    >>> dtype(np.zeros(2, "float16")), dtype(convert_to_tensor([1, 2]))
    ('float16', 'int32')
    """
    if is_symbolic(x):
        return x.dtype
    return standardize_dtype(tensor(unwrap(x)).dtype)


@keras_op("core", symbolic=False)
def is_tensor(x):
    """Whether ``x`` is a tensor of the backend (a jax array).

    Numpy arrays, lists and kerasish ``Variable`` objects are not tensors;
    ``convert_to_tensor`` makes one.

    Args:
        x: anything.

    >>> is_tensor(np.array([1.0])), is_tensor(convert_to_tensor([1.0]))
    (False, True)
    """
    return isinstance(x, jax.Array)


@keras_op("core")
def stop_gradient(variable):
    """``variable`` with no gradient flowing back through it.

    In the forward pass it is the identity; ``jax.grad`` treats it as a constant (as in
    targets of a Q-learning loss).

    Args:
        variable: a tensor or Variable.

    >>> float(jax.grad(lambda w: w * stop_gradient(w))(3.0))  # d/dw of w * c
    3.0
    """
    return jax.lax.stop_gradient(tensor(variable))


@keras_op("core", symbolic=False)
def custom_gradient(f):
    """Decorate ``f(*args)`` returning ``(output, grad_fn)``, where
    ``grad_fn(upstream)`` returns the gradients of the arguments (Keras's JAX and
    TensorFlow convention; ``jax.custom_gradient``), into a function with that gradient.

    Use it to make a gradient numerically stable, or to clip or rescale it, while the
    forward value stays the same. ``Variable`` arguments are read as their values.

    Args:
        f: the function.

    >>> @custom_gradient
    ... def clipped(x):
    ...     return x, lambda upstream: jnp.clip(upstream, -1.0, 1.0)
    >>> float(jax.grad(lambda x: 5.0 * clipped(x))(2.0))
    1.0
    """
    with_gradient = jax.custom_gradient(f)

    def fn(*args, **kwargs):
        return with_gradient(*unwrap(args), **unwrap(kwargs))

    return fn

