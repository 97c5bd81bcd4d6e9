"""Recurrent layers: ``RNN`` (any cell), ``SimpleRNN``, ``LSTM`` and ``GRU``.

Each runs its cell over the time axis in one ``jax.lax.scan`` (a Python loop with
``unroll=True``), so a whole sequence is one traced loop inside the compiled step.
The built-in cells' input matmul is done once for the whole sequence, outside the
loop. Masks (``Embedding(mask_zero=True)``, ``Masking``) follow Keras's JAX backend
exactly: at a masked step the state is carried forward unchanged and the output
repeats the previous state (zeros with ``zero_output_for_mask=True``).

>>> import numpy as np
>>> x = np.ones((2, 5, 3), "float32")
>>> LSTM(4)(x).shape
(2, 4)
>>> seq, h, c = LSTM(4, return_sequences=True, return_state=True)(x)
>>> seq.shape, h.shape, c.shape
((2, 5, 4), (2, 4), (2, 4))
"""

import jax
import jax.numpy as jnp
from jax import lax

from kerasish import regularizers
from kerasish.layers.base import KerasTensor, Layer
from kerasish.variables import current_scope
from kerasish.layers.rnn_cells import (DropoutRNNCell, GRUCell, LSTMCell, SimpleRNNCell,
                                       StackedRNNCells, _call_parameters, _FusedCell,
                                       _serialization, adopt, cell_output_size,
                                       deserialize_layer, is_nested, keras_names, set_paths)


