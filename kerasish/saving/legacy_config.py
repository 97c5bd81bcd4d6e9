"""tf.keras 2 (and Keras 3 legacy-writer) configs inside legacy ``.h5`` files and
``to_json()`` strings, turned into the Keras 3 configs kerasish rebuilds.

The ``model_config`` a legacy file holds may be Keras 3's (layers written as
``{"class_name", "config"}`` with Keras 3 nested objects) or tf.keras 2's
(``batch_input_shape``, dtype strings or ``Policy`` dicts, ``inbound_nodes`` as
``[[[layer, node, tensor, kwargs]]]``, options Keras 3 dropped). :func:`keras3_model_config`
turns either into the Keras 3 config ``deserialize_keras_object`` takes (nested layers
of wrappers and RNNs included); layers kerasish does not implement are refused there,
by name and class. :func:`compile_config` does the same for ``training_config``.

>>> tf2 = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
...     {"class_name": "LeakyReLU", "config": {"name": "act", "alpha": 0.2, "dtype": "float32",
...                                            "batch_input_shape": [None, 3]}}]}}
>>> layers = keras3_model_config(tf2)["config"]["layers"]
>>> [e["class_name"] for e in layers], layers[1]["config"]["negative_slope"]
(['InputLayer', 'LeakyReLU'], 0.2)
"""

from kerasish import activations, layers as layers_module, losses, metrics as metrics_module
from kerasish.saving import registration
from kerasish.utils.naming import closest

_MODEL_CLASSES = ("Sequential", "Functional", "Model")
# tf.keras 2 layers with no kerasish (or Keras 3) counterpart, and what to do instead.
_TF_ONLY = {
    "TFOpLambda": "a TensorFlow function (tf.*) called on a Keras tensor",
    "SlicingOpLambda": "a TensorFlow slice (tensor[...]) of a Keras tensor",
    "TensorFlowOpLayer": "a TensorFlow operation called on a Keras tensor",
    "Lambda": "a Lambda layer, whose Python code the file stores as bytecode",
    "CuDNNLSTM": "a CuDNN-only LSTM (tf.compat.v1)",
    "CuDNNGRU": "a CuDNN-only GRU (tf.compat.v1)",
}
# tf.keras 2 arguments Keras 3 renamed or dropped: {class: {old: new or None (dropped)}}.
_RENAMED = {
    "LeakyReLU": {"alpha": "negative_slope"},
    "Embedding": {"input_length": None},  # Keras 3 infers it from the input
}
# RNNs whose tf.keras 2 configs say how to compute (``implementation``): 1 and 2 give
# the same numbers and differ only in their dropout masks, so the key is dropped at
# tf.keras 2's default or without dropout (else passed on, for the layer to take or
# refuse).
_IMPLEMENTATION = ("LSTM", "GRU", "LSTMCell", "GRUCell")
# Config keys that hold whole layer entries: wrappers' layers and RNNs' cells.
_NESTED = ("layer", "backward_layer", "cell", "cells")
# tf.keras 2 optimizer arguments Keras 3 has no use for (None, or dropped when equal).
_OPTIMIZER_DROPPED = {"is_legacy_optimizer": None, "jit_compile": None}


# ---------------------------------------------------- config: tf.keras 2 -> Keras 3

