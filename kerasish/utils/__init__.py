"""Utilities with Keras 3's names (``keras.utils``): seeds and labels, image files,
datasets from folders and arrays, ``pad_sequences``, ``Progbar``, the serialization
registry (loaded from ``kerasish.saving`` on first use)."""

import importlib as _importlib
import random as _py_random

import numpy as np

from kerasish import random as _random
from kerasish.backend import (clear_session, is_keras_tensor,  # noqa: F401
                              standardize_dtype)
from kerasish.config import (disable_interactive_logging,  # noqa: F401
                             enable_interactive_logging, is_interactive_logging_enabled)
from kerasish.engine.adapters import (PyDataset, pack_x_y_sample_weight,  # noqa: F401
                                       unpack_x_y_sample_weight)
from kerasish.utils.audio_dataset import audio_dataset_from_directory  # noqa: F401
from kerasish.utils.config_utils import Config  # noqa: F401
from kerasish.utils.dataset_utils import split_dataset  # noqa: F401
from kerasish.utils.file_utils import get_file  # noqa: F401
from kerasish.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from kerasish.utils.image_utils import (array_to_img, img_to_array, load_img,  # noqa: F401
                                        save_img)
from kerasish.utils.model_visualization import model_to_dot, plot_model  # noqa: F401
from kerasish.utils.naming import module_getattr as _module_getattr
from kerasish.utils.plotting import plot_history  # noqa: F401  (matplotlib only when called)
from kerasish.utils.progbar import Progbar  # noqa: F401
from kerasish.utils.sequence_utils import pad_sequences  # noqa: F401
from kerasish.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from kerasish.utils.timeseries_dataset import timeseries_dataset_from_array  # noqa: F401

_hint = _module_getattr(__name__, lambda: list(globals()) + list(_FROM_SAVING))

# Keras's older name for PyDataset.
Sequence = PyDataset

# The serialization registry lives in kerasish.saving, which imports h5py: these names
# are the same objects, loaded on first use so that `import kerasish` stays light.
_FROM_SAVING = ("CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
                "get_custom_objects", "get_registered_name", "get_registered_object",
                "register_keras_serializable", "serialize_keras_object")


def __getattr__(name):
    if name in _FROM_SAVING:
        return getattr(_importlib.import_module("kerasish.saving"), name)
    return _hint(name)  # a misspelled name: "Did you mean 'load_img'?"


def __dir__():
    return sorted(list(globals()) + list(_FROM_SAVING))


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


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis`` (a zero norm divides by 1).

    Args:
        x: array (numpy, JAX, or a list).
        axis: the axis along which to normalize.
        order: the norm's order (2: Euclidean).

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if not isinstance(x, np.ndarray):
        import jax.numpy as jnp

        x = jnp.asarray(x)
        norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
        return x / jnp.where(norm == 0, 1, norm)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis if axis is not None else -1)


def get_source_inputs(tensor):
    """The ``Input`` tensors a symbolic tensor is computed from, as a list (a value
    that is not a symbolic tensor is returned as it is).

    Args:
        tensor: a symbolic tensor (a ``KerasTensor``).

    >>> import kerasish
    >>> a, b = kerasish.Input((2,)), kerasish.Input((2,))
    >>> c = kerasish.layers.Dense(2)(a)
    >>> out = kerasish.layers.add([c, b])
    >>> [t is a for t in get_source_inputs(out)], get_source_inputs(out)[1] is b
    ([True, False], True)
    """
    if not is_keras_tensor(tensor):
        return tensor
    history = tensor._keras_history
    if history is None or history[1] is None:
        return [tensor]
    import jax

    found = []
    parents = jax.tree_util.tree_leaves(history[1], is_leaf=is_keras_tensor)
    for parent in parents:
        for source in get_source_inputs(parent) if is_keras_tensor(parent) else []:
            if all(source is not seen for seen in found):
                found.append(source)
    return found
