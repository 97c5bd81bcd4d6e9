"""Eager random draws that share a few compiled programs across shapes.

JAX compiles one program per shape and dtype for ``jax.random.uniform``, ``normal`` and
``truncated_normal``. Building a model draws each kernel once, eagerly, so a cold build
of a small model spent most of its time compiling (three Dense kernels: ~1.2 s of a
1.4 s build on a 2-core CPU, 0.3-0.6 s per kernel shape).

With JAX's partitionable threefry (its default since 0.5), the value at flat position
``i`` of a draw depends only on the key and ``i``; the transformations to uniform,
normal and truncated normal are elementwise. So the first ``n`` values of a draw of
shape ``(N,)`` are exactly the draw of any shape with ``n`` elements, reshaped. We draw
one of a few bucket sizes and slice: the same bits (Keras's initial weights for a given
seed included), one compilation per bucket instead of one per weight shape.

Inside a trace (``jit``, ``grad``, ``vmap``) or with the partitionable flag off, the draws
go straight to ``jax.random``: there the shape is compiled once with the program anyway.

>>> import jax, numpy as np
>>> key = jax.random.key(0)
>>> a = uniform(key, (64, 25), "float32", -0.3, 0.3)
>>> bool(np.array_equal(a, jax.random.uniform(key, (64, 25), minval=-0.3, maxval=0.3)))
True
"""

import math

import jax
import numpy as np

# Buckets 4x apart: a weight draws at most 4 times its size (a 2^22 draw takes ~0.1 s,
# 2^24 ~0.4 s), and every weight of up to 16M entries shares one of five programs.
_BUCKETS = (1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24)


def _bucket(shape, *traced):
    """The flat size to draw, or None to draw ``shape`` directly."""
    if not jax.config.jax_threefry_partitionable:
        return None
    if any(isinstance(t, jax.core.Tracer) for t in traced):
        return None
    size = math.prod(shape)
    if size == 0:
        return None
    return next((b for b in _BUCKETS if size <= b), None)


def _sliced(flat, shape):
    if isinstance(flat, jax.core.Tracer):
        # Drawn inside a trace with a concrete key (a closed-over seed): the draw is
        # part of the traced program, so slice it there.
        return flat[:math.prod(shape)].reshape(shape)
    # Slicing on the host and back with device_put: a device slice, a reshape or
    # jnp.asarray would compile a program per shape again (10-50 ms each).
    return jax.device_put(np.asarray(flat)[:math.prod(shape)].reshape(shape))


def uniform(key, shape, dtype, minval, maxval):
    """``jax.random.uniform(key, shape, dtype, minval, maxval)``, bit for bit."""
    shape = tuple(shape)
    bucket = _bucket(shape, key, minval, maxval)
    if bucket is None:
        return jax.random.uniform(key, shape, dtype, minval=minval, maxval=maxval)
    # minval/maxval are arguments of JAX's compiled program (not constants in it), so
    # every limit shares the bucket's program.
    return _sliced(jax.random.uniform(key, (bucket,), dtype, minval=minval, maxval=maxval),
                   shape)


def normal(key, shape, dtype):
    """``jax.random.normal(key, shape, dtype)``, bit for bit."""
    shape = tuple(shape)
    bucket = _bucket(shape, key)
    if bucket is None:
        return jax.random.normal(key, shape, dtype)
    return _sliced(jax.random.normal(key, (bucket,), dtype), shape)


def truncated_normal(key, lower, upper, shape, dtype):
    """``jax.random.truncated_normal(key, lower, upper, shape, dtype)``, bit for bit."""
    shape = tuple(shape)
    bucket = _bucket(shape, key, lower, upper)
    if bucket is None:
        return jax.random.truncated_normal(key, lower, upper, shape, dtype)
    return _sliced(jax.random.truncated_normal(key, lower, upper, (bucket,), dtype), shape)


__all__ = []  # private: kerasish.initializers and kerasish.random draw through it
