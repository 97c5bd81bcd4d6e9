"""Gate tables of the image preprocessing and augmentation layers and of
``kerasish.ops.image`` (issue 16): layers/image_preprocessing.py, layers/augmentation.py,
layers/augmentation_color.py, ops/image.py. See README.md here."""

import numpy as np

MODULES = ["kerasish.ops.image"]

_RNG = np.random.default_rng(16)
# (2, 3, 6, 3): 3 channels in both layouts (channels_first reads C=3, H=6, W=3).
INPUTS = {"img_aug": (_RNG.random((2, 3, 6, 3)) * 255).astype("float32")}

_SEEDED = dict(seed=1)
LAYER_SETUP = {
    "Resizing": (dict(height=4, width=5), "img_aug"),
    "CenterCrop": (dict(height=2, width=2), "img_aug"),
    "RandomFlip": (_SEEDED, "img_aug"),
    "RandomRotation": (dict(factor=0.1, **_SEEDED), "img_aug"),
    "RandomZoom": (dict(height_factor=0.3, **_SEEDED), "img_aug"),
    "RandomTranslation": (dict(height_factor=0.3, width_factor=0.3, **_SEEDED), "img_aug"),
    "RandomCrop": (dict(height=2, width=2, **_SEEDED), "img_aug"),
    "RandomShear": (dict(x_factor=0.3, **_SEEDED), "img_aug"),
    "RandomContrast": (dict(factor=0.3, **_SEEDED), "img_aug"),
    "RandomBrightness": (dict(factor=0.1, **_SEEDED), "img_aug"),
    "RandomGrayscale": (_SEEDED, "img_aug"),
    "RandomInvert": (_SEEDED, "img_aug"),
    "Solarization": (dict(addition_factor=0.2, threshold_factor=0.5, **_SEEDED), "img_aug"),
    "AutoContrast": ({}, "img_aug"),
}

OVERRIDES = {
    ("Resizing", "height"): 3, ("Resizing", "width"): 2,
    ("Resizing", "interpolation"): "nearest", ("Resizing", "crop_to_aspect_ratio"): True,
    ("Resizing", "pad_to_aspect_ratio"): True, ("Resizing", "fill_mode"): "reflect",
    ("Resizing", "fill_value"): 7.0, ("Resizing", "antialias"): True,
    ("CenterCrop", "height"): 3, ("CenterCrop", "width"): 1,
    ("RandomCrop", "height"): 3, ("RandomCrop", "width"): 1,
    ("RandomFlip", "mode"): "horizontal",
    ("RandomGrayscale", "factor"): 1.0,
    **{(cls, "fill_mode"): "constant"
       for cls in ("RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear")},
    **{(cls, "interpolation"): "nearest"
       for cls in ("RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear")},
    **{(cls, "fill_value"): 9.0
       for cls in ("RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear")},
    ("RandomZoom", "height_factor"): (-0.5, -0.4), ("RandomZoom", "width_factor"): 0.5,
    ("RandomTranslation", "height_factor"): (0.5, 0.6),
    ("RandomTranslation", "width_factor"): (-0.5, -0.4),
    ("RandomShear", "x_factor"): (0.6, 0.7), ("RandomShear", "y_factor"): 0.5,
    **{(cls, "value_range"): (0, 100)
       for cls in ("RandomContrast", "RandomBrightness", "RandomInvert", "Solarization",
                   "AutoContrast")},
    ("Solarization", "addition_factor"): 0.9, ("Solarization", "threshold_factor"): 0.1,
}

# With fill_mode="constant", fill_value shows in the corners the warp leaves empty.
CONTEXT = {
    **{(cls, "fill_value"): {"fill_mode": "constant"}
       for cls in ("RandomRotation", "RandomZoom", "RandomTranslation", "RandomShear")},
    ("Resizing", "fill_value"): {"pad_to_aspect_ratio": True},
}

REFUSED = {("Resizing", "fill_mode")}

CONFIG_ONLY = {
    ("RandomInvert", "data_format"):
        "one decision per image, the same in both layouts (Keras stores it and ignores it "
        "too)",
}

_OPS_TEST = "tests/test_ops_image.py::test_op_matches_keras"
_OPS_ARGS = {
    "resize": ("interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
               "fill_mode", "fill_value", "data_format"),
    "affine_transform": ("interpolation", "fill_mode", "fill_value", "data_format"),
    "perspective_transform": ("interpolation", "fill_value", "data_format"),
    "map_coordinates": ("fill_mode", "fill_value"),
    "crop_images": ("top_cropping", "left_cropping", "bottom_cropping", "right_cropping",
                    "target_height", "target_width", "data_format"),
    "pad_images": ("top_padding", "left_padding", "bottom_padding", "right_padding",
                   "target_height", "target_width", "data_format"),
    "rgb_to_grayscale": ("data_format",), "rgb_to_hsv": ("data_format",),
    "hsv_to_rgb": ("data_format",),
    "gaussian_blur": ("kernel_size", "sigma", "data_format"),
    "extract_patches": ("strides", "dilation_rate", "padding", "data_format"),
    "sobel_edges": ("data_format",),
    "scale_and_translate": ("antialias",),
    "elastic_transform": ("alpha", "sigma", "interpolation", "fill_mode", "fill_value",
                          "seed", "data_format"),
    "ssim": ("max_val", "filter_size", "filter_sigma", "k1", "k2", "data_format"),
}
ELSEWHERE = {
    **{(f"ops.image.{fn}", arg): _OPS_TEST for fn, args in _OPS_ARGS.items() for arg in args},
    ("layers.image_preprocessing.ImageLayer.call", "training"):
        "tests/test_augmentation.py::test_inference_is_the_identity",
}

# Saving: every layer in the all-layers model (it runs predict, so the random layers
# are the identity there); RandomCrop returns its input unchanged at inference (Keras 3
# does too), which the model's declared output shape does not show: saved in its own test.
LAYER_SAMPLES = {
    "Resizing": [({"height": 4, "width": 5, "interpolation": "bicubic"}, (6, 7, 3)),
                 ({"height": 4, "width": 8, "pad_to_aspect_ratio": True, "fill_value": 1.0},
                  (6, 6, 3))],
    "CenterCrop": [({"height": 4, "width": 3}, (6, 7, 3))],
    "RandomFlip": [({"mode": "horizontal", "seed": 3}, (6, 6, 3))],
    "RandomRotation": [({"factor": 0.2, "fill_mode": "constant", "seed": 3}, (6, 6, 3))],
    "RandomZoom": [({"height_factor": 0.2, "width_factor": 0.3, "seed": 3}, (6, 6, 3))],
    "RandomTranslation": [({"height_factor": 0.1, "width_factor": 0.2}, (6, 6, 3))],
    "RandomShear": [({"x_factor": [0.1, 0.2], "y_factor": [0.0, 0.1]}, (6, 6, 3))],
    "RandomContrast": [({"factor": 0.3, "value_range": [0, 1]}, (6, 6, 3))],
    "RandomBrightness": [({"factor": 0.2, "value_range": [0, 1]}, (6, 6, 3))],
    "RandomGrayscale": [({"factor": 0.3}, (6, 6, 3))],
    "RandomInvert": [({"factor": 0.5, "value_range": [0, 1]}, (6, 6, 3))],
    "Solarization": [({"addition_factor": 0.2, "threshold_factor": 0.5}, (6, 6, 3))],
    "AutoContrast": [({"value_range": [-3, 3]}, (6, 6, 3))],
}
SAVED_ELSEWHERE = {
    "RandomCrop": "tests/test_augmentation.py::test_keras_files_load_both_ways",
}
