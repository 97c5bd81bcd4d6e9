"""tf.keras 2's optimizer variables (the ``optimizer_weights`` group of a legacy
``.h5`` file) as the state of the kerasish optimizer ``training_config`` rebuilt.

tf.keras 2 wrote them in one of two layouts, neither with the learning rate (it is in
``training_config``):

* TensorFlow 2.11 to 2.15 (its current optimizers): ``iteration:0``, then each
  trainable weight's slots in the model's order, named ``{optimizer}/{slot}/{weight}``:
  ``Adam/m/dense/kernel:0``, ``Adam/v/dense/kernel:0``, ``Adam/m/dense/bias:0`` ...
* TensorFlow 2.10 and before, and ``tf.keras.optimizers.legacy``: ``{optimizer}/iter:0``,
  then one slot for every weight, then the next: ``Adam/dense/kernel/m:0``,
  ``Adam/dense/bias/m:0``, ... ``Adam/dense/kernel/v:0`` ...

Keras 3 reads neither (it warns and starts from fresh state). Here each slot is
matched to its weight by position and checked by the weight's name and shape, then
the arrays are handed over in Keras 3's order.

Nadam's running product of momentum factors u(t) = beta_1 (1 - 0.5 * 0.96^t) was kept
outside tf.keras 2.11+'s variables (tf.keras restarts it from 1 after loading). Run as
a ``tf.function`` (``fit``'s default), tf.keras multiplied it once per trainable weight
at every step (its Python step counter is fixed when the function is traced), so it
is rebuilt as the product of u(t)^n for n trainable weights: training then continues
as it would have in tf.keras (checked against tf.keras's uninterrupted run).
"""

import re
import warnings

import numpy as np

from kerasish.saving import weights

# tf.keras 2 slot names -> Keras 3's, per optimizer class and layout.
_ADAM = {"m": "momentum", "v": "velocity", "vhat": "velocity_hat"}
CURRENT = {
    "Adam": _ADAM, "AdamW": _ADAM, "Nadam": {"m": "momentum", "v": "velocity"},
    "Adamax": {"m": "momentum", "u": "norm"}, "SGD": {"m": "momentum"},
    "RMSprop": {"velocity": "velocity", "momentum": "momentum",
                "average_gradient": "average_gradient"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accumulated_grad": "accumulated_grad",
                 "accumulated_delta_var": "accumulated_delta_var"},
    "Ftrl": {"accumulator": "accumulator", "linear": "linear"},
    "Lion": {"m": "momentum"},
}
# use_ema=True adds the weights' moving averages to any of them.
CURRENT = {name: {**table, "average": "average"} for name, table in CURRENT.items()}
# The OptimizerV2 classes (legacy Nadam kept a momentum cache of another formula: absent).
LEGACY = {
    "Adam": _ADAM, "Adamax": {"m": "momentum", "v": "norm"}, "SGD": {"momentum": "momentum"},
    "RMSprop": {"rms": "velocity", "momentum": "momentum", "mg": "average_gradient"},
    "Adagrad": {"accumulator": "accumulator"},
    "Adadelta": {"accum_grad": "accumulated_grad", "accum_var": "accumulated_delta_var"},
    "Ftrl": {"accumulator": "accumulator", "linear": "linear"},
}
_SUFFIX = re.compile(r":\d+$")


class NotRestored(ValueError):
    """Why a file's optimizer variables cannot become this optimizer's state."""


def _parse(names, table, legacy, start):
    """{Keras 3 slot name: [weight path, ...]} from the slot variables' names (after
    ``start`` leading parts: the optimizer's name, absent inside tf.keras's loss-scale
    wrapper), in the file's order; None when a name is not of this layout."""
    kinds = {}
    for name in names:
        parts = _SUFFIX.sub("", name).split("/")[start:]
        if len(parts) < 2:
            return None
        slot, path = (parts[-1], parts[:-1]) if legacy else (parts[0], parts[1:])
        if slot not in table:
            return None
        kinds.setdefault(table[slot], []).append((name, "/".join(path)))
    return kinds


def _pair(kinds, trainable):
    """{(weight index, slot): file name}: each slot kind lists every trainable weight
    once, in the model's order, under the weight's own name."""
    found = {}
    for slot, entries in kinds.items():
        if len(entries) != len(trainable):
            raise NotRestored(f"it holds '{slot}' for {len(entries)} weights, the model "
                              f"has {len(trainable)} trainable weights")
        for i, ((name, path), var) in enumerate(zip(entries, trainable)):
            if path.split("/")[-1] != var.name:
                raise NotRestored(f"its {name!r} does not belong to the weight "
                                  f"{var.path!r} at the same position")
            found[(i, slot)] = name
    return found


