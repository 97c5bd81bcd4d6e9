"""``Variable``: a named, mutable handle on one weight array, and the stateless
call scope that makes Keras-style layer code pure.

Outside a scope, a variable holds a concrete array (``.value``, ``.numpy()``).
Inside :class:`StatelessScope` (what every jitted step uses), reading
``layer.kernel`` returns the array bound from the params pytree for that call, and
``assign`` records the new value in the scope instead of mutating anything. That is
how user layers written against ``self.kernel`` trace correctly under ``jax.jit``
without leaking tracers (Keras 3's ``StatelessScope`` serves the same purpose).

>>> import numpy as np
>>> v = Variable(np.ones((2, 3)), name="kernel")
>>> v.shape, str(v.dtype)
((2, 3), 'float32')
>>> with StatelessScope({v: np.zeros((2, 3), "float32")}):
...     float(v.value.sum())
0.0
>>> float(v.numpy().sum())
6.0
"""

import inspect
import threading

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config

_local = threading.local()


def _scope_stack():
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def current_scope():
    stack = _scope_stack()
    return stack[-1] if stack else None


class StatelessScope:
    """Bind variables to arrays for the duration of a call.

    ``bindings`` maps Variable -> array. ``rng`` is the key that layers needing
    randomness (dropout) draw from through :func:`next_rng`. After the ``with`` block,
    ``updates`` maps each assigned Variable to its new value.

    The scope is also where one call keeps what Keras hangs on layers and tensors, so
    that nothing traced outlives its trace:

    * ``losses``: ``(layer, value)`` for each ``layer.add_loss(value)``, in call order;
    * ``masks``: ``id(array) -> (array, mask)``, Keras's ``_keras_mask`` of each array
      (JAX arrays and tracers take no attributes; holding the array keeps its id from
      being reused while the scope lives);
    * ``call_depth``: layer calls in progress (0: the next call is an outermost one).
    """

    def __init__(self, bindings=None, rng=None):
        self.bindings = {id(v): val for v, val in (bindings or {}).items()}
        self.updates = {}
        self._vars = {id(v): v for v in (bindings or {})}
        self.rng = rng
        self._rng_count = 0
        self.sample_mask = None
        self.losses = []
        self.masks = {}
        self.call_depth = 0

    def lookup(self, var):
        key = id(var)
        if key in self.updates:
            return self.updates[key][1]
        return self.bindings.get(key, None)

    def record(self, var, value):
        self.updates[id(var)] = (var, value)

    def assigned(self):
        """Variable -> new value for every variable assigned in the scope."""
        return {var: val for var, val in self.updates.values()}

    def __enter__(self):
        _scope_stack().append(self)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()
        return False


