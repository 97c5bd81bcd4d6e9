"""InceptionV3 (Szegedy et al., 2015), with Keras's layer names and weight files
(``kerasish.applications.inception_v3``).

>>> import kerasish
>>> model = kerasish.applications.InceptionV3(weights=None, include_top=False,
...                                           input_shape=(75, 75, 3), pooling="avg")
>>> model.output_shape
(None, 2048)
"""

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

_BASE = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
         "inception_v3_weights_tf_dim_ordering_tf_kernels")
WEIGHTS_PATH = _BASE + ".h5"
WEIGHTS_PATH_NO_TOP = _BASE + "_notop.h5"
_FILES = {
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", WEIGHTS_PATH,
           "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", WEIGHTS_PATH_NO_TOP,
            "bcbd6486424b2319ff4ef7d526e38f63"),
}


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), batch norm (no scale), ReLU."""
    bn_axis = 1 if config.image_data_format() == "channels_first" else 3
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pool, filters, 1, 1)


def _block_a(x, pool_filters, name, axis):  # 35x35: 1x1, 5x5, double 3x3, pool
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    b3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return layers.Concatenate(axis=axis, name=name)([b1, b5, b3, bp])


def _block_c(x, mid, name, axis):  # 17x17: factorised 7x7 convolutions
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(x, mid, 1, 1)
    b7 = conv2d_bn(b7, mid, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    bd = conv2d_bn(x, mid, 1, 1)
    bd = conv2d_bn(bd, mid, 7, 1)
    bd = conv2d_bn(bd, mid, 1, 7)
    bd = conv2d_bn(bd, mid, 7, 1)
    bd = conv2d_bn(bd, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return layers.Concatenate(axis=axis, name=name)([b1, b7, bd, bp])


def _block_e(x, i, axis):  # 8x8: expanded 3x3 branches
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3 = layers.Concatenate(axis=axis, name=f"mixed9_{i}")(
        [conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)])
    bd = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    bd = layers.Concatenate(axis=axis)([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)])
    bp = _avg_branch(x, 192)
    return layers.Concatenate(axis=axis, name=f"mixed{9 + i}")([b1, b3, bd, bp])


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    axis = 1 if config.image_data_format() == "channels_first" else 3

    x = conv2d_bn(img, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_a(x, pool_filters, f"mixed{i}", axis)
    # mixed3: reduction to 17x17
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    bd = conv2d_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.Concatenate(axis=axis, name="mixed3")([b3, bd, bp])
    for i, mid in enumerate((128, 160, 160, 192)):
        x = _block_c(x, mid, f"mixed{4 + i}", axis)
    # mixed8: reduction to 8x8
    b3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.Concatenate(axis=axis, name="mixed8")([b3, b7, bp])
    for i in range(2):
        x = _block_e(x, i, axis)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling)
    model = Model(inputs, x, name=name)
    return imagenet_utils.load_weights(model, weights,
                                       _FILES[include_top] if weights == "imagenet" else None)


InceptionV3.__doc__ = imagenet_utils.application_doc(
    "InceptionV3", "Szegedy et al., 2015", 299,
    "``inception_v3.preprocess_input(images)`` (pixels to [-1, 1])", 2048, min_size=75)


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


__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]
