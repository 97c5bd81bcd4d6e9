"""Models as JSON (``to_json`` / ``model_from_json``) and copies with new weights
(``clone_model``), with Keras 3's semantics.

``to_json`` writes the config that ``.keras`` files hold (compile arguments included,
no weights), so ``model_from_json`` gives a model with the same architecture, fresh
weights, compiled when the original was. ``clone_model`` rebuilds a Sequential or
functional model layer by layer (``clone_function``), calls the new layers as the old
ones were called (``call_function``), and compiles the copy as the original was.

>>> import kerasish
>>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
>>> again = model_from_json(model_to_json(model))
>>> copy = clone_model(model)
>>> again.layers[0].kernel.shape, copy.layers[0].kernel is model.layers[0].kernel
((3, 2), False)
"""

import inspect
import json

from kerasish.functional import Functional, node_outputs
from kerasish.layers.base import KerasTensor
from kerasish.layers.core import Input, InputLayer
from kerasish.models import Model, Sequential
from kerasish.saving import serialization
from kerasish.utils.naming import check_kwargs


def model_to_json(model, **kwargs):
    """``model.to_json(**kwargs)``: the model's Keras 3 config as a JSON string;
    ``kwargs`` go to ``json.dumps`` (``indent=2``, ...)."""
    return json.dumps(serialization.serialize_keras_object(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """The model a ``to_json`` string (kerasish's or Keras 3's) describes, with fresh
    weights; compiled when the JSON holds compile arguments, as in Keras.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(1)])
    >>> model_from_json(model.to_json()).output_shape
    (None, 1)
    """
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(
            "model_from_json expects the JSON string that model.to_json() returns. "
            f"Received: {str(json_string)[:100]!r} ({type(e).__name__}: {e})"
        ) from e
    if isinstance(config, dict) and str(config.get("keras_version", "")).startswith("2."):
        # tf.keras 2's JSON (a functional model's layers use Keras 2's inbound nodes)
        from kerasish.saving import legacy_config

        config = legacy_config.keras3_model_config(config, "model_from_json", custom_objects)
    model = serialization.deserialize_keras_object(config, custom_objects)
    if not isinstance(model, Model):
        raise ValueError(
            "The JSON does not describe a model (it describes a "
            f"{type(model).__name__}). Pass the string that model.to_json() returns."
        )
    return model


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap(clone_function, call_function, recursive, cache):
    """Each layer cloned once (shared layers stay shared); with ``recursive``, inner
    Sequential/functional models are cloned with ``clone_model`` instead."""
    clone = clone_function or _default_clone
    if not callable(clone):
        raise ValueError("Expected `clone_function` to be a callable `fn(layer)`. "
                         f"Received: clone_function={clone_function!r}")

    def wrapped(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, recursive=True, cache=cache,
                    call_function=call_function if isinstance(layer, Functional) else None)
            else:
                cache[id(layer)] = clone(layer)
        return cache[id(layer)]

    return wrapped


def _compile_like(new, model):
    if getattr(model, "compiled", False):
        # Through the saved form: the copy gets its own optimizer, losses and metrics.
        serialization.compile_from_config(new, serialization.compile_config(model))
    return new


def _clone_sequential(model, clone, input_tensors):
    stack = [clone(layer) for layer in model.layers]
    source = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor for "
                                 f"a Sequential model. Received {len(input_tensors)}.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("Argument `input_tensors` must be a KerasTensor (e.g. "
                             f"kerasish.Input(...)). Received: {input_tensors!r}")
        stack = [input_tensors] + stack
    elif source is not None:
        stack = [Input(batch_shape=source.batch_shape, dtype=source.dtype,
                       name=source.name)] + stack
    return Sequential(stack, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone, input_tensors, call_function):
    if input_tensors is None:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history[0].name)
                      for t in model.inputs]
    else:
        given = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        given = [t.output if isinstance(t, InputLayer) else t for t in given]
        if len(given) != len(model.inputs) or not all(isinstance(t, KerasTensor)
                                                      for t in given):
            raise ValueError(
                f"Argument `input_tensors` must be {len(model.inputs)} KerasTensor(s) or "
                f"InputLayer(s), one per input of model {model.name!r}. Received: "
                f"{input_tensors!r}")
        new_inputs = given
    values = {id(old): new for old, new in zip(model.inputs, new_inputs)}

    def fill(struct):
        if isinstance(struct, KerasTensor):
            return values[id(struct)]
        if isinstance(struct, (list, tuple)):
            return type(struct)(fill(s) for s in struct)
        if isinstance(struct, dict):
            return {k: fill(v) for k, v in struct.items()}
        return struct

    for layer, layer_inputs, out in model._nodes:
        args, kwargs = node_outputs(out)[0]._keras_call or ((layer_inputs,), {})
        new_layer = clone(layer)
        args, kwargs = fill(tuple(args)), fill(dict(kwargs))
        made = call_function(new_layer, *args, **kwargs) if call_function \
            else new_layer(*args, **kwargs)
        old_tensors = node_outputs(out)
        new_tensors = [made] if len(old_tensors) == 1 else node_outputs(made)
        for old, new in zip(old_tensors, new_tensors, strict=True):
            values[id(old)] = new

    def rebuild(struct):
        if isinstance(struct, KerasTensor):
            return values[id(struct)]
        if isinstance(struct, dict):
            return {k: rebuild(v) for k, v in struct.items()}
        return [rebuild(v) for v in struct]

    inputs = rebuild(model._inputs_struct) if input_tensors is None else (
        input_tensors if isinstance(input_tensors, (list, tuple, dict)) else new_inputs[0])
    if isinstance(inputs, (list, tuple)):
        inputs = [t.output if isinstance(t, InputLayer) else t for t in inputs]
    outputs = rebuild(model._outputs_struct)
    cls = type(model) if _functional_constructor(type(model)) else Functional
    return cls(inputs, outputs, name=model.name)


