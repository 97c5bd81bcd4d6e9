"""Gate tables of ``RandomErasing``, ``RandomPerspective``, ``Equalization``
(layers/augmentation_extra.py) and ``SpectralNormalization``
(layers/spectral_normalization.py). See README.md here. The image input ``img_aug``
is defined in augmentation.py here."""

_ALWAYS = dict(factor=(1.0, 1.0), seed=1)

LAYER_SETUP = {
    "RandomErasing": (_ALWAYS, "img_aug"),
    "RandomPerspective": (_ALWAYS, "img_aug"),
    "Equalization": ({}, "img_aug"),
}

OVERRIDES = {
    ("RandomErasing", "factor"): 0.0, ("RandomErasing", "scale"): (0.6, 0.7),
    ("RandomErasing", "fill_value"): 7.0, ("RandomErasing", "value_range"): (0, 100),
    ("RandomPerspective", "factor"): 0.0, ("RandomPerspective", "scale"): 0.2,
    ("RandomPerspective", "interpolation"): "nearest",
    ("RandomPerspective", "fill_value"): 9.0,
    ("Equalization", "bins"): 8, ("Equalization", "value_range"): (0, 400),
}

# Saving: RandomErasing and RandomPerspective are the identity in the all-layers model's
# predict. Keras 3.15 cannot put Equalization in a functional model (its symbolic call
# returns its input, a cycle), so it is saved in its own test.
LAYER_SAMPLES = {
    "RandomErasing": [({"factor": 0.5, "scale": [0.1, 0.3], "fill_value": 0.5,
                        "value_range": [0, 1], "seed": 3}, (6, 6, 3))],
    "RandomPerspective": [({"factor": 0.5, "scale": 0.4, "interpolation": "nearest",
                            "seed": 3}, (6, 6, 3))],
}
SAVED_ELSEWHERE = {
    "Equalization": "tests/test_augmentation_extra.py::test_equalization_files",
}
