"""Randomness with Keras 3's names: ``SeedGenerator`` and the sampling functions of
``keras.random``, plus the global key stream behind ``kerasish.utils.set_random_seed``.

A sampling function's ``seed`` says where its key comes from, as in Keras:

* an ``int``: the same numbers on every call (Keras's JAX key ``[seed, 0]``, so the
  values equal Keras's on the JAX backend, bit for bit);
* a :class:`SeedGenerator`: fresh numbers on every call (see the class for how that
  works inside a compiled training step);
* ``None``: the global stream (reproducible after ``set_random_seed``);
* a JAX key (``jax.random.key(0)`` or a ``uint32[2]`` array): used as it is.

>>> import kerasish
>>> a = kerasish.random.normal((2, 3), seed=42)
>>> b = kerasish.random.normal((2, 3), seed=42)
>>> a.shape, bool((a == b).all())
((2, 3), True)
>>> gen = kerasish.random.SeedGenerator(1337)
>>> c = kerasish.random.uniform((2,), seed=gen)
>>> d = kerasish.random.uniform((2,), seed=gen)
>>> bool((c == d).all())
False
"""

import os
import random as _py_random
import threading
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import _sampling, config
from kerasish.utils.naming import uniquify
from kerasish.variables import Variable, current_scope, next_rng, set_global_key_source

_state = {"seed": None, "counter": 0, "root": None}
_local = threading.local()


# ------------------------------------------------------------- the global stream

def set_seed(seed):
    """Restart the global key stream from ``seed`` (an int)."""
    _state["seed"] = int(seed)
    _state["counter"] = 0
    _state["root"] = None


def next_key():
    """A fresh ``jax.random`` key; the stream is deterministic after ``set_seed``."""
    if getattr(_local, "probing", False):
        raise _NoStepKey
    if _state["seed"] is None:
        set_seed(int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF)
    if _state["root"] is None:
        _state["root"] = jax.random.key(_state["seed"])
    _state["counter"] += 1
    return jax.random.fold_in(_state["root"], _state["counter"])


def next_seed():
    """A fresh int seed from the same stream (for numpy-side shuffles).

    Derived with numpy's SeedSequence rather than a jax op: no compiled program.
    """
    if _state["seed"] is None:
        set_seed(int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF)
    _state["counter"] += 1
    return int(np.random.SeedSequence([_state["seed"], _state["counter"]]).generate_state(1)[0])


set_global_key_source(next_key)  # variables.next_rng() falls back to this stream


class _NoStepKey(Exception):
    pass


def _step_key():
    """A key from the innermost scope that has one (every engine step), or None.

    ``next_rng()`` falls back to this module's global stream when no scope has a key;
    while probing, that fallback raises instead of drawing from the stream."""
    _local.probing = True
    try:
        return next_rng()
    except _NoStepKey:
        return None
    finally:
        _local.probing = False


def _tracing():
    # Keras's `is_in_jax_tracing_scope`: under jit/grad/vmap, a new array is a tracer.
    return isinstance(jnp.zeros(()), jax.core.Tracer)


# ------------------------------------------------------------------ SeedGenerator

class _SeedRangeError(OverflowError, ValueError):
    """Keras raises OverflowError for these seeds; a ValueError handler catches it too."""


def _check_seed(seed, what="seed"):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Argument `{what}` must be an integer. Received: {what}={seed!r}")
    if not 0 <= int(seed) < 2**32:
        raise _SeedRangeError(
            f"Argument `{what}` must be an integer in [0, 2**32) (JAX keys are two uint32 "
            f"words). Received: {what}={seed}. Use e.g. `{what} % 2**32`."
        )
    return int(seed)


def make_default_seed():
    """Keras's default seed: Python's ``random`` (seeded by ``set_random_seed``)."""
    return _py_random.randint(1, int(1e9))


