"""The legacy HDF5 model format (``model.save("m.h5")``) of Keras 2, tf.keras and
Keras 3's legacy writer, both ways.

A full-model file::

    attrs   keras_version, backend, model_config (JSON), training_config (JSON, if compiled)
    model_weights/                  attrs layer_names, keras_version, backend
    model_weights/<layer>/          attrs weight_names, e.g. ["dense/kernel:0", "dense/bias:0"]
    model_weights/<layer>/<weight name>   one dataset per weight (the name is a path)
    model_weights/top_level_model_weights/   the model's own variables (Keras 3; usually none)
    optimizer_weights/              attrs weight_names; iteration, learning rate, slots

A weights-only file (tf.keras 2's ``save_weights("w.h5")``) holds what ``model_weights``
holds, at its root. A layer's weights are its trainable weights, then the others.
Attribute lists longer than HDF5's 64 KiB header limit are split into ``name0``,
``name1``, ... (Keras's rule).

The model config inside may be Keras 3's or tf.keras 2's; ``legacy_config.py`` turns
either (and ``training_config``) into what the ``.keras`` reader takes, and
``legacy_optimizer.py`` reads tf.keras 2's optimizer variables.

This module works on open ``h5py`` files and bytes; ``files.py`` handles the paths.

>>> import h5py, io, numpy as np, kerasish
>>> model = kerasish.Sequential([kerasish.Input((3,)), kerasish.layers.Dense(2)])
>>> data = model_file_bytes(model, include_optimizer=True)
>>> with h5py.File(io.BytesIO(data), "r") as h5:
...     again = load_model(h5, "the bytes")
...     names = load_attribute_list(h5["model_weights"], "layer_names")
>>> names == [model.layers[0].name], bool(np.array_equal(again.layers[0].kernel.numpy(),
...                                                      model.layers[0].kernel.numpy()))
(True, True)
"""

import io
import json
import warnings

import h5py
import jax.numpy as jnp
import numpy as np

from kerasish.functional import Functional
from kerasish.layers.preprocessing import Normalization
from kerasish.models import Model
from kerasish.saving import graph, legacy_optimizer, serialization, weights
from kerasish.saving.legacy_config import _MODEL_CLASSES, compile_config, keras3_model_config

HDF5_OBJECT_HEADER_LIMIT = 64512  # bytes an HDF5 attribute may hold (Keras splits above it)
# What the files say wrote them: the oldest Keras whose legacy writer this one follows.
KERAS_VERSION = "3.0.0"
BACKEND = "jax"
TOP_LEVEL = "top_level_model_weights"

DEPRECATION = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy. We "
    "recommend using instead the native Keras format, e.g. "
    "`model.save('my_model.keras')` or `keras.saving.save_model(model, 'my_model.keras')`."
)

# ------------------------------------------------------------------- attributes

def _text(value):
    """An attribute as str (h5py gives bytes for Keras's fixed-length strings)."""
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else value


