"""Convolutional LSTMs: ``ConvLSTM1D``, ``ConvLSTM2D`` and ``ConvLSTM3D`` (Shi et al.
2015), with Keras 3's arguments, configs and weights.

An LSTM whose two matmuls are convolutions: the input convolution (``strides``,
``padding``, ``dilation_rate``) runs once over the whole sequence, outside the loop;
the recurrent one (stride 1, ``"same"`` padding) runs inside one ``lax.scan`` shared
with ``LSTM`` (``recurrent.run``). The weights are Keras's: ``kernel``
``(*kernel_size, channels, 4 * filters)``, ``recurrent_kernel``
``(*kernel_size, filters, 4 * filters)``, ``bias`` ``(4 * filters,)``, gates
``[i, f, c, o]`` along the last axis. Masked steps carry the state forward, as
``LSTM``'s.

>>> import numpy as np
>>> layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
>>> layer(np.ones((2, 5, 8, 8, 3), "float32")).shape
(2, 5, 8, 8, 4)
>>> [tuple(w.shape) for w in layer.weights]
[(3, 3, 3, 16), (3, 3, 4, 16), (16,)]
"""

import math

import jax
import jax.numpy as jnp
from jax import lax

from kerasish import constraints
from kerasish.layers.conv import (_DIMS, check_data_format, check_positive_int,
                                  standardize_padding, standardize_tuple, window_output_sizes,
                                  with_channels)
from kerasish.layers.recurrent import RNN, _KerasRNN, run
from kerasish.layers.rnn_cells import LSTMCell, _forget_bias_initializer, is_nested

_AXES = {1: "steps", 2: "rows, cols", 3: "depth, rows, cols"}


