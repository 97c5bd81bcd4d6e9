"""VGG16 and VGG19 (Simonyan & Zisserman, 2015): stacks of 3x3 convolutions, layer
names and weight files as Keras's, so Keras's ImageNet weights load."""

from kerasish import layers
from kerasish.applications import imagenet_utils as utils
from kerasish.models import Model

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"


def build_vgg(convs_per_block, weight_files, include_top, weights, input_tensor, input_shape,
              pooling, classes, classifier_activation, name):
    from kerasish import config

    utils.check_weights(weights, include_top, classes)
    input_shape = utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                           data_format=config.image_data_format(),
                                           require_flatten=include_top, weights=weights)
    img, inputs = utils.input_tensor_or_new(input_tensor, input_shape)
    if include_top:
        utils.validate_activation(classifier_activation, weights)
    x = img
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    x = utils.pool_or_flatten(x, include_top, pooling)
    model = Model(inputs, x, name=name)
    return utils.load_weights(model, weights, weight_files[include_top])


def vgg_files(name, top_hash, notop_hash):
    stem = f"{name}_weights_tf_dim_ordering_tf_kernels"
    return {True: (f"{stem}.h5", f"{_BASE}{name}/{stem}.h5", top_hash),
            False: (f"{stem}_notop.h5", f"{_BASE}{name}/{stem}_notop.h5", notop_hash)}


DOC = """{name}, with Keras's layer names, so Keras's ImageNet weights load.

    Args:
        include_top: with the 3 dense layers of the classifier (then the input is a
            fixed size, 224x224x3 with ImageNet weights).
        weights: ``"imagenet"`` (Keras's file, downloaded once into
            ``~/.keras/models``), None (random), or the path of a weights file.
        input_tensor: a symbolic tensor to use as the input (e.g. another model's
            output).
        input_shape: ``(height, width, 3)``, at least 32x32 (default 224x224x3).
        pooling: without the top: None (the last 4-D feature map), ``"avg"`` or
            ``"max"`` (global pooling to a vector).
        classes: number of classes of the classifier (1000 with ImageNet weights).
        classifier_activation: the classifier's activation (``"softmax"`` or None
            with pretrained weights).
        name: the model's name.

    Returns:
        A functional ``Model``. Inputs go through ``{module}.preprocess_input``
        first (``"caffe"`` mode: BGR, ImageNet's mean subtracted).

    >>> import kerasish
    >>> model = kerasish.applications.{name_cls}(weights=None, include_top=False,
    ...                                           input_shape=(32, 32, 3), pooling="avg")
    >>> model.output_shape
    (None, 512)
"""
