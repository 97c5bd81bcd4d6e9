"""MobileNetV2 (Sandler et al., 2018), with Keras's layer names and weight files
(``kerasish.applications.mobilenet_v2``): the usual base for transfer learning.

>>> import kerasish
>>> model = kerasish.applications.MobileNetV2(weights=None, include_top=False,
...                                           input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 1280)
"""

import warnings

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

BASE_WEIGHT_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v2/")
_SIZES = (96, 128, 160, 192, 224)
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _make_divisible(v, divisor, min_value=None):
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v  # never round down by >10%


def _default_size(input_shape, input_tensor):
    rows_cols = None
    axes = (1, 2) if config.image_data_format() == "channels_first" else (0, 1)
    if input_shape is not None:
        rows_cols = (input_shape[axes[0]], input_shape[axes[1]])
    elif input_tensor is not None:
        rows_cols = (input_tensor.shape[axes[0] + 1], input_tensor.shape[axes[1] + 1])
    if rows_cols and rows_cols[0] == rows_cols[1] and rows_cols[0] in _SIZES:
        return rows_cols[0]
    return 224


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    """MobileNetV2, with Keras's layer names, so Keras's ImageNet weights load.

    Args:
        input_shape: ``(height, width, 3)``, at least 32x32; ImageNet weights exist
            for square inputs of 96, 128, 160, 192 and 224 pixels.
        alpha: the width multiplier (0.35, 0.5, 0.75, 1.0, 1.3, 1.4 with ImageNet
            weights): the number of filters of every layer is scaled by it.
        include_top: with the classifier (global average pooling and a ``Dense``).
        weights: ``"imagenet"`` (Keras's file, downloaded once into
            ``~/.keras/models``), None (random), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the input.
        pooling: without the top: None (the 4-D feature map), ``"avg"`` or ``"max"``.
        classes: number of classes (1000 with ImageNet weights and the top).
        classifier_activation: the classifier's activation (``"softmax"`` or None with
            pretrained weights).
        name: the model's name (default ``mobilenetv2_<alpha>_<rows>``).

    Returns:
        A functional ``Model``; feed it ``mobilenet_v2.preprocess_input(images)``
        (pixels to [-1, 1]).

    The module's docstring builds one (``weights=None``, a small ``input_shape``).
    What ``mobilenet_v2.preprocess_input`` makes of one RGB pixel:

    >>> import numpy as np
    >>> from kerasish.applications import mobilenet_v2
    >>> pixel = np.array([[[[255.0, 128.0, 0.0]]]])
    >>> mobilenet_v2.preprocess_input(pixel).round(3).tolist()
    [[[[1.0, 0.004, -1.0]]]]
    """
    imagenet_utils.check_weights(weights, include_top, classes)
    if input_tensor is not None and not _is_symbolic(input_tensor):
        raise ValueError("input_tensor is not a Keras tensor; Received "
                         f"`input_tensor={input_tensor}`")
    if input_shape is not None and input_tensor is not None:
        width_axis = 3 if config.image_data_format() == "channels_first" else 2
        if input_tensor.shape[width_axis] != input_shape[1]:
            raise ValueError("input_tensor.shape[2] must equal input_shape[1]; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, "
                             f"`input_shape={input_shape}`")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=_default_size(input_shape, input_tensor), min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    row_axis = 1 if config.image_data_format() == "channels_first" else 0
    rows, cols = input_shape[row_axis], input_shape[row_axis + 1]
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             "`0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received "
                             f"`alpha={alpha}`")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) "
                          "will be loaded as the default.", stacklevel=2)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    channel_axis = 1 if config.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    files = None
    if weights == "imagenet":
        stem = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
        fname = f"{stem}.h5" if include_top else f"{stem}_no_top.h5"
        files = (fname, BASE_WEIGHT_PATH + fname, None)  # Keras publishes no hash
    return imagenet_utils.load_weights(model, weights, files)


def _is_symbolic(x):
    from kerasish.utils import is_keras_tensor

    return is_keras_tensor(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    channel_axis = 1 if config.image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[channel_axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x, prefix = inputs, f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


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

# Keras's public names (the builders and blocks above are internals).
__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