def _nadam_product(optimizer, iterations, n_weights):
    """The product tf.keras 2's Nadam held after ``iterations`` steps on ``n_weights``
    trainable weights: u(t)^n_weights for t = 1..iterations."""
    t = np.arange(1, int(iterations) + 1, dtype=np.float64)
    return np.float32(np.prod((optimizer.beta_1 * (1.0 - 0.5 * 0.96 ** t)) ** n_weights))


def state_arrays(names, read, model, optimizer=None):
    """The variable values (Keras 3's order) of ``optimizer`` (the model's) held in
    tf.keras 2's optimizer variables ``names`` (the ``weight_names`` of
    ``optimizer_weights``), ``read(name)`` giving each array; raises
    :class:`NotRestored` with the reason when they are not this optimizer's state."""
    optimizer = optimizer or model.optimizer
    class_name = type(optimizer).__name__
    if not names or not re.search(r"(^|/)iter(ation)?:\d+$", names[0]):
        raise NotRestored("it does not start with the iteration count")
    trainable = model._variables_split()[0]
    if len(names) == 1:
        raise NotRestored("it holds the iteration count and no slot variables")
    kinds = None
    for legacy, tables in ((False, CURRENT), (True, LEGACY)):
        for start in (1, 0):
            if kinds is None and class_name in tables:
                kinds = _parse(names[1:], tables[class_name], legacy, start)
    if kinds is None:
        raise NotRestored(f"its variables {names[1:4]}... are not a {class_name}'s slots "
                          "in either layout tf.keras 2 wrote")
    found = _pair(kinds, trainable)
    optimizer.build(trainable)
    expected = optimizer.variables
    counters = 1 if optimizer._schedule is not None else 2
    iterations = np.asarray(read(names[0])).reshape(())
    arrays = [iterations] + ([np.asarray(expected[1].value)] if counters == 2 else [])
    by_path = {f"{optimizer.name}/{trainable[i].path.replace('/', '_')}_{slot}": (i, slot)
               for i, slot in found}
    for var in expected[counters:]:
        key = by_path.get(var.path)
        if key is not None:
            arrays.append(np.asarray(read(found[key])))
        elif class_name == "Nadam" and var.path.endswith("u_product"):
            arrays.append(_nadam_product(optimizer, iterations, len(trainable)))
        else:
            raise NotRestored(f"it has nothing for {var.path!r}")
    return arrays


def restore(names, read, model, where):
    """Set the model's optimizer state from tf.keras 2's optimizer variables (see
    :func:`state_arrays`); raises :class:`NotRestored` with the reason when they
    cannot be its state.

    Args:
        names: the ``weight_names`` of the file's ``optimizer_weights`` group.
        read: ``read(name)`` -> that variable's array.
        model: a compiled model, its optimizer rebuilt from the file's config.
        where: the file, for messages.

    >>> import numpy as np, kerasish
    >>> model = kerasish.Sequential([kerasish.Input((2,)), kerasish.layers.Dense(1, name="d")])
    >>> model.compile(optimizer=kerasish.optimizers.SGD(momentum=0.9), loss="mse")
    >>> saved = {"iteration:0": np.int64(3), "SGD/m/d/kernel:0": np.full((2, 1), 0.5, "float32"),
    ...          "SGD/m/d/bias:0": np.zeros(1, "float32")}
    >>> restore(list(saved), saved.__getitem__, model, "file")
    >>> momentums = model.get_optimizer_state().slots[0].momentums
    >>> int(model.optimizer.iterations), momentums["d"]["kernel"].tolist()
    (3, [[0.5], [0.5]])
    """
    optimizer = model.optimizer
    if weights._is_loss_scale(optimizer):
        # tf.keras saved the inner optimizer's variables only: the loss scale starts
        # again from initial_scale (where a dynamic scale stays until a step overflows
        # or dynamic_growth_steps pass).
        arrays = {optimizer.inner_optimizer: state_arrays(names, read, model,
                                                          optimizer.inner_optimizer),
                  optimizer: [np.int32(0), np.float32(0.0), np.int32(0),
                              np.float32(optimizer.initial_scale)]}
    else:
        arrays = {optimizer: state_arrays(names, read, model)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the caller's warning says why, once
            state = weights.optimizer_state_from_arrays(model, arrays, where)
    except ValueError as e:  # an array of another shape or dtype than its slot
        raise NotRestored(str(e)) from e
    if state is None:
        raise NotRestored("its arrays do not fit the optimizer")
    model.set_optimizer_state(state)
