"""Keras 3's weights layout in HDF5 (``model.weights.h5`` and ``*.weights.h5``).

Keras walks the model as an object graph and gives each layer (and the optimizer) a
group named by the path that reaches it::

    vars                          the model's own variables (usually none), attrs name=
    layers/dense/vars/0, /1       Sequential layers: snake_case class name, _1, _2 ...
    layers/normalization/vars/0   per layer: trainable variables first, then the rest
    d1/vars/0                     subclassed models: the attribute name
    optimizer/vars/0, /1, ...     iteration, learning rate, then the slots

The path never uses the layer's own ``name`` (auto names differ between processes);
every ``vars`` group carries it as the ``name`` attribute. Optimizer slots follow
the order in which Keras creates its variables: for Adam, momentum and velocity of
the first weight, then of the second, ...; for RMSprop all velocities, then all
momentums, then all average gradients.
"""

import re
import warnings

import h5py
import jax
import jax.numpy as jnp
import numpy as np

from kerasish.functional import Functional
from kerasish.layers.base import Layer
from kerasish.layers.preprocessing import Normalization
from kerasish.models import Model, Sequential
from kerasish.optimizers import Optimizer, OptaxOptimizer, OptimizerState
from kerasish.saving import graph

_BOMB_FLOOR = 1 << 32  # 4 GiB: above it an array must be mostly stored, not declared

# kerasish bookkeeping that refers to layers already reached through Keras's paths
# (Keras skips its own equivalents, e.g. `_layers`).
_PRIVATE = frozenset({
    "_layers", "_stack", "_input_layer", "_own_variables", "_output_tensor",
    "_input_tensor", "_split_cache", "_programs", "_predict_fns", "_opt_state",
    "_all_layers", "_nodes", "_loss_tracker", "_compiled_metrics", "_compile_config",
    "_opt_layout", "_adds_losses",
})


# ------------------------------------------------------------------ the walk

def keras_snake_case(name):
    """Keras's group name for a class: ``Conv1D`` -> ``conv1d``, ``InputLayer`` ->
    ``input_layer`` (a digit before a capital gets no underscore)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _name_key(name):
    return "~" + name if name.startswith("_") else name  # private attributes last


def _children(obj):
    """(attribute, value) pairs in the order Keras visits them."""
    if isinstance(obj, Functional):
        yield "layers", graph.layer_order(obj)  # InputLayers included, as in Keras
    elif isinstance(obj, Sequential):
        yield "layers", obj.layers
    attrs = {k: v for k, v in vars(obj).items() if k not in _PRIVATE}
    if isinstance(obj, Model) and not isinstance(obj, (Sequential, Functional)):
        attrs["layers"] = list(obj._layers)  # Keras's `Model.layers`, walked as an attribute
    for name in sorted(attrs, key=_name_key):
        yield name, attrs[name]


def _is_loss_scale(obj):
    # Duck-typed: LossScaleOptimizer wraps an optimizer and owns the loss scale.
    return hasattr(obj, "inner_optimizer") and hasattr(obj, "scale_of")


def is_optimizer(obj):
    """An optimizer whose state has Keras's layout (optax wrappers have none)."""
    return (isinstance(obj, Optimizer) and not isinstance(obj, OptaxOptimizer)) \
        or _is_loss_scale(obj)


def _is_saveable(obj, include_optimizer):
    return isinstance(obj, Layer) or (include_optimizer and is_optimizer(obj))


def walk(model, include_optimizer=True):
    """[(path, layer or optimizer)] in Keras's order; each object once, at the first
    path that reaches it."""
    found, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        if isinstance(obj, Layer):
            for name, child in _children(obj):
                visit_value(child, f"{path}/{name}" if path else name, set())
        elif _is_loss_scale(obj):
            visit(obj.inner_optimizer, f"{path}/inner_optimizer")

    def visit_value(value, path, seen):
        if _is_saveable(value, include_optimizer):
            visit(value, path)
        elif isinstance(value, (list, tuple, dict)) and id(value) not in seen:
            seen.add(id(value))
            used = {}
            for item in (value.values() if isinstance(value, dict) else value):
                if _is_saveable(item, include_optimizer):
                    visit(item, f"{path}/{_unique(keras_snake_case(type(item).__name__), used)}")
                elif isinstance(item, (list, tuple, dict)):
                    visit_value(item, f"{path}/{_unique('container', used)}", seen)

    visit(model, "")
    return found


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def saved_variables(layer):
    """The variables Keras writes for ``layer`` itself: trainable, then the rest."""
    if isinstance(layer, Normalization) and layer.input_mean is not None:
        return []  # Keras keeps given statistics as constants, not variables
    own = layer._own_variables
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _group_path(path):
    return f"{path}/vars" if path else "vars"


