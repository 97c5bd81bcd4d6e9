"""Gate tables of MixUp, CutMix (layers/augmentation_batch.py), AugMix and RandAugment
(layers/augmentation_policy.py) (issue 16). See README.md here."""

import numpy as np

_RNG = np.random.default_rng(161)
# (4, 3, 6, 3): 3 channels in both layouts (channels_first reads C=3, H=6, W=3).
INPUTS = {"img_batch": (_RNG.random((4, 3, 6, 3)) * 255).astype("float32")}

LAYER_SETUP = {
    "MixUp": (dict(seed=1), "img_batch"),
    "CutMix": (dict(seed=1), "img_batch"),
}

OVERRIDES = {
    ("MixUp", "alpha"): 2.0,
    ("CutMix", "factor"): (0.9, 1.0),
}

CONFIG_ONLY = {
    ("MixUp", "data_format"):
        "mixes whole images across the batch: the same in both layouts (Keras stores it "
        "and ignores it too)",
}

_TESTS = "tests/test_augmentation_batch.py"
ELSEWHERE = {
    **{(f"layers.augmentation_batch.{fn}", arg):
       f"{_TESTS}::test_mix_up_transform_matches_keras_and_hand_values"
       for fn, arg in (("mix_up", "labels"),)},
    **{("layers.augmentation_batch.cut_mix", arg):
       f"{_TESTS}::test_cut_mix_transform_matches_keras_and_hand_values"
       for arg in ("labels", "data_format")},
}

LAYER_SAMPLES = {
    "MixUp": [({"alpha": 0.4, "seed": 3}, (6, 6, 3))],
    "CutMix": [({"factor": [0.2, 0.7], "seed": 3}, (6, 6, 3))],
}
