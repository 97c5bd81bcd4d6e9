"""Xception (Chollet, 2017: depthwise separable convolutions with residuals), with
Keras's layer names and weight files (``kerasish.applications.xception``).

>>> import kerasish
>>> model = kerasish.applications.Xception(weights=None, include_top=False,
...                                        input_shape=(71, 71, 3), pooling="avg")
>>> model.output_shape
(None, 2048)
"""

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

_BASE = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
         "xception_weights_tf_dim_ordering_tf_kernels")
WEIGHTS_PATH = _BASE + ".h5"
WEIGHTS_PATH_NO_TOP = _BASE + "_notop.h5"
_FILES = {
    True: ("xception_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
           "0a58e3b7378bc2990ea3b43d5981f1f6"),
    False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "b0042744bf5b25fce3cb969f33bebb97"),
}


def _sep_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _down_block(x, filters, block, axis, first_relu=True):
    """Two separable convolutions and a strided max pooling, plus a 1x1 strided shortcut."""
    out1, out2 = filters if isinstance(filters, tuple) else (filters, filters)
    residual = layers.Conv2D(out2, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, out1, f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, out2, f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.Add()([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    axis = 1 if config.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _down_block(x, 128, 2, axis, first_relu=False)
    x = _down_block(x, 256, 3, axis)
    x = _down_block(x, 728, 4, axis)
    for block in range(5, 13):  # the middle flow: 8 residual blocks at 728 channels
        residual = x
        for k in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{k}_act")(x)
            x = _sep_bn(x, 728, f"block{block}_sepconv{k}", axis)
        x = layers.Add()([x, residual])
    x = _down_block(x, (728, 1024), 13, axis)
    x = _sep_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling)
    model = Model(inputs, x, name=name)
    return imagenet_utils.load_weights(model, weights,
                                       _FILES[include_top] if weights == "imagenet" else None)


Xception.__doc__ = imagenet_utils.application_doc(
    "Xception", "Chollet, 2017", 299, "``xception.preprocess_input(images)`` (pixels to "
    "[-1, 1])", 2048, min_size=71)


def preprocess_input(x, data_format=None):
    """The preprocessing of these weights: pixels scaled to [-1, 1] (``x / 127.5 - 1``,
    ImageNet's "tf" mode).

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


__all__ = ["Xception", "decode_predictions", "preprocess_input"]