# -------------------------------------------------------------- optimizer state

def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _slot_parts(slots):
    """The named tuples of per-weight trees inside an optax chain state."""
    parts = slots if (isinstance(slots, tuple) and not _is_namedtuple(slots)) else (slots,)
    return [(i, p) for i, p in enumerate(parts) if _is_namedtuple(p)]


def _slot_refs(optimizer, slots, trainable):
    """[(part index, field, layer name, weight name)] in Keras's variable order (the
    optimizer's ``slot_order``)."""
    keys = [(v._owner.name, v.name) for v in trainable]
    return [(r.part, r.field, *r.weight_key) for r in optimizer.slot_layout(slots, keys)]


def _model_state(model):
    """The model's optimizer state (fresh before any training), with the learning
    rate the user may have set since."""
    optimizer = model.optimizer
    fresh = optimizer.init(model.current_params()[0])
    state = model.get_optimizer_state() if hasattr(model, "get_optimizer_state") else None
    if state is None or jax.tree_util.tree_structure(state.slots) != jax.tree_util.tree_structure(
            fresh.slots):
        state = fresh if state is None else fresh._replace(iterations=state.iterations)
    return optimizer.sync_to_state(state)


def _inner(state):
    return OptimizerState(state.iterations, state.learning_rate, state.slots.inner)


def _arrays(optimizer, state, trainable):
    # The optimizer's own Keras-ordered list: it also holds the state that is not one
    # slot per weight (Nadam's u_product, Adafactor's factored moments).
    optimizer.build(trainable)
    return [np.asarray(x) for x in optimizer.state_to_variables(state)]


def optimizer_arrays(model, optimizer=None):
    """The variables of ``optimizer`` (the model's, or the one a LossScaleOptimizer
    wraps) in Keras's order: iteration, learning rate (unless it is a schedule), then
    every slot. A LossScaleOptimizer's own list is Keras's: its unused iteration and
    learning rate (0), the count of finite steps, the loss scale, then the inner list."""
    optimizer = optimizer or model.optimizer
    state, trainable = _model_state(model), model._variables_split()[0]
    if not _is_loss_scale(model.optimizer):
        return _arrays(optimizer, state, trainable)
    inner = _arrays(model.optimizer.inner_optimizer, _inner(state), trainable)
    if optimizer is model.optimizer:
        return [np.int32(0), np.float32(0.0), np.asarray(state.slots.good_steps, np.int32),
                np.asarray(state.slots.scale, np.float32)] + inner
    return inner


def optimizer_state_from_arrays(model, arrays, where):
    """The model's OptimizerState from ``arrays`` ({optimizer: its arrays}).

    Returns None (after a warning, as Keras does) when a count does not match the
    optimizer; a file saved before any training step (iteration and learning rate
    only) gives fresh slots.
    """
    optimizer = model.optimizer
    trainable = model._variables_split()[0]
    fresh = optimizer.init(model.current_params()[0])
    if not _is_loss_scale(optimizer):
        return _state(optimizer, fresh, arrays.get(optimizer), trainable, where, "optimizer")
    outer = arrays.get(optimizer)
    inner = _state(optimizer.inner_optimizer, _inner(fresh), arrays.get(optimizer.inner_optimizer),
                   trainable, where, "optimizer/inner_optimizer")
    if inner is None or outer is None or len(outer) < 4:
        return None
    slots = fresh.slots._replace(
        inner=inner.slots, good_steps=jnp.asarray(np.asarray(outer[2]).astype(np.int32).reshape(())),
        scale=jnp.asarray(np.asarray(outer[3], np.float32).reshape(())))
    return OptimizerState(inner.iterations, inner.learning_rate, slots)


def _state(optimizer, fresh, arrays, trainable, where, path):
    if arrays is None:
        return None
    optimizer.build(trainable)
    expected = optimizer.variables
    n_counters = 1 if optimizer._schedule is not None else 2
    if len(arrays) not in (n_counters, len(expected)):
        warnings.warn(
            f"Skipping the optimizer state in {where}: '{path}' has {len(arrays)} "
            f"variables, this {type(optimizer).__name__} needs {len(expected)} "
            f"(iteration, learning rate and {len(expected) - n_counters} slots). "
            "Training will restart the optimizer from fresh state.",
            UserWarning, stacklevel=5,
        )
        return None
    if len(arrays) == n_counters:  # saved before any step: fresh slots
        arrays = list(arrays) + optimizer.state_to_variables(fresh)[n_counters:]
    for k in range(n_counters, len(arrays)):
        _check_array(np.asarray(arrays[k]), expected[k], f"{path}/vars/{k}", where,
                     what=f"the optimizer variable {expected[k].path!r}")
    state = optimizer.variables_to_state(list(arrays))
    return state if n_counters == 2 else state._replace(learning_rate=fresh.learning_rate)