def _functional_constructor(cls):
    if cls is Functional:
        return True
    params = list(inspect.signature(cls.__init__).parameters)[1:3]
    return params == ["inputs", "outputs"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A copy of a Sequential or functional ``model`` with new layers, hence new
    weights (the same config, freshly initialized), compiled as ``model`` is.

    ``clone_function(layer)`` makes each new layer (default:
    ``layer.__class__.from_config(layer.get_config())``; ``lambda layer: layer``
    reuses the layers). ``call_function(layer, *args, **kwargs)`` makes each call of a
    functional model (e.g. to insert a layer after another). ``input_tensors``: new
    inputs to build on. ``recursive=True`` clones inner models with ``clone_model``.
    Other models are cloned through their config (``get_config`` / ``from_config``).

    >>> import kerasish
    >>> from kerasish import layers
    >>> x = kerasish.Input((4,))
    >>> model = kerasish.Model(x, layers.Dense(1)(layers.Dense(8)(x)))
    >>> deeper = clone_model(model, clone_function=lambda layer: layer,
    ...                      call_function=lambda layer, *a, **k: layers.Dropout(0.1)(layer(*a, **k))
    ...                      if isinstance(layer, layers.Dense) else layer(*a, **k))
    >>> [type(la).__name__ for la in deeper.layers]
    ['InputLayer', 'Dense', 'Dropout', 'Dense', 'Dropout']
    """
    cache = kwargs.pop("cache", None)
    check_kwargs(kwargs, {"cache"}, "clone_model()", suggestions=(
        "input_tensors", "clone_function", "call_function", "recursive"))
    if not isinstance(model, Model):
        raise ValueError("clone_model expects a kerasish Model (Sequential or functional). "
                         f"Received: {model!r} (of type {type(model).__name__})")
    cache = {} if cache is None else cache
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with functional models only.")
        clone = _wrap(clone_function, None, recursive, cache)
        return _compile_like(_clone_sequential(model, clone, input_tensors), model)
    if isinstance(model, Functional):
        clone = _wrap(clone_function, call_function, recursive, cache)
        return _compile_like(_clone_functional(model, clone, input_tensors, call_function),
                             model)
    if clone_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError(
            "Arguments `clone_function`, `call_function` and `input_tensors` are only "
            "supported for Sequential and functional models. Received a model of type "
            f"{type(model).__name__!r}; give it get_config()/from_config() and call "
            "clone_model(model) alone.")
    config = serialization.serialize_keras_object(model)
    return serialization.deserialize_keras_object(
        config, custom_objects={type(model).__name__: type(model)})
