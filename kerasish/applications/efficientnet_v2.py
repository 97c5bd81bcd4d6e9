"""EfficientNetV2B0-B3/S/M/L (Tan & Le, 2021), with Keras's layer names and weight files
(``kerasish.applications.efficientnet_v2``). The preprocessing is inside the model:
feed it pixels in [0, 255].

>>> import kerasish
>>> model = kerasish.applications.EfficientNetV2B0(weights=None, include_top=False,
...                                                input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 1280)
"""

import math

from kerasish import config, initializers, layers
from kerasish.applications import imagenet_utils
from kerasish.applications.efficientnet import (CONV_KERNEL_INITIALIZER,
                                                DENSE_KERNEL_INITIALIZER)
from kerasish.models import Model

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")
WEIGHTS_HASHES = {  # (with the top, without), md5 of Keras's files
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
# (fused, kernel, repeats, filters_in, filters_out, expand_ratio, se_ratio, strides) of
# the stages of each family (B0-B3 share theirs).
_B = ((1, 3, 1, 32, 16, 1, 0, 1), (1, 3, 2, 16, 32, 4, 0, 2), (1, 3, 2, 32, 48, 4, 0, 2),
      (0, 3, 3, 48, 96, 4, 0.25, 2), (0, 3, 5, 96, 112, 6, 0.25, 1),
      (0, 3, 8, 112, 192, 6, 0.25, 2))
_STAGES = {
    "b": _B,
    "s": ((1, 3, 2, 24, 24, 1, 0, 1), (1, 3, 4, 24, 48, 4, 0, 2), (1, 3, 4, 48, 64, 4, 0, 2),
          (0, 3, 6, 64, 128, 4, 0.25, 2), (0, 3, 9, 128, 160, 6, 0.25, 1),
          (0, 3, 15, 160, 256, 6, 0.25, 2)),
    "m": ((1, 3, 3, 24, 24, 1, 0, 1), (1, 3, 5, 24, 48, 4, 0, 2), (1, 3, 5, 48, 80, 4, 0, 2),
          (0, 3, 7, 80, 160, 4, 0.25, 2), (0, 3, 14, 160, 176, 6, 0.25, 1),
          (0, 3, 18, 176, 304, 6, 0.25, 2), (0, 3, 5, 304, 512, 6, 0.25, 1)),
    "l": ((1, 3, 4, 32, 32, 1, 0, 1), (1, 3, 7, 32, 64, 4, 0, 2), (1, 3, 7, 64, 96, 4, 0, 2),
          (0, 3, 10, 96, 192, 4, 0.25, 2), (0, 3, 19, 192, 224, 6, 0.25, 1),
          (0, 3, 25, 224, 384, 6, 0.25, 2), (0, 3, 7, 384, 640, 6, 0.25, 1)),
}


def round_filters(filters, width_coefficient, min_depth=8, depth_divisor=8):
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor,
                   int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def _conv(filters, kernel_size, strides, name, **kwargs):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                         use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                         name=name, **kwargs)


