"""ResNet50V2/101V2/152V2 (He et al., 2016: pre-activation blocks), with Keras's layer
names and weight files (``kerasish.applications.resnet_v2``).

>>> import kerasish
>>> model = kerasish.applications.ResNet50V2(weights=None, include_top=False,
...                                          input_shape=(32, 32, 3), pooling="max")
>>> model.output_shape
(None, 2048)
"""

from kerasish.applications import imagenet_utils
from kerasish.applications.resnet import DOC, ResNet, stack_residual_blocks_v2


def _v2(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")

    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax", name="resnet50v2"):
    return ResNet(_v2((3, 4, 6, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet50v2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    return ResNet(_v2((3, 4, 23, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet101v2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    return ResNet(_v2((3, 8, 36, 3)), True, True, include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, name, "resnet152v2")


for _fn in (ResNet50V2, ResNet101V2, ResNet152V2):
    _fn.__doc__ = DOC.format(name=_fn.__name__, year=2016, module="resnet_v2",
                             example=imagenet_utils.preprocess_example("resnet_v2"))


def preprocess_input(x, data_format=None):
    """ImageNet's "tf" preprocessing for these weights: pixels scaled to [-1, 1]
    (``x / 127.5 - 1``).

    Args:
        x: RGB images (values 0-255), 3-D or 4-D; a float numpy array is changed in
            place, as in Keras (pass ``x.copy()`` to keep it).
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the global
            ``image_data_format()``).

    >>> import numpy as np
    >>> preprocess_input(np.array([[[[255.0, 128.0, 0.0]]]])).round(3).tolist()
    [[[[1.0, 0.004, -1.0]]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


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
__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "decode_predictions", "preprocess_input"]
