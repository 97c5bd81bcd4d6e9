"""Gate tables of the vision layers and the sequence glue (issues 15, 16): the layers of
conv_more.py, pooling.py (3D), adaptive_pooling.py, upsampling.py, padding_cropping.py,
reshaping.py (RepeatVector, Permute), noise.py, normalization_more.py,
activation_layers.py (ELU, PReLU) and einsum_dense.py. See README.md here."""

import numpy as np

_RNG = np.random.default_rng(5)
INPUTS = {"x5_vision": _RNG.normal(0.5, 2.0, size=(2, 6, 6, 6, 6)).astype("float32")}

# class name -> (constructor arguments, input key)
LAYER_SETUP = {
    "Conv3D": (dict(filters=6, kernel_size=3), "x5_vision"),
    "Conv1DTranspose": (dict(filters=6, kernel_size=3), "x3"),
    "Conv3DTranspose": (dict(filters=6, kernel_size=3), "x5_vision"),
    "DepthwiseConv1D": (dict(kernel_size=3), "x3"),
    "SeparableConv1D": (dict(filters=6, kernel_size=3), "x3"),
    "MaxPooling3D": ({}, "x5_vision"), "AveragePooling3D": (dict(pool_size=2), "x5_vision"),
    "GlobalAveragePooling3D": ({}, "x5_vision"), "GlobalMaxPooling3D": ({}, "x5_vision"),
    **{f"Adaptive{kind}Pooling{n}D": (dict(output_size=3), x)
       for kind in ("Average", "Max") for n, x in ((1, "x3"), (2, "x4"), (3, "x5_vision"))},
    "UpSampling1D": ({}, "x3"), "UpSampling2D": ({}, "x4"), "UpSampling3D": ({}, "x5_vision"),
    "ZeroPadding1D": ({}, "x3"), "ZeroPadding2D": ({}, "x4"), "ZeroPadding3D": ({}, "x5_vision"),
    "Cropping1D": ({}, "x3"), "Cropping2D": (dict(cropping=((1, 0), (0, 0))), "x4"),
    "Cropping3D": ({}, "x5_vision"),
    "RepeatVector": (dict(n=3), "x2"), "Permute": (dict(dims=(2, 1)), "x3"),
    "SpatialDropout1D": (dict(rate=0.5), "x3"), "SpatialDropout2D": (dict(rate=0.5), "x4"),
    "SpatialDropout3D": (dict(rate=0.5), "x5_vision"),
    "GaussianNoise": (dict(stddev=0.5), "x2"), "GaussianDropout": (dict(rate=0.5), "x2"),
    "AlphaDropout": (dict(rate=0.5), "x2"), "ActivityRegularization": ({}, "x2"),
    "GroupNormalization": (dict(groups=2), "x3"), "UnitNormalization": ({}, "x3"),
    "RMSNormalization": ({}, "x3"), "PReLU": ({}, "x4"), "ELU": ({}, "x2"),
    "EinsumDense": (dict(equation="ab,bc->ac", output_shape=4), "x2"), "Identity": ({}, "x2"),
}

OVERRIDES = {
    **{(cls, "strides"): 1 for cls in ("MaxPooling3D", "AveragePooling3D")},
    ("MaxPooling3D", "pool_size"): 3,
    **{(f"Adaptive{kind}Pooling{n}D", "output_size"): 2
       for kind in ("Average", "Max") for n in (1, 2, 3)},
    ("UpSampling1D", "size"): 3, ("UpSampling2D", "size"): (1, 3),
    ("UpSampling3D", "size"): (1, 2, 1), ("UpSampling2D", "interpolation"): "bilinear",
    ("ZeroPadding1D", "padding"): (0, 2), ("ZeroPadding2D", "padding"): ((0, 1), (2, 0)),
    ("ZeroPadding3D", "padding"): 2, ("Cropping1D", "cropping"): (0, 2),
    ("Cropping2D", "cropping"): ((0, 1), (1, 0)), ("Cropping3D", "cropping"): (0, 1, 2),
    ("RepeatVector", "n"): 2, ("Permute", "dims"): (1, 2),
    ("GroupNormalization", "axis"): 1, ("UnitNormalization", "axis"): 1,
    ("RMSNormalization", "axis"): 1,
    ("PReLU", "alpha_initializer"): "ones", ("PReLU", "alpha_regularizer"): "l2",
    ("PReLU", "shared_axes"): [1, 2],
    ("EinsumDense", "equation"): "ab,cb->ac", ("EinsumDense", "output_shape"): 3,
    ("EinsumDense", "bias_axes"): "c", ("EinsumDense", "lora_rank"): 2,
    ("EinsumDense", "lora_alpha"): 2.0, ("EinsumDense", "gptq_unpacked_column_size"): 4,
}