class _Upgrade:
    """Turns a legacy ``model_config`` into the Keras 3 config that
    ``serialization.deserialize_keras_object`` takes."""

    def __init__(self, custom_objects):
        self.custom_objects = custom_objects or {}

    def model(self, entry, where):
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ValueError(f"{where} is not a model config (a dict with 'class_name' and "
                             f"'config'). Received: {str(entry)[:200]}")
        class_name, config = entry["class_name"], entry.get("config")
        if class_name == "Sequential":
            return self._sequential(config, where)
        if class_name in ("Functional", "Model") and isinstance(config, dict) \
                and "output_layers" in config:
            return self._functional(config, where)
        if class_name in _MODEL_CLASSES:
            raise ValueError(f"{where}: a {class_name} config without layers and outputs "
                             "(a subclassed model saved without get_config()). Rebuild the "
                             "model in code and use load_weights().")
        return self.layer(entry, where)

    def _sequential(self, config, where):
        if isinstance(config, list):  # Keras 2.0-2.2: the list of layers itself
            config = {"layers": config}
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError(f"{where}: a Sequential config needs a 'layers' list.")
        entries = config["layers"]
        layers = [self.layer(e, f"{where}.layers[{i}]") for i, e in enumerate(entries)]
        first = entries[0].get("config", {}) if entries and isinstance(entries[0], dict) else {}
        shape = first.get("batch_input_shape") if isinstance(first, dict) else None
        if layers and layers[0]["class_name"] != "InputLayer" and shape is not None:
            # tf.keras 2 kept the input shape on the first layer (input_shape=...).
            layers.insert(0, {"module": "keras.layers", "class_name": "InputLayer", "config": {
                "batch_shape": shape, "dtype": _dtype_name(first.get("dtype")),
                "name": f"{first.get('name', 'sequential')}_input"}})
        rest = {k: v for k, v in config.items() if k != "layers"}
        return {"module": "keras", "class_name": "Sequential", "config": {**rest, "layers": layers}}

    def _functional(self, config, where):
        entries = config.get("layers")
        if not isinstance(entries, list):
            raise ValueError(f"{where}: a functional config needs a 'layers' list.")
        # tf.keras 2 numbers a nested model's calls from 1 (its node 0 is internal).
        shifted = {e.get("name") for e in entries if isinstance(e, dict) and _starts_at_one(e)}
        names = {e.get("name") for e in entries if isinstance(e, dict)}
        layers = []
        for i, e in enumerate(entries):
            at = f"{where}.layers[{i}]"
            layer = self.layer(e, at)
            layer["name"] = e.get("name", layer["config"].get("name"))
            layer["inbound_nodes"] = _nodes(e.get("inbound_nodes") or [], names, shifted, at)
            layers.append(layer)
        refs = {k: _io_refs(config.get(k), shifted, f"{where}.{k}")
                for k in ("input_layers", "output_layers")}
        rest = {k: v for k, v in config.items()
                if k not in ("layers", "input_layers", "output_layers")}
        return {"module": "keras", "class_name": "Functional",
                "config": {**rest, "layers": layers, **refs}}

    def layer(self, entry, where):
        if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) \
                or not isinstance(entry.get("config"), (dict, list)):
            raise ValueError(f"{where} is not a layer config ({{'class_name', 'config'}}). "
                             f"Received: {str(entry)[:200]}")
        class_name, config = entry["class_name"], entry["config"]
        if class_name in _MODEL_CLASSES:
            return self.model({"class_name": class_name, "config": config}, where)
        name = config.get("name", entry.get("name")) if isinstance(config, dict) else None
        if class_name == "Lambda" and isinstance(config, dict) \
                and not isinstance(config.get("function"), (str, dict)):
            self._refuse(class_name, name, where)  # tf.keras 2 stored the function's bytecode
        module = self._module(class_name, name, where)
        config = dict(config)
        batch_shape = config.pop("batch_input_shape", None)
        if class_name == "InputLayer" and batch_shape is not None \
                and config.get("batch_shape") is None:
            config["batch_shape"] = batch_shape
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1:  # tf.keras 2 wrote ListWrapper([3])
            config["axis"] = int(axis[0])
        if "dtype" in config:
            config["dtype"] = _dtype_name(config["dtype"])
        for old, new in _RENAMED.get(class_name, {}).items():
            if old in config:
                value = config.pop(old)
                if new is not None and new not in config:
                    config[new] = value
        if class_name in _IMPLEMENTATION and "implementation" in config and (
                config["implementation"] == 2 or not (config.get("dropout")
                                                      or config.get("recurrent_dropout"))):
            del config["implementation"]
        for key in _NESTED:
            if isinstance(config.get(key), dict):
                config[key] = self._nested(config[key], f"{where}.{key}")
            elif isinstance(config.get(key), list):
                config[key] = [self._nested(e, f"{where}.{key}[{i}]")
                               for i, e in enumerate(config[key])]
        for key in ("activation", "recurrent_activation"):
            if isinstance(config.get(key), str) and not _builtin_activation(config[key]):
                # tf.keras 2 saved a user function by (registered) name.
                config[key] = {"module": "builtins", "class_name": "function",
                               "config": config[key], "registered_name": "function"}
        upgraded = {"class_name": class_name, "config": config}
        if module is not None:
            upgraded["module"] = module
        return upgraded

    def _nested(self, entry, where):
        # Keeps what else the entry holds (Keras 3's build_config, registered_name).
        extra = {k: v for k, v in entry.items() if k not in ("class_name", "config", "module")} \
            if isinstance(entry, dict) else {}
        return {**extra, **self.layer(entry, where)}

    def _module(self, class_name, name, where):
        """Keras's public module for a built-in layer; None for a user class (found by
        its registered name); a clear refusal for the rest."""
        if registration.get_registered_object(class_name, self.custom_objects) is not None \
                or registration.registered_by_class_name(class_name) is not None:
            return None
        cls = getattr(layers_module, class_name, None) if not class_name.startswith("_") else None
        if isinstance(cls, type) and issubclass(cls, layers_module.Layer):
            return "keras.layers"
        if class_name in _TF_ONLY:
            self._refuse(class_name, name, where)
        available = sorted(n for n in dir(layers_module) if isinstance(
            getattr(layers_module, n), type) and issubclass(getattr(layers_module, n),
                                                            layers_module.Layer))
        hint = closest(class_name, available, n=1)
        raise ValueError(
            f"{where}: layer {name!r} is a {class_name}, which kerasish does not implement"
            + (f" (did you mean {hint[0]}?)" if hint else "") + ". If it is your own class, "
            "register it with @kerasish.saving.register_keras_serializable() or pass "
            f"custom_objects={{{class_name!r}: {class_name}}}. kerasish's layers: {available}.")

    @staticmethod
    def _refuse(class_name, name, where):
        raise ValueError(
            f"{where}: layer {name!r} is {_TF_ONLY[class_name]} ({class_name}), which "
            "kerasish cannot rebuild: it has no TensorFlow and never runs code stored in a "
            "file. Re-create the model in code (replace that part with built-in layers or "
            "a registered Layer subclass), then load the weights with "
            "model.load_weights(path).")


