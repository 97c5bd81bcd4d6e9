"""Initial slot values (zeros, a constant) without a compiled program per shape.

``jnp.zeros_like`` on a concrete array runs an eager ``broadcast_in_dim``, which JAX
compiles once per shape (~30 ms each on a 2-core CPU): an optimizer's first ``init``
paid that for every distinct weight shape. Concrete weights get host-made arrays put on
the weight's devices instead; inside a trace (``jit``, ``vmap``) the usual ops.

>>> import jax.numpy as jnp
>>> zeros_like(jnp.ones((2, 3))).sum(), full_like(jnp.ones(2), 0.1).tolist()
(Array(0., dtype=float32), [0.10000000149011612, 0.10000000149011612])
"""

import jax
import jax.numpy as jnp
import numpy as np


def _put(host, like):
    # Placed as jnp.zeros_like would place it: uncommitted on the default device, or
    # with the weight's sharding when that spans several devices. (A committed copy of
    # a single-device weight changes the compiled steps' cache key: a recompile.)
    sharding = getattr(like, "sharding", None)
    if isinstance(like, jax.Array) and len(sharding.device_set) > 1:
        return jax.device_put(host, sharding)
    return jax.device_put(host)


def zeros_like(x):
    if isinstance(x, jax.core.Tracer):
        return jnp.zeros_like(x)
    x = x if isinstance(x, jax.Array) else jnp.asarray(x)
    return _put(np.zeros(x.shape, x.dtype), x)


def full_like(x, value):
    if isinstance(x, jax.core.Tracer) or isinstance(value, jax.core.Tracer):
        return jnp.full_like(x, value)
    x = x if isinstance(x, jax.Array) else jnp.asarray(x)
    return _put(np.full(x.shape, value, x.dtype), x)


__all__ = []  # private: the optimizers' init functions use it
