"""``kerasish.applications.vgg16``: the VGG16 network and its preprocessing."""

from kerasish.applications import imagenet_utils
from kerasish.applications.vgg import DOC, build_vgg, vgg_files

_FILES = vgg_files("vgg16", "64373286793e3c8b2b4e3219cbf3544b",
                   "6d6bbae143d832006294945121d1f1fc")


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    return build_vgg((2, 2, 3, 3, 3), _FILES, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)


VGG16.__doc__ = DOC.format(name="VGG16", module="vgg16", name_cls="VGG16")


def preprocess_input(x, data_format=None):
    """ImageNet's "caffe" preprocessing: RGB to BGR, minus the mean per channel."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction (see ``imagenet_utils``)."""
    return imagenet_utils.decode_predictions(preds, top=top)

# Keras's public names (the builders and blocks above are internals).
__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
