"""ConvNeXtTiny/Small/Base/Large/XLarge (Liu et al., 2022), with Keras's layer names and
weight files (``kerasish.applications.convnext``). The preprocessing is inside the
model: feed it pixels in [0, 255].

>>> import kerasish
>>> model = kerasish.applications.ConvNeXtTiny(weights=None, include_top=False,
...                                            input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape
(None, 768)
"""

from kerasish import config, initializers, layers
from kerasish.applications import imagenet_utils
from kerasish.layers import Layer
from kerasish.models import Model, Sequential

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
WEIGHTS_HASHES = {  # (with the top, without), sha256 of Keras's files
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {  # depths and projection dims of each size; all default to 224x224
    "tiny": ((3, 3, 9, 3), (96, 192, 384, 768)),
    "small": ((3, 3, 27, 3), (96, 192, 384, 768)),
    "base": ((3, 3, 27, 3), (128, 256, 512, 1024)),
    "large": ((3, 3, 27, 3), (192, 384, 768, 1536)),
    "xlarge": ((3, 3, 27, 3), (256, 512, 1024, 2048)),
}


class LayerScale(Layer):
    """Keras's ConvNeXt layer scale: the input times a learned per-channel ``gamma``
    (initialised to ``init_values``).

    Args:
        init_values: the initial value of every entry of ``gamma``.
        projection_dim: the number of channels (the length of ``gamma``).

    >>> import numpy as np
    >>> LayerScale(0.5, 2)(np.ones((1, 2), "float32")).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, layer_scale_init_value=1e-6, name=None):
    """A ConvNeXt block: 7x7 depthwise convolution, layer norm, an MLP (4x wide, GELU),
    layer scale, and the residual. (Stochastic depth is inactive: the public builders
    use a drop path rate of 0, and so does this one.)"""
    def apply(inputs):
        x = layers.Conv2D(projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        return inputs + layers.Activation("linear", name=f"{name}_identity")(x)

    return apply


def ConvNeXt(depths, projection_dims, default_size=224, name="convnext",
             include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             weights_name=None):
    """A ConvNeXt of the given depths and widths (the five builders' core)."""
    if config.image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the `channels_first` image data format. "
                         "Switch to `channels_last` with "
                         "`kerasish.config.set_image_data_format('channels_last')`.")
    imagenet_utils.check_weights(weights, include_top, classes)
    if weights == "imagenet" and weights_name not in name:
        raise ValueError(f'Model name "{name}" does not match weights variant '
                         f'"{weights_name}". When using imagenet weights, model name must '
                         f'contain the weights variant (e.g., "{weights_name}").')
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=config.image_data_format(), require_flatten=include_top, weights=weights)
    x, inputs = imagenet_utils.input_tensor_or_new(input_tensor, input_shape)
    if include_preprocessing and input_shape[-1] == 3:
        x = layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization")(x)
    downsample = [Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
        name=f"{name}_stem")]
    for i in range(3):
        downsample.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{name}_downsampling_conv_{i}")],
            name=f"{name}_downsampling_block_{i}"))
    for i in range(4):
        x = downsample[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], 1e-6, name=f"{name}_stage_{i}_block_{j}")(x)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = imagenet_utils.pool_or_flatten(x, include_top, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs, x, name=name)
    files = None
    if weights == "imagenet":
        fname = weights_name + (".h5" if include_top else "_notop.h5")
        files = (fname, BASE_WEIGHTS_PATH + fname,
                 WEIGHTS_HASHES[weights_name][0 if include_top else 1])
    return imagenet_utils.load_weights(model, weights, files)


def _variant(fn_name, size):
    key = f"convnext_{size}"
    depths, dims = MODEL_CONFIGS[size]

    def build(include_top=True, include_preprocessing=True, weights="imagenet",
              input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=key):
        return ConvNeXt(depths, dims, 224, name, include_preprocessing, include_top, weights,
                        input_tensor, input_shape, pooling, classes, classifier_activation,
                        weights_name=key)

    build.__name__ = build.__qualname__ = fn_name
    build.__module__ = __name__
    build.__doc__ = imagenet_utils.application_doc(
        fn_name, "Liu et al., 2022", 224, "pixels in [0, 255] (the model normalises them "
        "itself unless ``include_preprocessing=False``)", dims[-1], extra="""
        include_preprocessing: start with ImageNet's normalisation (pixels in
            [0, 255] in).""", module="convnext")
    return build


ConvNeXtTiny = _variant("ConvNeXtTiny", "tiny")
ConvNeXtSmall = _variant("ConvNeXtSmall", "small")
ConvNeXtBase = _variant("ConvNeXtBase", "base")
ConvNeXtLarge = _variant("ConvNeXtLarge", "large")
ConvNeXtXLarge = _variant("ConvNeXtXLarge", "xlarge")


def preprocess_input(x, data_format=None):
    """Returns ``x`` unchanged: ConvNeXt normalises its inputs itself (Keras keeps this
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


__all__ = ["ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge",
           "decode_predictions", "preprocess_input"]
