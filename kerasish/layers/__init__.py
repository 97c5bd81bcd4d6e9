"""Layers, with Keras 3's names (``kerasish.layers.Dense`` ...)."""

from kerasish.layers.base import KerasTensor, Layer
from kerasish.layers.core import Dense, Input, InputLayer

__all__ = ["Dense", "Input", "InputLayer", "KerasTensor", "Layer"]
