"""Layers, with Keras 3's names (``kerasish.layers.Dense`` ...)."""

from kerasish.layers.base import KerasTensor, Layer
from kerasish.layers.core import Dense, Input, InputLayer
from kerasish.layers.merging import (Add, Average, Concatenate, Maximum, Minimum, Multiply,
                                     Subtract)
from kerasish.layers.preprocessing import Normalization

__all__ = ["Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract",
           "Dense", "Input", "InputLayer", "KerasTensor", "Layer", "Normalization"]