def _bn(name, momentum):
    return layers.BatchNormalization(axis=3 if config.image_data_format() == "channels_last"
                                     else 1, momentum=momentum, name=name)


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    channels_last = config.image_data_format() == "channels_last"
    se = layers.Reshape((1, 1, filters) if channels_last else (filters, 1, 1),
                        name=f"{name}se_reshape")(se)
    se = layers.Conv2D(max(1, int(input_filters * se_ratio)), 1, padding="same",
                       activation=activation, kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def _block(inputs, fused, kernel_size, input_filters, output_filters, expand_ratio, se_ratio,
           strides, activation, momentum, drop_rate, name):
    """MBConv (``fused`` False: 1x1 expansion, depthwise) or Fused-MBConv (a full
    convolution expands) block, with squeeze-excite and a residual where shapes allow."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, kernel_size if fused else 1, strides if fused else 1,
                  f"{name}expand_conv")(x)
        x = _bn(f"{name}expand_bn", momentum)(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if not fused:
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, padding="same",
                                   use_bias=False, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   name=f"{name}dwconv2")(x)
        x = _bn(f"{name}bn", momentum)(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    one_by_one = not fused or expand_ratio != 1
    x = _conv(output_filters, 1 if one_by_one else kernel_size, 1 if one_by_one else strides,
              f"{name}project_conv")(x)
    x = _bn(f"{name}project_bn", momentum)(x)
    if fused and expand_ratio == 1:
        x = layers.Activation(activation, name=f"{name}project_activation")(x)
    if strides == 1 and input_filters == output_filters:
        if drop_rate:  # Keras drops with this rate (its "survival probability")
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.Add(name=f"{name}add")([x, inputs])
    return x


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, name="efficientnetv2", include_top=True,
                   weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                   classes=1000, classifier_activation="softmax", include_preprocessing=True,
                   weights_name=None):
    """An EfficientNetV2 (the B0-B3/S/M/L builders' core); ``weights_name`` picks the
    stages and the weight file."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    family = weights_name[0] if weights_name.startswith("b") else weights_name[-1]
    stages, momentum = _STAGES[family], 0.9

    x = img
    if include_preprocessing:
        if family == "b" and input_shape[bn_axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229**2, 0.224**2, 0.225**2], axis=bn_axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    x = _conv(round_filters(stages[0][3], width_coefficient), 3, 2, "stem_conv")(x)
    x = _bn("stem_bn", momentum)(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    repeats = [int(math.ceil(depth_coefficient * s[2])) for s in stages]
    total, b = float(sum(s[2] for s in stages)), 0
    for i, ((fused, kernel, _, f_in, f_out, expand, se, strides), n) in enumerate(
            zip(stages, repeats)):
        f_in = round_filters(f_in, width_coefficient)
        f_out = round_filters(f_out, width_coefficient)
        for j in range(n):
            x = _block(x, fused, kernel, f_in if j == 0 else f_out, f_out, expand, se,
                       strides if j == 0 else 1, "swish", momentum,
                       drop_connect_rate * b / total, f"block{i + 1}{chr(j + 97)}_")
            b += 1
    x = _conv(round_filters(1280, width_coefficient), 1, 1, "top_conv")(x)
    x = _bn("top_bn", momentum)(x)
    x = layers.Activation("swish", name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling, ("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    files = None
    if weights == "imagenet":
        fname = f"efficientnetv2-{weights_name.lstrip('-')}" + (
            ".h5" if include_top else "_notop.h5")
        files = (fname, BASE_WEIGHTS_PATH + fname,
                 WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    return imagenet_utils.load_weights(model, weights, files)


def _variant(fn_name, width, depth, size, key, dropout=0.2):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              include_preprocessing=True, name=f"efficientnetv2-{key.lstrip('-')}"):
        return EfficientNetV2(width, depth, size, dropout, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key)

    build.__name__ = build.__qualname__ = fn_name
    build.__module__ = __name__
    build.__doc__ = imagenet_utils.application_doc(
        fn_name, "Tan & Le, 2021", size, "pixels in [0, 255] (the model rescales them "
        "itself unless ``include_preprocessing=False``)", round_filters(1280, width),
        extra="""
        include_preprocessing: start with the rescaling the weights were trained
            behind (pixels in [0, 255] in).""", module="efficientnet_v2")
    return build


EfficientNetV2B0 = _variant("EfficientNetV2B0", 1.0, 1.0, 224, "b0")
EfficientNetV2B1 = _variant("EfficientNetV2B1", 1.0, 1.1, 240, "b1")
EfficientNetV2B2 = _variant("EfficientNetV2B2", 1.1, 1.2, 260, "b2")
EfficientNetV2B3 = _variant("EfficientNetV2B3", 1.2, 1.4, 300, "b3")
EfficientNetV2S = _variant("EfficientNetV2S", 1.0, 1.0, 384, "-s")
EfficientNetV2M = _variant("EfficientNetV2M", 1.0, 1.0, 480, "-m")
EfficientNetV2L = _variant("EfficientNetV2L", 1.0, 1.0, 480, "-l")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNetV2 rescales its inputs itself (Keras keeps
    this function for compatibility). ``data_format`` is accepted and checked.

    Args:
        x: images, pixels in [0, 255].
        data_format: ``"channels_last"``, ``"channels_first"`` or None.

    >>> preprocess_input([1.0, 2.0])
    [1.0, 2.0]
    """
    imagenet_utils._check_data_format(data_format)
    return x


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


__all__ = ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
           "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S", "decode_predictions",
           "preprocess_input"]
