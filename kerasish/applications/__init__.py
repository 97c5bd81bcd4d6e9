"""Pretrained networks with Keras 3's names (``kerasish.applications.VGG16`` ...): the
architectures with Keras's layer names, loading Keras's own ImageNet weight files.

Each architecture also has its module (``kerasish.applications.vgg16``) with the
network, ``preprocess_input`` and ``decode_predictions``.
"""

from kerasish.applications import (imagenet_utils, mobilenet_v2, resnet,  # noqa: F401
                                   resnet50, resnet_v2, vgg16, vgg19)
from kerasish.applications.mobilenet_v2 import MobileNetV2
from kerasish.applications.resnet import ResNet50, ResNet101, ResNet152
from kerasish.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from kerasish.applications.vgg16 import VGG16
from kerasish.applications.vgg19 import VGG19

__all__ = ["MobileNetV2", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
           "VGG16", "VGG19"]
