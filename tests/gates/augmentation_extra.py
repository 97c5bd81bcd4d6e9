"""Gate tables of ``RandomErasing``, ``RandomPerspective``, ``Equalization``
(layers/augmentation_extra.py) and ``SpectralNormalization``
(layers/spectral_normalization.py). See README.md here. The image input ``img_aug``
is defined in augmentation.py here."""

import numpy as np

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
    "SpectralNormalization":
        "tests/test_augmentation_extra.py::test_spectral_normalization_files_both_ways",
}

_SN = "layers.spectral_normalization.SpectralNormalization"


def probes(h):
    """SpectralNormalization takes a layer: its arguments are probed here, each wrapper
    made afresh (with the global seed reset: ``vector_u`` starts random)."""
    from kerasish import layers, random

    x = np.random.default_rng(3).normal(size=(4, 5)).astype("float32")

    def make(units=3, **kwargs):
        random.set_seed(0)
        return layers.SpectralNormalization(layers.Dense(units), **kwargs)

    @h.probe(_SN, "layer", "power_iterations")
    def _constructor(arg):
        probe = {"layer": dict(units=2), "power_iterations": dict(power_iterations=4)}[arg]
        layer = make(**probe)
        seen = np.asarray(layer(x, training=True))
        again = type(layer).from_config(layer.get_config())  # the value survives saving
        assert (again.layer.units, again.power_iterations) == (
            layer.layer.units, layer.power_iterations)
        return h._differ(seen, np.asarray(make()(x, training=True)), arg)

    @h.probe(_SN, "**kwargs")
    def _unknown_keyword(arg):
        return h._refuses(lambda: make(**{h.BOGUS: 1}), h.BOGUS)

    @h.probe(f"{_SN}.call", "training")
    def _training(arg):
        return h._differ(make()(x, training=True), make()(x), arg)

    @h.probe(f"{_SN}.from_config", "custom_objects")
    def _custom_objects(arg):
        class ProbeDense(layers.Dense):
            pass

        config = layers.SpectralNormalization(ProbeDense(2)).get_config()
        again = layers.SpectralNormalization.from_config(
            config, custom_objects={"ProbeDense": ProbeDense})
        assert type(again.layer) is ProbeDense
        return h._refuses(lambda: layers.SpectralNormalization.from_config(config),
                          "ProbeDense")
