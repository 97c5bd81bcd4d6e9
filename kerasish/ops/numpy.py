"""``kerasish.ops.numpy``: Keras 3's numpy-like ops (``keras.ops.numpy``), on
``jax.numpy``, with Keras's names, signatures, defaults and dtype rules.

Every op takes numpy arrays, Python numbers, jax arrays or kerasish ``Variable``s,
works under ``jax.jit`` and ``jax.grad``, and on symbolic tensors
(``kerasish.Input``) becomes a node of a functional model.

>>> import numpy as np
>>> from kerasish.ops import numpy as knp
>>> knp.clip(np.array([-1.0, 0.5, 2.0]), 0.0, 1.0).tolist()
[0.0, 0.5, 1.0]
"""

import numpy as np  # noqa: F401 - the docstring examples use it

from kerasish.ops import (_numpy_array, _numpy_create, _numpy_index, _numpy_math,
                          _numpy_reduce)

_PARTS = (_numpy_array, _numpy_create, _numpy_index, _numpy_math, _numpy_reduce)
__all__ = sorted(name for part in _PARTS for name, fn in vars(part).items()
                 if getattr(fn, "__module__", None) == __name__ and not name.startswith("_"))
globals().update({name: getattr(part, name) for part in _PARTS for name in __all__
                  if name in vars(part)})
