"""Objects <-> JSON configs, in the shape Keras 3 writes into ``config.json``.

Every object becomes ``{"module", "class_name", "config", "registered_name"}``
(layers add ``build_config``, compiled models ``compile_config``). kerasish's own
classes are written under Keras's public modules (``"keras.layers"``,
``"keras.optimizers"``, ...) so that Keras loads them as its own, and Keras's
classes are read back as the kerasish classes of the same name.

Loading instantiates only (1) public kerasish classes and built-in functions, looked
up by name, (2) objects registered with ``register_keras_serializable`` and (3)
``custom_objects``. No module named in a file is imported, nothing is unpickled or
evaluated, and Python lambdas (Keras's ``__lambda__`` entries) are refused.

>>> import kerasish
>>> config = serialize_keras_object(kerasish.layers.Dense(3, name="d"))
>>> config["module"], config["class_name"], config["config"]["units"]
('keras.layers', 'Dense', 3)
>>> deserialize_keras_object(config).units
3
"""

import inspect
import types

import jax
import numpy as np

from kerasish import (activations, constraints, initializers, layers, losses, metrics,
                      optimizers, regularizers)
from kerasish.functional import Functional
from kerasish.layers.base import KerasTensor, Layer
from kerasish.models import Model, Sequential
from kerasish.saving import graph
from kerasish.saving.registration import (get_registered_name, get_registered_object,
                                          registered_by_class_name)

# kind -> (Keras's public module, kerasish's module, base class) for saveable classes.
_KINDS = {
    "layers": ("keras.layers", layers, Layer),
    "losses": ("keras.losses", losses, losses.Loss),
    "metrics": ("keras.metrics", metrics, metrics.Metric),
    "initializers": ("keras.initializers", initializers, initializers.Initializer),
    "regularizers": ("keras.regularizers", regularizers, regularizers.Regularizer),
    "constraints": ("keras.constraints", constraints, constraints.Constraint),
}
_schedules = getattr(optimizers, "schedules", None)
if _schedules is not None:  # before "optimizers": "keras.optimizers.schedules" is both
    _KINDS["schedules"] = ("keras.optimizers.schedules", _schedules,
                           _schedules.LearningRateSchedule)
_KINDS["optimizers"] = ("keras.optimizers", optimizers, optimizers.Optimizer)
_FUNCTION_KINDS = ("activations", "losses", "metrics")
_MODEL_CLASSES = {"Sequential": Sequential, "Functional": Functional, "Model": Model}
_FUNCTIONAL_MODULE = "keras.src.models.functional"  # where Keras 3 looks Functional up
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy")


class _Context:
    """What a nested deserialization needs to know: custom objects, where we are."""

    def __init__(self, custom_objects, where="config"):
        self.custom_objects = dict(custom_objects or {})
        self.where = where

    def at(self, where):
        return _Context(self.custom_objects, where)


# ---------------------------------------------------------------- serialization

