"""Recurrent cells: one time step of ``SimpleRNN``, ``LSTM`` and ``GRU``, and
``StackedRNNCells``, with Keras 3's arguments, weight names, shapes and gate order.

A cell is a layer with ``state_size`` and ``call(inputs, states) -> (output,
new_states)``; ``kerasish.layers.RNN`` runs it over a sequence in one ``lax.scan``.

>>> import numpy as np
>>> cell = LSTMCell(3)
>>> out, (h, c) = cell(np.ones((2, 5)), [np.zeros((2, 3)), np.zeros((2, 3))])
>>> out.shape, cell.kernel.shape, cell.recurrent_kernel.shape, cell.bias.shape
((2, 3), (5, 12), (3, 12), (12,))

Gate order, as Keras: LSTM ``[i, f, c, o]``, GRU ``[z, r, h]``. The built-in cells
split a step into ``_project`` (the input matmul, which ``RNN`` runs once over the
whole sequence, outside the scan) and ``_step`` (the recurrent part, inside it);
``call`` is the two composed, so both paths compute the same thing.
"""

import importlib

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import activations, initializers, regularizers
from kerasish.layers.base import Layer
from kerasish.variables import current_scope, next_rng


def _positive_units(units):
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            "Received an invalid value for argument `units`, expected a positive integer. "
            f"Received: units={units!r}")
    return int(units)


