"""``kerasish.applications.resnet50``: Keras's module for ResNet50 alone."""

from kerasish.applications.resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401