def serialize_keras_object(obj):
    """A JSON-ready description of ``obj`` (Keras 3's format).

    Plain values pass through, lists/tuples/dicts are serialized item by item,
    numpy arrays become Keras's ``__numpy__`` entries, functions are saved by
    (registered) name, and objects with ``get_config`` by class and config.

    Args:
        obj: the object to describe.

    >>> import numpy as np, kerasish
    >>> serialize_keras_object(kerasish.initializers.Constant(3.0))
    {'module': 'keras.initializers', 'class_name': 'Constant', 'config': {'value': 3.0},
     'registered_name': None}
    >>> serialize_keras_object(np.array([1.0, 2.0]))
    {'class_name': '__numpy__', 'config': {'value': [1.0, 2.0], 'dtype': 'float64'}}
    """
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, slice):  # a `get_item` key (`x[:, 0]` in a functional model)
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, (np.ndarray, jax.Array)):
        arr = np.asarray(obj)
        if arr.ndim == 0:
            return arr.item()
        kind = "__numpy__" if isinstance(obj, np.ndarray) else "__tensor__"
        return {"class_name": kind, "config": {"value": arr.tolist(), "dtype": arr.dtype.name}}
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                "Cannot save a Python lambda: a file would have to store its code, and "
                "loading code from a file is unsafe. Define a named function, decorate it "
                "with @kerasish.saving.register_keras_serializable(), and use it instead."
            )
        # Keras 3 writes every function this way; the name alone identifies it.
        return {"module": "builtins", "class_name": "function",
                "config": get_registered_name(obj), "registered_name": "function"}
    if not callable(getattr(obj, "get_config", None)):
        raise TypeError(
            f"Cannot save {obj!r} (of type {type(obj).__name__}): only objects with a "
            "`get_config()` method, named functions and plain values can be saved."
        )
    cls = type(obj)
    if _is_loss_scale(obj):
        inner = _loss_scale_config(obj)
    else:
        inner = obj.get_config()
        if not isinstance(inner, dict):
            raise TypeError(
                f"{cls.__name__}.get_config() must return a dict. Received: {inner!r}"
            )
        inner = serialize_keras_object(inner)
    module, registered_name = _public_module(cls)
    # Keras's public name where it differs from the class's (GroupQueryAttention).
    class_name = vars(cls).get("_keras_class_name", cls.__name__)
    config = {"module": module, "class_name": class_name, "config": inner,
              "registered_name": registered_name}
    if isinstance(obj, Layer):
        build_config = _build_config(obj)
        if build_config is not None:
            config["build_config"] = build_config
    if isinstance(obj, Model) and getattr(obj, "compiled", False):
        config["compile_config"] = compile_config(obj)
    return config


def _public_module(cls):
    """(module, registered_name): Keras's public module for kerasish's own classes,
    the class's module and registered name for everything else."""
    if cls is Functional:
        return _FUNCTIONAL_MODULE, "Functional"
    if _MODEL_CLASSES.get(cls.__name__) is cls:
        return "keras", None
    if getattr(cls, "_keras_module", None):  # an op node: Keras's op class (ops/node.py)
        return cls._keras_module, cls.__name__
    for keras_module, module, _ in _KINDS.values():
        if getattr(module, cls.__name__, None) is cls and cls.__module__.startswith("kerasish."):
            return keras_module, None
    return cls.__module__, get_registered_name(cls)


def _is_loss_scale(obj):
    return hasattr(obj, "inner_optimizer") and hasattr(obj, "scale_of")


def _is_loss_scale_class(cls):
    return callable(getattr(cls, "scale_of", None)) and \
        "inner_optimizer" in inspect.signature(cls.__init__).parameters


def _loss_scale_config(optimizer):
    # Keras's LossScaleOptimizer config (its `get_config` would give the inner one's).
    return {"name": optimizer.name,
            "inner_optimizer": serialize_keras_object(optimizer.inner_optimizer),
            "initial_scale": optimizer.initial_scale,
            "dynamic_growth_steps": optimizer.dynamic_growth_steps}


def _build_config(layer):
    if isinstance(layer, Functional):
        return {"input_shape": None}  # built from its graph, as Keras writes it
    if isinstance(layer, Model):
        shape = getattr(layer, "_input_shape", None)
    elif isinstance(layer, layers.InputLayer):
        return None
    else:
        shape = getattr(layer, "_build_shapes", None)
    if not layer.built or not isinstance(shape, (tuple, list)):
        return None
    return {"input_shape": serialize_keras_object(shape)}


