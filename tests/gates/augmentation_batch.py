"""Gate tables of MixUp, CutMix (layers/augmentation_batch.py), AugMix and RandAugment
(layers/augmentation_policy.py) (issue 16). See README.md here."""

import numpy as np

_RNG = np.random.default_rng(161)
# (4, 3, 6, 3): 3 channels in both layouts (channels_first reads C=3, H=6, W=3).
INPUTS = {"img_batch": (_RNG.random((4, 3, 6, 3)) * 255).astype("float32")}

LAYER_SETUP = {
    "MixUp": (dict(seed=1), "img_batch"),
    "CutMix": (dict(seed=1), "img_batch"),
    "RandomColorDegeneration": (dict(factor=0.5, seed=1), "img_batch"),
    "RandAugment": (dict(seed=1), "img_batch"),
    "AugMix": (dict(seed=1), "img_batch"),
}

OVERRIDES = {
    ("MixUp", "alpha"): 2.0,
    ("CutMix", "factor"): (0.9, 1.0),
    ("RandomColorDegeneration", "factor"): (0.9, 1.0),
    ("RandomColorDegeneration", "value_range"): (0, 100),
    ("RandAugment", "value_range"): (0, 100), ("RandAugment", "num_ops"): 5,
    ("RandAugment", "factor"): (0.9, 1.0), ("RandAugment", "interpolation"): "nearest",
    ("AugMix", "value_range"): (0, 100), ("AugMix", "num_chains"): 1,
    ("AugMix", "chain_depth"): 1, ("AugMix", "factor"): (0.9, 1.0), ("AugMix", "alpha"): 0.3,
    ("AugMix", "all_ops"): False, ("AugMix", "interpolation"): "nearest",
}

# interpolation shows only when a geometric operation is drawn: seeds that draw one
CONTEXT = {
    ("RandAugment", "interpolation"): {"num_ops": 6},
    ("AugMix", "interpolation"): {"num_chains": 6},
}

CONFIG_ONLY = {
    ("MixUp", "data_format"):
        "mixes whole images across the batch: the same in both layouts (Keras stores it "
        "and ignores it too)",
}

_TESTS = "tests/test_augmentation_batch.py"
ELSEWHERE = {
    ("layers.augmentation_batch._BatchMix.call", "training"):
        f"{_TESTS}::test_layer_matches_keras",
    ("layers.augmentation_policy._ImagesOrDict.call", "training"):
        f"{_TESTS}::test_policy_matches_keras",
}

LAYER_SAMPLES = {
    "MixUp": [({"alpha": 0.4, "seed": 3}, (6, 6, 3))],
    "CutMix": [({"factor": [0.2, 0.7], "seed": 3}, (6, 6, 3))],
    "RandomColorDegeneration": [({"factor": 0.4, "value_range": [0, 1]}, (6, 6, 3))],
    "RandAugment": [({"value_range": [0, 1], "num_ops": 3, "factor": 0.4}, (6, 6, 3))],
    "AugMix": [({"value_range": [0, 1], "num_chains": 2, "all_ops": False}, (6, 6, 3))],
}
