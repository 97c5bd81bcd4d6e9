"""The parity harness of the ops tables (tests/test_ops_parity_*.py): named sample
inputs, one call description per row, and the comparison with Keras 3.

A row of a table is ``c(A.F, axis=1)``: the op called with the sample ``F`` and
``axis=1``. Each call runs through ``keras.ops.<name>`` (JAX backend) and
``kerasish.ops.<name>`` on fresh copies of the samples; results must have the same
structure, dtypes and values (``1e-5``). ``grad=True`` also compares the gradient of
``sum(result)`` with respect to the first floating-point sample.
"""

import jax
import jax.numpy as jnp
import numpy as np

import kerasish
from kerasish import ops

TOL = 1e-5


def _samples():
    r = np.random.default_rng(7)
    spd = r.normal(size=(3, 3)).astype("float32")
    return {
        "F": np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -4.0]], "float32"),
        "F2": np.array([[1.0, -1.5, 2.5], [0.25, 0.5, -3.0]], "float32"),
        "P": np.array([[0.5, 1.0, 2.0], [3.0, 0.1, 4.0]], "float32"),
        "U": np.array([[-0.9, -0.3, 0.0], [0.2, 0.5, 0.8]], "float32"),
        "I": np.array([[1, -2, 3], [4, 5, -6]], "int32"),
        "IP": np.array([[4, 6, 9], [12, 15, 2]], "int32"),
        "B": np.array([[True, False, True], [False, False, True]]),
        "B2": np.array([[True, True, False], [False, True, True]]),
        "V": np.array([0.5, -1.0, 2.0, 3.5, -0.25, 1.0], "float32"),
        "V3": np.array([1.0, 2.0, 3.0], "float32"),
        "W3": np.array([-1.0, 0.5, 2.0], "float32"),
        "VI": np.array([0, 2, 1, 2, 5, 0], "int32"),
        "SORTED": np.array([-1.0, 0.0, 1.5, 3.0], "float32"),
        "M": (spd @ spd.T + 3 * np.eye(3)).astype("float32"),
        "M34": r.normal(size=(3, 4)).astype("float32"),
        "M43": r.normal(size=(4, 3)).astype("float32"),
        "LOW": np.tril(r.normal(size=(3, 3)) + 3 * np.eye(3)).astype("float32"),
        "T": r.normal(size=(2, 3, 4)).astype("float32"),
        "T2": r.normal(size=(2, 4, 3)).astype("float32"),
        "NAN": np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 2.0]], "float32"),
        "IMG": r.normal(size=(1, 6, 6, 2)).astype("float32"),
        "IMG1": r.normal(size=(2, 7, 3)).astype("float32"),
        "CHW": r.normal(size=(1, 2, 4, 4)).astype("float32"),
        "K": r.normal(size=(3, 3, 2, 4)).astype("float32"),
        "K1": r.normal(size=(2, 3, 4)).astype("float32"),
        "KT": r.normal(size=(3, 3, 4, 2)).astype("float32"),
        "DK": r.normal(size=(3, 3, 2, 2)).astype("float32"),
        "PK": r.normal(size=(1, 1, 4, 3)).astype("float32"),
        "Q": r.normal(size=(1, 4, 2, 8)).astype("float32"),
        "KV": r.normal(size=(1, 5, 2, 8)).astype("float32"),
        "KV1": r.normal(size=(1, 5, 1, 8)).astype("float32"),
        "AMASK": np.array(r.random((1, 2, 4, 5)) > 0.3),
        "ABIAS": r.normal(size=(1, 2, 4, 5)).astype("float32"),
        "PROBS": np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]], "float32"),
        "ONEHOT": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32"),
        "LABELS": np.array([1, 0], "int32"),
        "BIN": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], "float32"),
        "IDX": np.array([[1, 0], [2, 2]], "int32"),
        "IDX2": np.array([[2, 0, 1], [1, 1, 0]], "int32"),
        "SEG": np.array([0, 0, 1, 2, 2, 2], "int32"),
        "SIG": np.sin(np.arange(32) / 3.0).astype("float32").reshape(1, 32),
        "CTC_T": np.array([[1, 2, 0], [3, 3, 1]], "int32"),
        "CTC_O": r.normal(size=(2, 6, 5)).astype("float32"),
        "CTC_TL": np.array([2, 3], "int32"),
        "CTC_OL": np.array([6, 5], "int32"),
        "COLS": r.normal(size=(1, 8, 9)).astype("float32"),
        "REIM": (np.array([[1.0, 2.0, 0.5, -1.0]], "float32"),
                 np.array([[0.0, 1.0, -0.5, 2.0]], "float32")),
        "REIM2": (r.normal(size=(1, 4, 4)).astype("float32"),
                  r.normal(size=(1, 4, 4)).astype("float32")),
        "PAIRS": r.normal(size=(2, 3, 2)).astype("float32"),
    }