def _copy_tree(tree):
    return {k: _copy_tree(v) if isinstance(v, dict) else v for k, v in tree.items()}


def _rebuild_slots(slots, parts):
    rebuilt = []
    for i, part in enumerate(slots if (isinstance(slots, tuple) and not _is_namedtuple(slots))
                             else (slots,)):
        rebuilt.append(part._replace(**parts[i]) if i in parts and parts[i] else part)
    if isinstance(slots, tuple) and not _is_namedtuple(slots):
        return tuple(rebuilt)
    return rebuilt[0]


# ------------------------------------------------------------------- writing

def write(h5, model, include_optimizer=True):
    """Write ``model``'s weights (and optimizer state) into the open file ``h5``."""
    with_optimizer = include_optimizer and bool(getattr(model, "compiled", False))
    for path, obj in walk(model, with_optimizer):
        group = h5.create_group(_group_path(path))
        group.attrs["name"] = obj.name
        if is_optimizer(obj):
            values = optimizer_arrays(model, obj)
        elif _own_store(obj, "save_own_variables"):
            store = {}
            obj.save_own_variables(store)  # a layer's own keys (Keras's text layers: idf)
            for key, value in store.items():
                _write_array(group, str(key), np.asarray(value))
            continue
        else:
            values = [np.asarray(v.value) for v in saved_variables(obj)]
        for i, value in enumerate(values):
            _write_array(group, str(i), value)


def _own_store(obj, method):
    """True for a layer that overrides Keras's ``save_own_variables`` /
    ``load_own_variables`` (a text layer's idf weights, a user's extra keys): its
    weights group is what its method writes or reads. Other layers' groups are
    written and checked here, in one pass with the rest of the model, so that a
    mismatch anywhere assigns nothing."""
    return isinstance(obj, Layer) and getattr(type(obj), method, None) is not \
        getattr(Layer, method)


def _write_array(group, key, value):
    if value.dtype.name == "bfloat16":  # h5py stores it as 2 opaque bytes, tagged (Keras)
        dataset = group.create_dataset(key, data=value)
        dataset.attrs["dtype"] = "bfloat16"
    else:
        group.create_dataset(key, data=value)


# ------------------------------------------------------------------- reading

def _group(h5, path):
    """The group at ``path``, or None; links of any kind are refused."""
    current = h5
    for part in path.split("/"):
        if not isinstance(current, h5py.Group) or part not in current:
            return None
        link = current.get(part, getlink=True)
        if not isinstance(link, h5py.HardLink):
            raise ValueError(f"Refusing an HDF5 {type(link).__name__} at '{path}'.")
        current = current[part]
    return current if isinstance(current, h5py.Group) else None


def _read_dataset(group, key, path, where):
    if key not in group:
        return None
    link = group.get(key, getlink=True)
    item = group[key] if isinstance(link, h5py.HardLink) else None
    if item is None or not isinstance(item, h5py.Dataset) or item.external or item.is_virtual:
        raise ValueError(
            f"{where}: '{path}/{key}' is not a plain dataset (links, external and virtual "
            "datasets are refused)."
        )
    return item


def _check_array(value, var, path, where, what=None, file_dtype=None):
    shape = tuple(value.shape)
    what = what or f"weight {var.path!r}"
    if shape != tuple(var.shape):
        raise ValueError(
            f"{where}: {what} has shape {shape} in the file ('{path}') but "
            f"{tuple(var.shape)} in the model."
        )
    file_dtype = np.dtype(file_dtype or value.dtype)
    if not _convertible(file_dtype, np.dtype(var.dtype)):
        raise ValueError(
            f"{where}: {what} has dtype {file_dtype} in the file ('{path}'), which cannot "
            f"be converted to the model's {var.dtype}."
        )


def _check_unexpected(dataset, bfloat16, path, where):
    """Checks for an array with no model weight to compare with (optimizer state)."""
    if dataset.dtype.kind not in "biuf" and not bfloat16:
        raise ValueError(f"{where}: '{path}' is not numeric (dtype {dataset.dtype}).")
    declared = int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    if declared > _BOMB_FLOOR and declared > 1000 * dataset.id.get_storage_size():
        raise ValueError(f"{where}: '{path}' declares {declared} bytes but stores almost "
                         "none; refusing it (a decompression bomb?).")


def _kind(dtype):
    return "f" if dtype.name == "bfloat16" else dtype.kind