def _rate(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
        raise ValueError(f"`{name}` must be a float between 0 and 1. Received: "
                         f"{name}={value!r}")
    return min(1.0, max(0.0, float(value)))  # Keras clips silently


def refuse_constraints(owner, **constraints):
    """kerasish has no weight constraints: refuse any that is set, by name."""
    for arg, value in constraints.items():
        if value is not None:
            raise ValueError(
                f"{owner}: weight constraints are not supported by kerasish, so `{arg}` "
                f"must be None. Received: {arg}={value!r}. Remove it (or clip the weights "
                "yourself after each step).")


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _matmul_by_gate(h, kernel, masks):
    """``h @ kernel``; with dropout masks, ``(h * mask_k) @ kernel_k`` gate by gate."""
    if masks is None:
        return jnp.matmul(h, kernel)
    if len(masks) == 1:
        return jnp.matmul(h * masks[0], kernel)
    gates = jnp.split(kernel, len(masks), axis=-1)
    return jnp.concatenate([jnp.matmul(h * m, k) for m, k in zip(masks, gates)], axis=-1)


# -- dropout -------------------------------------------------------------------------------
class DropoutRNNCell:
    """Keras's dropout for cells: one mask per sequence, the same at every step.

    ``RNN`` draws the masks before its scan (``_prepare_dropout``) and clears them
    after, so nothing traced outlives the call. A cell called on its own draws a
    fresh mask each call. With ``dropout_mask_count = n`` (LSTM/GRU
    ``implementation=1``) each gate gets its own mask.
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _dropout_key(self):
        # As Dropout: the step's key inside fit (seed folded in), else the seed's own
        # stream (two fresh cells with one seed draw the same masks), else the global one.
        seed = getattr(self, "seed", None)
        if seed is None:
            return next_rng()
        scope = current_scope()
        if scope is not None and scope.rng is not None:
            return jax.random.fold_in(next_rng(), seed)
        self._draws = getattr(self, "_draws", 0) + 1
        return jax.random.fold_in(jax.random.key(seed), self._draws)

    def _create_dropout_mask(self, step_input, rate):
        count = getattr(self, "dropout_mask_count", None)
        keys = jax.random.split(self._dropout_key(), count or 1)
        keep = 1.0 - rate
        masks = [jnp.where(jax.random.bernoulli(k, keep, step_input.shape),
                           jnp.asarray(1.0 / keep if keep > 0 else 0.0, step_input.dtype),
                           jnp.zeros((), step_input.dtype)) for k in keys]
        return masks[0] if count is None else masks

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and self.dropout > 0:
            return self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            return self._create_dropout_mask(step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def _prepare_dropout(self, step_input, state):
        self._dropout_mask = self.get_dropout_mask(step_input)
        self._recurrent_dropout_mask = self.get_recurrent_dropout_mask(state)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


class _FusedCell(DropoutRNNCell, Layer):
    """The built-in cells: ``call`` = ``_step(_project(inputs), states)``.

    ``_project`` works on any leading shape, so ``RNN`` runs it once on the whole
    ``(batch, time, features)`` sequence; masks broadcast over time there.
    """

    _gates = 1

    def __init__(self, units, activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, kernel_regularizer,
                 recurrent_regularizer, bias_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                 **kwargs):
        super().__init__(**kwargs)
        refuse_constraints(type(self).__name__, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.units = _positive_units(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = _rate("dropout", dropout)
        self.recurrent_dropout = _rate("recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self.output_size = self.units

    def _add_kernels(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer {self.name!r} needs a known feature dimension. "
                             f"Received input_shape={tuple(input_shape)}.")
        width = self.units * self._gates
        self.kernel = self.add_weight(shape=(input_dim, width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)

    def _input_dropout(self, step_input, training):
        """The input dropout masks (a list) to use, or None."""
        if not (training and self._uses_dropout(self.dropout)):
            return None
        mask = self.get_dropout_mask(step_input)
        return mask if isinstance(mask, list) else [mask]

    def _state_dropout(self, state, training):
        if not (training and self._uses_dropout(self.recurrent_dropout)):
            return None
        mask = self.get_recurrent_dropout_mask(state)
        return mask if isinstance(mask, list) else [mask]

    @staticmethod
    def _uses_dropout(rate):
        return 0.0 < rate < 1.0  # LSTM/GRU: Keras ignores a rate of exactly 1

    def _input_bias(self):
        return self.bias.value if self.use_bias else None

    def _project(self, inputs, masks):
        x = _matmul_by_gate(inputs, self.kernel.value, masks)
        bias = self._input_bias()
        return x if bias is None else x + bias

    def call(self, inputs, states, training=False):
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        x = self._project(inputs, self._input_dropout(inputs, training))
        output, new_states = self._step(x, states, self._state_dropout(states[0], training))
        return output, (new_states[0] if single else new_states)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        return config


# -- the three cells --------------------------------------------------------------------------
class SimpleRNNCell(_FusedCell):
    """``h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    >>> import numpy as np
    >>> cell = SimpleRNNCell(4)
    >>> out, [h] = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    >>> out.shape, cell.state_size
    ((2, 4), 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.state_size = self.units

    @staticmethod
    def _uses_dropout(rate):
        return rate > 0.0  # SimpleRNN applies any positive rate (1 drops everything)

    def build(self, input_shape):
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)
        self.built = True

    def _step(self, x, states, rec_masks):
        h = self.activation(x + _matmul_by_gate(states[0], self.recurrent_kernel.value,
                                                rec_masks))
        return h, [h]


class LSTMCell(_FusedCell):
    """Long short-term memory, gates ``[i, f, c, o]`` along the last axis of
    ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``
    and ``bias`` ``(4 * units,)``; states ``[h, c]``.

    ``unit_forget_bias=True`` starts the forget-gate bias at 1 (Keras's default).
    ``recurrent_dropout > 0`` (or ``implementation=1``) gives each gate its own
    dropout mask, as Keras's implementation 1.

    >>> import numpy as np
    >>> cell = LSTMCell(2)
    >>> _ = cell.build((None, 3))
    >>> np.asarray(cell.bias).tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = _implementation(implementation, self.recurrent_dropout)
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                init = _forget_bias_initializer(self.bias_initializer, self.units)
            self.bias = self.add_weight(shape=(4 * self.units,), name="bias",
                                        initializer=init, regularizer=self.bias_regularizer)
        self.built = True

    def _step(self, x, states, rec_masks):
        h_tm1, c_tm1 = states[0], states[1]
        z = x + _matmul_by_gate(h_tm1, self.recurrent_kernel.value, rec_masks)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)
        return config


class GRUCell(_FusedCell):
    """Gated recurrent unit, gates ``[z, r, h]``; ``kernel`` ``(input_dim, 3 * units)``,
    ``recurrent_kernel`` ``(units, 3 * units)``.

    ``reset_after=True`` (Keras's default, cuDNN's convention) applies the reset gate
    after the recurrent matmul and has two biases, ``bias`` ``(2, 3 * units)`` (input,
    recurrent); ``reset_after=False`` applies it before and has one ``(3 * units,)``.

    >>> import numpy as np
    >>> cell = GRUCell(2, reset_after=False)
    >>> out, h = cell(np.ones((1, 3)), np.zeros((1, 2)))
    >>> out.shape, cell.bias.shape
    ((1, 2), (6,))
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = _implementation(implementation, self.recurrent_dropout)
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(shape=shape, name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)
        self.built = True

    def _input_bias(self):
        if not self.use_bias:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def _step(self, x, states, rec_masks):
        h_tm1, u = states[0], self.units
        kernel = self.recurrent_kernel.value
        x_z, x_r, x_h = jnp.split(x, 3, axis=-1)
        masks = rec_masks  # None, or one mask per gate (Keras's implementation 1)
        h_z, h_r, h_h = (h_tm1,) * 3 if masks is None else (h_tm1 * m for m in masks)
        if self.reset_after:
            inner = _matmul_by_gate(h_tm1, kernel, masks)
            if self.use_bias:
                inner = inner + self.bias.value[1]
            r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + r * r_h)
        else:
            r_z = jnp.matmul(h_z, kernel[:, :u])
            r_r = jnp.matmul(h_r, kernel[:, u:2 * u])
            z = self.recurrent_activation(x_z + r_z)
            r = self.recurrent_activation(x_r + r_r)
            hh = self.activation(x_h + jnp.matmul(r * h_h, kernel[:, 2 * u:]))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      reset_after=self.reset_after)
        return config