def _sequential_config(model):
    """Keras's Sequential config: the InputLayer (when known), then every layer.

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> [entry["class_name"] for entry in model.get_config()["layers"]]
    ['InputLayer', 'Dense']
    """
    entries = [] if model._input_layer is None else [serialize_keras_object(model._input_layer)]
    entries += [serialize_keras_object(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable, "dtype": model.dtype,
              "layers": entries}
    if model.built and model._input_shape is not None:
        config["build_input_shape"] = list(model._input_shape)
    return config


def _functional_config(model):
    """Keras's Functional config: every layer (InputLayers too) in Keras's order,
    each with the calls ("inbound nodes") that wire it, as the ``args`` and ``kwargs``
    the call received (each KerasTensor a ``__keras_tensor__`` reference), then the
    input and output tensors as ``[layer name, node index, tensor index]``."""
    calls, refs = graph.nodes(model)

    def arg(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": refs[id(value)]}}
        if isinstance(value, (list, tuple)):
            return [arg(v) for v in value]
        if isinstance(value, dict):
            return {k: arg(v) for k, v in value.items()}
        return serialize_keras_object(value)

    def tensor_refs(struct):
        if isinstance(struct, KerasTensor):
            return refs[id(struct)]
        if isinstance(struct, dict):
            return {k: tensor_refs(v) for k, v in struct.items()}
        return [tensor_refs(v) for v in struct]

    entries = []
    for layer in graph.layer_order(model, operations=True):
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": arg(list(args)), "kwargs": arg(kwargs)}
                                  for args, kwargs in calls.get(id(layer), [])]
        entries.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": entries,
            "input_layers": tensor_refs(model._inputs_struct),
            "output_layers": tensor_refs(model._outputs_struct)}


def compile_config(model):
    """The arguments ``compile`` received, serialized (Keras's ``compile_config``)."""
    config = model.get_compile_config() or {}
    jit_compile = config.get("jit_compile", "auto")
    return {
        "optimizer": serialize_keras_object(model.optimizer),
        "loss": serialize_keras_object(model.loss),
        "loss_weights": serialize_keras_object(config.get("loss_weights")),
        # Metric specs keep compile()'s shape: one, a list, a list per output, or a dict.
        "metrics": serialize_keras_object(config.get("metrics") or None),
        "weighted_metrics": serialize_keras_object(config.get("weighted_metrics") or None),
        "run_eagerly": bool(config.get("run_eagerly", False)),
        "steps_per_execution": getattr(model, "steps_per_execution", 1),
        # Keras writes what "auto" resolved to on the JAX backend.
        "jit_compile": True if jit_compile == "auto" else bool(jit_compile),
    }


# -------------------------------------------------------------- deserialization

def deserialize_keras_object(config, custom_objects=None, safe_mode=True):
    """The object that ``config`` describes (written by kerasish or by Keras 3).

    ``safe_mode`` is accepted for Keras's signature; kerasish is always safe: a
    serialized lambda is refused whatever its value. Objects that are already built
    are returned unchanged.

    Args:
        config: a dict from ``serialize_keras_object`` (or from Keras 3).
        custom_objects: ``{name: class or function}`` for your own objects.
        safe_mode: see above.

    >>> config = {"module": "keras.optimizers", "class_name": "SGD",
    ...           "config": {"learning_rate": 0.5}, "registered_name": None}
    >>> optimizer = deserialize_keras_object(config)
    >>> type(optimizer).__name__, float(optimizer.learning_rate)
    ('SGD', 0.5)
    """
    del safe_mode
    check_no_code(config)
    return _deserialize(config, _Context(custom_objects))


def check_no_code(config, where="config"):
    """Refuse Python code stored in a config (Keras's ``__lambda__`` entries)."""
    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            raise ValueError(
                f"The saved config contains Python code (a lambda) at {where}. kerasish "
                "never runs code from a file, with or without safe_mode=False (Keras "
                "needs safe_mode=False for it). Re-create that part with a named "
                "function registered with @kerasish.saving.register_keras_serializable()."
            )
        for key, value in config.items():
            check_no_code(value, f"{where}.{key}")
    elif isinstance(config, list):
        for i, value in enumerate(config):
            check_no_code(value, f"{where}[{i}]")


