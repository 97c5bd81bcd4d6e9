"""Gate tables of the losses-and-activations area (tests/gates/README.md): the loss
classes and functions beyond cross-entropy/MSE/MAE/Huber (hinge, KL divergence,
Poisson, log-cosh, cosine, MAPE, MSLE, focal, Dice, Tversky, Circle, generalized
cross-entropy, CTC) and the activations celu ... threshold.

Probe values are per owner (OVERRIDES), not global VALUES, so that another area's
``gamma`` or ``margin`` never collides with ours."""

import numpy as np

# ------------------------------------------------------- tests/test_arguments_honoured.py

_LABELS = np.array([0, 0, 1, 1, 2, 1])
_EMB = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
_EMB /= np.linalg.norm(_EMB, axis=1, keepdims=True)
_CTC_LOGITS = np.random.default_rng(4).normal(size=(3, 5, 4)).astype("float32")

DATA = {
    "embeddings": (_LABELS, _EMB),
    "ctc": (np.array([[1, 2, 2], [3, 0, 0], [1, 3, 0]]), _CTC_LOGITS),
}
DATA_KIND = {
    **{name: "binary" for name in (
        "Hinge", "hinge", "SquaredHinge", "squared_hinge", "BinaryFocalCrossentropy",
        "binary_focal_crossentropy", "Dice", "dice", "Tversky", "tversky",
        # Poisson rates and KL probabilities must be positive (the regression data
        # has negative predictions, whose log is NaN whatever the option).
        "Poisson", "poisson")},
    **{name: "categorical" for name in (
        "CategoricalHinge", "categorical_hinge", "CategoricalFocalCrossentropy",
        "categorical_focal_crossentropy", "KLDivergence", "kl_divergence")},
    "CategoricalGeneralizedCrossEntropy": "sparse",
    "categorical_generalized_cross_entropy": "sparse",
    "Circle": "embeddings", "circle": "embeddings",
    "CTC": "ctc", "ctc": "ctc",
}
POSITIONAL = {
    # glu halves its axis: the default (last) axis needs an even size.
    "glu": (np.array([[-2.0, -0.5, 0.3, 1.0], [1.5, 3.0, -4.0, 0.5]], "float32"),),
}

OVERRIDES = {
    **{(owner, "apply_class_balancing"): True
       for owner in ("BinaryFocalCrossentropy", "binary_focal_crossentropy")},
    **{(owner, "gamma"): 1.0 for owner in (
        "BinaryFocalCrossentropy", "binary_focal_crossentropy",
        "CategoricalFocalCrossentropy", "categorical_focal_crossentropy", "Circle", "circle")},
    **{(owner, "margin"): 0.25 for owner in ("Circle", "circle")},
    **{(owner, "remove_diagonal"): False for owner in ("Circle", "circle")},
    ("circle", "ref_labels"): np.array([1, 0, 1, 1, 2, 0]),
    ("circle", "ref_embeddings"): _EMB[::-1].copy(),
    ("CategoricalGeneralizedCrossEntropy", "q"): 0.2,
    # Tversky's alpha/beta default to 0.5 (the global probe value).
    **{(owner, arg): value for owner in ("Tversky", "tversky")
       for arg, value in (("alpha", 0.7), ("beta", 0.2))},
    # No entry of the probe input lies between the default 0.5 and the global 0.8.
    ("hard_shrink", "threshold"): 1.6,
    ("squareplus", "b"): 1.0,
}
CONTEXT = {
    # alpha weighs the classes only under class balancing (as in Keras).
    **{(owner, "alpha"): {"apply_class_balancing": True}
       for owner in ("BinaryFocalCrossentropy", "binary_focal_crossentropy")},
    # With axis=None the loss is one value per batch: every reduction returns it as is.
    **{(owner, "reduction"): {"axis": -1} for owner in ("Dice", "Tversky")},
    # On square probe data the mean of the per-row means equals that of the per-column
    # means: compare the unreduced values (as the gate does for BinaryCrossentropy).
    ("BinaryFocalCrossentropy", "axis"): {"reduction": "none"},
}

# ------------------------------------------------------- tests/test_parity_coverage.py

_fit = lambda args: {args["case"]["loss"][0]}  # noqa: E731
PARITY_SOURCES = {
    ("losses", "value"): [
        ("test_losses_more", "test_classes_match_keras_for_every_reduction_and_weighting",
         "cls_name"),
        ("test_losses_more", "test_function_forms_match_keras", "fn_name"),
    ],
    ("losses", "fit"): [
        ("test_losses_fit", "test_fit_evaluate_and_history_match_keras", _fit),
    ],
    ("activations", "value"): [
        ("test_activations_more", "test_values_match_keras", "name"),
    ],
}