class RNN(Layer):
    """Runs ``cell`` over the time axis of ``(batch, timesteps, features)`` inputs.

    ``cell`` is any layer with ``state_size`` (an int, or a list with one size per
    state) and ``call(inputs, states) -> (output, new_states)``, such as
    ``LSTMCell``, or a list of cells (stacked with ``StackedRNNCells``).

    >>> import numpy as np, jax.numpy as jnp
    >>> class MinimalRNNCell(Layer):
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = self.state_size = units
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
    ...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
    ...                                                 name="recurrent_kernel")
    ...     def call(self, inputs, states):
    ...         output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
    ...         return output, [output]
    >>> RNN(MinimalRNNCell(3), return_sequences=True)(np.ones((2, 5, 4))).shape
    (2, 5, 3)

    With ``stateful=True`` the last states of a batch are the initial states of the
    next one (row ``i`` continues row ``i``): the batch size must be fixed
    (``Input(batch_shape=...)``), ``layer.states`` holds the state variables and
    ``layer.reset_state()`` sets them to zeros. The states are not weights: neither in
    ``get_weights()`` nor saved, as in Keras.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list "
                f"of integers, one integer per RNN state). Received: cell={cell}")
        super().__init__(**kwargs)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        if isinstance(cell, Layer):
            adopt(self.name, cell)  # "lstm/lstm_cell": unique, and Keras's weight paths
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self._expected_batch_size = None
        self.unroll = bool(unroll)
        self.supports_masking = True
        self.states = None
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one "
                             f"for each state tensor). Received: state_size={state_size!r}")
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    # -- shapes, masks ----------------------------------------------------------------
    def build(self, sequences_shape):
        if len(sequences_shape) < 3:
            raise ValueError(
                f"Layer {self.name!r} expects inputs of shape (batch, timesteps, features). "
                f"Received input_shape={tuple(sequences_shape)}.")
        if isinstance(self.cell, Layer):
            self.cell._maybe_build((sequences_shape[0],) + tuple(sequences_shape[2:]))
        set_paths(self)
        if self.stateful:
            self._build_states(sequences_shape)
        self.built = True

    def _build_states(self, sequences_shape):
        batch_size = sequences_shape[0]
        if self.states is not None:
            self.reset_state()
            return
        if batch_size is None:
            raise ValueError(
                "When using `stateful=True` in a RNN, the batch size must be static. Found "
                f"dynamic batch size: sequence.shape={tuple(sequences_shape)}. Give "
                "the model a fixed batch size, e.g. `Input(batch_shape=(32, timesteps, "
                "features))` or `Input(shape, batch_size=32)`.")
        initial = self.get_initial_state(batch_size)
        leaves, structure = jax.tree_util.tree_flatten(initial)
        variables = [self._add_carried_state(leaf, "rnn_state") for leaf in leaves]
        self.states = jax.tree_util.tree_unflatten(structure, variables)
        self._expected_batch_size = int(batch_size)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        states = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s]
                  for s in self.state_size]
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = self.state_size[0]
        if not isinstance(output_size, int):
            raise ValueError("output_size must be an integer.")
        output = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        return (output, *states) if self.return_state else output

    def compute_mask(self, _, mask):
        mask = jax.tree_util.tree_leaves(mask)[0] if is_nested(mask) else mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    def get_initial_state(self, batch_size):
        make = getattr(self.cell, "get_initial_state", None)
        if make is None:
            dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
            return [jnp.zeros((batch_size, d), dtype) for d in self.state_size]
        states = make(batch_size=batch_size)
        return list(states) if is_nested(states) else [states]

    def reset_state(self):
        """Set a stateful layer's states to zeros (nothing to do otherwise).

        >>> import numpy as np
        >>> from kerasish.layers.core import Input
        >>> layer = SimpleRNN(2, stateful=True, kernel_initializer="ones")
        >>> _ = layer(Input(batch_shape=(1, 3, 1)))
        >>> _ = layer(np.ones((1, 3, 1)))
        >>> bool(np.any(layer.states[0].value != 0))
        True
        >>> layer.reset_state()
        >>> np.asarray(layer.states[0].value).tolist()
        [[0.0, 0.0]]
        """
        if self.states is not None:
            for v in jax.tree_util.tree_leaves(self.states):
                v.assign(jnp.zeros(v.shape, v.dtype))

    def reset_states(self):
        """Keras's alias of ``reset_state()``."""
        self.reset_state()

    # -- the loop ---------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        if sequences.ndim < 3:
            raise ValueError(f"Layer {self.name!r} expects inputs of shape (batch, timesteps, "
                             f"features). Received: shape={tuple(sequences.shape)}")
        initial_state = self._stateful_initial(sequences, initial_state)
        states = self._initial_states(sequences, initial_state)
        if is_nested(mask):
            mask = jax.tree_util.tree_leaves(mask)[0] if jax.tree_util.tree_leaves(mask) else None
        if mask is not None:
            mask = self._checked_mask(mask, sequences)
        cell = self.cell
        training = bool(training)
        try:
            if training:
                _prepare_dropout(cell, sequences[:, 0], states)
            if _is_fused(cell):
                # The input matmul for every step at once, outside the scan.
                masks = cell._input_dropout(sequences[:, 0], training)
                inputs = cell._project(sequences, None if masks is None
                                       else [m[:, None] for m in masks])
                rec_masks = cell._state_dropout(states[0], training)

                def step(x_t, states):
                    return cell._step(x_t, states, rec_masks)
            else:
                inputs, step = sequences, self._cell_step(training)
            last, outputs, states = run(step, inputs, states, mask, self.go_backwards,
                                        self.unroll, self.zero_output_for_mask)
        finally:
            _reset_dropout(cell)
        output = outputs if self.return_sequences else last
        output = output.astype(self.compute_dtype)
        states = jax.tree_util.tree_map(lambda s: s.astype(self.compute_dtype), states)
        self._store_states(states)
        if self.return_state:
            return (output, *states)
        return output

    # -- stateful=True ----------------------------------------------------------------
    def _stateful_initial(self, sequences, initial_state):
        """A stateful layer starts from its state variables (unless ``initial_state``
        is given); its batch size must be the one it was built with."""
        if not self.stateful or self.states is None:
            return initial_state
        batch = sequences.shape[0]
        if batch != self._expected_batch_size:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the "
                "same as the batch size of the initial state. \n"
                f"- Expected batch size: {self._expected_batch_size}\n"
                f"- Received batch size: {batch}\n"
                "Feed batches of the size the model was built with (for `fit`, "
                "`evaluate` and `predict`, a `batch_size` that divides the number of "
                "samples).")
        if initial_state is not None:
            return initial_state
        return jax.tree_util.tree_map(lambda v: v.value, self.states)

    def _store_states(self, states):
        if not self.stateful or self.states is None:
            return
        for var, value in zip(jax.tree_util.tree_leaves(self.states),
                              jax.tree_util.tree_leaves(states)):
            scope = current_scope()
            if isinstance(value, jax.core.Tracer) and (
                    scope is None or scope.lookup(var) is None):
                raise ValueError(
                    f"Layer {self.name!r} is stateful and was called inside a JAX "
                    "transformation (jit, grad, vmap) that does not carry its states: they "
                    "cannot be written back. Call it outside, or use "
                    "`stateless_call`/the model's `fit`, `evaluate` and `predict`, which "
                    "carry them.")
            var.assign(value)

    def _cell_step(self, training):
        cell = self.cell
        kwargs = {"training": training} if "training" in _call_parameters(cell) else {}
        call = cell.__call__ if callable(cell) else cell.call

        def step(x_t, states):
            output, new_states = call(x_t, states, **kwargs)
            return output, (new_states if is_nested(new_states) else [new_states])

        return step

    def _initial_states(self, sequences, initial_state):
        expected = self.get_initial_state(sequences.shape[0])
        if initial_state is None:
            states = expected
        else:
            given = initial_state if is_nested(initial_state) else [initial_state]
            flat, want = jax.tree_util.tree_leaves(given), jax.tree_util.tree_leaves(expected)
            if len(flat) != len(want) or any(tuple(jnp.shape(g)) != tuple(w.shape)
                                             for g, w in zip(flat, want)):
                raise ValueError(
                    f"Layer {self.name!r}: `initial_state` must hold {len(want)} state "
                    f"tensor(s) of shapes {[tuple(w.shape) for w in want]} (one per state of "
                    f"the cell, batch first). Received shapes "
                    f"{[tuple(jnp.shape(g)) for g in flat]}.")
            states = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(expected), flat)
        dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
        return jax.tree_util.tree_map(lambda s: jnp.asarray(s, dtype), states)

    def _checked_mask(self, mask, sequences):
        mask = jnp.asarray(mask)
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = mask[..., 0]
        if tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise ValueError(
                f"Layer {self.name!r}: the mask must have shape (batch, timesteps) = "
                f"{tuple(sequences.shape[:2])}, one entry per step. Received: "
                f"mask.shape={tuple(mask.shape)}")
        return mask.astype(bool)

    # -- config -----------------------------------------------------------------------
    def _rnn_config(self):
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask)
        return config

    def get_config(self):
        config = self._rnn_config()
        config["cell"] = keras_names(_serialization().serialize_keras_object(self.cell))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def run(step, inputs, states, mask, go_backwards, unroll, zero_output_for_mask):
    """Keras's ``backend.rnn`` on JAX: ``(last_output, outputs, final_states)``;
    ``outputs`` ``(batch, time, ...)`` in processing order (reversed with
    ``go_backwards``). ``step(x_t, states) -> (output, new_states)``."""
    xs = jnp.swapaxes(inputs, 0, 1)
    steps_mask = None if mask is None else jnp.swapaxes(mask, 0, 1)[..., None]  # (T, B, 1)
    structure = jax.tree_util.tree_structure(states)
    dtypes = [s.dtype for s in jax.tree_util.tree_leaves(states)]

    def conform(new_states):  # the carry keeps its structure and dtypes
        leaves = jax.tree_util.tree_leaves(new_states)
        if len(leaves) != len(dtypes):
            raise ValueError(f"The RNN cell returned {len(leaves)} state tensor(s); its "
                             f"initial state has {len(dtypes)}.")
        return jax.tree_util.tree_unflatten(structure, [
            leaf.astype(d) for leaf, d in zip(leaves, dtypes)])

    if unroll:
        outputs, order = [], range(xs.shape[0])
        for t in (reversed(order) if go_backwards else order):
            output, new_states = step(xs[t], states)
            new_states = conform(new_states)
            if steps_mask is not None:
                # Keras's unrolled loop: a masked step repeats the previous output (zeros
                # at the first step) whatever zero_output_for_mask says.
                keep = steps_mask[t]
                output = jnp.where(keep, output, outputs[-1] if outputs
                                   else jnp.zeros_like(output))
                new_states = jax.tree_util.tree_map(lambda n, s, keep=keep: jnp.where(keep, n, s),
                                                    new_states, states)
            states = new_states
            outputs.append(output)
        return outputs[-1], jnp.swapaxes(jnp.stack(outputs), 0, 1), states

    def body(carry, x):
        if steps_mask is None:
            output, new_states = step(x, carry)
            return conform(new_states), output
        x_t, keep = x
        output, new_states = step(x_t, carry)
        new_states = conform(new_states)
        masked = jnp.logical_not(keep)
        if zero_output_for_mask:
            output = jnp.where(masked, jnp.zeros_like(output), output)
        else:
            previous = carry[0]  # Keras assumes the first state is the previous output
            if is_nested(previous):
                previous = carry[-1][0]  # stacked cells: the last cell's first state
            output = jnp.where(masked, previous, output)
        new_states = jax.tree_util.tree_map(lambda s, n: jnp.where(masked, s, n), carry,
                                            new_states)
        return new_states, output

    states, outputs = lax.scan(body, states, xs if steps_mask is None else (xs, steps_mask),
                               reverse=go_backwards)
    if go_backwards:
        outputs = jnp.flip(outputs, axis=0)
    return outputs[-1], jnp.swapaxes(outputs, 0, 1), states


