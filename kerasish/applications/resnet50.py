"""``kerasish.applications.resnet50``: Keras's module for ResNet50 alone."""

from kerasish.applications.resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401

# Keras's public names (the builders and blocks above are internals).
__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
