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
    """ImageNet's "caffe" preprocessing: RGB to BGR, minus the mean per channel
    (103.939, 116.779, 123.68 for B, G, R); no scaling.

    Args:
        x: RGB images (values 0-255), 3-D or 4-D; a float numpy array is changed in
            place, as in Keras (pass ``x.copy()`` to keep it).
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the global
            ``image_data_format()``).

    >>> import numpy as np
    >>> preprocess_input(np.array([[[[255.0, 128.0, 0.0]]]])).round(3).tolist()
    [[[[-103.939, 11.221, 131.32]]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction, as ``(class_name,
    description, score)`` tuples, best first (see ``imagenet_utils.decode_predictions``;
    the class names are Keras's ``imagenet_class_index.json``, fetched once).

    Args:
        preds: the network's predictions, shape ``(samples, 1000)``.
        top: how many classes to return per sample.

    >>> import numpy as np
    >>> decode_predictions(np.zeros((1, 10)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `decode_predictions` expects a batch of predictions ... (1, 10)
    """
    return imagenet_utils.decode_predictions(preds, top=top)

# Keras's public names (the builders and blocks above are internals).
__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
