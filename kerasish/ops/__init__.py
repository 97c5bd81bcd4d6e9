"""``kerasish.ops``: every op of Keras 3's ``keras.ops``, flat, as Keras exports them;
also grouped as Keras groups them: ``kerasish.ops.numpy``, ``.nn``, ``.linalg``,
``.image``, and ``.core`` (control flow, scatter, casts). The math ops (``top_k``,
``segment_sum``, ``fft`` ...) and ``rearrange`` are only here, as in Keras.

They accept numpy arrays, Python numbers, jax arrays and kerasish ``Variable``s
(read as their current value), work under ``jax.jit`` and ``jax.grad``, return jax
arrays, and follow Keras's signatures, defaults and dtype rules. Called on symbolic
tensors (``kerasish.Input``), an op becomes a node of a functional model, as do the
operators of symbolic tensors (``x + y``, ``x * 2``, ``x[:, 0]``).

>>> import numpy as np
>>> from kerasish import ops
>>> logits = np.array([[2.0, 1.0, 0.1]])
>>> p = ops.softmax(logits)
>>> print(f"{float(ops.sum(p)):.4f}")
1.0000
>>> int(ops.argmax(p, axis=-1)[0])
0
"""

from kerasish.ops import core, linalg, math, nn, numpy
from kerasish.ops._operators import register as _register_operators

_SOURCES = (numpy, nn, linalg, core, math)
__all__ = sorted({name for module in _SOURCES for name in module.__all__})
globals().update({name: getattr(module, name) for module in reversed(_SOURCES)
                  for name in module.__all__})
__all__ += ["core", "linalg", "nn", "numpy"]
_register_operators()
