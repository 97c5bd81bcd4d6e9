"""The global source of keys for weight initialisation and other randomness
outside a jitted step.

Every key handed out comes from one seed and a counter, so that
``kerasish.utils.set_random_seed(s)`` followed by the same model-building code gives
the same weights, bit for bit. Without a seed, each process starts from fresh OS
entropy (as Keras does).
"""

import os

import jax
import numpy as np

_state = {"seed": None, "counter": 0, "root": None}


def set_seed(seed):
    """Restart the global key stream from ``seed`` (an int)."""
    _state["seed"] = int(seed)
    _state["counter"] = 0
    _state["root"] = None


def next_key():
    """A fresh ``jax.random`` key; the stream is deterministic after ``set_seed``."""
    if _state["seed"] is None:
        set_seed(int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF)
    if _state["root"] is None:
        _state["root"] = jax.random.key(_state["seed"])
    _state["counter"] += 1
    return jax.random.fold_in(_state["root"], _state["counter"])


def next_seed():
    """A fresh int seed from the same stream (for numpy-side shuffles).

    Derived with numpy's SeedSequence rather than a jax op: no compiled program.
    """
    if _state["seed"] is None:
        set_seed(int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF)
    _state["counter"] += 1
    return int(np.random.SeedSequence([_state["seed"], _state["counter"]]).generate_state(1)[0])
