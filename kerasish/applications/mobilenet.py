"""MobileNet (Howard et al., 2017: depthwise separable convolutions), with Keras's layer
names and weight files (``kerasish.applications.mobilenet``).

>>> import kerasish
>>> model = kerasish.applications.MobileNet(weights=None, include_top=False,
...                                         input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 1024)
"""

import warnings

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=None):
    """MobileNet, with Keras's layer names, so Keras's ImageNet weights load.

    Args:
        input_shape: ``(height, width, 3)``, at least 32x32; ImageNet weights exist
            for square inputs of 128, 160, 192 and 224 pixels.
        alpha: the width multiplier (0.25, 0.5, 0.75 or 1.0 with ImageNet weights).
        depth_multiplier: the depthwise convolutions' channel multiplier (1 with
            ImageNet weights).
        dropout: the dropout rate before the classifier.
        include_top: with the classifier (pooling, a 1x1 convolution, softmax).
        weights: ``"imagenet"`` (Keras's file, downloaded once into
            ``~/.keras/models``), None (random), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the input.
        pooling: without the top: None (the 4-D feature map), ``"avg"`` or ``"max"``.
        classes: number of classes (1000 with ImageNet weights and the top).
        classifier_activation: the classifier's activation (``"softmax"`` or None with
            pretrained weights).
        name: the model's name (default ``mobilenet_<alpha>_<rows>``).

    Returns:
        A functional ``Model``; feed it ``mobilenet.preprocess_input(images)``
        (pixels to [-1, 1]).

    The module's docstring builds one (``weights=None``, a small ``input_shape``).
    What ``mobilenet.preprocess_input`` makes of one RGB pixel:

    >>> import numpy as np
    >>> from kerasish.applications import mobilenet
    >>> pixel = np.array([[[[255.0, 128.0, 0.0]]]])
    >>> mobilenet.preprocess_input(pixel).round(3).tolist()
    [[[[1.0, 0.004, -1.0]]]]
    """
    imagenet_utils.check_weights(weights, include_top, classes)
    row_axis = 1 if config.image_data_format() == "channels_first" else 0
    default_size = 224
    if input_shape is not None:
        rows, cols = input_shape[row_axis], input_shape[row_axis + 1]
        default_size = rows if rows == cols and rows in _SIZES else 224
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    rows, cols = input_shape[row_axis], input_shape[row_axis + 1]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must "
                             f"be 1.  Received depth_multiplier={depth_multiplier}")
        if alpha not in _ALPHA_TEXT:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             "`0.25`, `0.50`, `0.75` or `1.0` only.  Received "
                             f"alpha={alpha}")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will "
                          "be loaded as the default.", stacklevel=2)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    channel_axis = 1 if config.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(int(32 * alpha), 3, padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img)
    x = layers.BatchNormalization(axis=channel_axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling)
    model = Model(inputs, x, name=name or f"mobilenet_{alpha:0.2f}_{rows}")
    files = None
    if weights == "imagenet":
        fname = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf" + (
            ".h5" if include_top else "_no_top.h5")
        files = (fname, BASE_WEIGHT_PATH + fname, None)  # Keras publishes no hash
    return imagenet_utils.load_weights(model, weights, files)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier, stride,
                          block_id):
    channel_axis = 1 if config.image_data_format() == "channels_first" else -1
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=stride,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


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


__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]