class ConvLSTMCell(LSTMCell):
    """One step of a convolutional LSTM over ``(batch, *spatial, channels)`` inputs
    (``(batch, channels, *spatial)`` with ``data_format="channels_first"``); states
    ``[h, c]`` of the input convolution's output shape. Used by ``ConvLSTM1D/2D/3D``
    (Keras does not export it either).

    Args:
        rank: 1, 2 or 3 spatial axes.
        filters: output channels of ``h`` (and ``c``).
        kernel_size, strides, padding, data_format, dilation_rate: the input
            convolution's; the recurrent one uses ``kernel_size``, stride 1, ``"same"``.
        **kwargs: ``LSTMCell``'s other arguments (activations, initializers,
            regularizers, ``unit_forget_bias``, dropouts, ``seed``) and the three
            weight constraints.

    >>> import numpy as np
    >>> cell = ConvLSTMCell(2, filters=3, kernel_size=2, padding="same")
    >>> h, [h, c] = cell(np.ones((1, 4, 4, 2)), [np.zeros((1, 4, 4, 3))] * 2)
    >>> h.shape, cell.kernel.shape
    ((1, 4, 4, 3), (2, 2, 2, 12))
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, **kwargs):
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        check_positive_int(filters, "filters")
        super().__init__(filters, **kwargs)
        self.rank, self.filters = rank, filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.padding = standardize_padding(padding)
        self.data_format = check_data_format(data_format)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}. "
                "Pass strides=1 or dilation_rate=1.")
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout_mask_count = 4  # Keras: one dropout mask per gate, whatever the rates
        self.spatial_dims = None

    @property
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def _conv(self, x, kernel, strides, padding, dilation):
        """A convolution over the last ``rank + 1`` axes of ``x``, any leading shape."""
        lead, step = x.shape[:-(self.rank + 1)], x.shape[-(self.rank + 1):]
        y = lax.conv_general_dilated(
            jnp.reshape(x, (math.prod(lead),) + step), kernel, strides, padding,
            rhs_dilation=dilation, dimension_numbers=_DIMS[(self.rank, self.data_format)])
        return jnp.reshape(y, lead + y.shape[1:])

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer {self.name!r} takes one step of rank {self.rank + 2}. "
                             f"Received input_shape={input_shape}")
        channels = input_shape[self._channel_axis]
        spatial = input_shape[1:-1] if self.data_format == "channels_last" \
            else input_shape[2:]
        if None in spatial or channels is None:
            raise ValueError(
                "ConvLSTM layers need static spatial and channel sizes (the recurrent "
                f"state has the convolution's output shape). Received: "
                f"input_shape={input_shape}")
        self.spatial_dims, self.input_dim = tuple(spatial), channels
        width = 4 * self.filters
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, width), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, width), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                init = _forget_bias_initializer(self.bias_initializer, self.filters)
            self.bias = self.add_weight(shape=(width,), name="bias", initializer=init,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def _gate_conv(self, x, kernel, masks, **conv):
        """``conv(x, kernel)``; with dropout masks, ``conv(x * mask_k, kernel_k)`` per gate."""
        if masks is None:
            return self._conv(x, kernel, **conv)
        gates = jnp.split(kernel, 4, axis=-1)
        return jnp.concatenate([self._conv(x * m, k, **conv) for m, k in zip(masks, gates)],
                               axis=self._channel_axis)

    def _project(self, inputs, masks):
        z = self._gate_conv(inputs, self.kernel.value, masks, strides=self.strides,
                            padding=self.padding.upper(), dilation=self.dilation_rate)
        if self.use_bias:
            shape = (-1,) if self.data_format == "channels_last" else (-1,) + (1,) * self.rank
            z = z + jnp.reshape(self.bias.value, shape)
        return z

    def _step(self, x, states, rec_masks):
        h_tm1, c_tm1 = states[0], states[1]
        z = x + self._gate_conv(h_tm1, self.recurrent_kernel.value, rec_masks,
                                strides=(1,) * self.rank, padding="SAME",
                                dilation=(1,) * self.rank)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=self._channel_axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = f * c_tm1 + i * self.activation(z_c)
        h = self.recurrent_activation(z_o) * self.activation(c)
        return h, [h, c]

    def output_spatial(self, step_shape, owner=None):
        """The input convolution's output sizes for one step's shape (batch first); a
        clear error (naming ``owner``) when one is empty."""
        return tuple(window_output_sizes(owner or self, tuple(step_shape), self.kernel_size,
                                         self.strides, self.dilation_rate, self.padding,
                                         "kernel"))

    def state_shape(self, batch_size):
        """The shape of ``h`` and ``c`` (the cell must be built)."""
        step = with_channels(batch_size, self.spatial_dims, self.input_dim, self.data_format)
        return with_channels(batch_size, self.output_spatial(step), self.filters,
                             self.data_format)

    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = with_channels(inputs_shape[0], self.output_spatial(inputs_shape),
                              self.filters, self.data_format)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(batch_size)
        return [jnp.zeros(shape, self.compute_dtype), jnp.zeros(shape, self.compute_dtype)]

    def get_config(self):
        config = super().get_config()
        del config["units"]
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate,
            kernel_constraint=constraints.serialize(self.kernel_constraint),
            recurrent_constraint=constraints.serialize(self.recurrent_constraint),
            bias_constraint=constraints.serialize(self.bias_constraint))
        return config


def _from_cell(name):
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


class _ConvLSTM(_KerasRNN):
    """An ``RNN`` over a ``ConvLSTMCell`` of rank ``_rank``; the states travel through
    ``recurrent.run`` flattened to ``(batch, size)``, so its masks broadcast."""

    _rank = None
    _cell_class, _cell_name = ConvLSTMCell, "conv_lstm_cell"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell_kwargs = dict(
            rank=self._rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        unroll = kwargs.pop("unroll", False)
        super().__init__(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                         unroll, activity_regularizer, kwargs)

    def _check_rank(self, shape):
        if len(shape) != self._rank + 3:
            fmt = (f"(batch, time, {_AXES[self._rank]}, channels)"
                   if self.data_format == "channels_last"
                   else f"(batch, time, channels, {_AXES[self._rank]})")
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank "
                f"{self._rank + 3}, {fmt}. Received input shape {tuple(shape)}. Add the "
                "missing axes (e.g. a time axis of length 1) with a Reshape layer or "
                "`x[:, None]`.")

    def build(self, sequences_shape):
        self.compute_output_shape(sequences_shape)  # bad shapes: a clear error, no weights
        RNN.build(self, sequences_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        self._check_rank(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        spatial = self.cell.output_spatial((batch,) + tuple(sequences_shape[2:]), owner=self)
        state = with_channels(batch, spatial, self.filters, self.data_format)
        output = (batch, steps) + state[1:] if self.return_sequences else state
        return (output, state, state) if self.return_state else output

    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_rank(sequences.shape)
        cell, batch, steps = self.cell, sequences.shape[0], sequences.shape[1]
        built = with_channels(None, cell.spatial_dims, cell.input_dim, self.data_format)[1:]
        if tuple(sequences.shape[2:]) != built:
            raise ValueError(
                f"Layer {self.name!r} was built for steps of shape {built} (its state has "
                "the convolution's output shape, fixed at build). Received: "
                f"inputs.shape={tuple(sequences.shape)}")
        initial_state = self._stateful_initial(sequences, initial_state)
        states = self._initial_states(sequences, initial_state)
        if is_nested(mask):
            leaves = jax.tree_util.tree_leaves(mask)
            mask = leaves[0] if leaves else None
        if mask is not None:
            mask = self._checked_mask(mask, sequences)
        training = bool(training)
        in_masks = cell._input_dropout(sequences[:, 0], training)
        rec_masks = cell._state_dropout(states[0], training)
        # The input convolution for every step at once; masks are the same at each step.
        x = cell._project(sequences, None if in_masks is None
                          else [m[:, None] for m in in_masks])
        state_shape, z_shape = states[0].shape, x.shape[:1] + x.shape[2:]

        def step(x_t, flat_states):
            h, new = cell._step(jnp.reshape(x_t, z_shape),
                                [jnp.reshape(s, state_shape) for s in flat_states],
                                rec_masks)
            return jnp.reshape(h, (batch, -1)), [jnp.reshape(s, (batch, -1)) for s in new]

        last, outputs, states = run(step, jnp.reshape(x, (batch, steps, -1)),
                                    [jnp.reshape(s, (batch, -1)) for s in states], mask,
                                    self.go_backwards, self.unroll,
                                    self.zero_output_for_mask)
        output = jnp.reshape(outputs, (batch, steps) + state_shape[1:]) \
            if self.return_sequences else jnp.reshape(last, state_shape)
        output = output.astype(self.compute_dtype)
        states = [jnp.reshape(s, state_shape).astype(self.compute_dtype) for s in states]
        self._store_states(states)
        if self.return_state:
            return (output, *states)
        return output

    filters = _from_cell("filters")
    kernel_size = _from_cell("kernel_size")
    strides = _from_cell("strides")
    padding = _from_cell("padding")
    data_format = _from_cell("data_format")
    dilation_rate = _from_cell("dilation_rate")
    recurrent_activation = _from_cell("recurrent_activation")
    unit_forget_bias = _from_cell("unit_forget_bias")
    kernel_constraint = _from_cell("kernel_constraint")
    recurrent_constraint = _from_cell("recurrent_constraint")
    bias_constraint = _from_cell("bias_constraint")


_ARGS = """
    Args:
        filters: output channels of ``h`` and ``c``.
        kernel_size: an int or one per spatial axis (input and recurrent kernels).
        strides: the input convolution's strides (not with ``dilation_rate > 1``).
        padding: ``"valid"`` (default) or ``"same"``, the input convolution's.
        data_format: ``"channels_last"`` (default: the global image data format) or
            ``"channels_first"`` (steps ``(channels, *spatial)``).
        dilation_rate: the input convolution's dilation.
        activation, recurrent_activation: ``"tanh"`` and ``"sigmoid"`` by default.
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: as ``LSTM``'s.
        unit_forget_bias: start the forget gate's bias at 1 (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
            activity_regularizer: regularizers, as ``LSTM``'s.
        kernel_constraint, recurrent_constraint, bias_constraint: applied after each
            optimizer step.
        dropout, recurrent_dropout: rates of the per-gate dropout masks on the inputs
            and on ``h`` (one mask per sequence, in training only).
        seed: seed of the dropout masks.
        return_sequences: return every step's ``h`` (default: the last one).
        return_state: also return the last ``h`` and ``c``.
        go_backwards: process the sequence backwards (outputs in processing order).
        stateful: carry the last ``h`` and ``c`` of a batch into the next one (the
            batch size must be fixed; ``reset_state()`` zeroes them), as ``LSTM``'s.
        **kwargs: ``unroll``, ``zero_output_for_mask`` and the base layer's arguments.
