"""Gate tables of the convolutional LSTMs (issue 15): ConvLSTM1D/2D/3D in
kerasish/layers/conv_lstm.py. See README.md here."""

import numpy as np

from kerasish import layers

_RNG = np.random.default_rng(16)
_CLASSES = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
_KEYS = [f"layers.conv_lstm.{cls}" for cls in _CLASSES]

# (batch, time, *spatial, channels), every step axis of size 5 so that
# data_format="channels_first" reads a valid (channels, *spatial) step too.
INPUTS = {f"seq_conv{rank}d": _RNG.normal(size=(2, 3) + (5,) * (rank + 1)).astype("float32")
          for rank in (1, 2, 3)}

LAYER_SETUP = {cls: (dict(filters=2, kernel_size=3), f"seq_conv{rank}d")
               for rank, cls in enumerate(_CLASSES, start=1)}

CONTEXT = {(cls, "seed"): {"dropout": 0.5} for cls in _CLASSES}  # seen in dropout masks only

_TESTS = "tests/test_conv_lstm.py::"
ELSEWHERE = {  # applied after every optimizer step: a test that trains with them
    **{(key, arg): _TESTS + "test_kernel_constraint_is_applied_after_each_step"
       for key in _KEYS for arg in ("kernel_constraint", "recurrent_constraint",
                                    "bias_constraint")},
    # States carried from call to call: seen from the second call on, with a fixed batch.
    **{(key, "stateful"): "tests/test_stateful_rnn.py::"
       "test_states_carry_from_call_to_call_like_keras" for key in _KEYS},
}

# Each layer's .keras sample: saved by kerasish, loaded by Keras, and back.
LAYER_SAMPLES = {
    "ConvLSTM1D": [({"filters": 2, "kernel_size": 3, "padding": "same",
                     "return_sequences": True}, (3, 6, 2))],
    "ConvLSTM2D": [({"filters": 2, "kernel_size": 2, "strides": 2}, (3, 4, 4, 2)),
                   ({"filters": 2, "kernel_size": 3, "padding": "same", "go_backwards": True,
                     "data_format": "channels_first"}, (2, 2, 3, 3))],
    "ConvLSTM3D": [({"filters": 2, "kernel_size": 2}, (2, 3, 3, 3, 1))],
}


def probes(h):
    """Explicit probes of ConvLSTM's call arguments (tests/gates/README.md)."""
    x = INPUTS["seq_conv2d"]
    mask = np.array([[0, 1, 1], [1, 1, 0]], bool)

    @h.probe("layers.conv_lstm._ConvLSTM.call", "initial_state", "mask", "training")
    def _conv_lstm_call(arg):
        value = {"initial_state": [np.full((2, 3, 3, 2), 0.5, "float32")] * 2,
                 "mask": mask, "training": True}[arg]

        def see(**kwargs):
            from kerasish import random

            random.set_seed(0)
            layer = layers.ConvLSTM2D(2, 3, dropout=0.5, seed=1, return_sequences=True)
            return layer(x, **kwargs)

        return h._differ(see(**{arg: value}), see(), arg)
