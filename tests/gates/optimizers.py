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