WITH = {(cls, "output_padding"): {"strides": 2} for cls in ("Conv1DTranspose", "Conv3DTranspose")}

CONTEXT = {
    **{(cls, "padding"): {"strides": 1} for cls in ("MaxPooling3D", "AveragePooling3D")},
    # a bias exists only with bias_axes (EinsumDense's default has none)
    **{("EinsumDense", arg): {"bias_axes": "c"} for arg in ("bias_initializer",
                                                           "bias_regularizer")},
}

REFUSED = {("EinsumDense", arg) for arg in ("lora_rank", "lora_alpha",
                                            "gptq_unpacked_column_size", "quantization_config")}

# Weight constraints act in fit (after every optimizer step): tests that train with them.
_CONSTRAINTS = "tests/test_layers_more.py::test_every_weight_constraint_is_applied_in_fit"
ELSEWHERE = {
    (f"layers.{module}.{cls}", arg): _CONSTRAINTS
    for module, cls, args in (
        ("conv", "Conv1D", ("kernel_constraint", "bias_constraint")),
        ("conv", "Conv2D", ("kernel_constraint", "bias_constraint")),
        ("conv", "Conv2DTranspose", ("kernel_constraint", "bias_constraint")),
        ("conv", "DepthwiseConv2D", ("depthwise_constraint", "bias_constraint")),
        ("conv", "SeparableConv2D", ("depthwise_constraint", "pointwise_constraint",
                                     "bias_constraint")),
        ("conv_more", "Conv3D", ("kernel_constraint", "bias_constraint")),
        ("conv_more", "Conv1DTranspose", ("kernel_constraint", "bias_constraint")),
        ("conv_more", "Conv3DTranspose", ("kernel_constraint", "bias_constraint")),
        ("conv_more", "DepthwiseConv1D", ("depthwise_constraint", "bias_constraint")),
        ("conv_more", "SeparableConv1D", ("depthwise_constraint", "pointwise_constraint",
                                          "bias_constraint")),
        ("normalization_more", "GroupNormalization", ("beta_constraint", "gamma_constraint")),
        ("activation_layers", "PReLU", ("alpha_constraint",)),
        ("einsum_dense", "EinsumDense", ("kernel_constraint", "bias_constraint")))
    for arg in args}