def _is_object_config(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _deserialize(config, ctx):
    if isinstance(config, list):
        return [_deserialize(c, ctx.at(f"{ctx.where}[{i}]")) for i, c in enumerate(config)]
    if not isinstance(config, dict):
        return config  # plain values, names, and objects that are already built
    if not _is_object_config(config):
        return {k: _deserialize(v, ctx.at(f"{ctx.where}.{k}")) for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    if not isinstance(class_name, str):
        raise ValueError(f"Invalid saved config at {ctx.where}: class_name={class_name!r}.")
    if class_name in _SPECIAL:
        return _SPECIAL[class_name](inner, ctx)
    if class_name == "function":
        return _resolve_function(config, ctx)
    if class_name in _DTYPE_POLICIES:
        return _dtype_policy(inner, ctx)
    cls = _resolve_class(config, ctx)
    inner = {} if inner is None else inner
    if not isinstance(inner, dict):
        raise ValueError(
            f"Invalid saved config for {class_name} at {ctx.where}: 'config' must be a "
            f"dict. Received: {inner!r}"
        )
    return _instantiate(cls, config, inner, ctx)


def _instantiate(cls, config, inner, ctx, build=True):
    """``cls.from_config``, then build and compile as the config says. Layers inside
    a Sequential or functional model are built by the model (``build=False``)."""
    model_class = next((m for m in (Sequential, Functional)
                        if isinstance(cls, type) and issubclass(cls, m)), None)
    inner = {k: v for k, v in inner.items() if k != "shared_object_id"}
    if model_class is None:
        inner = {k: _deserialize_arg(k, v, ctx.at(f"{ctx.where}.{k}")) for k, v in inner.items()}
        if cls.__module__.startswith("kerasish."):
            inner = _drop_unsupported_defaults(cls, inner, ctx)
        elif isinstance(cls, type) and issubclass(cls, Layer):
            # A user's subclass of a built-in layer, saved by Keras, carries the base's
            # Keras-only options (Keras 3.15's Dense: `quantization_config: None`) to
            # its **kwargs: drop those left off; the class decides about the rest.
            inner = _drop_unsupported_defaults(cls, inner, ctx, refuse=False)
    if model_class is Sequential:
        obj = _sequential_from_config(cls, inner, ctx)
    elif model_class is Functional:
        obj = _functional_from_config(cls, inner, ctx)
    else:
        from_config = getattr(cls, "from_config", None) or (lambda config: cls(**config))
        try:
            obj = from_config(inner)
        except (TypeError, ValueError, NotImplementedError) as e:
            raise type(e)(
                f"Could not rebuild {cls.__name__} from the saved config at {ctx.where}: {e}"
            ) from e
    if isinstance(obj, Layer) and build:
        _build_from_config(obj, config.get("build_config"))
    if isinstance(obj, Model) and config.get("compile_config"):
        compile_from_config(obj, config["compile_config"], ctx.custom_objects)
    return obj


def _deserialize_arg(key, value, ctx):
    """A constructor argument: nested object configs become objects (a Keras dtype
    policy becomes its name); anything else is left to the class."""
    del key
    if _is_object_config(value) or (
            isinstance(value, list) and value and all(_is_object_config(v) for v in value)):
        return _deserialize(value, ctx)
    return value


def _accepted_arguments(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
                names.add(p.name)
        names.update(getattr(klass, "_allowed_kwargs", ()))
    return names


def _drop_unsupported_defaults(cls, inner, ctx, refuse=True):
    """Drop Keras-only options left at their off value (``quantization_config: None``,
    ``ragged: False``); refuse ones that are switched on (``refuse``) or keep them."""
    accepted = _accepted_arguments(cls)
    kept = {}
    for key, value in inner.items():
        if key in accepted:
            kept[key] = value
        elif value is None or value is False or (isinstance(value, (dict, list, str))
                                                 and not value):
            continue
        elif not refuse:
            kept[key] = value
        else:
            raise ValueError(
                f"The saved {cls.__name__} at {ctx.where} sets `{key}={value!r}`, a Keras "
                f"option that kerasish's {cls.__name__} does not support."
            )
    return kept


def _build_from_config(layer, build_config):
    if layer.built or not isinstance(build_config, dict):
        return
    shape = build_config.get("input_shape")
    if shape is None:
        return
    shape = _as_shape(shape)
    if hasattr(layer, "build_from_config"):
        layer.build_from_config({"input_shape": shape})
    elif isinstance(layer, Model):
        layer.build(shape)
    else:
        layer._maybe_build(shape)


def _as_shape(value):
    """A saved shape (JSON lists) as tuples; a list of shapes stays a list."""
    if isinstance(value, list) and value and all(isinstance(v, (list, type(None))) for v in value) \
            and any(isinstance(v, list) for v in value):
        return [None if v is None else _as_shape(v) for v in value]
    return tuple(None if d is None else int(d) for d in value)


def _resolve_class(config, ctx):
    class_name = config["class_name"]
    registered = config.get("registered_name")
    for name in (registered, class_name):
        if isinstance(name, str):
            obj = get_registered_object(name, ctx.custom_objects)
            if obj is not None:
                return obj
    if not registered and isinstance(class_name, str):  # written without registered_name
        obj = registered_by_class_name(class_name)
        if obj is not None:
            return obj
    module = config.get("module") or ""
    if _is_library_module(module):
        cls = _builtin_class(module, class_name)
        if cls is not None:
            return cls
        raise ValueError(
            f"The saved file uses Keras's {module}.{class_name} (at {ctx.where}), which "
            f"kerasish does not implement. Available {_kind_of(module) or 'classes'}: "
            f"{_available(module)}."
        )
    raise ValueError(
        f"Could not locate class {class_name!r} (module {module!r}, at {ctx.where}). "
        "Decorate it with @kerasish.saving.register_keras_serializable() and import it "
        f"before loading, or pass custom_objects={{{class_name!r}: {class_name}}}."
    )


def _is_library_module(module):
    root = module.split(".", 1)[0]
    return root in ("keras", "kerasish", "tf_keras") or module == ""


def _kind_of(module):
    parts = module.split(".")
    for kind in _KINDS:
        if kind in parts:
            return kind
    if "models" in parts or module in ("keras", "kerasish"):
        return "models"
    return None


def _builtin_class(module, class_name):
    kind = _kind_of(module)
    kinds = [kind] if kind else ["models", *_KINDS]
    for k in kinds:
        if k == "models":
            cls = _MODEL_CLASSES.get(class_name)
        else:
            _, mod, base = _KINDS[k]
            cls = getattr(mod, class_name, None) if not class_name.startswith("_") else None
            if not (isinstance(cls, type) and (issubclass(cls, base) or _is_loss_scale_class(cls)
                                               or _is_optimizer_map(cls))):
                cls = None
        if cls is not None:
            return cls
    return None


def _is_optimizer_map(cls):
    # MultiOptimizer's OptimizerMap is saved as a keras.optimizers object of its own.
    return cls is getattr(optimizers, "OptimizerMap", None)


def _available(module):
    kind = _kind_of(module)
    if kind in _KINDS:
        _, mod, base = _KINDS[kind]
        return sorted(n for n in dir(mod) if not n.startswith("_")
                      and isinstance(getattr(mod, n), type) and issubclass(getattr(mod, n), base))
    return sorted(_MODEL_CLASSES)


def _resolve_function(config, ctx):
    name = config.get("config")
    if not isinstance(name, str):
        raise ValueError(f"Invalid saved function at {ctx.where}: its name is {name!r}.")
    fn = get_registered_object(name, ctx.custom_objects)
    if fn is None and config.get("registered_name") not in (None, "function"):
        fn = get_registered_object(config["registered_name"], ctx.custom_objects)
    if fn is not None:
        return fn
    kind = _kind_of(config.get("module") or "")
    for k in ([kind] if kind in _FUNCTION_KINDS else _FUNCTION_KINDS):
        fn = _builtin_function(k, name)
        if fn is not None:
            return fn
    raise ValueError(
        f"Could not locate function {name!r} (at {ctx.where}). Register it with "
        "@kerasish.saving.register_keras_serializable() and import it before loading, "
        f"or pass custom_objects={{{name!r}: {name.split('>')[-1]}}}."
    )


def _builtin_function(kind, name):
    """A built-in activation, loss or metric function, by its public name; never any
    other attribute of those modules."""
    if kind == "activations":
        try:
            return activations.get(name)
        except ValueError:
            return None
    module = losses if kind == "losses" else metrics
    fn = getattr(module, name, None) if not name.startswith("_") else None
    # kerasish.metrics re-exports loss functions (metrics.hinge is losses.hinge, as in
    # Keras): a function either module exports under that name is built in.
    if not inspect.isfunction(fn) or fn.__module__ not in (losses.__name__, metrics.__name__):
        return None
    if kind == "losses":
        return fn if not isinstance(losses.get(fn), losses.LossFunctionWrapper) else None
    try:
        metrics.get(name)
    except ValueError:
        return None
    return fn


def _dtype_policy(inner, ctx):
    """Keras's DTypePolicy entry -> its name ('float32', 'mixed_float16'), which
    every kerasish layer takes as ``dtype``."""
    name = inner.get("name") if isinstance(inner, dict) else None
    if not isinstance(name, str):
        raise ValueError(f"Invalid dtype policy at {ctx.where}: {inner!r}.")
    return name


def _numpy(inner, ctx):
    dtype = np.dtype(str(inner.get("dtype", "float32")))
    if dtype.kind not in "biufc":
        raise ValueError(f"Refusing a non-numeric array (dtype {dtype}) at {ctx.where}.")
    return np.array(inner.get("value"), dtype=dtype)


def _unsupported(what):
    def refuse(inner, ctx):
        raise ValueError(f"The saved config holds a {what} at {ctx.where}, which kerasish "
                         "cannot load (it needs the functional API or TensorFlow).")
    return refuse


_SPECIAL = {
    "__numpy__": _numpy,
    "__tensor__": _numpy,
    "__bytes__": lambda inner, ctx: str(inner["value"]).encode("utf-8"),
    "__ellipsis__": lambda inner, ctx: Ellipsis,
    "__slice__": lambda inner, ctx: slice(*(_deserialize(inner.get(k), ctx)
                                            for k in ("start", "stop", "step"))),
    "__keras_tensor__": _unsupported("symbolic tensor"),
    "__typespec__": _unsupported("TensorFlow TypeSpec"),
}


# ---------------------------------------------------------- models and compile

def _sequential_from_config(cls, config, ctx):
    """Rebuild a Sequential from Keras's config (or from kerasish's ``get_config``)."""
    if not isinstance(config.get("layers"), list):
        raise ValueError(
            "A Sequential config needs a 'layers' list (and usually a 'name'). "
            f"Received keys: {sorted(config)}"
        )
    stack = [_layer(entry, ctx.at(f"{ctx.where}.layers[{i}]"))
             for i, entry in enumerate(config["layers"])]
    kwargs = {"name": config.get("name"), "trainable": config.get("trainable", True)}
    if cls is Sequential:
        model = cls(layers=stack, **kwargs)
    else:
        model = cls(**kwargs)
        for layer in stack:
            model.add(layer)
    shape = config.get("build_input_shape")
    if not model.built and isinstance(shape, (list, tuple)) and shape:
        model.build(tuple(shape))
    return model


def _layer(entry, ctx):
    if not _is_object_config(entry):
        raise ValueError(f"{ctx.where} is not a layer config: {entry!r}")
    cls = _resolve_class(entry, ctx)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"{ctx.where} is not a layer: {entry['class_name']!r}.")
    return _instantiate(cls, entry, entry["config"] or {}, ctx, build=False)


def _is_ref(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


class _OpTensor:
    """A tensor made by a Keras op node (``keras.src.ops``) of a saved graph."""

    def __init__(self, history, shape, op):
        self.history, self.shape, self.op = history, shape, op


def _is_op_entry(entry):
    # Keras records a layer's automatic mask as a `mask=` keyword of the call, computed
    # by op nodes (NotEqual for Embedding, LogicalOr for a merge, Any for Masking).
    return isinstance(entry, dict) and str(entry.get("module") or "").startswith(
        ("keras.src.ops.", "keras.ops"))


def _mask_kwargs(layer, name, args, kwargs, where):
    """Drop the ``mask``/``<arg>_mask`` keywords that Keras computed with op nodes:
    the replay fills the same masks itself (as Keras's call did when it recorded
    them). Anything else made by an op node is refused."""
    kept = {}
    for key, value in kwargs.items():
        saved = _leaves_of(value)
        ops = [v for v in saved if isinstance(v, _OpTensor)]
        if not ops:
            kept[key] = value
            continue
        if key == "mask" or key.endswith("_mask"):
            try:
                given = inspect.signature(layer.call).bind_partial(*args, **kwargs).arguments
            except TypeError:
                given = {}  # the call does not take these arguments: refused below
            owner = next(iter(given.values()), None) if key == "mask" else given.get(key[:-5])
            ours = [getattr(t, "_keras_mask", None) for t in _leaves_of(owner)]
            # Each saved mask is an op's output where ours has a mask of its shape,
            # and None where ours has none.
            if len(ours) == len(saved) and all(
                    (s is None and m is None) or (isinstance(s, _OpTensor) and m is not None
                                                  and _shapes_fit(m.shape, s.shape))
                    for s, m in zip(saved, ours)):
                continue
        raise ValueError(
            f"{where}: the call of layer {name!r} takes `{key}` from the Keras op node "
            f"{ops[0].op!r} ({ops[0].history[0]!r}), which kerasish cannot replay: its "
            "functional graphs are made of layers. (A mask that Keras recorded this way "
            "is accepted when kerasish's own mask propagation gives the input a mask of "
            "that shape.) Wrap the `keras.ops` computation in a registered Layer "
            "subclass, re-create the model and save it again."
        )
    return kept


def _leaves_of(struct):
    if isinstance(struct, (list, tuple)):
        return [x for item in struct for x in _leaves_of(item)]
    if isinstance(struct, dict):
        return [x for value in struct.values() for x in _leaves_of(value)]
    return [struct]


def _shapes_fit(ours, saved):
    saved = tuple(saved or ())
    return len(ours) == len(saved) and all(
        a is None or b is None or a == b for a, b in zip(ours, saved))


def _functional_from_config(cls, config, ctx):
    """Rebuild a functional model: create every layer, then replay the calls listed
    in each layer's ``inbound_nodes`` (their ``args`` and ``kwargs``) once the tensors
    they need exist. Keras's op nodes that only compute masks are left out: the
    replay recomputes those masks."""
    if not isinstance(config.get("layers"), list) or "output_layers" not in config:
        raise ValueError(
            "A functional model config needs 'layers', 'input_layers' and 'output_layers'. "
            f"Received keys: {sorted(config)}"
        )
    created, tensors, pending, op_nodes = {}, {}, [], {}
    replayed = graph.ops_to_replay(config)  # op nodes the outputs need (ops/node.py)
    for i, entry in enumerate(config["layers"]):
        where = ctx.at(f"{ctx.where}.layers[{i}]")
        if not isinstance(entry, dict):
            raise ValueError(f"{where.where} is not a layer config: {entry!r}")
        if _is_op_entry(entry) and entry.get("name") not in replayed:
            op_nodes[entry.get("name")] = entry.get("class_name")
            continue
        layer = graph.operation(entry, where.where) if _is_op_entry(entry) else _layer(
            {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}, where)
        name = entry.get("name", layer.name)
        created[name] = layer
        if isinstance(layer, layers.InputLayer):
            tensors[(name, 0)] = layer.output
        nodes = entry.get("inbound_nodes") or []
        if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
            raise ValueError(
                f"{where.where}: 'inbound_nodes' is not in Keras 3's format (a list of "
                "{'args': [...], 'kwargs': {...}}); older Keras 2 configs are not supported."
            )
        pending += [(name, j, node) for j, node in enumerate(nodes)]

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if not _is_ref(history):
                raise ValueError(f"{ctx.where}: unsupported tensor reference {history!r}.")
            if history[0] in op_nodes:
                return _OpTensor(history, (value.get("config") or {}).get("shape"),
                                 op_nodes[history[0]])
            return output_of(history)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict) and not _is_object_config(value):
            return {k: resolve(v) for k, v in value.items()}
        return _deserialize(value, ctx)

    def output_of(ref):
        """Tensor ``ref[2]`` of call ``ref[1]`` of layer ``ref[0]`` (a call with several
        outputs, e.g. ``LSTM(return_state=True)``, numbers its flattened outputs)."""
        made = graph.node_outputs(tensors[(ref[0], ref[1])])
        if not 0 <= ref[2] < len(made):
            raise ValueError(f"{ctx.where}: the tensor reference {ref!r} asks for output "
                             f"{ref[2]} of a call with {len(made)} output(s).")
        return made[ref[2]]

    while pending:
        waiting = []
        for name, j, node in pending:
            if j > 0 and (name, j - 1) not in tensors:
                waiting.append((name, j, node))
                continue
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except KeyError:
                waiting.append((name, j, node))
                continue
            where = f"{ctx.where} (layer {name!r}, node {j})"
            kwargs = _mask_kwargs(created[name], name, args, kwargs, where)
            made_by_op = [t for t in _leaves_of(args) if isinstance(t, _OpTensor)]
            if made_by_op:
                raise ValueError(
                    f"{where}: the call takes a tensor made by the Keras op node "
                    f"{made_by_op[0].op!r} ({made_by_op[0].history[0]!r}), which kerasish "
                    "cannot replay: its functional graphs are made of layers. Wrap the "
                    "`keras.ops` computation in a registered Layer subclass, re-create "
                    "the model and save it again."
                )
            tensors[(name, j)] = created[name](*args, **kwargs)
        if len(waiting) == len(pending):
            raise ValueError(
                f"{ctx.where}: the layer graph cannot be rebuilt; these calls refer to "
                f"tensors that no layer produces: {[(n, j) for n, j, _ in waiting]}."
            )
        pending = waiting

    def refs(struct, what):
        if _is_ref(struct):
            if struct[0] in op_nodes:
                raise ValueError(
                    f"{ctx.where}.{what}: the model's tensor {struct!r} is made by the Keras "
                    f"op node {op_nodes[struct[0]]!r}, which kerasish cannot replay. Wrap "
                    "that `keras.ops` computation in a registered Layer subclass.")
            if (struct[0], struct[1]) not in tensors:
                raise ValueError(f"{ctx.where}.{what} refers to an unknown tensor {struct!r}.")
            return output_of(struct)
        if isinstance(struct, dict):
            return {k: refs(v, what) for k, v in struct.items()}
        if isinstance(struct, list):
            return [refs(v, what) for v in struct]
        raise ValueError(f"{ctx.where}.{what} is not a tensor reference: {struct!r}")

    inputs = refs(config.get("input_layers", []), "input_layers")
    outputs = refs(config["output_layers"], "output_layers")
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _from_config(cls, config, custom_objects=None):
    """Rebuild a Sequential model from ``get_config()`` output (Keras's too).

    >>> import kerasish
    >>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
    >>> again = _from_config(kerasish.Sequential, model.get_config())
    >>> again.layers[0].units, again.input_shape
    (2, (None, 3))
    """
    check_no_code(config)
    return _sequential_from_config(cls, config, _Context(custom_objects, "Sequential config"))


def _functional_from_config_method(cls, config, custom_objects=None):
    """Rebuild a functional model from Keras's functional config."""
    check_no_code(config)
    return _functional_from_config(cls, config, _Context(custom_objects, "Functional config"))




def compile_from_config(model, config, custom_objects=None):
    """``model.compile(...)`` with the arguments saved in ``compile_config``."""
    ctx = _Context(custom_objects, "compile_config")
    args = {k: _deserialize(config.get(k), ctx.at(f"compile_config.{k}"))
            for k in ("optimizer", "loss", "metrics", "weighted_metrics")}
    if args["loss"] is None:
        raise ValueError(
            "The saved model was compiled without a loss, which kerasish's compile() "
            "needs. Load it with compile=False and call compile() yourself."
        )
    if args["optimizer"] is None:
        args["optimizer"] = "rmsprop"
    for key in ("loss_weights", "steps_per_execution"):
        if config.get(key) is not None:
            args[key] = config[key]
    loss_scale = args["optimizer"] if _is_loss_scale(args["optimizer"]) else None
    if loss_scale is not None:  # compile() takes no LossScaleOptimizer instance (yet)
        args["optimizer"] = loss_scale.inner_optimizer
    model.compile(**args)
    if loss_scale is not None:
        model.optimizer = loss_scale