class SeedGenerator:
    """A stateful source of keys: each draw gives different numbers.

    ``state`` is a non-trainable ``uint32`` Variable ``[seed, counter]``, as Keras's.
    Where a draw's key comes from:

    * inside a compiled step that has a key (``fit``, ``apply(..., rng=key)``,
      ``stateless_call(..., rng=key)``): that step's key with the generator's seed
      folded in, so every step (and every draw in a step) differs, and a run is
      reproducible from ``kerasish.utils.set_random_seed``;
    * when ``state`` is bound in a stateless call: from the bound value, which
      advances in the call's returned state (Keras's stateless contract);
    * otherwise (eager code): from ``state``, which then advances by ``[0, 1]``.
      These keys are Keras's, so eager draws equal Keras's on JAX, bit for bit.

    >>> gen = SeedGenerator(seed=42)
    >>> gen.state.numpy().tolist()
    [42, 0]
    >>> normal((2,), seed=gen).shape, gen.state.numpy().tolist()
    ((2,), [42, 1])
    >>> gen.get_config()["seed"]
    42
    """

    def __init__(self, seed=None, name=None, **kwargs):
        backend = kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if backend is not None:
            raise ValueError(
                "kerasish runs on JAX only: `SeedGenerator(backend=...)` is not supported. "
                f"Remove the argument. Received: backend={backend!r}"
            )
        self.name = name if name is not None else uniquify("seed_generator")
        self._initial_seed = seed
        self._seed = _check_seed(make_default_seed() if seed is None else seed)
        self.state = Variable(np.array([self._seed, 0], np.uint32), dtype="uint32",
                              trainable=False, name="seed_generator_state",
                              path=f"{self.name}/seed_generator_state")
        self._warned = False
        self._traced_draws = 0

    def next(self, ordered=True):
        """The key for one draw (a ``uint32[2]`` array), advancing the generator."""
        scope = current_scope()
        if scope is not None and scope.lookup(self.state) is not None:
            value = self.state.value
            self.state.assign(_advance(value, ordered, jnp))
            return value
        key = _step_key()
        if key is not None:
            key = jax.random.fold_in(key, np.uint32(self._seed))
            return jax.random.key_data(key) if _is_typed_key(key) else key
        value = np.asarray(self.state.value)
        if not _tracing():
            self.state.assign(_advance(value, ordered, np))
            return jnp.asarray(value)
        # Traced with no step key and no binding (predict/evaluate steps, a user's own
        # jax.jit): the draw is a constant of the compiled program. Distinct draws in
        # one trace still differ; the state (a concrete array) cannot advance here.
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"SeedGenerator {self.name!r} drew inside a traced function that has no "
                "step key (kerasish's predict/evaluate steps, or your own jax.jit): the "
                "random values are fixed when the function is compiled and repeat on "
                "every call. For fresh values, give the call a key (`layer.apply(..., "
                "rng=key)`, `stateless_call(..., rng=key)`) or pass `seed=<jax key>`.",
                stacklevel=3)
        self._traced_draws += 1
        return jnp.asarray(value + np.array([0, self._traced_draws], np.uint32))

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def _advance(value, ordered, xp):
    if ordered:
        return value + xp.asarray([0, 1], dtype=np.uint32)
    # Keras's unordered update (its global generator): near-unique values below 1M.
    return (value + xp.asarray(1, dtype=np.uint32)) * 5387 % 933199


def _is_typed_key(key):
    return jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)


_TRACED_NONE_SEED = (
    "[JAX RNG] When tracing a JAX function, you should only use seeded random ops, e.g. "
    "you should create a `SeedGenerator` instance, attach it to your layer/model, and "
    "pass the instance as the `seed` argument when calling random ops. Unseeded random "
    "ops would get incorrectly traced by JAX and would become constant after tracing. "
    "Example:\n\n"
    "# Make sure to set the seed generator as a layer attribute\n"
    "self.seed_generator = kerasish.random.SeedGenerator(seed=1337)\n"
    "...\n"
    "out = kerasish.random.normal(shape=(1,), seed=self.seed_generator)"
)


