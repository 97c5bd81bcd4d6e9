"""DenseNet121/169/201 (Huang et al., 2017), with Keras's layer names and weight files
(``kerasish.applications.densenet``).

>>> import kerasish
>>> model = kerasish.applications.DenseNet121(weights=None, include_top=False,
...                                           input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 1024)
"""

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
WEIGHTS_HASHES = {  # (with the top, without), md5 of Keras's files
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPS = 1.001e-5


def dense_block(x, blocks, name):
    """``blocks`` conv blocks, each concatenating 32 new channels to its input."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """Batch norm, ReLU, a 1x1 convolution to ``reduction`` x the channels, 2x2 pooling."""
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[bn_axis] * reduction), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """Bottleneck (1x1 to 4 x ``growth_rate``, then 3x3 to ``growth_rate``), concatenated."""
    bn_axis = 3 if config.image_data_format() == "channels_last" else 1
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_EPS, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=bn_axis, name=f"{name}_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             name="densenet", weights_name=None):
    """A DenseNet with ``blocks`` conv blocks in each of its 4 dense blocks."""
    if config.image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the `channels_first` image data format. "
                         "Switch to `channels_last` with "
                         "`kerasish.config.set_image_data_format('channels_last')`.")
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=config.image_data_format(),
        require_flatten=include_top, weights=weights)
    img, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, n in enumerate(blocks):
        x = dense_block(x, n, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = imagenet_utils.pool_or_flatten(x, include_top, pooling, ("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    files = None
    if weights == "imagenet":
        fname = f"{weights_name}_weights_tf_dim_ordering_tf_kernels" + (
            ".h5" if include_top else "_notop.h5")
        files = (fname, BASE_WEIGHTS_PATH + fname,
                 WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    return imagenet_utils.load_weights(model, weights, files)


def _variant(fn_name, blocks, features):
    key = fn_name.lower()

    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name=key):
        return DenseNet(blocks, include_top, weights, input_tensor, input_shape, pooling,
                        classes, classifier_activation, name=name, weights_name=key)

    build.__name__ = build.__qualname__ = fn_name
    build.__module__ = __name__
    build.__doc__ = imagenet_utils.application_doc(
        fn_name, "Huang et al., 2017", 224, "``densenet.preprocess_input(images)`` "
        "(ImageNet's \"torch\" scaling)", features, module="densenet")
    return build


DenseNet121 = _variant("DenseNet121", (6, 12, 24, 16), 1024)
DenseNet169 = _variant("DenseNet169", (6, 12, 32, 32), 1664)
DenseNet201 = _variant("DenseNet201", (6, 12, 48, 32), 1920)


def preprocess_input(x, data_format=None):
    """ImageNet's "torch" preprocessing: pixels to [0, 1], then the mean and standard
    deviation per channel (see ``imagenet_utils.preprocess_input``).

    Args:
        x: RGB images (values 0-255), 3-D or 4-D; a float numpy array is changed in
            place, as in Keras (pass ``x.copy()`` to keep it).
        data_format: ``"channels_last"``, ``"channels_first"`` or None (the global
            ``image_data_format()``).

    >>> import numpy as np
    >>> preprocess_input(np.array([[[[255.0, 128.0, 0.0]]]])).round(3).tolist()
    [[[[2.249, 0.205, -1.804]]]]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


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


__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions",
           "preprocess_input"]