def _starts_at_one(entry):
    if entry.get("class_name") in ("Functional", "Model"):
        return True
    layers = (entry.get("config") or {}).get("layers") if isinstance(entry.get("config"),
                                                                      dict) else None
    if entry.get("class_name") == "Sequential" and isinstance(layers, list) and layers:
        first = layers[0] if isinstance(layers[0], dict) else {}
        return first.get("class_name") == "InputLayer" or "batch_input_shape" in (
            first.get("config") or {})
    return False


def _tensor(name, node, index, shifted, where):
    if not isinstance(name, str) or not isinstance(node, int) or not isinstance(index, int):
        raise ValueError(f"{where}: invalid tensor reference {[name, node, index]!r}.")
    if name in shifted and node > 0:
        node -= 1
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None, "dtype": None, "keras_history": [name, node, index]}}


def _nodes(nodes, names, shifted, where):
    """tf.keras 2's ``[[[layer, node, tensor, kwargs], ...], ...]`` as Keras 3's
    ``[{"args": [...], "kwargs": {...}}]`` (Keras 3 configs pass through)."""
    if not isinstance(nodes, list):
        raise ValueError(f"{where}: 'inbound_nodes' must be a list. Received: {nodes!r}")
    if all(isinstance(n, dict) for n in nodes):
        return nodes
    converted = []
    for node in nodes:
        if not isinstance(node, list) or not all(isinstance(d, list) and len(d) in (3, 4)
                                                 for d in node):
            raise ValueError(f"{where}: unreadable inbound node {str(node)[:200]}.")
        tensors, kwargs = [], {}
        for data in node:
            if data[0] == "_CONSTANT_VALUE":
                raise ValueError(
                    f"{where}: the layer is called on a constant ({str(data[2])[:60]}), "
                    "which tf.keras 2 recorded and kerasish does not replay. Re-create the "
                    "model in code and load the weights with model.load_weights(path).")
            tensors.append(_tensor(*data[:3], shifted, where))
            if len(data) == 4 and data[3]:
                kwargs = _kwarg_tensors(data[3], names, shifted, where)
        converted.append({"args": [tensors[0] if len(tensors) == 1 else tensors],
                          "kwargs": kwargs})
    return converted


