"""Utilities with Keras 3's names: ``set_random_seed``, ``to_categorical``."""

import random as _py_random

import numpy as np

from kerasish import random as _random
from kerasish.engine.adapters import (PyDataset, pack_x_y_sample_weight,  # noqa: F401
                                       unpack_x_y_sample_weight)
from kerasish.utils.file_utils import get_file  # noqa: F401
from kerasish.utils.plotting import plot_history  # noqa: F401  (matplotlib only when called)


def set_random_seed(seed):
    """Seed Python's ``random``, numpy and kerasish's own key stream at once.

    After this, the same model-building and ``fit`` code gives bit-identical weights
    on CPU.

    >>> import kerasish
    >>> kerasish.utils.set_random_seed(0)
    >>> a = kerasish.layers.Dense(2)(np.ones((1, 3)))
    >>> kerasish.utils.set_random_seed(0)
    >>> b = kerasish.layers.Dense(2)(np.ones((1, 3)))
    >>> bool((a == b).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _random.set_seed(int(seed))


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels.

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.all(x == np.round(x)):
            raise ValueError("to_categorical expects integer class labels.")
        x = x.astype(np.int64)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if num_classes is None:
        num_classes = int(x.max()) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}). Received labels from "
            f"{x.min()} to {x.max()}."
        )
    out = np.zeros(x.shape + (num_classes,), dtype="float64")
    np.put_along_axis(out, x[..., None], 1.0, axis=-1)
    return out