def _convertible(src, dst):
    """Same dtype, or a conversion numpy calls 'same_kind' (float64 -> float32 yes,
    float -> int no)."""
    order = "buif"
    a, b = _kind(src), _kind(dst)
    return src == dst or (a in order and b in order and order.index(a) <= order.index(b))


def _read_group(h5, path, expected, where):
    """The arrays under ``path``/vars, checked against ``expected`` variables (or just
    read, when ``expected`` is None)."""
    group = _group(h5, _group_path(path))
    keys = [] if group is None else list(group.keys())
    count = len(keys) if expected is None else len(expected)
    if expected is not None and len(keys) != count:
        names = [v.path for v in expected]
        raise ValueError(
            f"{where}: '{_group_path(path)}' holds {len(keys)} arrays but the model's "
            f"layer there expects {count} ({names})."
        )
    arrays = []
    for i in range(count):
        dataset = _read_dataset(group, str(i), _group_path(path), where)
        if dataset is None:
            raise ValueError(f"{where}: '{_group_path(path)}/{i}' is missing.")
        bfloat16 = dataset.attrs.get("dtype") == "bfloat16"
        if expected is not None:
            _check_array(dataset, expected[i], f"{_group_path(path)}/{i}", where,
                         file_dtype=jnp.bfloat16 if bfloat16 else None)
        else:
            _check_unexpected(dataset, bfloat16, f"{_group_path(path)}/{i}", where)
        value = np.asarray(dataset[()])
        if bfloat16:
            if value.dtype.itemsize != 2:
                raise ValueError(f"{where}: '{_group_path(path)}/{i}' is not bfloat16 data.")
            value = value.view(jnp.bfloat16)
        arrays.append(value)
    return arrays


def _read_store(h5, path, where):
    """{key: array} of the ``vars`` group at ``path`` (empty when there is none)."""
    group = _group(h5, _group_path(path))
    store = {}
    for key in ([] if group is None else list(group.keys())):
        dataset = _read_dataset(group, key, _group_path(path), where)
        bfloat16 = dataset.attrs.get("dtype") == "bfloat16"
        _check_unexpected(dataset, bfloat16, f"{_group_path(path)}/{key}", where)
        value = np.asarray(dataset[()])
        store[key] = value.view(jnp.bfloat16) if bfloat16 else value
    return store


def read(h5, model, where, skip_mismatch=False, load_optimizer=True):
    """Check every array in ``h5`` against ``model``, then assign them all.

    Nothing is assigned unless every layer matches (with ``skip_mismatch=True``,
    mismatching layers are skipped with a warning instead).
    """
    with_optimizer = load_optimizer and bool(getattr(model, "compiled", False)) \
        and is_optimizer(getattr(model, "optimizer", None))
    assignments, optimizer_arrays_read, own_stores = [], {}, []
    used = set()
    for path, obj in walk(model, with_optimizer):
        used.add(_group_path(path))
        if is_optimizer(obj):
            if _group(h5, _group_path(path)) is not None:
                optimizer_arrays_read[obj] = _read_group(h5, path, None, where)
            continue
        if _own_store(obj, "load_own_variables"):
            try:
                own_stores.append((obj, _read_store(h5, path, where)))
            except ValueError as e:
                if not skip_mismatch:
                    raise
                warnings.warn(f"Skipping layer {obj.name!r}: {e}", UserWarning, stacklevel=3)
            continue
        expected = saved_variables(obj)
        try:
            arrays = _read_group(h5, path, expected, where)
        except ValueError as e:
            if not skip_mismatch:
                raise
            warnings.warn(f"Skipping layer {obj.name!r}: {e}", UserWarning, stacklevel=3)
            continue
        assignments.extend(zip(expected, arrays))
    _warn_unused(h5, used, where)
    opt_state = None
    if optimizer_arrays_read:
        opt_state = optimizer_state_from_arrays(model, optimizer_arrays_read, where)
    for obj, store in own_stores:
        obj.load_own_variables(store)
    for var, value in assignments:
        var.assign(np.asarray(value).astype(var.dtype))
    if opt_state is not None:
        model.set_optimizer_state(opt_state)


def _warn_unused(h5, used, where):
    unused = []

    def visit(name, item):
        if isinstance(item, h5py.Group) and (name == "vars" or name.endswith("/vars")) \
                and len(item) \
                and name not in used and not name.startswith("optimizer"):
            unused.append(name)

    h5.visititems(visit)
    if unused:
        warnings.warn(
            f"{where} holds weights the model has no place for: {sorted(unused)}. "
            "Was it saved from a different architecture?", UserWarning, stacklevel=4)