def save_attribute_list(group, name, data):
    """``group.attrs[name] = data`` (a list of bytes), split into ``name0``, ``name1``,
    ... when it is over HDF5's header limit, as Keras writes it."""
    too_long = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save the names {too_long[:3]} in HDF5: each must be "
                         f"under {HDF5_OBJECT_HEADER_LIMIT} bytes. Use shorter layer names.")
    array = np.asarray(data)
    chunks = 1
    parts = np.array_split(array, chunks)
    while any(p.nbytes > HDF5_OBJECT_HEADER_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks > 1:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = data


def load_attribute_list(group, name):
    """The list ``save_attribute_list`` wrote, as str."""
    if name in group.attrs:
        values = group.attrs[name]
        return [_text(v) for v in np.atleast_1d(values)] if np.size(values) else []
    found, i = [], 0
    while f"{name}{i}" in group.attrs:
        found += [_text(v) for v in np.atleast_1d(group.attrs[f"{name}{i}"])]
        i += 1
    return found


def is_legacy(h5):
    """Whether the open file is in the legacy layout (full model or weights only)."""
    return "model_config" in h5.attrs or _has_layer_names(h5) or (
        "model_weights" in h5 and _has_layer_names(h5["model_weights"]))


def _has_layer_names(group):
    return "layer_names" in group.attrs or "layer_names0" in group.attrs


# --------------------------------------------------------------------- weights

def model_layers(model):
    """The layers in the order of Keras's ``model.layers``: a Sequential's without its
    InputLayer, a functional model's in Keras's graph order (InputLayers included)."""
    if isinstance(model, Functional):
        return graph.layer_order(model)
    return list(model.layers)


def legacy_weights(layer):
    """Keras's order for a layer in these files: trainable weights, then the others
    (a Normalization given its statistics holds constants, not weights, in Keras)."""
    found = list(layer.trainable_weights) + list(layer.non_trainable_weights)
    return [v for v in found if not (isinstance(v._owner, Normalization)
                                     and v._owner.input_mean is not None)]


def _unique_names(variables):
    names, used = [], set()
    for v in variables:
        name, k = v.path, 1
        while name in used:
            name, k = f"{v.path}_{k}", k + 1
        used.add(name)
        names.append(name)
    return names


def _write_subset(group, variables):
    names = _unique_names(variables)
    save_attribute_list(group, "weight_names", [n.encode("utf-8") for n in names])
    for name, v in zip(names, variables):
        value = np.asarray(v.value)
        if value.dtype.name == "bfloat16":  # stored as 2 opaque bytes, tagged (as weights.py)
            group.create_dataset(name, data=value).attrs["dtype"] = "bfloat16"
        else:
            group.create_dataset(name, data=value)


def write_weights(group, model):
    """``model``'s weights into ``group`` (``model_weights``, or a weights file's root)."""
    layers = model_layers(model)
    save_attribute_list(group, "layer_names", [la.name.encode("utf-8") for la in layers])
    group.attrs["backend"] = BACKEND.encode("utf-8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf-8")
    # Sorted by name, as Keras writes them (no group name is a prefix of a later one).
    for layer in sorted(layers, key=lambda la: la.name):
        _write_subset(group.create_group(layer.name), legacy_weights(layer))
    _write_subset(group.create_group(TOP_LEVEL), weights.saved_variables(model))


def _dataset(group, name, where):
    """The dataset at ``name`` (a path under ``group``); links of any kind refused."""
    parts = name.split("/")
    parent = group if len(parts) == 1 else weights._group(group, "/".join(parts[:-1]))
    dataset = None if parent is None else weights._read_dataset(parent, parts[-1],
                                                                 group.name, where)
    if dataset is None:
        raise ValueError(f"{where}: '{group.name}' names the weight {name!r} in its "
                         "weight_names, but holds no such dataset. The file is damaged.")
    return dataset


def _read_array(dataset, var, path, where):
    bfloat16 = dataset.attrs.get("dtype") == "bfloat16"
    weights._check_array(dataset, var, path, where, file_dtype=jnp.bfloat16 if bfloat16 else None)
    value = np.asarray(dataset[()])
    if bfloat16:
        value = value.view(jnp.bfloat16)
    return value


def _weight_key(name):
    """``"model/dense/kernel:0"`` -> ``("dense", "kernel")``: owner layer and weight."""
    parts = name.split(":")[0].split("/")
    return tuple(parts[-2:]) if len(parts) >= 2 else (None, parts[-1])


def _match(group, expected, where):
    """[(variable, dataset)] for one layer's group: by owner and weight name when every
    name in the file finds exactly one weight of the layer, else by position (Keras's
    rule). Shapes and dtypes are checked by the caller."""
    names = load_attribute_list(group, "weight_names")
    if len(names) != len(expected):
        raise ValueError(
            f"{where}: '{group.name}' holds {len(names)} weights {names} but the model's "
            f"layer expects {len(expected)} ({[v.path for v in expected]}). Was the file "
            "saved from a different architecture?")
    by_key = {}
    for v in expected:
        by_key.setdefault((v._owner.name, v.name), []).append(v)
    keyed = [by_key.get(_weight_key(n), []) for n in names]
    if all(len(k) == 1 for k in keyed) and len({id(k[0]) for k in keyed}) == len(names):
        ordered = [k[0] for k in keyed]
    else:
        ordered = expected
    return [(v, _dataset(group, n, where), n) for v, n in zip(ordered, names)]


def read_weights(group, model, where, skip_mismatch=False, by_name=False, matching_only=False):
    """Check every array in ``group`` against ``model``, then assign them all.

    Layers with weights are paired with the file's layers (those with weights) by name
    when ``by_name`` is set and the names agree, else in order (Keras's rule).
    ``matching_only`` (``load_weights(by_name=True)``): only the layers whose name is in
    the file, by name; the others on either side are left alone, as in Keras."""
    version = _text(group.attrs.get("keras_version", ""))
    if str(version).startswith("1."):
        raise ValueError(
            f"{where} was written by Keras {version}, whose weight layouts (e.g. Theano "
            "kernels) differ. Load it with Keras 2, save it again, then load that file.")
    if _text(group.attrs.get("backend", "")) == "theano":
        raise ValueError(f"{where} was written with the Theano backend, whose convolution "
                         "kernels are flipped. Convert it with Keras 2 first.")
    file_layers = []
    for name in load_attribute_list(group, "layer_names"):
        sub = weights._group(group, name)
        if sub is None:
            raise ValueError(f"{where}: layer_names lists {name!r}, but '{group.name}' has no "
                             "such group. The file is damaged.")
        if load_attribute_list(sub, "weight_names"):
            file_layers.append((name, sub))
    ours = [la for la in model_layers(model) if legacy_weights(la)]
    names = [la.name for la in ours]
    if matching_only:
        subs = dict(file_layers)
        pairs = [(la, subs[la.name]) for la in ours if la.name in subs]
    elif by_name and sorted(names) == sorted(n for n, _ in file_layers):
        subs = dict(file_layers)
        pairs = [(la, subs[la.name]) for la in ours]
    elif len(ours) != len(file_layers):
        raise ValueError(
            f"{where}: layer count mismatch. The model has {len(ours)} layers with weights "
            f"{names}; the file has {len(file_layers)} {[n for n, _ in file_layers]}. "
            "Build the same architecture as the one that was saved.")
    else:
        pairs = [(la, sub) for la, (_, sub) in zip(ours, file_layers)]
    assignments = []
    for layer, sub in pairs:
        try:
            found = [(v, _read_array(d, v, f"{sub.name}/{n}", where))
                     for v, d, n in _match(sub, legacy_weights(layer), where)]
        except ValueError as e:
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping layer {layer.name!r}: {e}", UserWarning, stacklevel=4)
            continue
        assignments += found
    top = weights._group(group, TOP_LEVEL)
    own = weights.saved_variables(model)
    if top is not None and (own or load_attribute_list(top, "weight_names")):
        assignments += [(v, _read_array(d, v, f"{top.name}/{n}", where))
                        for v, d, n in _match(top, own, where)]
    for var, value in assignments:
        var.assign(np.asarray(value).astype(var.dtype))


# ---------------------------------------------------------------------- writing

def _legacy_entry(entry):
    """A Keras 3 config entry as the legacy writer gives it: ``{"class_name", "config"}``
    (the registered name for user classes), models' layers likewise; functional
    layers keep their ``name`` and ``inbound_nodes``."""
    config = entry["config"]
    if isinstance(config, dict) and isinstance(config.get("layers"), list) \
            and entry["class_name"] in _MODEL_CLASSES:
        config = {**config, "layers": [_legacy_entry(e) for e in config["layers"]]}
    legacy = {"class_name": entry.get("registered_name") or entry["class_name"],
              "config": config}
    for key in ("name", "inbound_nodes"):
        if key in entry:
            legacy[key] = entry[key]
    return legacy


def model_config(model):
    """The ``model_config`` root attribute: Keras 3's legacy writer's form."""
    entry = serialization.serialize_keras_object(model)
    return _legacy_entry(entry)


def _function_names(value):
    """Functions as the legacy writer saves them: by (registered) name."""
    if isinstance(value, dict) and value.get("class_name") == "function":
        return value.get("config")
    if isinstance(value, dict):
        return {k: _function_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_function_names(v) for v in value]
    return value


def training_config(model):
    """The ``training_config`` root attribute: compile()'s arguments, the optimizer
    as ``optimizer_config``."""
    config = dict(serialization.compile_config(model))
    optimizer = config.pop("optimizer")
    config = _function_names(config)
    config["optimizer_config"] = {
        "class_name": optimizer.get("registered_name") or optimizer["class_name"],
        "config": optimizer["config"]}
    return config


def _optimizer_arrays(model):
    """(names, arrays) of the optimizer's variables in Keras's order, or None when the
    model has no optimizer whose state has Keras's layout."""
    optimizer = model.optimizer
    if not weights.is_optimizer(optimizer) or weights._is_loss_scale(optimizer):
        return None
    arrays = weights.optimizer_arrays(model)
    state = weights._model_state(model)
    trainable = model._variables_split()[0]
    keys = [(v._owner.name, v.name) for v in trainable]
    by_key = dict(zip(keys, trainable))
    names = [f"{optimizer.name}/iteration"]
    if optimizer._schedule is None:
        names.append(f"{optimizer.name}/learning_rate")
    names += [f"{optimizer.name}/{by_key[ref.weight_key].path.replace('/', '_')}_{ref.name}"
              for ref in optimizer.slot_layout(state.slots, keys)]
    if len(names) != len(arrays):  # a custom transform's extra state: numbered names
        names = [f"{optimizer.name}/variable_{i}" for i in range(len(arrays))]
    return names, arrays


def model_file_bytes(model, include_optimizer=True):
    """A legacy ``.h5`` model file, in memory: everything is serialized first, so a
    model that cannot be saved raises before any file is touched."""
    config_json = json.dumps(model_config(model)).encode("utf-8")
    compiled = include_optimizer and bool(getattr(model, "compiled", False))
    training_json = json.dumps(training_config(model)).encode("utf-8") if compiled else None
    optimizer = _optimizer_arrays(model) if compiled else None
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.attrs["keras_version"] = KERAS_VERSION
        h5.attrs["backend"] = BACKEND
        h5.attrs["model_config"] = config_json
        if training_json is not None:
            h5.attrs["training_config"] = training_json
        write_weights(h5.create_group("model_weights"), model)
        if optimizer is not None:
            group = h5.create_group("optimizer_weights")
            names, arrays = optimizer
            save_attribute_list(group, "weight_names", [n.encode("utf-8") for n in names])
            for name, value in zip(names, arrays):
                group.create_dataset(name, data=np.asarray(value))
    return buffer.getvalue()


def weights_file_bytes(model):
    """A legacy weights-only ``.h5`` file (tf.keras 2's ``save_weights``), in memory."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_weights(h5, model)
    return buffer.getvalue()


# ---------------------------------------------------------------------- reading

def _json_attr(h5, name, where):
    raw = _text(h5.attrs.get(name))
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, json.JSONDecodeError, RecursionError) as e:
        raise ValueError(f"{where}: the '{name}' attribute is not valid JSON "
                         f"({type(e).__name__}: {e}).") from e


def load_model(h5, where, custom_objects=None, compile=True, safe_mode=True):
    """The model in the open legacy file ``h5``: rebuilt from ``model_config``, its
    weights loaded (every array checked first), compiled from ``training_config``
    unless ``compile=False``; the optimizer state of files written by Keras 3 (or
    kerasish) restored too."""
    config = _json_attr(h5, "model_config", where)
    if config is None:
        kind = "legacy weights-only" if "layer_names" in h5.attrs else "weights"
        raise ValueError(
            f"{where} is a {kind} file: load it with model.load_weights(path) into a "
            "model built in code. It holds no model config (architecture), only weights.")
    upgraded = keras3_model_config(config, f"{where}: model_config", custom_objects)
    serialization.check_no_code(upgraded, "model_config")
    model = serialization.deserialize_keras_object(upgraded, custom_objects, safe_mode)
    if not isinstance(model, Model):
        raise ValueError(f"{where}: model_config describes a {type(model).__name__}, not a "
                         "model.")
    group = weights._group(h5, "model_weights")
    if group is None:
        raise ValueError(f"{where} has a model config but no 'model_weights' group: it is "
                         "incomplete or damaged.")
    read_weights(group, model, where, by_name=True)
    training = _json_attr(h5, "training_config", where) if compile else None
    if compile and training is None:
        warnings.warn(f"No training configuration found in {where}, so the model was *not* "
                      "compiled. Compile it manually.", UserWarning, stacklevel=3)
    if training is not None:
        try:
            serialization.compile_from_config(
                model, compile_config(training, model, f"{where}: training_config",
                                      custom_objects), custom_objects)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{where}: cannot compile the model as its training_config says "
                          f"({e}). Load it with compile=False and call compile() "
                          "yourself.") from e
        _load_optimizer(h5, model, where)
    return model


def _load_optimizer(h5, model, where):
    """The optimizer state: Keras 3's list as it is; tf.keras 2's (another layout, no
    learning rate) through ``legacy_optimizer``; a warning when it cannot be restored."""
    group = weights._group(h5, "optimizer_weights")
    if group is None or not weights.is_optimizer(model.optimizer):
        return
    version = str(_text(h5.attrs.get("keras_version", "")))

    def read(name):
        dataset = _dataset(group, name, where)
        weights._check_unexpected(dataset, False, f"optimizer_weights/{name}", where)
        return np.asarray(dataset[()])

    names = load_attribute_list(group, "weight_names")
    try:
        if not version.startswith("3"):
            legacy_optimizer.restore(names, read, model, where)
            return
        if weights._is_loss_scale(model.optimizer):
            raise legacy_optimizer.NotRestored(
                "a LossScaleOptimizer's state is laid out differently")
    except legacy_optimizer.NotRestored as e:
        warnings.warn(
            f"{where}: the optimizer state saved by Keras {version or '(unknown)'} is not "
            f"restored ({e}); training starts from a fresh optimizer state.",
            UserWarning, stacklevel=4)
        return
    arrays = [read(name) for name in names]
    state = weights.optimizer_state_from_arrays(model, {model.optimizer: arrays}, where)
    if state is not None:
        model.set_optimizer_state(state)


def load_weights(h5, model, where, skip_mismatch=False, by_name=False):
    """Load a legacy file's weights (a full-model file's ``model_weights``, or a
    weights-only file) into ``model``, layer by layer in order, as Keras does (or, with
    ``by_name``, into the layers whose names are in the file)."""
    group = h5
    if not _has_layer_names(h5) and "model_weights" in h5:
        group = weights._group(h5, "model_weights")
    if group is None or not _has_layer_names(group):
        raise ValueError(f"{where} is not a legacy Keras weights file: it has no "
                         "'layer_names' attribute.")
    read_weights(group, model, where, skip_mismatch=skip_mismatch, matching_only=by_name)