"""


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, steps, channels)`` sequences (channels
    before ``steps`` with ``data_format="channels_first"``).
{args}
    >>> import numpy as np
    >>> layer = ConvLSTM1D(4, 3, return_state=True)
    >>> out, h, c = layer(np.ones((2, 5, 10, 3), "float32"))
    >>> out.shape, c.shape, layer.kernel_size
    ((2, 8, 4), (2, 8, 4), (3,))
    """

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, rows, cols, channels)`` sequences
    (channels before ``rows`` with ``data_format="channels_first"``).
{args}
    >>> import numpy as np
    >>> layer = ConvLSTM2D(4, (3, 3), strides=2, padding="same")
    >>> layer(np.ones((2, 5, 8, 8, 3), "float32")).shape
    (2, 4, 4, 4)
    """

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over ``(batch, time, depth, rows, cols, channels)`` sequences
    (channels before ``depth`` with ``data_format="channels_first"``).
{args}
    >>> import numpy as np
    >>> layer = ConvLSTM3D(2, 3, padding="same", return_sequences=True)
    >>> layer(np.ones((1, 3, 4, 4, 4, 1), "float32")).shape
    (1, 3, 4, 4, 4, 2)
    """

    _rank = 3


for _cls in (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D):
    _cls.__doc__ = _cls.__doc__.format(args=_ARGS)
del _cls

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
