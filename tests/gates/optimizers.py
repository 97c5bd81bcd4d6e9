"""Gate tables of the optimizers area (tests/gates/README.md): the new optimizer
classes (Nadam, Adamax, Lion, Adadelta, Ftrl, Lamb, Adafactor) and the base options
``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor`` and
``gradient_accumulation_steps``, now implemented."""

_OPTIMIZERS = ("Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax",
               "Lion", "Adadelta", "Ftrl", "Lamb", "Adafactor")

# The EMA options show in the weights only when the average is written back to them.
CONTEXT = {
    **{(cls, "use_ema"): {"ema_overwrite_frequency": 1} for cls in _OPTIMIZERS},
    **{(cls, "ema_momentum"): {"use_ema": True, "ema_overwrite_frequency": 1}
       for cls in _OPTIMIZERS},
    **{(cls, "ema_overwrite_frequency"): {"use_ema": True} for cls in _OPTIMIZERS},
    # Lion steps by a sign: clipping shows only where it flips one (here the second
    # step's middle element: -0.125 + 0.0875 < 0, clipped -0.0625 + 0.0875 > 0).
    ("Lion", "clipvalue"): {"beta_1": 0.125, "beta_2": 0.0},
}

# Values that show with the probe's weights and gradients (the weights' RMS is 2.2;
# Lion's sign flips only when the momentum dominates).
OVERRIDES = {("Adafactor", "epsilon_2"): 5.0, ("Lion", "beta_1"): 0.999}

CONFIG_ONLY = {
    ("Adafactor", "relative_step"):
        "Keras's rule takes min(rate, 1/sqrt(t)) again right after the relative step, so "
        "the option changes no step in Keras either; kept so that configs match",
}

VALUES = {
    "learning_rate_power": -0.25, "l1_regularization_strength": 0.5,
    "l2_regularization_strength": 0.5, "l2_shrinkage_regularization_strength": 0.5,
    "beta": 0.5, "beta_2_decay": -0.5, "epsilon_1": 0.5, "epsilon_2": 0.5,
    "clip_threshold": 0.01, "relative_step": False,
}

# (category, tier): [(test module, test function, reader)] for the parity gate.
PARITY_SOURCES = {
    ("optimizers", "value"): [
        ("test_optimizers_more", "test_new_optimizers_match_keras", "cls_name"),
        ("test_optimizers_more", "test_base_options_match_keras", "cls_name"),
    ],
    ("optimizers", "fit"): [
        ("test_optimizers_more", "test_fit_matches_keras", "cls_name"),
    ],
}

_PATHS = ("base.Optimizer", "sgd.SGD", "adam.Adam", "adam.AdamW", "rmsprop.RMSprop",
          "adagrad.Adagrad", "nadam.Nadam", "adamax.Adamax", "lion.Lion", "adadelta.Adadelta",
          "ftrl.Ftrl", "lamb.Lamb", "adafactor.Adafactor")

# A generic probe calls `update` with unscaled gradients, which most rules (Adam's,
# Lion's sign, Adadelta's ratio) do not notice divided by a factor: the parity test
# feeds the gradients of the scaled loss, as training does, and checks scale_loss.
ELSEWHERE = {
    (f"optimizers.{path}", "loss_scale_factor"):
        "tests/test_optimizers_more.py::test_base_options_match_keras"
    for path in _PATHS
}