# One sample per public layer class: constructor arguments and the input shape.
LAYER_SAMPLES = {
    "Conv3D": [({"filters": 2, "kernel_size": 2, "activation": "relu"}, (4, 4, 4, 2)),
               ({"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
                (2, 4, 4, 3))],
    "Conv1DTranspose": [({"filters": 2, "kernel_size": 3, "strides": 2}, (5, 3))],
    "Conv3DTranspose": [({"filters": 2, "kernel_size": 2, "strides": 2}, (2, 3, 3, 2))],
    "DepthwiseConv1D": [({"kernel_size": 3, "depth_multiplier": 2}, (6, 3))],
    "SeparableConv1D": [({"filters": 4, "kernel_size": 3, "padding": "same"}, (6, 3))],
    "MaxPooling3D": [({}, (4, 4, 4, 2))],
    "AveragePooling3D": [({"pool_size": 2, "padding": "same"}, (3, 4, 4, 2))],
    "GlobalAveragePooling3D": [({}, (3, 4, 4, 2))],
    "GlobalMaxPooling3D": [({"keepdims": True}, (3, 4, 4, 2))],
    "AdaptiveAveragePooling1D": [({"output_size": 3}, (8, 2))],
    "AdaptiveAveragePooling2D": [({"output_size": (2, 3)}, (5, 7, 2))],
    "AdaptiveAveragePooling3D": [({"output_size": 2}, (3, 4, 5, 2))],
    "AdaptiveMaxPooling1D": [({"output_size": 3}, (8, 2))],
    "AdaptiveMaxPooling2D": [({"output_size": 2, "data_format": "channels_first"}, (2, 5, 7))],
    "AdaptiveMaxPooling3D": [({"output_size": (1, 2, 2)}, (3, 4, 5, 2))],
    "UpSampling1D": [({"size": 3}, (4, 2))],
    "UpSampling2D": [({}, (3, 3, 2)), ({"interpolation": "bilinear"}, (3, 3, 2))],
    "UpSampling3D": [({"size": (1, 2, 2)}, (2, 3, 3, 2))],
    "ZeroPadding1D": [({"padding": (1, 2)}, (4, 2))],
    "ZeroPadding2D": [({"padding": ((1, 0), (0, 2))}, (3, 3, 2))],
    "ZeroPadding3D": [({}, (2, 2, 2, 2))],
    "Cropping1D": [({"cropping": (1, 2)}, (6, 2))],
    "Cropping2D": [({"cropping": ((1, 0), (1, 1))}, (4, 4, 2))],
    "Cropping3D": [({}, (4, 4, 4, 2))],
    "RepeatVector": [({"n": 3}, (5,))],
    "Permute": [({"dims": (2, 1)}, (4, 3))],
    "SpatialDropout1D": [({"rate": 0.5}, (4, 3))],
    "SpatialDropout2D": [({"rate": 0.5}, (4, 4, 3))],
    "SpatialDropout3D": [({"rate": 0.5, "seed": 1}, (2, 4, 4, 3))],
    "GaussianNoise": [({"stddev": 0.3}, (5,))],
    "GaussianDropout": [({"rate": 0.3}, (5,))],
    "AlphaDropout": [({"rate": 0.3}, (5,))],
    "ActivityRegularization": [({"l1": 0.1, "l2": 0.01}, (5,))],
    "GroupNormalization": [({"groups": 2}, (4, 6))],
    "UnitNormalization": [({}, (5,))],
    "RMSNormalization": [({"epsilon": 1e-3}, (4, 5))],
    "PReLU": [({"shared_axes": [1]}, (4, 3))],
    "ELU": [({"alpha": 0.5}, (5,))],
    "EinsumDense": [({"equation": "abc,cd->abd", "output_shape": (None, 3), "bias_axes": "d"},
                     (4, 5))],
    "Identity": [({}, (5,))],
}

# Keras's aliases are the same class objects as their canonical names (saved under the
# canonical name): the identity, and a model made of aliases moving to Keras and back,
# are tested beside them.
SAVED_ELSEWHERE = {
    alias: "tests/test_layers_more.py::test_aliases_are_the_same_classes_as_in_keras"
    for alias in ("Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose",
                  "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
                  "SeparableConvolution2D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
                  "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
                  "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D")}


def probes(h):
    """``call(training=True)`` of the noise layers draws noise; the default does not."""
    from kerasish import layers

    makers = {
        "layers.noise.AlphaDropout.call": (lambda: layers.AlphaDropout(0.5, seed=1), "x2"),
        "layers.noise.GaussianDropout.call": (lambda: layers.GaussianDropout(0.5, seed=1), "x2"),
        "layers.noise.GaussianNoise.call": (lambda: layers.GaussianNoise(0.5, seed=1), "x2"),
        "layers.noise._SpatialDropout.call": (lambda: layers.SpatialDropout1D(0.5, seed=1),
                                              "x3"),
    }

    def training(key, arg):
        make, x = makers[key]
        layer, x = make(), h.INPUTS[x]
        return h._differ(layer(x, training=True), layer(x), arg)

    for key in makers:
        h.probe(key, "training")(training)