def draw_seed(seed):
    """The JAX key for one draw with ``seed`` (an int, a SeedGenerator, None or a key)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, jax.Array):
        return seed
    if seed is None:
        key = _step_key()
        if key is not None:
            return key
        if _tracing():
            raise ValueError(_TRACED_NONE_SEED)
        return next_key()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        # Keras's key on JAX: the uint32 pair [seed, 0] (not jax.random.key(seed)).
        return jnp.asarray([_check_seed(seed), 0], dtype=jnp.uint32)
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})"
    )


# ------------------------------------------------------------ sampling functions

def _float_dtype(dtype, fn):
    dtype = jnp.dtype(dtype or config.floatx())
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(
            f"`kerasish.random.{fn}` requires a floating point `dtype`. Received: "
            f"dtype={dtype.name}"
        )
    return dtype


def _shape(shape):
    try:
        return tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else (shape,)))
    except (TypeError, ValueError):
        raise ValueError(
            f"Argument `shape` must be a tuple of integers, e.g. (2, 3). Received: "
            f"shape={shape!r}") from None


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution, ``mean + stddev * N(0, 1)``.

    >>> normal((2, 3), seed=0).shape
    (2, 3)
    """
    dtype = _float_dtype(dtype, "normal")
    return _sampling.normal(draw_seed(seed), _shape(shape), dtype) * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from ``[minval, maxval)`` uniformly.

    >>> x = uniform((1000,), minval=2.0, maxval=3.0, seed=0)
    >>> bool((x >= 2).all() and (x < 3).all())
    True
    """
    dtype = _float_dtype(dtype, "uniform")
    return _sampling.uniform(draw_seed(seed), _shape(shape), dtype, minval, maxval)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers from ``[minval, maxval)`` uniformly.

    >>> x = randint((1000,), 0, 10, seed=0)
    >>> str(x.dtype), int(x.min()), int(x.max())
    ('int32', 0, 9)
    """
    if dtype and not jnp.issubdtype(jnp.dtype(dtype), jnp.integer):
        raise ValueError(
            "`kerasish.random.randint` requires an integer `dtype`. Received: "
            f"dtype={jnp.dtype(dtype).name}"
        )
    return jax.random.randint(draw_seed(seed), shape=_shape(shape), dtype=dtype or "int32",
                              minval=minval, maxval=maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A normal distribution cut at two standard deviations (redrawn beyond them).

    >>> x = truncated_normal((1000,), seed=0)
    >>> bool((abs(x) <= 2).all())
    True
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    sample = _sampling.truncated_normal(draw_seed(seed), -2.0, 2.0, _shape(shape), dtype)
    return sample * stddev + mean


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate``; scale the rest by ``1 / (1 - rate)``.

    ``noise_shape`` (``None`` entries take the input's size) shares one decision
    across the axes where it is 1.

    >>> import numpy as np
    >>> y = dropout(np.ones((2, 4)), 0.5, seed=0)
    >>> sorted(set(np.asarray(y).ravel().tolist())) in ([0.0, 2.0], [2.0], [0.0])
    True
    """
    if isinstance(rate, (int, float, np.number)) and not 0 <= rate <= 1:
        raise ValueError(
            "Invalid value received for argument `rate`. Expected a float value between 0 "
            f"and 1. Received: rate={rate!r}"
        )
    if not isinstance(inputs, (np.ndarray, jax.Array)):
        inputs = jnp.asarray(inputs)
    if rate == 1.0:
        return jnp.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    key = draw_seed(seed)
    keep_prob = 1.0 - rate
    shape = inputs.shape
    if noise_shape is not None:
        if len(noise_shape) != inputs.ndim:
            raise ValueError(
                f"Argument `noise_shape` needs one entry per input axis ({inputs.ndim}). "
                f"Received: noise_shape={noise_shape} for inputs of shape {inputs.shape}."
            )
        shape = tuple(d if n is None else n for n, d in zip(noise_shape, inputs.shape))
    mask = jnp.broadcast_to(jax.random.bernoulli(key, p=keep_prob, shape=shape), inputs.shape)
    # As Keras: numpy input is divided in numpy (float64), then cast: the same roundings.
    return jax.lax.select(mask, inputs / keep_prob, jnp.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order.

    >>> import numpy as np
    >>> sorted(np.asarray(shuffle(np.arange(5), seed=0)).tolist())
    [0, 1, 2, 3, 4]
    """
    return jax.random.permutation(draw_seed(seed), jnp.asarray(x), axis, independent=True)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (``(batch, classes)``,
    unnormalised log-probabilities): shape ``(batch, num_samples)``.

    >>> import numpy as np
    >>> categorical(np.log([[0.5, 0.5], [1e-9, 1.0]]), 4, seed=0)[1].tolist()
    [1, 1, 1, 1]
    """
    logits = jnp.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits}"
        )
    output = jax.random.categorical(draw_seed(seed), logits[..., None],
                                    shape=(logits.shape[0], int(num_samples)), axis=1)
    return output.astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from Gamma(``alpha``, 1) (mean ``alpha``, variance ``alpha``).

    >>> gamma((3,), alpha=2.0, seed=0).shape
    (3,)
    """
    dtype = _float_dtype(dtype, "gamma")
    return jax.random.gamma(draw_seed(seed), alpha, shape=_shape(shape), dtype=dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes in ``counts`` trials of probability ``probabilities`` (float dtype).

    >>> binomial((4,), counts=10, probabilities=1.0, seed=0).tolist()
    [10.0, 10.0, 10.0, 10.0]
    """
    dtype = _float_dtype(dtype, "binomial")
    return jax.random.binomial(key=draw_seed(seed), n=jnp.asarray(counts),
                               p=jnp.asarray(probabilities), shape=_shape(shape), dtype=dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from Beta(``alpha``, ``beta``) in ``[0, 1]``.

    >>> x = beta((100,), alpha=2.0, beta=5.0, seed=0)
    >>> bool(((x >= 0) & (x <= 1)).all())
    True
    """
    dtype = _float_dtype(dtype, "beta")
    return jax.random.beta(key=draw_seed(seed), a=jnp.asarray(alpha), b=jnp.asarray(beta),
                           shape=_shape(shape), dtype=dtype)


__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))
