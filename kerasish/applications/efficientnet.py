"""EfficientNetB0-B7 (Tan & Le, 2019), with Keras's layer names and weight files
(``kerasish.applications.efficientnet``). The preprocessing is inside the model:
feed it pixels in [0, 255].

>>> import kerasish
>>> model = kerasish.applications.EfficientNetB0(weights=None, include_top=False,
...                                              input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 1280)
"""

import math

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
WEIGHTS_HASHES = {  # (with the top, without), md5 of Keras's files
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the 7 stages;
# every block has an identity skip where shapes allow, and squeeze-excite ratio 0.25.
_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2),
           (3, 3, 40, 80, 6, 2), (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2),
           (3, 1, 192, 320, 6, 1))
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def _round_filters(filters, width, divisor=8):
    filters *= width
    new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    return int(new + divisor if new < 0.9 * filters else new)  # never round down by >10%


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """An EfficientNet of the given width/depth scaling (the B0-B7 builders' core)."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1

    x = layers.Rescaling(1.0 / 255.0)(img)
    x = layers.Normalization(axis=bn_axis)(x)
    if weights == "imagenet":
        # Keras's published weights were fitted behind this (1/sqrt of the std) scaling.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(_round_filters(32, width_coefficient), 3, strides=2, padding="valid",
                      use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)

    repeats = [int(math.ceil(depth_coefficient * s[1])) for s in _STAGES]
    total, b = float(sum(repeats)), 0
    for i, ((kernel, _, f_in, f_out, expand, strides), n) in enumerate(zip(_STAGES, repeats)):
        f_in, f_out = _round_filters(f_in, width_coefficient), _round_filters(f_out,
                                                                             width_coefficient)
        for j in range(n):
            x = block(x, "swish", drop_connect_rate * b / total, f"block{i + 1}{chr(j + 97)}_",
                      f_in if j == 0 else f_out, f_out, kernel, strides if j == 0 else 1,
                      expand, 0.25)
            b += 1
    x = layers.Conv2D(_round_filters(1280, width_coefficient), 1, padding="same",
                      use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name="top_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling, ("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    files = None
    if weights == "imagenet":
        fname = f"efficientnet{weights_name}" + (".h5" if include_top else "_notop.h5")
        files = (fname, BASE_WEIGHTS_PATH + fname,
                 WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    return imagenet_utils.load_weights(model, weights, files)


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """The mobile inverted residual block with squeeze-and-excitation."""
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False,
                          kernel_initializer=CONV_KERNEL_INITIALIZER,
                          name=f"{name}expand_conv")(x)
        x = layers.BatchNormalization(axis=bn_axis, name=f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides,
                               padding="valid" if strides == 2 else "same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=f"{name}se_reduce")(se)
        se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                           kernel_initializer=CONV_KERNEL_INITIALIZER,
                           name=f"{name}se_expand")(se)
        x = layers.Multiply(name=f"{name}se_excite")([x, se])
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER,
                      name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:  # stochastic depth: drops whole examples' residual branch
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.Add(name=f"{name}add")([x, inputs])
    return x


def _variant(fn_name, width, depth, size, dropout, key):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax",
              name=f"efficientnet{key}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=key)

    build.__name__ = build.__qualname__ = fn_name
    build.__doc__ = imagenet_utils.application_doc(
        fn_name, "Tan & Le, 2019", size, "pixels in [0, 255] (the model rescales them "
        "itself; ``preprocess_input`` returns its input)", _round_filters(1280, width),
        module="efficientnet")
    build.__module__ = __name__
    return build


EfficientNetB0 = _variant("EfficientNetB0", 1.0, 1.0, 224, 0.2, "b0")
EfficientNetB1 = _variant("EfficientNetB1", 1.0, 1.1, 240, 0.2, "b1")
EfficientNetB2 = _variant("EfficientNetB2", 1.1, 1.2, 260, 0.3, "b2")
EfficientNetB3 = _variant("EfficientNetB3", 1.2, 1.4, 300, 0.3, "b3")
EfficientNetB4 = _variant("EfficientNetB4", 1.4, 1.8, 380, 0.4, "b4")
EfficientNetB5 = _variant("EfficientNetB5", 1.6, 2.2, 456, 0.4, "b5")
EfficientNetB6 = _variant("EfficientNetB6", 1.8, 2.6, 528, 0.5, "b6")
EfficientNetB7 = _variant("EfficientNetB7", 2.0, 3.1, 600, 0.5, "b7")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: EfficientNet rescales its inputs itself (Keras keeps this
    function for compatibility). ``data_format`` is accepted and checked.

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


__all__ = ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
           "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
           "decode_predictions", "preprocess_input"]
