"""kerasish: the Keras API on JAX.

>>> import kerasish as keras
>>> model = keras.Sequential([keras.layers.Dense(units=1, activation="sigmoid")])
"""

from kerasish import (
    activations,
    callbacks,
    config,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    random,
    regularizers,
    utils,
)
from kerasish import config as backend
from kerasish.layers import Input, Layer
from kerasish.models import Model, Sequential
from kerasish.variables import Variable

__version__ = "0.1.0"

__all__ = [
    "Input", "Layer", "Model", "Sequential", "Variable", "activations", "backend",
    "callbacks", "config", "datasets", "initializers", "layers", "losses", "metrics",
    "models", "optimizers", "random", "regularizers", "utils",
]