def _implementation(value, recurrent_dropout):
    if value not in (1, 2):
        raise ValueError(f"`implementation` must be 1 or 2. Received: implementation={value!r}")
    return 1 if recurrent_dropout != 0.0 else value  # as Keras


def _forget_bias_initializer(bias_initializer, units):
    """Keras's ``unit_forget_bias``: ``[init(units), ones(units), init(2 * units)]``."""
    from kerasish.variables import call_initializer

    def initializer(shape, dtype=None, key=None):
        k1, k2 = jax.random.split(key if key is not None else jax.random.key(0))
        return jnp.concatenate([
            jnp.asarray(call_initializer(bias_initializer, (units,), dtype, k1), dtype),
            jnp.ones((units,), dtype),
            jnp.asarray(call_initializer(bias_initializer, (2 * units,), dtype, k2), dtype)])

    return initializer


# -- stacking ---------------------------------------------------------------------------------
class StackedRNNCells(Layer):
    """Cells run one after the other at each step: cell ``k``'s output is cell
    ``k + 1``'s input; the state is the list of every cell's states.

    >>> import numpy as np
    >>> cells = StackedRNNCells([SimpleRNNCell(4), LSTMCell(2)])
    >>> cells.state_size, cells.output_size
    ([4, [2, 2]], 2)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError("All cells must have a `call` method. Received cell without "
                                 f"a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError("All cells must have a `state_size` attribute. Received "
                                 f"cell without a `state_size`: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                states.append(make(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(jnp.zeros((batch_size, cell.state_size), self.compute_dtype))
            else:
                states.append([jnp.zeros((batch_size, d), self.compute_dtype)
                               for d in cell.state_size])
        return states

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            if "training" in _call_parameters(cell):
                kwargs["training"] = training
            else:
                kwargs.pop("training", None)
            call = cell.__call__ if callable(cell) else cell.call
            inputs, cell_states = call(inputs, cell_states, **kwargs)
            if not is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        batch = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = (batch, cell_output_size(cell))
        set_paths(self)
        self.built = True

    def get_config(self):
        serialize = _serialization().serialize_keras_object
        config = super().get_config()
        config["cells"] = [keras_names(serialize(c)) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [deserialize_layer(c, custom_objects) for c in config["cells"]]
        return cls(**config)


def cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size


def _call_parameters(obj):
    import inspect

    try:
        return inspect.signature(obj.call).parameters
    except (TypeError, ValueError):
        return {}


def adopt(parent_name, layer):
    """Name ``layer`` and the layers inside it under ``parent_name``
    (``lstm/lstm_cell``): weights are keyed by layer name, so a cell must have a name
    no other cell in the model has, also when a Bidirectional copies its RNN."""
    layer.name = f"{parent_name}/{base_name(layer.name)}"
    for sub in layer._layers:
        adopt(layer.name, sub)


def base_name(name):
    return name.rsplit("/", 1)[-1]


def set_paths(root):
    """Keras's variable paths name every layer above a weight
    (``bidirectional/forward_lstm/lstm_cell/kernel``)."""
    def visit(layer, prefix):
        for v in layer._own_variables:
            v.path = f"{prefix}/{v.name}"
        for sub in layer._layers:
            visit(sub, f"{prefix}/{base_name(sub.name)}")

    visit(root, root.name)


def keras_names(config):
    """A serialized config with the names Keras gives (no ``parent/`` prefix: Keras
    refuses a ``/`` in a name)."""
    if isinstance(config, list):
        return [keras_names(c) for c in config]
    if not isinstance(config, dict):
        return config
    config = {k: keras_names(v) for k, v in config.items()}
    inner = config.get("config")
    if "class_name" in config and isinstance(inner, dict) \
            and isinstance(inner.get("name"), str):
        config["config"] = dict(inner, name=base_name(inner["name"]))
    return config


# -- configs that hold layers -----------------------------------------------------------------
def _serialization():
    # A plugin, loaded on first use: saving imports kerasish.layers, which imports this.
    return importlib.import_module("kerasish.saving.serialization")


def deserialize_layer(config, custom_objects=None):
    """A layer from its saved config (or the layer itself, already built). The
    recurrent classes resolve even before ``kerasish.layers`` exports them."""
    if not isinstance(config, dict):
        return config
    known = dict(_recurrent_classes())
    known.update(custom_objects or {})
    return _serialization().deserialize_keras_object(config, custom_objects=known)


def _recurrent_classes():
    names = {}
    for module in ("kerasish.layers.rnn_cells", "kerasish.layers.recurrent",
                   "kerasish.layers.wrappers"):
        mod = importlib.import_module(module)
        names.update({n: getattr(mod, n) for n in getattr(mod, "__all__", ())})
    return names


__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells"]