class _Ref:
    """A sample by name, with numpy operations applied lazily (``A.F.T``, ``A.F[None]``,
    ``A.F + 1e-6``)."""

    def __init__(self, name, steps=()):
        self.name, self.steps = name, steps

    def _then(self, label, fn):
        return _Ref(self.name, self.steps + ((label, fn),))

    def __getitem__(self, key):
        return self._then(f"[{key!r}]", lambda a: a[key])

    @property
    def T(self):  # noqa: N802 - numpy's name
        return self._then(".T", lambda a: a.T)

    def __add__(self, other):
        return self._then(f" + {other!r}", lambda a: (a + other).astype(a.dtype))

    def __mul__(self, other):
        return self._then(f" * {other!r}", lambda a: (a * other).astype(a.dtype))

    def value(self, samples):
        out = samples[self.name]
        for _, fn in self.steps:
            out = fn(out)
        return out

    def __repr__(self):
        return f"A.{self.name}" + "".join(label for label, _ in self.steps)


class _Samples:
    def __getattr__(self, name):
        return _Ref(name)


A = _Samples()  # A.F is the sample "F"


class Call:
    def __init__(self, args, kwargs, then=None, grad=False, tol=TOL, oracle=None):
        self.args, self.kwargs, self.then, self.grad, self.tol = args, kwargs, then, grad, tol
        self.oracle = oracle  # the reference where Keras cannot compute the call

    def __repr__(self):
        return f"c{self.args!r}{self.kwargs!r}"


def c(*args, **kwargs):
    """A row: call the op with these arguments (``A.<sample>`` for samples)."""
    then = kwargs.pop("_then", None)
    grad = kwargs.pop("_grad", False)
    tol = kwargs.pop("_tol", TOL)
    oracle = kwargs.pop("_oracle", None)
    return Call(args, kwargs, then, grad, tol, oracle)


def _resolve(value, samples):
    if isinstance(value, _Ref):
        return value.value(samples)
    if isinstance(value, list):
        return [_resolve(v, samples) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, samples) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, samples) for k, v in value.items()}
    return value


def _leaves(x):
    return jax.tree_util.tree_leaves(x, is_leaf=lambda v: v is None)


def _same(ours, theirs, tol, where):
    ours_l, theirs_l = _leaves(ours), _leaves(theirs)
    assert len(ours_l) == len(theirs_l), f"{where}: {len(ours_l)} outputs, Keras {len(theirs_l)}"
    worst = 0.0
    for a, b in zip(ours_l, theirs_l):
        if isinstance(b, (str, type(None), tuple)) or (isinstance(b, (int, bool))
                                                       and not isinstance(a, jax.Array)):
            assert a == b, f"{where}: {a!r} != Keras {b!r}"
            continue
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        assert str(a_arr.dtype) == str(b_arr.dtype), \
            f"{where}: dtype {a_arr.dtype}, Keras {b_arr.dtype}"
        assert a_arr.shape == b_arr.shape, f"{where}: shape {a_arr.shape}, Keras {b_arr.shape}"
        if a_arr.dtype.kind in "biu":
            np.testing.assert_array_equal(a_arr, b_arr, err_msg=where)
            continue
        np.testing.assert_allclose(a_arr, b_arr, rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=where)
        if a_arr.size:
            finite = np.isfinite(b_arr)
            if finite.any():
                worst = max(worst, float(np.max(np.abs(a_arr[finite] - b_arr[finite]))))
    return worst


def _first_float(args):
    """The first argument that is (a list of) floating-point arrays."""
    for i, a in enumerate(args):
        leaves = a if isinstance(a, (list, tuple)) else [a]
        if leaves and all(isinstance(v, np.ndarray) and v.dtype.kind == "f" for v in leaves):
            return i
    raise AssertionError("a _grad row needs a floating-point sample argument")


def run(keras, name, call):
    """Compare ``ops.<name>`` on ``call`` with Keras; returns the largest difference."""
    where = f"ops.{name}{call!r}"
    reference = call.oracle or getattr(keras.ops, name)
    theirs = reference(*_resolve(call.args, _samples()), **_resolve(call.kwargs, _samples()))
    ours = getattr(ops, name)(*_resolve(call.args, _samples()),
                              **_resolve(call.kwargs, _samples()))
    if call.then is not None:
        theirs, ours = call.then(theirs), call.then(ours)
    worst = _same(ours, theirs, call.tol, where)
    if call.grad:
        args, kwargs = _resolve(call.args, _samples()), _resolve(call.kwargs, _samples())
        i = _first_float(args)

        def grad_of(fn):
            def total(v):
                out = fn(*args[:i], v, *args[i + 1:], **kwargs)
                return sum(jnp.sum(jnp.real(o)) for o in _leaves(out)
                           if jnp.issubdtype(jnp.asarray(o).dtype, jnp.inexact))
            return jax.grad(total)(jax.tree_util.tree_map(jnp.asarray, args[i]))

        worst = max(worst, _same(grad_of(getattr(ops, name)),
                                 grad_of(getattr(keras.ops, name)), call.tol,
                                 where + " gradient"))
    return worst


def all_names(keras):
    """Every public function of keras.ops (flat)."""
    import inspect

    return sorted(n for n in dir(keras.ops) if not n.startswith("_")
                  and inspect.isfunction(getattr(keras.ops, n)))


def variable_sample():
    """A kerasish Variable: ops read its value."""
    return kerasish.Variable(np.array([1.0, 4.0], "float32"))
