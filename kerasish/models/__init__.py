"""``kerasish.models``: ``Model``, ``Sequential``, ``load_model``, ``clone_model`` and
``model_from_json``, as ``keras.models``."""

import importlib

from kerasish.models.model import Model, load_model
from kerasish.models.sequential import Sequential

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]


def _cloning():
    # kerasish.saving imports this package: loaded on first use, as Model.save does.
    return importlib.import_module("kerasish.saving.cloning")


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A copy of a Sequential or functional model with new weights (same config),
    compiled as the original is; see ``kerasish.saving.cloning.clone_model``.

    The copy has new layer objects and freshly initialised weights; copy the weights
    with ``clone.set_weights(model.get_weights())`` to get the same function.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> clone = clone_model(model)
    >>> clone.count_params(), clone.layers[0] is model.layers[0]
    (8, False)
    """
    return _cloning().clone_model(model, input_tensors=input_tensors,
                                  clone_function=clone_function, call_function=call_function,
                                  recursive=recursive, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """The model that ``model.to_json()`` (kerasish's or Keras 3's) describes, with
    fresh weights; see ``kerasish.saving.cloning.model_from_json``.

    The JSON holds the architecture only: load the weights separately
    (``model.load_weights``) where they are needed.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> rebuilt = model_from_json(model.to_json())
    >>> type(rebuilt).__name__, rebuilt.output_shape
    ('Sequential', (None, 2))
    """
    return _cloning().model_from_json(json_string, custom_objects=custom_objects)


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

_hint = _module_getattr(__name__, lambda: list(globals()) + ["save_model"])


def __getattr__(name):
    # keras.models.save_model is keras.saving.save_model: the same function, loaded on
    # first use (kerasish.saving imports this package).
    if name == "save_model":
        return importlib.import_module("kerasish.saving").save_model
    return _hint(name)