def _is_fused(cell):
    """A built-in cell whose step the user has not overridden."""
    return isinstance(cell, _FusedCell) and type(cell).call is _FusedCell.call \
        and type(cell)._step in (SimpleRNNCell._step, LSTMCell._step, GRUCell._step)


def _prepare_dropout(cell, step_input, states):
    """Draw every cell's dropout masks once per sequence, before the loop (Keras's
    ``_maybe_config_dropout_masks``)."""
    if isinstance(cell, DropoutRNNCell):
        state = states[0] if is_nested(states) else states
        cell._prepare_dropout(step_input, state)
    elif isinstance(cell, StackedRNNCells):
        for c, s in zip(cell.cells, states):
            _prepare_dropout(c, step_input, s)
            step_input = jnp.zeros((step_input.shape[0], cell_output_size(c)),
                                   step_input.dtype)


def _reset_dropout(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    elif isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            _reset_dropout(c)


def _symbolic(args, kwargs):
    return any(isinstance(t, KerasTensor) for t in jax.tree_util.tree_leaves(
        (args, kwargs), is_leaf=lambda t: isinstance(t, KerasTensor)))


# -- the three layers ---------------------------------------------------------------------
def _from_cell(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


def _check_use_cudnn(use_cudnn):
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                         f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
    if use_cudnn is True:
        raise ValueError(
            "`use_cudnn=True` is not supported by kerasish: its recurrent layers are one "
            "lax.scan that XLA compiles for any device. Received: use_cudnn=True. Pass "
            "use_cudnn='auto' (the default) or False.")


class _KerasRNN(RNN):
    """``SimpleRNN``/``LSTM``/``GRU``: an ``RNN`` over its own cell, whose arguments
    are the layer's; configs have no ``cell`` key, as Keras's."""

    _cell_class = None
    _cell_name = None

    def __init__(self, cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                 unroll, activity_regularizer, kwargs):
        cell = self._cell_class(dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True),
                                name=self._cell_name, **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    def build(self, sequences_shape):
        if len(sequences_shape) != 3:
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of shape "
                f"(batch, timesteps, features). Received input_shape={tuple(sequences_shape)}")
        super().build(sequences_shape)

    def get_config(self):
        config = self._rnn_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if custom_objects:  # nothing here would read them (Keras's takes none): refuse
            raise ValueError(f"{cls.__name__}.from_config() does not use `custom_objects`; "
                             "use kerasish.saving.deserialize_keras_object({'class_name': "
                             f"'{cls.__name__}', 'config': config}}, custom_objects). "
                             f"Received: custom_objects keys {sorted(custom_objects)}")
        return cls(**config)

    units = _from_cell("units")
    activation = _from_cell("activation")
    use_bias = _from_cell("use_bias")
    kernel_initializer = _from_cell("kernel_initializer")
    recurrent_initializer = _from_cell("recurrent_initializer")
    bias_initializer = _from_cell("bias_initializer")
    kernel_regularizer = _from_cell("kernel_regularizer")
    recurrent_regularizer = _from_cell("recurrent_regularizer")
    bias_regularizer = _from_cell("bias_regularizer")
    dropout = _from_cell("dropout")
    recurrent_dropout = _from_cell("recurrent_dropout")
    seed = _from_cell("seed")
    kernel_constraint = recurrent_constraint = bias_constraint = property(lambda self: None)


class SimpleRNN(_KerasRNN):
    """Fully-connected RNN: ``h_t = tanh(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    >>> import numpy as np
    >>> layer = SimpleRNN(4, return_sequences=True, name="rnn")
    >>> layer(np.ones((2, 7, 3))).shape, layer.weights[0].path
    ((2, 7, 4), 'rnn/simple_rnn_cell/kernel')
    """

    _cell_class, _cell_name = SimpleRNNCell, "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, kwargs)


class LSTM(_KerasRNN):
    """Long short-term memory (Hochreiter 1997), Keras's weights and gate order
    ``[i, f, c, o]``; ``return_state=True`` returns ``output, h, c``.

    >>> import numpy as np
    >>> layer = LSTM(4)
    >>> layer(np.ones((2, 7, 3))).shape, [tuple(w.shape) for w in layer.weights]
    ((2, 4), [(3, 16), (4, 16), (16,)])
    """

    _cell_class, _cell_name = LSTMCell, "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        _check_use_cudnn(use_cudnn)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed,
            implementation=kwargs.pop("implementation", 2))
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, kwargs)
        self.use_cudnn = use_cudnn

    recurrent_activation = _from_cell("recurrent_activation")
    unit_forget_bias = _from_cell("unit_forget_bias")
    implementation = _from_cell("implementation")


class GRU(_KerasRNN):
    """Gated recurrent unit (Cho et al. 2014), Keras's weights and gate order
    ``[z, r, h]``; ``reset_after=True`` (default) has a ``(2, 3 * units)`` bias.

    >>> import numpy as np
    >>> layer = GRU(4, reset_after=False)
    >>> layer(np.ones((2, 7, 3))).shape, [tuple(w.shape) for w in layer.weights]
    ((2, 4), [(3, 12), (4, 12), (12,)])
    """

    _cell_class, _cell_name = GRUCell, "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        _check_use_cudnn(use_cudnn)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, implementation=kwargs.pop("implementation", 2))
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, kwargs)
        self.use_cudnn = use_cudnn

    recurrent_activation = _from_cell("recurrent_activation")
    reset_after = _from_cell("reset_after")
    implementation = _from_cell("implementation")


__all__ = ["GRU", "LSTM", "RNN", "SimpleRNN"]
