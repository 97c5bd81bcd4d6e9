"""Pretrained networks with Keras 3's names (``kerasish.applications.VGG16`` ...): the
architectures with Keras's layer names, loading Keras's own ImageNet weight files.

Each architecture also has its module (``kerasish.applications.vgg16``) with the
network, ``preprocess_input`` and ``decode_predictions``.
"""

from kerasish.applications import imagenet_utils, vgg16, vgg19  # noqa: F401
from kerasish.applications.vgg16 import VGG16
from kerasish.applications.vgg19 import VGG19

__all__ = ["VGG16", "VGG19"]