class autocast:
    """Inside, floating variables read as ``dtype`` (mixed precision's compute dtype)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        stack = getattr(_local, "autocast", None)
        if stack is None:
            stack = _local.autocast = []
        stack.append(self.dtype)

    def __exit__(self, *exc):
        _local.autocast.pop()
        return False


def _autocast_dtype():
    stack = getattr(_local, "autocast", None)
    return stack[-1] if stack else None


def autocasting():
    """Whether an :class:`autocast` scope is open (even ``autocast(None)``)."""
    return bool(getattr(_local, "autocast", None))


# The global key stream lives in kerasish.random, which imports this module: it
# registers its ``next_key`` here, so that this module need not import it back.
_global_next_key = []


def set_global_key_source(next_key):
    """Where :func:`next_rng` draws outside any scope that has a key (kerasish.random)."""
    _global_next_key[:] = [next_key]


def next_rng():
    """A key for randomness inside a layer's ``call``.

    Inside a training step this comes from the step's key (so a run is reproducible
    from the seed); in eager use it comes from the global stream.
    """
    # The innermost scope that has a key: a user's train_step calls stateless_call
    # (a scope without one) inside the engine's step scope (which has the step's key).
    for scope in reversed(_scope_stack()):
        if scope.rng is not None:
            scope._rng_count += 1
            return jax.random.fold_in(scope.rng, scope._rng_count)
    # (`import kerasish` imports kerasish.random, which registers the stream.)
    return _global_next_key[0]()


def standardize_dtype(dtype):
    if dtype is None:
        return config.floatx()
    if dtype in ("string", "str", str) or getattr(dtype, "kind", None) in ("U", "S"):
        return "string"  # Keras's name for text inputs (the host layers take them)
    return jnp.dtype(dtype).name


class Variable:
    """A weight: a name, a shape, a dtype, trainability, and its current value.

    Layers make theirs with ``add_weight``; the engine reads each variable's value into
    the parameter pytrees of a compiled step and writes the new values back. Arithmetic
    on a variable uses its value.

    Args:
        initializer: the initial value (an array or number), or a callable
            ``initializer(shape, dtype)`` (an ``initializers`` object), drawn later.
        shape: the shape (needed with a callable initializer).
        dtype: the dtype (default: ``floatx()`` for float values).
        trainable: whether optimizers update it.
        name: the variable's name.
        regularizer: a penalty on the value added to the loss.
        path: the variable's full path (default: ``name``).
        constraint: a function applied to the value after each optimizer step.

    >>> import numpy as np
    >>> v = Variable(np.array([1.0, 2.0]), name="w")
    >>> v.assign_add(np.array([1.0, 1.0]))
    <Variable path=w, shape=(2,), dtype=float32, value=[2. 3.]>
    >>> (v * 2).tolist(), v.trainable
    ([4.0, 6.0], True)
    """

    def __init__(
        self,
        initializer=None,
        shape=None,
        dtype=None,
        trainable=True,
        name="variable",
        regularizer=None,
        path=None,
        constraint=None,
    ):
        self.name = name
        self.path = path or name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        # Applied to the new value after every optimizer step (Keras's weight constraint).
        self.constraint = constraint
        self.autocast = True  # read in the compute dtype under a mixed policy
        self.initializer = initializer if callable(initializer) else None
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: `shape` is needed with an initializer.")
            self._dtype = standardize_dtype(dtype)
            self._shape = tuple(int(d) for d in shape)
            self._value = None
        else:
            value = np.asarray(initializer if initializer is not None else 0.0)
            if dtype is None and not np.issubdtype(value.dtype, np.floating):
                dtype = value.dtype if value.dtype.kind in "iub" else None
            self._dtype = standardize_dtype(dtype)
            self._value = jnp.asarray(value, dtype=self._dtype)
            self._shape = tuple(self._value.shape)

    def draw(self, key):
        """A fresh value from the initializer (does not store it)."""
        return jnp.asarray(call_initializer(self.initializer, self._shape, self._dtype, key),
                           dtype=self._dtype)

    def initialize(self, key):
        """(Re)draw the value from the initializer with an explicit key; returns it."""
        if self.initializer is not None:
            self._value = self.draw(key)
        return self._value

    # -- value ---------------------------------------------------------------
    @property
    def value(self):
        value = self._raw_value()
        cast = _autocast_dtype() if self.autocast else None
        if cast is not None and value.dtype != cast and jnp.issubdtype(value.dtype, jnp.floating):
            return value.astype(cast)
        return value

    def _raw_value(self):
        scope = current_scope()
        if scope is not None:
            bound = scope.lookup(self)
            if bound is not None:
                return bound
        if self._value is None:
            raise ValueError(
                f"Variable {self.path!r} has no value yet: it was created with an "
                "initializer but never initialised. Build the layer first."
            )
        return self._value

    def assign(self, value):
        scope = current_scope()
        if scope is not None and id(self) in scope.bindings:
            scope.record(self, jnp.asarray(value, dtype=self._dtype))
            return self
        value = jnp.asarray(value, dtype=self._dtype)
        if tuple(value.shape) != self._shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                f"{self.path!r} of shape {self._shape}."
            )
        self._value = value
        return self

    def assign_add(self, value):
        # Lists and tuples are values too (Keras converts them); `+` would concatenate.
        return self.assign(self._raw_value() + jnp.asarray(value, dtype=self._dtype))

    def assign_sub(self, value):
        return self.assign(self._raw_value() - jnp.asarray(value, dtype=self._dtype))

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._shape)

    def numpy(self):
        return np.asarray(self.value)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self.value)
        return arr.astype(dtype) if dtype is not None else arr

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __bool__(self):
        return bool(self.numpy())

    def __len__(self):
        return self._shape[0]

    def __repr__(self):
        value = "unset" if self._value is None and current_scope() is None else np.asarray(self.value)
        return (
            f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype}, "
            f"value={value}>"
        )

    # Arithmetic delegates to the value, so ``x @ self.kernel + self.bias`` works in
    # user layers. (JAX no longer converts objects through ``__jax_array__``.)
    def __getitem__(self, idx):
        return self.value[idx]

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return self.value

    def __abs__(self):
        return abs(self.value)

    @property
    def T(self):
        return self.value.T

    def __eq__(self, other):
        # Identity semantics for hashing/containment; arrays compare with ``.value``.
        return self is other

    __hash__ = object.__hash__


def _binop(name):
    def fwd(self, other):
        return getattr(self.value, name)(other.value if isinstance(other, Variable) else other)

    fwd.__name__ = name
    return fwd


for _op in (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__pow__",
    "__rpow__", "__matmul__", "__rmatmul__", "__mod__", "__lt__", "__le__",
    "__gt__", "__ge__",
):
    setattr(Variable, _op, _binop(_op))


def call_initializer(initializer, shape, dtype, key):
    """Call a kerasish initializer with ``key``, or a user's plain
    ``fn(shape, dtype=None)`` (Keras's signature) without it."""
    try:
        params = inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        params = {}
    takes_key = "key" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
    return initializer(shape, dtype, key=key) if takes_key else initializer(shape, dtype)


def unwrap(x):
    """The array behind a Variable; anything else unchanged."""
    return x.value if isinstance(x, Variable) else x