def _kwarg_tensors(value, names, shifted, where):
    """tf.keras 2 wrote tensors in call kwargs as ``[layer, node, tensor]``."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
            and value[0] in names and all(isinstance(v, int) for v in value[1:]):
        return _tensor(*value, shifted, where)
    if isinstance(value, dict):
        return {k: _kwarg_tensors(v, names, shifted, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_kwarg_tensors(v, names, shifted, where) for v in value]
    return value


def _io_refs(refs, shifted, where):
    """input_layers / output_layers, with nested-model calls renumbered; tf.keras 2's
    one-element lists unwrapped (its one-input, one-output models took and gave
    single arrays)."""
    def fix(ref):
        if isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str):
            name, node, index = ref
            return [name, node - 1 if name in shifted and node > 0 else node, index]
        if isinstance(ref, dict):
            return {k: fix(v) for k, v in ref.items()}
        if isinstance(ref, list):
            return [fix(v) for v in ref]
        raise ValueError(f"{where}: invalid tensor reference {ref!r}.")

    refs = fix(refs if refs is not None else [])
    if isinstance(refs, list) and len(refs) == 1 and isinstance(refs[0], list) \
            and len(refs[0]) == 3 and isinstance(refs[0][0], str):
        return refs[0]
    return refs


def _dtype_name(dtype):
    """A dtype string, tf.keras 2's ``Policy`` dict or Keras 3's ``DTypePolicy`` -> name."""
    if isinstance(dtype, dict):
        inner = dtype.get("config") or {}
        return inner.get("name") if isinstance(inner, dict) else None
    return dtype


def _builtin_activation(name):
    try:
        activations.get(name)
    except ValueError:
        return False
    return True


def keras3_model_config(config, where="model_config", custom_objects=None):
    """A legacy ``model_config`` (tf.keras 2's or Keras 3's legacy writer's) as the
    Keras 3 config ``kerasish.saving.deserialize_keras_object`` rebuilds.

    >>> legacy = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
    ...     {"class_name": "Dense", "config": {"name": "d", "units": 2, "dtype": "float32",
    ...                                        "batch_input_shape": [None, 3]}}]}}
    >>> [e["class_name"] for e in keras3_model_config(legacy)["config"]["layers"]]
    ['InputLayer', 'Dense']
    """
    return _Upgrade(custom_objects).model(config, where)


# ------------------------------------------------- training config -> compile config

# tf.keras 2's mixed-precision wrappers (2.11+, and the OptimizerV2 one of TF <= 2.10).
_LOSS_SCALE = ("LossScaleOptimizerV3", "LossScaleOptimizer")


def _loss_scale_entry(inner, where):
    """tf.keras 2's ``LossScaleOptimizer(V3)`` as Keras 3's ``LossScaleOptimizer``: the
    same dynamic loss scale; a fixed one (``dynamic=False``) has no Keras 3 form."""
    inner = dict(inner)
    if inner.pop("dynamic", True) is not True:
        raise ValueError(
            f"{where}: the optimizer is a LossScaleOptimizer with a fixed loss scale "
            "(dynamic=False), which Keras 3 and kerasish do not have (their loss scale "
            "is dynamic). Load the model with compile=False and compile it yourself.")
    inner["inner_optimizer"] = _optimizer_entry(inner["inner_optimizer"], where)
    return {"module": "keras.optimizers", "class_name": "LossScaleOptimizer", "config": inner}


def _optimizer_entry(config, where):
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{where}: 'optimizer_config' is not an optimizer config: {config!r}")
    class_name = config["class_name"]
    if class_name in _LOSS_SCALE and isinstance(config.get("config"), dict) \
            and "inner_optimizer" in config["config"]:
        return _loss_scale_entry(config["config"], where)
    if class_name.startswith("Custom>"):  # tf.keras 2.11-2.15 registered its own this way
        class_name = class_name.split(">", 1)[1]
    inner = dict(config.get("config") or {})
    for key in _OPTIMIZER_DROPPED:
        inner.pop(key, None)
    if "lr" in inner and "learning_rate" not in inner:
        inner["learning_rate"] = inner.pop("lr")
    if inner.get("decay") in (0, 0.0, None):
        inner.pop("decay", None)
    if isinstance(inner.get("learning_rate"), dict) and "module" not in inner["learning_rate"]:
        inner["learning_rate"] = {**inner["learning_rate"],
                                  "module": "keras.optimizers.schedules"}
    entry = {"class_name": class_name, "config": inner}
    if class_name != config["class_name"] or "module" not in config:
        entry["module"] = "keras.optimizers"
    if config.get("registered_name") and not config["class_name"].startswith("Custom>"):
        entry["registered_name"] = config["registered_name"]
    return entry


def _loss_entry(value):
    """Loss objects written without a module (tf.keras 2): Keras's losses module;
    tf.keras 2's reduction 'auto' is Keras 3's default, 'sum_over_batch_size'; the
    name of the function tf.keras 2 wrote into its built-in loss classes
    (``Huber``'s ``"fn": "huber"``) dropped, as the class is that function."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] == "function":
            return value
        inner = dict(value["config"] or {})
        if inner.get("reduction") == "auto":
            inner["reduction"] = "sum_over_batch_size"
        if value["class_name"] != "LossFunctionWrapper" and isinstance(inner.get("fn"), str):
            del inner["fn"]
        return {**value, "config": inner, "module": value.get("module") or "keras.losses"}
    if isinstance(value, dict):
        return {k: _loss_entry(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_loss_entry(v) for v in value]
    return value


def _metric_entry(value, custom_objects):
    """tf.keras 2 wrote compiled metrics as objects; ``MeanMetricWrapper`` (its
    'accuracy' and the like) becomes one again around the named function."""
    if isinstance(value, dict) and value.get("class_name") == "MeanMetricWrapper":
        inner = value.get("config") or {}
        fn = inner.get("fn")
        if isinstance(fn, str):
            found = registration.get_registered_object(fn, custom_objects) or getattr(
                metrics_module, fn, None) or getattr(losses, fn, None)
            if not callable(found):
                raise ValueError(f"The saved metric {inner.get('name')!r} uses the function "
                                 f"{fn!r}, which kerasish does not know. Register it or pass "
                                 "it in custom_objects, or load with compile=False.")
            return metrics_module.MeanMetricWrapper(found, name=inner.get("name"),
                                                    dtype=inner.get("dtype"))
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] == "function":
            return value
        return {**value, "module": value.get("module") or "keras.metrics"}
    if isinstance(value, dict):
        return {k: _metric_entry(v, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_metric_entry(v, custom_objects) for v in value]
    return value


def _single_output_metrics(metrics, model):
    # tf.keras 2 nested the compiled metrics per output: [[m1, m2]] for one output.
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list) \
            and len(getattr(model, "outputs", None) or [None]) == 1:
        return metrics[0]
    return metrics


def _unprefixed(metrics, model):
    """tf.keras 2 named a multi-output model's metrics ``{output}_{metric}`` in the
    file; Keras 3 adds the output's name itself, so it is taken off here."""
    outputs = list(getattr(model, "output_names", None) or [])
    if len(outputs) < 2 or not isinstance(metrics, list) or len(metrics) != len(outputs):
        return metrics

    def strip(entry, prefix):
        config = entry.get("config") if isinstance(entry, dict) else None
        name = config.get("name") if isinstance(config, dict) else None
        if isinstance(name, str) and name.startswith(prefix) and len(name) > len(prefix):
            return {**entry, "config": {**config, "name": name[len(prefix):]}}
        return entry

    return [[strip(e, f"{out}_") for e in group] if isinstance(group, list) else
            strip(group, f"{out}_") for out, group in zip(outputs, metrics)]


def _metrics(value, model, custom_objects):
    return _single_output_metrics(_metric_entry(_unprefixed(value, model), custom_objects),
                                  model)


def compile_config(training, model, where="training_config", custom_objects=None):
    """A legacy ``training_config`` as the ``compile_config`` that
    ``serialization.compile_from_config`` takes."""
    if not isinstance(training, dict):
        raise ValueError(f"{where} is not a dict: {str(training)[:200]}")
    return {
        "optimizer": _optimizer_entry(training.get("optimizer_config"), where),
        "loss": _loss_entry(training.get("loss")),
        "metrics": _metrics(training.get("metrics"), model, custom_objects),
        "weighted_metrics": _metrics(training.get("weighted_metrics"), model, custom_objects),
        "loss_weights": training.get("loss_weights"),
        "steps_per_execution": training.get("steps_per_execution"),
    }
