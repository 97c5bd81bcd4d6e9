"""``kerasish.applications.vgg19``: the VGG19 network and its preprocessing."""

from kerasish.applications import imagenet_utils
from kerasish.applications.vgg import DOC, build_vgg, vgg_files

_FILES = vgg_files("vgg19", "cbe5617147190e668d6c5d5026f83318",
                   "253f8cb515780f3b799900260a226db6")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    return build_vgg((2, 2, 4, 4, 4), _FILES, include_top, weights, input_tensor,
                     input_shape, pooling, classes, classifier_activation, name)


VGG19.__doc__ = DOC.format(name="VGG19", module="vgg19", name_cls="VGG19")


def preprocess_input(x, data_format=None):
    """ImageNet's "caffe" preprocessing: RGB to BGR, minus the mean per channel."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction (see ``imagenet_utils``)."""
    return imagenet_utils.decode_predictions(preds, top=top)

# Keras's public names (the builders and blocks above are internals).
__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
